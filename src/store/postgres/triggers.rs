//! The functions and triggers that move a module's revision whenever
//! *anyone* writes its rows — Bitrix's PHP, an administrator's SQL console,
//! another app server — and tell listening stores so.
//!
//! - `module_settings_revision_bump()`, fired after each row inserted,
//!   updated or deleted in `b_option`, `b_option_site` and
//!   `b_module_group`, adds one to the revision of the row's module
//!   (lower-cased, ASCII letters only, as module ids are; both modules
//!   when an update moves a row), creating the revision row when missing.
//!   Ids that no module can have move nothing.
//! - `module_settings_revision_notify()`, fired after each insert or
//!   update of a revision row that changes it, sends
//!   `pg_notify('module_settings_changed', module_id)`. The server folds
//!   identical notifications of one transaction into one, so a commit
//!   sends one per module however many rows it wrote.
//!
//! - `module_settings_groups_bump()`, fired after each row inserted,
//!   updated or deleted in Bitrix's `b_group` (where that table is in the
//!   store's schema when the store opens), adds one to the revision row
//!   keyed [`GROUPS_REVISION_KEY`] — a key no module id can be — so that
//!   the notify trigger sends that key, and a listening store reports a
//!   change of the site's groups.
//!
//! The store's own commit lets the triggers fire and then sets the
//! revision to exactly `expected + 1`, in the same transaction, so each of
//! its commits counts one.

use crate::store::directory::GROUPS_REVISION_KEY;

/// The channel the notifications are sent on; the payload is the module id.
pub(super) const CHANNEL: &str = "module_settings_changed";

/// The Bitrix tables whose writes move revisions.
pub(super) const WATCHED: [&str; 3] = ["b_option", "b_option_site", "b_module_group"];

/// The name of the function behind the triggers on Bitrix's tables.
pub(super) const BUMP: &str = "module_settings_revision_bump";

/// The name of the function behind the trigger on the revision table.
pub(super) const NOTIFY: &str = "module_settings_revision_notify";

/// The name of the trigger on the revision table.
pub(super) const NOTIFY_TRIGGER: &str = "module_settings_revision_notify";

/// The name of the function behind the trigger on `b_group`.
pub(super) const GROUPS_BUMP: &str = "module_settings_groups_bump";

/// Bitrix's table of user groups, whose changes the feed reports.
pub(super) const GROUPS_TABLE: &str = "b_group";

/// The name of the trigger on a watched table, e.g.
/// `module_settings_revision_on_b_option`.
pub(super) fn bump_trigger(table: &str) -> String {
    format!("module_settings_revision_on_{table}")
}

/// The body of the bump function, for the revision table `revisions`
/// (schema-qualified: the function must find it whatever the search path
/// of the session that fires it).
pub(super) fn bump_body(revisions: &str) -> String {
    // `lower(… COLLATE "C")` folds ASCII letters only, as `ModuleId`
    // does: another locale would also fold, say, the Kelvin sign to `k`.
    let bump = |id: &str| {
        format!(
            "INSERT INTO {revisions} AS r (module_id, revision) VALUES ({id}, 1)
      ON CONFLICT (module_id) DO UPDATE SET revision = r.revision + 1;"
        )
    };
    format!(
        "
DECLARE
  old_id text;
  new_id text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_id := lower(OLD.module_id::text COLLATE \"C\");
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_id := lower(NEW.module_id::text COLLATE \"C\");
  END IF;
  IF old_id ~ '^[a-z0-9._]{{1,50}}$' THEN
    {}
  END IF;
  IF new_id IS DISTINCT FROM old_id AND new_id ~ '^[a-z0-9._]{{1,50}}$' THEN
    {}
  END IF;
  RETURN NULL;
END
",
        bump("old_id"),
        bump("new_id")
    )
}

/// The body of the function behind the trigger on `b_group`, for the
/// revision table `revisions` (schema-qualified, as for [`bump_body`]).
/// One row's change moves the groups' revision row by one, as a row of a
/// module's tables moves the module's.
pub(super) fn groups_bump_body(revisions: &str) -> String {
    format!(
        "
BEGIN
  INSERT INTO {revisions} AS r (module_id, revision) VALUES ('{GROUPS_REVISION_KEY}', 1)
    ON CONFLICT (module_id) DO UPDATE SET revision = r.revision + 1;
  RETURN NULL;
END
"
    )
}

/// The body of the notify function.
pub(super) fn notify_body() -> String {
    format!(
        "
BEGIN
  IF TG_OP = 'INSERT' AND NEW.revision = 0 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.revision IS NOT DISTINCT FROM OLD.revision
      AND NEW.module_id IS NOT DISTINCT FROM OLD.module_id THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('{CHANNEL}', NEW.module_id);
  RETURN NULL;
END
"
    )
}

/// `CREATE OR REPLACE FUNCTION` for function `name` in `schema` (quoted)
/// with `body`.
pub(super) fn create_function(schema: &str, name: &str, body: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {schema}.{name}() RETURNS trigger LANGUAGE plpgsql AS \
         $module_settings${body}$module_settings$"
    )
}

/// `CREATE TRIGGER` for the trigger on `table`.
pub(super) fn create_bump_trigger(schema: &str, table: &str) -> String {
    format!(
        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW \
         EXECUTE FUNCTION {schema}.{BUMP}()",
        bump_trigger(table)
    )
}

/// `CREATE TRIGGER` for the trigger on `b_group` in `schema` (quoted), the
/// store's schema.
pub(super) fn create_groups_trigger(schema: &str) -> String {
    format!(
        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {schema}.{GROUPS_TABLE} \
         FOR EACH ROW EXECUTE FUNCTION {schema}.{GROUPS_BUMP}()",
        bump_trigger(GROUPS_TABLE)
    )
}

/// `CREATE TRIGGER` for the trigger on the revision table `revisions`.
pub(super) fn create_notify_trigger(schema: &str, revisions: &str) -> String {
    format!(
        "CREATE TRIGGER {NOTIFY_TRIGGER} AFTER INSERT OR UPDATE ON {revisions} FOR EACH ROW \
         EXECUTE FUNCTION {schema}.{NOTIFY}()"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bump_names_the_revision_table_it_was_given_and_checks_ids() {
        let body = bump_body("\"bx\".module_settings_revision");
        assert_eq!(
            body.matches("INSERT INTO \"bx\".module_settings_revision")
                .count(),
            2
        );
        assert!(body.contains("'^[a-z0-9._]{1,50}$'"), "{body}");
        assert!(notify_body().contains("pg_notify('module_settings_changed'"));
        assert_eq!(
            bump_trigger("b_option"),
            "module_settings_revision_on_b_option"
        );
    }

    #[test]
    fn the_groups_bump_moves_the_groups_key_in_the_revision_table_it_was_given() {
        let body = groups_bump_body("\"bx\".module_settings_revision");
        assert!(
            body.contains("INSERT INTO \"bx\".module_settings_revision AS r (module_id, revision) VALUES ('#b_group', 1)"),
            "{body}"
        );
        assert_eq!(
            create_groups_trigger("\"bx\""),
            "CREATE TRIGGER module_settings_revision_on_b_group AFTER INSERT OR UPDATE OR DELETE \
             ON \"bx\".b_group FOR EACH ROW EXECUTE FUNCTION \"bx\".module_settings_groups_bump()"
        );
    }
}
