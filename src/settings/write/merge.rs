//! What a write wants ([`Intent`]), the store changes that realise it on
//! given records, and the conflict rules: which records others
//! changed since the write's base ("theirs"), and whether they collide
//! with the write ("ours").
//!
//! - **Options** (a settings form saved in one scope): ours are the options
//!   whose effective value in that scope the form changes. Theirs are the
//!   stored values, in the layers that scope reads (the scope itself, and
//!   the common scope under a site), that differ between base and current.
//!   They collide on an option name. A secret the form sets is written as
//!   the scope's own record even when the scope already has or inherits
//!   that value: a write of a secret reveals nothing about it.
//! - **Records** (Access tab rows, "reset to inherited"): ours are the exact
//!   records set or removed. Theirs are the records of the same kinds
//!   (options, or rights) that differ between base and current. They
//!   collide on the same key.
//!
//! A record both sides changed collides even when both wrote the same
//! value: a caller that read a value, changed it and wrote it back must
//! hear that someone else changed it meanwhile.
//!
//! Without a collision the write is re-planned on the current records:
//! only what still differs is written.

use crate::ids::{OptionName, Scope};
use crate::options::{RawOptions, ScopeLayers};
use crate::settings::cache::state::scope_raw;
use crate::settings::error::RecordKey;
use crate::settings::notify::events::RecordDiff;
use crate::settings::registry::OptionsCodec;
use crate::store::{Change, ModuleRecords, RightKey};

/// What a write wants, independent of the records it will meet.
#[derive(Clone)]
pub(crate) enum Intent {
    /// These effective values in `scope` (option name → stored text).
    Options { scope: Scope, desired: RawOptions },
    /// These exact records (each key at most once).
    Records(Vec<Change>),
}

impl Intent {
    /// The records this write changes.
    pub(crate) fn ours(&self) -> Vec<RecordKey> {
        match self {
            Intent::Options { scope, desired } => desired
                .keys()
                .map(|name| RecordKey::Option {
                    scope: *scope,
                    name: name.clone(),
                })
                .collect(),
            Intent::Records(changes) => changes.iter().map(key_of).collect(),
        }
    }

    /// The options the write sets or removes, in any scope (a name may
    /// come more than once).
    pub(crate) fn options(&self) -> Vec<&OptionName> {
        match self {
            Intent::Options { desired, .. } => desired.keys().collect(),
            Intent::Records(changes) => changes
                .iter()
                .filter_map(|change| match change {
                    Change::SetOption { name, .. } | Change::RemoveOption { name, .. } => {
                        Some(name)
                    }
                    _ => None,
                })
                .collect(),
        }
    }

    /// Whether the write sets or removes a default level or a grant.
    pub(crate) fn writes_rights(&self) -> bool {
        match self {
            Intent::Options { .. } => false,
            Intent::Records(changes) => changes.iter().any(|c| key_of(c).is_right()),
        }
    }

    /// The changes that give `records` what the write wants; empty when
    /// they already have it.
    pub(crate) fn plan(
        &self,
        codec: Option<&OptionsCodec>,
        records: &ModuleRecords,
    ) -> Vec<Change> {
        match self {
            Intent::Options { scope, desired } => {
                let empty = RawOptions::new();
                let defaults = codec.map_or(&empty, OptionsCodec::defaults);
                let common = scope_raw(records, Scope::Common);
                let own = scope_raw(records, *scope);
                let mut patch =
                    ScopeLayers::of(*scope, defaults, &common, &own).save_patch(desired);
                // A secret is written whatever the scope stores or inherits:
                // "nothing to write" would confirm a writer's guess of it.
                if let Some(codec) = codec {
                    for (name, value) in desired {
                        if codec.is_secret(name.as_str()) {
                            patch.insert(name.clone(), Some(value.clone()));
                        }
                    }
                }
                patch
                    .into_iter()
                    .map(|(name, value)| option_change(*scope, name, value))
                    .collect()
            }
            Intent::Records(changes) => {
                // Each key at most once, so every change can be judged on
                // its own: what is left to write is what would change
                // something (without copying a large module's records).
                if one_change_per_record(changes) {
                    return changes
                        .iter()
                        .filter(|change| !records.holds(change))
                        .cloned()
                        .collect();
                }
                // What the changes mean is `ModuleRecords::apply`'s to say;
                // what is left to write is what that changes.
                let mut after = records.clone();
                after.apply_all(changes);
                records.changes_to(&after)
            }
        }
    }

