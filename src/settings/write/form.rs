//! [`OptionsForm`]: a module's settings page being edited, and the writes
//! that save it or reset one option.

use std::fmt;
use std::sync::Arc;

use crate::access::AccessLevel;
use crate::ids::{ModuleId, OptionName, Scope};
use crate::options::{ModuleOptions, RawOptions};
use crate::settings::actor::Actor;
use crate::settings::cache::state::ModuleState;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::read::typed_value;
use crate::settings::write::merge::Intent;
use crate::settings::write::need::{option_name, Need};
use crate::settings::write::{Authorized, Write};
use crate::settings::Settings;
use crate::store::{Change, Revision, Store};

/// A module's options in one scope, taken from a snapshot to be edited and
/// saved with [`Settings::save`].
///
/// The form remembers the snapshot it came from (its revision and raw
/// records), so saving writes only the fields that were changed, and a
/// save after someone else's write merges when the two touch different
/// options (see the [module docs](crate::settings#conflicts)).
///
/// # Fields an actor may not see
///
/// A form taken for an actor ([`Settings::edit_for`]) leaves out what the
/// actor may not see ([`OptionSpec::viewable_by`]): a struct cannot lack a
/// field, so each such field holds its **default** as a placeholder and
/// is listed by [`hidden`](Self::hidden) — draw the form without it. A
/// placeholder left alone is never written; a placeholder changed is a
/// change like any other, which needs the field's edit level (a field the
/// actor may set but not see, such as a secret it may replace). A form
/// taken with [`Settings::edit`] hides nothing.
///
/// `Debug` shows the module, scope, revision and hidden fields, never the
/// values.
///
/// [`OptionSpec::viewable_by`]: crate::options::OptionSpec::viewable_by
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::settings::{Actor, Settings};
/// use module_settings::{GroupId, Scope, SiteId};
/// use std::num::NonZeroU16;
/// # fn main() -> Result<(), module_settings::settings::SettingsError> {
/// let settings = Settings::in_memory();
/// let admin = Actor::new([GroupId::ADMINISTRATORS]);
/// let s1 = Scope::Site(SiteId::from_static("s1"));
///
/// let mut form = settings.edit_for::<VideoPort>(&admin, s1)?;
/// assert!(form.hidden().is_empty()); // an administrator sees every field
/// form.value_mut().server_port = NonZeroU16::new(8443);
/// let revision = settings.save(&admin, form)?;
/// assert_eq!(revision.get(), 1);
/// assert_eq!(settings.options::<VideoPort>(s1)?.server_port, NonZeroU16::new(8443));
/// assert_eq!(settings.options::<VideoPort>(Scope::Common)?.server_port, None);
/// # Ok(()) }
/// ```
pub struct OptionsForm<T> {
    scope: Scope,
    base: Arc<ModuleState>,
    value: T,
    /// The value as the form was handed out, encoded: a save writes what
    /// differs from it.
    shown: RawOptions,
    /// The options the form's reader may not see, in page order.
    hidden: Vec<OptionName>,
}

impl<T: ModuleOptions> OptionsForm<T> {
    /// `value` to be saved in `scope`, edited from `base`, where it was
    /// `shown` (encoded) with the options `hidden` at their defaults.
    pub(crate) fn new(
        base: Arc<ModuleState>,
        scope: Scope,
        shown: RawOptions,
        value: T,
        hidden: Vec<OptionName>,
    ) -> Self {
        OptionsForm {
            scope,
            base,
            value,
            shown,
            hidden,
        }
    }

    /// The module the options are stored under.
    pub fn module(&self) -> ModuleId {
        T::MODULE
    }

    /// The scope being edited.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The revision the form was taken at.
    pub fn revision(&self) -> Revision {
        self.base.revision
    }

    /// The options the form's reader may not see, in page order: their
    /// fields hold defaults, not the stored values (see
    /// [above](Self#fields-an-actor-may-not-see)).
    pub fn hidden(&self) -> &[OptionName] {
        &self.hidden
    }

    /// Whether option `name` is [hidden](Self::hidden) from the form's
    /// reader.
    pub fn is_hidden(&self, name: &str) -> bool {
        self.hidden.iter().any(|hidden| hidden == name)
    }

