//! [`OptionsForm`]: a module's settings page being edited, and the writes
//! that save it or reset one option.

use std::fmt;
use std::sync::Arc;

use crate::ids::{ModuleId, Scope};
use crate::options::{ModuleOptions, RawOptions};
use crate::settings::actor::Actor;
use crate::settings::cache::state::{effective, ModuleState};
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::read::typed_value;
use crate::settings::write::merge::Intent;
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
/// `Debug` shows the module, scope and revision, never the values.
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
/// let mut form = settings.edit::<VideoPort>(s1)?;
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
}

impl<T: ModuleOptions> OptionsForm<T> {
    /// `value` to be saved in `scope`, edited from `base`.
    pub(crate) fn new(base: Arc<ModuleState>, scope: Scope, value: T) -> Self {
        OptionsForm { scope, base, value }
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
}

impl<T: ModuleOptions> fmt::Debug for OptionsForm<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptionsForm")
            .field("module", &T::MODULE)
            .field("scope", &self.scope)
            .field("revision", &self.base.revision)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Settings<S> {
    /// A form holding `T`'s options as seen from `scope` (inherited values
    /// included), to edit and [`save`](Self::save).
    ///
    /// # Errors
    ///
    /// As [`options`](Self::options).
    pub fn edit<T: ModuleOptions + Clone>(
        &self,
        scope: Scope,
    ) -> Result<OptionsForm<T>, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        let base = self.snapshot(entry)?;
        let value = typed_value::<T>(&base, scope)?;
        Ok(OptionsForm::new(base, scope, T::clone(&value)))
    }

    /// Saves a form: checks that `actor` holds W on the guarding module in
    /// the form's scope, validates the whole value (every error at once),
    /// and commits only the fields that differ from the form's snapshot,
    /// as the smallest patch to that scope — a changed secret, though, is
    /// always stored as the scope's own value, even when it equals the
    /// inherited one.
    /// Returns the new revision — or the current one when nothing changed
    /// (no event then).
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`], [`SettingsError::Invalid`],
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
        let auth = self.authorize(actor, T::GUARD, [form.scope])?;
        let kind = WriteKind::SaveOptions { scope: form.scope };
        self.commit_form(auth, kind, form)
    }

    /// Validates and commits a form for an authorized actor.
    pub(crate) fn commit_form<T: ModuleOptions>(
        &self,
        auth: Authorized,
        kind: WriteKind,
        form: OptionsForm<T>,
    ) -> Result<Revision, SettingsError> {
        form.value.validate().map_err(SettingsError::Invalid)?;
        let entry = self.registry.typed::<T>()?;
        let Some(codec) = entry.spec.options.as_ref() else {
            return Err(SettingsError::UnknownModule {
                module: T::MODULE,
                role: "as an options module",
            });
        };
        // "My edits" are judged on the canonical form of the value the
        // form was taken from, so records stored in another spelling
        // (`""` for a flag, a host in capitals, as Bitrix may leave them)
        // do not count as edits of an untouched field.
        let before = match typed_value::<T>(&form.base, form.scope) {
            Ok(original) => original.encode(),
            Err(_) => effective(codec, &form.base.records, form.scope),
        };
        let desired: RawOptions = form
            .value
            .encode()
            .into_iter()
            .filter(|(name, value)| before.get(name) != Some(value))
            .collect();
        let write = Write {
            kind,
            entry,
            base: form.base,
            intent: Intent::Options {
                scope: form.scope,
                desired,
            },
        };
        self.commit_write(auth, write)
    }

    /// "Reset to inherited": deletes option `name` of `module`
    /// in `scope` only, so the scope inherits it again. `based_on` is the
    /// revision the caller's page showed ([`OptionsForm::revision`]);
    /// others' changes since then merge as for a form.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`] (W on the guarding module is needed);
    /// [`SettingsError::UnknownOption`] for a name the module does not
    /// have; [`SettingsError::Invalid`] when inheriting would leave the
    /// scope's options invalid;
    /// [`SettingsError::Outdated`] when `based_on` is too old to merge;
    /// [`SettingsError::Conflict`], [`SettingsError::Store`];
    /// [`SettingsError::OperationOnly`] for an
    /// [operation-only](crate::options::OptionSpec::operation_only) option.
    pub fn reset_option(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
        name: &str,
        based_on: Revision,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.options(module)?;
        let Some(codec) = entry.spec.options.as_ref() else {
            return Err(SettingsError::UnknownModule {
                module,
                role: "as an options module",
            });
        };
        let schema = *codec.schema();
        let auth = self.authorize(actor, schema.guard(), [scope])?;
        let Some(spec) = schema.option(name) else {
            return Err(SettingsError::UnknownOption {
                module,
                name: name.chars().take(64).collect(),
            });
        };
        let base = self.based_on(entry, based_on)?;
        let write = Write {
            kind: WriteKind::ResetOption { scope },
            entry,
            base,
            intent: Intent::Records(vec![Change::RemoveOption {
                scope,
                name: spec.name().clone(),
            }]),
        };
        self.commit_write(auth, write)
    }
}
