//! The conformance suite every [`Store`] must pass: one public function per
//! check, and [`store_conformance_tests!`](crate::store_conformance_tests)
//! to turn them into one `#[test]` each.
//!
//! **Not semver-stable**: checks may be added or tightened in any release.
//! Everything here panics on failure, as test code does.
//!
//! Backends differ in what they can do (a memory store cannot hold a
//! corrupt record; two handles on one SQLite file are two connections), so
//! a backend describes itself with a [`Fixture`] instead of skipping
//! checks: the store under test, optionally a second handle on the same
//! data, a hook that corrupts a module's stored records, and a hook that
//! makes the next commit of a module fail half-way.
//!
//! # Examples
//!
//! In a test file of your backend crate (with `module-settings`'s `testing`
//! feature on):
//!
//! ```
//! use module_settings::store::conformance::Fixture;
//! use module_settings::{MemoryStore, Store};
//! use std::sync::Arc;
//!
//! module_settings::store_conformance_tests!(memory, || MemoryStore::new());
//!
//! // Clones share state, so a clone is the second handle of a racing test.
//! fn shared() -> Fixture<Arc<dyn Store>> {
//!     let store = MemoryStore::new();
//!     Fixture::new(store.clone())
//!         .with_second_handle(store)
//!         .map(|store| Arc::new(store) as Arc<dyn Store>)
//! }
//! module_settings::store_conformance_tests!(memory_as_arc_dyn, shared);
//! # fn main() {}
//! ```

use std::any::Any;
use std::fmt::Debug;
use std::thread;

use crate::access::AccessLevel;
use crate::ids::{GroupId, ModuleId, OptionName, Scope, SiteId};
use crate::store::{
    Change, ChangeListener, Guarded, ModuleRecords, Precondition, Revision, Store, StoreError,
};

/// A hook that damages a module's data behind the store's back.
type Hook = Box<dyn Fn(&ModuleId) + Send + Sync>;

/// A store under test and what the suite needs to know about its backend.
pub struct Fixture<S> {
    // Dropped first, before the guard that may delete its files.
    store: S,
    second: Option<S>,
    corrupter: Option<Hook>,
    commit_breaker: Option<Hook>,
    nul: Nul,
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

/// Whether a backend's option values can hold the character U+0000.
///
/// ```
/// use module_settings::store::conformance::{Fixture, Nul};
/// let fixture = Fixture::new(module_settings::MemoryStore::new());
/// assert_eq!(fixture.nul_in_values(), Nul::Stored);
/// assert_eq!(fixture.refusing_nul_in_values().nul_in_values(), Nul::Refused);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Nul {
    /// A value holding it round-trips like any other.
    Stored,
    /// The backend's text cannot hold it (PostgreSQL's `text`): a commit
    /// of such a value fails with an error that is not a conflict, and
    /// writes nothing.
    Refused,
}

impl<S: Store> Fixture<S> {
    /// A fixture with just the store: no second handle (racing threads
    /// share this one), nothing to corrupt, no way to break a commit.
    pub fn new(store: S) -> Self {
        Fixture {
            store,
            second: None,
            corrupter: None,
            commit_breaker: None,
            nul: Nul::Stored,
            _guard: None,
        }
    }

    /// Says that the backend cannot store U+0000 in an option value (see
    /// [`Nul::Refused`]): the suite then checks that such a value is
    /// refused, and round-trips everything else.
    #[must_use]
    pub fn refusing_nul_in_values(mut self) -> Self {
        self.nul = Nul::Refused;
        self
    }

    /// Another handle on the same data (a clone, the same file opened
    /// again), used by the racing writers and sharing checks.
    #[must_use]
    pub fn with_second_handle(mut self, second: S) -> Self {
        self.second = Some(second);
        self
    }

    /// A hook that corrupts the stored records of the module it is given
    /// (a group id that is not a number, invalid JSON…), after which the
    /// store must report [`StoreError::Corrupt`] for that module.
    #[must_use]
    pub fn with_corrupter(mut self, corrupt: impl Fn(&ModuleId) + Send + Sync + 'static) -> Self {
        self.corrupter = Some(Box::new(corrupt));
        self
    }

    /// A hook that makes the next commit to the module it is given fail
    /// after part of the batch was written, if it were not atomic (an SQL
    /// trigger that refuses a new grant, a directory where the temporary
    /// file must go). The suite's batch ends with a grant to a new group.
    #[must_use]
    pub fn with_commit_breaker(
        mut self,
        breaker: impl Fn(&ModuleId) + Send + Sync + 'static,
    ) -> Self {
        self.commit_breaker = Some(Box::new(breaker));
        self
    }

    /// Keeps `guard` (a temporary directory) alive as long as the fixture;
    /// it is dropped after the stores.
    #[must_use]
    pub fn keep_alive(mut self, guard: impl Any + Send + Sync) -> Self {
        self._guard = Some(Box::new(guard));
        self
    }

    /// The same fixture with its store handles wrapped, for running the
    /// suite through `Arc<dyn Store>`, `Box<dyn Store>` or a decorator.
    pub fn map<T: Store>(self, wrap: impl Fn(S) -> T) -> Fixture<T> {
        Fixture {
            store: wrap(self.store),
            second: self.second.map(&wrap),
            corrupter: self.corrupter,
            commit_breaker: self.commit_breaker,
            nul: self.nul,
            _guard: self._guard,
        }
    }

    /// The store under test.
    pub fn store(&self) -> &dyn Store {
        &self.store
    }

