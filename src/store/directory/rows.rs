//! Reading the site's rows — `b_group`, `b_lang`, `b_user_group`,
//! `b_event_log` — the same way on every SQL engine, and the columns an
//! event-log entry is written as. A backend runs its own queries and hands
//! each row's columns over as [`Cell`]s; what a row means lives here once.
//!
//! Flags follow Bitrix's own queries (`ACTIVE = 'Y'`, `DEF = 'Y'`): any
//! other text is "no", so a row Bitrix would skip is skipped here too.

use std::time::{Duration, SystemTime};

use crate::groups::{Group, GroupDirectory};
use crate::ids::{GroupId, ModuleId, UserId};
use crate::store::bitrix_rows::{site_id, text, Cell, Owned};
use crate::store::directory::{AuditType, LogEntry, Site, Sites};
use crate::store::StoreError;

/// One row of `b_group`: `ID`, `NAME`, `ACTIVE`, `C_SORT`, `STRING_ID`.
pub(crate) fn group(
    id: Cell<'_>,
    name: Cell<'_>,
    active: Cell<'_>,
    sort: Cell<'_>,
    string_id: Cell<'_>,
) -> Result<Group, StoreError> {
    let id = positive_u32(
        id,
        "b_group.ID",
        "a group id is a whole number from 1 to 4294967295",
    )?;
    let group = GroupId::new(id).expect("positive");
    let row = |column: &str| format!("b_group.{column} (ID {id})");
    let name = text(name).map_err(|found| {
        StoreError::corrupt_described(None, row("NAME"), found, "a group's name is text")
    })?;
    let mut out = Group::new(group, name)
        .with_active(flag(active))
        .with_sort(sort_order(sort));
    if let Ok(string_id) = text(string_id) {
        if !string_id.is_empty() {
            out = out.with_string_id(string_id);
        }
    }
    Ok(out)
}

/// One row of `b_lang`: `LID`, `NAME`, `ACTIVE`, `SORT`, `DEF`.
pub(crate) fn site(
    lid: Cell<'_>,
    name: Cell<'_>,
    active: Cell<'_>,
    sort: Cell<'_>,
    default: Cell<'_>,
) -> Result<Site, StoreError> {
    let lid = text(lid).map_err(|found| {
        StoreError::corrupt_described(None, "b_lang.LID", found, "a site id is text")
    })?;
    // PostgreSQL pads `char(2)`.
    let lid = lid.trim_end();
    let id = site_id(lid).map_err(|err| StoreError::corrupt_id(None, "b_lang.LID", &err))?;
    let name = text(name).map_err(|found| {
        StoreError::corrupt_described(
            None,
            format!("b_lang.NAME (LID {lid})"),
            found,
            "a site's name is text",
        )
    })?;
    Ok(Site::new(id, name)
        .with_active(flag(active))
        .with_sort(sort_order(sort))
        .with_default(flag(default)))
}

/// The directory of `b_group`'s rows. Its primary key keeps ids apart, so
/// a repeat is a table made by hand without one.
pub(crate) fn group_directory(groups: Vec<Group>) -> Result<GroupDirectory, StoreError> {
    GroupDirectory::new(groups).map_err(|err| {
        StoreError::corrupt_described(
            None,
            "b_group.ID",
            err.to_string(),
            "each group id may appear once",
        )
    })
}

/// The site list of `b_lang`'s rows (ids that differ only in case are one
/// site, so two of them are corrupt).
pub(crate) fn site_list(sites: Vec<Site>) -> Result<Sites, StoreError> {
    Sites::new(sites).map_err(|err| {
        StoreError::corrupt_described(
            None,
            "b_lang.LID",
            err.to_string(),
            "each site id may appear once",
        )
    })
}

