//! The facade by module id, for admin front ends (a command line, a web
//! page) that know modules by name rather than by Rust type: schemas and
//! level lists, effective values with their source, raw writes validated
//! like a typed form, and the set of a user's roles.
//!
//! Writes here go through the same authorization and commit path as
//! [`Settings::save`] (the [order of checks](crate::settings#the-order-of-checks),
//! the edit level of each option, conflict rebase, one event, audit
//! records); only the way the new values arrive differs. Reads for an
//! actor are in [`actor_view`](super::actor_view).

use std::sync::Arc;

use crate::access::{AccessLevels, ModuleLevels, ScopeQuery};
use crate::ids::{GroupId, ModuleId, Scope};
use crate::options::{
    codec, FieldError, ModuleSchema, OptionKind, RawOptions, ValidationErrors, Value,
};
use crate::settings::actor::Actor;
use crate::settings::cache::state::ModuleState;
use crate::settings::cache::Refresh;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::registry::Entry;
use crate::settings::write::merge::Intent;
use crate::settings::write::need::{option_name, Need};
use crate::settings::write::Write;
use crate::settings::Settings;
use crate::store::{Revision, Store};

impl<S: Store> Settings<S> {
    /// The schema of options module `module`: its options with kinds,
    /// defaults and labels, its guarding module and that module's levels —
    /// what a generic admin page draws. Needs no store access.
    ///
    /// ```
    /// use module_settings::settings::Settings;
    /// use module_settings::ModuleId;
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let schema = settings.schema(ModuleId::from_static("videoport"))?;
    /// assert_eq!(schema.guard(), ModuleId::from_static("video"));
    /// assert!(settings.schema(ModuleId::from_static("video")).is_err()); // rights only
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// options module.
    pub fn schema(&self, module: ModuleId) -> Result<ModuleSchema, SettingsError> {
        let entry = self.registry.options(module)?;
        Ok(*entry.codec()?.schema())
    }

    /// The levels rights module `module` accepts, with their labels — the
    /// choices of its Access tab. Needs no store access.
    ///
    /// ```
    /// use module_settings::settings::Settings;
    /// use module_settings::{AccessLevel, ModuleId};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let levels = settings.levels(ModuleId::from_static("b24connector"))?;
    /// assert!(levels.accepts(AccessLevel::M));
    /// assert!(!settings.levels(ModuleId::from_static("video"))?.accepts(AccessLevel::M));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// rights module.
    pub fn levels(&self, module: ModuleId) -> Result<ModuleLevels, SettingsError> {
        let entry = self.registry.rights(module)?;
        entry.spec.levels.ok_or(SettingsError::UnknownModule {
            module,
            role: "as a rights module",
        })
    }

