//! `SqliteStore` on a database laid out the way a Bitrix site holds it.

#![cfg(feature = "sqlite")]

mod bitrix_common;

use std::path::{Path, PathBuf};

use bitrix_common::*;
use module_settings::store::{Change, Revision, RightKey};
use module_settings::{
    AccessLevel, ModuleId, OptionName, Scope, SiteId, SqliteStore, Store, StoreError,
};
use proptest::prelude::*;
use rusqlite::Connection;

const BITRIX_TABLES: &str = include_str!("data/bitrix_tables.sql");

/// A temporary database file filled by `sql`.
fn database(sql: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    Connection::open(&path).unwrap().execute_batch(sql).unwrap();
    (dir, path)
}

fn bitrix_database() -> (tempfile::TempDir, PathBuf) {
    database(BITRIX_TABLES)
}

fn plain(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

/// The schema objects of one `type` (`table`, `index`, `trigger`) that
/// belong to Bitrix's tables: name and SQL.
fn objects_of(path: &Path, kind: &str) -> Vec<(String, String)> {
    let conn = plain(path);
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = ?1 AND tbl_name LIKE 'b\\_%' ESCAPE '\\' ORDER BY name")
        .unwrap();
    stmt.query_map([kind], |row| {
        Ok((
            row.get(0)?,
            row.get::<_, Option<String>>(1)?.unwrap_or_default(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Bitrix's tables and their indexes, as SQL.
fn schema_of(path: &Path) -> Vec<(String, String)> {
    let mut schema = objects_of(path, "table");
    schema.extend(objects_of(path, "index"));
    schema
}

/// The names of the triggers on Bitrix's tables.
fn triggers_of(path: &Path) -> Vec<String> {
    objects_of(path, "trigger")
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn a_bitrix_database_loads_into_exactly_the_expected_records() {
    let (_dir, path) = bitrix_database();
    let before = schema_of(&path);
    assert!(triggers_of(&path).is_empty());
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(schema_of(&path), before, "Bitrix's tables are not altered");
    // The only additions on Bitrix's tables: one revision trigger per
    // table and event (the revision table is the store's own).
    let mut expected_triggers = Vec::new();
    for table in ["b_module_group", "b_option", "b_option_site"] {
        for event in ["delete", "insert", "update"] {
            expected_triggers.push(format!("module_settings_revision_after_{event}_on_{table}"));
        }
    }
    expected_triggers.sort();
    assert_eq!(triggers_of(&path), expected_triggers);
    // Opening again adds nothing.
    drop(SqliteStore::open(&path).unwrap());
    assert_eq!(triggers_of(&path).len(), 9);
    assert_eq!(schema_of(&path), before);

    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records, bitrix_videoport());
    assert_eq!(
        videoport.revision,
        Revision::ZERO,
        "never written through a store"
    );

    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records, bitrix_video());

    assert_eq!(module_names(&store), ["main", "video", "videoport"]);
}

#[test]
fn writes_through_the_store_are_bitrix_rows() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    let batch = [
        option(Scope::Common, "ServerPort", "9443"),
        option(Scope::Common, "SecretCode", "new-key"),
        Change::RemoveOption {
            scope: Scope::Common,
            name: OptionName::new("window_chat").unwrap(),
        },
        option(S2, "ServerHost", "vcs-s2.example.com"),
    ];
    assert_eq!(
        store.commit(&VIDEOPORT, Revision::ZERO, &batch).unwrap(),
        Revision::new(1)
    );
    let rights = [
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        Change::SetDefault {
            scope: S1,
            level: AccessLevel::R,
        },
        grant(Scope::Common, 5, AccessLevel::W),
        grant(S2, 8, AccessLevel::R),
        Change::RemoveGrant {
            scope: Scope::Common,
            group: group(6),
        },
    ];
    store.commit(&VIDEO, Revision::ZERO, &rights).unwrap();

    let conn = plain(&path);
    let common =
        |module: &str, name: &str| -> Option<(Option<String>, Option<String>, Option<String>)> {
            conn.query_row(
            "SELECT VALUE, DESCRIPTION, SITE_ID FROM b_option WHERE MODULE_ID = ?1 AND NAME = ?2",
            [module, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
        };
    assert_eq!(
        common("videoport", "ServerPort"),
        Some((Some("9443".into()), None, None))
    );
    // Updated in place: the description Bitrix keeps beside it survives.
    assert_eq!(
        common("videoport", "SecretCode"),
        Some((
            Some("new-key".into()),
            Some("VCS Manager guest key".into()),
            None
        ))
    );
    assert_eq!(common("videoport", "window_chat"), None);
    assert_eq!(
        common("video", "GROUP_DEFAULT_RIGHT"),
        Some((Some("W".into()), None, None))
    );

    let site_value = |module: &str, name: &str, site: &str| -> Option<String> {
        conn.query_row(
            "SELECT VALUE FROM b_option_site WHERE MODULE_ID = ?1 AND NAME = ?2 AND SITE_ID = ?3",
            [module, name, site],
            |r| r.get(0),
        )
        .ok()
    };
    assert_eq!(
        site_value("videoport", "ServerHost", "s2").as_deref(),
        Some("vcs-s2.example.com")
    );
    assert_eq!(
        site_value("video", "GROUP_DEFAULT_RIGHT", "s1").as_deref(),
        Some("R")
    );

    let mut stmt = conn
        .prepare("SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group WHERE MODULE_ID = 'video' ORDER BY GROUP_ID, SITE_ID")
        .unwrap();
    let rows: Vec<(i64, i64, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let (new_id, _, _, _) = rows.iter().find(|r| r.1 == 8).unwrap().clone();
    assert_eq!(
        rows,
        [
            (1, 1, "W".into(), None),
            (2, 5, "W".into(), None), // same row, new level
            (4, 5, "W".into(), Some("s1".into())),
            (new_id, 8, "R".into(), Some("s2".into())),
        ]
    );
    let revision: i64 = conn
        .query_row(
            "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = 'video'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(revision, 1);
}

#[test]
fn rows_written_behind_the_stores_back_show_up_on_the_next_load() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    let rev = store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 9, AccessLevel::R)],
        )
        .unwrap();
    plain(&path)
        .execute_batch(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 12, 'W', 's1');
             UPDATE b_option SET VALUE = 'W' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT';",
        )
        .unwrap();
    assert_foreign_rows_seen(&store, rev);
}

/// A write another program makes with plain SQL, and the modules whose
/// revision it must move.
struct ForeignWrite {
    sql: &'static str,
    moves: &'static [&'static str],
}

const FOREIGN_WRITES: &[ForeignWrite] = &[
    ForeignWrite { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'extra', 'x')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option SET VALUE = 'W' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'W')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option_site SET VALUE = 'R' WHERE MODULE_ID = 'video' AND SITE_ID = 's2'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option_site WHERE MODULE_ID = 'video'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('video', 12, 'W')", moves: &["video"] },
    // The reviewer's case: a grant revoked behind the store's back.
    ForeignWrite { sql: "UPDATE b_module_group SET G_ACCESS = 'D' WHERE MODULE_ID = 'video' AND GROUP_ID = 5 AND SITE_ID IS NULL", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_module_group WHERE MODULE_ID = 'video' AND GROUP_ID = 5 AND SITE_ID IS NULL", moves: &["video"] },
    // Module ids in another case belong to the lower-case module.
    ForeignWrite { sql: "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('Video', 13, 'R')", moves: &["video"] },
    // A row moved from one module to another moves both.
    ForeignWrite { sql: "UPDATE b_option SET MODULE_ID = 'video' WHERE MODULE_ID = 'videoport' AND NAME = 'window_chat'", moves: &["video", "videoport"] },
    ForeignWrite { sql: "UPDATE b_module_group SET MODULE_ID = 'videoport' WHERE ID = 3", moves: &["video", "videoport"] },
];

fn revisions(store: &SqliteStore) -> [Revision; 2] {
    [VIDEO, VIDEOPORT].map(|m| store.revision(&m).unwrap())
}

#[test]
fn plain_sql_writes_on_every_table_move_the_revision() {
    for write in FOREIGN_WRITES {
        let (_dir, path) = bitrix_database();
        let store = SqliteStore::open(&path).unwrap();
        // Start from revisions the store wrote, as in a live database.
        let video = store
            .commit(&VIDEO, Revision::ZERO, &[grant(S2, 40, AccessLevel::R)])
            .unwrap();
        store
            .commit(&VIDEOPORT, Revision::ZERO, &[option(S2, "x", "1")])
            .unwrap();
        let before = revisions(&store);
        assert_eq!(before[0], video);
        let changed = plain(&path).execute(write.sql, []).unwrap();
        assert_eq!(changed, 1, "{}", write.sql);
        let after = revisions(&store);
        for (i, module) in ["video", "videoport"].into_iter().enumerate() {
            let expected = if write.moves.contains(&module) {
                before[i].get() + 1
            } else {
                before[i].get()
            };
            assert_eq!(after[i].get(), expected, "{module} after {}", write.sql);
        }
    }
}

#[test]
fn a_commit_based_on_a_load_before_a_plain_sql_write_conflicts() {
    for write in FOREIGN_WRITES {
        let (_dir, path) = bitrix_database();
        let store = SqliteStore::open(&path).unwrap();
        let loaded = store.load(&VIDEO).unwrap();
        plain(&path).execute(write.sql, []).unwrap();
        let before_commit = store.load(&VIDEO).unwrap();
        let result = store.commit(
            &VIDEO,
            loaded.revision,
            &[grant(Scope::Common, 5, AccessLevel::W)],
        );
        match result {
            Err(StoreError::Conflict {
                expected, current, ..
            }) => {
                assert_eq!(expected, loaded.revision, "{}", write.sql);
                assert_eq!(current, before_commit.revision, "{}", write.sql);
            }
            other => panic!("{}: expected Conflict, got {other:?}", write.sql),
        }
        // The other program's change is still there.
        assert_eq!(store.load(&VIDEO).unwrap(), before_commit, "{}", write.sql);
    }
}

#[test]
fn a_commit_moves_the_revision_by_one_though_every_row_fired_a_trigger() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    let batch = [
        option(Scope::Common, "a", "1"),
        option(S1, "b", "2"),
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        grant(Scope::Common, 5, AccessLevel::W),
        grant(S2, 8, AccessLevel::R),
        Change::RemoveGrant {
            scope: Scope::Common,
            group: group(6),
        },
    ];
    assert_eq!(
        store.commit(&VIDEO, Revision::ZERO, &batch).unwrap(),
        Revision::new(1)
    );
    assert_eq!(
        store.commit(&VIDEO, Revision::new(1), &batch).unwrap(),
        Revision::new(2)
    );
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::new(2));
    assert_eq!(store.revision(&VIDEOPORT).unwrap(), Revision::ZERO);
}

#[test]
fn a_plain_write_to_a_module_never_written_through_a_store_lists_it() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    let blog = ModuleId::from_static("blog");
    plain(&path)
        .execute_batch(
            "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('blog', 'x', '1');
             DELETE FROM b_option WHERE MODULE_ID = 'blog';",
        )
        .unwrap();
    assert_eq!(store.revision(&blog).unwrap(), Revision::new(2));
    assert!(store.modules().unwrap().contains(&blog));
    // Rows under an id no module can have move no revision: `modules`
    // keeps listing only valid ids once such a row is gone.
    plain(&path)
        .execute_batch(
            "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('not a module!', 'x', '1');
             DELETE FROM b_option WHERE MODULE_ID = 'not a module!';",
        )
        .unwrap();
    store.modules().unwrap();
}

