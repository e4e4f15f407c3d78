//! Taking a lock whose holder may have panicked.
//!
//! Every lock in this crate guards data that a critical section replaces
//! whole or changes in one step (an `Arc` swapped in, a `push`, a `retain`,
//! a map entry inserted), never data left half-changed across a panic. A
//! lock poisoned by a panicking thread therefore still guards consistent
//! data, and recovering it is safe — where it would not be, the call site
//! says why and does something else (the SQLite connection rolls back an
//! open transaction). One place for the rule, instead of one helper per
//! file.

use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks `mutex`, recovering it if a panic poisoned it.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Read-locks `lock`, recovering it if a panic poisoned it.
pub(crate) fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Write-locks `lock`, recovering it if a panic poisoned it.
pub(crate) fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_recovered_with_its_data() {
        let mutex = Mutex::new(vec![1]);
        let rw = RwLock::new(1);
        let _ = std::panic::catch_unwind(|| {
            let _held = mutex.lock();
            let _also = rw.write();
            panic!("poison both");
        });
        assert!(mutex.is_poisoned() && rw.is_poisoned());
        lock(&mutex).push(2);
        assert_eq!(*lock(&mutex), [1, 2]);
        *write(&rw) += 1;
        assert_eq!(*read(&rw), 2);
    }
}
