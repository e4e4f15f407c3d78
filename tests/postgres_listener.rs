//! `PostgresStore`'s change feed from the server: what other programs and
//! other processes write reaches a watching store through `NOTIFY`; a
//! listener whose connection is killed connects again, says it may have
//! missed changes, and delivers again; commits and reads never wait for it.

mod heard_common;
mod postgres_common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use heard_common::Heard;
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, PostgresStore, Scope, Store};
use postgres_common::TestDb;

const VIDEO: ModuleId = ModuleId::from_static("video");
const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

/// How long a test waits for something the feed should say at once.
const PATIENCE: Duration = Duration::from_secs(10);

/// The variable that tells the child process where to commit.
const CHILD_URL: &str = "MODULE_SETTINGS_POSTGRES_CHILD_URL";

/// `store` watched by a new listener, once its connection listens (it says
/// so with its first `missed`).
fn watched(store: &PostgresStore) -> Arc<Heard> {
    let heard = Heard::watching(store);
    heard.wait_for("the listener to connect", PATIENCE, |log| log.missed >= 1);
    heard
}

fn grant(group: u32) -> Change {
    Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::new(group).unwrap(),
        level: AccessLevel::R,
    }
}

#[test]
fn a_plain_sql_write_reaches_a_watching_store_through_the_server() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let heard = watched(&store);
    let started = Instant::now();
    // As Bitrix's PHP writes: another connection, another spelling.
    db.execute(
        "INSERT INTO b_module_group (module_id, group_id, g_access) VALUES ('Video', 5, 'W')",
    );
    let log = heard.wait_for("the write", PATIENCE, |log| !log.changed.is_empty());
    assert_eq!(log.changed, [VIDEO]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Several rows in one transaction are one notification per module.
    db.sql(
        "BEGIN;
         INSERT INTO b_option (module_id, name, value) VALUES ('videoport', 'a', '1'), ('videoport', 'b', '2');
         INSERT INTO b_option (module_id, name, value) VALUES ('video', 'c', '3');
         COMMIT;",
    );
    let log = heard.wait_for("the transaction", PATIENCE, |log| log.changed.len() >= 3);
    let mut told = log.changed[1..].to_vec();
    told.sort();
    assert_eq!(told, [VIDEO, VIDEOPORT]);
}

#[test]
fn a_commit_in_another_process_reaches_a_watching_store() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let heard = watched(&store);
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_commits",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_URL, db.url())
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "the child process failed: {}\n{}{}",
        child.status,
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    let log = heard.wait_for("the other process's commit", PATIENCE, |log| {
        !log.changed.is_empty()
    });
    assert_eq!(log.changed, [VIDEO]);
    assert_eq!(
        store
            .load(&VIDEO)
            .unwrap()
            .records
            .grant(Scope::Common, GroupId::from_static(9)),
        Some(AccessLevel::R)
    );
    // Once, though its rows and its revision each fired a trigger.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(heard.snapshot().changed, [VIDEO]);
}

/// Not a test of its own: the other process of
/// `a_commit_in_another_process_reaches_a_watching_store`, which runs this
/// test binary again for it.
#[test]
#[ignore = "the child process of a_commit_in_another_process_reaches_a_watching_store"]
fn child_process_commits() {
    let url = std::env::var(CHILD_URL).expect("started by its parent test");
    let store = PostgresStore::connect(&url).unwrap();
    let revision = store.revision(&VIDEO).unwrap();
    store.commit(&VIDEO, revision, &[grant(9)]).unwrap();
}

#[test]
fn a_commit_through_another_store_of_this_process_is_told_at_once_and_again() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let (store, other) = (db.store(), db.store());
    let heard = watched(&store);
    other.commit(&VIDEO, Revision::ZERO, &[grant(5)]).unwrap();
    // Told by the committing store before its commit returned (the
    // listener may have been quicker still) ...
    assert!(heard.snapshot().changed.contains(&VIDEO));
    // ... and by the server's notification: the listener does not guess
    // by the sending server process which are its own.
    let log = heard.wait_for("the server's notification", PATIENCE, |log| {
        log.changed.len() >= 2
    });
    assert_eq!(log.changed, [VIDEO, VIDEO]);
}