    /// The second handle, or the store itself when there is none.
    pub fn second(&self) -> &dyn Store {
        self.second
            .as_ref()
            .map_or(&self.store as &dyn Store, |s| s as &dyn Store)
    }

    /// The corrupting hook, if the backend has one.
    pub fn corrupter(&self) -> Option<&dyn Fn(&ModuleId)> {
        self.corrupter
            .as_deref()
            .map(|hook| hook as &dyn Fn(&ModuleId))
    }

    /// Whether the backend's option values can hold U+0000.
    pub fn nul_in_values(&self) -> Nul {
        self.nul
    }

    /// The commit-breaking hook, if the backend has one.
    pub fn commit_breaker(&self) -> Option<&dyn Fn(&ModuleId)> {
        self.commit_breaker
            .as_deref()
            .map(|hook| hook as &dyn Fn(&ModuleId))
    }
}

impl<S: Store> From<S> for Fixture<S> {
    fn from(store: S) -> Self {
        Fixture::new(store)
    }
}

/// What a [`store_conformance_tests!`](crate::store_conformance_tests)
/// fixture function may return: a store, a [`Fixture`], or
/// `Option<Fixture>` — `None` skips the test, for a backend whose server
/// is not there (the fixture function says so itself).
pub trait IntoFixture<S> {
    /// The fixture, or `None` to skip the test.
    fn into_fixture(self) -> Option<Fixture<S>>;
}

impl<S: Store> IntoFixture<S> for S {
    fn into_fixture(self) -> Option<Fixture<S>> {
        Some(Fixture::new(self))
    }
}

impl<S: Store> IntoFixture<S> for Fixture<S> {
    fn into_fixture(self) -> Option<Fixture<S>> {
        Some(self)
    }
}

impl<S: Store> IntoFixture<S> for Option<Fixture<S>> {
    fn into_fixture(self) -> Option<Fixture<S>> {
        self
    }
}

/// Expands to a module `$name` with one `#[test]` per conformance check.
///
/// `$fixture` is called once per test and returns a [`Store`], a
/// [`Fixture`](crate::store::conformance::Fixture), or an
/// `Option<Fixture>` whose `None` skips the test (see
/// [`IntoFixture`](crate::store::conformance::IntoFixture)). Names it uses
/// must be in scope where the macro is invoked.
///
/// ```
/// module_settings::store_conformance_tests!(memory, || module_settings::MemoryStore::new());
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($name:ident, $fixture:expr $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::store_conformance_tests!(@checks $fixture;
                empty_store,
                round_trip,
                changes_apply_in_order,
                revisions_count_commits,
                stale_revision_conflicts,
                preconditions_guard_the_commit,
                group_preconditions_hold_or_are_refused,
                removing_absent_is_a_noop,
                modules_lists_what_was_written,
            );

            #[test]
            fn unicode_long_names_and_large_values() {
                let Some(fixture) =
                    $crate::store::conformance::IntoFixture::into_fixture(($fixture)())
                else {
                    return;
                };
                $crate::store::conformance::unicode_long_names_and_large_values(
                    fixture.store(),
                    fixture.nul_in_values(),
                );
            }

            #[test]
            fn failed_batch_changes_nothing() {
                let Some(fixture) =
                    $crate::store::conformance::IntoFixture::into_fixture(($fixture)())
                else {
                    return;
                };
                $crate::store::conformance::failed_batch_changes_nothing(
                    fixture.store(),
                    fixture.commit_breaker(),
                );
            }

            #[test]
            fn corrupt_records_are_reported() {
                let Some(fixture) =
                    $crate::store::conformance::IntoFixture::into_fixture(($fixture)())
                else {
                    return;
                };
                $crate::store::conformance::corrupt_records_are_reported(
                    fixture.store(),
                    fixture.corrupter(),
                );
            }

            $crate::store_conformance_tests!(@pairs $fixture;
                racing_writers_lose_no_update,
                preconditions_see_other_handles,
                change_feed_reports_commits,
                handles_share_state,
            );
        }
    };
    (@pairs $fixture:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                let Some(fixture) =
                    $crate::store::conformance::IntoFixture::into_fixture(($fixture)())
                else {
                    return;
                };
                $crate::store::conformance::$check(fixture.store(), fixture.second());
            }
        )*
    };
    (@checks $fixture:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                let Some(fixture) =
                    $crate::store::conformance::IntoFixture::into_fixture(($fixture)())
                else {
                    return;
                };
                $crate::store::conformance::$check(fixture.store());
            }
        )*
    };
}

// ---------------------------------------------------------------- helpers

const VIDEO: ModuleId = ModuleId::from_static("video");
const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");
const S1: Scope = Scope::Site(SiteId::from_static("s1"));
const S2: Scope = Scope::Site(SiteId::from_static("s2"));
const SCOPES: [Scope; 3] = [Scope::Common, S1, S2];
const G5: GroupId = GroupId::from_static(5);
const G6: GroupId = GroupId::from_static(6);
/// A module the suite never writes.
const UNTOUCHED: ModuleId = ModuleId::from_static("untouched");

/// The value of a result, or a panic that shows the error's text.
#[track_caller]
fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("{what}: {err}"),
    }
}

#[track_caller]
fn assert_eq_dbg<T: PartialEq + Debug>(actual: T, expected: T, what: &str) {
    assert_eq!(actual, expected, "{what}");
}

fn name(text: &str) -> OptionName {
    match OptionName::new(text) {
        Ok(name) => name,
        Err(err) => panic!("the suite's own option name is invalid: {err}"),
    }
}

