//! The cache's refresh protocol, driven as the facade drives it, with the
//! store's answers made up by each test.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::*;
use crate::settings::error::SettingsError;
use crate::store::{ModuleRecords, StoreError};

const MODULE: ModuleId = ModuleId::from_static("video");

fn state(revision: u64) -> Box<ModuleState> {
    let mut state = ModuleState::placeholder(MODULE);
    state.loaded = true;
    state.revision = Revision::new(revision);
    state.records = ModuleRecords::new();
    Box::new(state)
}

fn down() -> StoreError {
    StoreError::Unavailable {
        backend: "fake",
        reason: "down".into(),
    }
}

/// What the store says in one refresh: `None` = "unchanged".
type Answer = Result<Option<u64>, StoreError>;

/// Drives one refresh like the facade: returns `None` when the cache did
/// not ask the store (`Begin::Done`), else the refresh's result.
fn drive(
    cache: &ModuleCache,
    clock: &Monotonic,
    policy: &Policy,
    mode: Refresh,
    answer: Answer,
) -> Option<Result<(), SettingsError>> {
    match cache.begin(clock, policy, mode) {
        Begin::Done(_) => None,
        Begin::Go(ticket) => {
            let fetched = answer.map(|revision| match revision {
                Some(revision) => Fetched::Loaded(state(revision)),
                None => Fetched::Unchanged,
            });
            Some(ticket.finish(fetched, clock, policy))
        }
    }
}

#[test]
fn the_hard_limit_is_twice_the_bound_and_at_least_the_minimum() {
    assert_eq!(refresh::hard_limit(Duration::ZERO), refresh::MIN_HARD_LIMIT);
    assert_eq!(
        refresh::hard_limit(Duration::from_secs(1)),
        Duration::from_secs(2)
    );
    assert_eq!(refresh::hard_limit(Duration::MAX), Duration::MAX);
    let cache = ModuleCache::new(MODULE);
    assert!(cache.is_older_than(0, u64::MAX), "never confirmed");
}

#[test]
fn a_fresh_snapshot_asks_nothing_and_a_stale_one_asks_once() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let long = Policy::new(Duration::from_secs(3600), false);
    assert!(!cache.is_fresh(&clock), "never loaded");
    drive(&cache, &clock, &long, Refresh::IfStale, Ok(Some(3)))
        .expect("asks")
        .unwrap();
    assert!(cache.is_fresh(&clock) && cache.is_fresh_for_checks(&clock));
    assert!(drive(&cache, &clock, &long, Refresh::IfStale, Ok(None)).is_none());
    // Writes always ask, and a reload always loads.
    drive(&cache, &clock, &long, Refresh::Check, Ok(None))
        .expect("asks")
        .unwrap();
    assert_eq!(cache.current().revision, Revision::new(3));
    let (cache, zero) = (ModuleCache::new(MODULE), Policy::new(Duration::ZERO, false));
    for revision in [4, 5] {
        drive(&cache, &clock, &zero, Refresh::IfStale, Ok(Some(revision)))
            .expect("a zero bound asks every time")
            .unwrap();
        assert!(!cache.is_fresh(&clock), "a zero bound is never fresh");
    }
    assert_eq!(cache.current().revision, Revision::new(5));
}

#[test]
fn an_invalidation_ends_freshness_at_once() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let long = Policy::new(Duration::from_secs(3600), false);
    drive(&cache, &clock, &long, Refresh::IfStale, Ok(Some(1)))
        .unwrap()
        .unwrap();
    cache.invalidate();
    assert!(!cache.is_fresh(&clock));
    drive(&cache, &clock, &long, Refresh::IfStale, Ok(Some(2)))
        .expect("the next read asks")
        .unwrap();
    assert!(cache.is_fresh(&clock));
    assert_eq!(cache.current().revision, Revision::new(2));
}

#[test]
fn an_invalidation_during_a_refresh_keeps_the_snapshot_due() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let long = Policy::new(Duration::from_secs(3600), false);
    let Begin::Go(ticket) = cache.begin(&clock, &long, Refresh::IfStale) else {
        panic!("a new cache refreshes");
    };
    // The store answered revision 1; a change notice for revision 2 comes
    // before the answer is installed.
    cache.invalidate();
    ticket
        .finish(Ok(Fetched::Loaded(state(1))), &clock, &long)
        .unwrap();
    assert_eq!(cache.current().revision, Revision::new(1));
    assert!(!cache.is_fresh(&clock), "the notice must not be lost");
}

