//! `PostgresStore`'s feed says when it has caught up: every heartbeat, once
//! every write done before the beat's round trip has been told — by
//! another program or through this process's stores — and never while its
//! connection is down. A facade over it then reads without asking the
//! server for revisions, and still sees a write made while the listener
//! was down within its staleness bound.

mod postgres_common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use module_settings::access::ModuleLevels;
use module_settings::settings::Settings;
use module_settings::store::{Change, ChangeListener, Precondition, Revision, Snapshot};
use module_settings::{AccessLevel, GroupId, ModuleId, PostgresStore, Scope, Store, StoreError};
use postgres_common::{terminate, TestDb};

/// How long a test waits for something the feed should say soon.
const PATIENCE: Duration = Duration::from_secs(10);

/// The application name of a store's listener connection.
const LISTENER: &str = "module-settings listener";

/// What a watching listener heard, in order, with when.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    Changed(ModuleId),
    Missed(Instant),
    CaughtUp(Instant),
}

#[derive(Default)]
struct Heard {
    events: Mutex<Vec<Event>>,
    news: Condvar,
}

impl ChangeListener for Heard {
    fn changed(&self, module: &ModuleId) {
        self.push(Event::Changed(*module));
    }

    fn missed(&self) {
        self.push(Event::Missed(Instant::now()));
    }

    fn caught_up(&self, as_of: Instant) {
        self.push(Event::CaughtUp(as_of));
    }
}

