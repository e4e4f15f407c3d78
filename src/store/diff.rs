//! [`ModuleRecords::changes_to`]: the changes that turn one set of records
//! into another — the one comparison of two sets of records (the facade's
//! conflicts, re-planning and Access tab all use it), the inverse of
//! [`ModuleRecords::apply`].
//!
//! Records are kept in sorted maps, so two sets are compared by walking
//! both in key order at once: linear in the number of records, with no
//! map built on the way. (Building maps of every record made a one-grant
//! write to a 100,000-grant module spend most of its time here.)

use std::cmp::Ordering;
use std::iter::Peekable;

use super::{Change, ModuleRecords, RightKey};
use crate::access::AccessLevel;
use crate::ids::{GroupId, OptionName, Scope};

/// What a record holds, as far as a comparison cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held<'a> {
    Text(&'a str),
    Level(AccessLevel),
    /// Stored rows that cannot be read: removing them, overwriting them,
    /// or another writer breaking a record all count as differences.
    Unreadable,
}

impl ModuleRecords {
    /// The changes that turn these records into `after`: one per record
    /// added, changed or removed, in key order (options, then defaults,
    /// then grants; each by scope, then name or group). Applied to these
    /// records they give `after`. A record whose stored rows cannot be
    /// read compares as "unreadable": it differs from any value, and
    /// making a record unreadable is its removal.
    ///
    /// Linear in the number of records: both sets are walked in key order
    /// at once.
    ///
    /// ```
    /// use module_settings::store::{Change, ModuleRecords};
    /// use module_settings::{AccessLevel, GroupId, Scope};
    ///
    /// let g5 = GroupId::from_static(5);
    /// let mut before = ModuleRecords::new();
    /// before.apply(&Change::SetGrant { scope: Scope::Common, group: g5, level: AccessLevel::R });
    /// let mut after = ModuleRecords::new();
    /// after.apply(&Change::SetDefault { scope: Scope::Common, level: AccessLevel::R });
    ///
    /// let changes = before.changes_to(&after);
    /// assert_eq!(
    ///     changes,
    ///     [
    ///         Change::SetDefault { scope: Scope::Common, level: AccessLevel::R },
    ///         Change::RemoveGrant { scope: Scope::Common, group: g5 },
    ///     ]
    /// );
    /// let mut patched = before.clone();
    /// patched.apply_all(&changes);
    /// assert_eq!(patched, after);
    /// ```
    pub fn changes_to(&self, after: &ModuleRecords) -> Vec<Change> {
        diff(self, after)
    }
}

fn diff(before: &ModuleRecords, after: &ModuleRecords) -> Vec<Change> {
    let mut changes = Vec::new();
    merge(
        options(before),
        options(after),
        |(scope, name): (Scope, &OptionName), new| {
            changes.push(match new {
                Some(Held::Text(value)) => Change::SetOption {
                    scope,
                    name: name.clone(),
                    value: value.to_owned(),
                },
                _ => Change::RemoveOption {
                    scope,
                    name: name.clone(),
                },
            });
        },
    );
    merge(defaults(before), defaults(after), |scope, new| {
        changes.push(match new {
            Some(Held::Level(level)) => Change::SetDefault { scope, level },
            _ => Change::RemoveDefault { scope },
        });
    });
    merge(grants(before), grants(after), |(scope, group), new| {
        changes.push(match new {
            Some(Held::Level(level)) => Change::SetGrant {
                scope,
                group,
                level,
            },
            _ => Change::RemoveGrant { scope, group },
        });
    });
    changes
}

/// The option values, sorted by scope and name.
fn options(records: &ModuleRecords) -> impl Iterator<Item = ((Scope, &OptionName), Held<'_>)> {
    records
        .all_options()
        .map(|(scope, name, value)| ((scope, name), Held::Text(value)))
}

/// The default levels, with unreadable default records, sorted by scope.
fn defaults(records: &ModuleRecords) -> Vec<(Scope, Held<'static>)> {
    let mut defaults: Vec<_> = records
        .defaults()
        .map(|(scope, level)| (scope, Held::Level(level)))
        .collect();
    add_unreadable(&mut defaults, records, |key| match key {
        RightKey::Default { scope } => Some(scope),
        RightKey::Grant { .. } => None,
    });
    defaults
}

