//! Reading a module's rows, its revision and the list of modules.
//!
//! A load is one statement — the rows of the three tables and the revision
//! row, as one `UNION ALL` — so they all come from one snapshot of the
//! database, without a transaction, in one round trip. Every column is
//! read as text (`::text`), so that tables with other column types (an
//! `int` `GROUP_ID`, a `char(2)` `SITE_ID`) decode alike; the cast of a
//! `char(n)` to text drops its padding, so a one-letter site stored as
//! `'s '` reads as `s`. The rows are then decoded by the rules every SQL
//! backend shares ([`BitrixRows`]).

use std::collections::BTreeSet;

use postgres::Row;

use super::error::PgError;
use super::schema::REVISION_TABLE;
use super::session::Session;
use crate::ids::ModuleId;
use crate::store::bitrix_rows::{self, BitrixRows, Cell};
use crate::store::directory::GROUPS_REVISION_KEY;
use crate::store::{Revision, Snapshot, StoreError};

/// How a row of a load says where it came from (its first column).
const OPTION: i32 = 0;
const SITE_OPTION: i32 = 1;
const GRANT: i32 = 2;
const REVISION: i32 = 3;

/// The rows of a module and its revision, in one statement. Columns: the
/// source, then NAME, VALUE (or G_ACCESS, or the revision), SITE_ID, ID,
/// GROUP_ID.
const LOAD: &str = "\
    SELECT 0, name::text, value::text, site_id::text, NULL::text, NULL::text \
      FROM b_option WHERE lower(module_id COLLATE \"C\") = $1 \
    UNION ALL \
    SELECT 1, name::text, value::text, site_id::text, NULL, NULL \
      FROM b_option_site WHERE lower(module_id COLLATE \"C\") = $1 \
    UNION ALL \
    SELECT 2, NULL, g_access::text, site_id::text, id::text, group_id::text \
      FROM b_module_group WHERE lower(module_id COLLATE \"C\") = $1 \
    UNION ALL \
    SELECT 3, NULL, revision::text, NULL, NULL, NULL \
      FROM module_settings_revision WHERE module_id = $1";

/// One module's revision.
pub(super) const REVISION_OF: &str =
    "SELECT revision FROM module_settings_revision WHERE module_id = $1";

/// Every module id in the tables, with the table it was found in. `$1` is
/// the key the revision table counts `b_group`'s changes under, which
/// names no module.
const MODULES: &str = "\
    SELECT 'b_option', module_id::text FROM b_option \
    UNION SELECT 'b_option_site', module_id::text FROM b_option_site \
    UNION SELECT 'b_module_group', module_id::text FROM b_module_group \
    UNION SELECT 'module_settings_revision', module_id::text FROM module_settings_revision \
      WHERE revision > 0 AND module_id <> $1";

/// Loads `module`'s records and revision.
pub(super) fn snapshot(session: &mut Session, module: &ModuleId) -> Result<Snapshot, StoreError> {
    let rows = session.query(LOAD, &[&module.as_str()], "read the rows", Some(*module))?;
    let mut records = BitrixRows::new(module);
    let mut revision = Revision::ZERO;
    for row in &rows {
        let text = |i| text_cell(row, i, "read the rows", Some(*module));
        match row.try_get::<_, i32>(0).unwrap_or(-1) {
            OPTION => records.common_option(text(1)?, text(2)?, text(3)?)?,
            SITE_OPTION => records.site_option(text(1)?, text(3)?, text(2)?)?,
            // The id and the group read as text; numbers go over as
            // numbers, as an engine with typed columns hands them.
            GRANT => records.grant(
                number_or_text(text(4)?),
                number_or_text(text(5)?),
                text(2)?,
                text(3)?,
            )?,
            REVISION => {
                let record = format!("{REVISION_TABLE}.REVISION");
                revision = bitrix_rows::revision(Some(*module), &record, number_or_text(text(2)?))?;
            }
            _ => {}
        }
    }
    Ok(Snapshot::new(revision, records.finish()))
}

/// The module's revision from our own table; a module never written is at
/// zero.
pub(super) fn revision(session: &mut Session, module: &ModuleId) -> Result<Revision, StoreError> {
    revision_of_key(session, module.as_str(), Some(*module))
}

/// The revision stored under `key` (a module id, or the groups' key); zero
/// where there is no row. `module` names the module, if any, in errors.
pub(super) fn revision_of_key(
    session: &mut Session,
    key: &str,
    module: Option<ModuleId>,
) -> Result<Revision, StoreError> {
    let rows = session.query(REVISION_OF, &[&key], "read the revision", module)?;
    match rows.first() {
        None => Ok(Revision::ZERO),
        Some(row) => revision_at(row, module),
    }
}

/// The revision in the first column of `row`, a `bigint`.
pub(super) fn revision_in(row: &Row, module: &ModuleId) -> Result<Revision, StoreError> {
    revision_at(row, Some(*module))
}

fn revision_at(row: &Row, module: Option<ModuleId>) -> Result<Revision, StoreError> {
    let number: i64 = row
        .try_get(0)
        .map_err(|err| PgError::sql("read the revision", module)(err).into_store_error())?;
    bitrix_rows::revision(
        module,
        &format!("{REVISION_TABLE}.REVISION"),
        Cell::Int(number),
    )
}

/// Column `i` of a row read by `action` (for `module`), which is text or
/// NULL.
pub(super) fn text_cell<'r>(
    row: &'r Row,
    i: usize,
    action: &'static str,
    module: Option<ModuleId>,
) -> Result<Cell<'r>, StoreError> {
    let text: Option<&str> = row
        .try_get(i)
        .map_err(|err| PgError::sql(action, module)(err).into_store_error())?;
    Ok(text.map_or(Cell::Null, |text| Cell::Text(text.as_bytes())))
}

/// A number read as text goes over as the number; any other text as text.
pub(super) fn number_or_text(cell: Cell<'_>) -> Cell<'_> {
    match cell {
        Cell::Text(text) => std::str::from_utf8(text)
            .ok()
            .and_then(|text| text.parse().ok())
            .map_or(cell, Cell::Int),
        other => other,
    }
}

/// Every module id found in the tables, lower-cased, sorted, without
/// repeats.
pub(super) fn modules(session: &mut Session) -> Result<Vec<ModuleId>, StoreError> {
    let rows = session.query(MODULES, &[&GROUPS_REVISION_KEY], "list modules", None)?;
    let mut found = BTreeSet::new();
    for row in &rows {
        let (table, id): (&str, Option<&str>) = row
            .try_get(0)
            .and_then(|table| Ok((table, row.try_get(1)?)))
            .map_err(|err| PgError::sql("list modules", None)(err).into_store_error())?;
        let id = id.map_or(Cell::Null, |id| Cell::Text(id.as_bytes()));
        found.insert(bitrix_rows::listed_module(
            &format!("{table}.MODULE_ID"),
            id,
        )?);
    }
    Ok(found.into_iter().collect())
}
