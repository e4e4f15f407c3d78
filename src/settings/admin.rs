//! The facade by module id, for admin front ends (a command line, a web
//! page) that know modules by name rather than by Rust type: schemas and
//! level lists, effective values with their source, raw writes validated
//! like a typed form, and the set of a user's roles.
//!
//! Writes here go through the same authorization and commit path as
//! [`Settings::save`] (W on the guard, conflict rebase, one event, audit
//! records); only the way the new values arrive differs.

use std::sync::Arc;

use serde::Serialize;

use crate::access::{AccessLevels, ModuleLevels, ScopeQuery};
use crate::ids::{GroupId, ModuleId, OptionName, Scope};
use crate::label::Label;
use crate::options::{
    codec, FieldError, ModuleSchema, OptionKind, RawOptions, ScopeLayers, ShownValue, Source,
    ValidationErrors, Value,
};
use crate::settings::actor::Actor;
use crate::settings::cache::state::{scope_raw, ModuleState};
use crate::settings::cache::Refresh;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::registry::{Entry, OptionsCodec};
use crate::settings::write::merge::Intent;
use crate::settings::write::Write;
use crate::settings::Settings;
use crate::store::{Revision, Store};

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
        Ok(*codec_of(entry)?.schema())
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

    /// Every option of options module `module` as seen from `scope`, in
    /// page order: the effective value (the site's, else the common one,
    /// else the default) with its [`Source`]. Secrets show only
    /// whether they are set. Reads never write.
    ///
    /// ```
    /// use module_settings::options::{ShownValue, Source};
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{GroupId, ModuleId, Scope, SiteId};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let videoport = ModuleId::from_static("videoport");
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// let revision = settings.revision(videoport)?;
    /// settings.set_option(&admin, videoport, Scope::Common, "SecretCode", "guest-key", revision)?;
    ///
    /// let s1 = Scope::Site(SiteId::from_static("s1"));
    /// let shown = settings.show(videoport, s1)?;
    /// let secret = shown.iter().find(|o| o.name == "SecretCode").unwrap();
    /// assert_eq!((&secret.value, secret.source), (&ShownValue::Secret { set: true }, Source::Common));
    /// assert_eq!(shown[0].source, Source::Default); // ServerHost: nothing stored
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// options module; [`SettingsError::Site`] if `scope` names a site
    /// the store's site list does not hold; [`SettingsError::StoredOptions`] (every bad field,
    /// masked) if the stored values of that scope fail to decode;
    /// [`SettingsError::Store`] if a refresh failed.
    pub fn show(
        &self,
        module: ModuleId,
        scope: Scope,
    ) -> Result<Vec<EffectiveOption>, SettingsError> {
        let entry = self.registry.options(module)?;
        let codec = codec_of(entry)?;
        self.require_sites([scope])?;
        let state = self.snapshot(entry)?;
        let common = scope_raw(&state.records, Scope::Common);
        let site = scope_raw(&state.records, scope);
        let merged = ScopeLayers::of(scope, codec.defaults(), &common, &site).effective();
        let schema = codec.schema();
        let values =
            schema
                .decode_all(merged.raw())
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

    /// Saves submitted text for some options of `module` in `scope` — a
    /// settings form as a web page posts it, option name → text — with
    /// the checks and the write path of [`save`](Self::save):
    ///
    /// 1. `actor` needs **W** on the module's guard in `scope`;
    /// 2. every submitted field is checked against its option's kind, and
    ///    names the module does not have are refused; every problem is
    ///    reported at once, secrets masked;
    /// 3. values are stored in their canonical form (a host lower-cased,
    ///    an https origin without its trailing `/`), and a value equal to
    ///    the one the scope inherits removes the scope's own copy, as a
    ///    typed form does — except a **secret**, which is never compared:
    ///    it is stored as the scope's own value and committed even when
    ///    the scope already holds or inherits that very text, so a writer
    ///    cannot tell a right guess of the stored secret from a wrong one
    ///    (use [`reset_option`](Self::reset_option) to inherit it again);
    /// 4. the module's rules across options (for a typed module, its
    ///    `decode`) must hold, after the write, in every scope whose options
    ///    were valid before it (a scope already invalid may be repaired one
    ///    field at a time);
    /// 5. the write is based on `based_on` (the revision the caller's page
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
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`], [`SettingsError::Denied`],
    /// [`SettingsError::Invalid`], [`SettingsError::Outdated`] when
    /// `based_on` is too old to merge, [`SettingsError::Conflict`],
    /// [`SettingsError::Store`]; [`SettingsError::OperationOnly`] when
    /// `submitted` holds an
    /// [operation-only](crate::options::OptionSpec::operation_only)
    /// option, which only [`operate`](Self::operate) writes — even with
    /// the value stored now.
    pub fn save_raw(
        &self,
        actor: &Actor,
        module: ModuleId,
        scope: Scope,
        submitted: &RawOptions,
        based_on: Revision,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.options(module)?;
        let schema = *codec_of(entry)?.schema();
        let auth = self.authorize(actor, schema.guard(), [scope])?;
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
    /// As [`save_raw`](Self::save_raw), and
    /// [`SettingsError::UnknownOption`] for a name the module does not
    /// have (after the access check, as for
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
        let schema = *codec_of(entry)?.schema();
        self.authorize(actor, schema.guard(), [scope])?;
        let Some(spec) = schema.option(name) else {
            return Err(SettingsError::UnknownOption {
                module,
                name: name.chars().take(64).collect(),
            });
        };
        let submitted = RawOptions::from([(spec.name().clone(), value.to_owned())]);
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

/// The options codec of a registered options module.
fn codec_of(entry: &Entry) -> Result<&OptionsCodec, SettingsError> {
    entry
        .spec
        .options
        .as_ref()
        .ok_or(SettingsError::UnknownModule {
            module: entry.id(),
            role: "as an options module",
        })
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
