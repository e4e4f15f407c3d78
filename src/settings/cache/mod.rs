//! The facade's cache: per module, one immutable [`ModuleState`] behind a
//! lock-free swap, how long it stays fresh, and the states it replaced.
//!
//! # How a read stays cheap
//!
//! A read loads one atomic word — the freshness deadline, with the "served
//! past a failed refresh" bit — compares it with the monotonic clock (a
//! coarse reading, see [`Monotonic`]), and takes the snapshot from an
//! [`ArcSwap`]: no lock, no shared counter written, no allocation.
//!
//! # One refresh path, two triggers
//!
//! A snapshot is fresh until its deadline: the staleness bound after the
//! store last confirmed it. A pushed invalidation ([`ModuleCache::invalidate`])
//! ends it at once. Either way the next read refreshes it the same way —
//! the facade asks the store, hands the answer to the cache
//! ([`refresh`](self::refresh)), and the cache swaps it in. The cache never
//! calls the store: data flows one way, from the store through the facade
//! into the cache.

mod invalidate;
mod monotonic;
mod refresh;
pub(crate) mod state;
pub(crate) mod stored_rights;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};

pub(crate) use self::invalidate::Invalidator;
pub(crate) use self::monotonic::Monotonic;
use self::refresh::Failure;
pub(crate) use self::refresh::{Begin, Fetched, Policy, Refresh};
use crate::groups::GroupDirectory;
use crate::ids::ModuleId;
use crate::settings::cache::state::ModuleState;
use crate::store::Revision;

/// How many earlier states a cache remembers, so that a write naming an
/// older base revision can still be merged.
const HISTORY: usize = 16;

/// The low bit of [`ModuleCache::freshness`]: the snapshot is served past a
/// failed refresh (stale snapshots on). Reads go on, access checks deny.
const STALE: u64 = 1;

/// The cache of one module.
pub(crate) struct ModuleCache {
    /// Unique in the process: which cache a state came from.
    id: u64,
    /// The current state.
    snapshot: ArcSwap<ModuleState>,
    /// `deadline << 1 | STALE`: the monotonic time until which the
    /// snapshot counts as fresh (0: never loaded, or invalidated), and
    /// whether it is served past a failed refresh. One word, so that the
    /// hot path reads both with one load.
    freshness: AtomicU64,
    /// Counts invalidations, so that a refresh that was under way when one
    /// came does not mark the snapshot fresh: the store may have answered
    /// before the change the invalidation announces.
    invalidations: AtomicU64,
    /// Held by the one thread refreshing, across its store calls.
    refreshing: Mutex<()>,
    /// Everything else. Locked briefly, never across a store call — so
    /// `health` and error reports never wait for a store that hangs — and
    /// for the whole of a swap, so swaps never interleave.
    status: Mutex<Status>,
}

/// What a cache knows besides its snapshot.
#[derive(Default)]
struct Status {
    /// Whether a reader that finds a refresh under way may be served the
    /// current snapshot: it is loaded, and the last refresh succeeded (or
    /// the facade serves stale snapshots).
    serveable: bool,
    /// The last refresh's failure, while it is the store's last word.
    failure: Option<Failure>,
    /// How many refreshes have failed so far: a reader that waited for one
    /// sees this move.
    failed_attempts: u64,
    /// Monotonic time of the last successful refresh.
    last_good: Option<u64>,
    /// The states replaced, newest last.
    history: VecDeque<Arc<ModuleState>>,
    /// The group directory every installed state's rights are folded with.
    /// A state built with another one (the directory changed while it was
    /// loaded or written) is folded again as it is installed.
    groups: GroupDirectory,
}

/// The state of a cache as `health` reports it.
pub(crate) struct CacheHealth {
    pub(crate) revision: Option<Revision>,
    pub(crate) age: Option<Duration>,
    pub(crate) last_error: Option<String>,
    pub(crate) stale: bool,
}

