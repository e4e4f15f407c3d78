//! What the stores of this process on one database share: the change feed
//! that tells every store's listeners of a commit made through any of
//! them, at once; and when each of their commits now under way began, so
//! that a listener never says it has caught up past a commit whose report
//! is still on its way.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use crate::store::ChangeFeed;

/// The state shared by this process's stores on one database and schema.
#[derive(Debug, Default)]
pub(super) struct Shared {
    feed: ChangeFeed,
    /// The commits through this process's stores now under way, by number,
    /// with when each began.
    commits: Mutex<BTreeMap<u64, Instant>>,
    /// The number the next commit gets.
    next_commit: AtomicU64,
}

/// A commit through one of this process's stores, under way from its
/// creation until it is dropped — after the feed was told of the commit.
#[must_use = "the commit counts as under way until this is dropped"]
pub(super) struct CommitUnderWay {
    shared: Arc<Shared>,
    number: u64,
}

impl Drop for CommitUnderWay {
    fn drop(&mut self) {
        crate::sync::lock(&self.shared.commits).remove(&self.number);
    }
}

impl Shared {
    /// The state every store on `key` (server, database and schema) shares
    /// in this process.
    pub(super) fn for_database(key: &str) -> Arc<Shared> {
        static ALL: OnceLock<Mutex<HashMap<String, Weak<Shared>>>> = OnceLock::new();
        let mut all = crate::sync::lock(ALL.get_or_init(Mutex::default));
        // Forget databases no store holds any more, so the map stays small
        // in a process that opens many short-lived stores.
        all.retain(|_, shared| shared.strong_count() > 0);
        if let Some(shared) = all.get(key).and_then(Weak::upgrade) {
            return shared;
        }
        let shared = Arc::new(Shared::default());
        all.insert(key.to_owned(), Arc::downgrade(&shared));
        shared
    }

    /// The feed that reports commits through this process's stores.
    pub(super) fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// A commit through one of this process's stores begins now, before
    /// any of its statements is sent.
    pub(super) fn commit_begins(self: &Arc<Self>) -> CommitUnderWay {
        let number = self.next_commit.fetch_add(1, Ordering::Relaxed);
        crate::sync::lock(&self.commits).insert(number, Instant::now());
        CommitUnderWay {
            shared: Arc::clone(self),
            number,
        }
    }

    /// How far a listener that has delivered every notification sent
    /// before `as_of` may say it has caught up: to `as_of`, or to the
    /// beginning of the oldest commit of this process still under way, if
    /// earlier. Such a commit may be visible on the server already while
    /// the feed has not told of it yet; one that began later cannot have
    /// become visible before it began, and one no longer under way was
    /// told before it ended.
    ///
    /// The listener delivers the server's notification of these commits
    /// too (it cannot tell them from others' by the sending server
    /// process, which may be reused or pooled), so the limit is no longer
    /// what keeps them from being lost; it still closes one gap. A commit
    /// becomes visible to other sessions a moment before its session
    /// signals the listeners (PostgreSQL ends the transaction in the
    /// process array before `AtCommit_Notify`), so a catch-up in that
    /// moment may pass it unreported. For another program's commit that is
    /// a read racing a commit still under way for its client; for ours the
    /// caller's commit has not returned either, but a third connection may
    /// already see it — the limit makes the feed keep to "visible before
    /// `as_of`, told before `caught_up(as_of)`" for this process's commits
    /// at the price of a catch-up held back while one is under way.
    pub(super) fn reported_until(&self, as_of: Instant) -> Instant {
        crate::sync::lock(&self.commits)
            .values()
            .fold(as_of, |until, &began| until.min(began))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_on_one_database_share_and_others_do_not() {
        let a = Shared::for_database("test-shared-a");
        let b = Shared::for_database("test-shared-a");
        let c = Shared::for_database("test-shared-c");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        let weak = Arc::downgrade(&a);
        drop((a, b));
        // Once no store holds it, the next store starts afresh.
        let again = Shared::for_database("test-shared-a");
        assert!(weak.upgrade().is_none());
        assert!(!Arc::ptr_eq(&again, &c));
    }

    #[test]
    fn catching_up_stops_at_the_oldest_commit_under_way() {
        let shared = Shared::for_database("test-shared-commits");
        let before = Instant::now();
        assert_eq!(shared.reported_until(before), before, "no commit: as asked");
        let first = shared.commit_begins();
        let second = shared.commit_begins();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = Instant::now();
        let until = shared.reported_until(later);
        assert!(until >= before && until < later, "{until:?}");
        drop(first);
        let after_first = shared.reported_until(later);
        assert!(after_first >= until && after_first < later);
        drop(second);
        assert_eq!(shared.reported_until(later), later);
    }
}
