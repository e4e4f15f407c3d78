//! Bitrix's three settings tables, its event log and our revision table:
//! created in Bitrix's layout when missing, checked when present, never
//! altered or dropped; and the triggers that keep revisions moving when
//! another program writes the settings tables or `b_group`.

use mysql::prelude::Queryable;
use mysql::{params, Conn};

use super::error::{code, server_code, MysqlError};
use super::statements::Matching;
use super::triggers;
use crate::store::sql_error::MissingColumn;

/// The revision table of our own; Bitrix has no notion of revisions.
pub(super) const REVISION_TABLE: &str = "module_settings_revision";

/// One table the store needs: its name, the columns it reads and writes,
/// and how to create it (with its indexes) when it is missing.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    /// `{exact}` stands for the binary collation option names get.
    create: &'static str,
}

// Bitrix's own DDL (main/install/mysql/install.sql), with three
// differences, all so that every value the crate accepts fits and is
// told apart as the other stores tell it apart:
// - NAME compares exactly (a binary, no-pad collation), so `ServerHost`
//   and `serverhost` are two options; MODULE_ID and SITE_ID ignore case
//   explicitly, as the database default does on a Bitrix site;
// - SITE_ID of b_option_site and b_module_group holds 32 characters (a site
//   id's most), not 2;
// - GROUP_ID is unsigned, as group ids are 1 to 4294967295.
// The event log differs from Bitrix's in the same way (SITE_ID holds 32
// characters, USER_ID is unsigned), and its TIMESTAMP_X has a default
// without Bitrix's implicit `ON UPDATE` (the store writes it explicitly
// anyway, as Bitrix's own column may have no default).
const TABLES: [Table; 5] = [
    Table {
        name: "b_option",
        columns: &["MODULE_ID", "NAME", "VALUE", "SITE_ID"],
        create: "CREATE TABLE IF NOT EXISTS b_option (
            MODULE_ID VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
            NAME VARCHAR(100) CHARACTER SET utf8mb4 COLLATE {exact} NOT NULL,
            VALUE MEDIUMTEXT,
            DESCRIPTION VARCHAR(255),
            SITE_ID CHAR(2),
            PRIMARY KEY (MODULE_ID, NAME),
            INDEX ix_option_name (NAME)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    },
    Table {
        name: "b_option_site",
        columns: &["MODULE_ID", "NAME", "SITE_ID", "VALUE"],
        create: "CREATE TABLE IF NOT EXISTS b_option_site (
            MODULE_ID VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
            NAME VARCHAR(100) CHARACTER SET utf8mb4 COLLATE {exact} NOT NULL,
            SITE_ID VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
            VALUE MEDIUMTEXT,
            PRIMARY KEY (MODULE_ID, NAME, SITE_ID),
            INDEX ix_option_site_module_site (MODULE_ID, SITE_ID)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    },
    Table {
        name: "b_module_group",
        columns: &["ID", "MODULE_ID", "GROUP_ID", "G_ACCESS", "SITE_ID"],
        create: "CREATE TABLE IF NOT EXISTS b_module_group (
            ID INT NOT NULL AUTO_INCREMENT,
            MODULE_ID VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
            GROUP_ID INT UNSIGNED NOT NULL,
            G_ACCESS VARCHAR(255) NOT NULL,
            SITE_ID VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci,
            PRIMARY KEY (ID),
            UNIQUE UK_GROUP_MODULE (MODULE_ID, GROUP_ID, SITE_ID)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    },
    Table {
        name: "b_event_log",
        columns: &crate::store::directory::rows::EVENT_LOG_COLUMNS,
        create: "CREATE TABLE IF NOT EXISTS b_event_log (
            ID INT NOT NULL AUTO_INCREMENT,
            TIMESTAMP_X TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            SEVERITY VARCHAR(50) NOT NULL,
            AUDIT_TYPE_ID VARCHAR(50) NOT NULL,
            MODULE_ID VARCHAR(50) NOT NULL,
            ITEM_ID VARCHAR(255) NOT NULL,
            REMOTE_ADDR VARCHAR(40),
            USER_AGENT TEXT,
            REQUEST_URI TEXT,
            SITE_ID VARCHAR(32),
            USER_ID INT UNSIGNED,
            GUEST_ID INT,
            DESCRIPTION MEDIUMTEXT,
            PRIMARY KEY (ID),
            INDEX ix_b_event_log_time (TIMESTAMP_X),
            INDEX ix_b_event_log_audit_type_time (AUDIT_TYPE_ID, TIMESTAMP_X)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    },
    Table {
        name: REVISION_TABLE,
        columns: &["MODULE_ID", "REVISION"],
        create: "CREATE TABLE IF NOT EXISTS module_settings_revision (
            MODULE_ID VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
            REVISION BIGINT UNSIGNED NOT NULL,
            PRIMARY KEY (MODULE_ID)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    },
];

