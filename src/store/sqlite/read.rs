//! Reading a module's rows back into records, strictly: every row that
//! cannot be one of our records is reported as [`StoreError::Corrupt`] —
//! except a rights row whose record is known (its scope, and its group for
//! a grant) but whose level cannot be read: that record is loaded as
//! unreadable ([`RightsRows`]), so an administrator can see and repair it.

use std::borrow::Cow;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use super::schema::REVISION_TABLE;
use super::GROUP_DEFAULT_RIGHT;
use crate::ids::{GroupId, IdError, ModuleId, OptionName, Scope, SiteId};
use crate::store::error::quoted;
use crate::store::rights_rows::RightsRows;
use crate::store::{Change, ModuleRecords, Revision, RightKey, Snapshot, StoreError};

type Sql = dyn Fn(rusqlite::Error) -> StoreError;

/// Loads `module`'s records and revision. The caller runs this inside one
/// read transaction, so the rows and the revision belong together.
pub(super) fn snapshot(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<Snapshot, StoreError> {
    let mut rows = Rows {
        module,
        records: ModuleRecords::new(),
        rights: RightsRows::new(),
    };
    rows.common_options(conn, sql)?;
    rows.site_options(conn, sql)?;
    rows.grants(conn, sql)?;
    let revision = revision(conn, module, sql)?;
    let Rows {
        mut records,
        rights,
        ..
    } = rows;
    rights.into_records(&mut records);
    Ok(Snapshot::new(revision, records))
}

/// The module's revision from our own table; a module never written
/// through a store is at zero.
pub(super) fn revision(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<Revision, StoreError> {
    let stored = conn
        .prepare_cached("SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([module.as_str()], |row| Ok(owned(row.get_ref(0)?)))
                .optional()
        })
        .map_err(sql)?;
    match stored {
        None => Ok(Revision::ZERO),
        Some(Owned::Integer(n)) if n >= 0 => Ok(Revision::new(n.unsigned_abs())),
        Some(other) => Err(StoreError::corrupt_described(
            Some(*module),
            format!("{REVISION_TABLE}.REVISION"),
            other.describe(),
            "a revision is a whole number from 0",
        )),
    }
}

/// Every module id found in the tables, lower-cased, sorted, without
/// repeats.
pub(super) fn modules(conn: &Connection, sql: &Sql) -> Result<Vec<ModuleId>, StoreError> {
    let mut found = std::collections::BTreeSet::new();
    for (table, query) in [
        ("b_option", "SELECT DISTINCT MODULE_ID FROM b_option"),
        (
            "b_option_site",
            "SELECT DISTINCT MODULE_ID FROM b_option_site",
        ),
        (
            "b_module_group",
            "SELECT DISTINCT MODULE_ID FROM b_module_group",
        ),
        (
            REVISION_TABLE,
            "SELECT MODULE_ID FROM module_settings_revision WHERE REVISION > 0",
        ),
    ] {
        let mut stmt = conn.prepare_cached(query).map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let record = format!("{table}.MODULE_ID");
            let text = text(row.get_ref(0).map_err(sql)?).map_err(|found| {
                StoreError::corrupt_described(None, &*record, found, "a module id is text")
            })?;
            let module =
                ModuleId::new(&text).map_err(|err| StoreError::corrupt_id(None, record, &err))?;
            found.insert(module);
        }
    }
    Ok(found.into_iter().collect())
}

/// The records being read, and the module they belong to.
struct Rows<'a> {
    module: &'a ModuleId,
    records: ModuleRecords,
    /// Default levels and grants, decided once every row is read.
    rights: RightsRows,
}

