//! The cache cell of one module: the current [`ModuleState`] behind
//! read-write locks that writers hold only to swap an `Arc`, the time it
//! was last confirmed current, and the refresh that keeps it within the
//! staleness bound.
//!
//! # How a read stays cheap
//!
//! A read takes a read lock, looks up what it needs in the state and
//! releases the lock: no store call, no allocation. Only when the state was
//! last confirmed longer ago than the bound does a read ask the store for
//! the module's revision; if it moved, the read loads the records, builds
//! a new state and swaps it in. One thread refreshes a module at a time
//! (`try_lock`); the others keep serving the current state meanwhile.
//!
//! # Why the state is held in shards
//!
//! Taking a read lock writes the lock's reader count, so readers on
//! different cores fight over that one cache line: with one lock, two
//! threads calling `can` each took about 2.3 times as long per call as one
//! thread alone (`benches/facade.rs`, "facade scaling"). So the cell keeps
//! [`SHARDS`] copies of the `Arc`, each behind its own lock on its own
//! cache line; a thread always reads the shard picked for it on its first
//! read, and a writer swaps every shard, in order, before it returns.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, TryLockError};
use std::time::Duration;

use super::clock::Clocks;
use super::error::SettingsError;
use super::state::ModuleState;
use crate::ids::ModuleId;
use crate::store::{Revision, StoreError};

/// How many earlier states a cell remembers, so that a write naming an
/// older base revision can still be merged.
const HISTORY: usize = 16;

/// The facade's refresh settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) bound: Duration,
    pub(crate) bound_nanos: u64,
    pub(crate) serve_stale: bool,
    /// How old a snapshot's rights may be and still answer a check while
    /// another thread's refresh is under way: [`hard_limit`].
    pub(crate) hard_limit_nanos: u64,
}

/// The least hard limit, whatever the bound: a refresh that takes a few
/// milliseconds (a busy database) must not fail checks.
pub(crate) const MIN_HARD_LIMIT: Duration = Duration::from_millis(100);

/// The hard limit for a staleness bound: twice the bound, at least
/// [`MIN_HARD_LIMIT`].
pub(crate) fn hard_limit(bound: Duration) -> Duration {
    bound.saturating_mul(2).max(MIN_HARD_LIMIT)
}

impl Policy {
    pub(crate) fn new(bound: Duration, serve_stale: bool) -> Self {
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Policy {
            bound,
            bound_nanos: nanos(bound),
            serve_stale,
            hard_limit_nanos: nanos(hard_limit(bound)),
        }
    }
}

/// How hard a refresh tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refresh {
    /// Only when the state is older than the bound (reads).
    IfStale,
    /// Ask the store's revision now, load if it moved (writes).
    Check,
    /// Load now, whatever the revision says (`reload`).
    Force,
}

/// Where a cell gets a new state from.
pub(crate) trait Loader {
    fn revision(&self) -> Result<Revision, StoreError>;
    fn load(&self) -> Result<ModuleState, StoreError>;
}

/// How [`Cell::swap`] treats a new state.
enum Install {
    /// Loaded from the store: never replaces a later revision.
    Loaded,
    /// Loaded when the store reported a revision below that of
    /// `replaces`, which the cell held when the refresh began: the store
    /// went back (a restored backup, a deleted module file). Installed
    /// whatever its revision, as a new lineage — unless a write moved the
    /// cell on meanwhile.
    Regressed { replaces: Arc<ModuleState> },
    /// Built by a write on a state of lineage `epoch`.
    Written { epoch: u64 },
}

/// What the last failed refresh left behind, for `health`, error reports
/// and the readers that share its error.
#[derive(Debug, Default)]
struct RefreshLog {
    /// The last refresh's failure, while it is the last word of the store.
    failure: Option<Failure>,
}

/// A failed refresh, remembered so that readers arriving within the bound
/// get its error instead of each asking a failing store again.
#[derive(Debug)]
struct Failure {
    error: StoreError,
    /// Monotonic nanos when the store's answer came: the next attempt is
    /// allowed a bound later, however long this one took.
    ended: u64,
}

