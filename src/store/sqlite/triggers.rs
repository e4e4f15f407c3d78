//! Triggers that move a module's revision whenever *anyone* writes its rows
//! — Bitrix itself, an admin with an SQL console, another program — so that
//! a reader polling [`Store::revision`](crate::Store::revision) notices the
//! change and a commit based on an older load gets a conflict instead of
//! silently overwriting it. Where `b_group` is a table, three more move
//! the groups' revision ([`for_groups`]), which a write's precondition on
//! the groups is checked against.
//!
//! They are the one kind of schema object the store adds to an existing
//! database besides missing tables and its revision table; they are
//! created with `IF NOT EXISTS` and never touch the tables' own layout.
//!
//! Each insert, update or delete of a row in `b_option`, `b_option_site` or
//! `b_module_group` adds one to the revision of the row's module (lower-
//! cased, as module ids and the store's lookups are), creating the
//! revision row when it is missing; an update that moves a row to another
//! module moves both. The store's own commit lets them fire and then sets
//! the revision to exactly `expected + 1` itself, inside the same
//! transaction, so its commits still count one each.

use super::schema::REVISION_TABLE;
use crate::store::directory::GROUPS_REVISION_KEY;

/// The Bitrix tables whose writes move revisions.
const WATCHED: [&str; 3] = ["b_option", "b_option_site", "b_module_group"];

/// How many triggers [`all`] creates.
#[cfg(test)]
const COUNT: i64 = 9;

/// A `LIKE` pattern that matches the names of [`all`]'s triggers (`_` is
/// a wildcard in it, which matches itself too), to list them in one query.
pub(super) const NAME_PATTERN: &str = "module_settings_revision_after_%_on_b_%";

/// Each trigger's name and its `CREATE TRIGGER IF NOT EXISTS` statement,
/// three per watched table.
pub(super) fn all() -> Vec<(String, String)> {
    let mut statements = Vec::with_capacity(WATCHED.len() * 3);
    for table in WATCHED {
        statements.push(trigger(table, "INSERT", &bump("NEW", None)));
        statements.push(trigger(table, "DELETE", &bump("OLD", None)));
        // The old module, and the new one when the row moved to another.
        let moved = "lower(NEW.MODULE_ID) IS NOT lower(OLD.MODULE_ID)";
        let both = format!("{}\n{}", bump("OLD", None), bump("NEW", Some(moved)));
        statements.push(trigger(table, "UPDATE", &both));
    }
    statements
}

/// The table whose changes move the groups' revision.
pub(super) const GROUPS_TABLE: &str = "b_group";

/// The groups' triggers: each insert, update or delete of a row in
/// `b_group` adds one to the revision kept under the groups' key (a key no
/// module id can be), creating its row when it is missing. A write's
/// precondition on the groups is checked against it, so a group switched
/// off between a write's check and its commit stops the commit.
pub(super) fn for_groups() -> Vec<(String, String)> {
    let key = GROUPS_REVISION_KEY;
    let body = format!(
        "INSERT INTO {REVISION_TABLE} (MODULE_ID, REVISION) SELECT '{key}', 0 \
         WHERE NOT EXISTS (SELECT 1 FROM {REVISION_TABLE} WHERE MODULE_ID = '{key}');\n\
         UPDATE {REVISION_TABLE} SET REVISION = REVISION + 1 WHERE MODULE_ID = '{key}';"
    );
    ["INSERT", "UPDATE", "DELETE"]
        .into_iter()
        .map(|event| trigger(GROUPS_TABLE, event, &body))
        .collect()
}

/// The names of [`for_groups`]' triggers.
pub(super) fn group_trigger_names() -> [String; 3] {
    ["insert", "update", "delete"].map(|event| name(GROUPS_TABLE, event))
}

/// The name of the trigger after `event` on `table`, e.g.
/// `module_settings_revision_after_insert_on_b_option`.
fn name(table: &str, event: &str) -> String {
    format!(
        "{REVISION_TABLE}_after_{}_on_{table}",
        event.to_ascii_lowercase()
    )
}

fn trigger(table: &str, event: &str, body: &str) -> (String, String) {
    let name = name(table, event);
    let create = format!(
        "CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} FOR EACH ROW\nBEGIN\n{body}\nEND"
    );
    (name, create)
}

