//! The store's change feed, by polling. MySQL cannot push a notice, but one
//! query reads every module's revision, so a thread of the store's own
//! reads them all once per tick and reports the modules whose revision
//! moved since the tick before; having done so, it may say that it has
//! caught up, since the query saw every write committed before it started.
//! The same query reads the groups' revision (moved by `b_group`'s
//! triggers), and a move of it is reported as a change of the groups.
//!
//! Stores on one database in this process share one feed and one poll
//! thread, so a commit through any of them is reported at once to the
//! listeners of all (as the file and SQLite stores do for one path), and
//! the server answers one poll per tick per process, not per store.
//!
//! The thread owns its connection, so it never waits for — nor holds up —
//! a read or a commit. It holds none of the stores' parts either: the
//! listeners are held weakly by the feed, and the stores keep the sending
//! end of a channel whose receiver the thread waits on between ticks, so
//! dropping the last store on the database wakes the thread and ends it.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread;
use std::time::{Duration, Instant};

use mysql::Conn;

use super::error::MysqlError;
use super::read::{self, AllRevisions};
use super::url::ServerUrl;
use crate::ids::ModuleId;
use crate::store::{ChangeFeed, ChangeListener, Revision, StoreError};

/// How often the thread polls by default.
pub(super) const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

/// The shortest tick: a zero tick would keep the server busy with nothing
/// but polls.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// The longest wait between attempts while polls fail: the tick doubles
/// after each failure up to this (or to the tick, if that is longer), so a
/// server that is down is not hammered and one that is back is used again
/// within this long.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Opens the thread's connection.
type Open = Box<dyn Fn() -> Result<Conn, MysqlError> + Send>;

/// Every module's revision, as one poll found them; a module not listed
/// is at revision zero.
type Revisions = BTreeMap<ModuleId, Revision>;

/// What tells two stores' URLs name one database: host (in lower case),
/// port, user, database. Two spellings of one server (`localhost`,
/// `127.0.0.1`) make two feeds, each still complete by its polls.
type DatabaseKey = (String, u16, Option<String>, String);

/// The stores' side of a feed: the listeners, the tick, and the poll
/// thread while one runs. Shared by the stores on one database; when the
/// last of them is dropped, so is this, and the thread ends.
pub(super) struct Poller {
    feed: ChangeFeed,
    /// The tick in nanoseconds, read by the thread before each wait, so a
    /// new tick applies to a thread already running.
    interval_nanos: Arc<AtomicU64>,
    /// The revisions the stores' own commits reached, already reported to
    /// the listeners: the next poll that finds a module there does not
    /// report it again. One entry per module at most.
    told: Arc<Mutex<Revisions>>,
    thread: Mutex<Option<Running>>,
}

/// A poll thread started by a watch.
struct Running {
    /// Never sends: dropped with the last store on the database, it wakes
    /// the thread from its wait and ends it.
    _stop: Sender<Infallible>,
    /// Set when the thread has ended or decided to end, under this lock,
    /// so that a listener subscribing meanwhile finds out and starts a new
    /// thread instead of being left to one that is going away.
    ended: Arc<Mutex<bool>>,
}

impl Poller {
    /// The poller of the database `url` names, shared with every store on
    /// it in this process.
    pub(super) fn for_database(url: &ServerUrl) -> Arc<Poller> {
        static POLLERS: OnceLock<Mutex<HashMap<DatabaseKey, Weak<Poller>>>> = OnceLock::new();
        let key = (
            url.host.to_ascii_lowercase(),
            url.port,
            url.user.clone(),
            url.database.clone(),
        );
        let mut pollers = crate::sync::lock(POLLERS.get_or_init(Mutex::default));
        if let Some(poller) = pollers.get(&key).and_then(Weak::upgrade) {
            return poller;
        }
        // Forget the pollers whose stores are all gone, so the map stays
        // small in a process that opens many short-lived stores.
        pollers.retain(|_, poller| poller.strong_count() > 0);
        let poller = Arc::new(Poller::new());
        pollers.insert(key, Arc::downgrade(&poller));
        poller
    }

    fn new() -> Self {
        let poller = Poller {
            feed: ChangeFeed::new(),
            interval_nanos: Arc::new(AtomicU64::new(0)),
            told: Arc::default(),
            thread: Mutex::new(None),
        };
        poller.set_interval(DEFAULT_INTERVAL);
        poller
    }

    /// Reports `result`, the outcome of a commit through the store to
    /// `module` based on `expected`, once the commit has ended: a commit
    /// that moved the revision is reported at once, and not again by the
    /// poll that next finds the module at that revision.
    pub(super) fn committed(
        &self,
        module: &ModuleId,
        expected: Revision,
        result: &Result<Revision, StoreError>,
    ) {
        self.feed.committed(module, expected, result);
        if let Ok(revision) = result {
            if *revision != expected {
                // Noted once the listeners have been told, so a poll that
                // takes the note may count the commit as reported before it
                // says it has caught up. A poll that found the commit before
                // the note was made reports it a second time, which costs a
                // re-read, no more.
                crate::sync::lock(&self.told).insert(*module, *revision);
            }
        }
    }

