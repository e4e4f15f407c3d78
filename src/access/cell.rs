//! [`Cell`]: the value the compiled index keeps per (table, group).
//!
//! ```text
//!  bits 15..8     7      6   5 4 3     2 1 0
//!       rank      admin  -   merged    own
//! ```
//! - `own`: the grant made in the table's own scope, as a [`code`];
//! - `merged`: the highest grant the table's query sees — for the common
//!   table the same as `own`, for a site table max(common, site);
//! - `admin`: the group is an administrator group and the bypass is on;
//! - `rank`: what the scan compares, precomputed — [`RANK_ADMIN`] for an
//!   administrator group (its own grant must not rank one administrator
//!   above another), else `merged`.
//!
//! Everything in one `u16` means a check reads one cell per group, and the
//! hot loop needs one shift to get what it compares.

use super::level::AccessLevel;

/// A level as stored in a table: `rank + 1`, so that 0 can mean "no grant".
pub(crate) const fn code(level: AccessLevel) -> u8 {
    level.rank() + 1
}

/// The level of a non-zero code.
pub(crate) const fn level_of(code: u8) -> AccessLevel {
    match AccessLevel::from_rank(code.saturating_sub(1)) {
        Some(level) => level,
        // Tables only ever hold codes made by `code`; D is the closed answer
        // should that ever be broken.
        None => AccessLevel::D,
    }
}

/// The rank of every administrator group: above every level code.
pub(crate) const RANK_ADMIN: u8 = 8;

const CODE_MASK: u16 = 0b111;
const MERGED_SHIFT: u32 = 3;
const ADMIN: u16 = 0b1000_0000;
const RANK_SHIFT: u32 = 8;

/// One group's cell in a table; 0 means the table knows nothing of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell(pub(crate) u16);

impl Cell {
    /// A cell from the codes of the table's own grant and the merged
    /// grant, and the administrator flag.
    pub(crate) const fn new(own: u8, merged: u8, admin: bool) -> Self {
        let own = own as u16 & CODE_MASK;
        let merged = merged as u16 & CODE_MASK;
        let (flag, rank) = if admin {
            (ADMIN, RANK_ADMIN as u16)
        } else {
            (0, merged)
        };
        Cell(own | (merged << MERGED_SHIFT) | flag | (rank << RANK_SHIFT))
    }

    /// The code of the grant made in the table's own scope (0 = none).
    #[inline]
    pub(crate) const fn own(self) -> u8 {
        (self.0 & CODE_MASK) as u8
    }

    /// The code of the highest grant the table's query sees (0 = none).
    #[inline]
    pub(crate) const fn merged(self) -> u8 {
        ((self.0 >> MERGED_SHIFT) & CODE_MASK) as u8
    }

    /// Whether the group is an administrator group (bypass on).
    #[inline]
    pub(crate) const fn admin(self) -> bool {
        self.0 & ADMIN != 0
    }

    /// What the scan compares: [`RANK_ADMIN`] or the merged code.
    #[inline]
    pub(crate) const fn rank(self) -> u8 {
        (self.0 >> RANK_SHIFT) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_fit_three_bits() {
        for level in AccessLevel::ALL {
            assert_eq!(level_of(code(level)), level);
            assert!((1..8).contains(&code(level)));
        }
        assert_eq!(level_of(0), AccessLevel::D);
    }

    #[test]
    fn fields_do_not_overlap() {
        for own in 0..8 {
            for merged in 0..8 {
                for admin in [false, true] {
                    let cell = Cell::new(own, merged, admin);
                    assert_eq!(
                        (cell.own(), cell.merged(), cell.admin()),
                        (own, merged, admin)
                    );
                }
            }
        }
        assert_eq!(Cell(0), Cell::new(0, 0, false));
    }

    #[test]
    fn every_administrator_ranks_the_same_and_above_every_grant() {
        for own in 0..8 {
            for merged in 0..=code(AccessLevel::W) {
                assert_eq!(Cell::new(own, merged, false).rank(), merged);
                assert_eq!(Cell::new(own, merged, true).rank(), RANK_ADMIN);
                assert!(RANK_ADMIN > merged);
            }
        }
    }
}
