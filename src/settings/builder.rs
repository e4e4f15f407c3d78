//! [`SettingsBuilder`]: registers modules and sets the facade's policies.

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::access::{ModuleLevels, ResolveOptions};
use crate::groups::GroupDirectory;
use crate::ids::ModuleId;
use crate::modules::{B24Connector, VideoPort};
use crate::options::ModuleOptions;
use crate::settings::cache::{Invalidator, ModuleCache, Policy};
use crate::settings::clock::{system_clock, Clocks, WallClock};
use crate::settings::error::SettingsError;
use crate::settings::notify::audit::AuditSink;
use crate::settings::notify::events::Hub;
use crate::settings::registry::{Entry, Registry, Specs};
use crate::settings::site::group_source::GroupSource;
use crate::settings::Settings;
use crate::store::Store;

/// The default staleness bound: one second.
pub const DEFAULT_STALENESS: Duration = Duration::from_secs(1);

/// The default number of times a write is re-planned on a newer revision
/// before it gives up with a conflict.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// Builds a [`Settings`] facade: which modules it knows, how it resolves
/// access, how stale a read may be, where audit records go.
///
/// The two seed modules are registered from the start: [`VideoPort`]
/// (options `videoport`, rights `video`) and [`B24Connector`] (options and
/// rights `b24connector`).
///
/// ```
/// use module_settings::settings::{MemoryAuditSink, Settings};
/// use module_settings::access::{LevelInfo, ModuleLevels};
/// use module_settings::{AccessLevel, Label, MemoryStore, ModuleId};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// const STATS: ModuleLevels = ModuleLevels::new(&[
///     LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
///     LevelInfo::new(AccessLevel::R, Label::new("просмотр", "view")),
/// ]);
/// # fn main() -> Result<(), module_settings::settings::SettingsError> {
/// let settings = Settings::builder(MemoryStore::new())
///     .register_rights(ModuleId::from_static("statistic"), STATS)
///     .staleness(Duration::from_millis(200))
///     .audit(Arc::new(MemoryAuditSink::new()))
///     .build()?;
/// assert_eq!(settings.staleness(), Duration::from_millis(200));
/// # Ok(()) }
/// ```
pub struct SettingsBuilder<S: Store> {
    store: S,
    specs: Specs,
    resolve: ResolveOptions,
    /// `None`: follow the store's groups, if it lists them.
    groups: Option<GroupDirectory>,
    event_log: bool,
    staleness: Duration,
    serve_stale: bool,
    max_retries: u32,
    audit: Option<Arc<dyn AuditSink>>,
    clock: WallClock,
}

impl<S: Store> SettingsBuilder<S> {
    pub(crate) fn new(store: S) -> Self {
        let mut specs = Specs::default();
        specs.add_options::<VideoPort>();
        specs.add_options::<B24Connector>();
        SettingsBuilder {
            store,
            specs,
            resolve: ResolveOptions::new(),
            groups: None,
            event_log: true,
            staleness: DEFAULT_STALENESS,
            serve_stale: false,
            max_retries: DEFAULT_MAX_RETRIES,
            audit: None,
            clock: system_clock(),
        }
    }

    /// Registers the options type `T` (stored under `T::MODULE`), and its
    /// guarding module `T::GUARD` as a rights module with `T::LEVELS`.
    /// Registering a type twice changes nothing; a second type for the same
    /// module, other levels for the same guard, or a problem in `T`'s
    /// schema make [`build`](Self::build) fail.
    #[must_use]
    pub fn register<T: ModuleOptions>(mut self) -> Self {
        self.specs.add_options::<T>();
        self
    }

    /// Registers a module that has an Access tab but no options here.
    #[must_use]
    pub fn register_rights(mut self, module: ModuleId, levels: ModuleLevels) -> Self {
        self.specs.add_rights(module, levels);
        self
    }

    /// How access is resolved for checks and for the actor of a write
    /// (administrator bypass, administrator groups, defaults). Bitrix's
    /// defaults unless set.
    #[must_use]
    pub fn resolve_options(mut self, options: ResolveOptions) -> Self {
        self.resolve = options;
        self
    }

    /// The site's user groups: every module's rights are compiled with this
    /// directory, so groups it marks inactive count for nothing in checks
    /// and in the right of a write's actor — no grant, no default role, no
    /// administrator bypass (see [`groups`](crate::groups)).
    /// [`Settings::set_groups`] replaces it later.
    ///
    /// Without it, the facade follows the store's groups where the store
    /// lists them (Bitrix's `b_group` on the SQL stores), re-read within
    /// the staleness bound; elsewhere every group counts. Giving one turns
    /// following off: the directory given is the one used.
    #[must_use]
    pub fn groups(mut self, groups: GroupDirectory) -> Self {
        self.groups = Some(groups);
        self
    }

    /// Whether each write's audit entries go into the store's event log
    /// **in the write's own transaction**, where the store keeps one (the
    /// SQL stores: Bitrix's `b_event_log`) — on by default. A committed
    /// write then always has its entries and a failed one never does.
    /// Off, the store's log is left alone; the [`audit`](Self::audit) sink,
    /// told after the commit, works either way.
    ///
    /// Rights changes are logged as Bitrix logs them (`SECURITY`,
    /// `MODULE_RIGHTS_CHANGED`, module `main`, item = the group id,
    /// `"{module}[/{site}]: ({old}) => ({new})"`), default levels and
    /// options under types of this crate's
    /// ([`AuditType`](crate::store::directory::AuditType)); a secret is
    /// logged as "changed", never with its text.
    #[must_use]
    pub fn event_log(mut self, on: bool) -> Self {
        self.event_log = on;
        self
    }

