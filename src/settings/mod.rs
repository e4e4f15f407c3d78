//! The facade: [`Settings`] — cached typed reads, access checks,
//! actor-checked writes, change events and audit records over any
//! [`Store`].
//!
//! The layers below stay pure; this is the one place that caches, checks
//! the acting user's right, emits events, writes audit records and reads a
//! clock.
//!
//! - **Reads**: [`Settings::options`] gives a module's decoded, validated
//!   options for a scope as an [`OptionsRef<T>`] (a look into the cached
//!   snapshot that dereferences to `T`); [`Settings::check`] (with
//!   [`can`](Settings::can) and [`require`](Settings::require)) answers
//!   "what may these groups do in this module", with the reason. On a
//!   cache hit neither takes a lock a writer holds during a commit, and
//!   neither allocates.
//! - **Groups**: a [`GroupDirectory`] given to [`SettingsBuilder::groups`],
//!   or replaced at runtime with [`Settings::set_groups`], is folded into
//!   every module's compiled rights: groups it switches off count for
//!   nothing in checks and in the right of a write's actor, from the next
//!   check on, at no cost to it.
//! - **Admin reads** take an [`Actor`] and leave out what it may not see
//!   (see [Field levels](#field-levels)): [`Settings::show`],
//!   [`Settings::schema_for`], [`Settings::edit_for`].
//! - **Writes** name an [`Actor`] and need levels on the module that
//!   guards what they change — W for the Access tab, the edit level of
//!   each option for options (W unless the module lowers it):
//!   [`Settings::edit_for`] + [`Settings::save`] for
//!   a settings form, [`Settings::save_raw`], [`Settings::set_option`],
//!   [`Settings::reset_option`], [`Settings::access_tab`] +
//!   [`Settings::apply_access_tab`] for the Access tab, and
//!   [`Settings::operate`] for a module's operations — the only write of
//!   its [operation-only](crate::options::OptionSpec::operation_only)
//!   options ([`SettingsError::OperationOnly`] for a form or a reset of
//!   one), such as the Bitrix24 connection, which
//!   [`Settings::connect_b24`] / [`Settings::disconnect_b24`] write in the
//!   common scope.
//!   A denied write changes nothing and says which level was needed and
//!   which held (and, for options, which options).
//! - A write of a **secret** reveals nothing about the stored or inherited
//!   value: it is always committed (a new revision, one event) as the
//!   written scope's own value — even when the scope already holds or
//!   inherits that text — and others' change to it since the caller's
//!   revision is always a conflict, whatever value they wrote.
//! - Every committed write emits exactly one [`SettingsEvent`]
//!   ([`Settings::subscribe`], [`Settings::on_change`]) and one
//!   [`AuditRecord`] per changed record to the [`AuditSink`], if any.
//!
//! # Examples
//!
//! ```
//! use module_settings::modules::VideoPort;
//! use module_settings::settings::{Actor, Settings};
//! use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = Settings::in_memory();
//! let admin = Actor::new([GroupId::ADMINISTRATORS]).with_name("admin");
//! let editors = GroupId::from_static(5);
//! let video = ModuleId::from_static("video");
//!
//! // The Access tab of the video module: default R, editors W.
//! let mut tab = settings.access_tab(video)?;
//! tab.set_default(Scope::Common, AccessLevel::R)?;
//! tab.set_grant(Scope::Common, editors, AccessLevel::W)?;
//! settings.apply_access_tab(&admin, tab)?;
//!
//! // An editor configures the video server.
//! let editor = Actor::new([GroupId::EVERYONE, editors]);
//! let mut form = settings.edit::<VideoPort>(Scope::Common)?;
//! form.value_mut().server_host = Some(url::Host::parse("video.example.com")?);
//! settings.save(&editor, form)?;
//!
//! // Cached reads and checks.
//! let video_port = settings.options::<VideoPort>(Scope::Common)?;
//! assert!(video_port.is_ready());
//! let decision = settings.check(video, &[GroupId::EVERYONE], Scope::Common)?;
//! assert_eq!(decision.to_string(), "R: default of the common scope");
//!
//! // Everyone else may look, not save.
//! let reader = Actor::new([GroupId::EVERYONE]);
//! let form = settings.edit::<VideoPort>(Scope::Common)?;
//! let err = settings.save(&reader, form).unwrap_err();
//! assert_eq!(err.to_string(), "access denied to module video: needs W, holds R");
//! # Ok(()) }
//! ```
//!
//! # Field levels
//!
//! Every option has a **view** level (R unless its module says otherwise;
//! W for a secret) and an **edit** level (W unless its module says
//! otherwise), both held on the module that guards the options (see
//! [`OptionSpec`](crate::options::OptionSpec#field-levels)):
//!
//! - reads for an actor — [`Settings::show`], [`Settings::schema_for`],
//!   [`Settings::edit_for`] — leave out the options whose view level is
//!   above what the actor holds in the scope read: they are not listed,
//!   not shown as defaults, and their stored values appear in no error
//!   (a typed form, which cannot lack a field, holds the default as a
//!   placeholder and lists the field as
//!   [hidden](OptionsForm::hidden));
//! - a write that sets or resets an option needs the option's edit level,
//!   even when the actor holds less than W on the module: a module can let
//!   M holders switch a flag. A write that changes options above the
//!   actor's level is refused with [`SettingsError::OptionsDenied`] naming
//!   them, and nothing is written. Every write of options also needs the
//!   lowest edit level among the options it could change: below that, it
//!   is refused as before, with [`SettingsError::Denied`] for the module;
//! - the Access tab always needs W;
//! - the application's own typed reads ([`Settings::options`],
//!   [`Settings::edit`]) take no actor and see every option.
//!
//! Writes check the levels as they check W: on the guard's current
//! revision, again on every retry, and as one step with the commit.
//!
//! # The order of checks
//!
//! Every write — [`Settings::save`], [`Settings::save_raw`],
//! [`Settings::set_option`], [`Settings::reset_option`],
//! [`Settings::operate`] (and the Bitrix24 operations),
//! [`Settings::apply_access_tab`] — checks in the same order, and stops at
//! the first stage that fails:
//!
//! 1. **usage** — the module is registered
//!    ([`SettingsError::UnknownModule`]); each option named exists
//!    ([`SettingsError::UnknownOption`]; for a raw form,
//!    [`SettingsError::Invalid`] naming every unknown name) and is not
//!    [operation-only](crate::options::OptionSpec::operation_only) unless
//!    the write is an operation ([`SettingsError::OperationOnly`]); a site
//!    named is one the installation lists ([`SettingsError::Site`]);
//! 2. **access** — the actor holds what the write needs on the guarding
//!    module in the scope written ([`SettingsError::Denied`],
//!    [`SettingsError::OptionsDenied`]). For a raw form every option
//!    submitted counts, changed or not; for a typed form, every field
//!    that differs from what the form showed;
//! 3. **value** — the values are valid by their kinds and, after the
//!    write, by the module's rules ([`SettingsError::Invalid`]); then the
//!    write is merged and committed (conflicts, store errors).
//!
//! So a caller learns nothing about the values a module accepts, or holds,
//! from a write it may not make. An operation is checked at its floor
//! before it runs and, for the options its result changes, before the
//! result is validated.
//!
//! # The staleness bound
//!
//! Each registered module has a cache holding an immutable snapshot of one
//! revision: the raw records, the compiled rights, and the decoded options
//! per scope. A read uses the snapshot until it is no longer fresh, then
//! asks the store for the module's revision (a cheap call); if it moved,
//! that read loads the records and swaps in a new snapshot. A snapshot
//! stops being fresh in two ways, and either leads to the same refresh:
//!
//! - **The deadline**: the bound ([`SettingsBuilder::staleness`], 1 s by
//!   default) after the store last confirmed it. Exact: the test reads a
//!   coarse monotonic clock, and a precise one only in the last
//!   milliseconds before the deadline.
//! - **A pushed invalidation**: the store's change feed (the memory, file
//!   and SQLite stores tell every facade on the same data in this process
//!   of each commit at once), or [`Settings::invalidate`] /
//!   [`Settings::invalidate_all`] from a caller that learned of a change
//!   itself. Polling within the bound stays the backstop, so a feed that
//!   falls silent never makes data older than the bound.
//!
//! What a reader sees:
//!
//! - **Writes through this facade** are visible to every thread as soon as
//!   the write returns: the writer swaps the snapshot itself.
//! - **Writes through another facade on the same store in this process**
//!   are seen as soon as they return, through the store's change feed.
//! - **Writes by others** (another process) are seen within the bound.
//!   While one thread refreshes a module, other readers are served the
//!   snapshot they had, so a read may be up to the bound plus one refresh
//!   (a revision call and a load) old. With `Duration::ZERO` every read
//!   asks the store.
//! - A snapshot is always one revision, whole: a reader never sees half of
//!   a write.
//! - Revisions only go up — unless the store is restored from a backup or
//!   a module file is deleted. When a refresh finds a revision below the
//!   cached one, it installs what the store holds, whatever its revision,
//!   and forgets the earlier snapshots: forms and tabs taken before then
//!   are refused as [`SettingsError::Outdated`]. (A load that raced one of
//!   this facade's own writes never replaces the write's later state.)
//! - `SqliteStore`: rows another program writes to Bitrix's tables move the
//!   module's revision too (the store installs triggers), so they are seen
//!   within the bound like any other write; `FileStore` sees a module file
//!   changed by hand within the bound too. A store that cannot notice
//!   outside writes needs [`Settings::reload`] or [`Settings::reload_all`]
//!   (or `invalidate`) after them.
//!
//! Writes do not trust the bound: the actor's right is checked against the
//! guarding module's current revision, so a revoked right stops writes at
//! once. **Check and commit are one step**: the commit carries the guard's
//! revision as the check saw it (a [`Precondition`](crate::store::Precondition)),
//! and the store compares it inside the transaction or lock that writes
//! the batch. If the guard moved in between — a right revoked, even one
//! whose revocation returned a moment before the commit — the commit is
//! refused, the right is checked again on the guard's fresh rights, and
//! the write is denied if it is gone (or retried if it still holds). The
//! same check runs before every retry of a write that met someone else's
//! commit (see [Conflicts](#conflicts)).
//!
//! # Store failures
//!
//! When a refresh fails, the read returns the store's error
//! ([`SettingsError::Store`]) — unless the builder set
//! [`serve_stale(true)`](SettingsBuilder::serve_stale): then reads keep
//! returning the last good snapshot, and [`Settings::health`] reports the
//! failure ([`ModuleHealth::last_error`], [`ModuleHealth::is_stale`]) and
//! how old the snapshot is ([`ModuleHealth::age`]). A module that was
//! never loaded has no snapshot to serve and always returns the error.
//!
//! Either way a failing store is asked by one reader at a time and at
//! most once per bound: readers that queued behind a refresh that failed,
//! and readers arriving within the bound after it, get that refresh's
//! error without a store call of their own. Writes and
//! [`reload`](Settings::reload) always ask the store.
//!
//! Access checks always fail closed: a check whose refresh
//! failed returns the error — with `serve_stale` on too, where it is
//! [`SettingsError::RightsUnavailable`] for as long as the rights are
//! served from the old snapshot — and [`can`](Settings::can) and
//! [`require`](Settings::require) deny. Stored rights that cannot be used
//! — a row whose level cannot be read, rows of one record that disagree, a
//! level the module does not list — deny every check of that module
//! ([`SettingsError::StoredRights`], naming the record) until they are
//! fixed on the Access tab. Administrators are the exception: with the
//! bypass on they hold W without any row being read, so their checks and
//! writes go on, the Access tab lists the bad rows
//! ([`AccessTab::unreadable_rows`]), and overwriting or removing them is
//! an ordinary, audited write. Stored options that fail to decode make
//! reads of the affected scopes return [`SettingsError::StoredOptions`].
//!
//! A store that *hangs* instead of failing holds up the one thread that
//! refreshes; the others are served the snapshot they had, as above. For
//! access checks that lasts only up to a **hard limit** — twice the
//! staleness bound, and at least 100 ms — counted from when the snapshot
//! was last confirmed current: past it, while the refresh is still
//! waiting, checks return [`SettingsError::RightsUnavailable`] (and
//! [`can`](Settings::can) denies), so a right revoked meanwhile does not
//! keep working for as long as the store hangs. Reads of options keep
//! being served the last snapshot: an old setting is not a security
//! decision, and a page that shows it beats one that hangs.
//!
//! # Conflicts
//!
//! Every write is based on a snapshot (the form or tab remembers it) and
//! commits against its revision. If the module moved on meanwhile, the
//! facade loads the current records and compares:
//!
//! - **ours**: for a settings form, the options whose effective value in
//!   the form's scope the form changes; for the Access tab, the defaults
//!   and grants (per scope and group) the admin changed; for a reset, that
//!   one option in that scope;
//! - **theirs**: the stored records that differ between the base and the
//!   current revision — for a form, option values in the scopes the form's
//!   scope reads from (the scope itself, and the common scope under a
//!   site); for the Access tab, defaults and grants.
//!
//! A record both sides changed collides even when both wrote the same
//! value: a caller that read a value, changed it and wrote it back must
//! hear that someone else changed it meanwhile. If they are disjoint, the
//! write is re-planned on the current records — only what still
//! differs is written — and committed against the current revision, up to
//! [`SettingsBuilder::max_retries`] times (then it gives up with
//! [`SettingsError::RetriesExhausted`], which is not a collision).
//! Otherwise the write fails with [`SettingsError::Conflict`] naming both
//! sides' records (never values).
//! Rows of the Access tab the admin did not touch are never rewritten, so
//! grants others added meanwhile survive (Bitrix's own page deletes and
//! re-inserts every row; this facade does not). A write whose result would
//! make a scope's stored options invalid is refused
//! ([`SettingsError::Invalid`], or a conflict when it is the merge that
//! breaks them).
//!
//! # Events and audit records
//!
//! A committed write emits one [`SettingsEvent`] with every changed record
//! as a [`RecordDiff`] (old and new values; a secret option only says it
//! changed). Writes that are denied, fail, or change nothing emit none.
//! Events are delivered in the writing thread after the snapshot is
//! swapped: to each [`subscribe`](Settings::subscribe) channel (receivers
//! that were dropped are removed silently), then to each
//! [`on_change`](Settings::on_change) callback. Two writers racing on one
//! module may deliver their events out of revision order; sort by
//! [`SettingsEvent::revision`] if order matters. A callback or an audit
//! sink that panics is caught and skipped: the write is committed by
//! then, so the writer still gets `Ok(revision)` and the other callbacks
//! and records are still delivered.
//!
//! Each changed record also becomes one [`AuditRecord`], in Bitrix's form
//! `"{module}[/{site}]: ({old}) => ({new})"`:
//!
//! ```text
//! video: default () => (R)
//! video/s1: group 5 (R) => (W)
//! video: group 6 (D) => ()
//! videoport: option ServerPort ("8000") => ("8001")
//! videoport/s1: option ServerHost () => ("video.example.com")
//! videoport: option SecretCode changed
//! ```
//!
//! `()` is "not stored in that scope" (no grant: the group falls back to
//! the default). See [`AuditRecord`] for the exact rules.