/// The grants, with unreadable grant records, sorted by scope and group.
fn grants(records: &ModuleRecords) -> impl Iterator<Item = ((Scope, GroupId), Held<'static>)> + '_ {
    let readable = records
        .grants()
        .map(|(scope, group, level)| ((scope, group), Held::Level(level)));
    let mut unreadable = Vec::new();
    add_unreadable(&mut unreadable, records, |key| match key {
        RightKey::Grant { scope, group } => Some((scope, group)),
        RightKey::Default { .. } => None,
    });
    // Both sorted and disjoint (a record is readable or not): merged in
    // order without collecting the readable ones.
    MergeSorted {
        a: readable.peekable(),
        b: unreadable.into_iter().peekable(),
    }
}

/// Adds the unreadable records `key_of` picks to `list` and keeps it
/// sorted (unreadable records are rare: usually nothing to sort).
fn add_unreadable<K: Ord + Copy>(
    list: &mut Vec<(K, Held<'static>)>,
    records: &ModuleRecords,
    key_of: impl Fn(RightKey) -> Option<K>,
) {
    let before = list.len();
    let mut last = None;
    for row in records.unreadable() {
        // A record may have several unreadable rows: one entry per record.
        if let Some(key) = key_of(row.key).filter(|key| last != Some(*key)) {
            last = Some(key);
            list.push((key, Held::Unreadable));
        }
    }
    if list.len() > before {
        list.sort_by_key(|entry| entry.0);
        list.dedup_by(|x, y| x.0 == y.0);
    }
}

/// Two sorted, disjoint streams as one sorted stream.
struct MergeSorted<A: Iterator, B: Iterator> {
    a: Peekable<A>,
    b: Peekable<B>,
}

impl<K: Ord, V, A, B> Iterator for MergeSorted<A, B>
where
    A: Iterator<Item = (K, V)>,
    B: Iterator<Item = (K, V)>,
{
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) if y.0 < x.0 => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

/// Walks `before` and `after` (each sorted by key) together and calls
/// `changed` with every key whose value differs, and its new value
/// (`None`: the record is gone).
fn merge<'a, K: Ord + Copy>(
    before: impl IntoIterator<Item = (K, Held<'a>)>,
    after: impl IntoIterator<Item = (K, Held<'a>)>,
    mut changed: impl FnMut(K, Option<Held<'a>>),
) {
    let mut before = before.into_iter().peekable();
    let mut after = after.into_iter().peekable();
    loop {
        let order = match (before.peek(), after.peek()) {
            (None, None) => return,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(old), Some(new)) => old.0.cmp(&new.0),
        };
        match order {
            // Only before: removed.
            Ordering::Less => {
                if let Some((key, _)) = before.next() {
                    changed(key, None);
                }
            }
            // Only after: added.
            Ordering::Greater => {
                if let Some((key, new)) = after.next() {
                    changed(key, Some(new));
                }
            }
            Ordering::Equal => {
                if let (Some((_, old)), Some((key, new))) = (before.next(), after.next()) {
                    if old != new {
                        changed(key, Some(new));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    /// Records from a seed: options, defaults and grants in two scopes.
    fn records(seed: u64) -> ModuleRecords {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let scopes = [Scope::Common, Scope::Site(SiteId::from_static("s1"))];
        let levels = [AccessLevel::D, AccessLevel::R, AccessLevel::W];
        let mut changes = Vec::new();
        for _ in 0..next(40) {
            let scope = scopes[next(2) as usize];
            let level = levels[next(3) as usize];
            changes.push(match next(3) {
                0 => Change::SetOption {
                    scope,
                    name: OptionName::new(&format!("o{}", next(6))).unwrap(),
                    value: next(3).to_string(),
                },
                1 => Change::SetDefault { scope, level },
                _ => Change::SetGrant {
                    scope,
                    group: GroupId::new(1 + next(20) as u32).unwrap(),
                    level,
                },
            });
        }
        let mut records = ModuleRecords::new();
        records.apply_all(&changes);
        records
    }

    /// Where a change's record sorts: options, then defaults, then
    /// grants; each by scope, then name or group.
    fn order(change: &Change) -> (u8, Scope, Option<OptionName>, Option<GroupId>) {
        match change {
            Change::SetOption { scope, name, .. } | Change::RemoveOption { scope, name } => {
                (0, *scope, Some(name.clone()), None)
            }
            Change::SetDefault { scope, .. } | Change::RemoveDefault { scope } => {
                (1, *scope, None, None)
            }
            Change::SetGrant { scope, group, .. } | Change::RemoveGrant { scope, group } => {
                (2, *scope, None, Some(*group))
            }
        }
    }

    #[test]
    fn a_diff_turns_one_set_of_records_into_the_other() {
        for a in 0..60 {
            for b in [a, a + 1, a * 7 + 3] {
                let (before, after) = (records(a), records(b));
                let changes = diff(&before, &after);
                let mut applied = before.clone();
                applied.apply_all(&changes);
                assert_eq!(applied, after, "seeds {a} and {b}");
                if a == b {
                    assert!(changes.is_empty());
                }
                let mut keys: Vec<_> = changes.iter().map(order).collect();
                let sorted = keys.clone();
                keys.sort();
                keys.dedup();
                assert_eq!(keys, sorted, "one change per record, in key order");
            }
        }
    }
}
