//! Unreadable rights rows in a Bitrix database: the shapes found in the
//! wild (letters other Bitrix modules use, a lower-case letter, a NULL or
//! empty default, duplicate rows that disagree, a level the module does
//! not list) fail ordinary users' checks closed, naming the row, while an
//! administrator keeps W, sees the rows on the Access tab and repairs them
//! with ordinary, audited writes.

#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use module_settings::access::{Reason, ResolveOptions};
use module_settings::modules::VideoPort;
use module_settings::settings::{
    Actor, MemoryAuditSink, RecordDiff, Settings, SettingsError, SettingsEvent,
};
use module_settings::store::RightKey;
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId, SqliteStore};
use rusqlite::Connection;

const BITRIX_TABLES: &str = include_str!("data/bitrix_tables.sql");
const VIDEO: ModuleId = ModuleId::from_static("video");
const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");
const S1: Scope = Scope::Site(SiteId::from_static("s1"));

fn g(id: u32) -> GroupId {
    GroupId::new(id).unwrap()
}

fn admin() -> Actor {
    Actor::new([GroupId::ADMINISTRATORS, GroupId::EVERYONE])
}

/// Group 5 holds R in common and W in s1 in the Bitrix fixture.
fn member_of_5() -> [GroupId; 2] {
    [GroupId::EVERYONE, g(5)]
}

/// Which record the bad rows belong to (all in the common scope).
#[derive(Debug, Clone, Copy)]
enum Key {
    Grant(u32),
    Default,
}

impl Key {
    fn right_key(self) -> RightKey {
        match self {
            Key::Grant(group) => RightKey::Grant {
                scope: Scope::Common,
                group: g(group),
            },
            Key::Default => RightKey::Default {
                scope: Scope::Common,
            },
        }
    }

    /// The audit text's subject: `group 7` or `default`.
    fn subject(self) -> String {
        match self {
            Key::Grant(group) => format!("group {group}"),
            Key::Default => "default".to_owned(),
        }
    }
}

/// One shape of bad row, applied to the Bitrix fixture.
struct BadRow {
    what: &'static str,
    sql: &'static str,
    key: Key,
    /// Texts an ordinary user's error must hold: where the row is and
    /// what it holds.
    named: &'static [&'static str],
    /// The unreadable rows the Access tab lists: row id and raw text
    /// (`None`: NULL). Empty for a level the module does not list, which
    /// the store reads fine and the tab flags on the row itself.
    rows: &'static [(Option<i64>, Option<&'static str>)],
    /// The audit text's old part when the record is overwritten.
    old: &'static str,
}

const DEFAULT_RECORD: &str = "b_option.VALUE of option GROUP_DEFAULT_RIGHT in scope common";

const BAD_ROWS: &[BadRow] = &[
    BadRow {
        what: "a letter another module uses (X)",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'X')",
        key: Key::Grant(7),
        named: &["b_module_group.G_ACCESS (ID 50)", "\"X\""],
        rows: &[(Some(50), Some("X"))],
        old: "(\"X\")",
    },
    BadRow {
        what: "a letter another module uses (E)",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'E')",
        key: Key::Grant(7),
        named: &["b_module_group.G_ACCESS (ID 50)", "\"E\""],
        rows: &[(Some(50), Some("E"))],
        old: "(\"E\")",
    },
    BadRow {
        what: "a letter another module uses (T)",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'video', 7, 'T', '')",
        key: Key::Grant(7),
        named: &["b_module_group.G_ACCESS (ID 50)", "\"T\""],
        rows: &[(Some(50), Some("T"))],
        old: "(\"T\")",
    },
    BadRow {
        what: "a lower-case letter",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'Video', 7, 'w')",
        key: Key::Grant(7),
        named: &["b_module_group.G_ACCESS (ID 50)", "\"w\"", "in upper case"],
        rows: &[(Some(50), Some("w"))],
        old: "(\"w\")",
    },
    BadRow {
        what: "a NULL default",
        sql: "UPDATE b_option SET VALUE = NULL WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'",
        key: Key::Default,
        named: &[DEFAULT_RECORD, "NULL"],
        rows: &[(None, None)],
        old: "(NULL)",
    },
    BadRow {
        what: "an empty default",
        sql: "UPDATE b_option SET VALUE = '' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'",
        key: Key::Default,
        named: &[DEFAULT_RECORD, "\"\""],
        rows: &[(None, Some(""))],
        old: "(\"\")",
    },
    BadRow {
        what: "duplicate rows that disagree",
        // Row 2 gives group 5 R in common (SITE_ID NULL); this one W ('').
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'video', 5, 'W', '')",
        key: Key::Grant(5),
        named: &["b_module_group.G_ACCESS (ID 2)", "\"R\"", "another row"],
        rows: &[(Some(2), Some("R")), (Some(50), Some("W"))],
        old: "(\"R\", \"W\")",
    },
    BadRow {
        what: "a level the module does not list (M on video)",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'M')",
        key: Key::Grant(7),
        named: &["grant of group 7 in common", "M", "allowed are D, R, W"],
        rows: &[],
        old: "(M)",
    },
];

