//! Reading Bitrix's rows back into records, the same way on every SQL
//! engine: a backend runs its own queries and hands each row's columns
//! over as [`Cell`]s; the rules of what a row means, and of what makes it
//! corrupt, live here once.
//!
//! Strict: every row that cannot be one of our records is reported as
//! [`StoreError::Corrupt`] — except a rights row whose record is known (its
//! scope, and its group for a grant) but whose level cannot be read: that
//! record is loaded as unreadable ([`RightsRows`]), so an administrator can
//! see and repair it.

use std::borrow::Cow;

// Bitrix keeps a module's default access level as this option of the
// module; `OptionName` reserves the name, so no ordinary option collides.
use crate::ids::GROUP_DEFAULT_RIGHT;
use crate::ids::{GroupId, IdError, IdKind, ModuleId, OptionName, Scope, SiteId};
use crate::store::error::quoted;
use crate::store::rights_rows::RightsRows;
use crate::store::{Change, ModuleRecords, Revision, RightKey, StoreError};

/// One column value of a row, as an SQL engine hands it over.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// SQL NULL.
    Null,
    /// A signed whole number.
    Int(i64),
    /// An unsigned whole number (MySQL's `UNSIGNED` columns).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    UInt(u64),
    /// A floating-point number.
    #[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
    Real(f64),
    /// Text (or bytes from a text column), not yet checked to be UTF-8.
    Text(&'a [u8]),
    /// Bytes from a binary column.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Blob(&'a [u8]),
    /// A value of another kind (a date, a time), described.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    Other(&'static str),
}

/// A module's rows being read, and the module they belong to.
pub(crate) struct BitrixRows<'a> {
    module: &'a ModuleId,
    records: ModuleRecords,
    /// Default levels and grants, decided once every row is read.
    rights: RightsRows,
}

impl<'a> BitrixRows<'a> {
    /// Starts reading `module`'s rows.
    pub(crate) fn new(module: &'a ModuleId) -> Self {
        BitrixRows {
            module,
            records: ModuleRecords::new(),
            rights: RightsRows::new(),
        }
    }

    /// The records read: options as they are, rights decided now that
    /// every row of each record is in.
    pub(crate) fn finish(self) -> ModuleRecords {
        let BitrixRows {
            mut records,
            rights,
            ..
        } = self;
        rights.into_records(&mut records);
        records
    }

    /// One row of `b_option`: `NAME`, `VALUE`, `SITE_ID`.
    pub(crate) fn common_option(
        &mut self,
        name: Cell<'_>,
        value: Cell<'_>,
        site: Cell<'_>,
    ) -> Result<(), StoreError> {
        let name = self.text("b_option.NAME", name)?;
        // Site values live in b_option_site. A site id here would be the
        // old layout; reading it as common would hand one site's value to
        // every site, so it is reported instead.
        let record = format!("b_option.SITE_ID of option {}", name.escape_debug());
        let site = self.text_or_null(&record, site)?;
        if let Some(site) = site.filter(|s| !s.is_empty()) {
            return Err(StoreError::corrupt(
                Some(*self.module),
                record,
                &site,
                "b_option holds common values only (SITE_ID empty or NULL); site values \
                 belong in b_option_site",
            ));
        }
        self.option_or_default("b_option", Scope::Common, &name, value)
    }

    /// One row of `b_option_site`: `NAME`, `SITE_ID`, `VALUE`.
    pub(crate) fn site_option(
        &mut self,
        name: Cell<'_>,
        site: Cell<'_>,
        value: Cell<'_>,
    ) -> Result<(), StoreError> {
        let name = self.text("b_option_site.NAME", name)?;
        let record = format!("b_option_site.SITE_ID of option {}", name.escape_debug());
        let site = self.text(&record, site)?;
        let site = site_id(&site)
            .map_err(|err| StoreError::corrupt_id(Some(*self.module), record, &err))?;
        self.option_or_default("b_option_site", Scope::Site(site), &name, value)
    }

