//! Refreshing a [`ModuleCache`]: who refreshes (one thread at a time),
//! who is served meanwhile, and what a failure leaves behind.
//!
//! The facade drives a refresh in three steps: [`ModuleCache::begin`] says
//! whether there is anything to do and, if so, hands out the one
//! [`Ticket`]; the facade asks the store; [`Ticket::finish`] installs the
//! answer. A reader that finds another thread refreshing is served the
//! current snapshot — so it may be up to the bound plus one refresh old —
//! unless that snapshot may not be served (never loaded, or the last
//! refresh failed and stale snapshots are off): then it waits for that
//! refresh, and if it failed, gets its error without asking the store
//! again. A failure is remembered for the bound: readers in that time get
//! its error too (writes, `Check` and `Force`, always ask).

use std::sync::{Arc, MutexGuard, TryLockError};
use std::time::Duration;

use crate::settings::cache::state::ModuleState;
use crate::settings::cache::{Install, ModuleCache, Monotonic};
use crate::settings::error::SettingsError;
use crate::store::StoreError;

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
    /// Only when the snapshot is no longer fresh (reads).
    IfStale,
    /// Ask the store's revision now, load if it moved (writes).
    Check,
    /// Load now, whatever the revision says (`reload`).
    Force,
}

/// What the store said, as the facade hands it to [`Ticket::finish`].
pub(crate) enum Fetched {
    /// The revision has not moved: the snapshot is current.
    Unchanged,
    /// The module as loaded now (boxed: a state is large, and most
    /// refreshes find nothing new).
    Loaded(Box<ModuleState>),
}

/// A failed refresh, remembered so that readers arriving within the bound
/// get its error instead of each asking a failing store again.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) error: StoreError,
    /// Monotonic time when the store's answer came: the next attempt is
    /// allowed a bound later, however long this one took.
    ended: u64,
}

/// The outcome of [`ModuleCache::begin`].
pub(crate) enum Begin<'a> {
    /// Nothing to ask the store: the snapshot may be served (`Ok`), or the
    /// error of a refresh that just failed is the answer.
    Done(Result<(), SettingsError>),
    /// This thread refreshes: ask the store, then [`Ticket::finish`].
    Go(Ticket<'a>),
}

/// The right to refresh a cache, held by one thread at a time.
pub(crate) struct Ticket<'a> {
    cache: &'a ModuleCache,
    _refreshing: MutexGuard<'a, ()>,
    mode: Refresh,
    /// Monotonic time before the store was asked: what the snapshot is
    /// confirmed as of.
    started: u64,
    /// The cache's invalidation count before the store was asked.
    invalidations: u64,
    /// The snapshot when the refresh began.
    current: Arc<ModuleState>,
}

impl ModuleCache {
    /// Starts a refresh as `mode` says, or says why none is needed.
    pub(crate) fn begin(&self, clock: &Monotonic, policy: &Policy, mode: Refresh) -> Begin<'_> {
        let seen = self.status().failed_attempts;
        let refreshing = match self.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                if mode == Refresh::IfStale && self.status().serveable {
                    return Begin::Done(Ok(()));
                }
                crate::sync::lock(&self.refreshing)
            }
        };
        if mode == Refresh::IfStale {
            if self.is_fresh(clock) {
                return Begin::Done(Ok(())); // refreshed by the thread we waited for
            }
            let status = self.status();
            if let Some(failure) = &status.failure {
                let waited = status.failed_attempts != seen;
                let recent = clock.now() < failure.ended.saturating_add(policy.bound_nanos);
                if waited || recent {
                    return Begin::Done(Err(failure.error.clone().into()));
                }
            }
        }
        // Read before the store is asked: an invalidation from here on
        // keeps the snapshot due, whatever the store answers.
        let invalidations = self.invalidations.load(std::sync::atomic::Ordering::SeqCst);
        Begin::Go(Ticket {
            cache: self,
            _refreshing: refreshing,
            mode,
            started: clock.now(),
            invalidations,
            current: self.current(),
        })
    }
}

impl Ticket<'_> {
    /// How hard this refresh tries.
    pub(crate) fn mode(&self) -> Refresh {
        self.mode
    }

    /// Counts the refreshed snapshot as confirmed no later than `as_of`
    /// (monotonic time): what it depends on besides its own records — the
    /// group directory — was confirmed then.
    pub(crate) fn confirmed_no_later_than(&mut self, as_of: u64) {
        self.started = self.started.min(as_of);
    }

    /// The snapshot when the refresh began: what the store's answer is
    /// compared with.
    pub(crate) fn current(&self) -> &ModuleState {
        &self.current
    }

    /// Installs what the store said (or records its failure), and returns
    /// what the reader that refreshed gets.
    pub(crate) fn finish(
        self,
        fetched: Result<Fetched, StoreError>,
        clock: &Monotonic,
        policy: &Policy,
    ) -> Result<(), SettingsError> {
        let cache = self.cache;
        match fetched {
            Ok(fetched) => {
                if let Fetched::Loaded(loaded) = fetched {
                    let current = &self.current;
                    if current.loaded && loaded.revision < current.revision {
                        // The store once held `current`'s revision and now
                        // holds an earlier one: it went back. (A load racing
                        // a write shows up differently: the cache moved past
                        // `current`, and the swap keeps the write's state.)
                        let replaces = Arc::clone(current);
                        cache.swap(*loaded, Install::Regressed { replaces });
                    } else {
                        cache.install(*loaded);
                    }
                }
                {
                    let mut status = cache.status();
                    status.failure = None;
                    status.last_good = Some(self.started);
                    status.serveable = true;
                }
                let deadline = self.started.saturating_add(policy.bound_nanos);
                cache.confirm(deadline, false, self.invalidations);
                Ok(())
            }
            Err(error) => {
                let loaded = cache.read().loaded;
                let mut status = cache.status();
                status.failed_attempts += 1;
                status.failure = Some(Failure {
                    error: error.clone(),
                    ended: clock.now(),
                });
                if policy.serve_stale && loaded && self.mode == Refresh::IfStale {
                    // Serve the last good snapshot, and try the store again
                    // once per bound rather than on every read.
                    status.serveable = true;
                    drop(status);
                    let deadline = self.started.saturating_add(policy.bound_nanos);
                    cache.confirm(deadline, true, self.invalidations);
                    return Ok(());
                }
                status.serveable = policy.serve_stale && loaded;
                Err(error.into())
            }
        }
    }
}
