//! What the stores of this process on one database share: the change feed
//! that tells every store's listeners of a commit made through any of
//! them, at once; the server process ids of their connections, so that a
//! listener thread does not report those commits a second time when the
//! server's notification of them arrives; and when each of their commits
//! now under way began, so that a listener never says it has caught up
//! past a commit whose report is still on its way.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use crate::store::ChangeFeed;

/// The state shared by this process's stores on one database and schema.
#[derive(Debug, Default)]
pub(super) struct Shared {
    feed: ChangeFeed,
    /// Server process ids (`pg_backend_pid()`) of this process's store
    /// connections to the database.
    backends: Mutex<HashSet<i32>>,
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

    /// A store connection of this process now runs as server process
    /// `pid`.
    pub(super) fn add_backend(&self, pid: i32) {
        crate::sync::lock(&self.backends).insert(pid);
    }

    /// The connection of server process `pid` is closed.
    pub(super) fn remove_backend(&self, pid: i32) {
        crate::sync::lock(&self.backends).remove(&pid);
    }

    /// Whether server process `pid` is one of this process's store
    /// connections, whose commits the feed has told already.
    pub(super) fn is_own_backend(&self, pid: i32) -> bool {
        crate::sync::lock(&self.backends).contains(&pid)
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
    /// the feed has not told of it yet (the listener passes over the
    /// server's notification of it); one that began later cannot have
    /// become visible before it began, and one no longer under way was
    /// told before it ended.
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
        a.add_backend(42);
        assert!(b.is_own_backend(42) && !c.is_own_backend(42));
        b.remove_backend(42);
        assert!(!a.is_own_backend(42));
        drop((a, b));
        // Once no store holds it, the next store starts afresh.
        assert!(!Shared::for_database("test-shared-a").is_own_backend(42));
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
