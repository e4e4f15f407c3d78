//! [`ModuleIndex`]: where a module's entry is, found in O(1) whatever the
//! number of modules.
//!
//! An open-addressing table, at most half full, of entry positions, keyed
//! by a hash of the whole module id (ids often share long prefixes, such
//! as `crm_1`, `crm_2`, …). A lookup hashes the id — a multiply-rotate
//! step per 8-byte word — and compares one or two stored hashes before
//! confirming the id itself, a word at a time: the first module and the
//! thousandth cost the same.

use crate::ids::ModuleId;

/// Positions of entries by module id.
#[derive(Debug)]
pub(crate) struct ModuleIndex {
    /// `(hash, position + 1)`; position 0 marks an empty slot. The hash
    /// is compared before the ids.
    slots: Box<[(u32, u32)]>,
    /// How far to shift a hash right to get a slot (its high bits).
    shift: u32,
}

impl ModuleIndex {
    /// The index of `ids`, each at its position in the slice. Ids are
    /// distinct (the registry merges registrations of one module).
    pub(crate) fn new<'a>(ids: impl ExactSizeIterator<Item = &'a ModuleId>) -> Self {
        let capacity = (ids.len() * 2).next_power_of_two().max(2);
        let shift = 32 - capacity.trailing_zeros();
        let mut slots = vec![(0u32, 0u32); capacity].into_boxed_slice();
        let mask = capacity - 1;
        for (position, id) in ids.enumerate() {
            let hash = id.hash32();
            let mut slot = (hash >> shift) as usize & mask;
            while slots[slot].1 != 0 {
                slot = (slot + 1) & mask;
            }
            // More than 4 billion modules cannot be registered in memory.
            let position = u32::try_from(position + 1).unwrap_or(u32::MAX);
            slots[slot] = (hash, position);
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
        let hash = module.hash32();
        let mask = self.slots.len() - 1;
        let mut slot = (hash >> self.shift) as usize & mask;
        loop {
            let (tag, position) = *self.slots.get(slot)?;
            if position == 0 {
                return None;
            }
            let position = position as usize - 1;
            if tag == hash && id_at(position).is_some_and(|id| id.same_text(module)) {
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
}