    /// The tick.
    pub(super) fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_nanos.load(Ordering::Relaxed))
    }

    /// Sets the tick, at least [`MIN_INTERVAL`].
    pub(super) fn set_interval(&self, interval: Duration) {
        let nanos = u64::try_from(interval.max(MIN_INTERVAL).as_nanos()).unwrap_or(u64::MAX);
        self.interval_nanos.store(nanos, Ordering::Relaxed);
    }

    /// Subscribes `listener`, and starts the poll thread unless one is
    /// running; `open` opens its connection. If the thread cannot be
    /// started (the process is out of threads), the listener still hears
    /// of the store's own commits, polling stays its backstop, and the
    /// next watch tries again.
    pub(super) fn watch(
        &self,
        listener: Weak<dyn ChangeListener>,
        open: impl Fn() -> Result<Conn, MysqlError> + Send + 'static,
    ) {
        // Subscribed first: a thread that has not yet decided to end will
        // see this listener when it next looks.
        self.feed.subscribe(listener);
        let mut slot = crate::sync::lock(&self.thread);
        if slot
            .as_ref()
            .is_some_and(|running| !*crate::sync::lock(&running.ended))
        {
            return;
        }
        let (stop, stopped) = mpsc::channel();
        let ended = Arc::new(Mutex::new(false));
        let poll = PollThread {
            feed: self.feed.clone(),
            interval_nanos: Arc::clone(&self.interval_nanos),
            told: Arc::clone(&self.told),
            ended: Arc::clone(&ended),
            stop: stopped,
            open: Box::new(open),
            conn: None,
            seen: None,
            failures: 0,
        };
        *slot = thread::Builder::new()
            .name("mysql-store-poll".into())
            .spawn(move || poll.run())
            .ok()
            .map(|_| Running { _stop: stop, ended });
    }
}

/// The poll thread's state.
struct PollThread {
    feed: ChangeFeed,
    interval_nanos: Arc<AtomicU64>,
    told: Arc<Mutex<Revisions>>,
    ended: Arc<Mutex<bool>>,
    stop: Receiver<Infallible>,
    open: Open,
    /// Open after a poll that did not break it.
    conn: Option<Conn>,
    /// The revisions the last successful poll found; none before the
    /// first.
    seen: Option<Seen>,
    /// Polls failed in a row.
    failures: u32,
}

impl PollThread {
    fn run(mut self) {
        // However the thread ends — a listener that panicked included —
        // the next watch starts another.
        let _marks_ended = MarksEnded(Arc::clone(&self.ended));
        while self.anyone_listening() {
            let interval = Duration::from_nanos(self.interval_nanos.load(Ordering::Relaxed));
            let wait = match self.poll() {
                Ok(()) => {
                    self.failures = 0;
                    interval
                }
                Err(_) => {
                    self.failures = self.failures.saturating_add(1);
                    backoff(interval, self.failures)
                }
            };
            if let Err(RecvTimeoutError::Disconnected) = self.stop.recv_timeout(wait) {
                return; // the stores are gone
            }
        }
    }

    /// Whether a listener is left; if not, marks the thread ended under
    /// the lock a new watch takes to check it.
    fn anyone_listening(&self) -> bool {
        let mut ended = crate::sync::lock(&self.ended);
        *ended = !self.feed.has_listeners();
        !*ended
    }

    /// One tick: reads every revision, reports the modules that moved,
    /// and says the feed has caught up to when the query started. A poll
    /// that fails reports nothing, so the listeners' own deadlines run
    /// out and they poll as without a feed until a poll succeeds again.
    fn poll(&mut self) -> Result<(), MysqlError> {
        // Taken before the query: every write committed before this moment
        // is visible to it.
        let as_of = Instant::now();
        let now = self.read()?;
        // Taken after the query: a note made before it started is of a
        // commit the query saw. A module found at the very revision a
        // commit through the store reached was reported when it committed;
        // any later change would have moved it further.
        let told = std::mem::take(&mut *crate::sync::lock(&self.told));
        match &self.seen {
            Some(before) => {
                for module in moved(&before.modules, &now.modules) {
                    let reported = now
                        .modules
                        .get(&module)
                        .is_some_and(|at| told.get(&module) == Some(at));
                    if !reported {
                        self.feed.changed(&module);
                    }
                }
                // The store never writes `b_group`: every move is someone
                // else's, up or down, appeared or gone.
                if before.groups != now.groups {
                    self.feed.groups_changed();
                }
            }
            // Nothing to compare with. A listener may have loaded a module
            // after it subscribed and before this query; a change between
            // the two is in this baseline and would never be reported, so
            // every listener is told that changes may have been missed.
            // It costs little: listeners subscribe before they load, so
            // most have loaded nothing yet.
            None => self.feed.missed(),
        }
        self.seen = Some(now);
        self.feed.caught_up(as_of);
        Ok(())
    }

