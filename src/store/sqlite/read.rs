//! Reading a module's rows back into records: the queries are SQLite's,
//! what each row means (and what makes it corrupt) is shared by every SQL
//! backend ([`BitrixRows`]).

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::schema::REVISION_TABLE;
use super::triggers;
use crate::ids::ModuleId;
use crate::store::bitrix_rows::{self, BitrixRows, Cell};
use crate::store::directory::GROUPS_REVISION_KEY;
use crate::store::{Revision, Snapshot, StoreError};

pub(super) type Sql = dyn Fn(rusqlite::Error) -> StoreError;

/// Loads `module`'s records and revision. The caller runs this inside one
/// read transaction, so the rows and the revision belong together.
pub(super) fn snapshot(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<Snapshot, StoreError> {
    let mut rows = BitrixRows::new(module);
    each_row(
        conn,
        module,
        sql,
        "SELECT NAME, VALUE, SITE_ID FROM b_option WHERE MODULE_ID = ?1 COLLATE NOCASE",
        |get| rows.common_option(get(0)?, get(1)?, get(2)?),
    )?;
    each_row(
        conn,
        module,
        sql,
        "SELECT NAME, SITE_ID, VALUE FROM b_option_site WHERE MODULE_ID = ?1 COLLATE NOCASE",
        |get| rows.site_option(get(0)?, get(1)?, get(2)?),
    )?;
    each_row(
        conn,
        module,
        sql,
        "SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group \
         WHERE MODULE_ID = ?1 COLLATE NOCASE",
        |get| rows.grant(get(0)?, get(1)?, get(2)?, get(3)?),
    )?;
    let revision = revision(conn, module, sql)?;
    Ok(Snapshot::new(revision, rows.finish()))
}

/// The module's revision from our own table; a module never written
/// through a store is at zero.
pub(super) fn revision(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
) -> Result<Revision, StoreError> {
    revision_of_key(conn, module.as_str(), Some(*module), sql)
}

/// The revision kept under `key` (a module id, or the groups' key); zero
/// where there is no row. `module` names the module, if any, in errors.
fn revision_of_key(
    conn: &Connection,
    key: &str,
    module: Option<ModuleId>,
    sql: &Sql,
) -> Result<Revision, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = ?1")
        .map_err(sql)?;
    let mut rows = stmt.query([key]).map_err(sql)?;
    match rows.next().map_err(sql)? {
        None => Ok(Revision::ZERO),
        Some(row) => bitrix_rows::revision(
            module,
            &format!("{REVISION_TABLE}.REVISION"),
            cell(row.get_ref(0).map_err(sql)?),
        ),
    }
}

/// The groups' revision, where the store keeps one: while the three
/// triggers on `b_group` exist (they are made when a store opens the file
/// with `b_group` a table). `module` names the module written, if any, in
/// errors.
pub(super) fn groups_revision(
    conn: &Connection,
    module: Option<ModuleId>,
    sql: &Sql,
) -> Result<Option<Revision>, StoreError> {
    let [insert, update, delete] = triggers::group_trigger_names();
    let found: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' \
             AND tbl_name = ?1 COLLATE NOCASE AND name IN (?2, ?3, ?4)",
        )
        .and_then(|mut stmt| {
            stmt.query_row([triggers::GROUPS_TABLE, &insert, &update, &delete], |row| {
                row.get(0)
            })
        })
        .map_err(sql)?;
    if found != 3 {
        return Ok(None);
    }
    revision_of_key(conn, GROUPS_REVISION_KEY, module, sql).map(Some)
}

/// Every module id found in the tables, lower-cased, sorted, without
/// repeats. Revision rows under keys that start with `#` (the groups')
/// name no module and are left out.
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
            "SELECT MODULE_ID FROM module_settings_revision WHERE REVISION > 0 \
             AND MODULE_ID NOT GLOB '#*'",
        ),
    ] {
        let mut stmt = conn.prepare_cached(query).map_err(sql)?;
        let mut rows = stmt.query([]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let record = format!("{table}.MODULE_ID");
            let module = bitrix_rows::listed_module(&record, cell(row.get_ref(0).map_err(sql)?))?;
            found.insert(module);
        }
    }
    Ok(found.into_iter().collect())
}

/// Runs `query` (one parameter: the module id) and hands each row's
/// cells, read by column, to `take`.
fn each_row(
    conn: &Connection,
    module: &ModuleId,
    sql: &Sql,
    query: &str,
    take: impl for<'r> FnMut(
        &'r dyn Fn(usize) -> Result<Cell<'r>, StoreError>,
    ) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    each_row_of(conn, sql, query, [module.as_str()], take)
}

/// Runs `query` with `params` and hands each row's cells, read by column,
/// to `take`.
pub(super) fn each_row_of(
    conn: &Connection,
    sql: &Sql,
    query: &str,
    params: impl rusqlite::Params,
    mut take: impl for<'r> FnMut(
        &'r dyn Fn(usize) -> Result<Cell<'r>, StoreError>,
    ) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(query).map_err(sql)?;
    let mut found = stmt.query(params).map_err(sql)?;
    while let Some(row) = found.next().map_err(sql)? {
        take(&|i| row.get_ref(i).map(cell).map_err(sql))?;
    }
    Ok(())
}

/// Whether the database has a table called `name` (any case).
pub(super) fn table_exists(conn: &Connection, name: &str, sql: &Sql) -> Result<bool, StoreError> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
    )
    .and_then(|mut stmt| stmt.query_row([name], |_| Ok(())).optional())
    .map(|found| found.is_some())
    .map_err(sql)
}

/// SQLite's value in the shared decoder's terms.
fn cell(value: ValueRef<'_>) -> Cell<'_> {
    match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(n) => Cell::Int(n),
        ValueRef::Real(x) => Cell::Real(x),
        ValueRef::Text(bytes) => Cell::Text(bytes),
        ValueRef::Blob(bytes) => Cell::Blob(bytes),
    }
}