/// How [`ModuleCache::swap`] treats a new state.
enum Install {
    /// Loaded from the store: never replaces a later revision.
    Loaded,
    /// Loaded when the store reported a revision below that of
    /// `replaces`, which the cache held when the refresh began: the store
    /// went back (a restored backup, a deleted module file). Installed
    /// whatever its revision, as a new lineage — unless a write moved the
    /// cache on meanwhile.
    Regressed { replaces: Arc<ModuleState> },
    /// Built by a write on a state of lineage `epoch`.
    Written { epoch: u64 },
}

/// The next cache id; 0 is never handed out (it marks an unstamped state).
static NEXT_CACHE_ID: AtomicU64 = AtomicU64::new(1);

impl ModuleCache {
    pub(crate) fn new(module: ModuleId) -> Self {
        ModuleCache {
            id: NEXT_CACHE_ID.fetch_add(1, Ordering::Relaxed),
            snapshot: ArcSwap::from_pointee(ModuleState::placeholder(module)),
            freshness: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
            refreshing: Mutex::new(()),
            status: Mutex::new(Status::default()),
        }
    }

    fn status(&self) -> MutexGuard<'_, Status> {
        crate::sync::lock(&self.status)
    }

    /// Whether `state` was installed by this cache — the only states a
    /// write may be based on.
    pub(crate) fn produced(&self, state: &ModuleState) -> bool {
        state.loaded && state.origin == self.id
    }

    /// The current state, for a short look: no shared counter is written.
    #[inline]
    pub(crate) fn read(&self) -> Guard<Arc<ModuleState>> {
        self.snapshot.load()
    }

    /// The current state, shared.
    pub(crate) fn current(&self) -> Arc<ModuleState> {
        self.snapshot.load_full()
    }

    /// Whether the snapshot may serve a read at `clock`'s time: before its
    /// deadline (served stale or not).
    #[inline]
    pub(crate) fn is_fresh(&self, clock: &Monotonic) -> bool {
        clock.before(self.freshness.load(Ordering::Acquire) >> 1)
    }

    /// Whether the snapshot may answer an access check without a refresh:
    /// fresh, and not served past a failed refresh.
    #[inline]
    pub(crate) fn is_fresh_for_checks(&self, clock: &Monotonic) -> bool {
        let freshness = self.freshness.load(Ordering::Acquire);
        freshness & STALE == 0 && clock.before(freshness >> 1)
    }

    /// Whether the snapshot is served past a failed refresh.
    pub(crate) fn is_stale(&self) -> bool {
        self.freshness.load(Ordering::Acquire) & STALE != 0
    }

    /// Whether the store last confirmed the snapshot more than `limit`
    /// nanoseconds before `now` (or never).
    pub(crate) fn is_older_than(&self, now: u64, limit: u64) -> bool {
        self.status()
            .last_good
            .is_none_or(|good| now >= good.saturating_add(limit))
    }

    /// Ends the snapshot's freshness now: the next read asks the store.
    /// What a pushed change notice does; cheap, and safe to call from any
    /// thread at any time, also while a refresh is under way (which then
    /// does not mark the snapshot fresh).
    pub(crate) fn invalidate(&self) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.freshness.fetch_and(STALE, Ordering::SeqCst);
    }

    /// Marks the snapshot fresh until `deadline`, unless an invalidation
    /// came after `seen` was read.
    fn confirm(&self, deadline: u64, stale: bool, seen: u64) {
        let word = (deadline.min(u64::MAX >> 1) << 1) | u64::from(stale);
        self.freshness.store(word, Ordering::SeqCst);
        if self.invalidations.load(Ordering::SeqCst) != seen {
            self.freshness.fetch_and(STALE, Ordering::SeqCst);
        }
    }

    /// Counts the snapshot as confirmed current at monotonic time
    /// `confirmed`, fresh until `deadline` — unless it was never loaded,
    /// was invalidated, or is served past a failed refresh: what a
    /// complete change feed that has caught up does. Never shortens a
    /// deadline.
    pub(crate) fn extend(&self, confirmed: u64, deadline: u64) {
        let extended = self
            .freshness
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |word| {
                let new = deadline.min(u64::MAX >> 1) << 1;
                // 0: never loaded, or invalidated; the STALE bit: the store
                // failed, which a feed's word does not mend.
                (word != 0 && word & STALE == 0 && new > word).then_some(new)
            })
            .is_ok();
        if extended {
            let mut status = self.status();
            status.last_good = Some(
                status
                    .last_good
                    .map_or(confirmed, |good| good.max(confirmed)),
            );
        }
    }

    /// The error of the last failed refresh, if any.
    pub(crate) fn last_error(&self) -> Option<String> {
        self.status()
            .failure
            .as_ref()
            .map(|failure| failure.error.to_string())
    }

    /// Stamps `new` as this cache's and swaps it in unless the cache already
    /// holds a later revision (a load that started before another write
    /// finished must not undo it). Returns the state the cache holds
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

    /// Folds `groups` into the current state's rights at once and into
    /// every state installed from now on: the next check sees it. Asks
    /// nothing of the store — the records and the revision stay, only the
    /// rights are refolded ([`ModuleState::with_groups`]).
    pub(crate) fn set_groups(&self, groups: &GroupDirectory) {
        let mut status = self.status();
        status.groups = groups.clone();
        let held = self.snapshot.load_full();
        if held.loaded && !held.folded_with(groups) {
            self.snapshot.store(Arc::new(held.with_groups(groups)));
        }
    }

    /// Whether `state` belongs to the cache's current lineage: no restore
    /// of the store (a revision going down) happened since it was loaded.
    pub(crate) fn is_current_lineage(&self, state: &ModuleState) -> bool {
        self.read().epoch == state.epoch
    }

    fn swap(&self, mut new: ModuleState, how: Install) -> Arc<ModuleState> {
        let mut status = self.status();
        let held = self.snapshot.load_full();
        let went_back = match how {
            Install::Loaded => false,
            // Still the revision the refresh started from, of the same
            // lineage: nothing was written meanwhile (a new directory folded
            // in replaces the state, not its records).
            Install::Regressed { replaces } => {
                Arc::ptr_eq(&held, &replaces)
                    || (held.loaded
                        && held.revision == replaces.revision
                        && held.epoch == replaces.epoch)
            }
            Install::Written { epoch } => {
                if held.loaded && held.epoch != epoch {
                    self.invalidate();
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
        if !new.folded_with(&status.groups) {
            new.fold_groups(&status.groups);
        }
        let new = Arc::new(new);
        self.snapshot.store(Arc::clone(&new));
        if went_back {
            // Revision numbers will be handed out again, for other
            // contents: nothing remembered may be merged against.
            status.history.clear();
        } else if held.loaded {
            if status.history.len() == HISTORY {
                status.history.pop_front();
            }
            status.history.push_back(held);
        }
        new
    }

    /// The state at `revision`, if the cache holds or remembers it.
    pub(crate) fn at(&self, revision: Revision) -> Option<Arc<ModuleState>> {
        let current = self.current();
        if current.loaded && current.revision == revision {
            return Some(current);
        }
        self.status()
            .history
            .iter()
            .rev()
            .find(|state| state.revision == revision)
            .cloned()
    }

    /// What `health` reports at monotonic time `now`.
    pub(crate) fn health(&self, now: u64) -> CacheHealth {
        let (last_error, last_good) = {
            let status = self.status();
            let error = status.failure.as_ref().map(|f| f.error.to_string());
            (error, status.last_good)
        };
        let state = self.read();
        CacheHealth {
            revision: state.loaded.then_some(state.revision),
            age: last_good.map(|good| Duration::from_nanos(now.saturating_sub(good))),
            last_error,
            stale: self.is_stale(),
        }
    }
}

#[cfg(test)]
mod tests;
