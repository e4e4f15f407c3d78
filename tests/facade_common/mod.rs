//! Fixtures shared by the facade tests: actors, a store wrapper that can
//! fail or meddle on demand, and a way to capture a store's whole state.
#![allow(dead_code)] // each test file uses a different part

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::options::{
    Decoder, Encoder, FieldProblem, ModuleOptions, OptionKind, OptionSpec, RawOptions,
    ValidationErrors,
};
use module_settings::settings::{Actor, Settings, SettingsError};
use module_settings::store::directory::LogQuery;
use module_settings::store::Precondition;
use module_settings::store::{Change, Revision, Snapshot};
use module_settings::{
    AccessLevel, GroupId, Label, MemoryStore, ModuleId, OptionName, Scope, SiteId, Store,
    StoreError, UserId,
};

pub const VIDEO: ModuleId = ModuleId::from_static("video");
pub const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");
pub const B24: ModuleId = ModuleId::from_static("b24connector");
pub const S1: SiteId = SiteId::from_static("s1");
pub const S2: SiteId = SiteId::from_static("s2");

pub fn g(id: u32) -> GroupId {
    GroupId::new(id).expect("non-zero")
}

pub fn admin() -> Actor {
    Actor::new([GroupId::ADMINISTRATORS, GroupId::EVERYONE])
        .with_user_id(UserId::from_static(1))
        .with_name("admin")
}

/// An actor in group 2 and `group`.
pub fn member(group: u32) -> Actor {
    Actor::new([GroupId::EVERYONE, g(group)]).with_user_id(UserId::new(group * 100).unwrap())
}

/// Gives `group` `level` in the common scope of `module`, as the admin.
pub fn grant<S: Store>(settings: &Settings<S>, module: ModuleId, group: u32, level: AccessLevel) {
    let mut tab = settings.access_tab(module).expect("tab");
    tab.set_grant(Scope::Common, g(group), level)
        .expect("level accepted");
    settings
        .apply_access_tab(&admin(), tab)
        .expect("admin may write");
}

/// `writer` sets `videoport`'s port to 8001 on the current revision: the
/// save the revocation tests race against a revoking write.
pub fn save_port<S: Store>(
    settings: &Settings<S>,
    writer: &Actor,
) -> Result<Revision, SettingsError> {
    let revision = settings.revision(VIDEOPORT)?;
    settings.set_option(
        writer,
        VIDEOPORT,
        Scope::Common,
        "ServerPort",
        "8001",
        revision,
    )
}

/// The revoked writer's save was denied (it held D on `video` by then),
/// and nothing was ever written to `videoport`.
#[track_caller]
pub fn assert_denied_and_nothing_written<S: Store>(
    result: Result<Revision, SettingsError>,
    settings: &Settings<S>,
) {
    match result {
        Err(SettingsError::Denied { module, held, .. }) => {
            assert_eq!((module, held), (VIDEO, AccessLevel::D));
        }
        other => panic!("the revoked writer's save must be denied, got {other:?}"),
    }
    let stored = settings.store().load(&VIDEOPORT).unwrap();
    assert_eq!(
        (stored.revision, stored.records.is_empty()),
        (Revision::ZERO, true),
        "nothing was written"
    );
}

/// Every module's snapshot, to prove a refused write changed nothing.
pub fn everything(store: &dyn Store) -> Vec<(ModuleId, Snapshot)> {
    [VIDEO, VIDEOPORT, B24]
        .into_iter()
        .map(|m| (m, store.load(&m).expect("load")))
        .collect()
}

pub fn name(text: &'static str) -> OptionName {
    OptionName::from_static(text)
}

/// A [`MemoryStore`] that can be switched off (every call fails with
/// `Unavailable`), and that can "meddle": before each of the next `n`
/// commits, another writer commits an unrelated option first.
#[derive(Debug, Default)]
pub struct Flaky {
    pub inner: MemoryStore,
    down: AtomicBool,
    meddle: AtomicU32,
}