    /// Saves submitted text for some options of `module` in `scope` — a
    /// settings form as a web page posts it, option name → text — with
    /// the checks and the write path of [`save`](Self::save), in the
    /// [order of every write](crate::settings#the-order-of-checks):
    ///
    /// 1. usage: every submitted name is an option of the module (every
    ///    unknown name is reported at once, named but its value never
    ///    quoted), none is
    ///    [operation-only](crate::options::OptionSpec::operation_only),
    ///    and `scope` is a site the installation lists;
    /// 2. access: `actor` holds, on the module's guard in `scope`, the edit
    ///    level of every submitted option — whether or not its value
    ///    changes, so the answer never tells a stored value — and at least
    ///    the lowest edit level of the module's options;
    /// 3. value: every submitted field is checked against its option's
    ///    kind; every problem is reported at once, secrets masked;
    /// 4. values are stored in their canonical form (a host lower-cased,
    ///    an https origin without its trailing `/`), and a value equal to
    ///    the one the scope inherits removes the scope's own copy, as a
    ///    typed form does — except a **secret**, which is never compared:
    ///    it is stored as the scope's own value and committed even when
    ///    the scope already holds or inherits that very text, so a writer
    ///    cannot tell a right guess of the stored secret from a wrong one
    ///    (use [`reset_option`](Self::reset_option) to inherit it again);
    /// 5. the module's rules across options (for a typed module, its
    ///    `decode`) must hold, after the write, in every scope whose options
    ///    were valid before it (a scope already invalid may be repaired one
    ///    field at a time); a problem of an option the actor may not see
    ///    keeps its value to itself;
    /// 6. the write is based on `based_on` (the revision the caller's page
    ///    showed): others' changes to other options since then merge, the
    ///    same option changed by both is a conflict, whatever
    ///    value the others wrote.
    ///
    /// Returns the new revision, or the current one when nothing changed
    /// (no event then); a form with a secret always changes something.
    ///
    /// ```
    /// use module_settings::options::RawOptions;
    /// use module_settings::settings::{Actor, Settings, SettingsError};
    /// use module_settings::{GroupId, ModuleId, OptionName, Scope};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let videoport = ModuleId::from_static("videoport");
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let revision = settings.revision(videoport)?;
    ///
    /// let form = RawOptions::from([
    ///     (OptionName::from_static("ServerPort"), "70000".to_owned()),
    ///     (OptionName::from_static("window_chat"), "yes".to_owned()),
    /// ]);
    /// match settings.save_raw(&admin, videoport, Scope::Common, &form, revision) {
    ///     Err(SettingsError::Invalid(errors)) => assert_eq!(errors.len(), 2),
    ///     other => panic!("{other:?}"),
    /// }
    /// // Someone without W learns nothing about the values: access comes first.
    /// let anyone = Actor::new([GroupId::EVERYONE]);
    /// let err = settings.save_raw(&anyone, videoport, Scope::Common, &form, revision);
    /// assert!(err.unwrap_err().is_denied());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`]; [`SettingsError::Invalid`] naming
    /// every unknown option; [`SettingsError::OperationOnly`] when
    /// `submitted` holds an
    /// [operation-only](crate::options::OptionSpec::operation_only)
    /// option, which only [`operate`](Self::operate) writes — even with
    /// the value stored now; [`SettingsError::Site`];
    /// [`SettingsError::Denied`], [`SettingsError::OptionsDenied`] naming
    /// the submitted options above the actor's level;
    /// [`SettingsError::Invalid`] for the values; [`SettingsError::Outdated`]
    /// when `based_on` is too old to merge, [`SettingsError::Conflict`],
    /// [`SettingsError::Store`].
    pub fn save_raw(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
        submitted: &RawOptions,
        based_on: Revision,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.options(module)?;
        let schema = *entry.codec()?.schema();
        schema
            .check_names(submitted)
            .map_err(SettingsError::Invalid)?;
        let need = Need::options(&schema, submitted.keys(), false)?;
        let auth = self.authorize(actor, schema.guard(), [scope], need)?;
        schema
            .check_submitted(submitted)
            .map_err(SettingsError::Invalid)?;
        let desired = canonical(&schema, submitted)?;
        let base = self.based_on(entry, based_on)?;
        // The rules across options are checked by the commit path on the
        // records as they would be after the write, in every scope — the
        // one place that also sees a common write breaking a site.
        let write = Write {
            kind: WriteKind::SaveOptions { scope },
            entry,
            base,
            intent: Intent::Options { scope, desired },
        };
        self.commit_write(auth, write)
    }

    /// Sets one option of `module` in `scope` from text:
    /// [`save_raw`](Self::save_raw) with one field. The value is never
    /// echoed back in an error when the option is a secret, and setting a
    /// secret always commits a new revision: the answer never says whether
    /// the scope already had, or inherited, that value.
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let videoport = ModuleId::from_static("videoport");
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let revision = settings.revision(videoport)?;
    /// settings.set_option(&admin, videoport, Scope::Common, "ServerPort", "8443", revision)?;
    /// assert_eq!(settings.options::<VideoPort>(Scope::Common)?.server_port.map(|p| p.get()), Some(8443));
    ///
    /// // Everyone else holds D on `video` (no grants, no default): denied.
    /// let anyone = Actor::new([GroupId::EVERYONE]);
    /// let revision = settings.revision(videoport)?;
    /// let err = settings.set_option(&anyone, videoport, Scope::Common, "ServerPort", "1", revision);
    /// assert_eq!(err.unwrap_err().to_string(), "access denied to module video: needs W, holds D");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`save_raw`](Self::save_raw), with
    /// [`SettingsError::UnknownOption`] for a name the module does not
    /// have (a mistake of usage, found first, as for
    /// [`reset_option`](Self::reset_option)).
    pub fn set_option(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
        name: &str,
        value: &str,
        based_on: Revision,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.options(module)?;
        let name = option_name(entry.codec()?.schema(), name)?;
        let submitted = RawOptions::from([(name, value.to_owned())]);
        self.save_raw(actor, module, scope, &submitted, based_on)
    }

