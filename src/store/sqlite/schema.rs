//! Bitrix's three tables and our revision table: created when missing,
//! checked when present, never altered or dropped; and the triggers that
//! keep revisions moving when another program writes the tables.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::error::SqliteError;

/// The revision table of our own; Bitrix has no notion of revisions.
pub(super) const REVISION_TABLE: &str = "module_settings_revision";

/// One table the store needs: its name, the columns it reads and writes,
/// and how to create it (with its indexes) when it is missing.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    create: &'static str,
}

// Module ids compare case-insensitively, as in Bitrix's MySQL tables (whose
// default collation ignores case) and rule 1: hence `COLLATE NOCASE`, which
// also lets the `MODULE_ID = ? COLLATE NOCASE` lookups use the keys.
const TABLES: [Table; 4] = [
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
            SITE_ID TEXT NOT NULL,
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
            SITE_ID TEXT
        );
        CREATE UNIQUE INDEX ux_b_module_group_module_group_site
            ON b_module_group (MODULE_ID, GROUP_ID, IFNULL(SITE_ID, ''))",
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

/// Creates the tables that are missing and checks that the others have the
/// columns the store uses (extra columns are fine).
pub(super) fn ensure(conn: &mut Connection) -> Result<(), SqliteError> {
    let sql = |action| {
        move |source| SqliteError::Sql {
            action,
            module: None,
            source: Box::new(source),
        }
    };
    // One writer at a time, so two stores opening a new file do not both
    // try to create the same table.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql("start the schema transaction"))?;
    for table in &TABLES {
        let exists = tx
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
                [table.name],
                |_| Ok(()),
            )
            .optional()
            .map_err(sql("look up a table"))?
            .is_some();
        if !exists {
            tx.execute_batch(table.create)
                .map_err(sql("create a missing table"))?;
            continue;
        }
        let mut stmt = tx
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .map_err(sql("read a table's columns"))?;
        let present = stmt
            .query_map([table.name], |row| row.get::<_, String>(0))
            .and_then(Iterator::collect::<Result<Vec<String>, _>>)
            .map_err(sql("read a table's columns"))?;
        for column in table.columns {
            if !present.iter().any(|p| p.eq_ignore_ascii_case(column)) {
                return Err(SqliteError::MissingColumn {
                    table: table.name,
                    column,
                });
            }
        }
    }
    // Compiling nine CREATE TRIGGER statements costs more than the rest
    // of opening; on a database that has them all, one lookup suffices.
    let mut stmt = tx
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?1")
        .map_err(sql("look up the revision triggers"))?;
    let present = stmt
        .query_map([super::triggers::NAME_PATTERN], |row| {
            row.get::<_, String>(0)
        })
        .and_then(Iterator::collect::<Result<Vec<String>, _>>)
        .map_err(sql("look up the revision triggers"))?;
    drop(stmt);
    for (name, create) in super::triggers::all() {
        if !present.contains(&name) {
            tx.execute_batch(&create)
                .map_err(sql("create a revision trigger"))?;
        }
    }
    tx.commit().map_err(sql("commit the schema"))
}
