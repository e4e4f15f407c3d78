//! [`SettingsError`]: everything the facade can refuse or fail with, and
//! [`RecordKey`], which names the stored records a conflict is about.

use std::fmt;

use serde::Serialize;

use crate::access::{AccessError, AccessLevel};
use crate::ids::{GroupId, ModuleId, OptionName, Scope, UserId};
use crate::modules::ConnectionError;
use crate::options::{FieldError, FieldProblem, ValidationErrors};
use crate::settings::cache::stored_rights::StoredRightsError;
use crate::store::directory::SiteError;
use crate::store::{Revision, RightKey, StoreError};

/// The key of one stored record of a module: an option in a scope, the
/// default level of a scope, or the grant of a group in a scope. Conflicts
/// name the records each side changed with it; it never carries a value.
///
/// Display: `option ServerPort in common`, `default level in s1`,
/// `grant of group 5 in common`.
///
/// ```
/// use module_settings::settings::RecordKey;
/// use module_settings::{GroupId, Scope};
/// let key = RecordKey::Grant { scope: Scope::Common, group: GroupId::from_static(5) };
/// assert_eq!(key.to_string(), "grant of group 5 in common");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordKey {
    /// An option's value stored in one scope.
    Option {
        /// The scope the value is stored in.
        scope: Scope,
        /// The option.
        name: OptionName,
    },
    /// The default access level of one scope.
    Default {
        /// Common, or one site.
        scope: Scope,
    },
    /// One group's grant in one scope.
    Grant {
        /// Common, or one site.
        scope: Scope,
        /// The user group.
        group: GroupId,
    },
}

impl RecordKey {
    /// The scope the record belongs to.
    pub fn scope(&self) -> Scope {
        match *self {
            RecordKey::Option { scope, .. }
            | RecordKey::Default { scope }
            | RecordKey::Grant { scope, .. } => scope,
        }
    }

    /// Whether the record is part of the Access tab (a default or a grant).
    pub fn is_right(&self) -> bool {
        !matches!(self, RecordKey::Option { .. })
    }
}

/// The same record, named as the facade names records.
impl From<RightKey> for RecordKey {
    fn from(key: RightKey) -> Self {
        match key {
            RightKey::Default { scope } => RecordKey::Default { scope },
            RightKey::Grant { scope, group } => RecordKey::Grant { scope, group },
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordKey::Option { scope, name } => write!(f, "option {name} in {scope}"),
            RecordKey::Default { scope } => write!(f, "default level in {scope}"),
            RecordKey::Grant { scope, group } => write!(f, "grant of group {group} in {scope}"),
        }
    }
}

/// One contradiction among the registrations given to the
/// [`SettingsBuilder`](crate::settings::SettingsBuilder), reported in
/// [`SettingsError::Registration`].
///
/// A problem is either a contradiction between registrations or a problem
/// of one option of a module's schema, which the builder finds by running
/// the module's [`ModuleSchema::problems`](crate::options::ModuleSchema::problems)
/// (a default that does not decode, a default that is not what the type's
/// `Default` encodes, a level the module does not list).
///
/// Display: `module video cannot be registered: it is already registered
/// with the levels D, M, R, W, not D, R, W`, or, for an option,
/// `module crm cannot be registered: option flag: "" is not allowed;
/// expected "N", the text the module's Default value encodes it as`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegistrationProblem {
    /// The module.
    pub module: ModuleId,
    /// The option at fault, for a problem of one option.
    pub option: Option<OptionName>,
    /// What is wrong with the option, for a problem of one option.
    pub problem: Option<FieldProblem>,
    /// What contradicts what, or what is wrong with the option, in words.
    pub reason: String,
}

impl RegistrationProblem {
    /// A contradiction about `module` as a whole.
    pub(crate) fn module(module: ModuleId, reason: String) -> Self {
        RegistrationProblem {
            module,
            option: None,
            problem: None,
            reason,
        }
    }

    /// A problem of one option of a module's schema.
    pub(crate) fn option(error: FieldError) -> Self {
        let reason = match error.value() {
            Some(value) => format!("\"{value}\" is not allowed; {}", error.problem()),
            None => error.problem().to_string(),
        };
        RegistrationProblem {
            module: error.module(),
            option: Some(error.option().clone()),
            problem: Some(error.problem().clone()),
            reason,
        }
    }
}