fn set(scope: Scope, option: &str, value: &str) -> Change {
    Change::SetOption {
        scope,
        name: name(option),
        value: value.to_owned(),
    }
}

fn grant(scope: Scope, group: GroupId, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope,
        group,
        level,
    }
}

/// What `changes` make of `start`, by the one definition of a change.
fn model(start: &ModuleRecords, changes: &[Change]) -> ModuleRecords {
    let mut records = start.clone();
    records.apply_all(changes);
    records
}

/// Loads `module` and checks it is `expected` at `revision`, and that the
/// cheap revision agrees.
#[track_caller]
fn assert_state(
    store: &dyn Store,
    module: &ModuleId,
    revision: Revision,
    expected: &ModuleRecords,
    what: &str,
) {
    let snapshot = ok(store.load(module), what);
    assert_eq!(snapshot.revision, revision, "{what}: revision from load");
    assert_eq!(&snapshot.records, expected, "{what}: records");
    assert_eq!(
        ok(store.revision(module), what),
        revision,
        "{what}: revision()"
    );
}

/// A batch touching every kind of record in every scope.
fn every_kind() -> Vec<Change> {
    let mut batch = Vec::new();
    for (i, scope) in SCOPES.into_iter().enumerate() {
        batch.push(set(scope, "ServerHost", &format!("host-{i}.example.com")));
        batch.push(set(scope, "window_main", "Y"));
        batch.push(Change::SetDefault {
            scope,
            level: [AccessLevel::R, AccessLevel::D, AccessLevel::M][i],
        });
        batch.push(grant(scope, G5, AccessLevel::W));
        batch.push(grant(
            scope,
            G6,
            [AccessLevel::D, AccessLevel::M, AccessLevel::R][i],
        ));
    }
    batch
}

// ----------------------------------------------------------------- checks

/// A new store lists no modules; any module loads empty at revision zero;
/// an empty batch creates nothing; even an empty batch checks the revision.
pub fn empty_store(store: &dyn Store) {
    assert_eq_dbg(
        ok(store.modules(), "modules"),
        vec![],
        "a new store lists no modules",
    );
    assert_state(
        store,
        &VIDEO,
        Revision::ZERO,
        &ModuleRecords::new(),
        "unknown module",
    );
    assert_eq_dbg(
        ok(store.commit(&VIDEO, Revision::ZERO, &[]), "empty batch"),
        Revision::ZERO,
        "an empty batch returns the current revision",
    );
    assert_eq_dbg(
        ok(store.modules(), "modules"),
        vec![],
        "an empty batch creates no module",
    );
    match store.commit(&VIDEO, Revision::new(1), &[]) {
        Err(StoreError::Conflict {
            module,
            expected,
            current,
        }) => {
            assert_eq!(
                (module, expected, current),
                (VIDEO, Revision::new(1), Revision::ZERO)
            );
        }
        other => panic!("an empty batch with a wrong revision must conflict, got {other:?}"),
    }
}

/// Every kind of record in the common scope and two sites comes back as
/// written; a second batch replaces, removes and adds; other modules are
/// not touched.
pub fn round_trip(store: &dyn Store) {
    let first = every_kind();
    let rev1 = ok(store.commit(&VIDEO, Revision::ZERO, &first), "first commit");
    assert_eq_dbg(rev1, Revision::new(1), "first commit's revision");
    let expected = model(&ModuleRecords::new(), &first);
    assert_eq!(expected.grants().count(), 6, "the suite writes 6 grants");
    assert_state(store, &VIDEO, rev1, &expected, "after the first commit");

    let second = vec![
        set(Scope::Common, "ServerHost", "other.example.com"),
        Change::RemoveOption {
            scope: S1,
            name: name("window_main"),
        },
        set(S2, "ServerPort", "8080"),
        Change::RemoveDefault { scope: S1 },
        Change::SetDefault {
            scope: S2,
            level: AccessLevel::W,
        },
        Change::RemoveGrant {
            scope: Scope::Common,
            group: G6,
        },
        grant(S1, G5, AccessLevel::D),
        grant(S2, GroupId::from_static(7), AccessLevel::R),
    ];
    let rev2 = ok(store.commit(&VIDEO, rev1, &second), "second commit");
    let expected = model(&expected, &second);
    assert_state(store, &VIDEO, rev2, &expected, "after the second commit");
    assert_eq!(
        expected.option(S1, "window_main"),
        None,
        "the model removed the value"
    );

    assert_state(
        store,
        &VIDEOPORT,
        Revision::ZERO,
        &ModuleRecords::new(),
        "an untouched module",
    );
}

