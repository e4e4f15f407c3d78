//! [`PerfectTable`]: a perfect hash over a fixed set of group ids ("hash
//! and displace", as in CHD and PTHash), for ids anywhere in the `u32`
//! range.
//!
//! A key's 64-bit hash picks its bucket; the bucket's *pilot*, chosen when
//! the table is built, mixes into the hash a second time to pick the key's
//! slot. Pilots are chosen bucket by bucket, largest
//! first, so that no two keys share a slot. A lookup therefore reads one
//! pilot and one slot and compares one key — no probe loop, and no branch
//! that depends on the id, which matters because users' group lists look
//! random to a branch predictor.
//!
//! The slots are at most half full, so a few pilots suffice per bucket and
//! a new id often finds its slot free later ([`PerfectTable::patched`]).
//! Building tries a bounded number of seeds and gives up (`None`) rather
//! than search for ever; the caller then falls back to linear probing.

use std::hint::select_unpredictable;
use std::sync::Arc;

use crate::ids::GroupId;

/// Odd multipliers, one per attempt to build: the first hash of a key is
/// `key × seed`.
const SEEDS: [u64; 8] = [
    0x9E37_79B9_7F4A_7C15,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0xD6E8_FEB8_6659_FD93,
    0xFF51_AFD7_ED55_8CCD,
    0xC4CE_B9FE_1A85_EC53,
    0x94D0_49BB_1331_11EB,
    0xBF58_476D_1CE4_E5B9,
];
/// Spreads a pilot's bits before it is mixed into the hash.
const PILOT_MIX: u64 = 0x2545_F491_4F6C_DD1D;
/// Mixes the piloted hash so its top bits depend on all of it.
const SLOT_MIX: u64 = 0x9FB2_1C65_1E98_DF25;
/// Keys per bucket, on average at most.
const KEYS_PER_BUCKET: usize = 4;

/// One slot: key 0 marks a free slot (no group has id 0); a key with value
/// 0 is an entry since removed, whose slot is free for another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Slot {
    key: u32,
    value: u8,
}

/// A perfect hash table from group id to a non-zero byte.
#[derive(Debug, Clone)]
pub(crate) struct PerfectTable {
    /// The seed: the odd multiplier of the first hash.
    seed: u64,
    /// Per bucket, its pilot already mixed: what is xor-ed into the hash.
    /// A power of two long: a bucket is the low bits of the hash's upper
    /// half.
    pilots: Arc<[u32]>,
    /// A power of two long: a slot is the low bits of the piloted hash's
    /// upper half.
    slots: Arc<[Slot]>,
}

/// The two hash functions of a table: a key's bucket, and its slot given
/// the bucket's pilot.
///
/// Both are masks of the upper half of a product rather than shifts by the
/// table's size: shifts by a constant cost less than by a variable, and a
/// mask of the slice's own length lets the compiler drop bounds checks.
/// The lower half of `key × seed` is a bijection of the key (the seed is
/// odd), so keys of one bucket always differ there, where the pilot is
/// mixed in.
#[derive(Clone, Copy)]
struct Hashes {
    seed: u64,
    bucket_mask: usize,
    slot_mask: usize,
}

impl Hashes {
    #[inline(always)]
    fn hash(self, key: u32) -> u64 {
        u64::from(key).wrapping_mul(self.seed)
    }

    #[inline(always)]
    fn bucket(self, hash: u64) -> usize {
        (hash >> 32) as usize & self.bucket_mask
    }

    #[inline(always)]
    fn slot(self, hash: u64, pilot: u32) -> usize {
        let piloted = (hash ^ u64::from(pilot)).wrapping_mul(SLOT_MIX);
        (piloted >> 32) as usize & self.slot_mask
    }
}

/// Finds a pilot that puts every one of `keys` (a bucket's, values
/// non-zero) in a free slot (value 0) of `slots`, no two in one; writes
/// them there and returns the pilot, mixed. `None`, with `slots` as they
/// were, when no pilot does.
fn place(
    slots: &mut [Slot],
    hashes: Hashes,
    keys: &[(GroupId, u8)],
    taken: &mut Vec<usize>,
) -> Option<u32> {
    (0..=u16::MAX).map(mix).find(|&pilot| {
        taken.clear();
        for &(group, value) in keys {
            let at = hashes.slot(hashes.hash(group.get()), pilot);
            if slots[at].value != 0 {
                for &t in taken.iter() {
                    slots[t] = Slot::default();
                }
                return false;
            }
            slots[at] = Slot {
                key: group.get(),
                value,
            };
            taken.push(at);
        }
        true
    })
}