#[test]
fn failures_are_reported_or_served_stale() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let strict = Policy::new(Duration::ZERO, false);
    let lenient = Policy::new(Duration::ZERO, true);
    // Never loaded: an error whatever the policy.
    assert!(
        drive(&cache, &clock, &lenient, Refresh::IfStale, Err(down()))
            .unwrap()
            .is_err()
    );
    drive(&cache, &clock, &strict, Refresh::IfStale, Ok(Some(2)))
        .unwrap()
        .unwrap();
    let err = drive(&cache, &clock, &strict, Refresh::IfStale, Err(down()))
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, SettingsError::Store(_)));
    assert!(!cache.is_stale());
    drive(&cache, &clock, &lenient, Refresh::IfStale, Err(down()))
        .unwrap()
        .unwrap();
    assert!(cache.is_stale() && !cache.is_fresh_for_checks(&clock));
    let health = cache.health(clock.now());
    assert_eq!(health.revision, Some(Revision::new(2)));
    assert!(health.last_error.unwrap().contains("unavailable"));
    // Writes never go ahead on a stale snapshot.
    assert!(drive(&cache, &clock, &lenient, Refresh::Check, Err(down()))
        .unwrap()
        .is_err());
    // A success clears it all.
    drive(&cache, &clock, &lenient, Refresh::Check, Ok(None))
        .unwrap()
        .unwrap();
    assert!(!cache.is_stale());
    assert!(cache.health(clock.now()).last_error.is_none());
}

#[test]
fn a_failure_is_shared_for_the_bound_instead_of_asked_again() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let policy = Policy::new(Duration::from_secs(3600), false);
    drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(1)))
        .unwrap()
        .unwrap();
    cache.invalidate();
    assert!(
        drive(&cache, &clock, &policy, Refresh::IfStale, Err(down()))
            .unwrap()
            .is_err()
    );
    // Within the bound, readers get the failure without asking.
    match cache.begin(&clock, &policy, Refresh::IfStale) {
        Begin::Done(Err(SettingsError::Store(err))) => {
            assert!(matches!(*err, StoreError::Unavailable { .. }))
        }
        _ => panic!("the failure is shared"),
    }
    // Writes still ask.
    assert!(drive(&cache, &clock, &policy, Refresh::Check, Ok(None)).is_some());
}

#[test]
fn a_store_that_went_back_starts_a_new_lineage() {
    let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
    let policy = Policy::new(Duration::ZERO, false);
    drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(5)))
        .unwrap()
        .unwrap();
    let old = cache.current();
    drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(6)))
        .unwrap()
        .unwrap();
    assert!(cache.at(Revision::new(5)).is_some(), "remembered");
    drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(2)))
        .unwrap()
        .unwrap();
    let now = cache.current();
    assert_eq!(now.revision, Revision::new(2));
    assert!(!cache.is_current_lineage(&old));
    assert!(cache.at(Revision::new(5)).is_none(), "history cleared");
    // A write built on the old lineage is not installed, and the next
    // read asks the store.
    let long = Policy::new(Duration::from_secs(3600), false);
    drive(&cache, &clock, &long, Refresh::Check, Ok(None))
        .unwrap()
        .unwrap();
    cache.install_written(*state(7), &old);
    assert_eq!(cache.current().revision, Revision::new(2));
    assert!(!cache.is_fresh(&clock));
}

#[test]
fn a_load_never_replaces_a_later_revision() {
    let cache = ModuleCache::new(MODULE);
    cache.install(*state(3));
    let held = cache.install(*state(2));
    assert_eq!(held.revision, Revision::new(3));
    assert!(cache.produced(&held));
    assert!(!ModuleCache::new(MODULE).produced(&held));
}

/// Readers, invalidations and refreshes at once: every read sees a whole
/// snapshot, revisions never go back, and after the last invalidation the
/// next read refreshes.
#[test]
fn invalidations_racing_refreshes_lose_no_notice() {
    let cache = Arc::new(ModuleCache::new(MODULE));
    let clock = Monotonic::new();
    let policy = Policy::new(Duration::from_secs(3600), false);
    let stored = Arc::new(std::sync::atomic::AtomicU64::new(1));
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut last = 0;
                for _ in 0..2_000 {
                    if !cache.is_fresh(&clock) {
                        let now = stored.load(Ordering::SeqCst);
                        drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(now)));
                    }
                    let seen = cache.read().revision.get();
                    assert!(seen >= last, "revisions never go back: {seen} < {last}");
                    last = seen;
                }
            });
        }
        scope.spawn(|| {
            for _ in 0..2_000 {
                // A commit, then its notice: the order a change feed keeps.
                stored.fetch_add(1, Ordering::SeqCst);
                cache.invalidate();
                thread::yield_now();
            }
        });
    });
    let last = stored.load(Ordering::SeqCst);
    if cache.is_fresh(&clock) {
        assert_eq!(
            cache.current().revision.get(),
            last,
            "a fresh snapshot after the last notice holds the last commit"
        );
    }
    drive(&cache, &clock, &policy, Refresh::IfStale, Ok(Some(last)));
    assert_eq!(cache.current().revision.get(), last);
}

