//! Pushed invalidation: two facades on one store see each other's writes
//! at once through the store's change feed, whatever their staleness
//! bound; `invalidate` does the same for changes no feed reports; and
//! invalidations racing refreshes never leave a stale snapshot fresh.

mod facade_common;
#[cfg(feature = "postgres")]
mod postgres_common;

use std::num::NonZeroU16;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use facade_common::*;
use module_settings::modules::VideoPort;
use module_settings::settings::Settings;
use module_settings::store::{Change, ChangeFeed, Precondition, Revision, Snapshot};
use module_settings::{AccessLevel, MemoryStore, ModuleId, OptionName, Scope, Store, StoreError};

const HOUR: Duration = Duration::from_secs(3600);

fn facade<S: Store>(store: S) -> Settings<S> {
    Settings::builder(store).staleness(HOUR).build().unwrap()
}

fn port(settings: &Settings<impl Store>) -> Option<u16> {
    settings
        .options::<VideoPort>(Scope::Common)
        .unwrap()
        .server_port
        .map(NonZeroU16::get)
}

/// `a` and `b` are two handles on one store's data; with an hour's bound,
/// only the feed can make `b` see `a`'s writes at once.
fn writes_are_seen_at_once<S: Store>(a: S, b: S) {
    let (a, b) = (facade(a), facade(b));
    // `b` caches both modules first, so that only a pushed change can move it.
    assert_eq!(port(&b), None);
    assert!(!b.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));

    let mut form = a.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8443);
    a.save(&admin(), form).unwrap();
    grant(&a, VIDEO, 5, AccessLevel::W);

    assert_eq!(port(&b), Some(8443));
    assert!(b.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));

    // A revocation through `b` stops `a`'s checks at once too.
    let mut tab = b.access_tab(VIDEO).unwrap();
    tab.remove_grant(Scope::Common, g(5));
    b.apply_access_tab(&admin(), tab).unwrap();
    assert!(!a.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
}

#[test]
fn memory_writes_are_seen_at_once() {
    let store = MemoryStore::new();
    writes_are_seen_at_once(store.clone(), store);
}

#[cfg(feature = "json")]
#[test]
fn file_writes_are_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    writes_are_seen_at_once(
        module_settings::FileStore::open(dir.path()).unwrap(),
        module_settings::FileStore::open(dir.path()).unwrap(),
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_writes_are_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    writes_are_seen_at_once(
        module_settings::SqliteStore::open(&path).unwrap(),
        module_settings::SqliteStore::open(&path).unwrap(),
    );
}