impl Flaky {
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn meddle(&self, commits: u32) {
        self.meddle.store(commits, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), Box<StoreError>> {
        if self.down.load(Ordering::SeqCst) {
            Err(Box::new(StoreError::Unavailable {
                backend: "flaky",
                reason: "switched off by the test".into(),
            }))
        } else {
            Ok(())
        }
    }
}

impl Store for Flaky {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.check().map_err(|e| *e)?;
        self.inner.load(module)
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.check().map_err(|e| *e)?;
        self.inner.revision(module)
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        self.check().map_err(|e| *e)?;
        let left = self.meddle.load(Ordering::SeqCst);
        if left > 0 {
            self.meddle.store(left - 1, Ordering::SeqCst);
            let now = self.inner.revision(module)?;
            let other = Change::SetOption {
                scope: Scope::Site(SiteId::from_static("elsewhere")),
                name: name("meddled"),
                value: left.to_string(),
            };
            self.inner.commit(module, now, &[other])?;
        }
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.check().map_err(|e| *e)?;
        self.inner.modules()
    }
}

/// A [`MemoryStore`] that lets a test slip foreign commits in just before
/// the facade's next commit of one module: a deterministic interleaving of
/// "someone else wrote between the facade's check and its commit".
#[derive(Debug, Default)]
pub struct Interpose {
    pub inner: MemoryStore,
    /// (the module whose next commit triggers it, what to commit first).
    pending: std::sync::Mutex<Option<(ModuleId, Foreign)>>,
}

/// Batches to commit, each to its module.
pub type Foreign = Vec<(ModuleId, Vec<Change>)>;

impl Interpose {
    /// Before the next commit to `trigger`, commits each batch to its
    /// module.
    pub fn before_next_commit(&self, trigger: ModuleId, foreign: Foreign) {
        *self.pending.lock().expect("not poisoned") = Some((trigger, foreign));
    }
}

impl Store for Interpose {
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
        let due = {
            let mut pending = self.pending.lock().expect("not poisoned");
            match &*pending {
                Some((trigger, _)) if trigger == module => pending.take(),
                _ => None,
            }
        };
        for (other, batch) in due.map(|(_, batches)| batches).unwrap_or_default() {
            let now = self.inner.revision(&other)?;
            self.inner.commit(&other, now, &batch)?;
        }
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.inner.modules()
    }
}

/// A store whose whole contents can be swapped, like a restored backup or
/// a deleted module file: a module's revision can go down.
#[derive(Debug, Default)]
pub struct Restorable {
    inner: std::sync::RwLock<MemoryStore>,
}

impl Restorable {
    /// Replaces everything with `backup`.
    pub fn restore(&self, backup: MemoryStore) {
        *self.inner.write().expect("not poisoned") = backup;
    }

    fn current(&self) -> std::sync::RwLockReadGuard<'_, MemoryStore> {
        self.inner.read().expect("not poisoned")
    }
}

impl Store for Restorable {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.current().load(module)
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.current().revision(module)
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        self.current()
            .commit_guarded(module, expected, changes, preconditions)
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.current().modules()
    }
}

/// A [`MemoryStore`] whose reads (`load`, `revision`) can be made to fail,
/// or to hang until the test releases them; it counts the reads.
#[derive(Debug, Default)]
pub struct Gate {
    pub inner: MemoryStore,
    fail: AtomicBool,
    hang: AtomicBool,
    reads: std::sync::atomic::AtomicUsize,
    /// (how many reads are hanging now, whether they were released)
    parked: std::sync::Mutex<(usize, bool)>,
    changed: std::sync::Condvar,
}

impl Gate {
    /// Reads fail with `Unavailable` from now on (or succeed again).
    pub fn set_failing(&self, on: bool) {
        self.fail.store(on, Ordering::SeqCst);
    }

    /// Reads from now on hang until [`release`](Self::release).
    pub fn hang(&self) {
        *self.parked.lock().expect("not poisoned") = (0, false);
        self.hang.store(true, Ordering::SeqCst);
    }

    /// Waits until `n` reads are hanging.
    pub fn wait_hanging(&self, n: usize) {
        let mut parked = self.parked.lock().expect("not poisoned");
        while parked.0 < n {
            parked = self.changed.wait(parked).expect("not poisoned");
        }
    }

