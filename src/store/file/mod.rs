//! [`FileStore`]: one human-readable JSON file per module in a directory,
//! with atomic, durable commits that are safe across processes.

mod atomic;
mod document;
mod error;
mod lock;
mod seen;
mod strict;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::Duration;

use self::atomic::ReplaceError;
use self::error::FileError;
use self::lock::{LockMode, ModuleLock};
use self::seen::SeenFiles;
use super::revision::next_revision;
use super::{
    check_preconditions, Change, ChangeFeed, ChangeListener, Precondition, Revision, Snapshot,
    Store, StoreError,
};
use crate::ids::ModuleId;

const EXTENSION: &str = ".json";

/// How long a commit waits for another writer of the same module by default.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// A store that keeps each module in `<dir>/<module>.json`, pretty-printed
/// so a person can read and diff it.
///
/// Every commit is atomic and durable: the new file is written
/// next to the old one, flushed to disk, renamed over it, and the directory
/// is flushed, so a crash at any moment leaves the old or the new file,
/// never a mix. If the directory cannot be flushed after the rename (tried
/// twice), the new file is already live: the commit then returns
/// [`StoreError::NotDurable`] with its revision rather than an error that
/// would claim nothing changed. The read-check-write of a commit runs under
/// an advisory lock on `<dir>/.<module>.lock`, so threads and *processes*
/// sharing the directory never lose an update. Loads take no lock.
///
/// A file that is not exactly what this store writes (bad JSON, an unknown
/// entry, a key written twice, a bad level, group or site) is reported as
/// [`StoreError::Corrupt`] by `revision`, `load` and `commit`; a commit
/// never replaces a corrupt file. Files are created readable by their
/// owner only (Unix).
///
/// # Files changed by someone else
///
/// The files are for people too: a module file changed by anyone — an
/// editor, a script, another store, a restored backup — is seen by the next
/// [`revision`](Store::revision), [`load`](Store::load) or
/// [`commit`](Store::commit), even when the change keeps the file's
/// `"revision"` entry. The store remembers a fingerprint of the bytes it
/// last read of each module (shared by its clones); bytes it has not seen
/// before, with a revision that did not move past the one it reported, are
/// reported one revision higher. So a cache built on `revision` reloads,
/// a commit based on what was there before the change is a
/// [`StoreError::Conflict`], and the next commit writes the higher revision
/// into the file, so the number never goes back. A file the change broke is
/// [`StoreError::Corrupt`] for `revision` as for `load`, naming the file
/// and what is wrong with it.
///
/// [`revision`](Store::revision) is called before every cached read, so it
/// does not read the file while its device, inode, length, modification
/// and status-change times (on Unix; length and modification time
/// elsewhere) are those it last read: one `open` and one `fstat`, whatever
/// the module's size. Because file times have a granularity (a second on
/// some file systems), they are trusted only once the file's last change
/// is three seconds old: until then each call reads and fingerprints the
/// bytes again, so an edit of the same length within the same clock tick
/// is seen too. Changed bytes are decoded in full. While a commit of a
/// module replaces its file, `revision` and `load` of that module through
/// the same store (or a clone) wait for it, so that none of them sees the
/// new file before the store knows its bytes.
///
/// The higher revision a store gives a change that kept the file's
/// revision lives in that store's memory until its next commit writes it
/// down: another `FileStore` on the directory that never saw the old bytes
/// reports the file's own revision. Each compares bytes, not numbers, so
/// neither accepts a commit based on contents that are gone.
///
/// ```
/// use module_settings::store::{Change, Revision};
/// use module_settings::{AccessLevel, FileStore, GroupId, ModuleId, Scope, Store};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let store = FileStore::open(dir.path())?;
/// let video = ModuleId::new("video")?;
/// let grant = Change::SetGrant { scope: Scope::Common, group: GroupId::try_from(5u32)?, level: AccessLevel::R };
/// store.commit(&video, Revision::ZERO, &[grant])?;
///
/// let text = std::fs::read_to_string(dir.path().join("video.json"))?;
/// assert!(text.contains(r#""5": "R""#));
/// assert_eq!(FileStore::open(dir.path())?.revision(&video)?, Revision::new(1));
///
/// // An edit by hand that keeps `"revision": 1` is seen all the same.
/// std::fs::write(store.path_of(&video), text.replace(r#""5": "R""#, r#""5": "W""#))?;
/// assert_eq!(store.revision(&video)?, Revision::new(2));
/// assert_eq!(store.load(&video)?.records.grant(Scope::Common, GroupId::try_from(5u32)?), Some(AccessLevel::W));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    lock_timeout: Duration,
    /// What was last read of each module file; shared by clones.
    seen: SeenFiles,
    /// Shared by every store on this directory in this process.
    feed: ChangeFeed,
}