impl fmt::Display for RegistrationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "module {} cannot be registered: ", self.module)?;
        if let Some(option) = &self.option {
            write!(f, "option {option}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// `a; b; c`.
struct ProblemList<'a>(&'a [RegistrationProblem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Why a call on [`Settings`](crate::settings::Settings) failed.
///
/// Display texts say what happened and what to do; none of them ever holds
/// a secret (option values in [`Invalid`](Self::Invalid) are masked by the
/// options layer, and conflicts name records, not values).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The module is not registered with the facade, or not in the role
    /// asked for (options of this type, or access rights).
    #[error("module {module} is not registered {role}; register it on the settings builder")]
    UnknownModule {
        /// The module asked for.
        module: ModuleId,
        /// What was asked of it: `"as an options module of this type"`,
        /// `"as a rights module"`, or `"as an options module"`.
        role: &'static str,
    },
    /// The module has no option of this name.
    #[error("module {module} has no option \"{}\"", name.escape_debug())]
    UnknownOption {
        /// The options module.
        module: ModuleId,
        /// The name asked for (at most 64 characters of it).
        name: String,
    },
    /// The builder was given contradicting registrations, or a module
    /// whose schema has problems: every one of them, in the order the
    /// modules were registered (joined by `; ` in the text).
    #[error("{}", ProblemList(problems))]
    Registration {
        /// Each contradiction; never empty.
        problems: Vec<RegistrationProblem>,
    },
    /// The actor lacks the level the write needs on the guarding module:
    /// W for the Access tab and the Bitrix24 operations, and for options
    /// the lowest edit level any option the write could change has (W
    /// unless the module lowers some). Nothing was written.
    #[error("access denied to module {module}: needs {needed}, holds {held}")]
    Denied {
        /// The module whose rights guard the write.
        module: ModuleId,
        /// The level needed.
        needed: AccessLevel,
        /// The level the actor holds.
        held: AccessLevel,
    },
    /// The actor holds enough on the guarding module to write some of the
    /// module's options, but not these: each needs more than the actor
    /// holds — its edit level, for a write that changes it, or its view
    /// level, for a typed form ([`Settings::edit_for`]) that cannot be
    /// drawn without it. Nothing was written.
    ///
    /// [`Settings::edit_for`]: crate::settings::Settings::edit_for
    #[error(
        "access denied to {} {}: needs {}{needed} on module {module}, holds {held}",
        if options.len() == 1 { "option" } else { "options" },
        List(options),
        if options.len() == 1 { "" } else { "up to " }
    )]
    OptionsDenied {
        /// The module whose rights guard the options, as in
        /// [`Denied`](Self::Denied).
        module: ModuleId,
        /// The options the actor may not change (or see), in page order.
        options: Vec<OptionName>,
        /// The highest level any of them needs: holding it would allow
        /// them all.
        needed: AccessLevel,
        /// The level the actor holds on `module`.
        held: AccessLevel,
    },
    /// Values submitted for saving break the module's rules: every bad
    /// field at once; nothing was written.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// Options stored in the module fail to decode. Reads of that scope
    /// return this error until an administrator repairs the records (for
    /// example with [`reset_option`](crate::settings::Settings::reset_option)).
    #[error("the options stored for module {module} in {scope} are invalid: {errors}")]
    StoredOptions {
        /// The options module.
        module: ModuleId,
        /// The scope read.
        scope: Scope,
        /// Every bad field.
        errors: ValidationErrors,
    },
    /// The module's stored rights cannot be used: a stored row holds no
    /// readable level, rows of one record disagree, or a record holds a
    /// level the module does not list. Every access check of the module
    /// then denies — except for an administrator with the bypass
    /// on, who holds W without any row being read and can repair the rows
    /// on the Access tab.
    #[error("the stored access rights of module {module} are invalid: {source}; fix them on the access tab")]
    StoredRights {
        /// The rights module.
        module: ModuleId,
        /// Which record is wrong, and why.
        source: StoredRightsError,
    },
    /// Someone else's changes since the write's base revision collide
    /// with the write: they changed the same records, or records
    /// the write depends on, or together with it they would break the
    /// module's rules. Nothing was written.
    ///
    /// The text says "both sides changed the same records" only when
    /// `ours` and `theirs` share a record.
    #[error("{}", ConflictText { module, expected, current, ours, theirs })]
    Conflict {
        /// The module written.
        module: ModuleId,
        /// The revision the write was based on.
        expected: Revision,
        /// The revision the module is at.
        current: Revision,
        /// The records this write changes.
        ours: Vec<RecordKey>,
        /// The records changed by others since `expected` that this write
        /// depends on.
        theirs: Vec<RecordKey>,
    },
    /// Others kept committing to the module while the write was re-planned
    /// on each new revision, and it gave up after
    /// [`max_retries`](crate::settings::SettingsBuilder::max_retries) retries. None
    /// of their changes collided with it; nothing was written.
    #[error(
        "module {module} kept changing while this write was retried {retries} times (it was \
         based on revision {expected}, the module is at revision {current}); none of the \
         changes collided with it, so trying again may succeed"
    )]
    RetriesExhausted {
        /// The module written.
        module: ModuleId,
        /// The revision the write was based on.
        expected: Revision,
        /// The revision the module was at when the write gave up.
        current: Revision,
        /// How many times the write was re-planned.
        retries: u32,
    },
    /// The write was based on a revision the facade no longer remembers
    /// — too old, or from before the store went back (a restored backup,
    /// a deleted module file) — so it cannot tell what changed since;
    /// nothing was written.
    #[error(
        "module {module} is at revision {current}, and what changed since revision {based_on} \
         is no longer known; reload and try again"
    )]
    Outdated {
        /// The module written.
        module: ModuleId,
        /// The revision the caller named.
        based_on: Revision,
        /// The revision the module is at.
        current: Revision,
    },
    /// The write would set or remove options that only an operation of
    /// their module may write — options declared
    /// [`OptionSpec::operation_only`](crate::options::OptionSpec::operation_only),
    /// such as the Bitrix24 connection, which
    /// [`connect_b24`](crate::settings::Settings::connect_b24) and
    /// [`disconnect_b24`](crate::settings::Settings::disconnect_b24) write. A
    /// settings form, a raw save, setting an option or resetting it may
    /// not; [`operate`](crate::settings::Settings::operate) may. Nothing was written.
    #[error(
        "{} {} of module {module} {} written only by an operation of the module, not by saving \
         a settings form, setting or resetting an option",
        if options.len() == 1 { "option" } else { "options" },
        List(options),
        if options.len() == 1 { "is" } else { "are" }
    )]
    OperationOnly {
        /// The module.
        module: ModuleId,
        /// The operation-only options the write would have changed, in
        /// page order.
        options: Vec<OptionName>,
    },
    /// The form or Access tab was taken from another [`Settings`]
    /// instance (another facade, another store): a write can only be
    /// based on what this facade loaded. Nothing was written.
    ///
    /// [`Settings`]: crate::settings::Settings
    #[error(
        "the edit of module {module} was taken from another settings instance; take the form \
         or access tab from the instance that saves it"
    )]
    ForeignSnapshot {
        /// The module written.
        module: ModuleId,
    },
    /// The module's rights cannot be trusted to answer a check:
    /// they are served from an old snapshot because the store failed
    /// ([`serve_stale`](crate::settings::SettingsBuilder::serve_stale)), or a refresh
    /// has been waiting for the store while the snapshot grew older than
    /// the hard limit (twice the staleness bound, at least 100 ms). Reads
    /// of options go on; access checks fail closed until the store answers
    /// again.
    #[error(
        "access to module {module} cannot be checked: {reason}; access is denied until the \
         store answers again"
    )]
    RightsUnavailable {
        /// The rights module.
        module: ModuleId,
        /// Why: the store's error, or how old the rights are.
        reason: String,
    },
    /// A site the installation does not list (Bitrix's `b_lang`, where
    /// the store has it) was named: nothing was read or written.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// The user's groups cannot be looked up: the store keeps no users'
    /// groups (no [`directory`](crate::Store::directory), or no
    /// `b_user_group` table). Give the actor's groups instead.
    #[error(
        "the groups of user {user} cannot be looked up: {reason}; give the user's groups instead"
    )]
    NoUserDirectory {
        /// The user asked for.
        user: UserId,
        /// What is missing.
        reason: &'static str,
    },
    /// The store failed. (Boxed: a store error is large, and every
    /// `Result` of the hot path would carry its size.)
    #[error(transparent)]
    Store(Box<StoreError>),
    /// An access-rights error other than a denial.
    #[error(transparent)]
    Access(AccessError),
    /// A Bitrix24 connect or disconnect was refused.
    #[error(transparent)]
    B24(#[from] ConnectionError),
    /// An operation run by [`operate`](crate::settings::Settings::operate) refused
    /// the change, with its own error: nothing was written. The error is
    /// the operation's, boxed; match this variant and downcast it to get
    /// it back.
    #[error(transparent)]
    Operation(#[from] Box<dyn std::error::Error + Send + Sync>),
}

impl SettingsError {
    /// Whether this is a [`Denied`](Self::Denied) or an
    /// [`OptionsDenied`](Self::OptionsDenied): the actor holds too little.
    pub fn is_denied(&self) -> bool {
        matches!(
            self,
            SettingsError::Denied { .. } | SettingsError::OptionsDenied { .. }
        )
    }

    /// Whether this is a [`Conflict`](Self::Conflict), an
    /// [`Outdated`](Self::Outdated) or a
    /// [`RetriesExhausted`](Self::RetriesExhausted): reloading and redoing
    /// the edit may succeed.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            SettingsError::Conflict { .. }
                | SettingsError::Outdated { .. }
                | SettingsError::RetriesExhausted { .. }
        )
    }
}

