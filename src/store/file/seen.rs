//! What a [`FileStore`](super::FileStore) last saw of each module's file,
//! so that a change made by anyone — another store, a person with an
//! editor, a restored backup — moves the revision the store reports, even
//! when the change keeps the file's `"revision"` entry.
//!
//! # What is remembered
//!
//! Per module: a fingerprint of the file's bytes (or that there was no
//! file), the revision written in it (*stored*), and the revision the
//! store reported for those bytes (*reported*). Bytes never seen before
//! are reported as
//!
//! - the stored revision, the first time the module is read, when that
//!   revision is above the one last reported (another writer's commit),
//!   or when it is below the one last stored (the store went back: a
//!   restored backup, a deleted file);
//! - otherwise — the file changed but its revision did not move past
//!   what was reported — one above the revision last reported. A commit
//!   based on that writes the next one into the file, so the number never
//!   goes back, and a commit based on what was there before the change
//!   is a conflict.
//!
//! A commit remembers the bytes it wrote, so that an edit of them is seen
//! even before anyone reads them back; and it refuses to replace a file
//! that another thread of the store saw change since the commit read it.
//!
//! The bump lives in this store's memory (shared by its clones) until the
//! next commit writes it down; another store on the same directory that
//! never saw the old bytes reports the file's own revision. Each store
//! compares bytes, not just numbers, so neither accepts a commit based on
//! contents that are no longer there.
//!
//! # Why `revision` stays cheap
//!
//! Hashing the whole file on every call would grow with the module, and
//! `revision` runs before every cached read. So the file's identity and
//! times are remembered too — device, inode, length, modification time and
//! status-change time (on Unix) — and while they are unchanged the bytes
//! are not read: a call costs an `open` and an `fstat`.
//!
//! File times have a granularity: a second on some file systems, a clock
//! tick on others. An edit in the same tick as the write before it, of the
//! same length, leaves every one of those fields as it was. So they are
//! trusted only when the file's last change is more than [`SETTLE`] older
//! than the moment the store began to read it: any change after that
//! moment gets a later status-change time, which no program can set at
//! will. Until then every call reads and fingerprints the bytes again
//! (and decodes them only when they differ). This takes the file
//! system's clock to be within `SETTLE` of this machine's; one that runs
//! ahead only keeps the store reading. Without Unix status-change times
//! the modification time stands in for it, which a program can set back.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::hash::BuildHasher;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::atomic::ReplaceError;
use super::document;
use super::error::{FileError, BACKEND};
use crate::ids::ModuleId;
use crate::store::error::revisions_exhausted;
use crate::store::{Revision, Snapshot, StoreError};

/// How long after a file's last change its times are trusted to show the
/// next one: more than the two-second times of FAT plus a coarse clock
/// tick, so enough for every file system's granularity.
pub(super) const SETTLE: Duration = Duration::from_secs(3);

/// The memory of one store and its clones.
#[derive(Clone, Default)]
pub(super) struct SeenFiles {
    shared: Arc<Shared>,
}

struct Shared {
    /// Keyed at random per store: the fingerprints compare contents and
    /// must not be forged by whoever writes the file.
    hasher: RandomState,
    /// Each module's memory behind its own lock, held across the file
    /// read, so that what one thread saw never overwrites a later file
    /// another thread saw.
    modules: Mutex<HashMap<ModuleId, Arc<Mutex<Option<Seen>>>>>,
    /// The wall clock that says how old a file's last change is
    /// (`SystemTime::now`; tests move it).
    now: fn() -> SystemTime,
    /// How many times a file's bytes were read, for tests of the cheap path.
    #[cfg(test)]
    reads: std::sync::atomic::AtomicUsize,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            hasher: RandomState::new(),
            modules: Mutex::default(),
            now: SystemTime::now,
            #[cfg(test)]
            reads: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl std::fmt::Debug for SeenFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeenFiles").finish_non_exhaustive()
    }
}

/// One module's file as last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    /// The bytes' fingerprint; `None` when there was no file.
    content: Option<u64>,
    /// The file's identity and times when those bytes were read — kept
    /// only once they can be trusted to show a later change.
    stamp: Option<Stamp>,
    /// The revision written in the file (zero without a file).
    stored: Revision,
    /// The revision reported for these bytes.
    reported: Revision,
}

/// What a file's metadata says about its identity and last change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    identity: (u64, u64),
    #[cfg(unix)]
    changed: (i64, i64),
}

