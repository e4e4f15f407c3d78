//! [`ModuleRecords`]: everything a store keeps for one module, and the one
//! place where a [`Change`] is applied to it.

use std::collections::BTreeMap;
use std::fmt;

use super::change::{Change, Redacted};
use super::unreadable::{RightKey, UnreadableRight};
use crate::access::AccessLevel;
use crate::ids::{GroupId, OptionName, Scope};

/// The stored records of one module: option values per scope, default
/// access levels per scope, and grants per (scope, group).
///
/// These are raw records: values are the stored text, not yet decoded or
/// validated (that happens once, above the [`Store`](crate::Store) trait).
/// Iteration is deterministic (sorted), and two record sets are equal when
/// they hold the same records, however they were built.
///
/// A rights record whose stored rows cannot be read (see
/// [`UnreadableRight`]) has no level here: it is listed by
/// [`unreadable`](Self::unreadable) instead, so that the module still
/// loads, checks above the store fail closed, and a change to the same key
/// repairs it.
///
/// `Debug` shows option names and value sizes, never option values: the
/// store cannot tell which options are secrets.
///
/// ```
/// use module_settings::store::{Change, ModuleRecords};
/// use module_settings::{AccessLevel, GroupId, OptionName, Scope, SiteId};
/// # fn main() -> Result<(), module_settings::ids::IdError> {
/// let s1 = Scope::Site(SiteId::new("s1")?);
/// let mut records = ModuleRecords::new();
/// records.apply(&Change::SetOption {
///     scope: s1,
///     name: OptionName::new("ServerPort")?,
///     value: "8080".into(),
/// });
/// records.apply(&Change::SetDefault { scope: Scope::Common, level: AccessLevel::R });
/// assert_eq!(records.option(s1, "ServerPort"), Some("8080"));
/// assert_eq!(records.option(Scope::Common, "ServerPort"), None);
/// assert_eq!(records.default_level(Scope::Common), Some(AccessLevel::R));
/// assert_eq!(records.grant(Scope::Common, GroupId::EVERYONE), None);
/// # Ok(()) }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ModuleRecords {
    /// Never holds an empty inner map, so that equality means "same records".
    options: BTreeMap<Scope, BTreeMap<OptionName, String>>,
    defaults: BTreeMap<Scope, AccessLevel>,
    grants: BTreeMap<(Scope, GroupId), AccessLevel>,
    /// Rights records that cannot be read, each with its rows sorted. A
    /// key here has no entry in `defaults` or `grants`, and never an empty
    /// list.
    unreadable: BTreeMap<RightKey, Vec<UnreadableRight>>,
}

impl ModuleRecords {
    /// No records.
    pub fn new() -> Self {
        ModuleRecords::default()
    }