    /// The records others changed between `base` and `current` that this
    /// write depends on.
    pub(crate) fn theirs(&self, base: &ModuleRecords, current: &ModuleRecords) -> Vec<RecordKey> {
        match self {
            Intent::Options { scope, .. } => {
                let mut layers = vec![Scope::Common];
                if *scope != Scope::Common {
                    layers.push(*scope);
                }
                changed_keys(
                    base,
                    current,
                    |key| matches!(key, RecordKey::Option { scope, .. } if layers.contains(scope)),
                )
            }
            Intent::Records(changes) => {
                let options = changes.iter().any(|c| !key_of(c).is_right());
                let rights = changes.iter().any(|c| key_of(c).is_right());
                changed_keys(
                    base,
                    current,
                    |key| {
                        if key.is_right() {
                            rights
                        } else {
                            options
                        }
                    },
                )
            }
        }
    }

    /// Whether any of `theirs` collides with this write: others changed a
    /// record this write changes — even to the value this write wants, since
    /// a caller that read, modified and wrote it back would otherwise lose
    /// their update without a word.
    pub(crate) fn collides(&self, theirs: &[RecordKey]) -> bool {
        match self {
            Intent::Options { desired, .. } => theirs.iter().any(
                |key| matches!(key, RecordKey::Option { name, .. } if desired.contains_key(name)),
            ),
            Intent::Records(changes) => changes.iter().any(|c| theirs.contains(&key_of(c))),
        }
    }
}

/// Whether no two of `changes` touch the same record.
fn one_change_per_record(changes: &[Change]) -> bool {
    let mut keys: Vec<RecordKey> = changes.iter().map(key_of).collect();
    keys.sort();
    keys.windows(2).all(|pair| pair[0] != pair[1])
}

fn option_change(scope: Scope, name: OptionName, value: Option<String>) -> Change {
    match value {
        Some(value) => Change::SetOption { scope, name, value },
        None => Change::RemoveOption { scope, name },
    }
}

/// The record a change writes.
pub(crate) fn key_of(change: &Change) -> RecordKey {
    match change {
        Change::SetOption { scope, name, .. } | Change::RemoveOption { scope, name } => {
            RecordKey::Option {
                scope: *scope,
                name: name.clone(),
            }
        }
        Change::SetDefault { scope, .. } | Change::RemoveDefault { scope } => {
            RecordKey::Default { scope: *scope }
        }
        Change::SetGrant { scope, group, .. } | Change::RemoveGrant { scope, group } => {
            RecordKey::Grant {
                scope: *scope,
                group: *group,
            }
        }
    }
}

/// The keys, among those `relevant` accepts, whose records differ between
/// `base` and `current` (added, removed or changed), sorted.
fn changed_keys(
    base: &ModuleRecords,
    current: &ModuleRecords,
    relevant: impl Fn(&RecordKey) -> bool,
) -> Vec<RecordKey> {
    base.changes_to(current)
        .iter()
        .map(key_of)
        .filter(|key| relevant(key))
        .collect()
}

/// What `change` does to `before`, for events and audit records; secret
/// options (and options the codec does not know) carry no values.
pub(crate) fn diff_of(
    change: &Change,
    before: &ModuleRecords,
    codec: Option<&OptionsCodec>,
) -> RecordDiff {
    if let Some(repair) = repair_of(change, before) {
        return repair;
    }
    match change {
        Change::SetOption { scope, name, .. } | Change::RemoveOption { scope, name } => {
            if codec.is_none_or(|c| c.is_secret(name.as_str())) {
                return RecordDiff::Secret {
                    scope: *scope,
                    name: name.clone(),
                };
            }
            let new = match change {
                Change::SetOption { value, .. } => Some(value.clone()),
                _ => None,
            };
            RecordDiff::Option {
                scope: *scope,
                name: name.clone(),
                old: before.option(*scope, name.as_str()).map(str::to_owned),
                new,
            }
        }
        Change::SetDefault { scope, .. } | Change::RemoveDefault { scope } => RecordDiff::Default {
            scope: *scope,
            old: before.default_level(*scope),
            new: match change {
                Change::SetDefault { level, .. } => Some(*level),
                _ => None,
            },
        },
        Change::SetGrant { scope, group, .. } | Change::RemoveGrant { scope, group } => {
            RecordDiff::Grant {
                scope: *scope,
                group: *group,
                old: before.grant(*scope, *group),
                new: match change {
                    Change::SetGrant { level, .. } => Some(*level),
                    _ => None,
                },
            }
        }
    }
}