    /// The staleness bound: how long a read trusts its cached snapshot
    /// before asking the store for the module's revision again (1 s by
    /// default). `Duration::ZERO` asks on every read.
    #[must_use]
    pub fn staleness(mut self, bound: Duration) -> Self {
        self.staleness = bound;
        self
    }

    /// Whether reads keep serving the last good snapshot when the store
    /// fails (off by default: the read returns the error). Access checks
    /// fail closed either way; see the [module docs](crate::settings#store-failures).
    #[must_use]
    pub fn serve_stale(mut self, on: bool) -> Self {
        self.serve_stale = on;
        self
    }

    /// How many times a write is re-planned on a newer revision before it
    /// reports a conflict (5 by default).
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Where audit records go (none by default).
    #[must_use]
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// The wall clock for events, audit records and the Bitrix24
    /// connection time (`SystemTime::now` by default); for tests.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Fn() -> SystemTime + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    /// The facade. Nothing is loaded yet: each module is loaded on its
    /// first use.
    ///
    /// Every options module registered is checked first, as
    /// [`ModuleSchema::problems`](crate::options::ModuleSchema::problems)
    /// does: each default decodes and the defaults pass the module's
    /// rules, each default is what the type's `Default` encodes, no name
    /// appears twice, and each view or edit level it sets is one the
    /// guarding module lists. A module that fails would otherwise register
    /// and fail on every read, with nothing stored.
    ///
    /// ```
    /// use module_settings::options::{Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors};
    /// use module_settings::access::ModuleLevels;
    /// use module_settings::settings::{Settings, SettingsError};
    /// use module_settings::{Label, MemoryStore, ModuleId};
    ///
    /// /// A flag without a default: the schema says `""`, `Default` writes `"N"`.
    /// const PAUSED: OptionSpec = OptionSpec::new("paused", OptionKind::Bool, Label::new("Пауза", "Paused"));
    ///
    /// #[derive(Default)]
    /// struct Jobs { paused: bool }
    ///
    /// impl ModuleOptions for Jobs {
    ///     const MODULE: ModuleId = ModuleId::from_static("jobs");
    ///     const TITLE: Label = Label::new("Задания", "Jobs");
    ///     const LEVELS: ModuleLevels = ModuleLevels::VIDEO;
    ///     const OPTIONS: &'static [OptionSpec] = &[PAUSED];
    ///     fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
    ///         let mut d = Decoder::new(Self::MODULE, raw);
    ///         let paused = d.bool(&PAUSED);
    ///         d.finish(Jobs { paused })
    ///     }
    ///     fn encode(&self) -> RawOptions {
    ///         let mut e = Encoder::new();
    ///         e.bool(&PAUSED, self.paused);
    ///         e.finish()
    ///     }
    /// }
    ///
    /// let err = Settings::builder(MemoryStore::new()).register::<Jobs>().build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "module jobs cannot be registered: option paused: \"\" is not allowed; \
    ///      expected \"N\", the text the module's Default value encodes it as"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::Registration`] with every problem found: when
    /// registrations contradict each other, and for each problem of each
    /// module's schema.
    pub fn build(self) -> Result<Settings<S>, SettingsError> {
        let entries = self
            .specs
            .finish()?
            .into_iter()
            .map(|spec| {
                let cache = ModuleCache::new(spec.id);
                if let Some(groups) = &self.groups {
                    cache.set_groups(groups);
                }
                Entry { cache, spec }
            })
            .collect();
        let registry = Arc::new(Registry::new(entries));
        let policy = Policy::new(self.staleness, self.serve_stale);
        let clocks = Clocks::new(self.clock);
        let directory = self.store.directory();
        let follows_store = self.groups.is_none() && directory.is_some();
        let reported = follows_store && directory.is_some_and(|d| d.reports_group_changes());
        let group_source = Arc::new(GroupSource::new(follows_store, reported));
        let feed = Invalidator::watch(&self.store, &registry, &group_source, &clocks.mono, &policy);
        Ok(Settings {
            store: self.store,
            registry,
            _feed: feed,
            resolve: self.resolve,
            groups: Mutex::new(self.groups.unwrap_or_default()),
            group_source,
            groups_given: RwLock::new(0),
            event_log: self.event_log,
            policy,
            max_retries: self.max_retries,
            clocks,
            hub: Hub::default(),
            audit: self.audit,
        })
    }
}

impl<S: Store> fmt::Debug for SettingsBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsBuilder")
            .field("store", &self.store)
            .field("resolve", &self.resolve)
            .field("groups", &self.groups.as_ref().map(GroupDirectory::len))
            .field("event_log", &self.event_log)
            .field("staleness", &self.staleness)
            .field("serve_stale", &self.serve_stale)
            .field("max_retries", &self.max_retries)
            .field("audit", &self.audit.is_some())
            .finish_non_exhaustive()
    }
}
