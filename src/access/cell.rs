//! [`Cell`]: the one byte the compiled index keeps per (table, group).
//!
//! ```text
//!  bit  7      6   5 4 3     2 1 0
//!      admin   -   merged    own
//! ```
//! - `own`: the grant made in the table's own scope, as a [`code`];
//! - `merged`: the highest grant the table's query sees — for the common
//!   table the same as `own`, for a site table max(common, site);
//! - `admin`: the group is an administrator group and the bypass is on.
//!
//! Packing all three into one byte means a check reads one byte per group.

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

const CODE_MASK: u8 = 0b111;
const MERGED_SHIFT: u32 = 3;
const ADMIN: u8 = 0b1000_0000;

/// One group's byte in a table; 0 means the table knows nothing of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell(pub(crate) u8);

impl Cell {
    /// A cell from the codes of the table's own grant and the merged
    /// grant, and the administrator flag.
    pub(crate) const fn new(own: u8, merged: u8, admin: bool) -> Self {
        let flag = if admin { ADMIN } else { 0 };
        Cell((own & CODE_MASK) | ((merged & CODE_MASK) << MERGED_SHIFT) | flag)
    }

    /// The code of the grant made in the table's own scope (0 = none).
    #[inline]
    pub(crate) const fn own(self) -> u8 {
        self.0 & CODE_MASK
    }

    /// The code of the highest grant the table's query sees (0 = none).
    #[inline]
    pub(crate) const fn merged(self) -> u8 {
        (self.0 >> MERGED_SHIFT) & CODE_MASK
    }

    /// Whether the group is an administrator group (bypass on).
    #[inline]
    pub(crate) const fn admin(self) -> bool {
        self.0 & ADMIN != 0
    }

    /// What a query that reads the `merged` part sees, in one shift and
    /// mask.
    #[inline]
    pub(crate) const fn seen(self) -> Seen {
        Seen((self.0 >> MERGED_SHIFT) & (CODE_MASK | SEEN_ADMIN))
    }
}

/// The administrator flag inside [`Seen`]: above every level code.
const SEEN_ADMIN: u8 = ADMIN >> MERGED_SHIFT;

/// What a query sees of one group: a level code and the administrator
/// flag, ordered so that a larger value is the stronger answer — any
/// administrator above any grant, a higher grant above a lower one, and
/// 0 for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Seen(pub(crate) u8);

impl Seen {
    /// From a level code (0 = no grant) and the administrator flag.
    #[inline]
    pub(crate) const fn new(code: u8, admin: bool) -> Self {
        Seen((code & CODE_MASK) | if admin { SEEN_ADMIN } else { 0 })
    }

    /// The level code (0 = no grant).
    #[inline]
    pub(crate) const fn code(self) -> u8 {
        self.0 & CODE_MASK
    }

    /// Whether the group is an administrator group.
    #[inline]
    pub(crate) const fn admin(self) -> bool {
        self.0 & SEEN_ADMIN != 0
    }

    /// The strength used to pick the winning group: the administrator flag
    /// alone (an administrator group's own grant must not rank one
    /// administrator above another — ties there go to the lowest id), else
    /// the level code.
    #[inline]
    pub(crate) const fn rank(self) -> u8 {
        if self.admin() {
            SEEN_ADMIN
        } else {
            self.0
        }
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
    fn seen_orders_admin_above_every_level() {
        for own in 0..8 {
            for merged in 0..=code(AccessLevel::W) {
                let cell = Cell::new(own, merged, false);
                assert_eq!(cell.seen(), Seen::new(merged, false));
                assert_eq!(Cell::new(own, merged, true).seen(), Seen::new(merged, true));
                assert!(Seen::new(0, true) > cell.seen());
                let seen = Cell::new(own, merged, true).seen();
                assert_eq!((seen.code(), seen.admin()), (merged, true));
            }
        }
        assert!(Seen::new(2, false) > Seen::new(1, false));
        // Every administrator ranks the same, whatever its own grant.
        for c in 0..=code(AccessLevel::W) {
            assert_eq!(Seen::new(c, true).rank(), Seen::new(0, true).rank());
            assert_eq!(Seen::new(c, false).rank(), c);
            assert!(Seen::new(0, true).rank() > Seen::new(c, false).rank());
        }
        assert_eq!(Seen::new(0, false), Seen(0));
    }
}
