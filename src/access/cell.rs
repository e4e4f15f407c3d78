//! [`GroupCell`]: the byte the compiled index keeps per (table, group).
//!
//! ```text
//!  bits 7..4   3          2..0
//!       rank   inactive   own
//! ```
//! - `own`: the grant made in the table's own scope, as a [`code`];
//! - `inactive`: the group is switched off in the group directory;
//! - `rank`: what the scan compares, precomputed — 0 for an inactive group
//!   (it counts for nothing, not even as an administrator), else
//!   [`RANK_ADMIN`] for an administrator group (its own grant must not
//!   rank one administrator above another), else `own`.
//!
//! One byte per group means a check reads one cell per group and table,
//! and the hot loop needs one shift to get what it compares — an inactive
//! group costs the hot loop nothing, its rank is simply 0. The inactive
//! bit is what keeps the cell of an inactive group without a grant from
//! being 0 ("the table knows nothing of it"), so that `roles` can skip the
//! group rather than count it as a member without a grant.
//!
//! Only the common table flags administrator groups, and only it carries
//! every inactive group; a site's table holds its own grants, those of
//! inactive groups marked (rank 0) so that the higher of the two cells
//! still ranks 0.

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

/// What each rank grants: `None` for 0 (no grant), the level of a code,
/// W for [`RANK_ADMIN`]. A table rather than a `match`, so the hot path
/// takes no jump on a rank, which is as random as the user.
const LEVEL_OF_RANK: [Option<AccessLevel>; 16] = {
    let mut table = [None; 16];
    let mut code = 1;
    while code < RANK_ADMIN {
        if let Some(level) = AccessLevel::from_rank(code - 1) {
            table[code as usize] = Some(level);
        }
        code += 1;
    }
    table[RANK_ADMIN as usize] = Some(AccessLevel::W);
    table
};

/// The level a [`GroupCell::rank`] grants, `None` for rank 0 (no grant).
#[inline]
pub(crate) const fn level_of_rank(rank: u8) -> Option<AccessLevel> {
    LEVEL_OF_RANK[(rank & 0xF) as usize]
}

const OWN_MASK: u8 = 0b111;
const INACTIVE: u8 = 0b1000;
const RANK_SHIFT: u32 = 4;

/// One group's cell in a table; 0 means the table knows nothing of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupCell(pub(crate) u8);

impl GroupCell {
    /// A cell from the code of the table's own grant (0 = none) and the
    /// administrator flag, for an active group.
    #[cfg(test)]
    pub(crate) const fn new(own: u8, admin: bool) -> Self {
        GroupCell::with_activity(own, admin, true)
    }

    /// A cell from the code of the table's own grant (0 = none), the
    /// administrator flag and whether the group is active. An inactive
    /// group's cell is never 0, and ranks 0 whatever else it holds.
    pub(crate) const fn with_activity(own: u8, admin: bool, active: bool) -> Self {
        let own = own & OWN_MASK;
        if !active {
            return GroupCell(own | INACTIVE);
        }
        let rank = if admin { RANK_ADMIN } else { own };
        GroupCell(own | (rank << RANK_SHIFT))
    }

    /// The code of the grant made in the table's own scope (0 = none).
    #[inline]
    pub(crate) const fn own(self) -> u8 {
        self.0 & OWN_MASK
    }

    /// Whether the group is an administrator group (bypass on) and
    /// active.
    #[inline]
    pub(crate) const fn admin(self) -> bool {
        self.rank() == RANK_ADMIN
    }

    /// Whether the group counts: not switched off in the group directory.
    /// A group the table knows nothing of (cell 0) counts.
    #[inline]
    pub(crate) const fn active(self) -> bool {
        self.0 & INACTIVE == 0
    }

    /// What the scan compares: [`RANK_ADMIN`] or the own code.
    #[inline]
    pub(crate) const fn rank(self) -> u8 {
        self.0 >> RANK_SHIFT
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
        for own in 0..=code(AccessLevel::W) {
            for admin in [false, true] {
                let cell = GroupCell::new(own, admin);
                assert_eq!((cell.own(), cell.admin()), (own, admin));
            }
        }
        assert_eq!(GroupCell(0), GroupCell::new(0, false));
        assert_ne!(GroupCell::new(0, true).0, 0, "an administrator is an entry");
    }

    #[test]
    fn ranks_grant_their_levels() {
        assert_eq!(level_of_rank(0), None);
        for level in AccessLevel::ALL {
            assert_eq!(
                level_of_rank(GroupCell::new(code(level), false).rank()),
                Some(level)
            );
            assert_eq!(
                level_of_rank(GroupCell::new(code(level), true).rank()),
                Some(AccessLevel::W)
            );
        }
    }

    #[test]
    fn an_inactive_group_ranks_0_but_keeps_its_grant_and_is_an_entry() {
        for own in 0..=code(AccessLevel::W) {
            for admin in [false, true] {
                let cell = GroupCell::with_activity(own, admin, false);
                assert_eq!(cell.rank(), 0, "own {own}, admin {admin}");
                assert_eq!(cell.own(), own);
                assert!(!cell.admin(), "no bypass for an inactive group");
                assert!(!cell.active());
                assert_ne!(cell.0, 0, "an inactive group is an entry");
                assert_eq!(
                    GroupCell::with_activity(own, admin, true),
                    GroupCell::new(own, admin)
                );
                assert!(GroupCell::new(own, admin).active());
            }
        }
        assert!(GroupCell(0).active(), "unknown to the table: active");
        // Any active cell with a rank is higher than every inactive cell,
        // so the maximum over cells is the maximum over ranks.
        let top_inactive = GroupCell::with_activity(code(AccessLevel::W), true, false).0;
        assert!(GroupCell::new(code(AccessLevel::D), false).0 > top_inactive);
    }

    #[test]
    fn every_administrator_ranks_the_same_and_above_every_grant() {
        for own in 0..=code(AccessLevel::W) {
            assert_eq!(GroupCell::new(own, false).rank(), own);
            assert_eq!(GroupCell::new(own, true).rank(), RANK_ADMIN);
            assert!(RANK_ADMIN > own);
        }
    }
}
