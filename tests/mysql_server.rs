//! `MysqlStore` and its server: connection errors that say what to fix
//! and never show the password, missing privileges, connections the server
//! closes, lock waits, and use from inside an async runtime.

mod mysql_common;

use std::time::{Duration, Instant};

use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, MysqlStore, Scope, Store, StoreError};
use mysql::prelude::Queryable;
use mysql_common::{plain, server_url, TestDatabase, TestUser};

const VIDEO: ModuleId = ModuleId::from_static("video");
const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

fn grant(group: u32, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::new(group).unwrap(),
        level,
    }
}

/// Everything an error shows: its text, its Debug form and its sources'.
fn everything_shown(err: &StoreError) -> String {
    let mut shown = format!("{err} {err:?}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        shown.push_str(&format!(" | {cause} {cause:?}"));
        source = cause.source();
    }
    shown
}

/// `host:port` of the test server.
fn server_address() -> String {
    let url = server_url();
    let rest = url.split_once('@').map_or(url.as_str(), |(_, rest)| rest);
    rest.trim_end_matches('/').to_owned()
}

#[test]
fn a_refused_connection_is_unavailable_and_says_so() {
    // Port 1 on this machine: nothing listens there.
    let err = MysqlStore::connect("mysql://ci:hunter2@127.0.0.1:1/bitrix").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                backend: "mysql",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the mysql store is unavailable: could not connect to the MySQL server at \
         127.0.0.1:1: the connection was refused; is the server running and listening on that \
         host and port?; try again later"
    );
    assert!(!everything_shown(&err).contains("hunter2"));
}

#[test]
fn a_wrong_password_is_named_without_the_password() {
    let database = TestDatabase::new();
    let url = format!(
        "mysql://ci:wrong-hunter2@{}/{}",
        server_address(),
        database.name()
    );
    let err = MysqlStore::connect(&url).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "mysql",
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "mysql store: the MySQL server at {} refused the login of user ci: wrong user name \
             or password",
            server_address()
        )),
        "{text}"
    );
    let shown = everything_shown(&err);
    assert!(!shown.contains("wrong-hunter2"), "{shown}");
}

#[test]
fn a_missing_database_is_named() {
    let url = format!("{}ms_no_such_database", server_url());
    let err = MysqlStore::connect(&url).unwrap_err();
    assert!(
        err.to_string()
            .contains("database ms_no_such_database does not exist"),
        "{err}"
    );
}

#[test]
fn a_url_that_is_not_a_mysql_url_says_what_to_fix() {
    for (url, expected) in [
        (
            "postgres://ci:hunter2@127.0.0.1/db",
            "starts with postgres://",
        ),
        (
            "mysql://ci:hunter2@127.0.0.1:33069/",
            "must name one database",
        ),
        (
            "mysql://ci:hunter2@127.0.0.1/db?ssl-mode=REQUIRED",
            "without TLS",
        ),
    ] {
        let err = MysqlStore::connect(url).unwrap_err();
        assert!(err.to_string().contains(expected), "{url}: {err}");
        assert!(!everything_shown(&err).contains("hunter2"), "{url}: {err}");
    }
}

#[test]
fn the_password_never_appears_in_debug_or_errors() {
    let database = TestDatabase::new();
    let user = TestUser::new(&database, "pw-hunter2", "ALL PRIVILEGES");
    // The triggers made by a user who may (this one lacks SUPER).
    drop(database.store());
    let store = MysqlStore::connect(&user.url(&database)).unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("pw-hunter2"), "{shown}");
    assert!(
        shown.contains(&format!("mysql://{}:******@", user.name())),
        "{shown}"
    );
    // An error from a statement, with the whole chain of sources.
    database.exec("DROP TABLE b_module_group");
    let err = store.load(&VIDEO).unwrap_err();
    let shown = everything_shown(&err);
    assert!(shown.contains("b_module_group"), "{shown}");
    assert!(!shown.contains("pw-hunter2"), "{shown}");
}

#[test]
fn a_user_without_the_trigger_privilege_is_told_to_grant_it() {
    let database = TestDatabase::new();
    let user = TestUser::new(
        &database,
        "pw-hunter2",
        "SELECT, INSERT, UPDATE, DELETE, CREATE",
    );
    // SUPER, so that the binary log is not what stops it.
    user.grant_globally("SUPER");
    let err = MysqlStore::connect(&user.url(&database)).unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "mysql store: user {} lacks the TRIGGER privilege on table b_option, which the \
             store needs to create the triggers that move revisions; grant it (GRANT TRIGGER ON \
             {}.b_option TO the user)",
            user.name(),
            database.name()
        )),
        "{text}"
    );
    assert!(!everything_shown(&err).contains("pw-hunter2"));
}

#[test]
fn once_the_triggers_exist_a_user_without_the_trigger_privilege_may_use_the_store() {
    let database = TestDatabase::new();
    let admin_store = database.store();
    let user = TestUser::new(&database, "pw", "SELECT, INSERT, UPDATE, DELETE");
    // The triggers are invisible to this user; the store finds them by name.
    let store = MysqlStore::connect(&user.url(&database)).unwrap();
    let revision = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    database.exec("DELETE FROM b_module_group WHERE GROUP_ID = 5");
    assert_eq!(store.revision(&VIDEO).unwrap(), revision.next().unwrap());
    assert_eq!(admin_store.revision(&VIDEO).unwrap(), Revision::new(2));
    // A trigger that is really gone must be created again, which this user
    // may not do: it says so instead of running without it.
    database.exec("DROP TRIGGER module_settings_revision_after_delete_on_b_module_group");
    let err = MysqlStore::connect(&user.url(&database)).unwrap_err();
    assert!(
        err.to_string().contains(
            "creating the revision trigger module_settings_revision_after_delete_on_b_module_group"
        ),
        "{err}"
    );
}

