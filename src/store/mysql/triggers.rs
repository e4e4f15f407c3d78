//! Triggers that move a module's revision whenever *anyone* writes its rows
//! — Bitrix's PHP, an admin with an SQL console, another program — so that
//! a reader polling [`Store::revision`](crate::Store::revision) notices the
//! change and a commit based on an older load gets a conflict instead of
//! silently overwriting it.
//!
//! Each insert, update or delete of a row in `b_option`, `b_option_site` or
//! `b_module_group` adds one to the revision of the row's module (lower-
//! cased, as module ids and the store's lookups are), creating the
//! revision row when it is missing; an update that moves a row to another
//! module moves both. A MySQL trigger fires once per row, so the store's
//! own commit lets them fire and then sets the revision to exactly
//! `expected + 1` itself, inside the same transaction.
//!
//! Where Bitrix's `b_group` exists when the store opens, three more
//! triggers add one to the revision row keyed [`GROUPS_REVISION_KEY`] on
//! every insert, update or delete of a group, so that the change feed can
//! report group changes as it reports module changes. A `b_group` created
//! after the store opened gets them the next time a store opens.
//!
//! Creating a trigger needs the TRIGGER privilege on the table, and on a
//! server that writes a binary log also SUPER or
//! `log_bin_trust_function_creators=1`.

use super::schema::REVISION_TABLE;
use crate::store::directory::GROUPS_REVISION_KEY;

/// The Bitrix tables whose writes move revisions.
pub(super) const WATCHED: [&str; 3] = ["b_option", "b_option_site", "b_module_group"];

/// Bitrix's table of user groups, whose writes move the groups' revision
/// where it exists.
pub(super) const GROUPS_TABLE: &str = "b_group";

/// The events of each table that fire a trigger.
const EVENTS: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

/// A `LIKE` pattern that matches the names of [`all`]'s triggers.
pub(super) const NAME_PATTERN: &str = "module\\_settings\\_revision\\_after\\_%";

/// One trigger: its name, its table and its `CREATE TRIGGER` statement.
pub(super) struct Trigger {
    pub(super) name: String,
    pub(super) table: &'static str,
    pub(super) create: String,
}

/// Every trigger: three per watched table, and three on `b_group` when
/// `with_groups` (the table exists).
pub(super) fn all(with_groups: bool) -> Vec<Trigger> {
    let mut triggers = Vec::with_capacity((WATCHED.len() + 1) * EVENTS.len());
    for table in WATCHED {
        for event in EVENTS {
            let body = match event {
                "INSERT" => bump("NEW", None),
                "DELETE" => bump("OLD", None),
                // The old module, and the new one when the row moved to
                // another.
                _ => format!(
                    "{}\n{}",
                    bump("OLD", None),
                    bump(
                        "NEW",
                        Some("NOT (LOWER(NEW.MODULE_ID) <=> LOWER(OLD.MODULE_ID))")
                    )
                ),
            };
            let name = name(table, event);
            let create = format!(
                "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW\nBEGIN\n{body}\nEND"
            );
            triggers.push(Trigger {
                name,
                table,
                create,
            });
        }
    }
    if with_groups {
        for event in EVENTS {
            triggers.push(groups_trigger(event));
        }
    }
    triggers
}

/// The trigger after `event` on `b_group`: any change to a group — added,
/// renamed, switched on or off, removed — moves the groups' revision row
/// by one, creating it when missing. The key is a constant of the crate,
/// not input.
fn groups_trigger(event: &str) -> Trigger {
    let name = name(GROUPS_TABLE, event);
    let create = format!(
        "CREATE TRIGGER {name} AFTER {event} ON {GROUPS_TABLE} FOR EACH ROW\n\
         INSERT INTO {REVISION_TABLE} (MODULE_ID, REVISION) VALUES ('{GROUPS_REVISION_KEY}', 1)\n\
         ON DUPLICATE KEY UPDATE REVISION = REVISION + 1"
    );
    Trigger {
        name,
        table: GROUPS_TABLE,
        create,
    }
}

/// The name of the trigger after `event` on `table`, e.g.
/// `module_settings_revision_after_insert_on_b_option` (at most 55
/// characters, within MySQL's 64).
fn name(table: &str, event: &str) -> String {
    format!(
        "{REVISION_TABLE}_after_{}_on_{table}",
        event.to_ascii_lowercase()
    )
}

/// Adds one to the revision of the module of row `row` (`NEW` or `OLD`),
/// when `condition` holds.
///
/// Ids that no module can have (a module id is 1–50 of `a-z`, `0-9`, `.`,
/// `_` once lower-cased; or NULL) move nothing: a revision row for them
/// could never be loaded. The id is compared in a binary collation, so the
/// pattern's letters match only themselves.
fn bump(row: &str, condition: Option<&str>) -> String {
    let id = format!("LOWER({row}.MODULE_ID)");
    let mut when =
        format!("CONVERT({id} USING utf8mb4) COLLATE utf8mb4_bin REGEXP '^[a-z0-9._]{{1,50}}$'");
    if let Some(condition) = condition {
        when.push_str(" AND ");
        when.push_str(condition);
    }
    format!(
        "IF {when} THEN\n  INSERT INTO {REVISION_TABLE} (MODULE_ID, REVISION) VALUES ({id}, 1)\n  \
         ON DUPLICATE KEY UPDATE REVISION = REVISION + 1;\nEND IF;"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trigger_per_table_and_event_each_named_for_both() {
        assert_eq!(all(false).len(), 9);
        let triggers = all(true);
        assert_eq!(triggers.len(), 12);
        for table in WATCHED {
            for event in EVENTS {
                let head = format!(
                    "CREATE TRIGGER {} AFTER {event} ON {table} FOR EACH ROW",
                    name(table, event)
                );
                assert!(
                    triggers
                        .iter()
                        .any(|t| t.table == table && t.create.starts_with(&head)),
                    "{head}"
                );
            }
        }
        for event in EVENTS {
            let head = format!(
                "CREATE TRIGGER {} AFTER {event} ON b_group FOR EACH ROW",
                name("b_group", event)
            );
            let trigger = triggers.iter().find(|t| t.create.starts_with(&head));
            assert!(
                trigger.is_some_and(
                    |t| t.table == "b_group" && t.create.contains("VALUES ('#b_group', 1)")
                ),
                "{head}"
            );
        }
        assert!(triggers.iter().all(|t| t.name.len() <= 64));
    }
}