    /// Lets the hanging reads go on (failing or not, as set); later reads
    /// do not hang.
    pub fn release(&self) {
        self.hang.store(false, Ordering::SeqCst);
        self.parked.lock().expect("not poisoned").1 = true;
        self.changed.notify_all();
    }

    /// How many reads reached the store so far.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    fn gate(&self) -> Result<(), Box<StoreError>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            let mut parked = self.parked.lock().expect("not poisoned");
            parked.0 += 1;
            self.changed.notify_all();
            while !parked.1 {
                parked = self.changed.wait(parked).expect("not poisoned");
            }
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(Box::new(StoreError::Unavailable {
                backend: "gate",
                reason: "failing on purpose".into(),
            }));
        }
        Ok(())
    }
}

impl Store for Gate {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.gate().map_err(|e| *e)?;
        self.inner.load(module)
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.gate().map_err(|e| *e)?;
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
}

/// Runs `f` on its own thread and returns its result, or `None` if it has
/// not returned after `limit`. A hang detector for calls that must not
/// wait for a hung store — not a speed test: the limit is many orders of
/// magnitude above the call's cost.
pub fn returns_within<T: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    receiver.recv_timeout(limit).ok()
}

pub const LEFT: OptionSpec = OptionSpec::new(
    "left",
    OptionKind::Text { max_chars: 20 },
    Label::new("Слева", "Left"),
);
pub const RIGHT: OptionSpec = OptionSpec::new(
    "right",
    OptionKind::Text { max_chars: 20 },
    Label::new("Справа", "Right"),
);

/// A module with a rule across fields: `left` and `right` are never both
/// set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneSide {
    /// Set only while `right` is empty.
    pub left: String,
    /// Set only while `left` is empty.
    pub right: String,
}

impl ModuleOptions for OneSide {
    const MODULE: ModuleId = ModuleId::from_static("oneside");
    const TITLE: Label = Label::new("Одна сторона", "One side");
    const LEVELS: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
        LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
    ]);
    const OPTIONS: &'static [OptionSpec] = &[LEFT, RIGHT];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let left = d.text(&LEFT);
        let right = d.text(&RIGHT);
        if !left.is_empty() && !right.is_empty() {
            d.reject(
                &RIGHT,
                FieldProblem::Custom {
                    expected: "no value while left is set".into(),
                },
            );
        }
        d.finish(OneSide { left, right })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.text(&LEFT, &self.left);
        e.text(&RIGHT, &self.right);
        e.finish()
    }
}

/// A [`MemoryStore`] without a change feed: a facade on it learns of
/// another writer only when its staleness bound runs out, or when told
/// with `invalidate`. Clones share the data.
#[derive(Debug, Clone, Default)]
pub struct NoFeed(pub MemoryStore);

impl Store for NoFeed {
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
            .commit_guarded(module, expected, changes, preconditions)
    }
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.0.modules()
    }
}

/// Where a [`Counting`] store's change feed comes from.
#[derive(Debug, Clone)]
pub enum FeedOf {
    /// The wrapped store's own feed (if it has one).
    Inner,
    /// None: the facade over it only polls.
    Nothing,
    /// A feed the test drives by hand.
    Driven(module_settings::store::ChangeFeed),
}

/// A store around `S` that counts the `revision` and `load` calls a facade
/// makes, can fail its reads on demand, and takes its change feed from
/// where [`FeedOf`] says. Clones share the counters.
#[derive(Debug, Clone)]
pub struct Counting<S> {
    pub inner: S,
    pub feed: FeedOf,
    revisions: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    loads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    failing: std::sync::Arc<AtomicBool>,
}

impl<S: Store> Counting<S> {
    pub fn new(inner: S, feed: FeedOf) -> Self {
        Counting {
            inner,
            feed,
            revisions: Default::default(),
            loads: Default::default(),
            failing: Default::default(),
        }
    }

    /// (revision calls, load calls) so far.
    pub fn calls(&self) -> (usize, usize) {
        (
            self.revisions.load(Ordering::SeqCst),
            self.loads.load(Ordering::SeqCst),
        )
    }