/// A Bitrix database with `bad` applied, and a facade over it that
/// audits to the returned sink.
struct Site {
    _dir: tempfile::TempDir,
    path: PathBuf,
    settings: Settings<SqliteStore>,
    audit: Arc<MemoryAuditSink>,
    events: Receiver<Arc<SettingsEvent>>,
}

fn site_with(bad: &BadRow, resolve: ResolveOptions) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(BITRIX_TABLES).unwrap();
    conn.execute_batch(bad.sql).unwrap();
    drop(conn);
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .audit(audit.clone())
        .resolve_options(resolve)
        .build()
        .unwrap();
    let events = settings.subscribe();
    Site {
        _dir: dir,
        path,
        settings,
        audit,
        events,
    }
}

fn site(bad: &BadRow) -> Site {
    site_with(bad, ResolveOptions::new())
}

/// The stored text of every row of `key` in module video (any case of
/// the module id; common scope), by row.
fn stored(path: &Path, key: Key) -> Vec<Option<String>> {
    let conn = Connection::open(path).unwrap();
    let (sql, group) = match key {
        Key::Grant(group) => (
            "SELECT G_ACCESS FROM b_module_group WHERE MODULE_ID = 'video' COLLATE NOCASE \
             AND GROUP_ID = ?1 AND (SITE_ID IS NULL OR SITE_ID = '') ORDER BY ID",
            group,
        ),
        Key::Default => (
            "SELECT VALUE FROM b_option WHERE MODULE_ID = 'video' COLLATE NOCASE \
             AND NAME = 'GROUP_DEFAULT_RIGHT' AND ?1 = ?1",
            0,
        ),
    };
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([group], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_ordinary_users_check_fails_closed_naming_the_row() {
    for bad in BAD_ROWS {
        let site = site(bad);
        let settings = &site.settings;
        let err = settings
            .check(VIDEO, &member_of_5(), Scope::Common)
            .unwrap_err();
        assert!(
            matches!(err, SettingsError::StoredRights { module: VIDEO, .. }),
            "{}: {err:?}",
            bad.what
        );
        let text = err.to_string();
        for named in bad.named {
            assert!(text.contains(named), "{}: {named} in {text}", bad.what);
        }
        assert!(!settings.can(VIDEO, &member_of_5(), S1, AccessLevel::D));
        assert!(settings
            .require(VIDEO, &member_of_5(), S1, AccessLevel::R)
            .is_err());
        // Group 5's W in s1 does not let it save: the rights are unusable.
        let revision = settings.revision(VIDEOPORT).unwrap();
        let err = settings
            .set_option(
                &Actor::new(member_of_5()),
                VIDEOPORT,
                S1,
                "ServerPort",
                "8000",
                revision,
            )
            .unwrap_err();
        assert!(
            matches!(err, SettingsError::StoredRights { .. }),
            "{}: {err:?}",
            bad.what
        );
    }
}

#[test]
fn an_administrator_keeps_w_since_the_bypass_reads_no_rows() {
    for bad in BAD_ROWS {
        let site = site(bad);
        let settings = &site.settings;
        for query in [Scope::Common, S1] {
            let decision = settings
                .check(VIDEO, admin().groups(), query)
                .unwrap_or_else(|err| panic!("{}: {err}", bad.what));
            assert_eq!(decision.level(), AccessLevel::W, "{}", bad.what);
            assert_eq!(
                decision.reason(),
                Reason::Administrator {
                    group: GroupId::ADMINISTRATORS
                }
            );
            assert!(settings.can(VIDEO, admin().groups(), query, AccessLevel::W));
            settings
                .require(VIDEO, admin().groups(), query, AccessLevel::W)
                .unwrap();
        }
        // `roles` needs every group's row: it fails closed, even for an
        // administrator.
        assert!(settings
            .roles(VIDEO, admin().groups(), Scope::Common)
            .is_err());
    }
}

#[test]
fn without_the_bypass_an_administrator_fails_closed_too() {
    for bad in BAD_ROWS {
        let site = site_with(bad, ResolveOptions::new().admin_bypass(false));
        let settings = &site.settings;
        assert!(
            settings
                .check(VIDEO, admin().groups(), Scope::Common)
                .is_err(),
            "{}",
            bad.what
        );
        assert!(!settings.can(VIDEO, admin().groups(), Scope::Common, AccessLevel::D));
        let mut tab = settings.access_tab(VIDEO).unwrap();
        tab.set_grant(Scope::Common, g(9), AccessLevel::R).unwrap();
        assert!(matches!(
            settings.apply_access_tab(&admin(), tab),
            Err(SettingsError::StoredRights { .. })
        ));
    }
}

#[test]
fn an_administrators_option_save_is_never_blocked_by_a_bad_row_in_the_guard() {
    for bad in BAD_ROWS {
        let site = site(bad);
        let settings = &site.settings;
        let revision = settings.revision(VIDEOPORT).unwrap();
        settings
            .set_option(
                &admin(),
                VIDEOPORT,
                Scope::Common,
                "ServerPort",
                "8000",
                revision,
            )
            .unwrap_or_else(|err| panic!("{}: {err}", bad.what));
        let mut form = settings.edit::<VideoPort>(S1).unwrap();
        form.value_mut().server_port = std::num::NonZeroU16::new(9000);
        settings
            .save(&admin(), form)
            .unwrap_or_else(|err| panic!("{}: {err}", bad.what));
        let common = settings.options::<VideoPort>(Scope::Common).unwrap();
        let s1 = settings.options::<VideoPort>(S1).unwrap();
        assert_eq!(common.server_port.map(|p| p.get()), Some(8000));
        assert_eq!(s1.server_port.map(|p| p.get()), Some(9000));
        // The bad rows are still there: saving options does not touch them.
        assert!(settings
            .check(VIDEO, &member_of_5(), Scope::Common)
            .is_err());
    }
}

#[test]
fn the_access_tab_lists_unreadable_rows_with_raw_text_and_row_id() {
    for bad in BAD_ROWS {
        let site = site(bad);
        let tab = site.settings.access_tab(VIDEO).unwrap();
        let rows = tab.unreadable_rows();
        let listed: Vec<(Option<i64>, Option<&str>)> = rows
            .iter()
            .map(|row| (row.row_id, row.raw.as_deref()))
            .collect();
        assert_eq!(listed, bad.rows, "{}", bad.what);
        for row in tab.unreadable_rows() {
            assert_eq!(row.key, bad.key.right_key(), "{}", bad.what);
            assert!(!row.record.is_empty() && !row.reason.is_empty());
        }
        // An unreadable record is not also shown as a readable row.
        let key = bad.key.right_key();
        let shown_as_grant = tab.grant_rows().iter().any(|row| {
            RightKey::Grant {
                scope: row.scope,
                group: row.group,
            } == key
                && row.accepted
        });
        assert!(!shown_as_grant, "{}", bad.what);
        if matches!(bad.key, Key::Default) {
            assert_eq!(tab.default_row().level, None, "{}", bad.what);
        }
        // A level the module does not list is shown, flagged.
        if bad.rows.is_empty() {
            let row = tab
                .grant_rows()
                .into_iter()
                .find(|r| r.group == g(7))
                .unwrap();
            assert_eq!(
                (row.level, row.accepted, row.label),
                (AccessLevel::M, false, None)
            );
        }
        let json = serde_json::to_value(&tab).unwrap();
        let unreadable = json["unreadable"].as_array().unwrap();
        assert_eq!(unreadable.len(), bad.rows.len(), "{}: {json}", bad.what);
        for (shown, (id, raw)) in unreadable.iter().zip(bad.rows) {
            assert_eq!(shown["row_id"], serde_json::json!(id));
            assert_eq!(shown["raw"], serde_json::json!(raw));
        }
    }
}

#[test]
fn raw_text_is_bounded_and_kept_as_text() {
    let long = BadRow {
        what: "a long value",
        sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) \
              VALUES (50, 'video', 7, 'W' || char(10) || replace(hex(zeroblob(150)), '0', 'x'))",
        key: Key::Grant(7),
        named: &[],
        rows: &[],
        old: "",
    };
    let site = site(&long);
    let tab = site.settings.access_tab(VIDEO).unwrap();
    let rows = tab.unreadable_rows();
    let raw = rows[0].raw.as_deref().unwrap();
    assert!(raw.starts_with("W\nxxx"), "{raw:?}");
    assert!(raw.chars().count() <= 65 && raw.ends_with('…'), "{raw:?}");
    let err = site
        .settings
        .check(VIDEO, &member_of_5(), Scope::Common)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"W\\nxxx") && !err.contains('\n'), "{err}");
    assert!(err.len() < 600, "{err}");
}