impl Rows<'_> {
    fn common_options(&mut self, conn: &Connection, sql: &Sql) -> Result<(), StoreError> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT NAME, VALUE, SITE_ID FROM b_option WHERE MODULE_ID = ?1 COLLATE NOCASE",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.module.as_str()]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let name = self.text("b_option.NAME", row.get_ref(0).map_err(sql)?)?;
            // Site values live in b_option_site. A site id here would be the
            // old layout; reading it as common would hand one site's value
            // to every site, so it is reported instead.
            let site = self.text_or_null(
                &format!("b_option.SITE_ID of option {name}"),
                row.get_ref(2).map_err(sql)?,
            )?;
            if let Some(site) = site.filter(|s| !s.is_empty()) {
                return Err(StoreError::corrupt(
                    Some(*self.module),
                    format!("b_option.SITE_ID of option {}", name.escape_debug()),
                    &site,
                    "b_option holds common values only (SITE_ID empty or NULL); site values \
                     belong in b_option_site",
                ));
            }
            self.option_or_default(
                "b_option",
                Scope::Common,
                &name,
                row.get_ref(1).map_err(sql)?,
            )?;
        }
        Ok(())
    }

    fn site_options(&mut self, conn: &Connection, sql: &Sql) -> Result<(), StoreError> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT NAME, SITE_ID, VALUE FROM b_option_site WHERE MODULE_ID = ?1 COLLATE NOCASE",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.module.as_str()]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let name = self.text("b_option_site.NAME", row.get_ref(0).map_err(sql)?)?;
            let record = format!("b_option_site.SITE_ID of option {}", name.escape_debug());
            let site = self.text(&record, row.get_ref(1).map_err(sql)?)?;
            let site = site_id(&site)
                .map_err(|err| StoreError::corrupt_id(Some(*self.module), record, &err))?;
            self.option_or_default(
                "b_option_site",
                Scope::Site(site),
                &name,
                row.get_ref(2).map_err(sql)?,
            )?;
        }
        Ok(())
    }

    /// One row of b_option or b_option_site: an option value, or the
    /// scope's default level when the name is `GROUP_DEFAULT_RIGHT`.
    fn option_or_default(
        &mut self,
        table: &str,
        scope: Scope,
        name: &str,
        value: ValueRef<'_>,
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
        // `set` compares with a row already read, so duplicates that agree
        // pass and duplicates that disagree are reported. The value itself
        // never appears in the error (it may be a secret).
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

    fn grants(&mut self, conn: &Connection, sql: &Sql) -> Result<(), StoreError> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group \
                 WHERE MODULE_ID = ?1 COLLATE NOCASE",
            )
            .map_err(sql)?;
        let mut rows = stmt.query([self.module.as_str()]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let (id, row_id) = match owned(row.get_ref(0).map_err(sql)?) {
                Owned::Integer(id) => (id.to_string(), Some(id)),
                other => (other.describe(), None),
            };
            let group_record = format!("b_module_group.GROUP_ID (ID {id})");
            let group = match owned(row.get_ref(1).map_err(sql)?) {
                Owned::Integer(n) => {
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
                Owned::Text(text) => text.parse().map_err(|err| {
                    StoreError::corrupt_id(Some(*self.module), &*group_record, &err)
                })?,
                other => {
                    return Err(StoreError::corrupt_described(
                        Some(*self.module),
                        group_record,
                        other.describe(),
                        crate::ids::IdKind::Group.rule(),
                    ))
                }
            };
            let site_record = format!("b_module_group.SITE_ID (ID {id})");
            let scope = match self.text_or_null(&site_record, row.get_ref(3).map_err(sql)?)? {
                None => Scope::Common,
                Some(site) if site.is_empty() => Scope::Common,
                Some(site) => Scope::Site(site_id(&site).map_err(|err| {
                    StoreError::corrupt_id(Some(*self.module), site_record, &err)
                })?),
            };
            // The row's place is known; whether its level can be trusted
            // depends on the other rows of the same record.
            let access = raw_text(row.get_ref(2).map_err(sql)?);
            self.rights.push(
                RightKey::Grant { scope, group },
                format!("b_module_group.G_ACCESS (ID {id})"),
                row_id,
                access.as_deref(),
            );
        }
        Ok(())
    }

    fn text<'v>(&self, record: &str, value: ValueRef<'v>) -> Result<Cow<'v, str>, StoreError> {
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
        value: ValueRef<'v>,
    ) -> Result<Option<Cow<'v, str>>, StoreError> {
        match value {
            ValueRef::Null => Ok(None),
            other => self.text(record, other).map(Some),
        }
    }
}

/// A stored site id as the store matches it: checked as stored, then
/// reported in lower case, since site ids match without regard to case (as
/// Bitrix's MySQL collation matches them) and rows under `S1` belong to
/// site `s1`. Two rows whose ids differ only in case are then two rows for
/// one record: one if they agree, corrupt if they do not.
fn site_id(stored: &str) -> Result<SiteId, IdError> {
    let checked = SiteId::new(stored)?;
    if !stored.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(checked);
    }
    // The same characters in lower case pass the same check.
    Ok(SiteId::new(&stored.to_ascii_lowercase()).unwrap_or(checked))
}

/// A column value as text: text as is, numbers in decimal (SQLite may hand
/// back a number for a numeric-looking value), UTF-8 blobs as text. Else a
/// description of what was found, never the content.
fn text(value: ValueRef<'_>) -> Result<Cow<'_, str>, String> {
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|_| format!("{} bytes that are not UTF-8", bytes.len())),
        ValueRef::Integer(n) => Ok(Cow::Owned(n.to_string())),
        ValueRef::Real(x) => Ok(Cow::Owned(x.to_string())),
        ValueRef::Null => Err("NULL".to_owned()),
    }
}

/// A rights column as stored text: `None` for NULL; numbers in decimal,
/// bytes that are not UTF-8 with replacement characters (it is shown to an
/// administrator to repair, never parsed as anything but a level).
fn raw_text(value: ValueRef<'_>) -> Option<Cow<'_, str>> {
    match value {
        ValueRef::Null => None,
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(String::from_utf8_lossy(bytes)),
        ValueRef::Integer(n) => Some(Cow::Owned(n.to_string())),
        ValueRef::Real(x) => Some(Cow::Owned(x.to_string())),
    }
}

/// A column value detached from its row, for matching on its type.
enum Owned {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(usize),
}

fn owned(value: ValueRef<'_>) -> Owned {
    match value {
        ValueRef::Null => Owned::Null,
        ValueRef::Integer(n) => Owned::Integer(n),
        ValueRef::Real(x) => Owned::Real(x),
        ValueRef::Text(bytes) => Owned::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Owned::Blob(bytes.len()),
    }
}

impl Owned {
    /// What the value is, for an error: numbers and text are shown (they are
    /// ids, levels and revisions, never option values).
    fn describe(&self) -> String {
        match self {
            Owned::Null => "NULL".to_owned(),
            Owned::Integer(n) => format!("\"{n}\""),
            Owned::Real(x) => format!("\"{x}\""),
            Owned::Text(text) => quoted(text),
            Owned::Blob(len) => format!("a BLOB of {len} bytes"),
        }
    }
}