#[test]
fn module_ids_match_without_regard_to_case() {
    let (_dir, path) = bitrix_database();
    plain(&path)
        .execute_batch(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('Video', 20, 'R', NULL);
             INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('VideoPort', 'Extra', 'x');",
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_mixed_case_rows_load(&store);

    // The store updates the mixed-case row instead of adding a second one.
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 20, AccessLevel::W)],
        )
        .unwrap();
    let count: i64 = plain(&path)
        .query_row(
            "SELECT COUNT(*) FROM b_module_group WHERE GROUP_ID = 20",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn a_table_without_a_needed_column_is_refused_and_left_alone() {
    let (_dir, path) = database("CREATE TABLE b_module_group (ID INTEGER PRIMARY KEY, MODULE_ID TEXT, GROUP_ID INT, SITE_ID TEXT);");
    let before = schema_of(&path);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "sqlite store: table b_module_group exists but has no column G_ACCESS; \
         add it or point the store at a database with Bitrix's layout"
    );
    let after = schema_of(&path);
    assert!(after.iter().any(|(name, _)| name == "b_module_group"));
    assert_eq!(
        after.iter().find(|(n, _)| n == "b_module_group"),
        before.iter().find(|(n, _)| n == "b_module_group")
    );
}

#[test]
fn a_new_database_gets_the_tables_and_a_unique_grant_per_scope() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    let conn = plain(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 5, 'R', NULL)", [])
        .unwrap();
    // NULL and '' both mean "common": the index folds them together.
    let second = conn.execute("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 5, 'W', '')", []);
    assert!(
        second.is_err(),
        "a second common grant for one group is refused"
    );
    // Site ids match without regard to case, so the keys of the tables the
    // store creates hold one site under one spelling.
    for (sql, what) in [
        ("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 5, 'R', 's1'), ('video', 5, 'W', 'S1')", "grant"),
        ("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'x', 's1', '1'), ('video', 'x', 'S1', '2')", "option"),
    ] {
        assert!(conn.execute(sql, []).is_err(), "a second {what} for site S1 is refused");
    }
}

