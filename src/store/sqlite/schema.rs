//! Bitrix's three settings tables, its event log and our revision table: created when missing,
//! checked when present, never altered or dropped; and the triggers that
//! keep revisions moving when another program writes the tables.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::error::SqliteError;
use crate::store::sql_error::MissingColumn;

/// The revision table of our own; Bitrix has no notion of revisions.
pub(super) const REVISION_TABLE: &str = "module_settings_revision";

/// One table the store needs: its name, the columns it reads and writes,
/// and how to create it (with its indexes) when it is missing.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    create: &'static str,
}

// Module and site ids compare case-insensitively, as in Bitrix's MySQL
// tables (whose default collation ignores case): hence `COLLATE
// NOCASE`, which also lets the `… = ? COLLATE NOCASE` lookups use the keys,
// and keeps the keys from holding one site under two spellings.
const TABLES: [Table; 5] = [
    Table {
        name: "b_option",
        columns: &["MODULE_ID", "NAME", "VALUE", "SITE_ID"],
        create: "CREATE TABLE b_option (
            MODULE_ID TEXT NOT NULL COLLATE NOCASE,
            NAME TEXT NOT NULL,
            VALUE TEXT,
            DESCRIPTION TEXT,
            SITE_ID TEXT,
            PRIMARY KEY (MODULE_ID, NAME)
        )",
    },
    Table {
        name: "b_option_site",
        columns: &["MODULE_ID", "NAME", "SITE_ID", "VALUE"],
        create: "CREATE TABLE b_option_site (
            MODULE_ID TEXT NOT NULL COLLATE NOCASE,
            NAME TEXT NOT NULL,
            SITE_ID TEXT NOT NULL COLLATE NOCASE,
            VALUE TEXT,
            PRIMARY KEY (MODULE_ID, NAME, SITE_ID)
        )",
    },
    Table {
        name: "b_module_group",
        columns: &["ID", "MODULE_ID", "GROUP_ID", "G_ACCESS", "SITE_ID"],
        // SQLite treats NULLs as distinct in UNIQUE constraints, so the
        // common scope (SITE_ID NULL) is folded to '' in the unique index.
        // Tables made by others may lack this index; the store does not
        // rely on it (it updates a grant in place before inserting one).
        create: "CREATE TABLE b_module_group (
            ID INTEGER PRIMARY KEY AUTOINCREMENT,
            MODULE_ID TEXT NOT NULL COLLATE NOCASE,
            GROUP_ID INTEGER NOT NULL,
            G_ACCESS TEXT NOT NULL,
            SITE_ID TEXT COLLATE NOCASE
        );
        CREATE UNIQUE INDEX ux_b_module_group_module_group_site
            ON b_module_group (MODULE_ID, GROUP_ID, IFNULL(SITE_ID, '') COLLATE NOCASE)",
    },
    // Bitrix's event log, for audit entries written with each commit.
    Table {
        name: "b_event_log",
        columns: &crate::store::directory::rows::EVENT_LOG_COLUMNS,
        create: "CREATE TABLE b_event_log (
            ID INTEGER PRIMARY KEY AUTOINCREMENT,
            TIMESTAMP_X TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            SEVERITY TEXT NOT NULL,
            AUDIT_TYPE_ID TEXT NOT NULL,
            MODULE_ID TEXT NOT NULL,
            ITEM_ID TEXT NOT NULL,
            REMOTE_ADDR TEXT,
            USER_AGENT TEXT,
            REQUEST_URI TEXT,
            SITE_ID TEXT,
            USER_ID INTEGER,
            GUEST_ID INTEGER,
            DESCRIPTION TEXT
        );
        CREATE INDEX ix_b_event_log_time ON b_event_log (TIMESTAMP_X);
        CREATE INDEX ix_b_event_log_audit_type_time ON b_event_log (AUDIT_TYPE_ID, TIMESTAMP_X)",
    },
    Table {
        name: REVISION_TABLE,
        columns: &["MODULE_ID", "REVISION"],
        create: "CREATE TABLE module_settings_revision (
            MODULE_ID TEXT NOT NULL PRIMARY KEY,
            REVISION INTEGER NOT NULL
        )",
    },
];

/// What a database lacks: tables to create, and revision triggers to create
/// (name and statement).
#[derive(Default)]
struct Missing {
    tables: Vec<&'static Table>,
    triggers: Vec<(String, String)>,
    /// The triggers on `b_group` (where it is a table) that keep the
    /// groups' revision.
    group_triggers: Vec<(String, String)>,
}

impl Missing {
    fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.triggers.is_empty() && self.group_triggers.is_empty()
    }

    /// Whether only the groups' triggers are missing: then a file the
    /// store may not write (read-only, or locked past the busy timeout)
    /// still opens, and its groups have no revision
    /// ([`SiteDirectory::groups_revision`] is `None`) until a store that
    /// may write opens it.
    ///
    /// [`SiteDirectory::groups_revision`]: crate::store::directory::SiteDirectory::groups_revision
    fn only_group_triggers(&self) -> bool {
        self.tables.is_empty() && self.triggers.is_empty()
    }
}

