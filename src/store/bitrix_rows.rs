//! [`BitrixRows`]: Bitrix's rows (`b_option`, `b_option_site`,
//! `b_module_group`) decoded into one module's records, by the rules every
//! SQL backend shares. Each backend reads its columns in its own types,
//! wraps them as [`Cell`]s, and hands them over row by row.
//!
//! Decoding is strict: a row that cannot be one of our records is
//! [`StoreError::Corrupt`] — except a rights row whose record is known (its
//! scope, and its group for a grant) but whose level cannot be read: that
//! record loads as unreadable ([`RightsRows`]), so an administrator can see
//! and repair it.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::rights_rows::RightsRows;
use super::{Change, ModuleRecords, RightKey, StoreError};
use crate::ids::{GroupId, IdError, ModuleId, OptionName, Scope, SiteId, GROUP_DEFAULT_RIGHT};

/// One column value of a row, in a backend's own type.
pub(crate) trait Cell {
    /// The value as text: `Ok(None)` for NULL; `Err` with a description of
    /// what was found (never the content, which may be a secret) when the
    /// value is not text and has no text form.
    fn text(&self) -> Result<Option<Cow<'_, str>>, String>;

    /// The value as stored text to show an administrator, whatever its
    /// type (bytes that are not UTF-8 with replacement characters); `None`
    /// for NULL.
    fn raw(&self) -> Option<Cow<'_, str>>;
}

/// A text column read as text (or NULL), as a server engine hands it over.
impl Cell for Option<&str> {
    fn text(&self) -> Result<Option<Cow<'_, str>>, String> {
        Ok(self.map(Cow::Borrowed))
    }

    fn raw(&self) -> Option<Cow<'_, str>> {
        self.map(Cow::Borrowed)
    }
}

/// `b_module_group.ID` as found.
pub(crate) enum RowId {
    /// A number: the row's id.
    Number(i64),
    /// Anything else, described (a row id is shown, never used).
    Other(String),
}

/// `b_module_group.GROUP_ID` as found.
pub(crate) enum GroupCell<'a> {
    /// A number.
    Number(i64),
    /// Text, which must be the digits of a group id.
    Text(Cow<'a, str>),
    /// Anything else, described.
    Other(String),
}

/// The records being read, and the module they belong to.
pub(crate) struct BitrixRows<'m> {
    module: &'m ModuleId,
    records: ModuleRecords,
    /// Default levels and grants, decided once every row is read.
    rights: RightsRows,
}

impl<'m> BitrixRows<'m> {
    /// No rows read yet of `module`.
    pub(crate) fn new(module: &'m ModuleId) -> Self {
        BitrixRows {
            module,
            records: ModuleRecords::new(),
            rights: RightsRows::new(),
        }
    }

    /// The records of every row read: options, then the rights, decided
    /// now that all rows of each record are in.
    pub(crate) fn into_records(self) -> ModuleRecords {
        let BitrixRows {
            mut records,
            rights,
            ..
        } = self;
        rights.into_records(&mut records);
        records
    }

    /// One row of `b_option`: a common option value, or the common default
    /// level when the name is `GROUP_DEFAULT_RIGHT`.
    pub(crate) fn common_option(
        &mut self,
        name: &dyn Cell,
        value: &dyn Cell,
        site: &dyn Cell,
    ) -> Result<(), StoreError> {
        let name = self.text("b_option.NAME", name)?;
        // Site values live in b_option_site. A site id here would be the
        // old layout; reading it as common would hand one site's value to
        // every site, so it is reported instead.
        let site = self.text_or_null(&format!("b_option.SITE_ID of option {name}"), site)?;
        if let Some(site) = site.filter(|s| !s.is_empty()) {
            return Err(StoreError::corrupt(
                Some(*self.module),
                format!("b_option.SITE_ID of option {}", name.escape_debug()),
                &site,
                "b_option holds common values only (SITE_ID empty or NULL); site values \
                 belong in b_option_site",
            ));
        }
        self.option_or_default("b_option", Scope::Common, &name, value)
    }