/// A pilot number's bits spread over a word.
fn mix(pilot: u16) -> u32 {
    (u64::from(pilot).wrapping_mul(PILOT_MIX) >> 32) as u32
}

/// `log2` of the power of two at or above `count` (at least 1).
fn bits_for(count: usize) -> u32 {
    count.max(2).next_power_of_two().trailing_zeros().min(32)
}

impl PerfectTable {
    /// A table over `entries` (sorted by group, each once, values
    /// non-zero), or `None` when no seed tried places every key.
    pub(crate) fn build(entries: &[(GroupId, u8)]) -> Option<Self> {
        let bucket_bits = bits_for(entries.len().div_ceil(KEYS_PER_BUCKET));
        let half_full = bits_for(entries.len() * 2);
        SEEDS.iter().enumerate().find_map(|(attempt, &seed)| {
            // Should the first seeds fail, the rest get twice the room.
            let slot_bits = if attempt < SEEDS.len() / 2 {
                half_full
            } else {
                (half_full + 1).min(32)
            };
            Self::build_with(entries, seed, bucket_bits, slot_bits)
        })
    }

    fn build_with(
        entries: &[(GroupId, u8)],
        seed: u64,
        bucket_bits: u32,
        slot_bits: u32,
    ) -> Option<Self> {
        let buckets = 1usize << bucket_bits;
        let hashes = Hashes {
            seed,
            bucket_mask: buckets - 1,
            slot_mask: (1usize << slot_bits) - 1,
        };
        // The keys of each bucket, by counting sort: bucket b holds
        // `members[starts[b]..starts[b + 1]]`.
        let mut starts = vec![0usize; buckets + 1];
        for &(group, _) in entries {
            starts[hashes.bucket(hashes.hash(group.get())) + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut fill = starts.clone();
        let mut members = vec![0usize; entries.len()];
        for (i, &(group, _)) in entries.iter().enumerate() {
            let b = hashes.bucket(hashes.hash(group.get()));
            members[fill[b]] = i;
            fill[b] += 1;
        }
        // The largest buckets first, while most slots are still free.
        let mut order: Vec<usize> = (0..buckets)
            .filter(|&b| starts[b + 1] > starts[b])
            .collect();
        order.sort_by_key(|&b| std::cmp::Reverse(starts[b + 1] - starts[b]));

        let mut slots = vec![Slot::default(); 1usize << slot_bits];
        let mut pilots = vec![0u32; buckets];
        let mut keys = Vec::with_capacity(KEYS_PER_BUCKET * 4);
        let mut taken = Vec::with_capacity(KEYS_PER_BUCKET * 4);
        for b in order {
            keys.clear();
            keys.extend(
                members[starts[b]..starts[b + 1]]
                    .iter()
                    .map(|&i| entries[i]),
            );
            pilots[b] = place(&mut slots, hashes, &keys, &mut taken)?;
        }
        Some(PerfectTable {
            seed,
            pilots: pilots.into(),
            slots: slots.into(),
        })
    }

    /// The hash functions of this table.
    #[inline(always)]
    fn hashes(&self) -> Hashes {
        Hashes {
            seed: self.seed,
            bucket_mask: self.pilots.len().wrapping_sub(1),
            slot_mask: self.slots.len().wrapping_sub(1),
        }
    }

    /// The value stored for `group`, or 0.
    #[inline(always)]
    pub(crate) fn get(&self, group: GroupId) -> u8 {
        let (pilots, slots) = (&*self.pilots, &*self.slots);
        // Never true (a table has at least two of each); it proves to the
        // compiler that the masked indexes below are in bounds, so the
        // lookup has no bounds-check branch for the select below to be
        // folded into.
        if pilots.is_empty() || slots.is_empty() {
            return 0;
        }
        let hashes = self.hashes();
        let hash = hashes.hash(group.get());
        let pilot = pilots[hashes.bucket(hash)];
        let slot = slots[hashes.slot(hash, pilot)];
        // A select rather than a branch: whether a user's group is in the
        // table is as good as random.
        select_unpredictable(slot.key == group.get(), slot.value, 0)
    }

    /// A copy with `edits` (sorted, each group once; value 0 removes)
    /// written, keeping the seed. A group new to the table takes its slot
    /// if that is free; else its bucket is placed anew with it (a new pilot
    /// for that bucket alone). `None` when even that fails: build anew.
    pub(crate) fn patched(&self, edits: &[(GroupId, u8)]) -> Option<Self> {
        // One copy, written in place: a fresh `Arc` is never shared.
        let mut slots: Arc<[Slot]> = Arc::from(&self.slots[..]);
        let cells = Arc::get_mut(&mut slots)?;
        let hashes = self.hashes();
        let mut pilots: Option<Vec<u32>> = None;
        let mut taken = Vec::new();
        for &(group, value) in edits {
            let key = group.get();
            let hash = hashes.hash(key);
            let bucket = hashes.bucket(hash);
            let pilot = *pilots.as_deref().unwrap_or(&self.pilots).get(bucket)?;
            let slot = cells.get_mut(hashes.slot(hash, pilot))?;
            if slot.key == key || (value != 0 && slot.value == 0) {
                // Its own slot, or one free for it: lookups of `group`
                // land here.
                *slot = Slot { key, value };
            } else if value != 0 {
                // Another group's: the bucket's keys, this one among them,
                // go where a new pilot puts them.
                let mut keys = vec![(group, value)];
                for slot in cells.iter_mut() {
                    if slot.key != 0 && hashes.bucket(hashes.hash(slot.key)) == bucket {
                        if let (Some(group), true) = (GroupId::new(slot.key), slot.value != 0) {
                            keys.push((group, slot.value));
                        }
                        *slot = Slot::default();
                    }
                }
                let pilot = place(cells, hashes, &keys, &mut taken)?;
                let pilots = pilots.get_or_insert_with(|| self.pilots.to_vec());
                *pilots.get_mut(bucket)? = pilot;
            }
        }
        Some(PerfectTable {
            seed: self.seed,
            pilots: pilots.map_or_else(|| Arc::clone(&self.pilots), Arc::from),
            slots,
        })
    }

    /// Every entry (value non-zero), in slot order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (GroupId, u8)> + '_ {
        self.slots.iter().filter_map(|slot| {
            let group = GroupId::new(slot.key)?;
            (slot.value != 0).then_some((group, slot.value))
        })
    }

    /// How many buckets `other` placed otherwise than `self` does: 0 for a
    /// table patched in place, 1 for a bucket placed anew, `None` for a
    /// table built anew with another seed or size.
    #[cfg(test)]
    pub(crate) fn buckets_moved(&self, other: &PerfectTable) -> Option<usize> {
        let same = self.seed == other.seed
            && self.pilots.len() == other.pilots.len()
            && self.slots.len() == other.slots.len();
        same.then(|| {
            let pairs = self.pilots.iter().zip(other.pilots.iter());
            pairs.filter(|(a, b)| a != b).count()
        })
    }

    /// Whether both tables share their slots.
    #[cfg(test)]
    pub(crate) fn shares_slots(&self, other: &PerfectTable) -> bool {
        Arc::ptr_eq(&self.slots, &other.slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(id: u32) -> GroupId {
        GroupId::new(id).unwrap()
    }

    #[test]
    fn gives_up_rather_than_search_for_ever() {
        // Eight keys in one bucket cannot share a table of two slots.
        let entries: Vec<(GroupId, u8)> = (1..=8).map(|i| (g(i), 1)).collect();
        assert!(PerfectTable::build_with(&entries, SEEDS[0], 1, 1).is_none());
        assert!(PerfectTable::build(&entries).is_some());
    }

    #[test]
    fn every_slot_holds_at_most_one_key_and_every_key_is_found() {
        let entries: Vec<(GroupId, u8)> = (1..=2000u32)
            .map(|i| (g(i.wrapping_mul(0x9E37_79B9) | 1), 1))
            .collect();
        let mut sorted = entries.clone();
        sorted.sort();
        sorted.dedup_by_key(|e| e.0);
        let table = PerfectTable::build(&sorted).unwrap();
        assert!(
            table.slots.len() <= 2 * 2 * sorted.len(),
            "at most half full"
        );
        for &(group, value) in &sorted {
            assert_eq!(table.get(group), value);
        }
        assert_eq!(table.entries().count(), sorted.len());
    }
}
