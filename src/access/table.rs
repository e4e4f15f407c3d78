//! [`GroupTable`]: an immutable map from group id to one byte (a
//! [`GroupCell`](super::cell::GroupCell)), built once and read on every
//! access check.
//!
//! Five layouts, chosen when the table is built:
//! - **dense**: an array indexed by `id - base` (`base` the lowest id),
//!   when the ids lie close enough together that the array stays within a
//!   few bytes per entry — Bitrix numbers its groups from 1 upwards;
//! - **lone**: such an array and one id far from it, compared on its own —
//!   the administrators group beside a range of imported groups;
//! - **split**: two such arrays, when the ids form two runs far apart —
//!   internal and extranet groups;
//! - **perfect**: a perfect hash for ids anywhere in the `u32` range: one
//!   bucket, one pilot, one slot, one compare;
//! - **probed**: linear probing, only should the perfect hash fail to build
//!   within its bounded attempts (no id set met in practice does).
//!
//! Either way a lookup is a handful of instructions, takes no branch on the
//! id (but the probed layout's), and never allocates. The value 0 means "no
//! entry", so callers never store 0 as an entry.
//!
//! A table's arrays sit behind `Arc`s: cloning a table shares them, and
//! [`GroupTable::patched`] derives a changed table by copying an array and
//! writing the changed slots when every changed group has a slot there
//! already, else by building again from the entries.

mod dense;
mod perfect;
mod probed;

use crate::ids::GroupId;
use dense::slots_for;
pub(crate) use dense::{Dense, DenseTable, LoneTable, SplitTable};
pub(crate) use perfect::PerfectTable;
pub(crate) use probed::ProbedTable;

/// Up to this many array slots (bytes) a dense layout is always chosen.
const DENSE_FLOOR: u64 = 2048;
/// Otherwise the dense arrays may have at most this many slots (bytes) per
/// entry — still no more than the hashed layouts spend per entry.
const DENSE_SLOTS_PER_ENTRY: u64 = 16;

/// A read-only map `GroupId -> u8` (non-zero values only).
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupTable {
    layout: Layout,
    /// How many groups have a non-zero value.
    live: usize,
}

/// The arrays of a [`GroupTable`], in the layout chosen for its ids.
#[derive(Debug, Clone, Default)]
pub(crate) enum Layout {
    /// No entries.
    #[default]
    Empty,
    /// One run of ids.
    Dense(DenseTable),
    /// One run of ids and one id apart.
    Lone(LoneTable),
    /// Two runs of ids.
    Split(SplitTable),
    /// A perfect hash over the ids.
    Perfect(PerfectTable),
    /// Open addressing with linear probing.
    Probed(ProbedTable),
}

impl GroupTable {
    /// Builds a table from `(group, value)` pairs in any order; a later
    /// pair for the same group replaces an earlier one, and a pair with
    /// value 0 means no entry.
    pub(crate) fn build(entries: impl IntoIterator<Item = (GroupId, u8)>) -> Self {
        Self::from_sorted(normalized(entries.into_iter().collect()))
    }

    /// Over entries sorted by group, each group once, no value 0.
    fn from_sorted(entries: Vec<(GroupId, u8)>) -> Self {
        let (Some(&(first, _)), Some(&(last, _))) = (entries.first(), entries.last()) else {
            return GroupTable::default();
        };
        let budget = DENSE_FLOOR.max(entries.len() as u64 * DENSE_SLOTS_PER_ENTRY);
        // Two runs: split at the widest gap between neighbours, which
        // leaves the least in the arrays.
        let cut = (1..entries.len())
            .max_by_key(|&i| entries[i].0.get() - entries[i - 1].0.get())
            .unwrap_or(entries.len());
        let (low, high) = entries.split_at(cut);
        let runs = match (low.last(), high.first()) {
            (Some(&(low_last, _)), Some(&(high_first, _))) => {
                slots_for(first, low_last) + slots_for(high_first, last)
            }
            _ => u64::MAX,
        };
        let layout = if slots_for(first, last) <= budget {
            Layout::Dense(DenseTable::build(&entries))
        } else if runs <= budget {
            match (low, high) {
                (&[lone], run) | (run, &[lone]) => Layout::Lone(LoneTable {
                    run: DenseTable::build(run),
                    lone,
                }),
                _ => Layout::Split(SplitTable::build(low, high)),
            }
        } else {
            match PerfectTable::build(&entries) {
                Some(table) => Layout::Perfect(table),
                None => Layout::Probed(ProbedTable::build(&entries)),
            }
        };
        GroupTable {
            layout,
            live: entries.len(),
        }
    }