/// Changes in one batch apply in order: the later of two changes to one
/// record wins, also a removal after a set and a set after a removal.
pub fn changes_apply_in_order(store: &dyn Store) {
    let batch = vec![
        set(Scope::Common, "a", "1"),
        set(Scope::Common, "a", "2"),
        set(S1, "b", "x"),
        Change::RemoveOption {
            scope: S1,
            name: name("b"),
        },
        Change::RemoveOption {
            scope: S2,
            name: name("c"),
        },
        set(S2, "c", "back"),
        grant(Scope::Common, G5, AccessLevel::R),
        Change::RemoveGrant {
            scope: Scope::Common,
            group: G5,
        },
        Change::RemoveGrant {
            scope: S1,
            group: G6,
        },
        grant(S1, G6, AccessLevel::M),
        grant(S1, G6, AccessLevel::D),
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        },
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        Change::SetDefault {
            scope: S1,
            level: AccessLevel::R,
        },
        Change::RemoveDefault { scope: S1 },
    ];
    let revision = ok(store.commit(&VIDEO, Revision::ZERO, &batch), "commit");
    let records = ok(store.load(&VIDEO), "load").records;
    assert_eq!(
        records.option(Scope::Common, "a"),
        Some("2"),
        "the later value wins"
    );
    assert_eq!(records.option(S1, "b"), None, "a removal after a set wins");
    assert_eq!(
        records.option(S2, "c"),
        Some("back"),
        "a set after a removal wins"
    );
    assert_eq!(
        records.grant(Scope::Common, G5),
        None,
        "a grant removed after it was set"
    );
    assert_eq!(
        records.grant(S1, G6),
        Some(AccessLevel::D),
        "the later grant wins"
    );
    assert_eq!(
        records.default_level(Scope::Common),
        Some(AccessLevel::W),
        "the later default wins"
    );
    assert_eq!(
        records.default_level(S1),
        None,
        "a default removed after it was set"
    );
    assert_state(
        store,
        &VIDEO,
        revision,
        &model(&ModuleRecords::new(), &batch),
        "in order",
    );
}

/// Every non-empty commit moves the revision up by exactly one, also a
/// batch of no-op removals; an empty batch leaves it; modules count apart.
pub fn revisions_count_commits(store: &dyn Store) {
    let mut revision = Revision::ZERO;
    for i in 0..5u64 {
        let next = ok(
            store.commit(&VIDEO, revision, &[set(Scope::Common, "n", &i.to_string())]),
            "commit",
        );
        assert_eq_dbg(next, Revision::new(i + 1), "each commit adds one");
        revision = next;
    }
    let noop = [Change::RemoveGrant {
        scope: S1,
        group: G5,
    }];
    let after_noop = ok(store.commit(&VIDEO, revision, &noop), "no-op batch");
    assert_eq_dbg(
        after_noop,
        Revision::new(6),
        "a batch of no-ops is still a write",
    );
    assert_eq_dbg(
        ok(store.commit(&VIDEO, after_noop, &[]), "empty batch"),
        after_noop,
        "an empty batch",
    );
    assert_eq_dbg(
        ok(store.revision(&VIDEO), "revision"),
        after_noop,
        "revision()",
    );
    assert_eq_dbg(
        ok(store.revision(&VIDEOPORT), "revision"),
        Revision::ZERO,
        "another module",
    );
    let other = ok(
        store.commit(&VIDEOPORT, Revision::ZERO, &noop),
        "other module",
    );
    assert_eq_dbg(other, Revision::new(1), "revisions are per module");
}

/// A commit based on any revision but the current one fails with
/// `Conflict` naming the current revision, and writes nothing.
pub fn stale_revision_conflicts(store: &dyn Store) {
    let rev1 = ok(
        store.commit(&VIDEO, Revision::ZERO, &[set(Scope::Common, "a", "1")]),
        "commit 1",
    );
    let rev2 = ok(
        store.commit(&VIDEO, rev1, &[set(Scope::Common, "a", "2")]),
        "commit 2",
    );
    let before = ok(store.load(&VIDEO), "load");
    for stale in [
        Revision::ZERO,
        rev1,
        Revision::new(3),
        Revision::new(u64::MAX),
    ] {
        match store.commit(&VIDEO, stale, &[set(Scope::Common, "a", "stale")]) {
            Err(StoreError::Conflict {
                module,
                expected,
                current,
            }) => {
                assert_eq!(
                    (module, expected, current),
                    (VIDEO, stale, rev2),
                    "conflict details"
                );
            }
            other => {
                panic!("a commit based on {stale} (current {rev2}) must conflict, got {other:?}")
            }
        }
    }
    assert_state(
        store,
        &VIDEO,
        rev2,
        &before.records,
        "after refused commits",
    );
}

/// Asserts that `result` is a `PreconditionFailed` for a write to
/// `written` that needed `module` at `expected` while it is at `current`.
#[track_caller]
fn assert_precondition_failed(
    result: Result<Revision, StoreError>,
    written: ModuleId,
    (module, expected, current): (ModuleId, Revision, Revision),
    what: &str,
) {
    match result {
        Err(StoreError::PreconditionFailed {
            written: w,
            on,
            expected: e,
            current: c,
        }) => assert_eq!(
            (w, on, e, c),
            (written, Guarded::Module(module), expected, current),
            "{what}: precondition details"
        ),
        other => panic!("{what}: expected PreconditionFailed, got {other:?}"),
    }
}