/// A user's groups as read: sorted, each once (a table without Bitrix's
/// unique key may repeat a membership).
pub(crate) fn memberships(mut groups: Vec<GroupId>) -> Vec<GroupId> {
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// `GROUP_ID` of one row of `b_user_group`.
pub(crate) fn member_group(user: UserId, group: Cell<'_>) -> Result<GroupId, StoreError> {
    let record = format!("b_user_group.GROUP_ID (USER_ID {user})");
    let id = positive_u32(
        group,
        &record,
        "a group id is a whole number from 1 to 4294967295",
    )?;
    Ok(GroupId::new(id).expect("positive"))
}

/// One row of `b_event_log`, with `TIMESTAMP_X` handed over as whole
/// seconds since the Unix epoch. `Ok(None)` for a row of another audit
/// type (the queries leave those out; a hand-made view might not).
#[allow(clippy::too_many_arguments)] // one per column, named at the call
pub(crate) fn log_entry(
    id: Cell<'_>,
    at: Cell<'_>,
    audit_type: Cell<'_>,
    module_id: Cell<'_>,
    item_id: Cell<'_>,
    site: Cell<'_>,
    user: Cell<'_>,
    description: Cell<'_>,
) -> Result<Option<LogEntry>, StoreError> {
    let Some(audit_type) = text(audit_type)
        .ok()
        .and_then(|code| AuditType::from_code(&code))
    else {
        return Ok(None);
    };
    let id = match Owned::of(id) {
        Owned::Integer(n) => u64::try_from(n).ok(),
        _ => None,
    }
    .ok_or_else(|| {
        StoreError::corrupt_described(
            None,
            "b_event_log.ID",
            Owned::of(id).describe(),
            "a row id is a whole number from 0",
        )
    })?;
    let row = |column: &str| format!("b_event_log.{column} (ID {id})");
    let seconds = match Owned::of(at) {
        Owned::Integer(n) => u64::try_from(n).ok(),
        Owned::Real(x) if x >= 0.0 => Some(x as u64),
        Owned::Text(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| *x >= 0.0)
            .map(|x| x as u64),
        _ => None,
    }
    .ok_or_else(|| {
        StoreError::corrupt_described(
            None,
            row("TIMESTAMP_X"),
            Owned::of(at).describe(),
            "the time of an event is a date and time after 1970",
        )
    })?;
    let module = text(module_id).map_err(|found| {
        StoreError::corrupt_described(None, row("MODULE_ID"), found, "a module id is text")
    })?;
    let module = ModuleId::new(&module)
        .map_err(|err| StoreError::corrupt_id(None, row("MODULE_ID"), &err))?;
    let item = text(item_id).map_err(|found| {
        StoreError::corrupt_described(None, row("ITEM_ID"), found, "an item id is text")
    })?;
    let description = match description {
        Cell::Null => Default::default(),
        other => text(other).map_err(|found| {
            StoreError::corrupt_described(None, row("DESCRIPTION"), found, "a description is text")
        })?,
    };
    let mut entry = LogEntry::new(audit_type, module, item, description)
        .stored_as(id, SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
    if let Ok(site) = text(site) {
        let site = site.trim_end();
        if !site.is_empty() {
            let site =
                site_id(site).map_err(|err| StoreError::corrupt_id(None, row("SITE_ID"), &err))?;
            entry = entry.with_site(site);
        }
    }
    // Bitrix stores 0 or NULL for "no user".
    if let Owned::Integer(n) = Owned::of(user) {
        if let Some(user) = u32::try_from(n).ok().and_then(UserId::new) {
            entry = entry.with_user(user);
        }
    }
    Ok(Some(entry))
}

/// The columns of `b_event_log` a store reads and writes (Bitrix's table
/// has more: `REMOTE_ADDR`, `USER_AGENT`, `REQUEST_URI`, `GUEST_ID`).
#[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
pub(crate) const EVENT_LOG_COLUMNS: [&str; 9] = [
    "ID",
    "TIMESTAMP_X",
    "SEVERITY",
    "AUDIT_TYPE_ID",
    "MODULE_ID",
    "ITEM_ID",
    "SITE_ID",
    "USER_ID",
    "DESCRIPTION",
];

/// The columns an entry is written as, in the order `SEVERITY`,
/// `AUDIT_TYPE_ID`, `MODULE_ID`, `ITEM_ID`, `SITE_ID`, `USER_ID`,
/// `DESCRIPTION` (`TIMESTAMP_X` and `ID` are the database's).
pub(crate) struct LogRow<'a> {
    pub(crate) severity: &'static str,
    pub(crate) audit_type: &'static str,
    pub(crate) module_id: &'a str,
    pub(crate) item_id: &'a str,
    pub(crate) site_id: Option<&'a str>,
    pub(crate) user_id: Option<i64>,
    pub(crate) description: &'a str,
}

impl<'a> LogRow<'a> {
    pub(crate) fn of(entry: &'a LogEntry) -> Self {
        LogRow {
            severity: entry.audit_type().severity(),
            audit_type: entry.audit_type().code(),
            module_id: entry.module_id_str(),
            item_id: entry.item_id(),
            site_id: entry.site_id_str(),
            user_id: entry.user_id().map(|u| i64::from(u.get())),
            description: entry.description(),
        }
    }
}

/// `at` in whole seconds since the Unix epoch, for the queries' `since`
/// (0 for a time before it).
pub(crate) fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The first whole second at or after `at`, in seconds since the Unix
/// epoch (0 for a time before it), for a query's `since` in SQL: an
/// entry's time is read in whole seconds, so it is at or after `at` (as
/// [`LogQuery::matches`](crate::store::directory::LogQuery::matches) asks)
/// exactly when its second is at or after this one — and a `LIMIT` then
/// counts only rows the query matches.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn first_whole_second(at: SystemTime) -> i64 {
    let whole = unix_seconds(at);
    let past_it = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .is_ok_and(|d| d.subsec_nanos() > 0);
    if past_it {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// The audit types read back, for the queries' `IN (…)`.
pub(crate) fn audit_codes() -> [&'static str; 3] {
    AuditType::ALL.map(AuditType::code)
}

/// Bitrix's flags: `'Y'` is yes, anything else no.
fn flag(value: Cell<'_>) -> bool {
    text(value).is_ok_and(|t| t.trim_end() == "Y")
}

/// A sort order: negative ones first as 0, NULL or unreadable as
/// Bitrix's default 100 (sorting is for show, never for access).
fn sort_order(value: Cell<'_>) -> u32 {
    match Owned::of(value) {
        Owned::Integer(n) => u32::try_from(n.max(0)).unwrap_or(u32::MAX),
        _ => 100,
    }
}

fn positive_u32(value: Cell<'_>, record: &str, rule: &str) -> Result<u32, StoreError> {
    match Owned::of(value) {
        Owned::Integer(n) => u32::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| StoreError::corrupt(None, record, &n.to_string(), rule)),
        other => Err(StoreError::corrupt_described(
            None,
            record,
            other.describe(),
            rule,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_since_is_rounded_up_to_a_whole_second() {
        let at =
            |s, ms| SystemTime::UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms);
        assert_eq!(first_whole_second(at(100, 0)), 100);
        assert_eq!(first_whole_second(at(100, 1)), 101);
        assert_eq!(first_whole_second(at(100, 999)), 101);
        assert_eq!(
            first_whole_second(SystemTime::UNIX_EPOCH - Duration::from_secs(5)),
            0
        );
    }
}
