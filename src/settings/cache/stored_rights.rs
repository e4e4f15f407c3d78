//! Stored rights that cannot be used: [`StoredRightsError`] says which
//! record and why; [`UnusableRights`] is what a module's state holds
//! instead of compiled rights — the error, and the one answer that needs
//! no stored row: the administrator bypass.

use std::fmt;

use crate::access::{
    AccessLevel, AccessLevels, CompiledRights, Decision, ModuleLevels, ModuleRights, Reason,
    ResolveOptions, ScopeQuery,
};
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, ModuleId};
use crate::settings::error::SettingsError;
use crate::store::{RightKey, UnreadableRight};

/// Why a module's stored rights cannot be used, naming the record: the
/// source of [`SettingsError::StoredRights`].
///
/// Display:
/// - `grant of group 7 in common, b_module_group.G_ACCESS (ID 50): found
///   "X", but an access level is one of the letters D, M, R, W` — with
///   ` (and 2 more unreadable rows)` when there are others;
/// - `grant of group 7 in common holds M, a level the module does not
///   list: allowed are D, R, W`.
///
/// ```
/// use module_settings::settings::StoredRightsError;
/// use module_settings::access::ModuleLevels;
/// use module_settings::store::RightKey;
/// use module_settings::{AccessLevel, GroupId, Scope};
/// let err = StoredRightsError::NotAccepted {
///     key: RightKey::Grant { scope: Scope::Common, group: GroupId::from_static(7) },
///     level: AccessLevel::M,
///     allowed: ModuleLevels::VIDEO.accepted(),
/// };
/// assert_eq!(
///     err.to_string(),
///     "grant of group 7 in common holds M, a level the module does not list: allowed are D, R, W"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredRightsError {
    /// A stored row cannot be read as a level (the first such row; the
    /// Access tab lists them all).
    #[error("{row}{}", More(*others))]
    Unreadable {
        /// The row: its record, where it is, what it holds, and why it
        /// cannot be read. (Boxed: it keeps the facade's error small.)
        row: Box<UnreadableRight>,
        /// How many other unreadable rows the module has.
        others: usize,
    },
    /// A record holds a level the module does not list (M on a module
    /// with D, R, W).
    #[error("{key} holds {level}, a level the module does not list: allowed are {allowed}")]
    NotAccepted {
        /// The record.
        key: RightKey,
        /// The level it holds.
        level: AccessLevel,
        /// The levels the module lists.
        allowed: AccessLevels,
    },
}

/// ` (and N more unreadable rows)`, or nothing.
struct More(usize);

impl fmt::Display for More {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            1 => f.write_str(" (and 1 more unreadable row)"),
            n => write!(f, " (and {n} more unreadable rows)"),
        }
    }
}

/// A module's stored rights that cannot be used: checks of ordinary users
/// get the error; an administrator with the bypass on still gets W, since
/// the bypass reads no rows — so the rights stay repairable.
pub(crate) struct UnusableRights {
    error: StoredRightsError,
    /// The module's rights with no default and no grant, compiled as the
    /// facade resolves, with its group directory (an inactive
    /// administrator group gives no bypass): what an actor holds without
    /// reading any row.
    without_rows: CompiledRights,
}

impl UnusableRights {
    pub(crate) fn new(
        module: ModuleId,
        levels: ModuleLevels,
        resolve: &ResolveOptions,
        groups: &GroupDirectory,
        error: StoredRightsError,
    ) -> Self {
        UnusableRights {
            error,
            without_rows: ModuleRights::new(module, levels).compile_with(resolve.clone(), groups),
        }
    }

    /// The group directory the bypass is folded with.
    pub(crate) fn groups(&self) -> &GroupDirectory {
        self.without_rows.groups()
    }

    /// The same error, the bypass folded with `groups`.
    pub(crate) fn with_groups(&self, groups: &GroupDirectory) -> Self {
        UnusableRights {
            error: self.error.clone(),
            without_rows: self.without_rows.with_groups(groups),
        }
    }

    /// The decision for `groups` if it needs no stored row: the
    /// administrator bypass. Allocates nothing.
    #[inline]
    pub(crate) fn bypass<'q>(
        &self,
        groups: &[GroupId],
        query: impl Into<ScopeQuery<'q>>,
    ) -> Option<Decision> {
        let decision = self.without_rows.explain(groups, query);
        matches!(decision.reason(), Reason::Administrator { .. }).then_some(decision)
    }

    /// The error a check that needs the stored rows returns.
    #[cold]
    pub(crate) fn error(&self, module: ModuleId) -> SettingsError {
        SettingsError::StoredRights {
            module,
            source: self.error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Scope;

    const VIDEO: ModuleId = ModuleId::from_static("video");

    fn unusable(resolve: &ResolveOptions) -> UnusableRights {
        let key = RightKey::Default {
            scope: Scope::Common,
        };
        let row = UnreadableRight::new(key, "b_option.VALUE", None, None, "never NULL");
        let error = StoredRightsError::Unreadable {
            row: Box::new(row),
            others: 2,
        };
        UnusableRights::new(
            VIDEO,
            ModuleLevels::VIDEO,
            resolve,
            &GroupDirectory::empty(),
            error,
        )
    }

    #[test]
    fn only_the_administrator_bypass_answers() {
        let rights = unusable(&ResolveOptions::new());
        let admin = rights.bypass(&[GroupId::ADMINISTRATORS], Scope::Common);
        assert_eq!(admin.map(|d| d.level()), Some(AccessLevel::W));
        assert!(rights.bypass(&[GroupId::EVERYONE], Scope::Common).is_none());
        let off = unusable(&ResolveOptions::new().admin_bypass(false));
        assert!(off
            .bypass(&[GroupId::ADMINISTRATORS], Scope::Common)
            .is_none());
    }

    #[test]
    fn the_error_names_the_row_and_counts_the_others() {
        let err = unusable(&ResolveOptions::new()).error(VIDEO);
        assert_eq!(
            err.to_string(),
            "the stored access rights of module video are invalid: default level in common, \
             b_option.VALUE: found NULL, but never NULL (and 2 more unreadable rows); fix them \
             on the access tab"
        );
    }
}