    /// One row of `b_module_group`: `ID`, `GROUP_ID`, `G_ACCESS`, `SITE_ID`.
    pub(crate) fn grant(
        &mut self,
        id: Cell<'_>,
        group: Cell<'_>,
        access: Cell<'_>,
        site: Cell<'_>,
    ) -> Result<(), StoreError> {
        let (id, row_id) = match Owned::of(id) {
            Owned::Integer(id) => (id.to_string(), i64::try_from(id).ok()),
            other => (other.describe(), None),
        };
        let group_record = format!("b_module_group.GROUP_ID (ID {id})");
        let group = match Owned::of(group) {
            Owned::Integer(n) => u32::try_from(n)
                .ok()
                .and_then(GroupId::new)
                .ok_or_else(|| {
                    StoreError::corrupt(
                        Some(*self.module),
                        &*group_record,
                        &n.to_string(),
                        IdKind::Group.rule(),
                    )
                })?,
            Owned::Text(text) => text
                .parse()
                .map_err(|err| StoreError::corrupt_id(Some(*self.module), &*group_record, &err))?,
            other => {
                return Err(StoreError::corrupt_described(
                    Some(*self.module),
                    group_record,
                    other.describe(),
                    IdKind::Group.rule(),
                ))
            }
        };
        let site_record = format!("b_module_group.SITE_ID (ID {id})");
        let scope = match self.text_or_null(&site_record, site)? {
            None => Scope::Common,
            Some(site) if site.is_empty() => Scope::Common,
            Some(site) => Scope::Site(
                site_id(&site)
                    .map_err(|err| StoreError::corrupt_id(Some(*self.module), site_record, &err))?,
            ),
        };
        // The row's place is known; whether its level can be trusted
        // depends on the other rows of the same record.
        let access = raw_text(access);
        self.rights.push(
            RightKey::Grant { scope, group },
            format!("b_module_group.G_ACCESS (ID {id})"),
            row_id,
            access.as_deref(),
        );
        Ok(())
    }

    /// One row of b_option or b_option_site: an option value, or the
    /// scope's default level when the name is `GROUP_DEFAULT_RIGHT`.
    fn option_or_default(
        &mut self,
        table: &str,
        scope: Scope,
        name: &str,
        value: Cell<'_>,
    ) -> Result<(), StoreError> {
        let record = format!(
            "{table}.VALUE of option {} in scope {scope}",
            name.escape_debug()
        );
        if name == GROUP_DEFAULT_RIGHT {
            let raw = raw_text(value);
            let key = RightKey::Default { scope };
            self.rights.push(key, record, None, raw.as_deref());
            return Ok(());
        }
        let name = OptionName::new(name).map_err(|err| {
            StoreError::corrupt_id(Some(*self.module), format!("{table}.NAME"), &err)
        })?;
        // Bitrix leaves VALUE NULL at times; it reads as the empty string.
        let text = self.text_or_null(&record, value)?.unwrap_or_default();
        let value = text.into_owned();
        // Duplicates that agree pass and duplicates that disagree are
        // reported. The value itself never appears in the error (it may be
        // a secret).
        if let Some(earlier) = self.records.option(scope, name.as_str()) {
            if earlier != value {
                return Err(StoreError::corrupt_described(
                    Some(*self.module),
                    record,
                    "two rows with different values",
                    "an option has one value per scope",
                ));
            }
        }
        self.records
            .apply(&Change::SetOption { scope, name, value });
        Ok(())
    }

    fn text<'v>(&self, record: &str, value: Cell<'v>) -> Result<Cow<'v, str>, StoreError> {
        text(value).map_err(|found| {
            StoreError::corrupt_described(
                Some(*self.module),
                record,
                found,
                "this column holds text",
            )
        })
    }

    fn text_or_null<'v>(
        &self,
        record: &str,
        value: Cell<'v>,
    ) -> Result<Option<Cow<'v, str>>, StoreError> {
        match value {
            Cell::Null => Ok(None),
            other => self.text(record, other).map(Some),
        }
    }
}

/// A stored revision of `module`, read from `record` (the revision
/// table's column): a whole number from 0.
pub(crate) fn revision(
    module: Option<ModuleId>,
    record: &str,
    value: Cell<'_>,
) -> Result<Revision, StoreError> {
    match Owned::of(value) {
        Owned::Integer(n) => {
            if let Ok(n) = u64::try_from(n) {
                return Ok(Revision::new(n));
            }
            Err(StoreError::corrupt(
                module,
                record,
                &n.to_string(),
                "a revision is a whole number from 0",
            ))
        }
        other => Err(StoreError::corrupt_described(
            module,
            record,
            other.describe(),
            "a revision is a whole number from 0",
        )),
    }
}

