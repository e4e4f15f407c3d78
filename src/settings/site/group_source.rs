//! Where the facade's group directory comes from — the store's `b_group`,
//! or a directory given by the caller — and, when it is the store, how
//! recently it was confirmed.
//!
//! A module's rights are only as fresh as the groups folded into them, so
//! a module refreshed at time t on groups confirmed at t_g counts as
//! confirmed at min(t, t_g): the staleness bound holds for both. To keep
//! that from shortening every module's freshness, the groups are re-read
//! once they are older than half the bound.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::store::Revision;

/// The state of a directory that follows the store.
#[derive(Debug)]
pub(crate) struct GroupSource {
    /// Whether the directory is read from the store: until a directory is
    /// given, and while the store has one.
    follows_store: AtomicBool,
    /// Whether the store's feed reports every change of the groups, so
    /// that its catching up confirms them too.
    reported: bool,
    /// Monotonic time the directory was last confirmed as of.
    confirmed: AtomicU64,
    /// Counts the feed's reports that groups changed (or changes were
    /// missed); starts one ahead of `confirmed_changes`, so the first read
    /// is due.
    changes: AtomicU64,
    /// `changes` as it was when the last read began.
    confirmed_changes: AtomicU64,
    /// One read of the store at a time.
    pub(crate) reading: Mutex<()>,
    /// The store's revision of the groups installed last, where it keeps
    /// one; `None` too once the directory is not followed. Set after the
    /// groups are folded into every module.
    revision: Mutex<Option<Revision>>,
}

/// What [`GroupSource::confirmed_as_of`] answers when the directory does not
/// follow the store: it never expires.
pub(crate) const NOT_FOLLOWED: u64 = u64::MAX;

impl GroupSource {
    pub(crate) fn new(follows_store: bool, reported: bool) -> Self {
        GroupSource {
            follows_store: AtomicBool::new(follows_store),
            reported,
            confirmed: AtomicU64::new(0),
            changes: AtomicU64::new(1),
            confirmed_changes: AtomicU64::new(0),
            reading: Mutex::new(()),
            revision: Mutex::new(None),
        }
    }

    pub(crate) fn follows_store(&self) -> bool {
        self.follows_store.load(Ordering::SeqCst)
    }

    /// From now on the directory is the caller's (or the store has none).
    pub(crate) fn stop_following(&self) {
        self.follows_store.store(false, Ordering::SeqCst);
        *crate::sync::lock(&self.revision) = None;
    }

    /// The store's revision of the groups folded into every module, if the
    /// directory follows the store and the store keeps one: what a write's
    /// commit names as its precondition on the groups.
    pub(crate) fn revision(&self) -> Option<Revision> {
        *crate::sync::lock(&self.revision)
    }

    /// Groups read at `revision` have been folded into every module.
    pub(crate) fn set_revision(&self, revision: Option<Revision>) {
        let mut held = crate::sync::lock(&self.revision);
        *held = if self.follows_store() { revision } else { None };
    }

    /// The feed said the groups changed, or that it may have missed
    /// changes: the next refresh reads them again.
    pub(crate) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    /// The time the directory is confirmed as of, if that is within
    /// `half_bound` of `now` and nothing was reported since:
    /// [`NOT_FOLLOWED`] when the store is not followed; `None` when a read
    /// is due.
    pub(crate) fn confirmed_as_of(&self, now: u64, half_bound: u64) -> Option<u64> {
        if !self.follows_store() {
            return Some(NOT_FOLLOWED);
        }
        let confirmed = self.confirmed.load(Ordering::SeqCst);
        let told =
            self.changes.load(Ordering::SeqCst) != self.confirmed_changes.load(Ordering::SeqCst);
        (!told && confirmed.saturating_add(half_bound) > now).then_some(confirmed)
    }

    /// The time the directory is confirmed as of, due or not;
    /// [`NOT_FOLLOWED`] when the store is not followed. What a caught-up
    /// feed may extend a module's freshness to at most: its rights are
    /// only as fresh as the groups folded into them.
    pub(crate) fn confirmed(&self) -> u64 {
        if self.follows_store() {
            self.confirmed.load(Ordering::SeqCst)
        } else {
            NOT_FOLLOWED
        }
    }

    /// Starts a read: what [`confirm`](Self::confirm) needs to know whether
    /// a report came during it.
    pub(crate) fn begin_read(&self) -> u64 {
        self.changes.load(Ordering::SeqCst)
    }

    /// A read that began at monotonic time `started`, when the reports
    /// counted `seen`, has been installed.
    pub(crate) fn confirm(&self, started: u64, seen: u64) {
        self.confirmed.fetch_max(started, Ordering::SeqCst);
        // A report during the read keeps the next read due.
        self.confirmed_changes.store(seen, Ordering::SeqCst);
    }

    /// A complete feed caught up as of `as_of`: if it reports group
    /// changes, it would have reported one before that, so the directory,
    /// unless a report is pending, is current as of `as_of` too. A feed
    /// that does not report them confirms nothing of the groups: they are
    /// re-read within the bound.
    pub(crate) fn caught_up(&self, as_of: u64) {
        if self.reported
            && self.follows_store()
            && self.changes.load(Ordering::SeqCst) == self.confirmed_changes.load(Ordering::SeqCst)
        {
            self.confirmed.fetch_max(as_of, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_read_is_due_and_a_report_makes_the_next_one_due() {
        let source = GroupSource::new(true, true);
        assert_eq!(source.confirmed_as_of(10, 100), None, "never read");
        let seen = source.begin_read();
        source.confirm(10, seen);
        assert_eq!(source.confirmed_as_of(50, 100), Some(10));
        assert_eq!(
            source.confirmed_as_of(110, 100),
            None,
            "half the bound passed"
        );
        source.caught_up(105);
        assert_eq!(
            source.confirmed_as_of(110, 100),
            Some(105),
            "a caught-up feed confirms"
        );
        source.changed();
        assert_eq!(source.confirmed_as_of(110, 100), None, "told of a change");
        source.caught_up(120);
        assert_eq!(
            source.confirmed_as_of(121, 100),
            None,
            "catching up does not clear a report"
        );
    }

    #[test]
    fn a_report_during_a_read_keeps_the_next_read_due() {
        let source = GroupSource::new(true, true);
        let seen = source.begin_read();
        source.changed();
        source.confirm(10, seen);
        assert_eq!(source.confirmed_as_of(11, 100), None);
    }

    #[test]
    fn a_feed_that_does_not_report_groups_confirms_nothing_of_them() {
        let source = GroupSource::new(true, false);
        let seen = source.begin_read();
        source.confirm(10, seen);
        source.caught_up(90);
        assert_eq!(source.confirmed(), 10, "the feed vouches for nothing");
        assert_eq!(
            source.confirmed_as_of(120, 100),
            None,
            "read at 10, due at 110"
        );
    }

    #[test]
    fn a_directory_not_followed_never_expires() {
        let source = GroupSource::new(true, true);
        source.stop_following();
        assert_eq!(source.confirmed_as_of(u64::MAX - 1, 1), Some(NOT_FOLLOWED));
        assert_eq!(
            GroupSource::new(false, true).confirmed_as_of(5, 1),
            Some(NOT_FOLLOWED)
        );
    }
}
