//! [`MemoryStore`]: the embedded default store, kept in this process's memory.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use super::revision::next_revision;
use super::{
    check_preconditions, Change, ChangeFeed, ChangeListener, Precondition, Revision, Snapshot,
    Store, StoreError,
};
use crate::ids::ModuleId;

const BACKEND: &str = "memory";

/// A store in this process's memory: nothing to set up, nothing survives
/// the process.
///
/// Clones share one state (it lives behind an `Arc`), so a clone handed to
/// another thread sees every commit.
///
/// ```
/// use module_settings::store::{Change, Revision};
/// use module_settings::{MemoryStore, ModuleId, Scope, Store};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let other = store.clone();
/// let video = ModuleId::new("video")?;
/// other.commit(&video, Revision::ZERO, &[Change::RemoveDefault { scope: Scope::Common }])?;
/// assert_eq!(store.revision(&video)?, Revision::new(1));
/// assert_eq!(store.modules()?, [video]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    modules: Arc<RwLock<BTreeMap<ModuleId, Snapshot>>>,
    /// Shared by clones: what one commits, the others' listeners hear.
    feed: ChangeFeed,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    // A commit builds the new records aside and swaps them in with one
    // assignment, so a panic cannot leave half a batch behind.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<ModuleId, Snapshot>> {
        crate::sync::read(&self.modules)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<ModuleId, Snapshot>> {
        crate::sync::write(&self.modules)
    }
}

impl Store for MemoryStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        Ok(self.read().get(module).cloned().unwrap_or_default())
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        Ok(self
            .read()
            .get(module)
            .map_or(Revision::ZERO, |snapshot| snapshot.revision))
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        let result = self.commit_locked(module, expected, changes, preconditions);
        // Told once the lock is released: a listener may read at once.
        self.feed.committed(module, expected, &result);
        result
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        // BTreeMap keys are already sorted.
        Ok(self.read().keys().copied().collect())
    }

    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        self.feed.subscribe(listener);
        true
    }
}

impl MemoryStore {
    /// [`Store::commit_guarded`] under the write lock.
    fn commit_locked(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        // One write lock over every module: the preconditions are read
        // under the lock that applies the batch.
        let mut modules = self.write();
        let revision_of = |module: &ModuleId| {
            modules
                .get(module)
                .map_or(Revision::ZERO, |snapshot| snapshot.revision)
        };
        let current = revision_of(module);
        let next = next_revision(BACKEND, module, expected, current, changes)?;
        check_preconditions(preconditions, module, current, |on| {
            Ok(revision_of(&on.module_or_refuse(module)?))
        })?;
        let Some(next) = next else {
            return Ok(current);
        };
        let mut records = modules
            .get(module)
            .map(|snapshot| snapshot.records.clone())
            .unwrap_or_default();
        records.apply_all(changes);
        modules.insert(*module, Snapshot::new(next, records));
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Scope;

    #[test]
    fn a_panic_while_holding_the_lock_does_not_break_the_store() {
        let store = MemoryStore::new();
        let module = ModuleId::from_static("video");
        let change = [Change::RemoveDefault {
            scope: Scope::Common,
        }];
        store.commit(&module, Revision::ZERO, &change).unwrap();
        let poisoner = store.clone();
        let panicked = std::thread::spawn(move || {
            let _guard = poisoner.write();
            panic!("poison the lock on purpose");
        })
        .join();
        assert!(panicked.is_err() && store.modules.is_poisoned());
        assert_eq!(store.revision(&module).unwrap(), Revision::new(1));
        assert_eq!(
            store.commit(&module, Revision::new(1), &change).unwrap(),
            Revision::new(2)
        );
    }
}