/// Rows that cannot be placed under any record (or are not rights at
/// all) fail the load. Rights rows whose record is known but whose level
/// cannot be read load as unreadable instead (below).
#[test]
fn bad_rows_are_reported_as_corrupt_naming_module_record_and_value() {
    let cases = [
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 0, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"0\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', -3, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"-3\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 4294967296, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"4294967296\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 'admins', 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"admins\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'video', 7, 'R', 's 1')", record: "b_module_group.SITE_ID (ID 50)", value: "\"s 1\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', '', 'x')", record: "b_option.NAME", value: "\"\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'a' || char(10) || 'b', 'x')", record: "b_option.NAME", value: "\"a\\nb\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'group_default_right', 'R')", record: "b_option.NAME", value: "\"group_default_right\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE, SITE_ID) VALUES ('video', 'legacy', 'x', 's1')", record: "b_option.SITE_ID of option legacy", value: "\"s1\"" },
        BadRow { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'x', 'common', 'v')", record: "b_option_site.SITE_ID of option x", value: "\"common\"" },
        BadRow { sql: "INSERT INTO module_settings_revision (MODULE_ID, REVISION) VALUES ('video', -1)", record: "module_settings_revision.REVISION", value: "\"-1\"" },
    ];
    for case in cases {
        let (_dir, path) = bitrix_database();
        let store = SqliteStore::open(&path).unwrap();
        plain(&path).execute_batch(case.sql).unwrap();
        assert_corrupt(&store, &case);
    }
}