    /// Whether there are no records at all.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
            && self.defaults.is_empty()
            && self.grants.is_empty()
            && self.unreadable.is_empty()
    }

    /// The value of option `name` stored in exactly `scope` (no inheritance:
    /// a site scope does not fall back to the common value here).
    pub fn option(&self, scope: Scope, name: &str) -> Option<&str> {
        self.options.get(&scope)?.get(name).map(String::as_str)
    }

    /// The option values stored in exactly `scope`, sorted by name.
    pub fn options(&self, scope: Scope) -> impl Iterator<Item = (&OptionName, &str)> + '_ {
        self.options
            .get(&scope)
            .into_iter()
            .flatten()
            .map(|(name, value)| (name, value.as_str()))
    }

    /// Every option value, sorted by scope (common first), then name.
    pub fn all_options(&self) -> impl Iterator<Item = (Scope, &OptionName, &str)> + '_ {
        self.options.iter().flat_map(|(scope, values)| {
            values
                .iter()
                .map(move |(name, value)| (*scope, name, value.as_str()))
        })
    }

    /// The default access level stored for exactly `scope`.
    pub fn default_level(&self, scope: Scope) -> Option<AccessLevel> {
        self.defaults.get(&scope).copied()
    }

    /// Every stored default level, common first.
    pub fn defaults(&self) -> impl Iterator<Item = (Scope, AccessLevel)> + '_ {
        self.defaults.iter().map(|(scope, level)| (*scope, *level))
    }

    /// The level granted to `group` in exactly `scope`.
    pub fn grant(&self, scope: Scope, group: GroupId) -> Option<AccessLevel> {
        self.grants.get(&(scope, group)).copied()
    }

    /// Every grant, sorted by scope (common first), then group.
    pub fn grants(&self) -> impl Iterator<Item = (Scope, GroupId, AccessLevel)> + '_ {
        self.grants
            .iter()
            .map(|((scope, group), level)| (*scope, *group, *level))
    }

    /// The grants of exactly `scope`, sorted by group.
    pub fn grants_in(&self, scope: Scope) -> impl Iterator<Item = (GroupId, AccessLevel)> + '_ {
        let lowest = GroupId::from_static(1);
        let highest = GroupId::from_static(u32::MAX);
        self.grants
            .range((scope, lowest)..=(scope, highest))
            .map(|((_, group), level)| (*group, *level))
    }

    /// Every stored rights row that cannot be read, sorted by record key,
    /// then row id.
    pub fn unreadable(&self) -> impl Iterator<Item = &UnreadableRight> + '_ {
        self.unreadable.values().flatten()
    }

    /// The unreadable rows of record `key` (empty when it has none).
    pub fn unreadable_of(&self, key: RightKey) -> &[UnreadableRight] {
        self.unreadable.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Whether any stored rights row cannot be read.
    pub fn has_unreadable(&self) -> bool {
        !self.unreadable.is_empty()
    }

    /// Lists a stored rights row that cannot be read, for a backend that
    /// loads one: the record `row.key` loses any level it held here (a
    /// record with an unreadable row has no trustworthy level), and the row
    /// is listed by [`unreadable`](Self::unreadable) until a change to the
    /// same key overwrites or removes it.
    ///
    /// A backend adds every readable record first and the unreadable rows
    /// last, since [`apply`](Self::apply) on the key clears them.
    ///
    /// ```
    /// use module_settings::store::{Change, ModuleRecords, RightKey, UnreadableRight};
    /// use module_settings::{AccessLevel, GroupId, Scope};
    /// let seven = GroupId::from_static(7);
    /// let key = RightKey::Grant { scope: Scope::Common, group: seven };
    /// let mut records = ModuleRecords::new();
    /// records.add_unreadable(UnreadableRight::new(key, "b_module_group.G_ACCESS (ID 50)", Some(50), Some("X"), "not a level"));
    /// assert_eq!(records.grant(Scope::Common, seven), None);
    /// assert_eq!(records.unreadable_of(key).len(), 1);
    ///
    /// // Writing the record repairs it.
    /// records.apply(&Change::SetGrant { scope: Scope::Common, group: seven, level: AccessLevel::R });
    /// assert!(!records.has_unreadable());
    /// assert_eq!(records.grant(Scope::Common, seven), Some(AccessLevel::R));
    /// ```
    pub fn add_unreadable(&mut self, row: UnreadableRight) {
        match row.key {
            RightKey::Default { scope } => {
                self.defaults.remove(&scope);
            }
            RightKey::Grant { scope, group } => {
                self.grants.remove(&(scope, group));
            }
        }
        let rows = self.unreadable.entry(row.key).or_default();
        let at = rows.partition_point(|r| *r <= row);
        rows.insert(at, row);
    }

    /// Applies one change. Removing a record that is absent does nothing.
    /// A change to a rights record with unreadable rows replaces them all:
    /// the record then holds what the change says.
    ///
    /// This is the only implementation of a change's meaning; every backend
    /// that holds records in memory goes through it.
    pub fn apply(&mut self, change: &Change) {
        if let Some(key) = right_key(change) {
            self.unreadable.remove(&key);
        }
        match change {
            Change::SetOption { scope, name, value } => {
                self.options
                    .entry(*scope)
                    .or_default()
                    .insert(name.clone(), value.clone());
            }
            Change::RemoveOption { scope, name } => {
                if let Some(values) = self.options.get_mut(scope) {
                    values.remove(name);
                    if values.is_empty() {
                        self.options.remove(scope);
                    }
                }
            }
            Change::SetDefault { scope, level } => {
                self.defaults.insert(*scope, *level);
            }
            Change::RemoveDefault { scope } => {
                self.defaults.remove(scope);
            }
            Change::SetGrant {
                scope,
                group,
                level,
            } => {
                self.grants.insert((*scope, *group), *level);
            }
            Change::RemoveGrant { scope, group } => {
                self.grants.remove(&(*scope, *group));
            }
        }
    }

    /// Whether applying `change` would leave these records as they are: it
    /// sets what is already set, or removes what is absent (a record whose
    /// stored rows cannot be read is never left as it is: any change to it
    /// replaces them).
    pub(crate) fn holds(&self, change: &Change) -> bool {
        if right_key(change).is_some_and(|key| self.unreadable.contains_key(&key)) {
            return false;
        }
        match change {
            Change::SetOption { scope, name, value } => {
                self.option(*scope, name.as_str()) == Some(value.as_str())
            }
            Change::RemoveOption { scope, name } => self.option(*scope, name.as_str()).is_none(),
            Change::SetDefault { scope, level } => self.defaults.get(scope) == Some(level),
            Change::RemoveDefault { scope } => !self.defaults.contains_key(scope),
            Change::SetGrant {
                scope,
                group,
                level,
            } => self.grants.get(&(*scope, *group)) == Some(level),
            Change::RemoveGrant { scope, group } => !self.grants.contains_key(&(*scope, *group)),
        }
    }

    /// Applies changes in order.
    pub fn apply_all<'a>(&mut self, changes: impl IntoIterator<Item = &'a Change>) {
        for change in changes {
            self.apply(change);
        }
    }

    /// The batch that builds these records from nothing: options, then
    /// defaults, then grants, each in sorted order. Useful to copy a module
    /// from one store to another. Unreadable rows have no change that
    /// stores them: they are not part of it (check
    /// [`has_unreadable`](Self::has_unreadable) before copying).
    pub fn to_changes(&self) -> Vec<Change> {
        let options = self
            .all_options()
            .map(|(scope, name, value)| Change::SetOption {
                scope,
                name: name.clone(),
                value: value.to_owned(),
            });
        let defaults = self
            .defaults()
            .map(|(scope, level)| Change::SetDefault { scope, level });
        let grants = self.grants().map(|(scope, group, level)| Change::SetGrant {
            scope,
            group,
            level,
        });
        options.chain(defaults).chain(grants).collect()
    }
}