    /// One row of `b_option_site`: a site's option value, or the site's
    /// default level when the name is `GROUP_DEFAULT_RIGHT`.
    pub(crate) fn site_option(
        &mut self,
        name: &dyn Cell,
        site: &dyn Cell,
        value: &dyn Cell,
    ) -> Result<(), StoreError> {
        let name = self.text("b_option_site.NAME", name)?;
        let record = format!("b_option_site.SITE_ID of option {}", name.escape_debug());
        let site = self.text(&record, site)?;
        let site = site_id(&site)
            .map_err(|err| StoreError::corrupt_id(Some(*self.module), record, &err))?;
        self.option_or_default("b_option_site", Scope::Site(site), &name, value)
    }

    /// One row of `b_module_group`: a group's grant in a scope (`SITE_ID`
    /// NULL or empty for the common one).
    pub(crate) fn grant(
        &mut self,
        id: RowId,
        group: GroupCell<'_>,
        access: &dyn Cell,
        site: &dyn Cell,
    ) -> Result<(), StoreError> {
        let (id, row_id) = match id {
            RowId::Number(id) => (id.to_string(), Some(id)),
            RowId::Other(found) => (found, None),
        };
        let group_record = format!("b_module_group.GROUP_ID (ID {id})");
        let group = match group {
            GroupCell::Number(n) => {
                u32::try_from(n)
                    .ok()
                    .and_then(GroupId::new)
                    .ok_or_else(|| {
                        StoreError::corrupt(
                            Some(*self.module),
                            &*group_record,
                            &n.to_string(),
                            crate::ids::IdKind::Group.rule(),
                        )
                    })?
            }
            GroupCell::Text(text) => text
                .parse()
                .map_err(|err| StoreError::corrupt_id(Some(*self.module), &*group_record, &err))?,
            GroupCell::Other(found) => {
                return Err(StoreError::corrupt_described(
                    Some(*self.module),
                    group_record,
                    found,
                    crate::ids::IdKind::Group.rule(),
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
        self.rights.push(
            RightKey::Grant { scope, group },
            format!("b_module_group.G_ACCESS (ID {id})"),
            row_id,
            access.raw().as_deref(),
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
        value: &dyn Cell,
    ) -> Result<(), StoreError> {
        let record = format!(
            "{table}.VALUE of option {} in scope {scope}",
            name.escape_debug()
        );
        if name == GROUP_DEFAULT_RIGHT {
            let key = RightKey::Default { scope };
            self.rights.push(key, record, None, value.raw().as_deref());
            return Ok(());
        }
        let name = OptionName::new(name).map_err(|err| {
            StoreError::corrupt_id(Some(*self.module), format!("{table}.NAME"), &err)
        })?;
        // Bitrix leaves VALUE NULL at times; it reads as the empty string.
        let value = self
            .text_or_null(&record, value)?
            .unwrap_or_default()
            .into_owned();
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

    /// A column that must hold text (not NULL).
    fn text<'c>(&self, record: &str, cell: &'c dyn Cell) -> Result<Cow<'c, str>, StoreError> {
        match cell.text() {
            Ok(Some(text)) => Ok(text),
            Ok(None) => Err(self.not_text(record, "NULL".to_owned())),
            Err(found) => Err(self.not_text(record, found)),
        }
    }

    /// A column that holds text or NULL.
    fn text_or_null<'c>(
        &self,
        record: &str,
        cell: &'c dyn Cell,
    ) -> Result<Option<Cow<'c, str>>, StoreError> {
        cell.text().map_err(|found| self.not_text(record, found))
    }

    fn not_text(&self, record: &str, found: String) -> StoreError {
        StoreError::corrupt_described(Some(*self.module), record, found, "this column holds text")
    }
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

/// The module ids found in a listing of the tables, lower-cased, sorted,
/// without repeats.
#[derive(Default)]
pub(crate) struct ModuleList {
    found: BTreeSet<ModuleId>,
}

impl ModuleList {
    /// A `MODULE_ID` read from `table`: any spelling of a valid module id
    /// (`Video` is module `video`); anything else is corrupt.
    pub(crate) fn push(&mut self, table: &str, module_id: &dyn Cell) -> Result<(), StoreError> {
        let record = format!("{table}.MODULE_ID");
        let text = match module_id.text() {
            Ok(Some(text)) => text,
            Ok(None) => return Err(not_a_module_id(record, "NULL".to_owned())),
            Err(found) => return Err(not_a_module_id(record, found)),
        };
        let module =
            ModuleId::new(&text).map_err(|err| StoreError::corrupt_id(None, record, &err))?;
        self.found.insert(module);
        Ok(())
    }

    /// The modules, sorted.
    pub(crate) fn into_sorted(self) -> Vec<ModuleId> {
        self.found.into_iter().collect()
    }
}

fn not_a_module_id(record: String, found: String) -> StoreError {
    StoreError::corrupt_described(None, record, found, "a module id is text")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;

    const VIDEO: ModuleId = ModuleId::from_static("video");
    const S1: Scope = Scope::Site(SiteId::from_static("s1"));

    fn text(value: &str) -> Option<&str> {
        Some(value)
    }

    #[test]
    fn options_defaults_and_grants_become_records() {
        let mut rows = BitrixRows::new(&VIDEO);
        rows.common_option(&text("ServerHost"), &text("a.example"), &None)
            .unwrap();
        rows.common_option(&text("GROUP_DEFAULT_RIGHT"), &text("R"), &text(""))
            .unwrap();
        rows.site_option(&text("ServerHost"), &text("S1"), &None)
            .unwrap();
        rows.grant(
            RowId::Number(7),
            GroupCell::Text("5".into()),
            &text("W"),
            &text("s1"),
        )
        .unwrap();
        let records = rows.into_records();
        assert_eq!(
            records.option(Scope::Common, "ServerHost"),
            Some("a.example")
        );
        assert_eq!(
            records.option(S1, "ServerHost"),
            Some(""),
            "NULL reads as empty"
        );
        assert_eq!(records.default_level(Scope::Common), Some(AccessLevel::R));
        assert_eq!(
            records.grant(S1, GroupId::from_static(5)),
            Some(AccessLevel::W)
        );
    }

    #[test]
    fn rows_that_belong_to_no_record_are_corrupt() {
        let group_zero = BitrixRows::new(&VIDEO)
            .grant(
                RowId::Number(3),
                GroupCell::Text("0".into()),
                &text("R"),
                &None,
            )
            .unwrap_err();
        assert!(
            group_zero
                .to_string()
                .contains("b_module_group.GROUP_ID (ID 3)"),
            "{group_zero}"
        );
        let bad_site = BitrixRows::new(&VIDEO)
            .site_option(&text("a"), &text("s 1"), &text("x"))
            .unwrap_err();
        assert!(bad_site.is_corrupt(), "{bad_site}");
        let old_layout = BitrixRows::new(&VIDEO)
            .common_option(&text("a"), &text("x"), &text("s1"))
            .unwrap_err();
        assert!(
            old_layout.to_string().contains("b_option_site"),
            "{old_layout}"
        );
    }

    #[test]
    fn modules_are_listed_lower_case_once_each() {
        let mut list = ModuleList::default();
        for id in ["Video", "video", "main"] {
            list.push("b_option", &text(id)).unwrap();
        }
        assert_eq!(list.into_sorted(), [ModuleId::from_static("main"), VIDEO]);
        let err = ModuleList::default()
            .push("b_option", &text("no spaces"))
            .unwrap_err();
        assert!(err.to_string().contains("b_option.MODULE_ID"), "{err}");
    }
}