#[rustfmt::skip]
const UNREADABLE: &[UnreadableCase] = &[
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'X')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("X"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'E')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("E"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'T')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("T"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'VIDEO', 7, 'w')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("w"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, '')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some(""))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 12)", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("12"))] },
    UnreadableCase { sql: "UPDATE b_option SET VALUE = NULL WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", key: DEFAULT_COMMON, rows: &[(None, DEFAULT_ROW, None)] },
    UnreadableCase { sql: "UPDATE b_option SET VALUE = '' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", key: DEFAULT_COMMON, rows: &[(None, DEFAULT_ROW, Some(""))] },
    UnreadableCase { sql: "UPDATE b_option SET VALUE = 'Z' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", key: DEFAULT_COMMON, rows: &[(None, DEFAULT_ROW, Some("Z"))] },
    UnreadableCase { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'RW')", key: RightKey::Default { scope: S1 }, rows: &[(None, "b_option_site.VALUE of option GROUP_DEFAULT_RIGHT in scope s1", Some("RW"))] },
    // Group 5 holds R in common (row 2, SITE_ID NULL); a second row ('') says otherwise.
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'video', 5, 'D', '')", key: G5_COMMON, rows: &[(Some(2), "b_module_group.G_ACCESS (ID 2)", Some("R")), (Some(50), G_ACCESS_50, Some("D"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'Video', 5, 'r', '')", key: G5_COMMON, rows: &[(Some(2), "b_module_group.G_ACCESS (ID 2)", Some("R")), (Some(50), G_ACCESS_50, Some("r"))] },
];