    /// Reads fail with `Unavailable` from now on (or succeed again).
    pub fn set_failing(&self, on: bool) {
        self.failing.store(on, Ordering::SeqCst);
    }

    fn failure(&self) -> Option<StoreError> {
        self.failing
            .load(Ordering::SeqCst)
            .then(|| StoreError::Unavailable {
                backend: "counting",
                reason: "failing on purpose".into(),
            })
    }
}

/// The `Store` methods a wrapping test store hands to its `inner` store
/// unchanged: the module list, the site directory and the event log.
macro_rules! forward_listings_to_inner {
    () => {
        fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
            self.inner.modules()
        }
        fn directory(&self) -> Option<&dyn module_settings::store::directory::SiteDirectory> {
            self.inner.directory()
        }
        fn event_log(&self) -> Option<&dyn module_settings::store::directory::EventLog> {
            self.inner.event_log()
        }
    };
}

impl<S: Store> Store for Counting<S> {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        match self.failure() {
            Some(err) => Err(err),
            None => self.inner.load(module),
        }
    }
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.revisions.fetch_add(1, Ordering::SeqCst);
        match self.failure() {
            Some(err) => Err(err),
            None => self.inner.revision(module),
        }
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
    forward_listings_to_inner!();
    fn commit_logged(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        log: &[module_settings::store::directory::LogEntry],
    ) -> Result<Revision, StoreError> {
        self.inner
            .commit_logged(module, expected, changes, preconditions, log)
    }
    fn watch(&self, listener: std::sync::Weak<dyn module_settings::store::ChangeListener>) -> bool {
        match &self.feed {
            FeedOf::Inner => self.inner.watch(listener),
            FeedOf::Nothing => false,
            FeedOf::Driven(feed) => {
                feed.subscribe(listener);
                true
            }
        }
    }
}

/// Long enough that only the feed can explain a change seen in time.
const SITE_BOUND: Duration = Duration::from_secs(60);
/// How long the feeds may take: PostgreSQL's notifications and MySQL's
/// poll every 100 ms.
const SITE_FEED: Duration = Duration::from_secs(3);