/// Creates the tables and triggers that are missing and checks that the
/// tables present have the columns the store uses (extra columns are fine).
///
/// The check is a read first: on a database that has everything (every
/// open but the first), nothing is written and no write lock is taken, so
/// opening never waits for another connection's writer. Only when something
/// is missing does `begin_write` start a write transaction, inside which
/// everything is checked again (another connection may have created it
/// meanwhile) before the rest is created.
pub(super) fn ensure<'c>(
    conn: &'c Connection,
    begin_write: impl FnOnce() -> rusqlite::Result<Transaction<'c>>,
) -> Result<(), SqliteError> {
    let read = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)
        .map_err(SqliteError::sql("start a read transaction", None))?;
    let missing = find_missing(&read)?;
    read.finish()
        .map_err(SqliteError::sql("end a read transaction", None))?;
    if missing.is_empty() {
        return Ok(());
    }
    // One writer at a time, so two stores opening a new file do not both
    // try to create the same table.
    let tx = match begin_write() {
        Ok(tx) => tx,
        Err(_) if missing.only_group_triggers() => return Ok(()),
        Err(err) => return Err(SqliteError::sql("start the schema transaction", None)(err)),
    };
    let missing = find_missing(&tx)?;
    let optional = missing.only_group_triggers();
    for table in missing.tables {
        tx.execute_batch(table.create)
            .map_err(SqliteError::sql("create a missing table", None))?;
    }
    for (_, create) in missing.triggers {
        tx.execute_batch(&create)
            .map_err(SqliteError::sql("create a revision trigger", None))?;
    }
    for (_, create) in missing.group_triggers {
        // Without them the store works as before, its groups only lack a
        // revision; a failure here (the table turned out to be something
        // SQLite cannot put a trigger on) must not stop the rest.
        if tx.execute_batch(&create).is_err() {
            break;
        }
    }
    match tx.commit() {
        Err(_) if optional => Ok(()),
        result => result.map_err(SqliteError::sql("commit the schema", None)),
    }
}

/// [`ensure`] with a plain `BEGIN IMMEDIATE`, for tests.
#[cfg(test)]
pub(super) fn ensure_now(conn: &Connection) -> Result<(), SqliteError> {
    ensure(conn, || {
        Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
    })
}

/// Reads what is missing; a table present without a needed column is an
/// error, since the store never alters a table.
fn find_missing(conn: &Connection) -> Result<Missing, SqliteError> {
    let sql = |action| SqliteError::sql(action, None);
    let mut missing = Missing::default();
    for table in &TABLES {
        let exists = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
                [table.name],
                |_| Ok(()),
            )
            .optional()
            .map_err(sql("look up a table"))?
            .is_some();
        if !exists {
            missing.tables.push(table);
            continue;
        }
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .map_err(sql("read a table's columns"))?;
        let present = stmt
            .query_map([table.name], |row| row.get::<_, String>(0))
            .and_then(Iterator::collect::<Result<Vec<String>, _>>)
            .map_err(sql("read a table's columns"))?;
        for column in table.columns {
            if !present.iter().any(|p| p.eq_ignore_ascii_case(column)) {
                return Err(MissingColumn {
                    table: table.name,
                    column,
                }
                .into());
            }
        }
    }
    // Compiling nine CREATE TRIGGER statements costs more than the rest
    // of opening; on a database that has them all, one lookup suffices.
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?1")
        .map_err(sql("look up the revision triggers"))?;
    let present = stmt
        .query_map([super::triggers::NAME_PATTERN], |row| {
            row.get::<_, String>(0)
        })
        .and_then(Iterator::collect::<Result<Vec<String>, _>>)
        .map_err(sql("look up the revision triggers"))?;
    missing.triggers = super::triggers::all()
        .into_iter()
        .filter(|(name, _)| !present.contains(name))
        .collect();
    // A view or a virtual table cannot carry these triggers: only a real
    // `b_group` table. (Were one tried and refused, every open would take
    // the write lock to try again.)
    let groups_table = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE \
             AND sql NOT LIKE 'CREATE VIRTUAL%'",
            [super::triggers::GROUPS_TABLE],
            |_| Ok(()),
        )
        .optional()
        .map_err(sql("look up b_group"))?
        .is_some();
    if groups_table {
        missing.group_triggers = super::triggers::for_groups()
            .into_iter()
            .filter(|(name, _)| !present.contains(name))
            .collect();
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `begin_write` answers on a file the store may not write.
    fn read_only<'c>() -> rusqlite::Result<Transaction<'c>> {
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            None,
        ))
    }

    #[test]
    fn a_file_that_cannot_be_written_opens_when_only_the_groups_triggers_are_missing() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE b_group (ID INTEGER PRIMARY KEY, ACTIVE TEXT)")
            .unwrap();
        ensure_now(&conn).unwrap();
        for name in super::super::triggers::group_trigger_names() {
            conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
        ensure(&conn, read_only).unwrap();
        // Anything else missing still needs the write, and says so.
        conn.execute_batch("DROP TABLE b_option").unwrap();
        assert!(ensure(&conn, read_only).is_err());
        ensure_now(&conn).unwrap();
        let groups: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'b_group'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(groups, 3, "made again once the file can be written");
    }
}