#[test]
fn unreadable_rights_rows_load_as_unreadable_records() {
    for case in UNREADABLE {
        let (_dir, path) = bitrix_database();
        let store = SqliteStore::open(&path).unwrap();
        plain(&path).execute_batch(case.sql).unwrap();
        let records = store
            .load(&VIDEO)
            .unwrap_or_else(|err| panic!("{}: {err}", case.sql))
            .records;
        assert_unreadable(&records, case);
    }
}

/// A commit that sets or removes a record with unreadable rows replaces
/// every row of it — duplicates, other spellings of the module id, NULL
/// and empty SITE_ID alike — and the next load reads it cleanly.
#[test]
fn a_commit_to_an_unreadable_record_replaces_every_row_of_it() {
    let level_rows = |path: &Path, group_id: u32| -> Vec<String> {
        let conn = plain(path);
        let mut stmt = conn
            .prepare(
                "SELECT G_ACCESS FROM b_module_group WHERE MODULE_ID = 'video' COLLATE NOCASE \
                 AND GROUP_ID = ?1 AND (SITE_ID IS NULL OR SITE_ID = '') ORDER BY ID",
            )
            .unwrap();
        stmt.query_map([group_id], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let default_value = |path: &Path| -> Vec<Option<String>> {
        let conn = plain(path);
        let mut stmt = conn
            .prepare("SELECT VALUE FROM b_option WHERE MODULE_ID = 'video' COLLATE NOCASE AND NAME = 'GROUP_DEFAULT_RIGHT'")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for case in UNREADABLE.iter().filter(|c| c.key.scope() == Scope::Common) {
        for remove in [false, true] {
            let (_dir, path) = bitrix_database();
            let store = SqliteStore::open(&path).unwrap();
            plain(&path).execute_batch(case.sql).unwrap();
            let snapshot = store.load(&VIDEO).unwrap();
            let change = set_to_w_or_remove(case.key, remove);
            store
                .commit(&VIDEO, snapshot.revision, std::slice::from_ref(&change))
                .unwrap();
            let mut expected = snapshot.records.clone();
            expected.apply(&change);
            assert!(!expected.has_unreadable());
            assert_eq!(
                store.load(&VIDEO).unwrap().records,
                expected,
                "{}",
                case.sql
            );
            let stored = match case.key.group() {
                Some(group) => level_rows(&path, group.get())
                    .into_iter()
                    .map(Some)
                    .collect(),
                None => default_value(&path),
            };
            if remove {
                assert!(stored.is_empty(), "{}: {stored:?}", case.sql);
            } else {
                assert!(!stored.is_empty());
                assert!(
                    stored.iter().all(|row| row.as_deref() == Some("W")),
                    "{}: {stored:?}",
                    case.sql
                );
            }
        }
    }
}

#[test]
fn duplicate_rows_that_agree_are_read_as_one() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    // Same group, common scope written once as NULL and once as '': same
    // level. (Rows that disagree are in the unreadable table above.)
    plain(&path)
        .execute("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 5, 'R', '')", [])
        .unwrap();
    assert_eq!(
        store
            .load(&VIDEO)
            .unwrap()
            .records
            .grant(Scope::Common, group(5)),
        Some(AccessLevel::R)
    );
}

#[test]
fn an_option_value_never_appears_in_an_error() {
    // Two rows for one option that disagree: the store must read both
    // VALUEs to see the conflict, and must name neither in the error (one
    // may be a secret). Bitrix's primary key is case-sensitive, so a row
    // under `VideoPort` is a second row of module `videoport`.
    let cases = [
        (
            "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('VideoPort', 'SecretCode', 'other-key-77')",
            "b_option.VALUE of option SecretCode in scope common",
            "guest-key-42",
        ),
        (
            "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('VideoPort', 'ServerHost', 's1', 'other-key-77')",
            "b_option_site.VALUE of option ServerHost in scope s1",
            "vcs-s1.example.com",
        ),
    ];
    for (sql, expected_record, stored) in cases {
        let (_dir, path) = bitrix_database();
        let store = SqliteStore::open(&path).unwrap();
        plain(&path).execute(sql, []).unwrap();
        let err = store.load(&VIDEOPORT).unwrap_err();
        let shown = format!("{err} {err:?}");
        match &err {
            StoreError::Corrupt { record, value, .. } => {
                assert_eq!(record, expected_record, "{shown}");
                assert_eq!(value, "two rows with different values", "{shown}");
            }
            other => panic!("{sql}: expected Corrupt, got {other}"),
        }
        for secret in ["other-key-77", stored] {
            assert!(!shown.contains(secret), "{sql}: {shown}");
        }
    }
}

#[test]
fn a_busy_database_is_unavailable_not_a_hang() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path)
        .unwrap()
        .with_busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let holder = plain(&path);
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 9, AccessLevel::R)],
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                backend: "sqlite",
                ..
            }
        ),
        "{err}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 9, AccessLevel::R)],
        )
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever text sits in the columns the store decodes, a load returns
    /// records or `Corrupt`, never panics and never another error.
    #[test]
    fn arbitrary_column_text_never_panics(
        name in any::<String>(),
        site in any::<String>(),
        access in any::<String>(),
        group_text in any::<String>(),
        value in any::<String>(),
    ) {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(BITRIX_TABLES).unwrap();
        conn.execute("INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', ?1, ?2)", [&name, &value]).ok();
        conn.execute("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', ?1, ?2, ?3)", [&name, &site, &value]).ok();
        conn.execute("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', ?1, ?2, ?3)", [&group_text, &access, &site]).ok();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.sqlite");
        conn.execute("VACUUM INTO ?1", [path.to_str().unwrap()]).unwrap();
        let store = SqliteStore::open(&path).unwrap();
        match store.load(&VIDEO) {
            Ok(_) => {}
            Err(StoreError::Corrupt { module, .. }) => prop_assert_eq!(module, Some(VIDEO)),
            Err(other) => prop_assert!(false, "unexpected error: {}", other),
        }
    }
}

