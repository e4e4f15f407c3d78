//! [`ProbedTable`]: open addressing with linear probing — the layout of
//! last resort, for an id set the perfect hash failed to place. It always
//! builds; a lookup probes until it finds the key or a free slot.

use std::sync::Arc;

use crate::ids::GroupId;

/// One slot: key 0 marks a free slot (no group has id 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Slot {
    key: u32,
    value: u8,
}

/// Capacity a power of two and at least twice the number of entries, so
/// every probe sequence reaches a free slot and ends.
#[derive(Debug, Clone)]
pub(crate) struct ProbedTable {
    slots: Arc<[Slot]>,
    /// `32 - log2(capacity)`: the hash keeps the top bits of the product.
    shift: u32,
}

impl ProbedTable {
    /// A table over `entries` (each group once, values non-zero).
    pub(crate) fn build(entries: &[(GroupId, u8)]) -> Self {
        let capacity = (entries.len().max(1) * 2).next_power_of_two();
        let mask = capacity - 1;
        let mut slots = vec![Slot::default(); capacity];
        // At most 2^32 slots are ever useful (keys are u32); saturate
        // rather than overflow for absurd sizes.
        let shift = 32u32.saturating_sub(capacity.trailing_zeros());
        for &(group, value) in entries {
            let key = group.get();
            let mut i = home(key, shift);
            while slots[i].key != 0 && slots[i].key != key {
                i = (i + 1) & mask;
            }
            slots[i] = Slot { key, value };
        }
        ProbedTable {
            slots: slots.into(),
            shift,
        }
    }

    /// The value stored for `group`, or 0.
    #[inline]
    pub(crate) fn get(&self, group: GroupId) -> u8 {
        let key = group.get();
        let mask = self.slots.len() - 1;
        let mut i = home(key, self.shift);
        loop {
            match self.slots.get(i) {
                Some(slot) if slot.key == key => return slot.value,
                Some(slot) if slot.key != 0 => i = (i + 1) & mask,
                _ => return 0,
            }
        }
    }

    /// Every entry, in slot order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (GroupId, u8)> + '_ {
        self.slots
            .iter()
            .filter_map(|slot| Some((GroupId::new(slot.key)?, slot.value)))
    }
}

/// Fibonacci hashing: multiply by 2^32 / φ and keep the top bits, which
/// spreads both consecutive and strided ids well.
#[inline]
fn home(key: u32, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9) >> shift) as usize
}