impl FileStore {
    /// Opens the store in `dir`, creating the directory if it is missing
    /// (and flushing its parent, so the new directory survives a power cut
    /// as the files committed into it do).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the directory cannot be created or its
    /// parent cannot be flushed to disk.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        FileStore::open_with(dir.as_ref(), &atomic::sync_dir)
    }

    fn open_with(dir: &Path, sync_dir: atomic::SyncDir<'_>) -> Result<Self, StoreError> {
        let dir = dir.to_path_buf();
        atomic::create_dir_durably(&dir, sync_dir)?;
        Ok(FileStore {
            feed: ChangeFeed::for_path(&dir),
            dir,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            seen: SeenFiles::default(),
        })
    }

    /// Sets how long a commit waits for another writer of the same module
    /// before failing with [`StoreError::Unavailable`] (10 s by default).
    #[must_use]
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The directory the module files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `module`: `<dir>/<module>.json`. Module ids are
    /// lower-case letters, digits, `.` and `_`, so they are safe file names.
    pub fn path_of(&self, module: &ModuleId) -> PathBuf {
        self.dir.join(format!("{module}{EXTENSION}"))
    }
}

impl Store for FileStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.seen.load(module, &self.path_of(module))
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.seen.revision(module, &self.path_of(module))
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        let result = self.commit_with(module, expected, changes, preconditions, &atomic::sync_dir);
        // Told once the locks are released: a listener may read at once.
        self.feed.committed(module, expected, &result);
        result
    }

    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        self.feed.subscribe(listener);
        true
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        let entries = fs::read_dir(&self.dir)
            .map_err(FileError::io("list the store directory", &self.dir))?;
        let mut modules = Vec::new();
        for entry in entries {
            let entry = entry.map_err(FileError::io("list the store directory", &self.dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue; // not ours: every file we write has a UTF-8 name
            };
            // Lock and temporary files start with a dot and never end in
            // `.json`; anything else not ending in `.json` is not ours either.
            let Some(stem) = name.strip_suffix(EXTENSION) else {
                continue;
            };
            let record = entry.path().display().to_string();
            let module =
                ModuleId::new(stem).map_err(|err| StoreError::corrupt_id(None, &*record, &err))?;
            if module.as_str() != stem {
                return Err(StoreError::corrupt(
                    None,
                    record,
                    stem,
                    "module files are named with the module id in lower case",
                ));
            }
            modules.push(module);
        }
        modules.sort();
        Ok(modules)
    }
}

impl FileStore {
    /// The locks a commit to `module` holds: its own, exclusive, and a
    /// shared one on each module a precondition names, so that none of
    /// them can be committed to until the commit is done (while commits
    /// that merely depend on the same guard go on side by side). Taken in
    /// the order of module ids, which every commit follows, so two commits
    /// that lock each other's modules cannot wait for each other forever.
    fn lock_for_commit(
        &self,
        module: &ModuleId,
        preconditions: &[Precondition],
    ) -> Result<Vec<ModuleLock>, StoreError> {
        let mut wanted: Vec<(ModuleId, LockMode)> = preconditions
            .iter()
            .filter_map(|precondition| precondition.on.module())
            .filter(|guard| guard != module)
            .map(|guard| (guard, LockMode::Shared))
            .collect();
        wanted.push((*module, LockMode::Exclusive));
        wanted.sort_by_key(|(id, _)| *id);
        wanted.dedup_by_key(|(id, _)| *id);
        wanted
            .into_iter()
            .map(|(id, mode)| {
                ModuleLock::acquire(
                    &self.dir.join(format!(".{id}.lock")),
                    mode,
                    self.lock_timeout,
                )
            })
            .collect()
    }

