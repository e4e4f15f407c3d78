//! What the stores of this process on one database share: the change feed
//! that tells every store's listeners of a commit made through any of
//! them, at once; and the server process ids of their connections, so that
//! a listener thread does not report those commits a second time when the
//! server's notification of them arrives.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::store::ChangeFeed;

/// The state shared by this process's stores on one database and schema.
#[derive(Debug, Default)]
pub(super) struct Shared {
    feed: ChangeFeed,
    /// Server process ids (`pg_backend_pid()`) of this process's store
    /// connections to the database.
    backends: Mutex<HashSet<i32>>,
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
}
