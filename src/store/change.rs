//! [`Change`]: one edit in a batch that a store commits atomically.

use std::fmt;

use crate::access::AccessLevel;
use crate::ids::{GroupId, OptionName, Scope};

/// One edit to a module's stored records. A [`commit`](crate::Store::commit)
/// takes a batch of them and applies all or none.
///
/// Changes are applied in order, so a later change to the same record wins.
/// Removing something that is not there does nothing (the batch still
/// counts as a write and moves the revision on).
///
/// `Debug` shows option *names* but never option values: the store cannot
/// tell which options hold secrets.
///
/// ```
/// use module_settings::store::Change;
/// use module_settings::{AccessLevel, GroupId, OptionName, Scope};
/// # fn main() -> Result<(), module_settings::ids::IdError> {
/// let batch = [
///     Change::SetOption {
///         scope: Scope::Common,
///         name: OptionName::new("ServerHost")?,
///         value: "video.example.com".to_owned(),
///     },
///     Change::SetGrant { scope: Scope::Common, group: GroupId::try_from(5u32)?, level: AccessLevel::R },
/// ];
/// assert_eq!(batch[1].scope(), Scope::Common);
/// assert!(!format!("{:?}", batch[0]).contains("example"));
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Change {
    /// Sets an option's value in one scope.
    SetOption {
        /// Where the value applies.
        scope: Scope,
        /// The option.
        name: OptionName,
        /// The stored text (the options layer encodes and decodes it).
        value: String,
    },
    /// Deletes an option's value in one scope ("reset to inherited").
    RemoveOption {
        /// Where the value is deleted.
        scope: Scope,
        /// The option.
        name: OptionName,
    },
    /// Sets the default access level of a scope (Bitrix's
    /// `GROUP_DEFAULT_RIGHT`).
    SetDefault {
        /// Common, or one site.
        scope: Scope,
        /// The level groups without a grant get.
        level: AccessLevel,
    },
    /// Deletes the default access level of a scope.
    RemoveDefault {
        /// Common, or one site.
        scope: Scope,
    },
    /// Grants a group a level in one scope, replacing any grant it had there.
    SetGrant {
        /// Common, or one site.
        scope: Scope,
        /// The user group.
        group: GroupId,
        /// The granted level.
        level: AccessLevel,
    },
    /// Deletes a group's grant in one scope (sets it back to "default").
    RemoveGrant {
        /// Common, or one site.
        scope: Scope,
        /// The user group.
        group: GroupId,
    },
}

impl Change {
    /// The scope the change applies to.
    pub fn scope(&self) -> Scope {
        match *self {
            Change::SetOption { scope, .. }
            | Change::RemoveOption { scope, .. }
            | Change::SetDefault { scope, .. }
            | Change::RemoveDefault { scope }
            | Change::SetGrant { scope, .. }
            | Change::RemoveGrant { scope, .. } => scope,
        }
    }
}

/// Hides option values, which may be secrets the store cannot recognise.
impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::SetOption { scope, name, value } => f
                .debug_struct("SetOption")
                .field("scope", scope)
                .field("name", name)
                .field("value", &Redacted(value.len()))
                .finish(),
            Change::RemoveOption { scope, name } => f
                .debug_struct("RemoveOption")
                .field("scope", scope)
                .field("name", name)
                .finish(),
            Change::SetDefault { scope, level } => f
                .debug_struct("SetDefault")
                .field("scope", scope)
                .field("level", level)
                .finish(),
            Change::RemoveDefault { scope } => f
                .debug_struct("RemoveDefault")
                .field("scope", scope)
                .finish(),
            Change::SetGrant {
                scope,
                group,
                level,
            } => f
                .debug_struct("SetGrant")
                .field("scope", scope)
                .field("group", group)
                .field("level", level)
                .finish(),
            Change::RemoveGrant { scope, group } => f
                .debug_struct("RemoveGrant")
                .field("scope", scope)
                .field("group", group)
                .finish(),
        }
    }
}

/// Stands in for an option value in `Debug` output: its size only.
pub(crate) struct Redacted(pub(crate) usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    #[test]
    fn scope_is_the_scope_of_every_kind() {
        let site = Scope::Site(SiteId::from_static("s1"));
        let name = OptionName::from_static("a");
        let group = GroupId::EVERYONE;
        let all = [
            Change::SetOption {
                scope: site,
                name: name.clone(),
                value: String::new(),
            },
            Change::RemoveOption { scope: site, name },
            Change::SetDefault {
                scope: site,
                level: AccessLevel::R,
            },
            Change::RemoveDefault { scope: site },
            Change::SetGrant {
                scope: site,
                group,
                level: AccessLevel::W,
            },
            Change::RemoveGrant { scope: site, group },
        ];
        for change in &all {
            assert_eq!(change.scope(), site, "{change:?}");
        }
    }

    #[test]
    fn debug_hides_the_value() {
        let change = Change::SetOption {
            scope: Scope::Common,
            name: OptionName::from_static("SecretCode"),
            value: "hunter2".to_owned(),
        };
        let shown = format!("{change:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("SecretCode") && shown.contains("<7 bytes>"),
            "{shown}"
        );
    }
}