/// What `change` does to a rights record of `before` whose stored rows
/// cannot be read: their texts, replaced by the change's level or removed.
fn repair_of(change: &Change, before: &ModuleRecords) -> Option<RecordDiff> {
    let (key, new) = match *change {
        Change::SetDefault { scope, level } => (RightKey::Default { scope }, Some(level)),
        Change::RemoveDefault { scope } => (RightKey::Default { scope }, None),
        Change::SetGrant {
            scope,
            group,
            level,
        } => (RightKey::Grant { scope, group }, Some(level)),
        Change::RemoveGrant { scope, group } => (RightKey::Grant { scope, group }, None),
        _ => return None,
    };
    let rows = before.unreadable_of(key);
    (!rows.is_empty()).then(|| RecordDiff::Repaired {
        key,
        old: rows.iter().map(|row| row.raw.clone()).collect(),
        new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;
    use crate::ids::{GroupId, SiteId};
    use crate::modules::VideoPort;

    const S1: Scope = Scope::Site(SiteId::from_static("s1"));
    const G5: GroupId = GroupId::from_static(5);
    const G6: GroupId = GroupId::from_static(6);

    fn set(scope: Scope, name: &'static str, value: &str) -> Change {
        Change::SetOption {
            scope,
            name: OptionName::from_static(name),
            value: value.to_owned(),
        }
    }

    fn records(changes: &[Change]) -> ModuleRecords {
        let mut records = ModuleRecords::new();
        records.apply_all(changes);
        records
    }

    fn desire(pairs: &[(&'static str, &str)]) -> RawOptions {
        pairs
            .iter()
            .map(|(k, v)| (OptionName::from_static(k), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn option_edits_merge_unless_they_touch_the_same_name() {
        let codec = OptionsCodec::of::<VideoPort>();
        let base = records(&[set(Scope::Common, "ServerPort", "8000")]);
        let intent = Intent::Options {
            scope: Scope::Common,
            desired: desire(&[("ServerHost", "a.example")]),
        };
        // They changed the port: disjoint.
        let current = records(&[set(Scope::Common, "ServerPort", "9000")]);
        let theirs = intent.theirs(&base, &current);
        assert_eq!(
            theirs,
            [RecordKey::Option {
                scope: Scope::Common,
                name: OptionName::from_static("ServerPort")
            }]
        );
        assert!(!intent.collides(&theirs));
        assert_eq!(
            intent.plan(Some(&codec), &current),
            [set(Scope::Common, "ServerHost", "a.example")]
        );
        // They changed the host too: a collision — even to the very value
        // this form wants, or a read-modify-write would be lost unheard.
        let current = records(&[set(Scope::Common, "ServerHost", "b.example")]);
        let theirs = intent.theirs(&base, &current);
        assert!(intent.collides(&theirs));
        let same = records(&[
            set(Scope::Common, "ServerPort", "8000"),
            set(Scope::Common, "ServerHost", "a.example"),
        ]);
        let theirs = intent.theirs(&base, &same);
        assert!(intent.collides(&theirs));
    }

    #[test]
    fn a_site_form_depends_on_common_values_but_not_other_sites() {
        let intent = Intent::Options {
            scope: S1,
            desired: desire(&[("ServerPort", "1")]),
        };
        let s2 = Scope::Site(SiteId::from_static("s2"));
        let current = records(&[
            set(s2, "ServerPort", "2"),
            set(Scope::Common, "ServerPort", "3"),
        ]);
        let theirs = intent.theirs(&ModuleRecords::new(), &current);
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].scope(), Scope::Common);
    }

    #[test]
    fn record_edits_collide_on_the_same_key_only() {
        let intent = Intent::Records(vec![Change::SetGrant {
            scope: Scope::Common,
            group: G5,
            level: AccessLevel::W,
        }]);
        let base = ModuleRecords::new();
        let other_group = records(&[Change::SetGrant {
            scope: Scope::Common,
            group: G6,
            level: AccessLevel::R,
        }]);
        let theirs = intent.theirs(&base, &other_group);
        assert!(!intent.collides(&theirs));
        let same_group = records(&[Change::SetGrant {
            scope: Scope::Common,
            group: G5,
            level: AccessLevel::R,
        }]);
        let theirs = intent.theirs(&base, &same_group);
        assert!(intent.collides(&theirs));
        // The same key set to the same level by both sides collides too.
        let same_level = records(&[Change::SetGrant {
            scope: Scope::Common,
            group: G5,
            level: AccessLevel::W,
        }]);
        let theirs = intent.theirs(&base, &same_level);
        assert!(intent.collides(&theirs));
        // Option records are not the Access tab's business.
        let options = records(&[set(Scope::Common, "x", "1")]);
        assert!(intent.theirs(&base, &options).is_empty());
    }

    fn with_unreadable(changes: &[Change], group: GroupId) -> ModuleRecords {
        let mut records = records(changes);
        let key = RightKey::Grant {
            scope: Scope::Common,
            group,
        };
        let row = crate::store::UnreadableRight::new(key, "row 50", Some(50), Some("X"), "no");
        records.add_unreadable(row);
        records
    }

    #[test]
    fn an_unreadable_record_differs_from_every_readable_state_of_it() {
        let broken = with_unreadable(&[], G5);
        let removal = || Change::RemoveGrant {
            scope: Scope::Common,
            group: G5,
        };
        let set = || Change::SetGrant {
            scope: Scope::Common,
            group: G5,
            level: AccessLevel::R,
        };
        let g5 = || RecordKey::Grant {
            scope: Scope::Common,
            group: G5,
        };
        // Removing it or overwriting it is a change to write…
        assert_eq!(broken.changes_to(&ModuleRecords::new()), [removal()]);
        assert_eq!(broken.changes_to(&records(&[set()])), [set()]);
        for change in [removal(), set()] {
            let intent = Intent::Records(vec![change.clone()]);
            assert_eq!(intent.plan(None, &broken), [change]);
        }
        // …another writer breaking it is a change of theirs…
        let intent = Intent::Records(vec![set()]);
        let theirs = intent.theirs(&records(&[set()]), &broken);
        assert_eq!(theirs, [g5()]);
        assert!(intent.collides(&theirs));
        // …and one left alone is no change.
        assert!(broken.changes_to(&broken).is_empty());
        let base = with_unreadable(&[], G6);
        let current = with_unreadable(&[set()], G6);
        assert_eq!(intent.theirs(&base, &current), [g5()]);
    }

    #[test]
    fn a_repair_diff_names_the_texts_it_replaced() {
        let broken = with_unreadable(&[], G5);
        let repair = diff_of(
            &Change::SetGrant {
                scope: Scope::Common,
                group: G5,
                level: AccessLevel::W,
            },
            &broken,
            None,
        );
        assert_eq!(repair.to_string(), "group 5 (\"X\") => (W)");
        // A record without unreadable rows keeps the usual diff.
        let plain = diff_of(
            &Change::RemoveGrant {
                scope: Scope::Common,
                group: G6,
            },
            &broken,
            None,
        );
        assert_eq!(plain.to_string(), "group 6 () => ()");
    }

    #[test]
    fn diffs_hide_secrets_and_unknown_options() {
        let codec = OptionsCodec::of::<VideoPort>();
        let before = records(&[set(Scope::Common, "ServerPort", "8000")]);
        let port = diff_of(
            &set(Scope::Common, "ServerPort", "8001"),
            &before,
            Some(&codec),
        );
        assert_eq!(
            port.to_string(),
            "option ServerPort (\"8000\") => (\"8001\")"
        );
        let secret = diff_of(
            &set(Scope::Common, "SecretCode", "hunter2"),
            &before,
            Some(&codec),
        );
        assert!(matches!(secret, RecordDiff::Secret { .. }));
        let unknown = diff_of(&set(Scope::Common, "ServerPort", "1"), &before, None);
        assert!(matches!(unknown, RecordDiff::Secret { .. }));
        let grant = diff_of(
            &Change::RemoveGrant {
                scope: S1,
                group: G5,
            },
            &records(&[Change::SetGrant {
                scope: S1,
                group: G5,
                level: AccessLevel::R,
            }]),
            None,
        );
        assert_eq!(grant.to_string(), "group 5 (R) => ()");
    }

    #[test]
    fn a_diff_applied_to_before_gives_after() {
        let before = records(&[
            set(Scope::Common, "ServerPort", "8000"),
            set(S1, "ServerHost", "a.example"),
            Change::SetGrant {
                scope: Scope::Common,
                group: G5,
                level: AccessLevel::R,
            },
            Change::SetDefault {
                scope: Scope::Common,
                level: AccessLevel::R,
            },
        ]);
        let after = records(&[
            set(Scope::Common, "ServerPort", "8001"),
            Change::SetGrant {
                scope: Scope::Common,
                group: G6,
                level: AccessLevel::W,
            },
            Change::SetDefault {
                scope: Scope::Common,
                level: AccessLevel::R,
            },
        ]);
        let changes = before.changes_to(&after);
        let keys: Vec<String> = changes.iter().map(|c| key_of(c).to_string()).collect();
        assert_eq!(
            keys,
            [
                "option ServerPort in common",
                "option ServerHost in s1",
                "grant of group 5 in common",
                "grant of group 6 in common",
            ]
        );
        let mut patched = before.clone();
        patched.apply_all(&changes);
        assert!(patched == after);
        assert!(after.changes_to(&after).is_empty());
    }
}
