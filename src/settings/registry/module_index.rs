//! [`ModuleIndex`]: where a module's entry is, found in O(1) whatever the
//! number of modules.
//!
//! An open-addressing table, at most half full, of entry positions, keyed
//! by a hash of the whole module id (ids often share long prefixes, such as
//! `crm_1`, `crm_2`, …). A lookup hashes the id — a few multiply-rotate
//! steps over its 8-byte words — and compares one or two stored tags before
//! confirming the id itself: the first module and the thousandth cost the
//! same.

use crate::ids::ModuleId;

/// Positions of entries by module id.
#[derive(Debug)]
pub(crate) struct ModuleIndex {
    /// `(tag, position + 1)`; position 0 marks an empty slot. The tag is
    /// the hash's low half, compared before the ids.
    slots: Box<[(u32, u32)]>,
    /// How far to shift a hash right to get a slot (its high bits).
    shift: u32,
}

/// The golden-ratio multiplier: spreads consecutive words over the high
/// bits, which pick the slot.
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// A hash of the whole id.
#[inline]
fn hash(id: &ModuleId) -> u64 {
    let (len, words) = id.words();
    words.fold(len as u64, |hash, word| {
        (hash.rotate_left(29) ^ word).wrapping_mul(MIX)
    })
}

/// Whether two ids are the same, comparing their text a word at a time:
/// the derived `==` compares the whole 51-byte inline buffer through a
/// `memcmp` call, a good part of a facade check's time.
#[inline]
fn same_id(a: &ModuleId, b: &ModuleId) -> bool {
    let ((a_len, a_words), (b_len, mut b_words)) = (a.words(), b.words());
    a_len == b_len && a_words.zip(&mut b_words).all(|(x, y)| x == y)
}

impl ModuleIndex {
    /// The index of `ids`, each at its position in the slice. Ids are
    /// distinct (the registry merges registrations of one module).
    pub(crate) fn new<'a>(ids: impl ExactSizeIterator<Item = &'a ModuleId>) -> Self {
        let capacity = (ids.len() * 2).next_power_of_two().max(2);
        let shift = 64 - capacity.trailing_zeros();
        let mut slots = vec![(0u32, 0u32); capacity].into_boxed_slice();
        let mask = capacity - 1;
        for (position, id) in ids.enumerate() {
            let hash = hash(id);
            let mut slot = (hash >> shift) as usize & mask;
            while slots[slot].1 != 0 {
                slot = (slot + 1) & mask;
            }
            // More than 4 billion modules cannot be registered in memory.
            let position = u32::try_from(position + 1).unwrap_or(u32::MAX);
            slots[slot] = (hash as u32, position);
        }
        ModuleIndex { slots, shift }
    }

    /// The position of `module`, confirmed with `id_at` (which gives the id
    /// of the entry at a position).
    #[inline]
    pub(crate) fn find<'a>(
        &self,
        module: &ModuleId,
        id_at: impl Fn(usize) -> Option<&'a ModuleId>,
    ) -> Option<usize> {
        let hash = hash(module);
        let mask = self.slots.len() - 1;
        let mut slot = (hash >> self.shift) as usize & mask;
        loop {
            let (tag, position) = *self.slots.get(slot)?;
            if position == 0 {
                return None;
            }
            let position = position as usize - 1;
            if tag == hash as u32 && id_at(position).is_some_and(|id| same_id(id, module)) {
                return Some(position);
            }
            slot = (slot + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_nothing_else_among_ids_with_one_prefix() {
        let ids: Vec<ModuleId> = (0..1_000)
            .map(|i| ModuleId::new(&format!("module_with_a_long_shared_prefix_{i}")).unwrap())
            .collect();
        let index = ModuleIndex::new(ids.iter());
        for (position, id) in ids.iter().enumerate() {
            assert_eq!(index.find(id, |p| ids.get(p)), Some(position));
        }
        for missing in ["module_with_a_long_shared_prefix_1000", "video", "m"] {
            let missing = ModuleId::new(missing).unwrap();
            assert_eq!(index.find(&missing, |p| ids.get(p)), None);
        }
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let index = ModuleIndex::new([].iter());
        assert_eq!(index.find(&ModuleId::from_static("video"), |_| None), None);
    }

    #[test]
    fn ids_are_the_same_only_byte_for_byte() {
        let id = |text: &str| ModuleId::new(text).unwrap();
        assert!(same_id(&id("video"), &id("VIDEO")));
        assert!(same_id(
            &id("a_module_longer_than_eight"),
            &id("a_module_longer_than_eight")
        ));
        assert!(!same_id(
            &id("a_module_longer_than_eight"),
            &id("a_module_longer_than_eighT1")
        ));
        assert!(!same_id(&id("video"), &id("videoport")));
        let longest = "m".repeat(49);
        assert!(same_id(
            &id(&format!("{longest}a")),
            &id(&format!("{longest}A"))
        ));
        assert!(!same_id(
            &id(&format!("{longest}a")),
            &id(&format!("{longest}b"))
        ));
        assert_ne!(
            hash(&id(&format!("{longest}a"))),
            hash(&id(&format!("{longest}b")))
        );
        assert!(!same_id(
            &id("a_module_longer_than_eight"),
            &id("a_module_longer_than_fight")
        ));
    }
}
