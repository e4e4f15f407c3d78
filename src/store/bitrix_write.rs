//! What a [`Change`] does to Bitrix's tables, the same on every SQL
//! engine: a default level is the option `GROUP_DEFAULT_RIGHT` of its
//! scope, stored as the level's letter ([`AccessLevel::as_str`]); options go to `b_option` (common)
//! or `b_option_site`; grants to `b_module_group`. Each backend runs the
//! resulting [`RowWrite`] with its own SQL.

use std::borrow::Cow;

use crate::access::AccessLevel;
use crate::ids::{GroupId, Scope, GROUP_DEFAULT_RIGHT};
use crate::store::Change;

/// One change as a write of Bitrix rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowWrite<'a> {
    /// Set the value of option `name` in `scope` (update every row of it,
    /// or insert one).
    SetValue {
        scope: Scope,
        name: &'a str,
        value: Cow<'a, str>,
    },
    /// Delete every row of option `name` in `scope`.
    RemoveValue { scope: Scope, name: &'a str },
    /// Set `group`'s level in `scope` (update every row of it, or insert
    /// one).
    SetGrant {
        scope: Scope,
        group: GroupId,
        level: AccessLevel,
    },
    /// Delete every row of `group`'s grant in `scope`.
    RemoveGrant { scope: Scope, group: GroupId },
}

impl<'a> RowWrite<'a> {
    /// The row write that makes `change`.
    pub(crate) fn of(change: &'a Change) -> Self {
        match change {
            Change::SetOption { scope, name, value } => RowWrite::SetValue {
                scope: *scope,
                name: name.as_str(),
                value: Cow::Borrowed(value),
            },
            Change::RemoveOption { scope, name } => RowWrite::RemoveValue {
                scope: *scope,
                name: name.as_str(),
            },
            Change::SetDefault { scope, level } => RowWrite::SetValue {
                scope: *scope,
                name: GROUP_DEFAULT_RIGHT,
                value: Cow::Borrowed(level.as_str()),
            },
            Change::RemoveDefault { scope } => RowWrite::RemoveValue {
                scope: *scope,
                name: GROUP_DEFAULT_RIGHT,
            },
            Change::SetGrant {
                scope,
                group,
                level,
            } => RowWrite::SetGrant {
                scope: *scope,
                group: *group,
                level: *level,
            },
            Change::RemoveGrant { scope, group } => RowWrite::RemoveGrant {
                scope: *scope,
                group: *group,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OptionName;

    #[test]
    fn a_default_is_the_reserved_option_of_its_scope() {
        let change = Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        };
        assert_eq!(
            RowWrite::of(&change),
            RowWrite::SetValue {
                scope: Scope::Common,
                name: GROUP_DEFAULT_RIGHT,
                value: Cow::Borrowed("R"),
            }
        );
        let change = Change::RemoveOption {
            scope: Scope::Common,
            name: OptionName::new("a").unwrap(),
        };
        assert_eq!(
            RowWrite::of(&change),
            RowWrite::RemoveValue {
                scope: Scope::Common,
                name: "a",
            }
        );
    }
}