/// Waits until `done` holds, at most [`SITE_FEED`]; whether it did.
pub fn within_the_feed(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + SITE_FEED;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

/// On `store` over a database with the site's rows (group 5 off, 6 on)
/// and `exec` to write to it as another program: group 6's W stops and
/// group 5's starts counting once `b_group` says so; and user 1's write is
/// logged with the user's id.
pub fn groups_follow_b_group_and_writes_are_logged<S: Store>(store: S, exec: &dyn Fn(&str)) {
    exec("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (1, 1)");
    assert!(
        store.directory().unwrap().reports_group_changes(),
        "b_group was there when the store connected: its trigger reports changes"
    );
    let settings = Settings::builder(store)
        .staleness(SITE_BOUND)
        .build()
        .unwrap();
    let can = |group| settings.can(VIDEO, &[g(group)], Scope::Common, AccessLevel::W);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    grant(&settings, VIDEO, 6, AccessLevel::W);
    assert!(can(6) && !can(5));

    exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6");
    exec("UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 5");
    assert!(
        within_the_feed(|| !can(6) && can(5)),
        "the feed's report of b_group was not followed"
    );

    let admin = settings.actor_for_user(UserId::from_static(1)).unwrap();
    let revision = settings.revision(VIDEOPORT).unwrap();
    settings
        .set_option(
            &admin,
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "8001",
            revision,
        )
        .unwrap();
    let log = settings.store().event_log().unwrap();
    let entries = log.read(&LogQuery::new()).unwrap();
    let texts: Vec<(&str, Option<UserId>)> = entries
        .iter()
        .map(|e| (e.description(), e.user_id()))
        .collect();
    assert_eq!(
        texts,
        [
            (
                "videoport: ServerPort () => (\"8001\")",
                Some(UserId::from_static(1))
            ),
            // `grant` acts as the administrator, user 1 too.
            ("video: () => (W)", Some(UserId::from_static(1))),
            ("video: () => (W)", Some(UserId::from_static(1))),
        ]
    );
    assert_eq!(entries[1].item_id(), "6");
    assert_eq!(entries[2].item_id(), "5");
}

/// On `store`, connected before `setup` made `b_group` (so no trigger
/// reports its changes — `reports_group_changes` is false): the facade
/// still follows `b_group`, and a group switched off there stops counting
/// within the staleness bound even while the store's feed keeps catching
/// up (it must not vouch for groups it does not watch).
pub fn groups_the_feed_does_not_watch_are_reread_within_the_bound<S: Store>(
    store: S,
    setup: &dyn Fn(),
    exec: &dyn Fn(&str),
) {
    setup();
    assert!(!store.directory().unwrap().reports_group_changes());
    let bound = Duration::from_millis(300);
    let settings = Settings::builder(store).staleness(bound).build().unwrap();
    grant(&settings, VIDEO, 6, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
    exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6");
    let deadline = Instant::now() + bound * 3;
    while settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W) {
        assert!(
            Instant::now() < deadline,
            "group 6 still counts {:?} after b_group switched it off",
            bound * 3
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A store that runs a hook once, just before its next commit lands: a
/// deterministic "another program changed something between the facade's
/// check and its commit".
pub struct BeforeNextCommit<'h, S> {
    pub inner: S,
    hook: std::sync::Mutex<Option<&'h (dyn Fn() + Sync)>>,
}

impl<'h, S: Store> BeforeNextCommit<'h, S> {
    pub fn new(inner: S) -> Self {
        BeforeNextCommit {
            inner,
            hook: std::sync::Mutex::new(None),
        }
    }

    /// Runs `hook` before the next commit (once).
    pub fn arm(&self, hook: &'h (dyn Fn() + Sync)) {
        *self.hook.lock().unwrap() = Some(hook);
    }

    fn fire(&self) {
        let hook = self.hook.lock().unwrap().take();
        if let Some(hook) = hook {
            hook();
        }
    }
}

impl<S: Store> std::fmt::Debug for BeforeNextCommit<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BeforeNextCommit")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Store for BeforeNextCommit<'_, S> {
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
        self.fire();
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }
    forward_listings_to_inner!();
    fn commit_logged(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        log: &[module_settings::store::directory::LogEntry],
    ) -> Result<Revision, StoreError> {
        self.fire();
        self.inner
            .commit_logged(module, expected, changes, preconditions, log)
    }
    fn watch(&self, listener: std::sync::Weak<dyn module_settings::store::ChangeListener>) -> bool {
        self.inner.watch(listener)
    }
}

/// On `store` over a database with the site's rows (group 6 on) and `exec`
/// to write to it as another program: a member of group 6, whose W on
/// `video` comes from that group alone, saves VideoPort's port; between
/// the facade's check and its commit, Bitrix switches group 6 off. The
/// commit carries the groups' revision, so the store refuses it; the
/// facade reads the groups again, checks again, and denies: nothing is
/// written. Without the groups in the commit's precondition the save
/// would land after its writer's right was gone.
pub fn a_group_switched_off_before_the_commit_stops_the_write<S: Store>(
    store: S,
    exec: &(dyn Fn(&str) + Sync),
) {
    let store = BeforeNextCommit::new(store);
    assert!(
        store
            .directory()
            .unwrap()
            .groups_revision()
            .unwrap()
            .is_some(),
        "b_group was there when the store connected: its triggers keep a revision"
    );
    // A bound long enough that only the commit's precondition can explain
    // a denial.
    let settings = Settings::builder(store)
        .staleness(SITE_BOUND)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 6, AccessLevel::W);
    let writer = member(6);
    assert!(settings.can(VIDEO, &writer, Scope::Common, AccessLevel::W));
    let switch_off = || exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6");
    settings.store().arm(&switch_off);
    assert_denied_and_nothing_written(save_port(&settings, &writer), &settings);
    assert!(!settings.can(VIDEO, &writer, Scope::Common, AccessLevel::W));
}
