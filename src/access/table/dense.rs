//! [`DenseTable`]: one run of ids as an array indexed by `id - base`;
//! [`LoneTable`]: a run and one id far from it (say, the administrators
//! group 1 beside a range of imported groups from 1,000,000); and
//! [`SplitTable`]: two runs far apart (internal groups from 1 and extranet
//! groups from 10⁹).
//!
//! Every array ends with one slot holding 0 past its last id, and a lookup
//! clamps its index to that slot: an id outside the run reads the 0 with no
//! branch taken on the id — a user's groups fall in and out of a run at
//! random, which a branch predictor cannot learn.

use std::hint::select_unpredictable;
use std::sync::Arc;

use super::Cells;
use crate::ids::GroupId;

/// One run of ids: `cells[id - base]` is the value of group `id`, and the
/// last cell, past the highest id, is always 0.
#[derive(Debug, Clone)]
pub(crate) struct DenseTable {
    base: u32,
    cells: Arc<[u8]>,
}

/// How many slots a run from `first` to `last` takes, the 0 past its end
/// included.
pub(crate) fn slots_for(first: GroupId, last: GroupId) -> u64 {
    u64::from(last.get().saturating_sub(first.get())) + 2
}

impl DenseTable {
    /// Over `entries`: sorted by group, each once, values non-zero, at
    /// least one.
    pub(crate) fn build(entries: &[(GroupId, u8)]) -> Self {
        let (base, last) = match (entries.first(), entries.last()) {
            (Some(first), Some(last)) => (first.0.get(), last.0.get()),
            _ => (1, 0),
        };
        let span = last.saturating_sub(base) as usize + 1;
        let mut cells = vec![0u8; span + 1];
        for &(group, value) in entries {
            // In range: ids run from `base` to `last`.
            if let Some(cell) = cells.get_mut((group.get() - base) as usize) {
                *cell = value;
            }
        }
        DenseTable {
            base,
            cells: cells.into(),
        }
    }

    /// The table as [`Cells`].
    #[inline]
    pub(crate) fn cells(&self) -> Dense<'_> {
        Dense {
            base: self.base,
            cells: &self.cells,
        }
    }

    /// A copy with `edits` (sorted, each group once; value 0 removes)
    /// written, or `None` when a group to be given a value lies outside
    /// the run. No edits: the same array, shared.
    pub(crate) fn patched(&self, edits: &[(GroupId, u8)]) -> Option<Self> {
        if edits.is_empty() {
            return Some(self.clone());
        }
        // One copy, written in place: a fresh `Arc` is never shared.
        let mut copy: Arc<[u8]> = Arc::from(&self.cells[..]);
        let cells = Arc::get_mut(&mut copy)?;
        let last = cells.len() - 1; // the 0 past the end stays 0
        for &(group, value) in edits {
            match group.get().checked_sub(self.base).map(|i| i as usize) {
                Some(i) if i < last => cells[i] = value,
                _ if value == 0 => {}
                _ => return None,
            }
        }
        Some(DenseTable {
            base: self.base,
            cells: copy,
        })
    }

    /// Every entry (value non-zero), by id.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (GroupId, u8)> + '_ {
        self.cells.iter().enumerate().filter_map(|(slot, &value)| {
            let id = self.base.checked_add(u32::try_from(slot).ok()?)?;
            let group = GroupId::new(id)?;
            (value != 0).then_some((group, value))
        })
    }

    /// Whether both tables share their array.
    #[cfg(test)]
    pub(crate) fn shares_cells(&self, other: &DenseTable) -> bool {
        Arc::ptr_eq(&self.cells, &other.cells)
    }

    /// The first id and the number of slots, the 0 past the end included.
    #[cfg(test)]
    pub(crate) fn extent(&self) -> (u32, usize) {
        (self.base, self.cells.len())
    }
}

/// A run of ids and one id apart from it, compared on its own: cheaper
/// than a second array.
#[derive(Debug, Clone)]
pub(crate) struct LoneTable {
    pub(crate) run: DenseTable,
    /// The id apart and its value (0 once removed).
    pub(crate) lone: (GroupId, u8),
}

