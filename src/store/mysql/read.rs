//! Reading a module's rows back into records: the queries are MySQL's,
//! what each row means (and what makes it corrupt) is shared by every SQL
//! backend ([`BitrixRows`]).

use std::collections::BTreeSet;

use mysql::prelude::Queryable;
use mysql::{params, AccessMode, Conn, IsolationLevel, Row, TxOpts, Value};

use super::error::MysqlError;
use super::schema::REVISION_TABLE;
use super::statements::{self, Statements};
use crate::ids::ModuleId;
use crate::store::bitrix_rows::{self, BitrixRows, Cell, Owned};
use crate::store::directory::GROUPS_REVISION_KEY;
use crate::store::{Revision, Snapshot, StoreError};

/// Loads `module`'s records and revision in one read-only transaction on a
/// consistent snapshot, so the rows and the revision belong together
/// (another program's write moves both in one transaction, through the
/// triggers).
pub(super) fn snapshot(
    conn: &mut Conn,
    statements: &Statements,
    module: &ModuleId,
) -> Result<Snapshot, MysqlError> {
    let sql = |action| MysqlError::sql(action, Some(*module));
    let options = TxOpts::default()
        // No `WITH CONSISTENT SNAPSHOT`: the client unwraps that
        // statement's result (a broken connection there would panic), and
        // in REPEATABLE READ the first read takes the snapshot every later
        // read of the transaction shares anyway.
        .set_isolation_level(Some(IsolationLevel::RepeatableRead))
        .set_access_mode(Some(AccessMode::ReadOnly));
    let mut tx = conn
        .start_transaction(options)
        .map_err(sql("start a read transaction"))?;
    let mut rows = BitrixRows::new(module);
    let read = sql("read the rows");
    for row in tx
        .exec_iter(
            &statements.load_common,
            params! { "module" => module.as_str() },
        )
        .map_err(&read)?
    {
        let row = row.map_err(&read)?;
        rows.common_option(cell(&row, 0), cell(&row, 1), cell(&row, 2))?;
    }
    for row in tx
        .exec_iter(
            &statements.load_site,
            params! { "module" => module.as_str() },
        )
        .map_err(&read)?
    {
        let row = row.map_err(&read)?;
        rows.site_option(cell(&row, 0), cell(&row, 1), cell(&row, 2))?;
    }
    for row in tx
        .exec_iter(
            &statements.load_grants,
            params! { "module" => module.as_str() },
        )
        .map_err(&read)?
    {
        let row = row.map_err(&read)?;
        rows.grant(cell(&row, 0), cell(&row, 1), cell(&row, 2), cell(&row, 3))?;
    }
    let revision = revision(&mut tx, module)?;
    tx.commit().map_err(sql("end a read transaction"))?;
    Ok(Snapshot::new(revision, rows.finish()))
}

/// The module's revision from our own table; a module never written is at
/// zero. `FOR UPDATE` or `LOCK IN SHARE MODE` are the caller's: this is a
/// plain read.
pub(super) fn revision(
    conn: &mut impl Queryable,
    module: &ModuleId,
) -> Result<Revision, MysqlError> {
    stored_revision(conn, statements::REVISION, module, "read the revision")
}

/// The revision `query` (one of the revision reads, taking `:module`)
/// finds for `module`, or zero when there is no row.
pub(super) fn stored_revision(
    conn: &mut impl Queryable,
    query: &str,
    module: &ModuleId,
    action: &'static str,
) -> Result<Revision, MysqlError> {
    stored_revision_of(conn, query, module.as_str(), Some(*module), action)
}

/// The revision stored under `key` (a module id, or the groups' key),
/// read with `query`; `module` names the module of the operation, if any,
/// in errors.
pub(super) fn stored_revision_of(
    conn: &mut impl Queryable,
    query: &str,
    key: &str,
    module: Option<ModuleId>,
    action: &'static str,
) -> Result<Revision, MysqlError> {
    let row: Option<Row> = conn
        .exec_first(query, params! { "module" => key })
        .map_err(MysqlError::sql(action, module))?;
    match row {
        None => Ok(Revision::ZERO),
        Some(row) => Ok(bitrix_rows::revision(
            module,
            &format!("{REVISION_TABLE}.REVISION"),
            cell(&row, 0),
        )?),
    }
}