/// The binary collations that do not pad with spaces, MySQL's and
/// MariaDB's; the padding `utf8mb4_bin` where neither exists.
const EXACT_COLLATIONS: [&str; 2] = ["utf8mb4_0900_bin", "utf8mb4_nopad_bin"];

/// One column as `information_schema` describes it.
struct Column {
    table: String,
    name: String,
    collation: Option<String>,
}

/// Creates the tables and triggers that are missing, checks that the
/// tables present have the columns the store uses (extra columns are fine)
/// and keep them in InnoDB, and says how their id columns compare text.
///
/// On a database that has everything (every open but the first) this only
/// reads `information_schema`. DDL cannot run inside a transaction in
/// MySQL, so two stores opening a new database at once may both try to
/// create the same object: tables are created `IF NOT EXISTS`, and a
/// trigger another connection created first counts as created.
pub(super) fn ensure(conn: &mut Conn, user: &str, database: &str) -> Result<Matching, MysqlError> {
    let engines = engines(conn)?;
    for (table, engine) in &engines {
        if !engine.eq_ignore_ascii_case("InnoDB") {
            return Err(MysqlError::NotTransactional {
                table: table.clone(),
                engine: engine.clone(),
            });
        }
    }
    let missing: Vec<&Table> = TABLES
        .iter()
        .filter(|table| {
            !engines
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(table.name))
        })
        .collect();
    if !missing.is_empty() {
        let exact = exact_collation(conn)?;
        for table in missing {
            conn.query_drop(table.create.replace("{exact}", &exact))
                .map_err(MysqlError::sql("create a missing table", None))?;
        }
    }
    let columns = columns(conn)?;
    for table in &TABLES {
        for column in table.columns {
            let present = columns.iter().any(|c| {
                c.table.eq_ignore_ascii_case(table.name) && c.name.eq_ignore_ascii_case(column)
            });
            if !present {
                return Err(MissingColumn {
                    table: table.name,
                    column,
                }
                .into());
            }
        }
    }
    let with_groups = has_table(conn, triggers::GROUPS_TABLE)?;
    ensure_triggers(conn, user, database, with_groups)?;
    Ok(matching(&columns))
}

/// `?, ?, …`: one placeholder per needed table.
fn table_placeholders() -> String {
    vec!["?"; TABLES.len()].join(", ")
}

/// Every needed table present, with its engine.
fn engines(conn: &mut Conn) -> Result<Vec<(String, String)>, MysqlError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    conn.exec_map(
        format!(
            "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({})",
            table_placeholders()
        ),
        names,
        |(table, engine): (String, Option<String>)| (table, engine.unwrap_or_default()),
    )
    .map_err(MysqlError::sql("look up the tables", None))
}

/// The needed tables' columns.
fn columns(conn: &mut Conn) -> Result<Vec<Column>, MysqlError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    conn.exec_map(
        format!(
            "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({})",
            table_placeholders()
        ),
        names,
        |(table, name, collation)| Column {
            table,
            name,
            collation,
        },
    )
    .map_err(MysqlError::sql("read the tables' columns", None))
}

/// Whether the database has a table (or view) called `name`.
fn has_table(conn: &mut Conn, name: &str) -> Result<bool, MysqlError> {
    let found: Option<u8> = conn
        .exec_first(
            "SELECT 1 FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            (name,),
        )
        .map_err(MysqlError::sql("look up the tables", None))?;
    Ok(found.is_some())
}

/// Whether the id columns ignore case: a collation whose name ends in
/// `_ci` does.
fn matching(columns: &[Column]) -> Matching {
    let all_ignore_case = |column: &str, tables: &[&str]| {
        columns
            .iter()
            .filter(|c| {
                c.name.eq_ignore_ascii_case(column)
                    && tables.iter().any(|t| c.table.eq_ignore_ascii_case(t))
            })
            .all(|c| {
                c.collation
                    .as_deref()
                    .is_some_and(|collation| collation.to_ascii_lowercase().ends_with("_ci"))
            })
    };
    Matching {
        modules_ignore_case: all_ignore_case("MODULE_ID", &triggers::WATCHED),
        sites_ignore_case: all_ignore_case("SITE_ID", &["b_option_site", "b_module_group"]),
    }
}