    /// Every module's revision and the groups', on the thread's connection
    /// (opened when there is none; dropped when it broke, to be opened
    /// again next time).
    fn read(&mut self) -> Result<Seen, MysqlError> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => (self.open)()?,
        };
        let result = read::all_revisions(&mut conn);
        if !matches!(&result, Err(err) if err.broke_connection()) {
            self.conn = Some(conn);
        }
        let AllRevisions { modules, groups } = result?;
        Ok(Seen {
            modules: modules.into_iter().collect(),
            groups,
        })
    }
}

/// What one poll found.
struct Seen {
    modules: Revisions,
    /// The groups' revision, `None` while there is none (no `b_group`, or
    /// not written since its triggers were made).
    groups: Option<Revision>,
}

/// Marks a poll thread ended when it ends.
struct MarksEnded(Arc<Mutex<bool>>);

impl Drop for MarksEnded {
    fn drop(&mut self) {
        *crate::sync::lock(&self.0) = true;
    }
}

/// The wait after `failures` polls failed in a row: the tick, doubled
/// after each further failure, up to [`MAX_BACKOFF`] (or the tick, if
/// longer).
fn backoff(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    interval
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF.max(interval))
}

/// The modules whose revision differs between two polls — up or down,
/// listed in one and not the other — sorted.
fn moved(before: &Revisions, after: &Revisions) -> Vec<ModuleId> {
    let mut moved: Vec<ModuleId> = after
        .iter()
        .filter(|(module, revision)| before.get(*module) != Some(*revision))
        .map(|(module, _)| *module)
        .collect();
    moved.extend(
        before
            .keys()
            .filter(|module| !after.contains_key(*module))
            .copied(),
    );
    moved.sort_unstable();
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revisions(pairs: &[(&'static str, u64)]) -> Revisions {
        pairs
            .iter()
            .map(|&(module, revision)| (ModuleId::from_static(module), Revision::new(revision)))
            .collect()
    }

    #[test]
    fn a_module_moved_when_its_revision_went_up_or_down_appeared_or_disappeared() {
        let before = revisions(&[("main", 3), ("video", 7), ("forum", 2), ("im", 5)]);
        let after = revisions(&[("main", 3), ("video", 8), ("forum", 1), ("blog", 1)]);
        let names: Vec<String> = moved(&before, &after)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["blog", "forum", "im", "video"]);
        assert!(moved(&after, &after).is_empty());
        assert!(moved(&Revisions::new(), &Revisions::new()).is_empty());
    }

    #[test]
    fn failures_back_off_doubling_up_to_a_bound() {
        let tick = Duration::from_millis(100);
        let waits: Vec<u128> = (1..=7)
            .map(|failures| backoff(tick, failures).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(backoff(tick, u32::MAX), MAX_BACKOFF);
        // A tick longer than the bound is never shortened.
        let long = Duration::from_secs(10);
        assert_eq!(backoff(long, 5), long);
        assert_eq!(backoff(Duration::MAX, 3), Duration::MAX);
    }

    #[test]
    fn stores_on_one_database_share_a_poller_and_others_do_not() {
        let url = |text| ServerUrl::parse(text).unwrap();
        let first = Poller::for_database(&url("mysql://u:p@DB.example:3306/site"));
        let same = Poller::for_database(&url("mysql://u:other@db.example/site"));
        assert!(
            Arc::ptr_eq(&first, &same),
            "the host in any case, the default port"
        );
        for other in [
            "mysql://u:p@db.example/site2",
            "mysql://v:p@db.example/site",
            "mysql://u:p@db.example:3307/site",
            "mysql://u:p@db2.example/site",
        ] {
            assert!(
                !Arc::ptr_eq(&first, &Poller::for_database(&url(other))),
                "{other}"
            );
        }
        let weak = Arc::downgrade(&first);
        drop((first, same));
        assert!(
            weak.upgrade().is_none(),
            "the registry holds pollers weakly"
        );
        let again = Poller::for_database(&url("mysql://u:p@db.example/site"));
        assert_eq!(again.interval(), DEFAULT_INTERVAL);
    }

    #[test]
    fn the_tick_is_at_least_a_millisecond() {
        let poller = Poller::new();
        assert_eq!(poller.interval(), DEFAULT_INTERVAL);
        poller.set_interval(Duration::ZERO);
        assert_eq!(poller.interval(), MIN_INTERVAL);
        poller.set_interval(Duration::MAX);
        assert_eq!(poller.interval(), Duration::from_nanos(u64::MAX));
    }
}