/// Overwrites the bad record with R through the Access tab.
fn overwrite(site: &Site, key: Key) {
    let mut tab = site.settings.access_tab(VIDEO).unwrap();
    match key {
        Key::Grant(group) => {
            tab.set_grant(Scope::Common, g(group), AccessLevel::R)
                .unwrap();
        }
        Key::Default => {
            tab.set_default(Scope::Common, AccessLevel::R).unwrap();
        }
    }
    assert_eq!(tab.changes().len(), 1);
    assert!(tab.unreadable_rows().is_empty());
    site.settings.apply_access_tab(&admin(), tab).unwrap();
}

#[test]
fn overwriting_an_unreadable_record_is_an_audited_write_that_repairs_it() {
    for bad in BAD_ROWS {
        let site = site(bad);
        overwrite(&site, bad.key);
        let text = format!("video: {} {} => (R)", bad.key.subject(), bad.old);
        assert_eq!(site.audit.texts(), [text], "{}", bad.what);
        let events: Vec<_> = site.events.try_iter().collect();
        assert_eq!(events.len(), 1, "{}", bad.what);
        assert_eq!(events[0].changes().len(), 1);
        // Every row of the record now holds R: duplicates and other
        // spellings of the module id included.
        for row in stored(&site.path, bad.key) {
            assert_eq!(row.as_deref(), Some("R"), "{}", bad.what);
        }
        // Checks work again, for everyone, in a fresh facade too.
        site.settings
            .check(VIDEO, &member_of_5(), Scope::Common)
            .unwrap_or_else(|err| panic!("{}: {err}", bad.what));
        let fresh = Settings::new(SqliteStore::open(&site.path).unwrap());
        let tab = fresh.access_tab(VIDEO).unwrap();
        assert!(tab.unreadable_rows().is_empty(), "{}", bad.what);
        assert!(tab.grant_rows().iter().all(|row| row.accepted));
        fresh.check(VIDEO, &member_of_5(), S1).unwrap();
    }
}