impl Stamp {
    fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            identity: (meta.dev(), meta.ino()),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// When the file last changed by the file system's clock: its
    /// status-change time on Unix (set by every write, rename and
    /// `utimes`, and by no program at will), its modification time
    /// elsewhere.
    fn last_change(&self) -> Option<SystemTime> {
        #[cfg(unix)]
        {
            // A `timespec`: whole seconds from 1970 (negative before it),
            // plus nanoseconds that always count forward.
            let (secs, nanos) = self.changed;
            let whole = Duration::from_secs(secs.unsigned_abs());
            let second = if secs >= 0 {
                SystemTime::UNIX_EPOCH.checked_add(whole)?
            } else {
                SystemTime::UNIX_EPOCH.checked_sub(whole)?
            };
            second.checked_add(Duration::from_nanos(nanos.unsigned_abs()))
        }
        #[cfg(not(unix))]
        self.modified
    }

    /// `Some(self)` if the file's last change is long enough before
    /// `opened` (taken before the file was opened) for any change after
    /// that to show in the stamp.
    fn trusted(self, opened: SystemTime) -> Option<Self> {
        let settled = self.last_change()?.checked_add(SETTLE)?;
        (settled < opened).then_some(self)
    }
}

/// A module file opened for reading, with its stamp.
struct Opened {
    file: File,
    stamp: Stamp,
    /// The wall time just before the file was opened.
    at: SystemTime,
}

impl SeenFiles {
    /// The module's revision as reported above. Reads the file only when
    /// its stamp is not trusted or does not match, and decodes it (so a
    /// broken file is [`StoreError::Corrupt`]) only when its bytes differ
    /// from those last seen.
    pub(super) fn revision(&self, module: &ModuleId, path: &Path) -> Result<Revision, StoreError> {
        let entry = self.entry(module);
        let mut seen = lock(&entry);
        let Some(opened) = self.open(path)? else {
            return self.absent(module, &mut seen);
        };
        if let Some(known) = *seen {
            if known.stamp == Some(opened.stamp) {
                return Ok(known.reported);
            }
        }
        let (stamp, at) = (opened.stamp, opened.at);
        let bytes = self.read(opened, path)?;
        let content = self.fingerprint(&bytes);
        if let Some(known) = seen.as_mut().filter(|known| known.content == Some(content)) {
            known.stamp = stamp.trusted(at);
            return Ok(known.reported);
        }
        let stored = document::decode(module, path, &bytes)?.revision;
        let reported =
            self.remember(module, &mut seen, stored, Some(content), stamp.trusted(at))?;
        Ok(reported)
    }

    /// The module's records at the revision reported for them: the file
    /// is read and decoded in full.
    pub(super) fn load(&self, module: &ModuleId, path: &Path) -> Result<Snapshot, StoreError> {
        let entry = self.entry(module);
        let mut seen = lock(&entry);
        let Some(opened) = self.open(path)? else {
            let reported = self.absent(module, &mut seen)?;
            return Ok(Snapshot::new(reported, crate::store::ModuleRecords::new()));
        };
        let (stamp, at) = (opened.stamp, opened.at);
        let bytes = self.read(opened, path)?;
        let snapshot = document::decode(module, path, &bytes)?;
        let content = Some(self.fingerprint(&bytes));
        let reported = self.remember(
            module,
            &mut seen,
            snapshot.revision,
            content,
            stamp.trusted(at),
        )?;
        Ok(Snapshot::new(reported, snapshot.records))
    }

    /// Runs `replace`, which puts `bytes` in place as the module's file at
    /// revision `next`, for a commit that read the module at `read`; and
    /// remembers those bytes if the file was replaced, so that a change
    /// made to them later is seen even before anyone reads them.
    ///
    /// The module's memory stays locked throughout: no other thread of
    /// this store reads the file between its replacement and the memory's.
    ///
    /// # Errors
    ///
    /// [`StoreError::Conflict`], and nothing replaced, if another thread
    /// saw the file change since the commit read it: a change the commit
    /// would overwrite, and which that thread may already have reported
    /// under the revision the commit was about to give its own bytes.
    pub(super) fn replacing(
        &self,
        module: &ModuleId,
        read: Revision,
        next: Revision,
        bytes: &[u8],
        replace: impl FnOnce() -> Result<(), ReplaceError>,
    ) -> Result<Result<(), ReplaceError>, StoreError> {
        let entry = self.entry(module);
        let mut seen = lock(&entry);
        let current = seen.map_or(Revision::ZERO, |known| known.reported);
        if current != read {
            return Err(StoreError::Conflict {
                module: *module,
                expected: read,
                current,
            });
        }
        let result = replace();
        if !matches!(result, Err(ReplaceError::NotReplaced(_))) {
            // Its stamp is unknown (the rename changes it), so the next
            // call reads and fingerprints the file once.
            *seen = Some(Seen {
                content: Some(self.fingerprint(bytes)),
                stamp: None,
                stored: next,
                reported: next,
            });
        }
        Ok(result)
    }