impl RefreshLog {
    /// The error a reader gets without asking the store: that of the
    /// attempt it waited for, or of one that ended less than `bound`
    /// before `now`.
    fn shared_failure(&self, waited_for_it: bool, now: u64, bound: u64) -> Option<StoreError> {
        let failure = self.failure.as_ref()?;
        let recent = now < failure.ended.saturating_add(bound);
        (waited_for_it || recent).then(|| replay(&failure.error))
    }
}

/// A copy of a store error for another caller: the same kind and texts;
/// an underlying error (not `Clone`) becomes its text.
fn replay(err: &StoreError) -> StoreError {
    match err {
        StoreError::Conflict {
            module,
            expected,
            current,
        } => StoreError::Conflict {
            module: *module,
            expected: *expected,
            current: *current,
        },
        StoreError::PreconditionFailed {
            written,
            module,
            expected,
            current,
        } => StoreError::PreconditionFailed {
            written: *written,
            module: *module,
            expected: *expected,
            current: *current,
        },
        StoreError::Corrupt {
            module,
            record,
            value,
            reason,
        } => StoreError::Corrupt {
            module: *module,
            record: record.clone(),
            value: value.clone(),
            reason: reason.clone(),
        },
        StoreError::Unavailable { backend, reason } => StoreError::Unavailable {
            backend,
            reason: reason.clone(),
        },
        StoreError::NotDurable {
            module,
            revision,
            source,
        } => StoreError::NotDurable {
            module: *module,
            revision: *revision,
            source: Box::new(Replayed::of(source.as_ref())),
        },
        StoreError::Backend {
            backend,
            what,
            source,
        } => StoreError::Backend {
            backend,
            what: what.clone(),
            source: source
                .as_ref()
                .map(|source| Box::new(Replayed::of(source.as_ref())) as _),
        },
    }
}

/// The text of an error and its sources, standing in for it in a replay.
#[derive(Debug)]
struct Replayed(String);

impl Replayed {
    fn of(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut text = err.to_string();
        let mut next = err.source();
        while let Some(source) = next {
            text.push_str(": ");
            text.push_str(&source.to_string());
            next = source.source();
        }
        Replayed(text)
    }
}

impl std::fmt::Display for Replayed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Replayed {}

/// The state of a cell as `health` reports it.
pub(crate) struct CellHealth {
    pub(crate) revision: Option<Revision>,
    pub(crate) age: Option<Duration>,
    pub(crate) last_error: Option<String>,
    pub(crate) stale: bool,
}

pub(crate) struct Cell {
    /// Unique in the process: which cell a state came from.
    id: u64,
    /// The current state, once per shard; all hold the same `Arc` except
    /// for the moment a swap is going through them.
    shards: Box<[Shard]>,
    /// Monotonic nanos + 1 of the last time the state was confirmed
    /// current (or, when serving stale, of the last failed try); 0 = never.
    checked: AtomicU64,
    /// Whether a reader that finds a refresh under way may be served the
    /// current state: it is loaded, and the last refresh succeeded (or the
    /// facade serves stale snapshots).
    serveable: AtomicBool,
    /// Whether the state is being served past a failed refresh (stale
    /// snapshots on): reads go on, access checks deny.
    stale: AtomicBool,
    /// Held by the one thread refreshing, across its store calls.
    refreshing: Mutex<()>,
    /// How many refreshes have failed so far: a reader that waited for
    /// one that failed sees this move.
    failed_attempts: AtomicU64,
    /// Whether the last refresh failed (its error is in the log): the
    /// log is only looked at then.
    failing: AtomicBool,
    /// Monotonic nanos + 1 of the last successful refresh; 0 = never.
    last_good: AtomicU64,
    /// What refreshes left behind. Locked only briefly, never across a
    /// store call, so `health` and error reports never wait for a store
    /// that hangs.
    log: Mutex<RefreshLog>,
    /// The states replaced, newest last. Its lock is held for a whole
    /// swap, so swaps never interleave.
    history: Mutex<VecDeque<Arc<ModuleState>>>,
}