/// A commit carrying preconditions lands only while every named module is
/// at its named revision: one that moved refuses the batch with
/// `PreconditionFailed` and writes nothing — empty batches included. A
/// module never written is at revision zero. The committed module's own
/// revision is checked first (a stale one is a `Conflict`), and a
/// precondition on the committed module itself is judged by its revision
/// before the commit.
pub fn preconditions_guard_the_commit(store: &dyn Store) {
    let guard_at = |revision| [Precondition::new(VIDEO, revision)];
    let change = |value: &str| [set(Scope::Common, "ServerPort", value)];

    // A guard never written is at zero, and the batch lands.
    let port1 = ok(
        store.commit_guarded(
            &VIDEOPORT,
            Revision::ZERO,
            &change("1"),
            &guard_at(Revision::ZERO),
        ),
        "a precondition on a module never written, at zero",
    );
    let video1 = ok(
        store.commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, G5, AccessLevel::W)],
        ),
        "move the guard",
    );
    let port2 = ok(
        store.commit_guarded(&VIDEOPORT, port1, &change("2"), &guard_at(video1)),
        "a precondition that holds",
    );
    let before = ok(store.load(&VIDEOPORT), "load");

    // The guard moves on (a right revoked): a commit naming its old
    // revision is refused, and so is an empty batch.
    let video2 = ok(
        store.commit(
            &VIDEO,
            video1,
            &[Change::RemoveGrant {
                scope: Scope::Common,
                group: G5,
            }],
        ),
        "revoke",
    );
    assert_precondition_failed(
        store.commit_guarded(&VIDEOPORT, port2, &change("3"), &guard_at(video1)),
        VIDEOPORT,
        (VIDEO, video1, video2),
        "a guard that moved",
    );
    assert_precondition_failed(
        store.commit_guarded(&VIDEOPORT, port2, &[], &guard_at(video1)),
        VIDEOPORT,
        (VIDEO, video1, video2),
        "an empty batch with a guard that moved",
    );
    assert_precondition_failed(
        store.commit_guarded(
            &VIDEOPORT,
            port2,
            &change("3"),
            &guard_at(Revision::new(u64::MAX)),
        ),
        VIDEOPORT,
        (VIDEO, Revision::new(u64::MAX), video2),
        "a guard ahead of its revision",
    );
    // Every precondition must hold, not just the first.
    let both = [
        Precondition::new(VIDEO, video2),
        Precondition::new(UNTOUCHED, Revision::new(1)),
    ];
    assert_precondition_failed(
        store.commit_guarded(&VIDEOPORT, port2, &change("3"), &both),
        VIDEOPORT,
        (UNTOUCHED, Revision::new(1), Revision::ZERO),
        "the second of two preconditions",
    );
    // The written module's own stale revision is a conflict, checked first.
    assert!(
        store
            .commit_guarded(&VIDEOPORT, port1, &change("3"), &guard_at(video1))
            .is_err_and(|e| e.is_conflict()),
        "a stale expected revision is a conflict even when a precondition fails too"
    );
    assert_state(
        store,
        &VIDEOPORT,
        port2,
        &before.records,
        "after refused commits",
    );

    // A precondition on the committed module itself is its revision before
    // the commit; with the guard's current revision the batch lands.
    assert_precondition_failed(
        store.commit_guarded(
            &VIDEOPORT,
            port2,
            &change("3"),
            &[Precondition::new(VIDEOPORT, port1)],
        ),
        VIDEOPORT,
        (VIDEOPORT, port1, port2),
        "a precondition on the written module",
    );
    let self_guarded = [
        Precondition::new(VIDEOPORT, port2),
        Precondition::new(VIDEO, video2),
    ];
    let port3 = ok(
        store.commit_guarded(&VIDEOPORT, port2, &change("3"), &self_guarded),
        "preconditions that hold",
    );
    assert_eq_dbg(port3.get(), port2.get() + 1, "one commit, one revision");
    assert_eq_dbg(
        ok(
            store.commit_guarded(&VIDEOPORT, port3, &[], &guard_at(video2)),
            "empty",
        ),
        port3,
        "an empty batch whose preconditions hold returns the current revision",
    );
}

/// A precondition on the user groups ([`Precondition::groups`]) is
/// checked against the store's revision of its groups
/// ([`SiteDirectory::groups_revision`](crate::store::directory::SiteDirectory::groups_revision))
/// where it keeps one: it holds at that revision and fails at any other,
/// writing nothing. A store that keeps none refuses it with
/// `NoGroupRevision` and writes nothing — never ignores it.
pub fn group_preconditions_hold_or_are_refused(store: &dyn Store) {
    let change = [set(Scope::Common, "ServerPort", "1")];
    let before = ok(store.load(&VIDEOPORT), "load");
    let revision = match store.directory() {
        Some(directory) => ok(directory.groups_revision(), "the groups' revision"),
        None => None,
    };
    let Some(groups) = revision else {
        let refused = store.commit_guarded(
            &VIDEOPORT,
            before.revision,
            &change,
            &[Precondition::groups(Revision::ZERO)],
        );
        assert!(
            matches!(refused, Err(StoreError::NoGroupRevision { module }) if module == VIDEOPORT),
            "a groups precondition on a store without a groups revision: {refused:?}"
        );
        assert_state(
            store,
            &VIDEOPORT,
            before.revision,
            &before.records,
            "after a refused groups precondition",
        );
        return;
    };
    let other = Revision::new(groups.get().wrapping_add(1));
    match store.commit_guarded(
        &VIDEOPORT,
        before.revision,
        &change,
        &[Precondition::groups(other)],
    ) {
        Err(StoreError::PreconditionFailed {
            written,
            on: Guarded::Groups,
            expected,
            current,
        }) => assert_eq_dbg(
            (written, expected, current),
            (VIDEOPORT, other, groups),
            "groups precondition details",
        ),
        other => {
            panic!("a groups precondition that moved: expected PreconditionFailed, got {other:?}")
        }
    }
    assert_state(
        store,
        &VIDEOPORT,
        before.revision,
        &before.records,
        "after a groups precondition failed",
    );
    let guards = [
        Precondition::groups(groups),
        Precondition::new(VIDEO, ok(store.revision(&VIDEO), "the guard's revision")),
    ];
    let after = ok(
        store.commit_guarded(&VIDEOPORT, before.revision, &change, &guards),
        "a groups precondition that holds",
    );
    assert_eq_dbg(
        after.get(),
        before.revision.get() + 1,
        "one commit, one revision",
    );
}