mod actor;
mod actor_view;
mod admin;
mod builder;
mod cache;
mod clock;
mod error;
mod health;
mod notify;
mod options_ref;
mod read;
mod registry;
mod site;
mod write;

use std::fmt;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub use actor::Actor;
pub use actor_view::{ActorSchema, EffectiveOption, OptionAccess};
pub use builder::{SettingsBuilder, DEFAULT_MAX_RETRIES, DEFAULT_STALENESS};
pub use cache::stored_rights::StoredRightsError;
pub use error::{RecordKey, RegistrationProblem, SettingsError};
pub use health::ModuleHealth;
pub use notify::audit::{AuditRecord, AuditSink, MemoryAuditSink};
pub use notify::events::{RecordDiff, SettingsEvent, WriteKind};
pub use options_ref::OptionsRef;
pub use write::access_tab::{AccessTab, DefaultRow, GrantRow, GroupRow};
pub use write::form::OptionsForm;

use self::cache::Policy;
use self::clock::Clocks;
use self::notify::audit::AuditSink as Sink;
use self::notify::events::Hub;
use self::registry::Registry;
use crate::access::ResolveOptions;
use crate::groups::GroupDirectory;
use crate::ids::ModuleId;
use crate::store::{MemoryStore, Store};

/// Module settings and access rights over a [`Store`], cached, checked and
/// audited. See the [module docs](self) for the staleness bound, conflict
/// rules and audit format.
///
/// `Settings` is `Send + Sync`; share it as `Arc<Settings<S>>` (or by
/// reference in scoped threads).
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::settings::Settings;
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
/// # fn main() -> Result<(), module_settings::settings::SettingsError> {
/// let settings = Settings::in_memory();
/// let video = settings.options::<VideoPort>(Scope::Common)?;
/// assert!(!video.is_ready()); // nothing configured yet
/// // Nobody has rights yet except administrators (bypass on).
/// assert!(settings.can(ModuleId::from_static("video"), &[GroupId::ADMINISTRATORS], Scope::Common, AccessLevel::W));
/// assert!(!settings.can(ModuleId::from_static("video"), &[GroupId::EVERYONE], Scope::Common, AccessLevel::R));
/// # Ok(()) }
/// ```
pub struct Settings<S: Store> {
    store: S,
    registry: Arc<Registry>,
    /// Subscribed to the store's change feed (held weakly there).
    _feed: Arc<dyn crate::store::ChangeListener>,
    resolve: ResolveOptions,
    /// The group directory the caches fold in, and the lock that keeps two
    /// replacements from interleaving.
    groups: Mutex<GroupDirectory>,
    /// Whether `groups` follows the store's, and how fresh it is.
    group_source: Arc<site::group_source::GroupSource>,
    /// Counts the directories given with `set_groups`. A write holds it
    /// (shared) from its last check to its commit, and `set_groups` holds
    /// it exclusively: a directory given while a write is between its check
    /// and its commit waits for that commit, and one given before the
    /// commit began makes the write check again.
    groups_given: RwLock<u64>,
    /// Whether audit entries go into the store's event log with each
    /// commit (when it has one).
    event_log: bool,
    policy: Policy,
    max_retries: u32,
    clocks: Clocks,
    hub: Hub,
    audit: Option<Arc<dyn Sink>>,
}