impl Heard {
    fn push(&self, event: Event) {
        self.lock().push(event);
        self.news.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Event>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until an event after the first `from` matches `wanted`;
    /// returns its index and every event so far.
    #[track_caller]
    fn wait_for(
        &self,
        what: &str,
        from: usize,
        wanted: impl Fn(&Event) -> bool,
    ) -> (usize, Vec<Event>) {
        let deadline = Instant::now() + PATIENCE;
        let mut events = self.lock();
        loop {
            if let Some(at) = events.iter().skip(from).position(&wanted) {
                return (from + at, events.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "waited in vain for {what}");
            events = self
                .news
                .wait_timeout(events, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// `store` watched by a new listener, once it has caught up for the first
/// time.
fn watched(store: &PostgresStore) -> Arc<Heard> {
    let heard = Arc::new(Heard::default());
    let listener: Arc<dyn ChangeListener> = heard.clone();
    assert!(store.watch(Arc::downgrade(&listener)));
    heard.wait_for("the first catch-up", 0, |e| matches!(e, Event::CaughtUp(_)));
    heard
}

fn module(n: usize) -> ModuleId {
    ModuleId::new(&format!("mod{n:03}")).unwrap()
}

/// After each write — by another program with plain SQL, or through
/// another store of this process (whose commits the feed tells itself,
/// and the listener again) — the first catch-up to
/// a time after the write returned comes after the write was told.
#[test]
fn every_write_done_before_a_catch_up_is_told_before_it() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store().with_heartbeat(Duration::from_millis(10));
    let heard = watched(&store);
    let other_store = db.store();
    for n in 0..30 {
        let written = module(n);
        let from = heard.len();
        if n % 2 == 0 {
            db.execute(&format!(
                "INSERT INTO b_option (module_id, name, value) VALUES ('{written}', 'a', '1')"
            ));
        } else {
            let change = Change::SetGrant {
                scope: Scope::Common,
                group: GroupId::new(5).unwrap(),
                level: AccessLevel::R,
            };
            other_store
                .commit(&written, Revision::ZERO, &[change])
                .unwrap();
        }
        let done = Instant::now();
        let (caught_up, events) = heard.wait_for(
            "a catch-up past the write",
            from,
            |e| matches!(e, Event::CaughtUp(as_of) if *as_of > done),
        );
        assert!(
            events[from..caught_up].contains(&Event::Changed(written)),
            "write {n} ({written}) was not told before the catch-up past it: {:?}",
            &events[from..=caught_up]
        );
    }
}

/// A listener that takes its time over each change, as a cache's
/// listener may: the listeners after it hear of a commit that much later.
struct Slow;

impl ChangeListener for Slow {
    fn changed(&self, _: &ModuleId) {
        thread::sleep(Duration::from_millis(30));
    }

    fn missed(&self) {}
}

/// A commit through another store of this process is visible on the
/// server before that store has told the feed's listeners of it (here, a
/// slow listener ahead of ours stretches that to 30 ms); the listener
/// thread must not catch up past it meanwhile, even if the server's
/// notification of it has not reached it yet. A third connection watches for the commit,
/// so that a catch-up to a time after it saw the commit must come after
/// the commit was told.
#[test]
fn a_catch_up_never_passes_a_commit_of_this_process_not_yet_told() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store().with_heartbeat(Duration::from_millis(1));
    let slow: Arc<dyn ChangeListener> = Arc::new(Slow);
    assert!(store.watch(Arc::downgrade(&slow)));
    let heard = watched(&store);
    let other_store = db.store();
    for n in 0..20 {
        let written = module(n);
        let from = heard.len();
        let seen = thread::scope(|scope| {
            let watcher = scope.spawn(|| {
                let mut client = db.client();
                loop {
                    let rows = client
                        .query(
                            "SELECT 1 FROM module_settings_revision \
                             WHERE module_id = $1 AND revision > 0",
                            &[&written.as_str()],
                        )
                        .unwrap();
                    if !rows.is_empty() {
                        return Instant::now();
                    }
                }
            });
            let change = Change::SetGrant {
                scope: Scope::Common,
                group: GroupId::new(5).unwrap(),
                level: AccessLevel::R,
            };
            other_store
                .commit(&written, Revision::ZERO, &[change])
                .unwrap();
            watcher.join().unwrap()
        });
        let (caught_up, events) = heard.wait_for(
            "a catch-up past the commit",
            from,
            |e| matches!(e, Event::CaughtUp(as_of) if *as_of > seen),
        );
        assert!(
            events[from..caught_up].contains(&Event::Changed(written)),
            "commit {n} ({written}) was not told before a catch-up past it"
        );
    }
}

/// A TCP proxy to the test server: what the client sends passes as it
/// is; what the server sends goes through `downstream` (from the server,
/// to the client) — held back, as a slow network does, or stripped of
/// notifications, as a connection pooler in transaction mode does to a
/// client whose `LISTEN` ran on another server connection.
struct Proxy {
    port: u16,
}

impl Proxy {
    fn start(db: &TestDb, downstream: fn(TcpStream, TcpStream)) -> Proxy {
        let server_url = url::Url::parse(db.url()).unwrap();
        let server = format!(
            "{}:{}",
            server_url.host_str().unwrap(),
            server_url.port().unwrap()
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(upstream) = TcpStream::connect(&server) else {
                    return;
                };
                let (mut to_server, mut from_client) =
                    (upstream.try_clone().unwrap(), client.try_clone().unwrap());
                thread::spawn(move || {
                    let _ = std::io::copy(&mut from_client, &mut to_server);
                    let _ = to_server.shutdown(Shutdown::Write);
                });
                thread::spawn(move || downstream(upstream, client));
            }
        });
        Proxy { port }
    }

    fn url(&self, db: &TestDb) -> String {
        let mut url = url::Url::parse(db.url()).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }
}

/// Copies `from` to `to`, each chunk `delay` after it was read.
fn held_back(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, later) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (due, chunk) in later {
            thread::sleep(due.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                return;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buffer = [0; 8192];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0
            || chunks
                .send((Instant::now() + delay, buffer[..read].to_vec()))
                .is_err()
        {
            break;
        }
    }
    drop(chunks);
    let _ = writer.join();
}

/// Notifications still on their way over a slow network when a beat
/// begins arrive before the beat's answer, and are told before the
/// catch-up: the round trip, not the time, decides what has arrived.
#[test]
fn notifications_on_their_way_are_told_before_the_catch_up() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let proxy = Proxy::start(&db, |from, to| {
        held_back(from, to, Duration::from_millis(30))
    });
    let store = PostgresStore::connect(&proxy.url(&db))
        .unwrap()
        .with_heartbeat(Duration::from_millis(5));
    let heard = watched(&store);
    for n in 0..10 {
        let written = module(n);
        let from = heard.len();
        // Straight to the server, as another program writes.
        db.execute(&format!(
            "INSERT INTO b_option (module_id, name, value) VALUES ('{written}', 'a', '1')"
        ));
        let done = Instant::now();
        let (caught_up, events) = heard.wait_for(
            "a catch-up past the write",
            from,
            |e| matches!(e, Event::CaughtUp(as_of) if *as_of > done),
        );
        assert!(
            events[from..caught_up].contains(&Event::Changed(written)),
            "write {n} ({written}) was not told before the catch-up past it"
        );
    }
}

/// Copies the server's messages from `from` to `to`, but for its
/// notifications (`NotificationResponse`, type `A`). Every message the
/// server sends is a type byte and a length that counts itself (the
/// client asks for no TLS, so there is no one-byte answer to that).
fn without_notifications(mut from: TcpStream, mut to: TcpStream) {
    let mut header = [0; 5];
    while from.read_exact(&mut header).is_ok() {
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let mut body = vec![0; length.saturating_sub(4)];
        if from.read_exact(&mut body).is_err() {
            break;
        }
        if header[0] == b'A' {
            continue;
        }
        if to.write_all(&header).is_err() || to.write_all(&body).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// A connection whose round trips succeed but that receives no
/// notifications never says the feed has caught up: the heartbeat's
/// probe, a notification of its own, does not come back.
#[test]
fn a_connection_that_hears_no_notifications_never_catches_up() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let proxy = Proxy::start(&db, without_notifications);
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let store = PostgresStore::connect(url.as_str())
        .unwrap()
        .with_heartbeat(Duration::from_millis(10));
    let heard = Arc::new(Heard::default());
    let listener: Arc<dyn ChangeListener> = heard.clone();
    assert!(store.watch(Arc::downgrade(&listener)));
    heard.wait_for("the listener to connect", 0, |e| {
        matches!(e, Event::Missed(_))
    });
    // A hundred beats' time; the store still reads and commits.
    thread::sleep(Duration::from_secs(1));
    let revision = store.commit(&module(1), Revision::ZERO, &[]).unwrap();
    assert_eq!(store.revision(&module(1)).unwrap(), revision);
    let events = heard.lock().clone();
    assert!(
        !events.iter().any(|e| matches!(e, Event::CaughtUp(_))),
        "caught up without hearing anything: {events:?}"
    );
}

/// The heartbeat sets how often the feed catches up.
#[test]
fn the_feed_catches_up_every_heartbeat() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store().with_heartbeat(Duration::from_millis(20));
    let heard = watched(&store);
    let from = heard.len();
    thread::sleep(Duration::from_secs(1));
    let beats = heard.lock()[from..]
        .iter()
        .filter(|e| matches!(e, Event::CaughtUp(_)))
        .count();
    // 50 at most; a loaded machine stretches beats, never adds them.
    assert!((10..=51).contains(&beats), "{beats} catch-ups in a second");
}

/// A killed listener connection says nothing more for the time after it
/// was killed until it has connected again and said `missed`; then it
/// catches up again.
#[test]
fn a_killed_listener_catches_up_again_only_after_missed() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store().with_heartbeat(Duration::from_millis(10));
    let heard = watched(&store);
    let from = heard.len();
    assert_eq!(terminate(&db, LISTENER), 1);
    // The listener's session is gone on the server by now.
    let killed = Instant::now();
    let (missed, _) = heard.wait_for("missed after the kill", from, |e| {
        matches!(e, Event::Missed(_))
    });
    let (resumed, events) = heard.wait_for("a catch-up after missed", missed, |e| {
        matches!(e, Event::CaughtUp(_))
    });
    assert!(resumed > missed);
    // Before `missed`, only catch-ups to times before the session ended
    // (beats of the live connection).
    for event in &events[from..missed] {
        if let Event::CaughtUp(as_of) = event {
            assert!(*as_of < killed, "caught up past the kill: {events:?}");
        }
    }
}

