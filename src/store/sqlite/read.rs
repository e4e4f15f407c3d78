//! Reading a module's rows back into records, strictly, by the rules every
//! SQL backend shares ([`BitrixRows`]): this file reads SQLite's values
//! and hands them over.

use std::borrow::Cow;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use super::schema::REVISION_TABLE;
use crate::ids::ModuleId;
use crate::store::bitrix_rows::{BitrixRows, Cell, GroupCell, ModuleList, RowId};
use crate::store::error::quoted;
use crate::store::{Revision, Snapshot, StoreError};

type Sql = dyn Fn(rusqlite::Error) -> StoreError;

/// Loads `module`'s records and revision. The caller runs this inside one
/// read transaction, so the rows and the revision belong together.
pub(super) fn snapshot(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<Snapshot, StoreError> {
    let mut rows = BitrixRows::new(module);
    common_options(&mut rows, conn, module, sql)?;
    site_options(&mut rows, conn, module, sql)?;
    grants(&mut rows, conn, module, sql)?;
    let revision = revision(conn, module, sql)?;
    Ok(Snapshot::new(revision, rows.into_records()))
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
    let mut found = ModuleList::default();
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
            found.push(table, &Value(row.get_ref(0).map_err(sql)?))?;
        }
    }
    Ok(found.into_sorted())
}

fn common_options(
    rows: &mut BitrixRows<'_>,
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT NAME, VALUE, SITE_ID FROM b_option WHERE MODULE_ID = ?1 COLLATE NOCASE",
        )
        .map_err(sql)?;
    let mut found = stmt.query([module.as_str()]).map_err(sql)?;
    while let Some(row) = found.next().map_err(sql)? {
        let cell = |i| row.get_ref(i).map(Value).map_err(sql);
        rows.common_option(&cell(0)?, &cell(1)?, &cell(2)?)?;
    }
    Ok(())
}

fn site_options(
    rows: &mut BitrixRows<'_>,
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT NAME, SITE_ID, VALUE FROM b_option_site WHERE MODULE_ID = ?1 COLLATE NOCASE",
        )
        .map_err(sql)?;
    let mut found = stmt.query([module.as_str()]).map_err(sql)?;
    while let Some(row) = found.next().map_err(sql)? {
        let cell = |i| row.get_ref(i).map(Value).map_err(sql);
        rows.site_option(&cell(0)?, &cell(1)?, &cell(2)?)?;
    }
    Ok(())
}

fn grants(
    rows: &mut BitrixRows<'_>,
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group \
             WHERE MODULE_ID = ?1 COLLATE NOCASE",
        )
        .map_err(sql)?;
    let mut found = stmt.query([module.as_str()]).map_err(sql)?;
    while let Some(row) = found.next().map_err(sql)? {
        let id = match owned(row.get_ref(0).map_err(sql)?) {
            Owned::Integer(id) => RowId::Number(id),
            other => RowId::Other(other.describe()),
        };
        let group = match owned(row.get_ref(1).map_err(sql)?) {
            Owned::Integer(n) => GroupCell::Number(n),
            Owned::Text(text) => GroupCell::Text(text.into()),
            other => GroupCell::Other(other.describe()),
        };
        let cell = |i| row.get_ref(i).map(Value).map_err(sql);
        rows.grant(id, group, &cell(2)?, &cell(3)?)?;
    }
    Ok(())
}

/// An SQLite value as a column of Bitrix's tables.
struct Value<'v>(ValueRef<'v>);

impl Cell for Value<'_> {
    fn text(&self) -> Result<Option<Cow<'_, str>>, String> {
        match self.0 {
            ValueRef::Null => Ok(None),
            other => text(other).map(Some),
        }
    }

    fn raw(&self) -> Option<Cow<'_, str>> {
        raw_text(self.0)
    }
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