    /// [`Store::commit_guarded`], flushing directories with `sync_dir` (tests make
    /// it fail).
    fn commit_with(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        sync_dir: atomic::SyncDir<'_>,
    ) -> Result<Revision, StoreError> {
        let _locks = self.lock_for_commit(module, preconditions)?;
        // Read under the locks: nobody can commit to the module, or to a
        // module a precondition names, between this check and the rename
        // below.
        let current = self.load(module)?;
        let next = next_revision(error::BACKEND, module, expected, current.revision, changes)?;
        check_preconditions(preconditions, module, current.revision, |on| {
            self.revision(&on.module_or_refuse(module)?)
        })?;
        let Some(next) = next else {
            return Ok(current.revision);
        };
        let mut records = current.records;
        records.apply_all(changes);
        let bytes = document::encode(module, &Snapshot::new(next, records))?;
        // Not ending in `.json`, so `modules()` never lists it.
        let temp = self.dir.join(format!(".{module}{EXTENSION}.tmp"));
        let replaced = self
            .seen
            .replacing(module, current.revision, next, &bytes, || {
                atomic::replace(&self.dir, &temp, &self.path_of(module), &bytes, sync_dir)
            })?;
        match replaced {
            Ok(()) => Ok(next),
            Err(ReplaceError::NotReplaced(err)) => Err(err.into()),
            Err(ReplaceError::NotDurable(err)) => Err(StoreError::NotDurable {
                module: *module,
                revision: next,
                source: std::sync::Arc::new(err),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::atomic::failing_sync as flaky;
    use super::*;
    use crate::ids::{OptionName, Scope};

    const VIDEO: ModuleId = ModuleId::from_static("video");

    fn batch() -> [Change; 1] {
        [Change::SetOption {
            scope: Scope::Common,
            name: OptionName::from_static("ServerHost"),
            value: "vcs.example.com".into(),
        }]
    }

    #[test]
    fn an_unconfirmed_flush_is_not_durable_not_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let err = store
            .commit_with(&VIDEO, Revision::ZERO, &batch(), &[], &flaky(2))
            .unwrap_err();
        match &err {
            StoreError::NotDurable {
                module, revision, ..
            } => assert_eq!((*module, *revision), (VIDEO, Revision::new(1))),
            other => panic!("expected NotDurable, got {other}"),
        }
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            cause.starts_with("could not flush to disk the directory"),
            "{cause}"
        );
        // The commit is live: loads show it, and repeating it blindly is a
        // conflict — which is why the error says not to.
        let loaded = store.load(&VIDEO).unwrap();
        assert_eq!(loaded.revision, Revision::new(1));
        assert_eq!(
            loaded.records.option(Scope::Common, "ServerHost"),
            Some("vcs.example.com")
        );
        assert!(store
            .commit(&VIDEO, Revision::ZERO, &batch())
            .is_err_and(|e| e.is_conflict()));
    }

    #[test]
    fn a_flush_that_fails_once_is_retried_and_the_commit_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        assert_eq!(
            store
                .commit_with(&VIDEO, Revision::ZERO, &batch(), &[], &flaky(1))
                .unwrap(),
            Revision::new(1)
        );
    }

    #[test]
    fn opening_a_new_directory_flushes_its_parent() {
        let root = tempfile::tempdir().unwrap();
        let synced = std::sync::Mutex::new(Vec::new());
        let record = |d: &Path| {
            synced.lock().unwrap().push(d.to_path_buf());
            Ok(())
        };
        FileStore::open_with(&root.path().join("settings"), &record).unwrap();
        assert_eq!(*synced.lock().unwrap(), [root.path().to_path_buf()]);
        let err = FileStore::open_with(&root.path().join("other"), &flaky(usize::MAX)).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Backend {
                    backend: "file",
                    ..
                }
            ),
            "{err}"
        );
    }
}