/// A notification sent by a server process that runs one of this
/// process's store connections still reaches the listener: here the
/// store's own commit to `video` makes a trigger of another program write
/// `videoport`'s rows in the same session, which the store's feed does
/// not know of. (A server process id may also be reused after a session
/// is killed, or shared through a connection pooler.)
#[test]
fn a_change_sent_by_a_store_connection_s_server_process_is_told() {
    let Some(db) = TestDb::new() else {
        return;
    };
    // The store makes the tables; the other program adds its trigger.
    let store = db.store();
    db.sql(
        "CREATE FUNCTION mirror_to_videoport() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.module_id = 'video' THEN
             INSERT INTO b_module_group (module_id, group_id, g_access)
             VALUES ('videoport', NEW.group_id, NEW.g_access);
           END IF;
           RETURN NULL;
         END $$;
         CREATE TRIGGER mirror_to_videoport AFTER INSERT ON b_module_group
         FOR EACH ROW EXECUTE FUNCTION mirror_to_videoport();",
    );
    let heard = watched(&store);
    store.commit(&VIDEO, Revision::ZERO, &[grant(5)]).unwrap();
    let log = heard.wait_for("videoport's change", PATIENCE, |log| {
        log.changed.contains(&VIDEOPORT)
    });
    assert!(log.changed.contains(&VIDEO), "{log:?}");
}

#[test]
fn a_killed_listener_connects_again_says_it_missed_and_delivers_again() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let heard = watched(&store);
    assert_eq!(
        postgres_common::terminate(&db, "module-settings listener"),
        1
    );
    // Commits and reads do not wait for the listener.
    let started = Instant::now();
    let revision = store.commit(&VIDEO, Revision::ZERO, &[grant(5)]).unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().revision, revision);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // What was sent while it was away is lost: it says so once connected.
    let log = heard.wait_for("the listener to connect again", PATIENCE, |log| {
        log.missed >= 2
    });
    assert_eq!(log.missed, 2);
    assert_eq!(log.changed[0], VIDEO, "the store's commit, told at once");
    // The server's notification of that commit may follow (if it was sent
    // after the listener was back): let it come first.
    std::thread::sleep(Duration::from_millis(300));
    let before = heard.snapshot().changed.len();
    db.execute("DELETE FROM b_module_group WHERE module_id = 'video'");
    let log = heard.wait_for("a write after the reconnection", PATIENCE, |log| {
        log.changed.len() > before
    });
    assert_eq!(log.changed[before..], [VIDEO], "the write");
}

#[test]
fn a_dropped_store_ends_its_listener_without_waiting_for_it() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let _heard = watched(&store);
    let started = Instant::now();
    drop(store);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let mut client = db.client();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let sessions = client
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name LIKE 'module-settings%'",
                &[],
            )
            .unwrap();
        if sessions.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the store's sessions stayed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A commit that fails other than by a conflict or a failed precondition
/// (here a lock held past the lock timeout; the same path reports a
/// connection lost with `COMMIT` on its way, whose batch may have landed)
/// is told as a change: a spare invalidation is cheap, a missed one is not.
#[test]
fn a_commit_that_failed_on_the_server_is_told_as_a_possible_change() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db
        .store()
        .with_lock_timeout(Duration::from_millis(50))
        .unwrap();
    let revision = store.commit(&VIDEO, Revision::ZERO, &[grant(5)]).unwrap();
    let heard = watched(&store);
    let before = heard.snapshot().changed.len();
    let mut holder = db.client();
    let mut held = holder.transaction().unwrap();
    held.execute(
        "SELECT 1 FROM module_settings_revision WHERE module_id = 'video' FOR UPDATE",
        &[],
    )
    .unwrap();
    let failed = store.commit(&VIDEO, revision, &[grant(6)]);
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(heard.snapshot().changed[before..], [VIDEO]);
    held.rollback().unwrap();
    // A conflict is not told: nothing was written.
    let before = heard.snapshot().changed.len();
    let conflict = store.commit(&VIDEO, Revision::ZERO, &[grant(6)]);
    assert!(conflict.is_err(), "{conflict:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(heard.snapshot().changed.len(), before);
}
