//! Reads for an actor: what an admin page may show one user of a module's
//! options — the effective values of the options it may see
//! ([`Settings::show`]) and, for each option, whether it may see and
//! change it ([`Settings::schema_for`]). The level held is read once, as
//! [`Settings::check`] reads it, and judged by
//! [`OptionSpec::viewable_by`] and [`OptionSpec::editable_by`], the one
//! rule for reads and writes alike.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::access::AccessLevel;
use crate::ids::{ModuleId, OptionName, Scope};
use crate::label::Label;
use crate::options::{ModuleSchema, OptionSpec, ScopeLayers, ShownValue, Source};
use crate::settings::actor::Actor;
use crate::settings::cache::state::scope_raw;
use crate::settings::error::SettingsError;
use crate::settings::Settings;
use crate::store::Store;

/// One option of a module as seen from one scope, the way an admin page
/// shows it: its effective value (secrets only as set or not set) and
/// where that value came from.
///
/// Serialized as `{"name", "label", "value", "source"}`, where `value` is
/// a [`ShownValue`] (`null`, a boolean, a number, a string, or
/// `{"set": true|false}` for a secret) and `source` is `"site"`,
/// `"common"` or `"default"`. It holds no secret, so it may be logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EffectiveOption {
    /// The option's stored name.
    pub name: OptionName,
    /// The field's label.
    pub label: Label,
    /// The effective value, secret-free.
    pub value: ShownValue,
    /// Where the value came from.
    pub source: Source,
}

/// One option of a module's schema, with what one actor may do with it in
/// one scope. Made by [`Settings::schema_for`] only.
///
/// Serialized as the option's [`OptionSpec`] (`{"name", "kind",
/// "default", "label", "help", "view", "edit", "operation_only"}`)
/// followed by `"viewable"` and `"editable"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionAccess {
    spec: &'static OptionSpec,
    viewable: bool,
    editable: bool,
}

impl OptionAccess {
    /// The option.
    pub fn spec(&self) -> &'static OptionSpec {
        self.spec
    }

    /// Whether the actor may see the option's value: it holds the
    /// option's view level.
    pub fn viewable(&self) -> bool {
        self.viewable
    }

    /// Whether the actor may set or reset the option with a settings form,
    /// a raw save or [`set_option`](Settings::set_option): it holds the
    /// option's edit level and the option is not
    /// [operation-only](OptionSpec::operation_only). (A field may be
    /// editable and not viewable: a secret an operator may replace but
    /// not see.)
    pub fn editable(&self) -> bool {
        self.editable
    }
}

impl Serialize for OptionAccess {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let spec = self.spec;
        let mut out = s.serialize_struct("OptionAccess", 10)?;
        out.serialize_field("name", spec.name())?;
        out.serialize_field("kind", &spec.kind())?;
        out.serialize_field("default", spec.default_value())?;
        out.serialize_field("label", &spec.label())?;
        out.serialize_field("help", &spec.help())?;
        out.serialize_field("view", &spec.view())?;
        out.serialize_field("edit", &spec.edit())?;
        out.serialize_field("operation_only", &spec.is_operation_only())?;
        out.serialize_field("viewable", &self.viewable)?;
        out.serialize_field("editable", &self.editable)?;
        out.end()
    }
}

/// A module's schema as one actor may use it in one scope: the level the
/// actor holds on the guarding module, and for each option whether the
/// actor may see and change it — what an admin page needs to draw the
/// settings form for that user. It holds no values.
///
/// Serialized as `{"module", "guard", "title", "scope", "held",
/// "options"}`, each option an [`OptionAccess`], in page order.
///
/// ```
/// use module_settings::settings::{Actor, Settings};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings::in_memory();
/// let mut tab = settings.access_tab(ModuleId::from_static("video"))?;
/// tab.set_default(Scope::Common, AccessLevel::R)?;
/// settings.apply_access_tab(&Actor::new([GroupId::ADMINISTRATORS]), tab)?;
///
/// let reader = Actor::new([GroupId::EVERYONE]);
/// let schema = settings.schema_for(&reader, ModuleId::from_static("videoport"), Scope::Common)?;
/// assert_eq!(schema.held(), AccessLevel::R);
/// assert!(schema.viewable("ServerPort") && !schema.editable("ServerPort"));
/// assert!(!schema.viewable("SecretCode")); // a secret needs W
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorSchema {
    schema: ModuleSchema,
    scope: Scope,
    held: AccessLevel,
    options: Vec<OptionAccess>,
}

impl ActorSchema {
    /// The module's schema, the same for every actor.
    pub fn schema(&self) -> &ModuleSchema {
        &self.schema
    }

    /// The scope the levels were read for.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The level the actor holds on the guarding module in that scope.
    pub fn held(&self) -> AccessLevel {
        self.held
    }

    /// Every option with what the actor may do with it, in page order.
    pub fn options(&self) -> &[OptionAccess] {
        &self.options
    }

    /// Whether the actor may see option `name` (`false` for a name the
    /// module does not have).
    pub fn viewable(&self, name: &str) -> bool {
        self.find(name).is_some_and(OptionAccess::viewable)
    }

    /// Whether the actor may set or reset option `name` (`false` for a
    /// name the module does not have).
    pub fn editable(&self, name: &str) -> bool {
        self.find(name).is_some_and(OptionAccess::editable)
    }

    fn find(&self, name: &str) -> Option<&OptionAccess> {
        self.options.iter().find(|o| o.spec.name() == name)
    }
}