    fn absent(&self, module: &ModuleId, seen: &mut Option<Seen>) -> Result<Revision, StoreError> {
        self.remember(module, seen, Revision::ZERO, None, None)
    }

    /// Records decoded bytes (or no file) and returns their revision.
    fn remember(
        &self,
        module: &ModuleId,
        seen: &mut Option<Seen>,
        stored: Revision,
        content: Option<u64>,
        stamp: Option<Stamp>,
    ) -> Result<Revision, StoreError> {
        let reported = report(seen.as_ref(), stored, content)
            .ok_or_else(|| revisions_exhausted(BACKEND, module))?;
        *seen = Some(Seen {
            content,
            stamp,
            stored,
            reported,
        });
        Ok(reported)
    }

    fn entry(&self, module: &ModuleId) -> Arc<Mutex<Option<Seen>>> {
        let mut modules = lock(&self.shared.modules);
        Arc::clone(modules.entry(*module).or_default())
    }

    /// Opens the module file, or `None` if there is none.
    fn open(&self, path: &Path) -> Result<Option<Opened>, StoreError> {
        let at = (self.shared.now)();
        let file = match File::open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(FileError::io("open", path)(err).into()),
        };
        // The handle's own metadata: a rename over the path after `open`
        // changes neither it nor the bytes read through the handle.
        let meta = file
            .metadata()
            .map_err(FileError::io("read the metadata of", path))?;
        Ok(Some(Opened {
            file,
            stamp: Stamp::of(&meta),
            at,
        }))
    }

    fn read(&self, mut opened: Opened, path: &Path) -> Result<Vec<u8>, StoreError> {
        #[cfg(test)]
        self.shared
            .reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut bytes = Vec::with_capacity(usize::try_from(opened.stamp.len).unwrap_or(0));
        opened
            .file
            .read_to_end(&mut bytes)
            .map_err(FileError::io("read", path))?;
        Ok(bytes)
    }

    fn fingerprint(&self, bytes: &[u8]) -> u64 {
        self.shared.hasher.hash_one(bytes)
    }
}

/// The revision to report for bytes with `stored` in them (`content`,
/// `None` for no file), given what was seen before; `None` when the
/// revisions are exhausted.
fn report(before: Option<&Seen>, stored: Revision, content: Option<u64>) -> Option<Revision> {
    match before {
        None => Some(stored),
        Some(seen) if seen.content == content => Some(seen.reported),
        Some(seen) if stored > seen.reported || stored < seen.stored => Some(stored),
        Some(seen) => seen.reported.next(),
    }
}

