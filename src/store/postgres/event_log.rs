//! Bitrix's event log, `b_event_log`, on PostgreSQL: entries written inside
//! the commit's transaction ([`insert`]), and read back ([`EventLog`]).
//! What a row means is shared by the SQL stores ([`rows`]).
//!
//! **Times.** Bitrix's `TIMESTAMP_X` is a `timestamp` without time zone
//! holding the local wall-clock time of the server's zone (its default is
//! `CURRENT_TIMESTAMP`, stored as local time). Entries are stamped with
//! `LOCALTIMESTAMP` — written explicitly, since a site's column may have
//! no default — and read back as `timestamp_x::timestamptz`, which reads
//! the wall-clock time in the session's `TimeZone`: the exact instant,
//! whatever the zone (for a column that is a `timestamptz` already, the
//! cast changes nothing). A `since` is turned into wall-clock time the
//! same way, so the comparison runs on the column as stored (and can use
//! its index). Local times repeat in the hour a daylight-saving change
//! turns back; that is in Bitrix's layout, not in the reading.

use super::error::{PgError, BACKEND};
use super::read::{number_or_text, text_cell};
use super::session::Session;
use super::PostgresStore;
use crate::ids::ModuleId;
use crate::store::directory::rows::{self, LogRow};
use crate::store::directory::{EventLog, LogEntry, LogQuery};
use crate::store::StoreError;

/// One entry; `$6`, the user id, bound as bigint (Bitrix's column is
/// `int`, the store's own `bigint`; an id that does not fit an `int` is an
/// error, not a wrap).
const INSERT: &str = "\
    INSERT INTO b_event_log (timestamp_x, severity, audit_type_id, module_id, item_id, site_id, \
      user_id, description) \
    VALUES (LOCALTIMESTAMP, $1, $2, $3, $4, $5, $6::bigint, $7)";

/// The rows a [`LogQuery`] asks for: `$1`–`$3` the audit types read back
/// (`$3` options'), `$4` the first whole second asked for or NULL, `$5`
/// the module or NULL, `$6` the limit. A module's option rows name it in
/// `MODULE_ID`, its rights rows at the start of the description
/// (`video:` or `video/s1:`), both matched in lower case (ASCII letters
/// only, as module ids fold) and without `LIKE`, whose `_` would match any
/// character. The order names the table's column: a bare `id` would be
/// the output column, `id::text`, and sort `9` above `13`.
const READ: &str = "\
    SELECT id::text, floor(extract(epoch FROM timestamp_x::timestamptz))::bigint::text, \
      audit_type_id::text, module_id::text, item_id::text, site_id::text, user_id::text, \
      description::text \
    FROM b_event_log \
    WHERE audit_type_id IN ($1, $2, $3) \
      AND ($4::bigint IS NULL \
           OR timestamp_x >= to_timestamp($4::bigint) AT TIME ZONE current_setting('TimeZone')) \
      AND ($5::text IS NULL \
           OR (audit_type_id = $3 AND lower(module_id::text COLLATE \"C\") = $5::text) \
           OR (audit_type_id <> $3 \
               AND lower(left(description::text, length($5::text) + 1) COLLATE \"C\") \
                   IN ($5::text || ':', $5::text || '/'))) \
    ORDER BY b_event_log.id DESC LIMIT $6";

/// Writes `entries`, stamped with the database's clock, inside the
/// caller's transaction, in their order (so ids rise with it).
pub(super) fn insert(
    session: &mut Session,
    module: &ModuleId,
    entries: &[LogEntry],
) -> Result<(), PgError> {
    for entry in entries {
        let row = LogRow::of(entry);
        session.execute(
            INSERT,
            &[
                &row.severity,
                &row.audit_type,
                &row.module_id,
                &row.item_id,
                &row.site_id,
                &row.user_id,
                &row.description,
            ],
            "write the event log",
            Some(*module),
        )?;
    }
    Ok(())
}

/// The first column of an entry of `entries` that PostgreSQL's text cannot
/// hold (it has the character U+0000), named for an error.
pub(super) fn unstorable(entries: &[LogEntry]) -> Option<&'static str> {
    entries.iter().find_map(|entry| {
        if entry.item_id().contains('\0') {
            Some("ITEM_ID")
        } else if entry.description().contains('\0') {
            Some("DESCRIPTION")
        } else {
            None
        }
    })
}

impl EventLog for PostgresStore {
    fn read(&self, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError> {
        let query = query.clone();
        // On the reading connection: never behind a commit that waits.
        PostgresStore::read(self, move |session| read_rows(session, &query))
    }
}

/// The rows `query` asks for, newest first.
fn read_rows(session: &mut Session, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError> {
    let [rights, default, option] = rows::audit_codes();
    let module = query.module_filter().map(|m| m.as_str().to_owned());
    let since = query.since_filter().map(rows::first_whole_second);
    let limit = i64::try_from(query.max_rows()).unwrap_or(i64::MAX);
    let found = session
        .query(
            READ,
            &[&rights, &default, &option, &since, &module, &limit],
            "read the event log",
            None,
        )
        .map_err(PgError::into_store_error)?;
    // Every row the query returns matches it (the SQL says what `matches`
    // says); the filter keeps that promise should a row read otherwise.
    let mut entries = Vec::with_capacity(found.len());
    for row in &found {
        let cell = |i| text_cell(row, i, "read the event log", None);
        let entry = rows::log_entry(
            number_or_text(cell(0)?),
            number_or_text(cell(1)?),
            cell(2)?,
            cell(3)?,
            cell(4)?,
            cell(5)?,
            number_or_text(cell(6)?),
            cell(7)?,
        )?;
        entries.extend(entry.filter(|e| query.matches(e)));
    }
    Ok(entries)
}

/// Refuses entries whose text PostgreSQL cannot store, before anything is
/// written, as option values are refused.
pub(super) fn refuse_unstorable(module: &ModuleId, entries: &[LogEntry]) -> Result<(), StoreError> {
    match unstorable(entries) {
        None => Ok(()),
        Some(column) => Err(StoreError::backend_failure(
            BACKEND,
            format!(
                "the {column} of an event-log entry (module {module}) holds the character \
                 U+0000, which PostgreSQL's text cannot store; nothing was written"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::directory::AuditType;

    #[test]
    fn a_nul_in_an_entry_names_its_column() {
        let main = ModuleId::from_static("main");
        let entry =
            |item: &str, text: &str| LogEntry::new(AuditType::RightsChanged, main, item, text);
        assert_eq!(unstorable(&[entry("5", "video: () => (W)")]), None);
        assert_eq!(
            unstorable(&[entry("5", "ok"), entry("5", "a\0b")]),
            Some("DESCRIPTION")
        );
        assert_eq!(unstorable(&[entry("5\0", "ok")]), Some("ITEM_ID"));
        let err = refuse_unstorable(&main, &[entry("5", "a\0b")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("the DESCRIPTION of an event-log entry (module main)"),
            "{err}"
        );
    }
}
