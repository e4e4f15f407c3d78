//! `SqliteStore`'s reading of the site's surroundings — `b_group`,
//! `b_lang`, `b_user_group` — and its event log, written in the commit's
//! transaction.

#![cfg(feature = "sqlite")]

mod bitrix_common;

use std::path::{Path, PathBuf};

use bitrix_common::directory::*;
use bitrix_common::{option, VIDEOPORT};
use module_settings::store::directory::LogQuery;
use module_settings::store::Revision;
use module_settings::{Scope, SqliteStore, Store, StoreError};
use rusqlite::Connection;

fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.sqlite");
    (dir, path)
}

fn plain(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn with_site_rows(path: &Path) {
    let conn = plain(path);
    conn.execute_batch(SQLITE_SITE_TABLES).unwrap();
    for statement in site_rows(&SQLITE) {
        conn.execute_batch(&statement).unwrap();
    }
}

#[test]
fn without_the_site_tables_the_directory_says_none() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    assert_no_site_tables(&store);
}

#[test]
fn the_site_tables_are_read_as_bitrix_reads_them() {
    let (_dir, path) = database();
    with_site_rows(&path);
    let store = SqliteStore::open(&path).unwrap();
    assert_site_rows_read(&store);
}

#[test]
fn the_site_tables_are_read_afresh_each_time() {
    let (_dir, path) = database();
    with_site_rows(&path);
    let store = SqliteStore::open(&path).unwrap();
    let groups = || store.directory().unwrap().groups().unwrap().unwrap();
    assert!(!groups().is_active(module_settings::GroupId::from_static(5)));
    plain(&path)
        .execute_batch("UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 5")
        .unwrap();
    assert!(groups().is_active(module_settings::GroupId::from_static(5)));
}

#[test]
fn unreadable_site_rows_are_corrupt_and_named() {
    let (_dir, path) = database();
    with_site_rows(&path);
    plain(&path)
        .execute_batch(
            "INSERT INTO b_lang (LID, NAME, LANGUAGE_ID) VALUES ('a b', 'Broken', 'en');",
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let err = store.directory().unwrap().sites().unwrap_err();
    assert!(err.is_corrupt(), "{err}");
    assert!(
        err.to_string().contains("b_lang.LID") && err.to_string().contains("a b"),
        "{err}"
    );

    plain(&path)
        .execute_batch("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (50, 0);")
        .unwrap();
    let err = store
        .directory()
        .unwrap()
        .user_groups(module_settings::UserId::from_static(50))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("b_user_group.GROUP_ID (USER_ID 50)"),
        "{err}"
    );
}

#[test]
fn the_event_log_is_created_in_bitrix_layout_and_lands_with_commits() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    let columns: Vec<String> = plain(&path)
        .prepare("SELECT name FROM pragma_table_info('b_event_log')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, BITRIX_EVENT_LOG_COLUMNS);
    assert_event_log_lands_with_commits(&store);
    let severities: Vec<(String, String)> = plain(&path)
        .prepare("SELECT SEVERITY, AUDIT_TYPE_ID FROM b_event_log ORDER BY ID")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        severities,
        [
            ("SECURITY".to_owned(), "MODULE_RIGHTS_CHANGED".to_owned()),
            (
                "SECURITY".to_owned(),
                "MODULE_DEFAULT_RIGHT_CHANGED".to_owned()
            ),
            ("INFO".to_owned(), "MODULE_OPTION_CHANGED".to_owned()),
        ]
    );
}

#[test]
fn the_rest_of_bitrix_s_log_is_left_out() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    plain(&path)
        .execute_batch(
            "INSERT INTO b_event_log (SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) \
             VALUES ('SECURITY', 'USER_AUTHORIZE', 'main', '1', 'login')",
        )
        .unwrap();
    assert_eq!(
        store.event_log().unwrap().read(&LogQuery::new()).unwrap(),
        []
    );
}

/// A commit whose transaction fails after its audit entries were inserted
/// — at the revision, which the store writes last — leaves neither the
/// change nor the entries.
#[test]
fn a_commit_that_fails_after_its_audit_insert_leaves_neither() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    plain(&path)
        .execute_batch(
            "CREATE TRIGGER fail_after_log BEFORE UPDATE ON module_settings_revision \
             WHEN EXISTS (SELECT 1 FROM b_event_log) \
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;",
        )
        .unwrap();
    assert_a_failure_after_the_log_insert_leaves_neither(&store, None);
}

/// And one whose audit insert itself fails leaves no change behind.
#[test]
fn a_commit_whose_audit_insert_fails_leaves_no_change() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    plain(&path)
        .execute_batch(
            "CREATE TRIGGER refuse_log BEFORE INSERT ON b_event_log \
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;",
        )
        .unwrap();
    assert_a_refused_log_insert_leaves_no_change(&store, None);
}

/// Bitrix's own `b_event_log`, whose `TIMESTAMP_X` has no default: the
/// store stamps each entry itself, and the rows Bitrix already holds stay.
#[test]
fn bitrix_s_own_event_log_is_written_in_place() {
    let (_dir, path) = database();
    plain(&path)
        .execute_batch(include_str!("data/bitrix_tables.sql"))
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_event_log_lands_with_commits(&store);
    let stamped: i64 = plain(&path)
        .query_row(
            "SELECT COUNT(*) FROM b_event_log WHERE TIMESTAMP_X IS NOT NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stamped, 3);
}

#[test]
fn reads_are_exactly_the_entries_the_query_matches() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    assert_reads_are_exactly_what_queries_match(
        &store,
        &|sql| plain(&path).execute_batch(sql).unwrap(),
        &SQLITE,
    );
}

#[test]
fn the_groups_revision_moves_with_b_group_and_guards_commits() {
    let (_dir, path) = database();
    with_site_rows(&path);
    let store = SqliteStore::open(&path).unwrap();
    assert_groups_revision_moves_and_guards_commits(&store, &|sql| {
        plain(&path).execute_batch(sql).unwrap()
    });
}

/// Groups keep no revision where `b_group` is a view (no trigger can go
/// on it) or appeared after the store opened the file; a write's
/// precondition on them is refused, never ignored.
#[test]
fn without_triggers_on_b_group_the_groups_have_no_revision() {
    let (_dir, path) = database();
    let store = SqliteStore::open(&path).unwrap();
    plain(&path).execute_batch(SQLITE_SITE_TABLES).unwrap();
    let directory = store.directory().unwrap();
    assert!(directory.groups().unwrap().is_some());
    assert_eq!(
        directory.groups_revision().unwrap(),
        None,
        "made after the open"
    );
    let refused = store.commit_guarded(
        &VIDEOPORT,
        Revision::ZERO,
        &[option(Scope::Common, "ServerPort", "1")],
        &[module_settings::store::Precondition::groups(Revision::ZERO)],
    );
    assert!(
        matches!(refused, Err(StoreError::NoGroupRevision { .. })),
        "{refused:?}"
    );
    drop(store);
    // The next open makes them.
    let store = SqliteStore::open(&path).unwrap();
    assert!(store
        .directory()
        .unwrap()
        .groups_revision()
        .unwrap()
        .is_some());

    let (_dir, path) = database();
    plain(&path)
        .execute_batch(
            "CREATE TABLE groups_source (ID INTEGER PRIMARY KEY, NAME TEXT, ACTIVE TEXT, \
             C_SORT INT, STRING_ID TEXT);
             CREATE VIEW b_group AS SELECT * FROM groups_source;",
        )
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.directory().unwrap().groups_revision().unwrap(),
        None,
        "a view"
    );
}