#[test]
fn a_busy_timeout_beyond_sqlites_limit_is_clamped_not_a_panic() {
    use std::time::Duration;
    // SQLite takes the timeout in milliseconds as an i32 (about 24.8 days).
    for timeout in [
        Duration::from_secs(30 * 24 * 3600),
        Duration::from_millis(i32::MAX as u64 + 1),
        Duration::MAX,
    ] {
        let store = std::panic::catch_unwind(|| {
            SqliteStore::open_in_memory()
                .unwrap()
                .with_busy_timeout(timeout)
                .map_err(|err| err.to_string())
        })
        .unwrap_or_else(|_| panic!("with_busy_timeout({timeout:?}) panicked"))
        .unwrap();
        let shown = format!("{store:?}");
        assert!(shown.contains("2147483.647s"), "{shown}");
        // The store still works.
        store
            .commit(
                &VIDEO,
                Revision::ZERO,
                &[grant(Scope::Common, 9, AccessLevel::R)],
            )
            .unwrap();
    }
}

#[test]
fn an_sql_failure_says_what_failed_and_keeps_the_cause_as_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-database.sqlite");
    std::fs::write(
        &path,
        "this is a text file, not an SQLite database, of some length".repeat(20),
    )
    .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{err}"
    );
    let mut current: &(dyn std::error::Error + 'static) = &err;
    let mut chain = vec![err.to_string()];
    while let Some(source) = current.source() {
        assert!(
            !current.to_string().contains(&source.to_string()),
            "{current} repeats its source {source}"
        );
        chain.push(source.to_string());
        current = source;
    }
    assert!(
        chain.len() >= 2,
        "the SQLite error is kept as the source: {chain:?}"
    );
    assert!(
        chain[0].starts_with("sqlite store: could not "),
        "{chain:?}"
    );
    assert!(chain[1].contains("not a database"), "{chain:?}");
}