/// A guard moved through one handle stops a commit through the other: the
/// precondition is read from the shared data, not from a handle's copy.
pub fn preconditions_see_other_handles(first: &dyn Store, second: &dyn Store) {
    let video1 = ok(
        first.commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, G5, AccessLevel::W)],
        ),
        "grant",
    );
    let port1 = ok(
        second.commit_guarded(
            &VIDEOPORT,
            Revision::ZERO,
            &[set(Scope::Common, "a", "1")],
            &[Precondition::new(VIDEO, video1)],
        ),
        "a precondition set through the other handle",
    );
    let video2 = ok(
        first.commit(
            &VIDEO,
            video1,
            &[Change::RemoveGrant {
                scope: Scope::Common,
                group: G5,
            }],
        ),
        "revoke",
    );
    assert_precondition_failed(
        second.commit_guarded(
            &VIDEOPORT,
            port1,
            &[set(Scope::Common, "a", "2")],
            &[Precondition::new(VIDEO, video1)],
        ),
        VIDEOPORT,
        (VIDEO, video1, video2),
        "a guard moved through the other handle",
    );
    assert_eq_dbg(
        ok(first.load(&VIDEOPORT), "load")
            .records
            .option(Scope::Common, "a")
            .map(str::to_owned),
        Some("1".to_owned()),
        "nothing was written",
    );
}

/// A failed batch changes nothing: a stale one, and, where the backend can
/// be made to fail half-way (`breaker`), one that fails at its last change.
pub fn failed_batch_changes_nothing(store: &dyn Store, breaker: Option<&dyn Fn(&ModuleId)>) {
    let rev1 = ok(store.commit(&VIDEO, Revision::ZERO, &every_kind()), "setup");
    ok(
        store.commit(&VIDEOPORT, Revision::ZERO, &[set(Scope::Common, "x", "1")]),
        "setup",
    );
    let before = ok(store.load(&VIDEO), "load");
    let bystander = ok(store.load(&VIDEOPORT), "load");
    // Changes of every kind, ending with a grant to a group that had none:
    // the breaker refuses exactly that one.
    let batch = vec![
        set(Scope::Common, "ServerHost", "changed"),
        set(S1, "new", "new"),
        Change::RemoveOption {
            scope: S2,
            name: name("window_main"),
        },
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        Change::RemoveDefault { scope: S1 },
        Change::RemoveGrant {
            scope: S2,
            group: G5,
        },
        grant(Scope::Common, G6, AccessLevel::W),
        grant(S1, GroupId::from_static(99), AccessLevel::W),
    ];
    assert!(
        store
            .commit(&VIDEO, Revision::ZERO, &batch)
            .is_err_and(|e| e.is_conflict()),
        "a stale batch must conflict"
    );
    assert_state(store, &VIDEO, rev1, &before.records, "after a stale batch");

    if let Some(breaker) = breaker {
        breaker(&VIDEO);
        match store.commit(&VIDEO, rev1, &batch) {
            Ok(revision) => panic!("the broken commit succeeded (revision {revision})"),
            Err(err) => assert!(
                !err.is_conflict(),
                "a broken commit is not a conflict: {err}"
            ),
        }
        assert_state(
            store,
            &VIDEO,
            rev1,
            &before.records,
            "after a batch that failed half-way",
        );
    }
    assert_state(
        store,
        &VIDEOPORT,
        bystander.revision,
        &bystander.records,
        "another module",
    );
}

/// Removing records that are absent does nothing to the records (the batch
/// still moves the revision).
pub fn removing_absent_is_a_noop(store: &dyn Store) {
    let removals = [
        Change::RemoveOption {
            scope: Scope::Common,
            name: name("missing"),
        },
        Change::RemoveDefault { scope: S1 },
        Change::RemoveGrant {
            scope: S2,
            group: G5,
        },
    ];
    let rev1 = ok(
        store.commit(&VIDEO, Revision::ZERO, &removals),
        "removals on nothing",
    );
    assert_state(
        store,
        &VIDEO,
        rev1,
        &ModuleRecords::new(),
        "after removing from nothing",
    );

    let setup = [
        set(Scope::Common, "kept", "v"),
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        },
        grant(Scope::Common, G5, AccessLevel::R),
    ];
    let rev2 = ok(store.commit(&VIDEO, rev1, &setup), "setup");
    let expected = model(&ModuleRecords::new(), &setup);
    // Same names in other scopes, and a removal of something removed twice.
    let elsewhere = [
        Change::RemoveOption {
            scope: S1,
            name: name("kept"),
        },
        Change::RemoveDefault { scope: S2 },
        Change::RemoveGrant {
            scope: S1,
            group: G5,
        },
        Change::RemoveGrant {
            scope: Scope::Common,
            group: G6,
        },
    ];
    let rev3 = ok(store.commit(&VIDEO, rev2, &elsewhere), "removals elsewhere");
    assert_state(
        store,
        &VIDEO,
        rev3,
        &expected,
        "after removing absent records",
    );
}