/// Adds one to the revision of the module of row `row` (`NEW` or `OLD`),
/// when `condition` holds.
///
/// - The insert-if-missing is `INSERT … SELECT … WHERE NOT EXISTS`, not
///   `INSERT OR IGNORE`: a trigger runs under the conflict policy of the
///   statement that fired it, so an outer `INSERT OR REPLACE` would turn
///   `OR IGNORE` into a replace and reset the revision to zero. This form
///   never conflicts, whatever the policy. Nor an upsert (`ON CONFLICT DO
///   UPDATE`): every program that opens the database parses these triggers
///   with its own SQLite, and upserts need 3.24 (2018), which old PHP or
///   system builds may predate; this form parses in any SQLite with WAL.
/// - Ids that no module can have (a module id is 1–50 of `a-z`, `0-9`, `.`, `_`
///   once lower-cased; or NULL) move nothing: a revision row for them could
///   never be loaded, and would keep `modules()` failing after the bad row
///   is gone. (SQLite's `lower` folds ASCII only, so any other letter fails
///   the GLOB, as it fails `ModuleId`.)
fn bump(row: &str, condition: Option<&str>) -> String {
    let id = format!("lower({row}.MODULE_ID)");
    // `length(NULL)` is NULL, so NULL ids fail the first test too.
    let mut when = format!("length({id}) BETWEEN 1 AND 50 AND {id} NOT GLOB '*[^a-z0-9._]*'");
    if let Some(condition) = condition {
        when.push_str(" AND ");
        when.push_str(condition);
    }
    format!(
        "INSERT INTO {REVISION_TABLE} (MODULE_ID, REVISION) SELECT {id}, 0 WHERE {when} \
         AND NOT EXISTS (SELECT 1 FROM {REVISION_TABLE} WHERE MODULE_ID = {id});\n\
         UPDATE {REVISION_TABLE} SET REVISION = REVISION + 1 WHERE MODULE_ID = {id} AND {when};"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trigger_per_table_and_event_each_named_for_both() {
        let statements = all();
        assert_eq!(statements.len(), usize::try_from(COUNT).unwrap());
        for table in WATCHED {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                let head = format!(
                    "CREATE TRIGGER IF NOT EXISTS {} AFTER {event} ON {table} ",
                    name(table, event)
                );
                assert!(
                    statements
                        .iter()
                        .any(|(n, s)| *n == name(table, event) && s.starts_with(&head)),
                    "{head}"
                );
            }
        }
    }

    #[test]
    fn a_missing_trigger_is_created_again_on_the_next_open() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        super::super::schema::ensure_now(&conn).unwrap();
        let count = |conn: &rusqlite::Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?1",
                [NAME_PATTERN],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(count(&conn), COUNT);
        conn.execute_batch(&format!("DROP TRIGGER {}", name("b_option", "UPDATE")))
            .unwrap();
        assert_eq!(count(&conn), COUNT - 1);
        super::super::schema::ensure_now(&conn).unwrap();
        assert_eq!(count(&conn), COUNT);
    }

    #[test]
    fn an_outer_insert_or_replace_does_not_reset_a_revision() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        super::super::schema::ensure_now(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO module_settings_revision VALUES ('video', 7);
             INSERT OR REPLACE INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'a', '1');
             INSERT OR REPLACE INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'a', '2');
             INSERT OR IGNORE INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'a', '3');",
        )
        .unwrap();
        let revision: i64 = conn
            .query_row(
                "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = 'video'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // Two rows written (the ignored insert wrote none): 7 + 2.
        assert_eq!(revision, 9);
    }

    #[test]
    fn a_change_to_b_group_moves_the_groups_revision_and_no_module_s() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE b_group (ID INTEGER PRIMARY KEY, ACTIVE TEXT, NAME TEXT)")
            .unwrap();
        super::super::schema::ensure_now(&conn).unwrap();
        conn.execute_batch(
            "INSERT INTO b_group VALUES (5, 'Y', 'Editors');
             UPDATE b_group SET ACTIVE = 'N' WHERE ID = 5;
             DELETE FROM b_group WHERE ID = 5;",
        )
        .unwrap();
        let rows: Vec<(String, i64)> = conn
            .prepare("SELECT MODULE_ID, REVISION FROM module_settings_revision")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [(GROUPS_REVISION_KEY.to_owned(), 3)]);
    }
}
