//! [`GroupTable`]: an immutable map from group id to a small value (one
//! `u16` cell), built once and read on every access check.
//!
//! Two layouts, chosen when the table is built:
//! - **dense**: an array indexed by the group id itself, when the ids are
//!   small enough that the array stays within a few slots per entry (Bitrix
//!   numbers its groups from 1 upwards, so this is the usual case);
//! - **hashed**: open addressing with linear probing and a multiplicative
//!   hash, at most half full, for ids spread far apart.
//!
//! Either way a lookup is a handful of instructions and never allocates.
//! The value 0 means "no entry", so callers must never store 0.

use crate::ids::GroupId;

/// Below this many array slots the dense layout is always chosen.
const DENSE_FLOOR: usize = 1024;
/// Otherwise the dense array may have at most this many slots per entry
/// (two bytes each).
const DENSE_SLOTS_PER_ENTRY: usize = 8;

/// A read-only map `GroupId -> u16` (non-zero values only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum GroupTable {
    /// No entries.
    #[default]
    Empty,
    /// `slots[id]` is the value of group `id` (0 = none).
    Dense(Box<[u16]>),
    /// An open-addressing hash table.
    Hashed(HashedTable),
}

impl GroupTable {
    /// Builds a table from `(group, value)` pairs; a later pair for the same
    /// group replaces an earlier one. Values must be non-zero.
    pub(crate) fn build(entries: &[(GroupId, u16)]) -> Self {
        debug_assert!(entries.iter().all(|&(_, v)| v != 0));
        let Some(max_id) = entries.iter().map(|(g, _)| g.get()).max() else {
            return GroupTable::Empty;
        };
        let slots = usize::try_from(max_id).map_or(usize::MAX, |m| m.saturating_add(1));
        let budget = DENSE_FLOOR.max(entries.len().saturating_mul(DENSE_SLOTS_PER_ENTRY));
        if slots <= budget {
            let mut bytes = vec![0u16; slots];
            for &(group, value) in entries {
                // In range: `slots` is one more than the largest id.
                if let Some(slot) = bytes.get_mut(group.get() as usize) {
                    *slot = value;
                }
            }
            GroupTable::Dense(bytes.into_boxed_slice())
        } else {
            GroupTable::Hashed(HashedTable::build(entries))
        }
    }

    /// The value stored for `group`, or 0.
    #[inline]
    pub(crate) fn get(&self, group: GroupId) -> u16 {
        match self {
            GroupTable::Empty => 0,
            GroupTable::Dense(bytes) => Dense(bytes).get(group),
            GroupTable::Hashed(table) => table.get(group),
        }
    }

    /// Which layout was chosen (for tests and diagnostics).
    #[cfg(test)]
    fn layout(&self) -> &'static str {
        match self {
            GroupTable::Empty => "empty",
            GroupTable::Dense(_) => "dense",
            GroupTable::Hashed(_) => "hashed",
        }
    }
}

/// Read access to a table of one layout. The hot loops are compiled once
/// per layout through this trait, so the layout is decided once per check
/// rather than once per group.
pub(crate) trait Cells: Copy {
    /// The value stored for `group`, or 0.
    fn get(self, group: GroupId) -> u16;
}

/// The dense layout (an empty slice stands for the empty table).
#[derive(Clone, Copy)]
pub(crate) struct Dense<'a>(pub(crate) &'a [u16]);

impl Cells for Dense<'_> {
    #[inline(always)]
    fn get(self, group: GroupId) -> u16 {
        self.0.get(group.get() as usize).copied().unwrap_or(0)
    }
}

impl Cells for &HashedTable {
    #[inline(always)]
    fn get(self, group: GroupId) -> u16 {
        HashedTable::get(self, group)
    }
}

/// One slot of [`HashedTable`]: key 0 marks an empty slot, which is safe
/// because no group has id 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Slot {
    key: u32,
    value: u16,
}

/// Open addressing, linear probing, capacity a power of two and at least
/// twice the number of entries, so every probe sequence reaches an empty
/// slot and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HashedTable {
    slots: Box<[Slot]>,
    /// `32 - log2(capacity)`: the hash keeps the top bits of the product.
    shift: u32,
}

impl HashedTable {
    fn build(entries: &[(GroupId, u16)]) -> Self {
        let capacity = (entries.len().max(1) * 2).next_power_of_two().max(2);
        let bits = capacity.trailing_zeros();
        let mut table = HashedTable {
            slots: vec![Slot::default(); capacity].into_boxed_slice(),
            // At most 2^32 slots are ever useful (keys are u32); saturate
            // rather than overflow for absurd sizes.
            shift: 32u32.saturating_sub(bits),
        };
        let mask = capacity - 1;
        for &(group, value) in entries {
            let key = group.get();
            let mut i = table.home(key);
            loop {
                let slot = &mut table.slots[i];
                if slot.key == 0 || slot.key == key {
                    *slot = Slot { key, value };
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        table
    }

    /// Fibonacci hashing: multiply by 2^32 / φ and keep the top bits, which
    /// spreads both consecutive and strided ids well.
    #[inline]
    fn home(&self, key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    #[inline]
    pub(crate) fn get(&self, group: GroupId) -> u16 {
        let key = group.get();
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot.key == key {
                return slot.value;
            }
            if slot.key == 0 {
                return 0;
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn g(id: u32) -> GroupId {
        GroupId::new(id).unwrap()
    }

    #[track_caller]
    fn check(entries: &[(u32, u16)], layout: &str) {
        let pairs: Vec<_> = entries.iter().map(|&(id, v)| (g(id), v)).collect();
        let table = GroupTable::build(&pairs);
        assert_eq!(table.layout(), layout);
        let model: BTreeMap<u32, u16> = entries.iter().copied().collect();
        for (&id, &v) in &model {
            assert_eq!(table.get(g(id)), v, "group {id}");
        }
        for probe in [1, 2, 3, 7, 1000, 1023, 1024, 65_536, u32::MAX - 1, u32::MAX] {
            assert_eq!(
                table.get(g(probe)),
                model.get(&probe).copied().unwrap_or(0),
                "probe {probe}"
            );
        }
    }

    #[test]
    fn layouts_follow_the_density_of_ids() {
        check(&[], "empty");
        check(&[(1, 4), (2, 1), (5, 3)], "dense");
        check(&[(1023, 2)], "dense");
        check(&[(1024, 2)], "hashed");
        check(&[(u32::MAX, 1), (1, 2)], "hashed");
        check(&[(7, 1), (7, 3)], "dense"); // the later pair wins
        check(&[(100_000, 1), (100_000, 4)], "hashed");
    }

    #[test]
    fn hashed_table_finds_every_key_among_many() {
        let entries: Vec<(u32, u16)> = (1..=5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) | 1, (i % 4) as u16 + 1))
            .collect();
        check(&entries, "hashed");
    }

    #[test]
    fn colliding_keys_probe_past_each_other() {
        // Multiples of a large power of two share their low bits; the
        // multiplicative hash must still place them all.
        let entries: Vec<(u32, u16)> = (1..=64u32).map(|i| (i << 20, 1 + (i % 3) as u16)).collect();
        check(&entries, "hashed");
    }
}