/// Another program (Bitrix's PHP, an app server in another process)
/// writes with plain SQL; with an hour's bound, only the server's NOTIFY
/// — or the re-read after the listener connects, if the write came first —
/// can make the facade see it, and it does within moments.
#[cfg(feature = "postgres")]
#[test]
fn postgres_a_plain_sql_write_reaches_the_facade_through_the_server() {
    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    let settings = facade(db.store());
    assert_eq!(port(&settings), None);
    db.execute(
        "INSERT INTO b_option (module_id, name, value) VALUES ('videoport', 'ServerPort', '8443')",
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while port(&settings) != Some(8443) {
        assert!(
            std::time::Instant::now() < deadline,
            "the facade never saw the other program's write"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Two stores on one database, as two app servers have (in one process,
/// their commits are told at once; across processes the server's NOTIFY
/// tells them, see `postgres_listener`).
#[cfg(feature = "postgres")]
#[test]
fn postgres_writes_are_seen_at_once() {
    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    writes_are_seen_at_once(db.store(), db.store());
}

fn set_port(store: &dyn Store, value: &str) {
    let current = store.revision(&VIDEOPORT).unwrap();
    store
        .commit(
            &VIDEOPORT,
            current,
            &[Change::SetOption {
                scope: Scope::Common,
                name: OptionName::from_static("ServerPort"),
                value: value.into(),
            }],
        )
        .unwrap();
}

#[test]
fn invalidate_makes_the_next_read_ask_the_store() {
    let store = NoFeed::default();
    let settings = facade(store.clone());
    assert_eq!(port(&settings), None);
    set_port(&store, "8001");
    assert_eq!(
        port(&settings),
        None,
        "no feed, an hour's bound: not seen yet"
    );
    settings.invalidate(VIDEOPORT).unwrap();
    assert_eq!(port(&settings), Some(8001));
    set_port(&store, "8002");
    settings.invalidate_all();
    assert_eq!(port(&settings), Some(8002));
}

/// Readers read while another thread commits behind the facade's back and
/// invalidates after each commit, as a feed does: reads never go back, and
/// once the last invalidation is in, the next read sees the last commit.
#[test]
fn invalidations_racing_refreshes_lose_no_change() {
    let store = NoFeed::default();
    let settings = facade(store.clone());
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut last = 0;
                while !done.load(Ordering::SeqCst) {
                    let now = port(&settings).unwrap_or(0);
                    assert!(now >= last, "a read went back: {now} after {last}");
                    last = now;
                }
            });
        }
        for value in 1..=500u16 {
            set_port(&store, &value.to_string());
            settings.invalidate(VIDEOPORT).unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });
    assert_eq!(port(&settings), Some(500));
}

/// A store whose change feed the test drives by hand, as a complete feed
/// (a server's notifications, or a poll of every revision) would.
type DrivenFeed = Counting<NoFeed>;

fn driven() -> (DrivenFeed, ChangeFeed) {
    let feed = ChangeFeed::new();
    (
        Counting::new(NoFeed::default(), FeedOf::Driven(feed.clone())),
        feed,
    )
}

const BOUND: Duration = Duration::from_millis(100);

fn bounded(store: &DrivenFeed) -> Settings<DrivenFeed> {
    Settings::builder(store.clone())
        .staleness(BOUND)
        .build()
        .unwrap()
}

#[test]
fn a_caught_up_feed_keeps_snapshots_fresh_without_revision_calls() {
    let (store, feed) = driven();
    let settings = bounded(&store);
    assert_eq!(port(&settings), None);
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    let calls = || store.calls().0;
    let before = calls();
    // Four bounds long, the feed keeps catching up: no module is asked.
    let start = Instant::now();
    while start.elapsed() < BOUND * 4 {
        feed.caught_up(Instant::now());
        assert_eq!(port(&settings), None);
        assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
        thread::sleep(BOUND / 10);
    }
    assert_eq!(calls(), before, "a caught-up feed needs no revision calls");
    // The feed falls silent: within the bound, polling is back.
    thread::sleep(BOUND + BOUND / 2);
    assert_eq!(port(&settings), None);
    assert!(
        calls() > before,
        "the deadline polls again once the feed is silent"
    );
}

#[test]
fn catching_up_never_revives_a_changed_module_nor_outlasts_its_bound() {
    let (store, feed) = driven();
    let settings = bounded(&store);
    assert_eq!(port(&settings), None);
    // A change the feed reports, then catches up past: the read sees it.
    set_port(&store, "8001");
    feed.changed(&VIDEOPORT);
    feed.caught_up(Instant::now());
    assert_eq!(port(&settings), Some(8001));
    // Missed changes: every module is read again, however caught up.
    set_port(&store, "8002");
    feed.missed();
    feed.caught_up(Instant::now());
    assert_eq!(port(&settings), Some(8002));
    // Caught up only to a time longer ago than the bound: the snapshot is
    // not fresh on its account, so the next read asks the store.
    thread::sleep(BOUND + BOUND / 2);
    let before = store.calls().0;
    feed.caught_up(Instant::now() - BOUND * 2);
    assert_eq!(port(&settings), Some(8002));
    assert!(store.calls().0 > before);
}

#[test]
fn catching_up_does_not_mend_a_failed_refresh() {
    let (store, feed) = driven();
    let settings = Settings::builder(store.clone())
        .staleness(BOUND)
        .serve_stale(true)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    store.set_failing(true);
    thread::sleep(BOUND + BOUND / 2);
    assert!(
        !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "checks fail closed past a failed refresh"
    );
    feed.caught_up(Instant::now());
    assert!(
        !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "a feed's word does not mend a store that failed"
    );
    // The store is back: past the bound, the next check asks it again.
    store.set_failing(false);
    thread::sleep(BOUND + BOUND / 2);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
}

/// A store whose commits land and then report that the connection was
/// lost on the way, as a server's may when it cannot tell the outcome.
#[derive(Debug, Clone, Default)]
struct LandsThenFails(NoFeed);

impl Store for LandsThenFails {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.0.load(module)
    }
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.0.revision(module)
    }
    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        self.0
            .commit_guarded(module, expected, changes, preconditions)?;
        Err(StoreError::Unavailable {
            backend: "test",
            reason: "lost the connection at the commit; the batch may have landed".into(),
        })
    }
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.0.modules()
    }
}

/// A write that failed may still have landed: the facade does not go on
/// serving the snapshot from before it, whatever its bound.
#[test]
fn a_failed_write_that_landed_is_seen_by_the_next_read() {
    let store = LandsThenFails::default();
    let settings = facade(store.clone());
    assert_eq!(port(&settings), None);
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8443);
    assert!(settings.save(&admin(), form).is_err());
    assert_eq!(
        port(&settings),
        Some(8443),
        "an hour's bound, no feed: only the failed write's invalidation shows it"
    );
}