/// Every module id found in the tables, lower-cased, sorted, without
/// repeats. The groups' row of the revision table names no module and is
/// left out.
pub(super) fn modules(conn: &mut Conn) -> Result<Vec<ModuleId>, MysqlError> {
    let mut found = BTreeSet::new();
    for (table, query) in statements::MODULE_LISTS {
        // The binary protocol (a prepared statement) hands numbers over as
        // numbers; the text protocol would turn them into text.
        let rows: Vec<Row> = conn
            .exec(query, ())
            .map_err(MysqlError::sql("list the modules", None))?;
        let record = format!("{table}.MODULE_ID");
        for row in rows {
            if table == REVISION_TABLE && is_groups_key(cell(&row, 0)) {
                continue;
            }
            found.insert(bitrix_rows::listed_module(&record, cell(&row, 0))?);
        }
    }
    Ok(found.into_iter().collect())
}

/// The revision table as one query reads it: every module's revision, and
/// the groups' (the row keyed [`GROUPS_REVISION_KEY`], which `b_group`'s
/// triggers move).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct AllRevisions {
    /// The modules with a revision row, sorted by id. A module not listed
    /// is at revision zero.
    pub(super) modules: Vec<(ModuleId, Revision)>,
    /// The groups' revision; `None` until `b_group` was first written
    /// while its triggers existed.
    pub(super) groups: Option<Revision>,
}

/// Every revision, in one query.
pub(super) fn all_revisions(conn: &mut Conn) -> Result<AllRevisions, MysqlError> {
    let rows: Vec<Row> = conn
        .exec(statements::ALL_REVISIONS, ())
        .map_err(MysqlError::sql("read every module's revision", None))?;
    let id_record = format!("{REVISION_TABLE}.MODULE_ID");
    let revision_record = format!("{REVISION_TABLE}.REVISION");
    let mut all = AllRevisions {
        modules: Vec::with_capacity(rows.len()),
        groups: None,
    };
    for row in rows {
        if is_groups_key(cell(&row, 0)) {
            all.groups = Some(groups_revision(&revision_record, cell(&row, 1))?);
            continue;
        }
        let module = bitrix_rows::listed_module(&id_record, cell(&row, 0))?;
        let revision = bitrix_rows::revision(Some(module), &revision_record, cell(&row, 1))?;
        all.modules.push((module, revision));
    }
    Ok(all)
}

/// Whether a `MODULE_ID` of the revision table is the groups' key, exactly
/// (the key is written by the store's triggers only; any other id that is
/// not a module id stays corrupt).
fn is_groups_key(value: Cell<'_>) -> bool {
    matches!(value, Cell::Text(text) if text == GROUPS_REVISION_KEY.as_bytes())
}

/// The groups' revision, from its row's `REVISION`.
fn groups_revision(record: &str, value: Cell<'_>) -> Result<Revision, StoreError> {
    let owned = Owned::of(value);
    match &owned {
        Owned::Integer(n) => u64::try_from(*n).ok().map(Revision::new),
        _ => None,
    }
    .ok_or_else(|| {
        StoreError::corrupt_described(
            None,
            format!("{record} ({GROUPS_REVISION_KEY})"),
            owned.describe(),
            "a revision is a whole number from 0",
        )
    })
}

/// Column `index` of `row` in the shared decoder's terms.
pub(super) fn cell(row: &Row, index: usize) -> Cell<'_> {
    match row.as_ref(index) {
        None | Some(Value::NULL) => Cell::Null,
        Some(Value::Bytes(bytes)) => Cell::Text(bytes),
        Some(Value::Int(n)) => Cell::Int(*n),
        Some(Value::UInt(n)) => Cell::UInt(*n),
        Some(Value::Float(x)) => Cell::Real(f64::from(*x)),
        Some(Value::Double(x)) => Cell::Real(*x),
        Some(Value::Date(..)) => Cell::Other("a date"),
        Some(Value::Time(..)) => Cell::Other("a time"),
    }
}