    /// The value stored for `group`, or 0. For the hot loops, dispatch on
    /// [`layout`](Self::layout) once and read through [`Cells`].
    #[inline]
    pub(crate) fn get(&self, group: GroupId) -> u8 {
        match &self.layout {
            Layout::Empty => 0,
            Layout::Dense(table) => table.cells().get(group),
            Layout::Lone(table) => table.cells().get(group),
            Layout::Split(table) => table.cells().get(group),
            Layout::Perfect(table) => table.get(group),
            Layout::Probed(table) => table.get(group),
        }
    }

    /// The arrays, to read through [`Cells`].
    #[inline]
    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether no group has a value.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// This table with `edits` applied: `(group, value)` pairs sorted by
    /// group, each group once; value 0 removes the group's entry.
    ///
    /// Copies the array and writes the edits when every group given a value
    /// has a slot already (within a dense run; a perfect table's slot for
    /// the id, holding that group or nothing); else builds anew from the
    /// entries. Either way the result answers exactly as a table built from
    /// scratch over the same entries would.
    pub(crate) fn patched(&self, edits: &[(GroupId, u8)]) -> Self {
        debug_assert!(edits.windows(2).all(|w| w[0].0 < w[1].0));
        let mut live = self.live;
        for &(group, value) in edits {
            match (self.get(group) != 0, value != 0) {
                (false, true) => live += 1,
                (true, false) => live -= 1,
                _ => {}
            }
        }
        if live == 0 {
            return GroupTable::default();
        }
        let in_place = match &self.layout {
            Layout::Dense(table) => table.patched(edits).map(Layout::Dense),
            Layout::Lone(table) => table.patched(edits).map(Layout::Lone),
            Layout::Split(table) => table.patched(edits).map(Layout::Split),
            Layout::Perfect(table) => table.patched(edits).map(Layout::Perfect),
            Layout::Empty | Layout::Probed(_) => None,
        };
        match in_place {
            Some(layout) => GroupTable { layout, live },
            None => {
                let mut entries = self.entries();
                entries.extend_from_slice(edits);
                Self::from_sorted(normalized(entries))
            }
        }
    }

    /// Every entry (value non-zero), in no particular order.
    fn entries(&self) -> Vec<(GroupId, u8)> {
        let mut entries = Vec::with_capacity(self.live);
        match &self.layout {
            Layout::Empty => {}
            Layout::Dense(table) => entries.extend(table.entries()),
            Layout::Lone(table) => entries.extend(table.entries()),
            Layout::Split(table) => entries.extend(table.entries()),
            Layout::Perfect(table) => entries.extend(table.entries()),
            Layout::Probed(table) => entries.extend(table.entries()),
        }
        entries
    }
}

/// `entries` sorted by group, the last pair of each group kept, pairs with
/// value 0 dropped.
fn normalized(mut entries: Vec<(GroupId, u8)>) -> Vec<(GroupId, u8)> {
    // Stable, so the later of two pairs for one group stays later; sorted
    // runs (the usual input) merge in linear time.
    entries.sort_by_key(|&(group, _)| group);
    let mut out: Vec<(GroupId, u8)> = Vec::with_capacity(entries.len());
    for entry in entries {
        match out.last_mut() {
            Some(last) if last.0 == entry.0 => *last = entry,
            _ => out.push(entry),
        }
    }
    out.retain(|&(_, value)| value != 0);
    out
}

/// Read access to a table of one layout. The hot loops are compiled once
/// per layout through this trait, so the layout is decided once per check
/// rather than once per group.
pub(crate) trait Cells: Copy {
    /// The value stored for `group`, or 0.
    fn get(self, group: GroupId) -> u8;
}

impl Cells for &PerfectTable {
    #[inline(always)]
    fn get(self, group: GroupId) -> u8 {
        PerfectTable::get(self, group)
    }
}