/// Unicode and 100-character option names, odd characters, empty and
/// 1 MiB values, long site ids and the largest group id survive a round
/// trip; so does a value holding U+0000, unless the backend says it refuses
/// one (`nul`), and then such a value fails to commit and writes nothing.
pub fn unicode_long_names_and_large_values(store: &dyn Store, nul: Nul) {
    let long_site = Scope::Site(match SiteId::new(&"s".repeat(32)) {
        Ok(site) => site,
        Err(err) => panic!("{err}"),
    });
    let large: String = "Большое значение 🎥 \"quoted\" \\ \t\n"
        .chars()
        .cycle()
        .scan(0usize, |bytes, c| {
            *bytes += c.len_utf8();
            (*bytes <= 1 << 20).then_some(c)
        })
        .collect();
    assert!(
        large.len() > (1 << 20) - 8,
        "the large value is about 1 MiB"
    );
    let zero = set(S1, "zero", "before\u{0}after");
    if nul == Nul::Refused {
        let err = match store.commit(&VIDEO, Revision::ZERO, std::slice::from_ref(&zero)) {
            Ok(revision) => panic!("a value holding U+0000 was stored (revision {revision})"),
            Err(err) => err,
        };
        assert!(
            !err.is_conflict(),
            "a refused value is not a conflict: {err}"
        );
        assert_state(
            store,
            &VIDEO,
            Revision::ZERO,
            &ModuleRecords::new(),
            "after a refused value",
        );
    }
    let mut batch = vec![
        set(Scope::Common, "Адрес сервера", "видео.пример.рф"),
        set(Scope::Common, "名前", "値"),
        set(Scope::Common, "emoji 🎥 name", "🎥"),
        set(
            Scope::Common,
            "with \"quotes\", a\\b, a.b/c and spaces",
            "x",
        ),
        set(Scope::Common, &"я".repeat(100), "a 100-character name"),
        set(Scope::Common, &"n".repeat(100), ""),
        set(S1, "large", &large),
        set(long_site, "site", "long site id"),
        grant(long_site, GroupId::from_static(u32::MAX), AccessLevel::M),
        Change::SetDefault {
            scope: long_site,
            level: AccessLevel::W,
        },
    ];
    if nul == Nul::Stored {
        batch.push(zero);
    }
    let revision = ok(store.commit(&VIDEO, Revision::ZERO, &batch), "commit");
    let expected = model(&ModuleRecords::new(), &batch);
    assert_state(
        store,
        &VIDEO,
        revision,
        &expected,
        "unicode, long and large",
    );
    assert_eq!(
        ok(store.load(&VIDEO), "load")
            .records
            .option(S1, "large")
            .map(str::len),
        Some(large.len()),
        "the large value keeps its length"
    );
}

/// `modules()` lists, sorted and once each, every module written, also
/// one whose records were all removed; case in a module id does not make
/// a second module.
pub fn modules_lists_what_was_written(store: &dyn Store) {
    let ids = ["videoport", "b24connector", "a.b_c", "Video"];
    for id in ids {
        let module = match ModuleId::new(id) {
            Ok(module) => module,
            Err(err) => panic!("{err}"),
        };
        ok(
            store.commit(&module, Revision::ZERO, &[set(Scope::Common, "x", "1")]),
            "commit",
        );
    }
    let video = ModuleId::from_static("VIDEO");
    ok(
        store.commit(
            &video,
            Revision::new(1),
            &[Change::RemoveOption {
                scope: Scope::Common,
                name: name("x"),
            }],
        ),
        "emptying a module",
    );
    let listed: Vec<String> = ok(store.modules(), "modules")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq_dbg(
        listed,
        vec![
            "a.b_c".into(),
            "b24connector".into(),
            "video".into(),
            "videoport".into(),
        ],
        "modules()",
    );
}