#[test]
fn creating_triggers_on_a_server_with_a_binary_log_needs_super_or_the_setting() {
    let database = TestDatabase::new();
    let settings: Option<(i64, i64)> = plain(database.server())
        .query_first("SELECT @@log_bin, @@log_bin_trust_function_creators")
        .unwrap();
    assert_eq!(
        settings,
        Some((1, 0)),
        "this test needs a server that writes a binary log with \
         log_bin_trust_function_creators=0, as .ci/servers/mysql.sh starts it"
    );
    let user = TestUser::new(
        &database,
        "pw-hunter2",
        "SELECT, INSERT, UPDATE, DELETE, CREATE, TRIGGER",
    );
    let err = MysqlStore::connect(&user.url(&database)).unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "mysql store: the MySQL server writes a binary log, so creating the revision \
             trigger module_settings_revision_after_insert_on_b_option needs the SUPER \
             privilege or the server setting log_bin_trust_function_creators=1"
        ),
        "{text}"
    );
    assert!(!everything_shown(&err).contains("pw-hunter2"));
    // Once a user with SUPER created them, the user needs neither, and its
    // writes move revisions through them.
    let admin_store = database.store();
    let store = MysqlStore::connect(&user.url(&database)).unwrap();
    store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    database.exec("DELETE FROM b_module_group WHERE GROUP_ID = 5");
    assert_eq!(admin_store.revision(&VIDEO).unwrap(), Revision::new(2));
}

#[test]
fn connections_the_server_closed_are_replaced() {
    let database = TestDatabase::new();
    let user = TestUser::new(&database, "pw", "ALL PRIVILEGES");
    drop(database.store());
    let store = MysqlStore::connect(&user.url(&database)).unwrap();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    store.load(&VIDEO).unwrap();
    assert!(
        user.kill_connections() >= 2,
        "a reader and the writer were open"
    );
    // Both the reader and the writer find their connection gone, and go on
    // with new ones.
    assert_eq!(store.load(&VIDEO).unwrap().revision, first);
    let second = store
        .commit(&VIDEO, first, &[grant(6, AccessLevel::W)])
        .unwrap();
    assert_eq!(second, Revision::new(2));
    assert_eq!(store.modules().unwrap(), [VIDEO]);
}

#[test]
fn a_lock_held_past_the_timeout_is_unavailable_and_reads_do_not_wait() {
    let database = TestDatabase::new();
    let store = database
        .store()
        .with_lock_wait_timeout(Duration::from_secs(1))
        .unwrap();
    assert!(format!("{store:?}").contains("lock_wait_timeout: 1s"));
    let revision = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    // Another program holds the module's rows in an open transaction.
    let mut other = database.conn();
    other.query_drop("START TRANSACTION").unwrap();
    other
        .query_drop("UPDATE b_module_group SET G_ACCESS = 'W' WHERE GROUP_ID = 5")
        .unwrap();
    let started = Instant::now();
    let err = store
        .commit(&VIDEO, revision, &[grant(5, AccessLevel::D)])
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    assert!(
        err.to_string().contains(
            "for more than 1 s while trying to lock the module's revision (module video)"
        ),
        "{err}"
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    // Reads see the last committed state at once.
    let started = Instant::now();
    let loaded = store.load(&VIDEO).unwrap();
    assert!(started.elapsed() < Duration::from_millis(900));
    assert_eq!(loaded.revision, revision);
    assert_eq!(
        loaded
            .records
            .grant(Scope::Common, GroupId::new(5).unwrap()),
        Some(AccessLevel::R)
    );
    other.query_drop("ROLLBACK").unwrap();
    store
        .commit(&VIDEO, revision, &[grant(5, AccessLevel::D)])
        .unwrap();
}

#[test]
fn revisions_lists_every_module_with_its_revision() {
    let database = TestDatabase::new();
    let store = database.store();
    assert_eq!(store.revisions().unwrap(), []);
    store
        .commit(&VIDEOPORT, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    store
        .commit(&VIDEO, Revision::new(1), &[grant(6, AccessLevel::R)])
        .unwrap();
    database.exec("INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('Blog', 'x', '1')");
    assert_eq!(
        store.revisions().unwrap(),
        [
            (ModuleId::from_static("blog"), Revision::new(1)),
            (VIDEO, Revision::new(2)),
            (VIDEOPORT, Revision::new(1)),
        ]
    );
}

/// The store is created, used and dropped on a runtime's worker thread.
async fn use_inside_a_runtime() {
    let database = TestDatabase::new();
    let store = database.store();
    let revision = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::W)])
        .unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().revision, revision);
    assert_eq!(store.revisions().unwrap(), [(VIDEO, revision)]);
    // Moved into a task and dropped there, too.
    let second = database.store();
    tokio::spawn(async move {
        assert_eq!(second.revision(&VIDEO).unwrap(), Revision::new(1));
        drop(second);
    })
    .await
    .unwrap();
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_is_safe_on_a_multi_threaded_runtime() {
    use_inside_a_runtime().await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_store_is_safe_on_a_current_thread_runtime() {
    use_inside_a_runtime().await;
}