impl Cells for &ProbedTable {
    #[inline(always)]
    fn get(self, group: GroupId) -> u8 {
        ProbedTable::get(self, group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn g(id: u32) -> GroupId {
        GroupId::new(id).unwrap()
    }

    fn layout_name(table: &GroupTable) -> &'static str {
        match table.layout() {
            Layout::Empty => "empty",
            Layout::Dense(_) => "dense",
            Layout::Lone(_) => "lone",
            Layout::Split(_) => "split",
            Layout::Perfect(_) => "perfect",
            Layout::Probed(_) => "probed",
        }
    }

    const PROBES: [u32; 12] = [
        1,
        2,
        3,
        7,
        1000,
        1023,
        1024,
        65_536,
        1_000_000,
        1_000_499,
        u32::MAX - 1,
        u32::MAX,
    ];

    /// The table answers exactly as the model does, for every key and some
    /// probes around.
    #[track_caller]
    fn answers_as(table: &GroupTable, model: &BTreeMap<u32, u8>) {
        for (&id, &v) in model {
            assert_eq!(table.get(g(id)), v, "group {id}");
        }
        for probe in PROBES {
            let expected = model.get(&probe).copied().unwrap_or(0);
            assert_eq!(table.get(g(probe)), expected, "probe {probe}");
        }
        let live = model.values().filter(|&&v| v != 0).count();
        assert_eq!(table.live, live);
        assert_eq!(table.is_empty(), live == 0);
    }

    #[track_caller]
    fn check(entries: &[(u32, u8)], layout: &str) -> GroupTable {
        let table = GroupTable::build(entries.iter().map(|&(id, v)| (g(id), v)));
        assert_eq!(layout_name(&table), layout);
        let mut model: BTreeMap<u32, u8> = entries.iter().copied().collect();
        model.retain(|_, v| *v != 0);
        answers_as(&table, &model);
        table
    }

    #[test]
    fn layouts_follow_the_density_of_ids() {
        check(&[], "empty");
        check(&[(1, 4), (2, 1), (5, 3)], "dense");
        check(&[(1, 1), (2047, 2)], "dense");
        check(&[(7, 1), (7, 3)], "dense"); // the later pair wins
        check(&[(7, 1), (7, 0)], "empty"); // and 0 removes
        check(&[(100_000, 1), (100_000, 4)], "dense");
        // Near the top of the id range too.
        check(&[(u32::MAX - 5, 1), (u32::MAX, 2)], "dense");
        // A range far from 0 starts its array at its lowest id.
        let high: Vec<(u32, u8)> = (0..500)
            .map(|i| (1_000_000 + i, 1 + (i % 4) as u8))
            .collect();
        let table = check(&high, "dense");
        let Layout::Dense(dense) = table.layout() else {
            unreachable!()
        };
        assert_eq!(dense.extent(), (1_000_000, 501));
        // One id far from a run: the run's array and the id apart, on
        // either side.
        check(&[(1, 1), (2048, 2)], "lone");
        check(&[(u32::MAX, 1), (1, 2)], "lone");
        let mut admin_and_high = high.clone();
        admin_and_high.push((1, 0x80));
        let table = check(&admin_and_high, "lone");
        let Layout::Lone(lone) = table.layout() else {
            unreachable!()
        };
        assert_eq!(lone.run.extent(), (1_000_000, 501));
        assert_eq!(lone.lone, (g(1), 0x80));
        let mut high_and_top = high.clone();
        high_and_top.push((u32::MAX, 3));
        check(&high_and_top, "lone");
        // Two runs far apart: two arrays.
        let mut two = high.clone();
        two.extend((1..500).map(|i| (i, 2)));
        let table = check(&two, "split");
        let Layout::Split(split) = table.layout() else {
            unreachable!()
        };
        assert_eq!(split.low.extent(), (1, 500));
        assert_eq!(split.high.extent(), (1_000_000, 501));
        // Three runs, or ids all over: hashed.
        let mut three = two.clone();
        three.extend((0..10).map(|i| (2_000_000_000 + i, 1)));
        check(&three, "perfect");
        check(&[(1, 1), (1 << 31, 2), (u32::MAX, 3)], "perfect");
    }

    #[test]
    fn perfect_table_finds_every_key_among_many() {
        for n in [3u32, 7, 64, 1000, 5000, 70_000] {
            let entries: Vec<(u32, u8)> = (1..=n)
                .map(|i| (i.wrapping_mul(2_654_435_761) | 1, (i % 4) as u8 + 1))
                .collect();
            check(&entries, "perfect");
        }
    }

    #[test]
    fn colliding_keys_are_told_apart() {
        // Multiples of a large power of two share their low bits; the
        // multiplicative hash must still place them all.
        let entries: Vec<(u32, u8)> = (1..=64u32).map(|i| (i << 20, 1 + (i % 3) as u8)).collect();
        check(&entries, "perfect");
        let entries: Vec<(u32, u8)> = (1..=4095u32)
            .map(|i| (i << 20, 1 + (i % 3) as u8))
            .collect();
        check(&entries, "perfect");
    }

    /// Applies `edits` to a table and to the model; both must agree.
    #[track_caller]
    fn patch(
        table: &GroupTable,
        model: &mut BTreeMap<u32, u8>,
        edits: &[(u32, u8)],
        layout: &str,
    ) -> GroupTable {
        let pairs: Vec<(GroupId, u8)> = edits.iter().map(|&(id, v)| (g(id), v)).collect();
        let patched = table.patched(&pairs);
        for &(id, v) in edits {
            model.insert(id, v);
        }
        model.retain(|_, v| *v != 0);
        assert_eq!(layout_name(&patched), layout);
        answers_as(&patched, model);
        patched
    }

    fn shares_array(a: &GroupTable, b: &GroupTable) -> bool {
        match (a.layout(), b.layout()) {
            (Layout::Dense(a), Layout::Dense(b)) => a.shares_cells(b),
            (Layout::Lone(a), Layout::Lone(b)) => a.run.shares_cells(&b.run),
            (Layout::Split(a), Layout::Split(b)) => {
                a.low.shares_cells(&b.low) || a.high.shares_cells(&b.high)
            }
            (Layout::Perfect(a), Layout::Perfect(b)) => a.shares_slots(b),
            _ => false,
        }
    }

    #[test]
    fn patches_write_in_place_when_they_can_and_rebuild_when_not() {
        let entries: Vec<(u32, u8)> = (1..=100).map(|i| (i * 3, 1 + (i % 4) as u8)).collect();
        let dense = check(&entries, "dense");
        let mut model: BTreeMap<u32, u8> = entries.iter().copied().collect();
        let before = model.clone();
        // Changed, removed and added inside the range.
        let changed = patch(&dense, &mut model, &[(3, 4), (6, 0), (7, 2)], "dense");
        assert!(!shares_array(&dense, &changed), "a copy, not a write");
        answers_as(&dense, &before); // the original is untouched
                                     // Removing what is absent, or outside the range, changes nothing.
        patch(&changed, &mut model, &[(5, 0), (90_000, 0)], "dense");
        // Outside the range: a new layout.
        let far = patch(&changed, &mut model, &[(4_000_000_000, 3)], "lone");
        // In place, in the run or the lone id.
        let lone = patch(&far, &mut model, &[(9, 1), (4_000_000_000, 2)], "lone");
        // A second id far out: two runs.
        let two = patch(&lone, &mut model, &[(4_000_000_001, 4)], "split");
        // In place in either run; the run without edits is shared.
        let near = patch(&two, &mut model, &[(12, 1)], "split");
        assert!(shares_array(&two, &near));
        // Between the runs: built anew.
        let spread = patch(&near, &mut model, &[(2_000_000_000, 1)], "perfect");
        let far = patch(
            &spread,
            &mut model,
            &[(2_000_000_000, 0), (4_000_000_000, 0), (4_000_000_001, 0)],
            "perfect",
        );
        // Tables ending at the highest id rebuild like any other.
        let mut top = BTreeMap::from([(u32::MAX - 1, 2), (u32::MAX, 1)]);
        let table = check(&[(u32::MAX - 1, 2), (u32::MAX, 1)], "dense");
        let table = patch(&table, &mut top, &[(7, 3)], "lone");
        // The lone id removed in place: its value 0.
        let table = patch(&table, &mut top, &[(7, 0), (8, 0)], "lone");
        patch(&table, &mut top, &[(5, 1), (70_000, 3)], "perfect");
        // Removing everything leaves the empty table.
        let all: Vec<(u32, u8)> = model.keys().map(|&id| (id, 0)).collect();
        let empty = patch(&far, &mut model, &all, "empty");
        patch(&empty, &mut model, &[(1, 2)], "dense");
    }

    #[test]
    fn a_perfect_table_takes_new_ids_without_being_built_anew() {
        let entries: Vec<(u32, u8)> = (1..=1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) | 1, 1 + (i % 4) as u8))
            .collect();
        let mut table = check(&entries, "perfect");
        let mut model: BTreeMap<u32, u8> = entries.iter().copied().collect();
        let (mut in_place, mut bucket_moved, mut rebuilt) = (0, 0, 0);
        for i in 0..300u32 {
            let id = (i + 5000).wrapping_mul(2_246_822_519) | 1;
            let next = patch(&table, &mut model, &[(id, 2)], "perfect");
            if let (Layout::Perfect(a), Layout::Perfect(b)) = (table.layout(), next.layout()) {
                match a.buckets_moved(b) {
                    Some(0) => in_place += 1,
                    Some(1) => bucket_moved += 1,
                    _ => rebuilt += 1,
                }
            }
            table = next;
        }
        // At most half full: most new ids find their slot free, the others
        // a new pilot for their bucket, and the table is hardly ever built
        // anew (only as it outgrows its slots).
        assert!(in_place > 100, "{in_place} in place");
        assert!(bucket_moved > 10, "{bucket_moved} buckets placed anew");
        assert!(rebuilt <= 3, "{rebuilt} built anew");
        // Removing and adding back in place.
        let removed = patch(&table, &mut model, &[(1_000_001, 0)], "perfect");
        patch(&removed, &mut model, &[(1_000_001, 3)], "perfect");
    }

    #[test]
    fn the_probed_layout_answers_like_the_others() {
        let entries: Vec<(GroupId, u8)> = (1..=3000u32)
            .map(|i| (g(i.wrapping_mul(2_654_435_761) | 1), 1 + (i % 4) as u8))
            .collect();
        let sorted = normalized(entries);
        let table = GroupTable {
            layout: Layout::Probed(ProbedTable::build(&sorted)),
            live: sorted.len(),
        };
        let mut model: BTreeMap<u32, u8> = sorted.iter().map(|&(g, v)| (g.get(), v)).collect();
        answers_as(&table, &model);
        // A probed table is rebuilt on every patch, into the usual layout.
        patch(&table, &mut model, &[(5, 1)], "perfect");
    }

    #[test]
    fn every_layout_keeps_cells_that_hold_only_an_inactive_mark() {
        // 0x08: an inactive group without a grant; 0x0C: one with a grant.
        // Both are entries like any other, in every layout and patch.
        let marks = |ids: &mut dyn Iterator<Item = u32>| -> Vec<(u32, u8)> {
            ids.enumerate()
                .map(|(i, id)| (id, [0x08, 0x0C, 0x44][i % 3]))
                .collect()
        };
        let dense = marks(&mut (1..=300));
        let lone = marks(&mut (1_000_000..1_000_300).chain([1]));
        let split = marks(&mut (1..150).chain(2_000_000_000..2_000_000_150));
        let perfect = marks(&mut (1..=300u32).map(|i| i.wrapping_mul(2_654_435_761) | 1));
        for (entries, layout) in [
            (dense, "dense"),
            (lone, "lone"),
            (split, "split"),
            (perfect, "perfect"),
        ] {
            let table = check(&entries, layout);
            let mut model: BTreeMap<u32, u8> = entries.iter().copied().collect();
            let (first, _) = entries[0];
            let patched = patch(&table, &mut model, &[(first, 0x08)], layout);
            patch(&patched, &mut model, &[(first, 0)], layout);
        }
        let probed: Vec<(GroupId, u8)> = (1..=300u32)
            .map(|i| {
                (
                    g(i.wrapping_mul(2_654_435_761) | 1),
                    [0x08, 0x0C][i as usize % 2],
                )
            })
            .collect();
        let sorted = normalized(probed);
        let table = GroupTable {
            layout: Layout::Probed(ProbedTable::build(&sorted)),
            live: sorted.len(),
        };
        answers_as(&table, &sorted.iter().map(|&(g, v)| (g.get(), v)).collect());
    }

    #[test]
    fn normalized_keeps_the_last_pair_and_drops_zeros() {
        let pairs = vec![(g(5), 1), (g(3), 2), (g(5), 4), (g(9), 1), (g(9), 0)];
        assert_eq!(normalized(pairs), [(g(3), 2), (g(5), 4)]);
    }
}