impl LoneTable {
    /// The table as [`Cells`].
    #[inline]
    pub(crate) fn cells(&self) -> Lone<'_> {
        Lone {
            run: self.run.cells(),
            key: self.lone.0.get(),
            value: self.lone.1,
        }
    }

    /// A copy with `edits` written: the lone id's value in place, the rest
    /// into the run (see [`DenseTable::patched`]).
    pub(crate) fn patched(&self, edits: &[(GroupId, u8)]) -> Option<Self> {
        let mut lone = self.lone;
        let mut rest = Vec::with_capacity(edits.len());
        for &edit in edits {
            if edit.0 == lone.0 {
                lone.1 = edit.1;
            } else {
                rest.push(edit);
            }
        }
        Some(LoneTable {
            run: self.run.patched(&rest)?,
            lone,
        })
    }

    /// Every entry (value non-zero), the run's by id, then the lone one.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (GroupId, u8)> + '_ {
        let lone = Some(self.lone).filter(|&(_, value)| value != 0);
        self.run.entries().chain(lone)
    }
}

/// Two runs of ids, the second above the first.
#[derive(Debug, Clone)]
pub(crate) struct SplitTable {
    pub(crate) low: DenseTable,
    pub(crate) high: DenseTable,
}

impl SplitTable {
    /// Over `low` and `high` (each as for [`DenseTable::build`]; every id
    /// of `high` above every id of `low`).
    pub(crate) fn build(low: &[(GroupId, u8)], high: &[(GroupId, u8)]) -> Self {
        SplitTable {
            low: DenseTable::build(low),
            high: DenseTable::build(high),
        }
    }

    /// The table as [`Cells`].
    #[inline]
    pub(crate) fn cells(&self) -> Split<'_> {
        Split {
            low: self.low.cells(),
            high: self.high.cells(),
        }
    }

    /// A copy with `edits` written into the run each falls in (see
    /// [`DenseTable::patched`]); a run without edits is shared.
    pub(crate) fn patched(&self, edits: &[(GroupId, u8)]) -> Option<Self> {
        let cut = edits.partition_point(|&(group, _)| group.get() < self.high.base);
        let (low, high) = edits.split_at(cut);
        Some(SplitTable {
            low: self.low.patched(low)?,
            high: self.high.patched(high)?,
        })
    }

    /// Every entry (value non-zero), by id.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (GroupId, u8)> + '_ {
        self.low.entries().chain(self.high.entries())
    }
}

/// The dense layout as [`Cells`].
#[derive(Clone, Copy)]
pub(crate) struct Dense<'a> {
    base: u32,
    /// Never empty: the last cell is the 0 past the end.
    cells: &'a [u8],
}

impl Dense<'_> {
    /// The empty table: the 0 alone.
    pub(crate) const EMPTY: Dense<'static> = Dense {
        base: 0,
        cells: &[0],
    };
}

impl Cells for Dense<'_> {
    #[inline(always)]
    fn get(self, group: GroupId) -> u8 {
        // An id below `base` wraps around far above the end; every id
        // outside the run is clamped to the 0 past the end.
        let cells = self.cells;
        // Never true (the 0 past the end is always there); it proves to the
        // compiler that the clamped index below is in bounds.
        let Some(end) = cells.len().checked_sub(1) else {
            return 0;
        };
        let slot = group.get().wrapping_sub(self.base) as usize;
        cells[select_unpredictable(slot < end, slot, end)]
    }
}

/// The lone layout as [`Cells`].
#[derive(Clone, Copy)]
pub(crate) struct Lone<'a> {
    run: Dense<'a>,
    key: u32,
    value: u8,
}

impl Cells for Lone<'_> {
    #[inline(always)]
    fn get(self, group: GroupId) -> u8 {
        // The lone id is never in the run.
        select_unpredictable(group.get() == self.key, self.value, self.run.get(group))
    }
}

/// The split layout as [`Cells`]: at most one of the runs holds the id.
#[derive(Clone, Copy)]
pub(crate) struct Split<'a> {
    low: Dense<'a>,
    high: Dense<'a>,
}

impl Cells for Split<'_> {
    #[inline(always)]
    fn get(self, group: GroupId) -> u8 {
        self.low.get(group) | self.high.get(group)
    }
}
