//! Holding one module's lock file: the advisory lock that makes the
//! read-check-write of a commit exclusive across threads and processes.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::error::{FileError, BACKEND};
use crate::store::StoreError;

/// The longest pause between two attempts to take a busy lock.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// How a lock is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LockMode {
    /// One holder: the commit that writes the module.
    Exclusive,
    /// Many holders, no exclusive one: commits that only need the module
    /// to stay as it is (its revision is one of their preconditions).
    Shared,
}

/// An advisory lock on a lock file, released when dropped (and by the
/// operating system if the process dies, so a killed writer never leaves a
/// module locked).
#[derive(Debug)]
pub(super) struct ModuleLock {
    // Unlocking happens when the file is closed; the field only keeps it open.
    _file: File,
}

impl ModuleLock {
    /// Takes the lock on `path` (creating the file) in `mode`, waiting at
    /// most `timeout` for another holder to let go.
    ///
    /// `File::lock` would wait forever; polling `try_lock` lets a stuck
    /// holder turn into [`StoreError::Unavailable`] instead of a hang.
    pub(super) fn acquire(
        path: &Path,
        mode: LockMode,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(FileError::io("open the lock file", path))?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let attempt = match mode {
                LockMode::Exclusive => file.try_lock(),
                LockMode::Shared => file.try_lock_shared(),
            };
            match attempt {
                Ok(()) => return Ok(ModuleLock { _file: file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => {
                    return Err(FileError::io("lock", path)(source).into());
                }
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(StoreError::Unavailable {
                    backend: BACKEND,
                    reason: format!(
                        "another writer held the lock {} for more than {} ms",
                        path.display(),
                        timeout.as_millis()
                    ),
                });
            }
            thread::sleep(pause.min(timeout - waited));
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_times_out_as_unavailable_and_frees_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".video.lock");
        let held = ModuleLock::acquire(&path, LockMode::Exclusive, Duration::from_secs(1)).unwrap();
        let err =
            ModuleLock::acquire(&path, LockMode::Shared, Duration::from_millis(30)).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Unavailable {
                    backend: "file",
                    ..
                }
            ),
            "{err}"
        );
        drop(held);
        ModuleLock::acquire(&path, LockMode::Exclusive, Duration::from_millis(30)).unwrap();
    }

    #[test]
    fn shared_locks_coexist_and_keep_an_exclusive_one_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".video.lock");
        let wait = Duration::from_millis(30);
        let first = ModuleLock::acquire(&path, LockMode::Shared, wait).unwrap();
        let second = ModuleLock::acquire(&path, LockMode::Shared, wait).unwrap();
        let err = ModuleLock::acquire(&path, LockMode::Exclusive, wait).unwrap_err();
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
        drop((first, second));
        ModuleLock::acquire(&path, LockMode::Exclusive, wait).unwrap();
    }
}
