//! Operations: the one write that may change a module's
//! [operation-only](crate::options::OptionSpec::operation_only) options
//! (every other write that tries is refused by its [`Need`]).

use std::time::SystemTime;

use crate::ids::Scope;
use crate::options::ModuleOptions;
use crate::settings::actor::Actor;
use crate::settings::cache::Refresh;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::read::typed_value;
use crate::settings::write::form::OptionsForm;
use crate::settings::write::need::Need;
use crate::settings::Settings;
use crate::store::{Revision, Store};

impl<S: Store> Settings<S> {
    /// Runs `operation` on `T`'s options in `scope`: `op` gets the value
    /// as stored now (as seen from `scope`, inherited values included) and
    /// the facade's wall-clock time, and returns the value to store. The
    /// one write that may change
    /// [operation-only](crate::options::OptionSpec::operation_only)
    /// options; it may change the others too.
    ///
    /// Like [`save`](Self::save), it needs levels on `T::GUARD` in
    /// `scope`: before `op` runs, the lowest edit level of `T`'s options
    /// (W unless the module lowers some); after, before anything is
    /// written, the edit level of every option `op` changed. The new value
    /// is validated whole, only
    /// the options that changed are written (the smallest patch to
    /// `scope`), others' changes since the read merge unless they touch
    /// the same options, and a committed write emits one event —
    /// [`WriteKind::Operation`] with
    /// `operation` as its name — and its audit records. `op` is judged on
    /// the store's current revision, not on a cached copy, and runs once.
    /// A value equal to the current one writes nothing: the answer is the
    /// current revision, and no event is emitted.
    ///
    /// The scope is the operation's to choose: a module whose state lives
    /// in the common scope only offers wrappers that pass
    /// [`Scope::Common`], as [`connect_b24`](Self::connect_b24) does.
    ///
    /// `op`'s error becomes the call's: anything that converts into a
    /// [`SettingsError`], such as a boxed error of the module's own
    /// (reported as [`SettingsError::Operation`]).
    ///
    /// ```
    /// use std::time::{SystemTime, UNIX_EPOCH};
    /// use module_settings::options::{
    ///     Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors,
    /// };
    /// use module_settings::settings::{Actor, Settings, SettingsError};
    /// use module_settings::access::ModuleLevels;
    /// use module_settings::{GroupId, Label, MemoryStore, ModuleId, Scope, SiteId};
    ///
    /// /// When the sitemap was last built: only building it sets the time.
    /// const BUILT_AT: OptionSpec = OptionSpec::new(
    ///     "built_at",
    ///     OptionKind::Integer { min: 0, max: i64::MAX, optional: true },
    ///     Label::new("Карта сайта построена", "Sitemap built at"),
    /// )
    /// .operation_only();
    ///
    /// #[derive(Debug, Default)]
    /// struct Sitemap {
    ///     built_at: Option<u64>,
    /// }
    ///
    /// impl ModuleOptions for Sitemap {
    ///     const MODULE: ModuleId = ModuleId::from_static("sitemap");
    ///     const TITLE: Label = Label::new("Карта сайта", "Sitemap");
    ///     const LEVELS: ModuleLevels = ModuleLevels::VIDEO;
    ///     const OPTIONS: &'static [OptionSpec] = &[BUILT_AT];
    ///     fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
    ///         let mut d = Decoder::new(Self::MODULE, raw);
    ///         let built_at = d.optional_integer(&BUILT_AT);
    ///         d.finish(Sitemap { built_at })
    ///     }
    ///     fn encode(&self) -> RawOptions {
    ///         let mut e = Encoder::new();
    ///         e.optional_integer(&BUILT_AT, self.built_at);
    ///         e.finish()
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::builder(MemoryStore::new()).register::<Sitemap>().build()?;
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let s1 = Scope::Site(SiteId::from_static("s1"));
    /// let revision = settings.operate(&admin, s1, "build_sitemap", |_: &Sitemap, now: SystemTime| {
    ///     let seconds = now.duration_since(UNIX_EPOCH)?.as_secs();
    ///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Sitemap { built_at: Some(seconds) })
    /// })?;
    /// assert!(settings.options::<Sitemap>(s1)?.built_at.is_some());
    ///
    /// // A settings form cannot set it.
    /// let err = settings.set_option(&admin, Sitemap::MODULE, s1, "built_at", "0", revision);
    /// assert!(matches!(err, Err(SettingsError::OperationOnly { .. })));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `T` is not registered;
    /// [`SettingsError::Denied`] below the lowest edit level (`op` does not
    /// run); [`SettingsError::OptionsDenied`] when `op` changed options
    /// above the actor's level (nothing is written);
    /// [`SettingsError::StoredOptions`] if the stored options of `scope`
    /// do not decode; `op`'s own error; [`SettingsError::Invalid`] if the
    /// value `op` returns is not valid; [`SettingsError::Conflict`],
    /// [`SettingsError::Store`].
    pub fn operate<T, E>(
        &self,
        actor: &Actor,
        scope: Scope,
        operation: &'static str,
        op: impl FnOnce(&T, SystemTime) -> Result<T, E>,
    ) -> Result<Revision, SettingsError>
    where
        T: ModuleOptions,
        E: Into<SettingsError>,
    {
        let entry = self.registry.typed::<T>()?;
        let need = Need::options(entry.codec()?.schema(), std::iter::empty(), true)?;
        let auth = self.authorize(actor, T::GUARD, [scope], need)?;
        self.refresh(entry, Refresh::Check)?;
        let base = entry.cache.current();
        let current = typed_value::<T>(&base, scope)?;
        let value = op(&current, self.clocks.now()).map_err(Into::into)?;
        let kind = WriteKind::Operation {
            name: operation,
            scope,
        };
        // What `op` changed is judged against the value it was given; the
        // options it changed are checked by the write path on the way in.
        let form = OptionsForm::new(base, scope, current.encode(), value, Vec::new());
        self.commit_form(auth, kind, form)
    }
}