impl Serialize for ActorSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("ActorSchema", 6)?;
        out.serialize_field("module", &self.schema.module())?;
        out.serialize_field("guard", &self.schema.guard())?;
        out.serialize_field("title", &self.schema.title())?;
        out.serialize_field("scope", &self.scope)?;
        out.serialize_field("held", &self.held)?;
        out.serialize_field("options", &self.options)?;
        out.end()
    }
}

impl<S: Store> Settings<S> {
    /// The level `actor` holds on `guard` in `scope`, as
    /// [`check`](Self::check) reads it: within the staleness bound,
    /// failing closed.
    pub(crate) fn held_by(
        &self,
        actor: &Actor,
        guard: ModuleId,
        scope: Scope,
    ) -> Result<AccessLevel, SettingsError> {
        Ok(self.check(guard, actor, scope)?.level())
    }

    /// The options of options module `module` that `actor` may see in
    /// `scope`, in page order: the effective value (the site's, else the
    /// common one, else the default) with its [`Source`]. An option whose
    /// view level is above the level `actor` holds on the module's guard
    /// in `scope` is **left out** — not shown with a default in its place —
    /// and neither decoded nor reported when its stored value is bad.
    /// Secrets (view W unless the module says otherwise) show only whether
    /// they are set. Reads never write.
    ///
    /// The level is read as [`check`](Self::check) reads it: within the
    /// staleness bound, failing closed.
    ///
    /// ```
    /// use module_settings::options::{ShownValue, Source};
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::in_memory();
    /// let videoport = ModuleId::from_static("videoport");
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let revision = settings.revision(videoport)?;
    /// settings.set_option(&admin, videoport, Scope::Common, "SecretCode", "guest-key", revision)?;
    ///
    /// let s1 = Scope::Site(SiteId::from_static("s1"));
    /// let shown = settings.show(&admin, videoport, s1)?;
    /// let secret = shown.iter().find(|o| o.name == "SecretCode").unwrap();
    /// assert_eq!((&secret.value, secret.source), (&ShownValue::Secret { set: true }, Source::Common));
    /// assert_eq!(shown[0].source, Source::Default); // ServerHost: nothing stored
    ///
    /// // Readers (R on `video`) see every option but the secret word.
    /// let mut tab = settings.access_tab(ModuleId::from_static("video"))?;
    /// tab.set_default(Scope::Common, AccessLevel::R)?;
    /// settings.apply_access_tab(&admin, tab)?;
    /// let reader = Actor::new([GroupId::EVERYONE]);
    /// let shown = settings.show(&reader, videoport, s1)?;
    /// assert!(shown.iter().all(|o| o.name != "SecretCode"));
    /// assert_eq!(shown.len(), 9);
    /// // Others (D) see nothing.
    /// settings.apply_access_tab(&admin, {
    ///     let mut tab = settings.access_tab(ModuleId::from_static("video"))?;
    ///     tab.set_default(Scope::Common, AccessLevel::D)?;
    ///     tab
    /// })?;
    /// assert!(settings.show(&reader, videoport, s1)?.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// options module; [`SettingsError::Site`] if `scope` names a site
    /// the store's site list does not hold; as [`check`](Self::check) when
    /// the actor's level cannot be read; [`SettingsError::StoredOptions`]
    /// (every bad field the actor may see, masked) if the stored values of
    /// that scope fail to decode; [`SettingsError::Store`] if a refresh
    /// failed.
    pub fn show(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
    ) -> Result<Vec<EffectiveOption>, SettingsError> {
        let entry = self.registry.options(module)?;
        let codec = entry.codec()?;
        let schema = codec.schema();
        self.require_sites([scope])?;
        let held = self.held_by(actor, schema.guard(), scope)?;
        let state = self.snapshot(entry)?;
        let common = scope_raw(&state.records, Scope::Common);
        let site = scope_raw(&state.records, scope);
        let merged = ScopeLayers::of(scope, codec.defaults(), &common, &site).effective();
        let values = schema
            .decode_where(merged.raw(), |spec| spec.viewable_by(held))
            .map_err(|errors| SettingsError::StoredOptions {
                module,
                scope,
                errors,
            })?;
        Ok(values
            .into_iter()
            .map(|(spec, value)| EffectiveOption {
                name: spec.name().clone(),
                label: spec.label(),
                value: value.shown(),
                source: merged
                    .source(spec.name().as_str())
                    .unwrap_or(Source::Default),
            })
            .collect())
    }

    /// The schema of options module `module` as `actor` may use it in
    /// `scope`: the level it holds on the guard, and for each option
    /// whether it may see it (its view level) and change it (its edit
    /// level, and not [operation-only](OptionSpec::operation_only)) — the
    /// same judgement [`show`](Self::show) and every write make. The
    /// level is read as [`check`](Self::check) reads it.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// options module; [`SettingsError::Site`] for a site the store's
    /// site list does not hold; as [`check`](Self::check) when the level
    /// cannot be read.
    pub fn schema_for(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
    ) -> Result<ActorSchema, SettingsError> {
        let schema = *self.registry.options(module)?.codec()?.schema();
        self.require_sites([scope])?;
        let held = self.held_by(actor, schema.guard(), scope)?;
        let options = schema
            .options()
            .iter()
            .map(|spec| OptionAccess {
                spec,
                viewable: spec.viewable_by(held),
                editable: spec.editable_by(held) && !spec.is_operation_only(),
            })
            .collect();
        Ok(ActorSchema {
            schema,
            scope,
            held,
            options,
        })
    }
}