mod groups {
    use super::*;
    use crate::access::{AccessLevel, ModuleLevels, ModuleRights, ResolveOptions};
    use crate::groups::{Group, GroupDirectory};
    use crate::ids::{GroupId, Scope};

    const EDITORS: GroupId = GroupId::from_static(5);

    fn editors_off() -> GroupDirectory {
        GroupDirectory::new([Group::new(EDITORS, "Editors").with_active(false)]).unwrap()
    }

    /// A state at `revision` whose rights give the editors W, folded with
    /// `groups`.
    fn with_rights(revision: u64, groups: &GroupDirectory) -> Box<ModuleState> {
        let mut state = state(revision);
        let mut rights = ModuleRights::new(MODULE, ModuleLevels::VIDEO);
        rights
            .grant(Scope::Common, EDITORS, AccessLevel::W)
            .unwrap();
        state.rights = Some(Ok(rights.compile_with(ResolveOptions::new(), groups)));
        state
    }

    fn editors_write(cache: &ModuleCache) -> bool {
        match &cache.read().rights {
            Some(Ok(compiled)) => compiled.can(&[EDITORS], Scope::Common, AccessLevel::W),
            _ => unreachable!("compiled rights"),
        }
    }

    #[test]
    fn a_new_directory_is_folded_into_the_held_state_at_once() {
        let cache = ModuleCache::new(MODULE);
        cache.install(*with_rights(3, &GroupDirectory::empty()));
        let before = cache.current();
        assert!(editors_write(&cache));

        cache.set_groups(&editors_off());
        assert!(!editors_write(&cache), "switched off at once");
        let after = cache.current();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(after.revision, before.revision);
        assert!(cache.produced(&after), "still this cache's state");
        assert!(
            cache.is_current_lineage(&before),
            "forms taken before stay valid"
        );
        assert_eq!(
            cache.at(Revision::new(3)).map(|s| s.revision),
            Some(Revision::new(3))
        );

        // The same directory again: nothing to do.
        cache.set_groups(&editors_off());
        assert!(Arc::ptr_eq(&after, &cache.current()));
        cache.set_groups(&GroupDirectory::empty());
        assert!(editors_write(&cache), "back on");
    }

    #[test]
    fn states_built_with_another_directory_are_folded_as_they_are_installed() {
        let cache = ModuleCache::new(MODULE);
        // Before the first load: nothing to fold yet.
        cache.set_groups(&editors_off());
        assert!(!cache.read().loaded);
        // A load and a write that compiled with the directory they saw
        // before it changed.
        cache.install(*with_rights(1, &GroupDirectory::empty()));
        assert!(!editors_write(&cache));
        let base = cache.current();
        cache.install_written(*with_rights(2, &GroupDirectory::empty()), &base);
        assert_eq!(cache.current().revision, Revision::new(2));
        assert!(!editors_write(&cache));
    }

    #[test]
    fn a_store_that_went_back_is_seen_after_a_new_directory_too() {
        let (cache, clock) = (ModuleCache::new(MODULE), Monotonic::new());
        let policy = Policy::new(Duration::ZERO, false);
        cache.install(*with_rights(5, &GroupDirectory::empty()));
        let Begin::Go(ticket) = cache.begin(&clock, &policy, Refresh::IfStale) else {
            panic!("a zero bound refreshes");
        };
        // The directory changes while the store is asked: the held state
        // is replaced by its refolded copy.
        cache.set_groups(&editors_off());
        let loaded = Fetched::Loaded(with_rights(2, &GroupDirectory::empty()));
        ticket.finish(Ok(loaded), &clock, &policy).unwrap();
        let now = cache.current();
        assert_eq!(
            now.revision,
            Revision::new(2),
            "the restored backup is installed"
        );
        assert_eq!(now.epoch, 1, "as a new lineage");
        assert!(!editors_write(&cache));
    }
}