use crate::sync::lock;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;
    use crate::ids::{GroupId, Scope};
    use crate::store::{Change, ModuleRecords};
    use std::fs;
    use std::sync::atomic::Ordering;

    const VIDEO: ModuleId = ModuleId::from_static("video");

    fn rev(n: u64) -> Revision {
        Revision::new(n)
    }

    fn seen(content: Option<u64>, stored: u64, reported: u64) -> Seen {
        Seen {
            content,
            stamp: None,
            stored: rev(stored),
            reported: rev(reported),
        }
    }

    #[test]
    fn new_bytes_get_the_stored_revision_or_one_above_the_reported() {
        let at_3 = seen(Some(1), 3, 3);
        let bumped = seen(Some(1), 3, 4); // a hand edit seen before
        let cases = [
            (None, 3, Some(1), 3, "first sight: the file's own"),
            (Some(at_3), 3, Some(1), 3, "the same bytes"),
            (Some(bumped), 3, Some(1), 4, "the same bytes after a bump"),
            (Some(at_3), 4, Some(2), 4, "another writer's commit"),
            (Some(at_3), 9, Some(2), 9, "moved up by hand"),
            (Some(at_3), 2, Some(2), 2, "went back: a restored backup"),
            (Some(at_3), 0, None, 0, "went back: the file deleted"),
            (Some(at_3), 3, Some(2), 4, "changed, revision kept"),
            (
                Some(bumped),
                4,
                Some(2),
                5,
                "another's commit of the bumped number",
            ),
            (Some(bumped), 3, Some(2), 5, "changed again, revision kept"),
            (
                Some(seen(None, 0, 0)),
                0,
                Some(2),
                1,
                "written by hand at 0",
            ),
        ];
        for (before, stored, content, expected, what) in cases {
            assert_eq!(
                report(before.as_ref(), rev(stored), content),
                Some(rev(expected)),
                "{what}"
            );
        }
        let last = seen(Some(1), u64::MAX, u64::MAX);
        assert_eq!(report(Some(&last), rev(u64::MAX), Some(2)), None);
    }

    /// Writes the file with `grants` in the common scope.
    fn write(path: &Path, revision: u64, grants: &[(u32, AccessLevel)]) {
        let mut records = ModuleRecords::new();
        for &(group, level) in grants {
            records.apply(&Change::SetGrant {
                scope: Scope::Common,
                group: GroupId::new(group).unwrap(),
                level,
            });
        }
        let bytes = document::encode(&VIDEO, &Snapshot::new(rev(revision), records)).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn reads(seen: &SeenFiles) -> usize {
        seen.shared.reads.load(Ordering::Relaxed)
    }

    /// A memory whose clock runs an hour ahead: every file's last change
    /// is long settled.
    ///
    /// With it, a test must change files in ways that show in their
    /// stamps (another length): an edit within the clock tick of the last
    /// one is what the real clock's margin is there for.
    fn settled() -> SeenFiles {
        SeenFiles {
            shared: Arc::new(Shared {
                now: || SystemTime::now() + Duration::from_secs(3600),
                ..Shared::default()
            }),
        }
    }

    #[test]
    fn a_settled_unchanged_file_is_answered_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = settled();
        assert_eq!(seen.load(&VIDEO, &path).unwrap().revision, rev(2));
        let after_load = reads(&seen);
        for _ in 0..3 {
            assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
        }
        assert_eq!(reads(&seen), after_load, "answered from the stamp");

        // A change shows in the stamp: read, and seen.
        write(&path, 2, &[(5, AccessLevel::W), (6, AccessLevel::R)]);
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(3));
        assert_eq!(reads(&seen), after_load + 1);
    }

    #[test]
    fn a_recently_changed_file_is_read_on_every_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = SeenFiles::default();
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
        for n in 1..=3 {
            assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
            assert_eq!(reads(&seen), 1 + n, "its times cannot be trusted yet");
        }
    }

    #[test]
    fn the_same_bytes_under_a_new_stamp_keep_their_revision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = settled();
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
        // A copy of the same bytes moved over it: another inode.
        let copy = dir.path().join("copy.json");
        fs::copy(&path, &copy).unwrap();
        fs::rename(&copy, &path).unwrap();
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
        assert_eq!(seen.load(&VIDEO, &path).unwrap().revision, rev(2));
    }

    #[test]
    fn a_commit_over_a_change_another_thread_saw_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = SeenFiles::default();
        // The commit's read, then another thread's of an edit.
        let read = seen.load(&VIDEO, &path).unwrap().revision;
        write(&path, 2, &[(5, AccessLevel::R)]);
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(3));

        let replace = || -> Result<(), ReplaceError> { panic!("must not replace") };
        let err = seen
            .replacing(&VIDEO, read, rev(3), b"{}", replace)
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { expected, current, .. }
                if (expected, current) == (rev(2), rev(3))),
            "{err}"
        );
    }

    #[test]
    fn replaced_bytes_are_remembered_unless_nothing_was_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = SeenFiles::default();
        let read = seen.load(&VIDEO, &path).unwrap().revision;
        let failed = || {
            Err(ReplaceError::NotReplaced(FileError::io("rename", &path)(
                io::Error::other("test"),
            )))
        };
        assert!(seen
            .replacing(&VIDEO, read, rev(3), b"x", failed)
            .unwrap()
            .is_err());
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2), "as before");

        // Replaced: the new bytes are known at the new revision before
        // anyone reads them, so an edit of them that keeps it is a revision
        // of its own.
        write(&path, 3, &[(5, AccessLevel::R)]);
        let bytes = fs::read(&path).unwrap();
        seen.replacing(&VIDEO, read, rev(3), &bytes, || Ok(()))
            .unwrap()
            .unwrap();
        write(&path, 3, &[(5, AccessLevel::D)]);
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(4));
    }

    #[test]
    fn a_broken_file_is_corrupt_on_every_call_and_remembers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.json");
        write(&path, 2, &[(5, AccessLevel::W)]);
        let seen = settled();
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(2));
        fs::write(&path, "{").unwrap();
        for _ in 0..2 {
            assert!(seen.revision(&VIDEO, &path).unwrap_err().is_corrupt());
            assert!(seen.load(&VIDEO, &path).unwrap_err().is_corrupt());
        }
        // Repaired with other bytes at the same revision: a new revision.
        write(&path, 2, &[(5, AccessLevel::W), (6, AccessLevel::R)]);
        assert_eq!(seen.revision(&VIDEO, &path).unwrap(), rev(3));
    }
}