    /// The values.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The values, to edit.
    pub fn value_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// The values, taken out.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The options whose encoded value differs from what the form showed,
    /// with their new text. "My edits" are judged on the canonical
    /// encoding, so records stored in another spelling (`""` for a flag, a
    /// host in capitals, as Bitrix may leave them) do not count as edits
    /// of an untouched field.
    fn changes(&self) -> RawOptions {
        self.value
            .encode()
            .into_iter()
            .filter(|(name, value)| self.shown.get(name) != Some(value))
            .collect()
    }
}

impl<T: ModuleOptions> fmt::Debug for OptionsForm<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptionsForm")
            .field("module", &T::MODULE)
            .field("scope", &self.scope)
            .field("revision", &self.base.revision)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Settings<S> {
    /// A form holding `T`'s options as seen from `scope` (inherited values
    /// included), every field in it, to edit and [`save`](Self::save):
    /// for the application's own code, which reads every option anyway
    /// ([`options`](Self::options)). A form drawn for a user is
    /// [`edit_for`](Self::edit_for) that user.
    ///
    /// # Errors
    ///
    /// As [`options`](Self::options).
    pub fn edit<T: ModuleOptions + Clone>(
        &self,
        scope: Scope,
    ) -> Result<OptionsForm<T>, SettingsError> {
        self.form(None, scope)
    }

    /// A form holding `T`'s options as `actor` may see them from `scope`:
    /// the fields below the level `actor` holds on `T::GUARD` in `scope`
    /// (their view levels) hold their defaults and are listed as
    /// [hidden](OptionsForm::hidden); a save never writes them unless they
    /// are changed. The level is read as [`check`](Self::check) reads it:
    /// within the staleness bound, failing closed.
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::in_memory();
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let mut tab = settings.access_tab(ModuleId::from_static("video"))?;
    /// tab.set_default(Scope::Common, AccessLevel::R)?;
    /// settings.apply_access_tab(&admin, tab)?;
    /// let revision = settings.revision(ModuleId::from_static("videoport"))?;
    /// let videoport = ModuleId::from_static("videoport");
    /// settings.set_option(&admin, videoport, Scope::Common, "SecretCode", "guest-key", revision)?;
    ///
    /// // A reader (R) does not see the secret word, which needs W.
    /// let reader = Actor::new([GroupId::EVERYONE]);
    /// let form = settings.edit_for::<VideoPort>(&reader, Scope::Common)?;
    /// assert!(form.is_hidden("SecretCode"));
    /// assert!(form.value().secret_code.is_none()); // its default, not the stored word
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`options`](Self::options), with the values of hidden options
    /// withheld from [`SettingsError::StoredOptions`]; as
    /// [`check`](Self::check) when the level cannot be read;
    /// [`SettingsError::OptionsDenied`] naming the hidden options when the
    /// module's rules do not accept the form with their defaults in place
    /// (a rule that ties a hidden option to one the actor sees): the form
    /// cannot be drawn for this actor — [`show`](Self::show) and
    /// [`save_raw`](Self::save_raw) can.
    pub fn edit_for<T: ModuleOptions + Clone>(
        &self,
        actor: &Actor,
        scope: Scope,
    ) -> Result<OptionsForm<T>, SettingsError> {
        self.form(Some(actor), scope)
    }

    /// The form of [`edit`](Self::edit) (no actor: nothing hidden) and
    /// [`edit_for`](Self::edit_for).
    fn form<T: ModuleOptions + Clone>(
        &self,
        actor: Option<&Actor>,
        scope: Scope,
    ) -> Result<OptionsForm<T>, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        let schema = *entry.codec()?.schema();
        let held = match actor {
            Some(actor) => self.held_by(actor, T::GUARD, scope)?,
            None => AccessLevel::W,
        };
        let base = self.snapshot(entry)?;
        let value = typed_value::<T>(&base, scope).map_err(|err| match err {
            SettingsError::StoredOptions {
                module,
                scope,
                errors,
            } => SettingsError::StoredOptions {
                module,
                scope,
                errors: schema.errors_for(errors, held),
            },
            other => other,
        })?;
        let hidden: Vec<_> = match actor {
            Some(_) => schema
                .options()
                .iter()
                .filter(|spec| !spec.viewable_by(held))
                .collect(),
            None => Vec::new(),
        };
        if hidden.is_empty() {
            let shown = value.encode();
            return Ok(OptionsForm::new(
                base,
                scope,
                shown,
                T::clone(&value),
                Vec::new(),
            ));
        }
        let mut masked = value.encode();
        for spec in &hidden {
            masked.insert(spec.name().clone(), spec.default_value().to_owned());
        }
        let names: Vec<OptionName> = hidden.iter().map(|spec| spec.name().clone()).collect();
        let Ok(value) = T::decode(&masked) else {
            // Its errors would tell what the hidden values are not.
            return Err(SettingsError::OptionsDenied {
                module: T::GUARD,
                options: names,
                needed: hidden
                    .iter()
                    .map(|spec| spec.view())
                    .max()
                    .unwrap_or(AccessLevel::W),
                held,
            });
        };
        let shown = value.encode();
        Ok(OptionsForm::new(base, scope, shown, value, names))
    }

    /// Saves a form, in the [order of every write](crate::settings#the-order-of-checks):
    ///
    /// 1. usage: `T` is registered, the form changes no
    ///    [operation-only](crate::options::OptionSpec::operation_only)
    ///    option, the scope is a site the installation lists;
    /// 2. access: `actor` holds, on the guarding module in the form's
    ///    scope, the edit level of every option the form changes (and at
    ///    least the lowest edit level of the module's options);
    /// 3. value: the whole value is validated (every error at once).
    ///
    /// Then only the fields that differ from what the form showed are
    /// committed, as the smallest patch to that scope — a changed secret,
    /// though, is always stored as the scope's own value, even when it
    /// equals the inherited one.
    /// Returns the new revision — or the current one when nothing changed
    /// (no event then).
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`], [`SettingsError::OptionsDenied`] naming
    /// the options above the actor's level, [`SettingsError::Invalid`],
    /// [`SettingsError::Conflict`], [`SettingsError::Store`];
    /// [`SettingsError::ForeignSnapshot`] for a form taken from another
    /// `Settings` instance; [`SettingsError::OperationOnly`] when the form
    /// changes an
    /// [operation-only](crate::options::OptionSpec::operation_only) option
    /// (such as the Bitrix24 connection, written by
    /// [`connect_b24`](Self::connect_b24)), which only
    /// [`operate`](Self::operate) writes.
    pub fn save<T: ModuleOptions>(
        &self,
        actor: &Actor,
        form: OptionsForm<T>,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        let need = Need::options(entry.codec()?.schema(), form.changes().keys(), false)?;
        let auth = self.authorize(actor, T::GUARD, [form.scope], need)?;
        let kind = WriteKind::SaveOptions { scope: form.scope };
        self.commit_form(auth, kind, form)
    }

    /// Checks what a form changes against `auth` (whatever it was
    /// authorized for: an operation's is known only now), then validates
    /// and commits it.
    pub(crate) fn commit_form<T: ModuleOptions>(
        &self,
        mut auth: Authorized,
        kind: WriteKind,
        form: OptionsForm<T>,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        let desired = form.changes();
        let write = Write {
            kind,
            entry,
            base: form.base,
            intent: Intent::Options {
                scope: form.scope,
                desired,
            },
        };
        self.cover(&mut auth, &write)?;
        form.value.validate().map_err(SettingsError::Invalid)?;
        self.commit_write(auth, write)
    }

    /// "Reset to inherited": deletes option `name` of `module`
    /// in `scope` only, so the scope inherits it again. `based_on` is the
    /// revision the caller's page showed ([`OptionsForm::revision`]);
    /// others' changes since then merge as for a form. Checked in the
    /// [order of every write](crate::settings#the-order-of-checks): the
    /// name, then the option's edit level, then whether inheriting leaves
    /// the scope's options valid.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownOption`] for a name the module does not
    /// have; [`SettingsError::OperationOnly`] for an
    /// [operation-only](crate::options::OptionSpec::operation_only) option;
    /// [`SettingsError::Denied`] or [`SettingsError::OptionsDenied`] when
    /// `actor` holds less than the option's edit level on the guarding
    /// module; [`SettingsError::Invalid`] when inheriting would leave the
    /// scope's options invalid;
    /// [`SettingsError::Outdated`] when `based_on` is too old to merge;
    /// [`SettingsError::Conflict`], [`SettingsError::Store`].
    pub fn reset_option(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
        name: &str,
        based_on: Revision,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.options(module)?;
        let schema = *entry.codec()?.schema();
        let name = option_name(&schema, name)?;
        let need = Need::options(&schema, [&name], false)?;
        let auth = self.authorize(actor, schema.guard(), [scope], need)?;
        let base = self.based_on(entry, based_on)?;
        let write = Write {
            kind: WriteKind::ResetOption { scope },
            entry,
            base,
            intent: Intent::Records(vec![Change::RemoveOption { scope, name }]),
        };
        self.commit_write(auth, write)
    }
}