impl<S: Store> Settings<S> {
    /// A builder with the seed modules registered.
    pub fn builder(store: S) -> SettingsBuilder<S> {
        SettingsBuilder::new(store)
    }

    /// The facade with the seed modules and every default.
    pub fn new(store: S) -> Self {
        Settings::from_builder(SettingsBuilder::new(store))
    }

    fn from_builder(builder: SettingsBuilder<S>) -> Self {
        match builder.build() {
            Ok(settings) => settings,
            // The seed modules never contradict each other; the
            // `registry` tests prove it.
            Err(err) => unreachable!("the seed modules register cleanly: {err}"),
        }
    }

    /// The store underneath, for reading it directly (tests, tools,
    /// exports) and for administration the facade does not offer.
    ///
    /// # Warning: nothing is checked through it
    ///
    /// A write made through the store directly **bypasses everything the
    /// facade guarantees**: no actor's right is checked, no
    /// value is validated, no [`SettingsEvent`] is
    /// emitted and no [`AuditRecord`] is written, and
    /// [operation-only](crate::options::OptionSpec::operation_only)
    /// options (the Bitrix24 connection) can be set without their
    /// operations. This facade sees such
    /// a write only within the staleness bound, like any other writer's.
    /// Never hand the store to code acting for a user.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The staleness bound.
    pub fn staleness(&self) -> Duration {
        self.policy.bound
    }