#[cfg(unix)]
#[test]
fn a_new_database_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[option(Scope::Common, "SecretCode", "guest-key-42")],
        )
        .unwrap();
    // Option values may be secrets, as in the file store's files.
    assert_eq!(mode(&path) & 0o077, 0, "database is {:o}", mode(&path));
    // SQLite gives the WAL and shared-memory files the database's mode.
    for side in ["settings.sqlite-wal", "settings.sqlite-shm"] {
        let side = dir.path().join(side);
        assert!(
            side.exists(),
            "{} exists while the store is open",
            side.display()
        );
        assert_eq!(
            mode(&side) & 0o077,
            0,
            "{} is {:o}",
            side.display(),
            mode(&side)
        );
    }
    drop(store);

    // An existing file keeps the mode its owner chose.
    let shared = dir.path().join("shared.sqlite");
    std::fs::write(&shared, "").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(SqliteStore::open(&shared).unwrap());
    assert_eq!(mode(&shared), 0o640);
}

#[test]
fn a_not_null_column_the_store_does_not_fill_is_named_in_the_error() {
    // A MySQL → SQLite conversion turns `ID int not null auto_increment`
    // into `ID INT NOT NULL PRIMARY KEY`, which SQLite does not number.
    let (_dir, path) = database(
        "CREATE TABLE b_module_group (ID INT NOT NULL PRIMARY KEY, MODULE_ID VARCHAR(50) NOT NULL, \
         GROUP_ID INT NOT NULL, G_ACCESS VARCHAR(255) NOT NULL, SITE_ID CHAR(2) NULL);",
    );
    let store = SqliteStore::open(&path).unwrap();
    let err = store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 5, AccessLevel::R)],
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.starts_with("sqlite store: could not write a change (module video): ")
            && text.contains("column b_module_group.ID is NOT NULL without a default"),
        "{text}"
    );
    // SQLite's own message stays the source, not repeated in the text.
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(!text.contains(&source), "{text} repeats {source}");
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::ZERO);
}