/// A module id found in column `record` of a listing, lower-cased (module
/// ids match without regard to case, and rows under `Video` belong to
/// `video`).
pub(crate) fn listed_module(record: &str, value: Cell<'_>) -> Result<ModuleId, StoreError> {
    let text = text(value).map_err(|found| {
        StoreError::corrupt_described(None, record, found, "a module id is text")
    })?;
    ModuleId::new(&text).map_err(|err| StoreError::corrupt_id(None, record, &err))
}

/// A stored site id as the stores match it: checked as stored, then
/// reported in lower case, since site ids match without regard to case (as
/// Bitrix's MySQL collation matches them) and rows under `S1` belong to
/// site `s1`. Two rows whose ids differ only in case are then two rows for
/// one record: one if they agree, corrupt if they do not.
pub(crate) fn site_id(stored: &str) -> Result<SiteId, IdError> {
    let checked = SiteId::new(stored)?;
    if !stored.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(checked);
    }
    // The same characters in lower case pass the same check.
    Ok(SiteId::new(&stored.to_ascii_lowercase()).unwrap_or(checked))
}

/// A column value as text: text as is, numbers in decimal (an engine may
/// hand back a number for a numeric-looking value), UTF-8 bytes as text.
/// Else a description of what was found, never the content.
pub(crate) fn text(value: Cell<'_>) -> Result<Cow<'_, str>, String> {
    match value {
        Cell::Text(bytes) | Cell::Blob(bytes) => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|_| format!("{} bytes that are not UTF-8", bytes.len())),
        Cell::Int(n) => Ok(Cow::Owned(n.to_string())),
        Cell::UInt(n) => Ok(Cow::Owned(n.to_string())),
        Cell::Real(x) => Ok(Cow::Owned(x.to_string())),
        Cell::Null => Err("NULL".to_owned()),
        Cell::Other(what) => Err(what.to_owned()),
    }
}