#[test]
fn removing_an_unreadable_record_is_an_audited_write_that_repairs_it() {
    for bad in BAD_ROWS {
        let site = site(bad);
        let mut tab = site.settings.access_tab(VIDEO).unwrap();
        match bad.key {
            Key::Grant(group) => {
                tab.remove_grant(Scope::Common, g(group));
            }
            Key::Default => {
                tab.remove_default(Scope::Common);
            }
        }
        let changes = tab.changes();
        assert_eq!(changes.len(), 1, "{}: {changes:?}", bad.what);
        site.settings.apply_access_tab(&admin(), tab).unwrap();
        let text = format!("video: {} {} => ()", bad.key.subject(), bad.old);
        assert_eq!(site.audit.texts(), [text], "{}", bad.what);
        let events: Vec<_> = site.events.try_iter().collect();
        assert_eq!(events.len(), 1, "{}", bad.what);
        assert!(stored(&site.path, bad.key).is_empty(), "{}", bad.what);
        site.settings
            .check(VIDEO, &member_of_5(), Scope::Common)
            .unwrap_or_else(|err| panic!("{}: {err}", bad.what));
    }
}

#[test]
fn a_repair_event_carries_the_raw_text_it_replaced() {
    let site = site(&BAD_ROWS[0]);
    overwrite(&site, Key::Grant(7));
    let events: Vec<_> = site.events.try_iter().collect();
    assert_eq!(
        events[0].changes(),
        [RecordDiff::Repaired {
            key: RightKey::Grant {
                scope: Scope::Common,
                group: g(7)
            },
            old: vec![Some("X".to_owned())],
            new: Some(AccessLevel::R),
        }]
    );
}

#[test]
fn an_unrelated_edit_leaves_unreadable_rows_alone() {
    let site = site(&BAD_ROWS[0]);
    let mut tab = site.settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(9), AccessLevel::R).unwrap();
    assert_eq!(tab.changes().len(), 1);
    site.settings.apply_access_tab(&admin(), tab).unwrap();
    assert_eq!(stored(&site.path, Key::Grant(7)), [Some("X".to_owned())]);
    let tab = site.settings.access_tab(VIDEO).unwrap();
    assert_eq!(tab.unreadable_rows().len(), 1);
    assert!(site
        .settings
        .check(VIDEO, &member_of_5(), Scope::Common)
        .is_err());
}
