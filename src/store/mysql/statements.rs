//! The store's SQL, written once when the store connects, for the way the
//! tables compare text.
//!
//! Module ids and site ids match without regard to case, option names
//! exactly. On Bitrix's tables the id columns have a case-insensitive
//! collation (Bitrix's install leaves them the database's default, a
//! `_ci` one), so `MODULE_ID = ?` matches every spelling and uses the keys;
//! on a table whose id column compares case-sensitively the store compares
//! `LOWER(MODULE_ID)` instead, which finds the same rows by a scan. Names
//! are compared as bytes on top of the collation's comparison (which finds
//! the row by its key), so `ServerHost` never matches `serverhost`, nor
//! `a` the name `a ` with a trailing space.
//!
//! Values are bound parameters, named (`:module`): no SQL is built from
//! input.

use super::schema::REVISION_TABLE;

/// How the tables compare module ids and site ids, read from their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Matching {
    /// Every `MODULE_ID` column ignores case.
    pub(super) modules_ignore_case: bool,
    /// Every `SITE_ID` column the store matches on ignores case.
    pub(super) sites_ignore_case: bool,
}

/// Every statement the store runs, as text.
#[derive(Debug)]
pub(super) struct Statements {
    pub(super) load_common: String,
    pub(super) load_site: String,
    pub(super) load_grants: String,
    pub(super) update_common: String,
    pub(super) insert_common: String,
    pub(super) delete_common: String,
    pub(super) update_site: String,
    pub(super) insert_site: String,
    pub(super) delete_site: String,
    pub(super) update_grant_common: String,
    pub(super) update_grant_site: String,
    pub(super) insert_grant: String,
    pub(super) delete_grant_common: String,
    pub(super) delete_grant_site: String,
}

/// A module's revision.
pub(super) const REVISION: &str =
    "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = :module";
/// Every module's revision, in one query.
pub(super) const ALL_REVISIONS: &str =
    "SELECT MODULE_ID, REVISION FROM module_settings_revision WHERE REVISION > 0 \
     ORDER BY MODULE_ID";
/// The module's revision row, locked for the commit.
pub(super) const LOCK_OWN: &str =
    "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = :module FOR UPDATE";
/// A revision row for a module that has none, so that it can be locked.
pub(super) const CREATE_OWN: &str =
    "INSERT IGNORE INTO module_settings_revision (MODULE_ID, REVISION) VALUES (:module, 0)";
/// How many of the three triggers on `b_group` that move the groups'
/// revision exist.
pub(super) const GROUPS_TRIGGERS: &str = "SELECT COUNT(*) FROM information_schema.TRIGGERS \
     WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'b_group' \
     AND TRIGGER_NAME LIKE 'module\\_settings\\_revision\\_after\\_%\\_on\\_b\\_group'";
/// A guard's revision, locked against change until the commit ends.
pub(super) const READ_GUARD: &str =
    "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = :module LOCK IN SHARE MODE";
/// The module's revision after the commit.
pub(super) const SET_REVISION: &str =
    "UPDATE module_settings_revision SET REVISION = :revision WHERE MODULE_ID = :module";
/// The module ids found in each table, with the table's name.
pub(super) const MODULE_LISTS: [(&str, &str); 4] = [
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
];

impl Statements {
    pub(super) fn new(matching: Matching) -> Self {
        let module = if matching.modules_ignore_case {
            "MODULE_ID = :module"
        } else {
            "LOWER(MODULE_ID) = :module"
        };
        let site = if matching.sites_ignore_case {
            "SITE_ID = :site"
        } else {
            "LOWER(SITE_ID) = :site"
        };
        // The index finds the row by the column's collation; the exact
        // comparison is on the text converted to utf8mb4, so that a table
        // in another character set (cp1251 on older Russian sites) still
        // matches a non-ASCII name.
        let name = "NAME = :name AND CAST(CONVERT(NAME USING utf8mb4) AS BINARY) = \
                    CAST(:name AS BINARY)";
        let common = "(SITE_ID IS NULL OR SITE_ID = '')";
        Statements {
            load_common: format!("SELECT NAME, VALUE, SITE_ID FROM b_option WHERE {module}"),
            load_site: format!("SELECT NAME, SITE_ID, VALUE FROM b_option_site WHERE {module}"),
            load_grants: format!(
                "SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group WHERE {module}"
            ),
            update_common: format!(
                "UPDATE b_option SET VALUE = :value WHERE {module} AND {name} AND {common}"
            ),
            insert_common: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) \
                            VALUES (:module, :name, :value)"
                .to_owned(),
            delete_common: format!("DELETE FROM b_option WHERE {module} AND {name} AND {common}"),
            update_site: format!(
                "UPDATE b_option_site SET VALUE = :value WHERE {module} AND {name} AND {site}"
            ),
            insert_site: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) \
                          VALUES (:module, :name, :new_site, :value)"
                .to_owned(),
            delete_site: format!("DELETE FROM b_option_site WHERE {module} AND {name} AND {site}"),
            update_grant_common: format!(
                "UPDATE b_module_group SET G_ACCESS = :level \
                 WHERE {module} AND GROUP_ID = :group AND {common}"
            ),
            update_grant_site: format!(
                "UPDATE b_module_group SET G_ACCESS = :level \
                 WHERE {module} AND GROUP_ID = :group AND {site}"
            ),
            insert_grant: "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) \
                           VALUES (:module, :group, :level, :new_site)"
                .to_owned(),
            delete_grant_common: format!(
                "DELETE FROM b_module_group WHERE {module} AND GROUP_ID = :group AND {common}"
            ),
            delete_grant_site: format!(
                "DELETE FROM b_module_group WHERE {module} AND GROUP_ID = :group AND {site}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_sensitive_columns_are_compared_in_lower_case() {
        let folded = Statements::new(Matching {
            modules_ignore_case: false,
            sites_ignore_case: false,
        });
        assert!(folded
            .load_common
            .ends_with("WHERE LOWER(MODULE_ID) = :module"));
        assert!(folded.delete_site.ends_with("AND LOWER(SITE_ID) = :site"));
        let plain = Statements::new(Matching {
            modules_ignore_case: true,
            sites_ignore_case: true,
        });
        assert!(plain.load_common.ends_with("WHERE MODULE_ID = :module"));
        assert!(plain.delete_site.ends_with("AND SITE_ID = :site"));
    }
}