/// A rights column as stored text: `None` for NULL; numbers in decimal,
/// bytes that are not UTF-8 with replacement characters (it is shown to an
/// administrator to repair, never parsed as anything but a level).
fn raw_text(value: Cell<'_>) -> Option<Cow<'_, str>> {
    match value {
        Cell::Null => None,
        Cell::Text(bytes) | Cell::Blob(bytes) => Some(String::from_utf8_lossy(bytes)),
        Cell::Int(n) => Some(Cow::Owned(n.to_string())),
        Cell::UInt(n) => Some(Cow::Owned(n.to_string())),
        Cell::Real(x) => Some(Cow::Owned(x.to_string())),
        Cell::Other(what) => Some(Cow::Borrowed(what)),
    }
}

/// A column value detached from its row, for matching on its type.
pub(crate) enum Owned {
    Null,
    Integer(i128),
    Real(f64),
    Text(String),
    Blob(usize),
    Other(&'static str),
}

impl Owned {
    pub(crate) fn of(value: Cell<'_>) -> Owned {
        match value {
            Cell::Null => Owned::Null,
            Cell::Int(n) => Owned::Integer(n.into()),
            Cell::UInt(n) => Owned::Integer(n.into()),
            Cell::Real(x) => Owned::Real(x),
            Cell::Text(bytes) => Owned::Text(String::from_utf8_lossy(bytes).into_owned()),
            Cell::Blob(bytes) => Owned::Blob(bytes.len()),
            Cell::Other(what) => Owned::Other(what),
        }
    }

    /// What the value is, for an error: numbers and text are shown (they are
    /// ids, levels and revisions, never option values).
    pub(crate) fn describe(&self) -> String {
        match self {
            Owned::Null => "NULL".to_owned(),
            Owned::Integer(n) => format!("\"{n}\""),
            Owned::Real(x) => format!("\"{x}\""),
            Owned::Text(text) => quoted(text),
            Owned::Blob(len) => format!("a BLOB of {len} bytes"),
            Owned::Other(what) => (*what).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;

    const VIDEO: ModuleId = ModuleId::from_static("video");

    #[test]
    fn options_defaults_and_grants_become_records() {
        let s1 = Scope::Site(SiteId::from_static("s1"));
        let mut rows = BitrixRows::new(&VIDEO);
        rows.common_option(
            Cell::Text(b"ServerHost"),
            Cell::Text(b"a.example"),
            Cell::Null,
        )
        .unwrap();
        rows.common_option(
            Cell::Text(b"GROUP_DEFAULT_RIGHT"),
            Cell::Text(b"R"),
            Cell::Text(b""),
        )
        .unwrap();
        rows.site_option(Cell::Text(b"ServerHost"), Cell::Text(b"s1"), Cell::Null)
            .unwrap();
        rows.grant(
            Cell::Int(7),
            Cell::Text(b"5"),
            Cell::Text(b"W"),
            Cell::Text(b"s1"),
        )
        .unwrap();
        let records = rows.finish();
        assert_eq!(
            records.option(Scope::Common, "ServerHost"),
            Some("a.example")
        );
        assert_eq!(
            records.option(s1, "ServerHost"),
            Some(""),
            "NULL reads as empty"
        );
        assert_eq!(records.default_level(Scope::Common), Some(AccessLevel::R));
        assert_eq!(
            records.grant(s1, GroupId::from_static(5)),
            Some(AccessLevel::W)
        );
    }

    #[test]
    fn rows_that_belong_to_no_record_are_corrupt() {
        let group_zero = BitrixRows::new(&VIDEO)
            .grant(Cell::Int(3), Cell::Text(b"0"), Cell::Text(b"R"), Cell::Null)
            .unwrap_err();
        let text = group_zero.to_string();
        assert!(text.contains("b_module_group.GROUP_ID (ID 3)"), "{text}");
        let bad_site = BitrixRows::new(&VIDEO)
            .site_option(Cell::Text(b"a"), Cell::Text(b"s 1"), Cell::Text(b"x"))
            .unwrap_err();
        assert!(bad_site.is_corrupt(), "{bad_site}");
        let old_layout = BitrixRows::new(&VIDEO)
            .common_option(Cell::Text(b"a"), Cell::Text(b"x"), Cell::Text(b"s1"))
            .unwrap_err();
        assert!(
            old_layout.to_string().contains("b_option_site"),
            "{old_layout}"
        );
    }

    #[test]
    fn an_upper_case_site_id_reads_as_the_site_in_lower_case() {
        let mut rows = BitrixRows::new(&VIDEO);
        rows.site_option(Cell::Text(b"a"), Cell::Text(b"S"), Cell::Text(b"1"))
            .unwrap();
        let records = rows.finish();
        let site = Scope::Site(SiteId::from_static("s"));
        assert_eq!(records.option(site, "a"), Some("1"));
    }

    #[test]
    fn an_unsigned_group_id_above_i64_is_corrupt_not_wrapped() {
        let mut rows = BitrixRows::new(&VIDEO);
        let err = rows
            .grant(
                Cell::Int(1),
                Cell::UInt(u64::MAX),
                Cell::Text(b"R"),
                Cell::Null,
            )
            .unwrap_err();
        assert!(err.is_corrupt(), "{err}");
        assert!(err.to_string().contains(&u64::MAX.to_string()), "{err}");
    }

    #[test]
    fn an_unsigned_group_id_in_range_is_a_grant() {
        let mut rows = BitrixRows::new(&VIDEO);
        rows.grant(
            Cell::UInt(7),
            Cell::UInt(u64::from(u32::MAX)),
            Cell::Text(b"W"),
            Cell::Null,
        )
        .unwrap();
        let records = rows.finish();
        assert_eq!(
            records.grant(Scope::Common, GroupId::from_static(u32::MAX)),
            Some(AccessLevel::W)
        );
    }

    #[test]
    fn a_revision_is_a_whole_number_from_zero() {
        assert_eq!(
            revision(Some(VIDEO), "r", Cell::UInt(u64::MAX)).unwrap(),
            Revision::new(u64::MAX)
        );
        assert!(revision(Some(VIDEO), "r", Cell::Int(-1))
            .unwrap_err()
            .is_corrupt());
        let text = revision(Some(VIDEO), "r", Cell::Text(b"x"))
            .unwrap_err()
            .to_string();
        assert!(text.contains("found \"x\""), "{text}");
    }

    #[test]
    fn a_listed_module_id_is_lower_case_and_a_bad_one_names_its_column() {
        let listed = listed_module("b_option.MODULE_ID", Cell::Text(b"Video")).unwrap();
        assert_eq!(listed, VIDEO);
        let err = listed_module("b_option.MODULE_ID", Cell::Text(b"no spaces")).unwrap_err();
        assert!(err.to_string().contains("b_option.MODULE_ID"), "{err}");
    }

    #[test]
    fn a_date_is_described_not_read_as_text() {
        let err = listed_module("b_option.MODULE_ID", Cell::Other("a date")).unwrap_err();
        assert!(err.to_string().contains("found a date"), "{err}");
    }
}