/// How many copies of the state a cell keeps for its readers. Threads are
/// spread over them in the order they first read; more threads than
/// shards share some (and only those contend with each other).
const SHARDS: usize = 8;

/// One copy of the state, alone on its cache line (128 bytes: two lines
/// on x86, whose prefetcher pulls lines in pairs), so that readers of
/// different shards never write to a line another shard's readers use.
#[repr(align(128))]
struct Shard(RwLock<Arc<ModuleState>>);

/// The shard of the calling thread: picked on its first read, the same
/// for every cell.
#[inline]
fn my_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|shard| *shard)
}

// A panic while one of these locks is held cannot leave a half-made
// state: states are built aside and swapped in with one assignment. So a
// poisoned lock still guards consistent data, and recovering it is safe.
fn recover<T>(result: Result<T, std::sync::PoisonError<T>>) -> T {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The next cell id; 0 is never handed out (it marks an unstamped state).
static NEXT_CELL_ID: AtomicU64 = AtomicU64::new(1);

impl Cell {
    pub(crate) fn new(module: ModuleId) -> Self {
        Cell {
            id: NEXT_CELL_ID.fetch_add(1, Ordering::Relaxed),
            shards: {
                let placeholder = Arc::new(ModuleState::placeholder(module));
                (0..SHARDS)
                    .map(|_| Shard(RwLock::new(Arc::clone(&placeholder))))
                    .collect()
            },
            checked: AtomicU64::new(0),
            serveable: AtomicBool::new(false),
            stale: AtomicBool::new(false),
            refreshing: Mutex::new(()),
            failed_attempts: AtomicU64::new(0),
            failing: AtomicBool::new(false),
            last_good: AtomicU64::new(0),
            log: Mutex::new(RefreshLog::default()),
            history: Mutex::new(VecDeque::with_capacity(HISTORY)),
        }
    }

    /// Whether `state` was installed by this cell — the only states a
    /// write may be based on.
    pub(crate) fn produced(&self, state: &ModuleState) -> bool {
        state.loaded && state.origin == self.id
    }

    /// The current state, locked for reading. Hold it briefly: a writer
    /// waits for it to swap.
    #[inline]
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Arc<ModuleState>> {
        // `my_shard` is below `SHARDS`, the length of `shards`.
        recover(self.shards[my_shard()].0.read())
    }

    /// The current state, shared.
    pub(crate) fn current(&self) -> Arc<ModuleState> {
        Arc::clone(&self.read())
    }

    /// Whether the state was confirmed current less than `bound` ago.
    #[inline]
    pub(crate) fn is_fresh(&self, now: u64, policy: &Policy) -> bool {
        let checked = self.checked.load(Ordering::Acquire);
        checked != 0 && now < (checked - 1).saturating_add(policy.bound_nanos)
    }

    /// Whether the state was last confirmed current more than `limit`
    /// nanoseconds before `now` (or never).
    #[inline]
    pub(crate) fn is_older_than(&self, now: u64, limit: u64) -> bool {
        let checked = self.checked.load(Ordering::Acquire);
        checked == 0 || now >= (checked - 1).saturating_add(limit)
    }

    /// Whether the state is served past a failed refresh.
    #[inline]
    pub(crate) fn is_stale(&self) -> bool {
        self.stale.load(Ordering::Acquire)
    }

    /// The error of the last failed refresh, if any.
    pub(crate) fn last_error(&self) -> Option<String> {
        let log = recover(self.log.lock());
        log.failure
            .as_ref()
            .map(|failure| failure.error.to_string())
    }

    /// Stamps `new` as this cell's and swaps it in unless the cell already
    /// holds a later revision (a load that started before another write
    /// finished must not undo it). Returns the state the cell holds
    /// afterwards.
    pub(crate) fn install(&self, new: ModuleState) -> Arc<ModuleState> {
        self.swap(new, Install::Loaded)
    }

    /// Installs the state a write built from `basis`'s records plus its
    /// changes — unless the store went back since `basis` was loaded (a
    /// new lineage): then `basis`'s records describe nothing stored, so
    /// nothing is installed and the next read loads the store instead.
    pub(crate) fn install_written(&self, new: ModuleState, basis: &ModuleState) {
        self.swap(new, Install::Written { epoch: basis.epoch });
    }

    /// Whether `state` belongs to the cell's current lineage: no restore
    /// of the store (a revision going down) happened since it was loaded.
    pub(crate) fn is_current_lineage(&self, state: &ModuleState) -> bool {
        self.read().epoch == state.epoch
    }

    fn swap(&self, mut new: ModuleState, how: Install) -> Arc<ModuleState> {
        // Swaps are serialized by the history lock, so between them every
        // shard holds the same state: the first shard's is the one
        // replaced.
        let mut history = recover(self.history.lock());
        let held: Arc<ModuleState> = Arc::clone(&*recover(self.shards[0].0.read()));
        let went_back = match how {
            Install::Loaded => false,
            Install::Regressed { replaces } => Arc::ptr_eq(&held, &replaces),
            Install::Written { epoch } => {
                if held.loaded && held.epoch != epoch {
                    self.checked.store(0, Ordering::Release);
                    return held;
                }
                false
            }
        };
        if !went_back && held.loaded && held.revision > new.revision {
            return held;
        }
        new.origin = self.id;
        new.epoch = held.epoch.wrapping_add(u64::from(went_back));
        let new = Arc::new(new);
        for shard in self.shards.iter() {
            *recover(shard.0.write()) = Arc::clone(&new);
        }
        if went_back {
            // Revision numbers will be handed out again, for other
            // contents: nothing remembered may be merged against.
            history.clear();
        } else if held.loaded {
            if history.len() == HISTORY {
                history.pop_front();
            }
            history.push_back(held);
        }
        new
    }

    /// The state at `revision`, if the cell holds or remembers it.
    pub(crate) fn at(&self, revision: Revision) -> Option<Arc<ModuleState>> {
        let current = self.current();
        if current.loaded && current.revision == revision {
            return Some(current);
        }
        recover(self.history.lock())
            .iter()
            .rev()
            .find(|state| state.revision == revision)
            .cloned()
    }

    /// Makes sure the state is within the bound (`IfStale`), checked
    /// against the store (`Check`), or reloaded (`Force`).
    ///
    /// A reader that finds another thread refreshing is served the
    /// current state — so it may be up to the bound plus one refresh old —
    /// unless that state may not be served (never loaded, or the last
    /// refresh failed and stale snapshots are off): then it waits for that
    /// refresh, and if it failed, returns its error without asking the
    /// store again. A failure is remembered for the bound: readers in that
    /// time get its error too (writes, `Check` and `Force`, always ask).
    pub(crate) fn refresh(
        &self,
        loader: &dyn Loader,
        clocks: &Clocks,
        policy: &Policy,
        mode: Refresh,
    ) -> Result<(), SettingsError> {
        let seen = self.failed_attempts.load(Ordering::Acquire);
        let _refreshing = match self.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                if mode == Refresh::IfStale && self.serveable.load(Ordering::Acquire) {
                    return Ok(());
                }
                recover(self.refreshing.lock())
            }
        };
        if mode == Refresh::IfStale {
            let now = clocks.mono_nanos();
            if self.is_fresh(now, policy) {
                return Ok(()); // refreshed by the thread we waited for
            }
            if self.failing.load(Ordering::Acquire) {
                let waited = self.failed_attempts.load(Ordering::Acquire) != seen;
                let log = recover(self.log.lock());
                if let Some(err) = log.shared_failure(waited, now, policy.bound_nanos) {
                    return Err(err.into());
                }
            }
        }
        let started = clocks.mono_nanos().saturating_add(1);
        let result = self.bring_up_to_date(loader, mode);
        // The store has answered: only now is the log locked, briefly —
        // and on success only if a failure is to be cleared.
        match result {
            Ok(()) => {
                if self.failing.load(Ordering::Acquire) {
                    let mut log = recover(self.log.lock());
                    log.failure = None;
                    self.failing.store(false, Ordering::Release);
                }
                self.last_good.store(started, Ordering::Release);
                self.checked.store(started, Ordering::Release);
                self.serveable.store(true, Ordering::Release);
                self.stale.store(false, Ordering::Release);
                Ok(())
            }
            Err(err) => {
                let now = clocks.mono_nanos();
                let mut log = recover(self.log.lock());
                self.failed_attempts.fetch_add(1, Ordering::AcqRel);
                self.failed(&mut log, err, (started, now), policy, mode)
            }
        }
    }

    fn bring_up_to_date(&self, loader: &dyn Loader, mode: Refresh) -> Result<(), StoreError> {
        let current = self.current();
        if mode != Refresh::Force && current.loaded && loader.revision()? == current.revision {
            return Ok(());
        }
        let loaded = loader.load()?;
        if current.loaded && loaded.revision < current.revision {
            // The store once held `current`'s revision and now holds an
            // earlier one: it went back. (A load racing a write shows up
            // differently: the cell moved past `current`, and `swap`
            // keeps the write's later state.)
            self.swap(loaded, Install::Regressed { replaces: current });
        } else {
            self.install(loaded);
        }
        Ok(())
    }

    fn failed(
        &self,
        log: &mut MutexGuard<'_, RefreshLog>,
        err: StoreError,
        (started, now): (u64, u64),
        policy: &Policy,
        mode: Refresh,
    ) -> Result<(), SettingsError> {
        log.failure = Some(Failure {
            error: replay(&err),
            ended: now,
        });
        self.failing.store(true, Ordering::Release);
        let loaded = self.read().loaded;
        if policy.serve_stale && loaded && mode == Refresh::IfStale {
            // Serve the last good state, and try the store again once per
            // bound rather than on every read.
            self.stale.store(true, Ordering::Release);
            self.checked.store(started, Ordering::Release);
            self.serveable.store(true, Ordering::Release);
            return Ok(());
        }
        self.serveable
            .store(policy.serve_stale && loaded, Ordering::Release);
        Err(err.into())
    }

    /// What `health` reports.
    pub(crate) fn health(&self, now: u64) -> CellHealth {
        let last_error = self.last_error();
        let last_good = self.last_good.load(Ordering::Acquire);
        let state = self.current();
        CellHealth {
            revision: state.loaded.then_some(state.revision),
            age: (last_good != 0).then(|| Duration::from_nanos(now.saturating_sub(last_good - 1))),
            last_error,
            stale: self.is_stale(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ModuleRecords;
    use std::cell::Cell as StdCell;

    const MODULE: ModuleId = ModuleId::from_static("video");

    struct Fake {
        revision: Result<u64, ()>,
        loads: StdCell<u32>,
        asks: StdCell<u32>,
    }

    impl Fake {
        fn at(revision: u64) -> Self {
            Fake {
                revision: Ok(revision),
                loads: StdCell::new(0),
                asks: StdCell::new(0),
            }
        }
        fn down() -> Self {
            Fake {
                revision: Err(()),
                loads: StdCell::new(0),
                asks: StdCell::new(0),
            }
        }
        fn result(&self) -> Result<Revision, StoreError> {
            self.revision
                .map(Revision::new)
                .map_err(|()| StoreError::Unavailable {
                    backend: "fake",
                    reason: "down".into(),
                })
        }
    }

    impl Loader for Fake {
        fn revision(&self) -> Result<Revision, StoreError> {
            self.asks.set(self.asks.get() + 1);
            self.result()
        }
        fn load(&self) -> Result<ModuleState, StoreError> {
            self.loads.set(self.loads.get() + 1);
            let revision = self.result()?;
            let mut state = ModuleState::placeholder(MODULE);
            state.loaded = true;
            state.revision = revision;
            state.records = ModuleRecords::new();
            Ok(state)
        }
    }

    fn policy(bound: Duration, serve_stale: bool) -> Policy {
        Policy::new(bound, serve_stale)
    }

    #[test]
    fn the_hard_limit_is_twice_the_bound_and_at_least_the_minimum() {
        assert_eq!(hard_limit(Duration::ZERO), MIN_HARD_LIMIT);
        assert_eq!(hard_limit(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(hard_limit(Duration::MAX), Duration::MAX);
        let cell = Cell::new(MODULE);
        assert!(cell.is_older_than(0, u64::MAX), "never confirmed");
        cell.refresh(
            &Fake::at(1),
            &clocks(),
            &policy(Duration::ZERO, false),
            Refresh::IfStale,
        )
        .unwrap();
        let checked = cell.checked.load(Ordering::Acquire) - 1;
        assert!(!cell.is_older_than(checked + 9, 10));
        assert!(cell.is_older_than(checked + 10, 10));
    }

    fn clocks() -> Clocks {
        Clocks::new(super::super::clock::system_clock())
    }

    #[test]
    fn loads_once_then_only_asks_the_revision() {
        let cell = Cell::new(MODULE);
        let clocks = clocks();
        let policy = policy(Duration::ZERO, false);
        let store = Fake::at(3);
        cell.refresh(&store, &clocks, &policy, Refresh::IfStale)
            .unwrap();
        cell.refresh(&store, &clocks, &policy, Refresh::IfStale)
            .unwrap();
        assert_eq!((store.loads.get(), store.asks.get()), (1, 1));
        assert_eq!(cell.current().revision, Revision::new(3));
        cell.refresh(&store, &clocks, &policy, Refresh::Force)
            .unwrap();
        assert_eq!(store.loads.get(), 2);
    }

    #[test]
    fn a_long_bound_skips_the_store() {
        let cell = Cell::new(MODULE);
        let clocks = clocks();
        let policy = policy(Duration::from_secs(3600), false);
        let store = Fake::at(1);
        cell.refresh(&store, &clocks, &policy, Refresh::IfStale)
            .unwrap();
        assert!(cell.is_fresh(clocks.mono_nanos(), &policy));
        assert!(!cell.is_fresh(clocks.mono_nanos(), &self::policy(Duration::ZERO, false)));
    }

    #[test]
    fn failures_are_reported_or_served_stale() {
        let clocks = clocks();
        let strict = policy(Duration::ZERO, false);
        let lenient = policy(Duration::ZERO, true);
        let cell = Cell::new(MODULE);
        // Never loaded: an error whatever the policy.
        assert!(cell
            .refresh(&Fake::down(), &clocks, &lenient, Refresh::IfStale)
            .is_err());
        cell.refresh(&Fake::at(2), &clocks, &strict, Refresh::IfStale)
            .unwrap();
        let err = cell
            .refresh(&Fake::down(), &clocks, &strict, Refresh::IfStale)
            .unwrap_err();
        assert!(matches!(err, SettingsError::Store(_)));
        assert!(!cell.is_stale());
        cell.refresh(&Fake::down(), &clocks, &lenient, Refresh::IfStale)
            .unwrap();
        assert!(cell.is_stale());
        let health = cell.health(clocks.mono_nanos());
        assert_eq!(health.revision, Some(Revision::new(2)));
        assert!(health.last_error.unwrap().contains("unavailable"));
        // Writes never go ahead on a stale state.
        assert!(cell
            .refresh(&Fake::down(), &clocks, &lenient, Refresh::Check)
            .is_err());
        cell.refresh(&Fake::at(2), &clocks, &strict, Refresh::Check)
            .unwrap();
        assert!(cell.health(clocks.mono_nanos()).last_error.is_none());
        assert!(!cell.is_stale());
    }

    #[test]
    fn replayed_errors_keep_their_kind_and_text() {
        let io = std::io::Error::other("disk on fire");
        let original = StoreError::Backend {
            backend: "file",
            what: "could not read video.json".into(),
            source: Some(Box::new(io)),
        };
        let copy = replay(&original);
        assert_eq!(copy.to_string(), original.to_string());
        let source = std::error::Error::source(&copy).unwrap();
        assert_eq!(source.to_string(), "disk on fire");
        let busy = StoreError::Unavailable {
            backend: "sqlite",
            reason: "database is locked".into(),
        };
        assert!(matches!(
            replay(&busy),
            StoreError::Unavailable {
                backend: "sqlite",
                ..
            }
        ));
    }

    #[test]
    fn a_store_that_went_back_is_a_new_lineage() {
        let cell = Cell::new(MODULE);
        let clocks = clocks();
        let policy = policy(Duration::ZERO, false);
        cell.refresh(&Fake::at(4), &clocks, &policy, Refresh::IfStale)
            .unwrap();
        cell.refresh(&Fake::at(5), &clocks, &policy, Refresh::IfStale)
            .unwrap();
        let before = cell.current();
        assert!(cell.at(Revision::new(4)).is_some());
        // Restored to revision 2: installed, history forgotten.
        cell.refresh(&Fake::at(2), &clocks, &policy, Refresh::IfStale)
            .unwrap();
        let after = cell.current();
        assert_eq!(after.revision, Revision::new(2));
        assert!(cell.at(Revision::new(4)).is_none());
        assert!(cell.is_current_lineage(&after) && !cell.is_current_lineage(&before));
        assert!(cell.produced(&before), "still this cell's, but outdated");
        // A write built on the old lineage is not cached.
        let mut written = ModuleState::placeholder(MODULE);
        written.loaded = true;
        written.revision = Revision::new(6);
        cell.install_written(written, &before);
        assert_eq!(cell.current().revision, Revision::new(2));
        assert!(!cell.is_fresh(
            clocks.mono_nanos(),
            &self::policy(Duration::from_secs(60), false)
        ));
        // Forced reloads of an equal or lower revision go through too.
        cell.refresh(&Fake::at(1), &clocks, &policy, Refresh::Force)
            .unwrap();
        assert_eq!(cell.current().revision, Revision::new(1));
    }

    #[test]
    fn every_thread_sees_an_install_once_it_returns() {
        let cell = Cell::new(MODULE);
        let state = |rev| {
            let mut s = ModuleState::placeholder(MODULE);
            s.loaded = true;
            s.revision = Revision::new(rev);
            s
        };
        cell.install(state(1));
        // More threads than shards, so every shard is read.
        std::thread::scope(|scope| {
            for _ in 0..2 * SHARDS {
                scope.spawn(|| assert_eq!(cell.current().revision, Revision::new(1)));
            }
        });
        cell.install(state(2));
        std::thread::scope(|scope| {
            for _ in 0..2 * SHARDS {
                scope.spawn(|| assert_eq!(cell.read().revision, Revision::new(2)));
            }
        });
        assert!(cell
            .shards
            .iter()
            .all(|shard| shard.0.read().unwrap().revision == Revision::new(2)));
        assert_eq!(std::mem::align_of::<Shard>(), 128);
    }

    #[test]
    fn installs_never_go_back_and_history_remembers() {
        let cell = Cell::new(MODULE);
        let state = |rev| {
            let mut s = ModuleState::placeholder(MODULE);
            s.loaded = true;
            s.revision = Revision::new(rev);
            s
        };
        cell.install(state(2));
        cell.install(state(3));
        assert_eq!(cell.install(state(1)).revision, Revision::new(3));
        assert_eq!(cell.current().revision, Revision::new(3));
        assert_eq!(
            cell.at(Revision::new(2)).unwrap().revision,
            Revision::new(2)
        );
        assert!(cell.at(Revision::new(1)).is_none());
        for rev in 4..40 {
            cell.install(state(rev));
        }
        assert!(cell.at(Revision::new(3)).is_none());
        assert!(cell.at(Revision::new(30)).is_some());
    }
}