/// A store that counts the calls a facade makes, and hands `watch` to the
/// store it wraps.
#[derive(Debug)]
struct Counting<S> {
    inner: Arc<S>,
    revisions: Arc<AtomicUsize>,
    loads: Arc<AtomicUsize>,
}

/// Another handle on the same store and counts.
impl<S> Clone for Counting<S> {
    fn clone(&self) -> Self {
        Counting {
            inner: Arc::clone(&self.inner),
            revisions: Arc::clone(&self.revisions),
            loads: Arc::clone(&self.loads),
        }
    }
}

impl<S> Counting<S> {
    fn new(inner: S) -> Self {
        Counting {
            inner: Arc::new(inner),
            revisions: Arc::default(),
            loads: Arc::default(),
        }
    }

    /// Revision calls and loads so far.
    fn calls(&self) -> (usize, usize) {
        (
            self.revisions.load(Ordering::SeqCst),
            self.loads.load(Ordering::SeqCst),
        )
    }
}

impl<S: Store> Store for Counting<S> {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(module)
    }
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.revisions.fetch_add(1, Ordering::SeqCst);
        self.inner.revision(module)
    }
    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.inner.modules()
    }
    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        self.inner.watch(listener)
    }
}

const MODULES: usize = 50;
const BOUND: Duration = Duration::from_millis(300);

