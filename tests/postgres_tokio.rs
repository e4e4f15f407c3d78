//! `PostgresStore` inside tokio: the sync `postgres` client panics when it
//! is created or dropped on an async runtime's thread, so the store keeps
//! its connections on threads of its own. Created, called, watched and
//! dropped on runtime threads here, on both kinds of runtime.

mod postgres_common;

use std::sync::Arc;

use module_settings::store::{Change, ChangeListener, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, PostgresStore, Scope, Store};
use postgres_common::TestDb;

const VIDEO: ModuleId = ModuleId::from_static("video");

struct Quiet;

impl ChangeListener for Quiet {
    fn changed(&self, _: &ModuleId) {}
    fn missed(&self) {}
}

/// Everything a store does, from the calling (runtime) thread.
fn use_a_store(url: &str) {
    let store = PostgresStore::connect(url).unwrap();
    let listener: Arc<dyn ChangeListener> = Arc::new(Quiet);
    assert!(store.watch(Arc::downgrade(&listener)));
    let batch = [Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::from_static(5),
        level: AccessLevel::W,
    }];
    let revision = store.revision(&VIDEO).unwrap();
    let next = store.commit(&VIDEO, revision, &batch).unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().revision, next);
    assert!(store.modules().unwrap().contains(&VIDEO));
    drop(store);
}

/// The test databases are made and dropped off the runtime: the test's own
/// plain client has the hazard the store avoids.
async fn database() -> Option<TestDb> {
    tokio::task::spawn_blocking(TestDb::new).await.unwrap()
}

async fn drop_database(db: TestDb) {
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_lives_on_a_multi_thread_runtime() {
    let Some(db) = database().await else {
        return;
    };
    use_a_store(db.url());
    // Also from a spawned task, on whichever worker runs it.
    let url = db.url().to_owned();
    tokio::spawn(async move { use_a_store(&url) })
        .await
        .unwrap();
    drop_database(db).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_store_lives_on_a_current_thread_runtime() {
    let Some(db) = database().await else {
        return;
    };
    use_a_store(db.url());
    drop_database(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_made_elsewhere_is_used_and_dropped_on_the_runtime() {
    let Some(db) = database().await else {
        return;
    };
    let url = db.url().to_owned();
    let store = tokio::task::spawn_blocking(move || PostgresStore::connect(&url).unwrap())
        .await
        .unwrap();
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.revision(&VIDEO).unwrap() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Revision::ZERO);
    }
    drop(store);
    drop_database(db).await;
}

/// The hazard is real: the plain client, connected on a runtime thread,
/// panics, so the tests above test something. (Should a new client stop
/// panicking, this test fails and can go; the store's threads stay
/// harmless.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_client_would_panic_here() {
    let Some(db) = database().await else {
        return;
    };
    let url = db.url().to_owned();
    let connected = std::panic::catch_unwind(move || {
        let _ = postgres::Client::connect(&url, postgres::NoTls);
    });
    assert!(
        connected.is_err(),
        "the sync client no longer panics on a runtime thread"
    );
    drop_database(db).await;
}