    /// The set of levels `groups` hold in rights module `module` for
    /// `query` — Bitrix's `GetUserRoles`: each group's grant, or
    /// the default for a group without one; an administrator group adds W.
    ///
    /// ```
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::access::AccessLevels;
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::in_memory();
    /// let video = ModuleId::from_static("video");
    /// let mut tab = settings.access_tab(video)?;
    /// tab.set_default(Scope::Common, AccessLevel::R)?;
    /// tab.set_grant(Scope::Common, GroupId::from_static(5), AccessLevel::W)?;
    /// settings.apply_access_tab(&Actor::new([GroupId::ADMINISTRATORS]), tab)?;
    ///
    /// // Group 2 has no grant (the default R), group 5 has W.
    /// let roles = settings.roles(video, &[GroupId::EVERYONE, GroupId::from_static(5)], Scope::Common)?;
    /// assert_eq!(roles, AccessLevels::R | AccessLevels::W);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check): checks fail closed. Unusable stored
    /// rights ([`SettingsError::StoredRights`]) fail this call for
    /// administrators too: every group's row counts here, not only the
    /// bypass.
    pub fn roles<'q>(
        &self,
        module: ModuleId,
        groups: &(impl AsRef<[GroupId]> + ?Sized),
        query: impl Into<ScopeQuery<'q>>,
    ) -> Result<AccessLevels, SettingsError> {
        let groups = groups.as_ref();
        let entry = self.registry.rights(module)?;
        // A plain `check` first: it refreshes the snapshot and fails
        // closed exactly as every other check does.
        self.check(module, &[], ScopeQuery::Common)?;
        let state = entry.cache.current();
        match &state.rights {
            Some(Ok(compiled)) => Ok(compiled.roles(groups, query)),
            // Every group's row counts here, so unusable rows fail the
            // call even for an administrator.
            Some(Err(unusable)) => Err(unusable.error(module)),
            None => Err(SettingsError::UnknownModule {
                module,
                role: "as a rights module",
            }),
        }
    }

    /// The snapshot of `entry` at `revision`: the cached one, or the
    /// store's current one if that is it. What changed since an older
    /// revision is no longer known ([`SettingsError::Outdated`]).
    pub(crate) fn based_on(
        &self,
        entry: &Entry,
        revision: Revision,
    ) -> Result<Arc<ModuleState>, SettingsError> {
        if let Some(base) = entry.cache.at(revision) {
            return Ok(base);
        }
        self.refresh(entry, Refresh::Check)?;
        entry
            .cache
            .at(revision)
            .ok_or_else(|| SettingsError::Outdated {
                module: entry.id(),
                based_on: revision,
                current: entry.cache.current().revision,
            })
    }
}

/// The submitted values in the form a typed form would store them, so
/// that "equal to the inherited value" means equal in meaning, not in
/// spelling. `submitted` has passed `check_submitted`.
fn canonical(schema: &ModuleSchema, submitted: &RawOptions) -> Result<RawOptions, SettingsError> {
    let mut errors = ValidationErrors::new();
    let mut out = RawOptions::new();
    for (name, text) in submitted {
        let Some(spec) = schema.option(name.as_str()) else {
            continue; // refused by `check_submitted` already
        };
        match spec.kind().decode(text) {
            Ok(value) => {
                out.insert(name.clone(), canonical_text(spec.kind(), &value, text));
            }
            Err(problem) => errors.push(FieldError::new(schema.module(), spec, text, problem)),
        }
    }
    errors.into_result(out).map_err(SettingsError::Invalid)
}

/// The stored text of a decoded `value`; `text` is what was submitted,
/// kept for a secret (never re-encoded, never copied elsewhere).
fn canonical_text(kind: OptionKind, value: &Value, text: &str) -> String {
    match value {
        Value::Bool(b) => codec::encode_bool(*b).to_owned(),
        Value::Integer(n) => codec::encode_integer(*n),
        Value::Host(Some(host)) => codec::encode_host(host),
        Value::Url(Some(url)) if kind == OptionKind::HttpsOrigin => codec::encode_https_origin(url),
        Value::Url(Some(url)) => codec::encode_url(url),
        Value::Choice(Some(choice)) => (*choice).to_owned(),
        Value::Text(text) => text.clone(),
        Value::Host(None) | Value::Url(None) | Value::Choice(None) => String::new(),
        Value::Secret(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::{B24Connector, VideoPort};

    fn text(kind: OptionKind, submitted: &str) -> String {
        let value = kind.decode(submitted).unwrap();
        canonical_text(kind, &value, submitted)
    }

    #[test]
    fn canonical_text_is_what_a_typed_form_stores() {
        assert_eq!(text(OptionKind::Bool, ""), "N");
        assert_eq!(text(OptionKind::Bool, "Y"), "Y");
        assert_eq!(
            text(OptionKind::Host, "VIDEO.Example.com"),
            "video.example.com"
        );
        assert_eq!(text(OptionKind::Host, ""), "");
        assert_eq!(
            text(OptionKind::HttpsOrigin, "https://Example.bitrix24.ru/"),
            "https://example.bitrix24.ru"
        );
        assert_eq!(
            text(OptionKind::Url, "https://a.example"),
            "https://a.example/"
        );
        let port = VideoPort::SERVER_PORT.kind();
        assert_eq!(text(port, "8000"), "8000");
        assert_eq!(text(port, ""), "");
        let secret = VideoPort::SECRET_CODE.kind();
        assert_eq!(text(secret, " spaced key "), " spaced key ");
        let mode = B24Connector::CONNECT_MODE.kind();
        assert_eq!(text(mode, "new"), "new");
    }
}