/// Rows of `table` (a Bitrix table) for `module` whose `SITE_ID` is `site`
/// in any case, as (SITE_ID, the other column) pairs.
fn site_rows(path: &Path, table: &str, column: &str, site: &str) -> Vec<(String, String)> {
    let conn = plain(path);
    let mut stmt = conn
        .prepare(&format!(
            "SELECT SITE_ID, {column} FROM {table} WHERE lower(SITE_ID) = lower(?1) ORDER BY 1, 2"
        ))
        .unwrap();
    stmt.query_map([site], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn site_ids_match_without_regard_to_case_on_every_path() {
    const S3: Scope = Scope::Site(SiteId::from_static("s3"));
    let (_dir, path) = bitrix_database();
    // Bitrix on MySQL matches these rows for site s1 (and s3): its
    // collation ignores case.
    plain(&path)
        .execute_batch(
            "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('videoport', 'ServerPort', 'S1', '9443');
             INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 'S3', 'R');
             INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 7, 'R', 'S1');",
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records.option(S1, "ServerPort"), Some("9443"));
    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records.grant(S1, group(7)), Some(AccessLevel::R));
    assert_eq!(video.records.default_level(S3), Some(AccessLevel::R));

    // Writes for s1 and s3 update those rows in place, adding none.
    store
        .commit(
            &VIDEOPORT,
            videoport.revision,
            &[option(S1, "ServerPort", "9444")],
        )
        .unwrap();
    let rights = [
        grant(S1, 7, AccessLevel::W),
        Change::SetDefault {
            scope: S3,
            level: AccessLevel::W,
        },
    ];
    let revision = store.commit(&VIDEO, video.revision, &rights).unwrap();
    assert_eq!(
        site_rows(&path, "b_option_site", "VALUE", "s1"),
        [
            ("S1".to_owned(), "9444".to_owned()),
            ("s1".to_owned(), "vcs-s1.example.com".to_owned())
        ]
    );
    assert_eq!(
        site_rows(&path, "b_option_site", "VALUE", "s3"),
        [("S3".to_owned(), "W".to_owned())]
    );
    assert_eq!(
        site_rows(&path, "b_module_group", "GROUP_ID || G_ACCESS", "s1"),
        [
            ("S1".to_owned(), "7W".to_owned()),
            ("s1".to_owned(), "5W".to_owned())
        ]
    );

    // Removals for s1 and s3 remove them.
    let removals = [
        Change::RemoveGrant {
            scope: S1,
            group: group(7),
        },
        Change::RemoveDefault { scope: S3 },
    ];
    store.commit(&VIDEO, revision, &removals).unwrap();
    assert_eq!(
        site_rows(&path, "b_module_group", "GROUP_ID || G_ACCESS", "s1"),
        [("s1".to_owned(), "5W".to_owned())]
    );
    assert!(site_rows(&path, "b_option_site", "VALUE", "s3").is_empty());

    // A site id given in upper case is the same site: `SiteId` stores it
    // in lower case, as every store loads it.
    let upper = Scope::Site(SiteId::new("S2").unwrap());
    assert_eq!(upper, S2);
    let current = store.revision(&VIDEOPORT).unwrap();
    store
        .commit(
            &VIDEOPORT,
            current,
            &[option(upper, "ServerHost", "vcs-s2")],
        )
        .unwrap();
    let records = store.load(&VIDEOPORT).unwrap().records;
    assert_eq!(records.option(S2, "ServerHost"), Some("vcs-s2"));
}

#[test]
fn rows_whose_site_ids_differ_only_in_case_are_one_record() {
    let (_dir, path) = bitrix_database();
    let store = SqliteStore::open(&path).unwrap();
    // Agreeing with the s1 row: read as one.
    plain(&path)
        .execute("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('videoport', 'ServerHost', 'S1', 'vcs-s1.example.com')", [])
        .unwrap();
    assert_eq!(
        store
            .load(&VIDEOPORT)
            .unwrap()
            .records
            .option(S1, "ServerHost"),
        Some("vcs-s1.example.com")
    );
    // Disagreeing with the s1 grant (ID 4, W): one record whose rows
    // disagree, so both are unreadable (to repair), as any two rows that
    // disagree are.
    plain(&path)
        .execute("INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (60, 'video', 5, 'R', 'S1')", [])
        .unwrap();
    let records = store.load(&VIDEO).unwrap().records;
    let key = RightKey::Grant {
        scope: S1,
        group: group(5),
    };
    let rows: Vec<_> = records
        .unreadable_of(key)
        .iter()
        .map(|row| (row.record.clone(), row.raw.clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "b_module_group.G_ACCESS (ID 4)".to_owned(),
                Some("W".to_owned())
            ),
            (
                "b_module_group.G_ACCESS (ID 60)".to_owned(),
                Some("R".to_owned())
            ),
        ]
    );
    assert_eq!(records.grant(S1, group(5)), None);
    // Writing the record repairs both rows.
    let current = store.revision(&VIDEO).unwrap();
    store
        .commit(&VIDEO, current, &[grant(S1, 5, AccessLevel::R)])
        .unwrap();
    assert_eq!(
        store.load(&VIDEO).unwrap().records.grant(S1, group(5)),
        Some(AccessLevel::R)
    );
}