/// The rights record `change` writes, if it writes one.
fn right_key(change: &Change) -> Option<RightKey> {
    match *change {
        Change::SetDefault { scope, .. } | Change::RemoveDefault { scope } => {
            Some(RightKey::Default { scope })
        }
        Change::SetGrant { scope, group, .. } | Change::RemoveGrant { scope, group } => {
            Some(RightKey::Grant { scope, group })
        }
        Change::SetOption { .. } | Change::RemoveOption { .. } => None,
    }
}

/// Hides option values, which may be secrets the store cannot recognise.
impl fmt::Debug for ModuleRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Options<'a>(&'a BTreeMap<Scope, BTreeMap<OptionName, String>>);
        impl fmt::Debug for Options<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().flat_map(|(scope, values)| {
                        values
                            .iter()
                            .map(move |(name, value)| ((scope, name), Redacted(value.len())))
                    }))
                    .finish()
            }
        }
        f.debug_struct("ModuleRecords")
            .field("options", &Options(&self.options))
            .field("defaults", &self.defaults)
            .field("grants", &self.grants)
            .field("unreadable", &self.unreadable().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    const S1: Scope = Scope::Site(SiteId::from_static("s1"));
    const NAME: OptionName = OptionName::from_static("ServerHost");
    const G5: GroupId = GroupId::from_static(5);

    fn set_option(scope: Scope, value: &str) -> Change {
        Change::SetOption {
            scope,
            name: NAME,
            value: value.to_owned(),
        }
    }

    #[test]
    fn later_changes_win_and_scopes_stay_apart() {
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            set_option(Scope::Common, "a"),
            set_option(S1, "b"),
            set_option(Scope::Common, "c"),
        ]);
        assert_eq!(records.option(Scope::Common, "ServerHost"), Some("c"));
        assert_eq!(records.option(S1, "ServerHost"), Some("b"));
    }

    #[test]
    fn removing_the_last_value_leaves_records_equal_to_empty() {
        let mut records = ModuleRecords::new();
        records.apply(&set_option(S1, "x"));
        records.apply(&Change::RemoveOption {
            scope: S1,
            name: NAME,
        });
        assert_eq!(records, ModuleRecords::new());
        assert!(records.is_empty());
    }

    #[test]
    fn removing_absent_records_does_nothing() {
        let mut records = ModuleRecords::new();
        records.apply(&set_option(Scope::Common, "x"));
        let before = records.clone();
        records.apply_all(&[
            Change::RemoveOption {
                scope: S1,
                name: NAME,
            },
            Change::RemoveDefault { scope: S1 },
            Change::RemoveGrant {
                scope: Scope::Common,
                group: G5,
            },
        ]);
        assert_eq!(records, before);
    }

    #[test]
    fn grants_and_defaults_are_set_replaced_and_removed() {
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            Change::SetGrant {
                scope: S1,
                group: G5,
                level: AccessLevel::R,
            },
            Change::SetGrant {
                scope: S1,
                group: G5,
                level: AccessLevel::W,
            },
            Change::SetGrant {
                scope: Scope::Common,
                group: GroupId::EVERYONE,
                level: AccessLevel::D,
            },
            Change::SetDefault {
                scope: S1,
                level: AccessLevel::M,
            },
        ]);
        assert_eq!(records.grant(S1, G5), Some(AccessLevel::W));
        assert_eq!(
            records.grants_in(S1).collect::<Vec<_>>(),
            [(G5, AccessLevel::W)]
        );
        assert_eq!(
            records.grants_in(Scope::Common).collect::<Vec<_>>(),
            [(GroupId::EVERYONE, AccessLevel::D)]
        );
        assert_eq!(records.default_level(S1), Some(AccessLevel::M));
        records.apply_all(&[
            Change::RemoveGrant {
                scope: S1,
                group: G5,
            },
            Change::RemoveDefault { scope: S1 },
        ]);
        assert_eq!(records.grant(S1, G5), None);
        assert_eq!(records.default_level(S1), None);
        assert_eq!(records.grants().count(), 1);
    }

    #[test]
    fn to_changes_rebuilds_the_same_records() {
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            set_option(S1, "b"),
            set_option(Scope::Common, "a"),
            Change::SetDefault {
                scope: Scope::Common,
                level: AccessLevel::R,
            },
            Change::SetGrant {
                scope: S1,
                group: G5,
                level: AccessLevel::W,
            },
        ]);
        let mut rebuilt = ModuleRecords::new();
        rebuilt.apply_all(&records.to_changes());
        assert_eq!(rebuilt, records);
    }

    fn unreadable(key: RightKey, id: i64, raw: &str) -> UnreadableRight {
        UnreadableRight::new(key, format!("row {id}"), Some(id), Some(raw), "not a level")
    }

    #[test]
    fn an_unreadable_row_hides_the_records_level_until_a_change_to_it() {
        let key = RightKey::Grant {
            scope: S1,
            group: G5,
        };
        let default = RightKey::Default { scope: S1 };
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            Change::SetGrant {
                scope: S1,
                group: G5,
                level: AccessLevel::W,
            },
            Change::SetDefault {
                scope: S1,
                level: AccessLevel::R,
            },
        ]);
        records.add_unreadable(unreadable(key, 9, "w"));
        records.add_unreadable(unreadable(key, 3, "W"));
        records.add_unreadable(unreadable(default, 1, ""));
        assert_eq!(records.grant(S1, G5), None, "fail closed");
        assert_eq!(records.default_level(S1), None, "fail closed");
        let ids: Vec<_> = records.unreadable().map(|r| r.row_id).collect();
        assert_eq!(ids, [Some(1), Some(3), Some(9)], "by key, then row id");
        assert_eq!(records.unreadable_of(key).len(), 2);
        assert!(!records.is_empty());

        // An option change leaves them; a change to the key replaces them.
        records.apply(&set_option(S1, "x"));
        assert_eq!(records.unreadable().count(), 3);
        records.apply(&Change::RemoveGrant {
            scope: S1,
            group: G5,
        });
        assert!(records.unreadable_of(key).is_empty());
        records.apply(&Change::SetDefault {
            scope: S1,
            level: AccessLevel::D,
        });
        assert!(!records.has_unreadable());
        assert_eq!(records.default_level(S1), Some(AccessLevel::D));
    }

    #[test]
    fn equal_unreadable_rows_make_equal_records_in_any_order() {
        let key = RightKey::Default {
            scope: Scope::Common,
        };
        let (a, b) = (unreadable(key, 1, "X"), unreadable(key, 2, "E"));
        let mut one = ModuleRecords::new();
        one.add_unreadable(a.clone());
        one.add_unreadable(b.clone());
        let mut two = ModuleRecords::new();
        two.add_unreadable(b);
        two.add_unreadable(a);
        assert_eq!(one, two);
        assert_ne!(one, ModuleRecords::new());
        assert!(one.to_changes().is_empty());
        assert!(format!("{one:?}").contains("row 1"));
    }

    #[test]
    fn debug_hides_values() {
        let mut records = ModuleRecords::new();
        records.apply(&set_option(Scope::Common, "hunter2"));
        let shown = format!("{records:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("ServerHost"), "{shown}");
    }
}