/// Whether group 5 holds R on every module, read through the facade.
fn all_readable(settings: &Settings<Counting<PostgresStore>>) -> bool {
    (0..MODULES).all(|n| settings.can(module(n), &[g5()], Scope::Common, AccessLevel::R))
}

fn g5() -> GroupId {
    GroupId::new(5).unwrap()
}

/// Reads every module for `period`, asserting each read's answer.
fn read_for(settings: &Settings<Counting<PostgresStore>>, period: Duration) {
    let start = Instant::now();
    while start.elapsed() < period {
        assert!(all_readable(settings));
        thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until the listener connection is up on the server.
fn listener_connected(db: &TestDb) {
    let deadline = Instant::now() + PATIENCE;
    let mut client = db.client();
    while client
        .query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = $1",
            &[&LISTENER],
        )
        .unwrap()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "the listener never connected again"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Fifty modules read for two seconds with a 300 ms bound: while the feed
/// keeps catching up (every 100 ms by default), the facade asks the server
/// nothing. With the listener killed, another program's write is seen
/// within the bound; once the listener is back, the facade asks nothing
/// again.
#[test]
fn a_facade_asks_no_revisions_while_the_feed_keeps_up() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let mut rows = String::new();
    for n in 0..MODULES {
        rows.push_str(&format!(
            "INSERT INTO b_module_group (module_id, group_id, g_access) VALUES ('{}', 5, 'R');",
            module(n)
        ));
    }
    // The store creates the tables; the rows are another program's.
    let store = Counting::new(db.store());
    db.sql(&rows);
    let mut builder = Settings::builder(store.clone()).staleness(BOUND);
    for n in 0..MODULES {
        builder = builder.register_rights(module(n), ModuleLevels::VIDEO);
    }
    let settings = builder.build().unwrap();
    // The listener connects, says `missed` (every module is read again),
    // and starts catching up.
    listener_connected(&db);
    read_for(&settings, BOUND * 2);

    let before = store.calls();
    read_for(&settings, Duration::from_secs(2));
    assert_eq!(
        store.calls(),
        before,
        "(revision calls, loads) while the feed keeps up"
    );

    // The listener's connection dies; another program revokes group 5's
    // grant on one module meanwhile.
    assert_eq!(terminate(&db, LISTENER), 1);
    let revoked = module(7);
    db.execute(&format!(
        "DELETE FROM b_module_group WHERE module_id = '{revoked}' AND group_id = 5"
    ));
    let written = Instant::now();
    while settings.can(revoked, &[g5()], Scope::Common, AccessLevel::R) {
        assert!(
            written.elapsed() < BOUND + BOUND / 3,
            "the revocation was not seen within the bound"
        );
        thread::sleep(Duration::from_millis(2));
    }

    // Connected again: the facade asks nothing again.
    listener_connected(&db);
    let readable = |n| n != 7;
    let read = |period| {
        let start = Instant::now();
        while start.elapsed() < period {
            for n in 0..MODULES {
                assert_eq!(
                    settings.can(module(n), &[g5()], Scope::Common, AccessLevel::R),
                    readable(n)
                );
            }
            thread::sleep(Duration::from_millis(5));
        }
    };
    read(BOUND * 2);
    let before = store.calls();
    read(Duration::from_secs(1));
    assert_eq!(
        store.calls(),
        before,
        "(revision calls, loads) once the feed is back"
    );
}