/// The collation new tables give option names.
fn exact_collation(conn: &mut Conn) -> Result<String, MysqlError> {
    let found: Vec<String> = conn
        .exec(
            "SELECT COLLATION_NAME FROM information_schema.COLLATIONS \
             WHERE COLLATION_NAME IN (?, ?)",
            EXACT_COLLATIONS.to_vec(),
        )
        .map_err(MysqlError::sql("look up the collations", None))?;
    Ok(EXACT_COLLATIONS
        .iter()
        .find(|c| found.iter().any(|f| f.eq_ignore_ascii_case(c)))
        .map_or("utf8mb4_bin", |c| c)
        .to_owned())
}

/// Creates the revision triggers that are missing (those on `b_group`
/// only `with_groups`).
///
/// `information_schema` shows a user only the triggers of tables on which
/// it holds the TRIGGER privilege. A trigger it does not list is asked for
/// by name (`SHOW CREATE TRIGGER`): the server says "does not exist" for a
/// missing one, and "access denied" for one that exists but that this user
/// may not read — which is there, and is left alone. So a user without the
/// TRIGGER privilege can use a database whose triggers someone else
/// created, and only creating them needs it.
fn ensure_triggers(
    conn: &mut Conn,
    user: &str,
    database: &str,
    with_groups: bool,
) -> Result<(), MysqlError> {
    let listed: Vec<String> = conn
        .exec(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE :pattern",
            params! { "pattern" => triggers::NAME_PATTERN },
        )
        .map_err(MysqlError::sql("look up the revision triggers", None))?;
    for trigger in triggers::all(with_groups) {
        if listed
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&trigger.name))
            || exists_unlisted(conn, &trigger.name)?
        {
            continue;
        }
        let table = trigger.table;
        match create(conn, trigger, user, database) {
            // Without the right to watch Bitrix's `b_group` (a user that
            // could create the settings triggers before this store watched
            // groups too), the store works all the same: its feed does not
            // report group changes — `reports_group_changes` says so — and
            // a facade re-reads the groups within its staleness bound.
            Err(MysqlError::TriggerPrivilege { .. } | MysqlError::BinlogTriggers { .. })
                if table == triggers::GROUPS_TABLE => {}
            other => other?,
        }
    }
    Ok(())
}

/// Whether a trigger `information_schema` did not list exists all the same.
fn exists_unlisted(conn: &mut Conn, name: &str) -> Result<bool, MysqlError> {
    match conn.query_drop(format!("SHOW CREATE TRIGGER {name}")) {
        Ok(()) => Ok(true),
        Err(err) => match server_code(&err) {
            Some(code::NO_SUCH_TRIGGER) => Ok(false),
            Some(code::PRIVILEGE_NEEDED | code::TABLE_DENIED) => Ok(true),
            _ => Err(MysqlError::sql("look up a revision trigger", None)(err)),
        },
    }
}

fn create(
    conn: &mut Conn,
    trigger: triggers::Trigger,
    user: &str,
    database: &str,
) -> Result<(), MysqlError> {
    let Err(err) = conn.query_drop(&trigger.create) else {
        return Ok(());
    };
    let needs_super = match &err {
        mysql::Error::MySqlError(server) => match server.code {
            code::BINLOG_NEEDS_SUPER => true,
            // "you need (at least one of) the SUPER privilege(s)", or the
            // TRIGGER one.
            code::PRIVILEGE_NEEDED => server.message.contains("SUPER"),
            _ => false,
        },
        _ => false,
    };
    match server_code(&err) {
        // Another connection created it first.
        Some(code::TRIGGER_EXISTS) => Ok(()),
        _ if needs_super => Err(MysqlError::BinlogTriggers {
            trigger: trigger.name,
            source: Box::new(err),
        }),
        Some(code::TABLE_DENIED | code::PRIVILEGE_NEEDED) => Err(MysqlError::TriggerPrivilege {
            user: user.to_owned(),
            database: database.to_owned(),
            table: trigger.table,
            source: Box::new(err),
        }),
        _ => Err(MysqlError::sql("create a revision trigger", None)(err)),
    }
}