impl From<StoreError> for SettingsError {
    fn from(err: StoreError) -> Self {
        SettingsError::Store(Box::new(err))
    }
}

/// [`AccessError::Denied`] becomes [`SettingsError::Denied`]; any other
/// access error [`SettingsError::Access`].
impl From<AccessError> for SettingsError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::Denied {
                module,
                needed,
                held,
            } => SettingsError::Denied {
                module,
                needed,
                held,
            },
            other => SettingsError::Access(other),
        }
    }
}

/// The text of [`SettingsError::Conflict`]: it claims a record both
/// sides changed only when there is one.
struct ConflictText<'a> {
    module: &'a ModuleId,
    expected: &'a Revision,
    current: &'a Revision,
    ours: &'a [RecordKey],
    theirs: &'a [RecordKey],
}

impl fmt::Display for ConflictText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.ours.iter().any(|key| self.theirs.contains(key));
        let how = if shared {
            "both sides changed the same records"
        } else {
            "the changes made since collide with this write"
        };
        write!(
            f,
            "module {} was changed since revision {} (it is at revision {}) and {how}: ours: \
             {}; theirs: {}; reload and reapply your changes",
            self.module,
            self.expected,
            self.current,
            List(self.ours),
            List(self.theirs)
        )
    }
}

/// `a, b, c`, or `nothing`.
struct List<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for List<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing");
        }
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    #[test]
    fn conflict_names_both_sides() {
        let s1 = Scope::Site(SiteId::from_static("s1"));
        let err = SettingsError::Conflict {
            module: ModuleId::from_static("video"),
            expected: Revision::new(3),
            current: Revision::new(5),
            ours: vec![RecordKey::Grant {
                scope: s1,
                group: GroupId::from_static(5),
            }],
            theirs: vec![
                RecordKey::Grant {
                    scope: s1,
                    group: GroupId::from_static(5),
                },
                RecordKey::Default {
                    scope: Scope::Common,
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "module video was changed since revision 3 (it is at revision 5) and both sides \
             changed the same records: ours: grant of group 5 in s1; theirs: grant of group 5 \
             in s1, default level in common; reload and reapply your changes"
        );
        assert!(err.is_conflict() && !err.is_denied());
    }

    #[test]
    fn conflicts_claim_shared_records_only_when_there_are_some() {
        let key = |group| RecordKey::Grant {
            scope: Scope::Common,
            group: GroupId::from_static(group),
        };
        let err = SettingsError::Conflict {
            module: ModuleId::from_static("video"),
            expected: Revision::new(3),
            current: Revision::new(4),
            ours: vec![key(5)],
            theirs: vec![key(6)],
        };
        assert_eq!(
            err.to_string(),
            "module video was changed since revision 3 (it is at revision 4) and the changes \
             made since collide with this write: ours: grant of group 5 in common; theirs: \
             grant of group 6 in common; reload and reapply your changes"
        );
        let gave_up = SettingsError::RetriesExhausted {
            module: ModuleId::from_static("video"),
            expected: Revision::new(3),
            current: Revision::new(9),
            retries: 5,
        };
        assert_eq!(
            gave_up.to_string(),
            "module video kept changing while this write was retried 5 times (it was based on \
             revision 3, the module is at revision 9); none of the changes collided with it, so \
             trying again may succeed"
        );
        assert!(gave_up.is_conflict());
    }

    #[test]
    fn access_denials_map_to_denied() {
        let denied = AccessError::Denied {
            module: ModuleId::from_static("video"),
            needed: AccessLevel::W,
            held: AccessLevel::R,
        };
        let err = SettingsError::from(denied);
        assert!(err.is_denied());
        assert_eq!(
            err.to_string(),
            "access denied to module video: needs W, holds R"
        );
        let other = SettingsError::from(AccessError::BadLevel { value: "X".into() });
        assert!(matches!(other, SettingsError::Access(_)));
    }

    #[test]
    fn keys_read_well() {
        let name = OptionName::from_static("ServerPort");
        let key = RecordKey::Option {
            scope: Scope::Common,
            name,
        };
        assert_eq!(key.to_string(), "option ServerPort in common");
        assert!(!key.is_right());
        let default = RecordKey::Default {
            scope: Scope::Site(SiteId::from_static("s1")),
        };
        assert_eq!(default.to_string(), "default level in s1");
        assert!(default.is_right());
        assert_eq!(List::<RecordKey>(&[]).to_string(), "nothing");
    }
}