/// Two threads each commit `ROUNDS` increments of one counter, retrying
/// on conflict, through two handles on the same data: all `2 × ROUNDS`
/// land, in `2 × ROUNDS` revisions, and no update is lost.
pub fn racing_writers_lose_no_update(first: &dyn Store, second: &dyn Store) {
    const ROUNDS: u64 = 25;
    let counter = "counter";
    let work = |store: &dyn Store, me: &'static str| {
        let mut conflicts = 0u64;
        for _ in 0..ROUNDS {
            loop {
                let snapshot = ok(store.load(&VIDEO), "load");
                let read = |option: &str| -> u64 {
                    snapshot
                        .records
                        .option(Scope::Common, option)
                        .map_or(0, |v| {
                            v.parse()
                                .unwrap_or_else(|_| panic!("{option} holds {v:?}, not a count"))
                        })
                };
                let batch = [
                    set(Scope::Common, counter, &(read(counter) + 1).to_string()),
                    set(Scope::Common, me, &(read(me) + 1).to_string()),
                ];
                match store.commit(&VIDEO, snapshot.revision, &batch) {
                    Ok(_) => break,
                    Err(err) if err.is_conflict() => conflicts += 1,
                    Err(err) => panic!("writer {me}: {err}"),
                }
            }
        }
        conflicts
    };
    thread::scope(|scope| {
        let a = scope.spawn(|| work(first, "writer_a"));
        let b = scope.spawn(|| work(second, "writer_b"));
        for handle in [a, b] {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    for store in [first, second] {
        let snapshot = ok(store.load(&VIDEO), "load");
        let value = |option: &str| {
            snapshot
                .records
                .option(Scope::Common, option)
                .map(str::to_owned)
        };
        assert_eq!(
            snapshot.revision,
            Revision::new(2 * ROUNDS),
            "one revision per commit"
        );
        assert_eq!(
            value(counter),
            Some((2 * ROUNDS).to_string()),
            "no increment lost"
        );
        assert_eq!(value("writer_a"), Some(ROUNDS.to_string()), "writer a");
        assert_eq!(value("writer_b"), Some(ROUNDS.to_string()), "writer b");
    }
}

/// What a change feed said, kept apart from the listener so that it can
/// be read after the listener is dropped.
type Heard = std::sync::Arc<std::sync::Mutex<Vec<ModuleId>>>;

/// Records what a change feed says.
struct Recorder(Heard);

impl ChangeListener for Recorder {
    fn changed(&self, module: &ModuleId) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(*module);
    }
    fn missed(&self) {}
}

/// A store whose `watch` says it has a change feed tells the listener of
/// every commit made through either handle — at least once each (a feed
/// may tell one commit again, as the PostgreSQL store's listener does when
/// the server's notification arrives), after the commit is visible (a load
/// from the listener's side sees it) — and of nothing else: not an empty
/// batch, not a refused commit. A store without a feed tells nothing.
pub fn change_feed_reports_commits(first: &dyn Store, second: &dyn Store) {
    let log = Heard::default();
    let listener: std::sync::Arc<dyn ChangeListener> =
        std::sync::Arc::new(Recorder(std::sync::Arc::clone(&log)));
    let has_feed = first.watch(std::sync::Arc::downgrade(&listener));
    let heard = || {
        log.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    };
    // What was told, each module once, in the order first told.
    let told = || {
        let mut told = heard();
        let mut seen = Vec::new();
        told.retain(|module| {
            let new = !seen.contains(module);
            seen.push(*module);
            new
        });
        told
    };

    let video = ok(
        second.commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, G5, AccessLevel::R)],
        ),
        "commit through the second handle",
    );
    ok(
        first.commit(&VIDEOPORT, Revision::ZERO, &[set(Scope::Common, "a", "1")]),
        "commit through the first handle",
    );
    ok(second.commit(&VIDEO, video, &[]), "empty batch");
    assert!(
        second
            .commit(&VIDEO, Revision::ZERO, &[set(Scope::Common, "b", "1")])
            .is_err(),
        "a stale commit is refused"
    );
    let expected = if has_feed {
        vec![VIDEO, VIDEOPORT]
    } else {
        vec![]
    };
    assert_eq_dbg(told(), expected, "what the feed told");
    if has_feed {
        // Told after the commit is visible: what the listener then loads
        // holds it.
        assert_eq_dbg(
            ok(first.revision(&VIDEO), "revision"),
            video,
            "the change is visible to the listener's side",
        );
    }
    let before_drop = heard().len();
    drop(listener);
    ok(
        second.commit(&VIDEO, video, &[grant(Scope::Common, G6, AccessLevel::R)]),
        "commit after the listener was dropped",
    );
    assert_eq_dbg(
        heard().len(),
        before_drop,
        "a dropped listener is not called",
    );
}

/// What one handle commits, the other loads; a write based on what one
/// handle saw conflicts after the other moved on.
pub fn handles_share_state(first: &dyn Store, second: &dyn Store) {
    let rev1 = ok(
        first.commit(&VIDEO, Revision::ZERO, &[grant(S1, G5, AccessLevel::R)]),
        "first",
    );
    assert_eq_dbg(
        ok(second.revision(&VIDEO), "revision"),
        rev1,
        "the second handle sees the revision",
    );
    assert_eq_dbg(
        ok(second.load(&VIDEO), "load").records.grant(S1, G5),
        Some(AccessLevel::R),
        "the second handle sees the grant",
    );
    let rev2 = ok(
        second.commit(&VIDEO, rev1, &[grant(S1, G5, AccessLevel::W)]),
        "second",
    );
    assert!(
        first
            .commit(&VIDEO, rev1, &[grant(S1, G5, AccessLevel::D)])
            .is_err_and(|e| e.is_conflict()),
        "the first handle's stale write must conflict"
    );
    assert_eq_dbg(ok(first.modules(), "modules"), vec![VIDEO], "modules()");
    assert_eq_dbg(
        ok(first.load(&VIDEO), "load").revision,
        rev2,
        "the first handle sees the new revision",
    );
}

/// After `corrupter` damages a module's stored records, loading it fails
/// with `Corrupt` naming that module, and other modules still load. A
/// backend with nothing to corrupt (`None`) must keep loading what it
/// stored.
pub fn corrupt_records_are_reported(store: &dyn Store, corrupter: Option<&dyn Fn(&ModuleId)>) {
    let batch = every_kind();
    let rev = ok(store.commit(&VIDEO, Revision::ZERO, &batch), "setup");
    let other = ok(store.commit(&VIDEOPORT, Revision::ZERO, &batch), "setup");
    let expected = model(&ModuleRecords::new(), &batch);
    match corrupter {
        Some(corrupt) => {
            corrupt(&VIDEO);
            match store.load(&VIDEO) {
                Err(StoreError::Corrupt {
                    module,
                    ref record,
                    ref reason,
                    ..
                }) => {
                    assert_eq!(
                        module,
                        Some(VIDEO),
                        "Corrupt names the module ({record}: {reason})"
                    );
                    assert!(
                        !record.is_empty() && !reason.is_empty(),
                        "Corrupt says where and why"
                    );
                }
                other => panic!("loading a corrupted module must fail with Corrupt, got {other:?}"),
            }
        }
        None => assert_state(store, &VIDEO, rev, &expected, "nothing to corrupt"),
    }
    assert_state(store, &VIDEOPORT, other, &expected, "an undamaged module");
}
