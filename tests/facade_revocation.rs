//! Check and commit are one step: a write authorised by W on the guard
//! module (`video`) must not land in the written module (`videoport`) if
//! that W was revoked before the commit landed — on every backend, and
//! whether the commit was slow or waited for another writer's lock.

mod facade_common;
#[cfg(feature = "postgres")]
mod postgres_common;

use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;

use facade_common::*;
use module_settings::settings::Settings;
use module_settings::store::Precondition;
use module_settings::store::{Change, Revision, Snapshot};
use module_settings::{AccessLevel, MemoryStore, ModuleId, Scope, Store, StoreError};

/// A store whose commits to one module stop at the door: each one tells
/// the test it arrived (the facade has authorised it by then) and waits
/// until the test lets it in — a commit "taking 300 ms", without timing.
#[derive(Debug)]
struct Doorman<S> {
    inner: S,
    module: ModuleId,
    arrived: Mutex<mpsc::Sender<()>>,
    enter: Mutex<mpsc::Receiver<()>>,
}

/// The test's side of the door.
struct Door {
    arrived: mpsc::Receiver<()>,
    enter: mpsc::Sender<()>,
}

fn doorman<S: Store>(inner: S, module: ModuleId) -> (Doorman<S>, Door) {
    let (arrived_tx, arrived_rx) = mpsc::channel();
    let (enter_tx, enter_rx) = mpsc::channel();
    let store = Doorman {
        inner,
        module,
        arrived: Mutex::new(arrived_tx),
        enter: Mutex::new(enter_rx),
    };
    (
        store,
        Door {
            arrived: arrived_rx,
            enter: enter_tx,
        },
    )
}

impl<S: Store> Store for Doorman<S> {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.inner.load(module)
    }
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.inner.revision(module)
    }
    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        if *module == self.module {
            let _ = self.arrived.lock().expect("not poisoned").send(());
            let _ = self.enter.lock().expect("not poisoned").recv();
        }
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.inner.modules()
    }
}

/// Group 5 holds W on `video`; the admin revokes it while group 5's save of
/// `videoport` is between its check and its commit. The revocation returns
/// first, so the save must be denied and write nothing.
fn a_revocation_that_returned_first_wins<S: Store>(inner: S) {
    let (store, door) = doorman(inner, VIDEOPORT);
    let settings = Settings::new(store);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        // The save passed its W check and is at the store's door.
        door.arrived.recv().expect("the save reaches its commit");
        let mut tab = settings.access_tab(VIDEO).unwrap();
        tab.remove_grant(Scope::Common, g(5));
        settings.apply_access_tab(&admin(), tab).unwrap();
        // The revocation has returned; now the save's commit goes on (a
        // retry would stop at the door again: let it in too).
        for _ in 0..4 {
            let _ = door.enter.send(());
        }
        save.join().expect("no panic")
    });

    assert_denied_and_nothing_written(result, &settings);
}

#[test]
fn memory_a_revocation_that_returned_first_wins() {
    a_revocation_that_returned_first_wins(MemoryStore::new());
}

#[cfg(feature = "json")]
#[test]
fn file_a_revocation_that_returned_first_wins() {
    let dir = tempfile::tempdir().unwrap();
    a_revocation_that_returned_first_wins(module_settings::FileStore::open(dir.path()).unwrap());
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_a_revocation_that_returned_first_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    a_revocation_that_returned_first_wins(module_settings::SqliteStore::open(path).unwrap());
}

/// A writer whose W still holds is not stopped by a guard that moved for
/// another reason: the precondition fails, the facade checks again, and
/// the retry lands.
#[test]
fn a_guard_moved_by_an_unrelated_grant_only_costs_a_retry() {
    let (store, door) = doorman(MemoryStore::new(), VIDEOPORT);
    let settings = Settings::new(store);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        door.arrived.recv().expect("the save reaches its commit");
        grant(&settings, VIDEO, 6, AccessLevel::R);
        for _ in 0..4 {
            let _ = door.enter.send(());
        }
        save.join().expect("no panic")
    });

    assert_eq!(result.unwrap(), Revision::new(1));
    let stored = settings.store().load(&VIDEOPORT).unwrap();
    assert_eq!(
        stored.records.option(Scope::Common, "ServerPort"),
        Some("8001")
    );
}

/// The SQLite reproduction: another connection holds the write lock; the
/// facade's save passes its W check and waits for the lock; the other
/// connection deletes the writer's grant row and commits. The save must
/// then be denied, not land.
#[cfg(feature = "sqlite")]
#[test]
fn sqlite_a_grant_deleted_while_the_save_waits_for_the_lock_stops_it() {
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    let (store, door) = doorman(
        module_settings::SqliteStore::open(&path).unwrap(),
        VIDEOPORT,
    );
    let settings = Settings::new(store);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        door.arrived.recv().expect("the save reaches its commit");
        for _ in 0..4 {
            let _ = door.enter.send(());
        }
        // Give the save time to reach SQLite's lock; it waits there (the
        // busy timeout is 5 s) until this connection commits.
        thread::sleep(Duration::from_millis(100));
        let deleted = other
            .execute(
                "DELETE FROM b_module_group WHERE MODULE_ID = 'video' AND GROUP_ID = 5",
                [],
            )
            .unwrap();
        assert_eq!(deleted, 1);
        other.execute_batch("COMMIT").unwrap();
        save.join().expect("no panic")
    });

    assert_denied_and_nothing_written(result, &settings);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_a_revocation_that_returned_first_wins() {
    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    a_revocation_that_returned_first_wins(db.store());
}

/// The PostgreSQL reproduction: another connection (Bitrix's PHP, another
/// app server) holds the guard's revision row; the facade's save passes
/// its W check and waits for that lock inside its commit; the other
/// connection deletes the writer's grant row and commits. The save must
/// then be denied, not land.
#[cfg(feature = "postgres")]
#[test]
fn postgres_a_grant_deleted_while_the_save_waits_for_the_lock_stops_it() {
    use std::time::Duration;

    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    let (store, door) = doorman(db.store(), VIDEOPORT);
    let settings = Settings::new(store);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let mut other = db.client();
    let mut revoke = other.transaction().unwrap();
    revoke
        .batch_execute(
            "SELECT 1 FROM module_settings_revision WHERE module_id = 'video' FOR UPDATE",
        )
        .unwrap();

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        door.arrived.recv().expect("the save reaches its commit");
        for _ in 0..4 {
            let _ = door.enter.send(());
        }
        // Give the save time to reach the lock; it waits there (the lock
        // timeout is 5 s) until this connection commits.
        thread::sleep(Duration::from_millis(100));
        let deleted = revoke
            .execute(
                "DELETE FROM b_module_group WHERE module_id = 'video' AND group_id = 5",
                &[],
            )
            .unwrap();
        assert_eq!(deleted, 1);
        revoke.commit().unwrap();
        save.join().expect("no panic")
    });

    assert_denied_and_nothing_written(result, &settings);
}