    /// How access is resolved.
    pub fn resolve_options(&self) -> &ResolveOptions {
        &self.resolve
    }

    /// Every registered module, in registration order.
    pub fn modules(&self) -> impl Iterator<Item = ModuleId> + '_ {
        self.registry.entries().iter().map(|entry| entry.id())
    }

    /// A channel that receives every [`SettingsEvent`] from now on. Drop
    /// the receiver to unsubscribe.
    pub fn subscribe(&self) -> Receiver<Arc<SettingsEvent>> {
        self.hub.subscribe()
    }

    /// Calls `callback` with every [`SettingsEvent`] from now on, in the
    /// writing thread, after the write is visible. Keep it short.
    ///
    /// A callback that panics is caught and ignored (the default panic
    /// hook still prints it): the write is committed by then, so the
    /// writer still gets its `Ok(revision)`, and the other callbacks still
    /// get the event.
    pub fn on_change(&self, callback: impl Fn(&SettingsEvent) + Send + Sync + 'static) {
        self.hub.on_change(Arc::new(callback));
    }
}

impl Settings<MemoryStore> {
    /// The facade over a new, empty [`MemoryStore`].
    pub fn in_memory() -> Self {
        Settings::new(MemoryStore::new())
    }
}

impl<S: Store> fmt::Debug for Settings<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("store", &self.store)
            .field("modules", &self.modules().collect::<Vec<_>>())
            .field("resolve", &self.resolve)
            .field("staleness", &self.policy.bound)
            .field("serve_stale", &self.policy.serve_stale)
            .field("max_retries", &self.max_retries)
            .field("events", &self.hub)
            .field("audit", &self.audit.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn facade_types_are_send_and_sync() {
        assert_send_sync::<Settings<MemoryStore>>();
        assert_send_sync::<Settings<Arc<dyn Store>>>();
        assert_send_sync::<SettingsBuilder<MemoryStore>>();
        assert_send_sync::<OptionsForm<crate::modules::VideoPort>>();
        assert_send_sync::<AccessTab>();
        assert_send_sync::<SettingsEvent>();
        assert_send_sync::<AuditRecord>();
        assert_send_sync::<SettingsError>();
        assert_send_sync::<Actor>();
        assert_send_sync::<ModuleHealth>();
        assert_send_sync::<EffectiveOption>();
        assert_send_sync::<ActorSchema>();
    }

    #[test]
    fn seeds_are_registered() {
        let settings = Settings::in_memory();
        let modules: Vec<String> = settings.modules().map(|m| m.to_string()).collect();
        assert_eq!(modules, ["videoport", "video", "b24connector"]);
        let text = format!("{settings:?}");
        assert!(text.contains("staleness: 1s"), "{text}");
    }
}
