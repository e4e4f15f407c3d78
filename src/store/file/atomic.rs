//! Replacing a file so that a crash at any moment leaves the old or the new
//! content, and a returned call means the new content is on disk.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::error::FileError;

/// Flushes a directory's entries to disk; [`sync_dir`] in production, a
/// failing stand-in in tests.
pub(super) type SyncDir<'a> = &'a dyn Fn(&Path) -> io::Result<()>;

/// Why [`replace`] failed, which decides what the caller may promise.
#[derive(Debug)]
pub(super) enum ReplaceError {
    /// Nothing changed: the target still holds the old content.
    NotReplaced(FileError),
    /// The new content is in place (readers see it) but the directory
    /// could not be flushed, twice: a power cut might still bring back the
    /// old file.
    NotDurable(FileError),
}

/// Writes `bytes` to `temp`, flushes it to disk, renames it over `target`
/// and flushes the directory entry with `sync_dir`.
///
/// The caller must hold the lock that makes it the only writer of `temp`:
/// the temp name is fixed per target, so a temp file left by a writer that
/// crashed is simply overwritten by the next one.
pub(super) fn replace(
    dir: &Path,
    temp: &Path,
    target: &Path,
    bytes: &[u8],
    sync_dir: SyncDir<'_>,
) -> Result<(), ReplaceError> {
    let result = write_synced(temp, bytes).and_then(|()| {
        fs::rename(temp, target).map_err(FileError::io("rename the new file onto", target))
    });
    if let Err(err) = result {
        // Best effort: the next writer truncates the temp file anyway.
        let _ = fs::remove_file(temp);
        return Err(ReplaceError::NotReplaced(err));
    }
    // From here on the new content is live, so failing must not look like
    // "nothing changed". One retry covers a transient failure (an
    // interrupted call, a busy device); a second failure is reported as it
    // is: visible, durability unconfirmed.
    sync_dir(dir).or_else(|_| sync_dir(dir)).map_err(|err| {
        ReplaceError::NotDurable(FileError::io("flush to disk the directory", dir)(err))
    })
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    // Option values may be secrets: keep the files private to their owner.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(FileError::io("create the temporary file", path))?;
    file.write_all(bytes)
        .map_err(FileError::io("write the temporary file", path))?;
    // Without this the rename could reach the disk before the data, and a
    // power cut would leave an empty or partial file under the real name.
    file.sync_all()
        .map_err(FileError::io("flush to disk the temporary file", path))
}

/// Makes a rename or a new entry in `dir` durable. On Unix the directory
/// itself must be flushed; elsewhere directories cannot be opened this way
/// and the file system orders the rename itself.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates `dir` and any missing parents, and flushes the parent of each
/// directory it created, so the new directory survives a power cut as the
/// files later renamed into it do.
pub(super) fn create_dir_durably(dir: &Path, sync_dir: SyncDir<'_>) -> Result<(), FileError> {
    // The missing directories, deepest first.
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    fs::create_dir_all(dir).map_err(FileError::io("create the store directory", dir))?;
    for created in missing.iter().rev() {
        let parent = match created.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        sync_dir(parent).map_err(FileError::io("flush to disk the directory", parent))?;
    }
    Ok(())
}

/// A directory flush that fails the first `failures` times, for tests.
#[cfg(test)]
pub(super) fn failing_sync(failures: usize) -> impl Fn(&Path) -> io::Result<()> {
    let left = std::cell::Cell::new(failures);
    move |_| match left.get() {
        0 => Ok(()),
        n => {
            left.set(n - 1);
            Err(io::Error::other("injected flush failure"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::failing_sync as flaky;
    use super::*;
    use std::cell::RefCell;
    use std::path::PathBuf;

    #[test]
    fn replace_swaps_content_and_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        let temp = dir.path().join(".a.json.tmp");
        fs::write(&target, "old").unwrap();
        fs::write(
            &temp,
            "garbage left by a crashed writer, longer than the new content",
        )
        .unwrap();
        replace(dir.path(), &temp, &target, b"new", &sync_dir).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert!(!temp.exists());
    }

    #[test]
    fn a_failed_replace_keeps_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        // A directory where the temp file should go makes creating it fail,
        // even for root.
        let temp = dir.path().join(".a.json.tmp");
        fs::create_dir(&temp).unwrap();
        fs::write(&target, "old").unwrap();
        let err = replace(dir.path(), &temp, &target, b"new", &sync_dir).unwrap_err();
        let ReplaceError::NotReplaced(err) = err else {
            panic!("not NotReplaced: {err:?}");
        };
        assert!(
            err.to_string().contains("create the temporary file"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    }

    #[test]
    fn a_directory_flush_that_fails_once_is_retried() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, target) = (dir.path().join(".a.tmp"), dir.path().join("a.json"));
        replace(dir.path(), &temp, &target, b"new", &flaky(1)).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_directory_flush_that_fails_twice_is_not_durable_yet_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (temp, target) = (dir.path().join(".a.tmp"), dir.path().join("a.json"));
        fs::write(&target, "old").unwrap();
        let err = replace(dir.path(), &temp, &target, b"new", &flaky(2)).unwrap_err();
        let ReplaceError::NotDurable(err) = err else {
            panic!("not NotDurable: {err:?}");
        };
        assert!(
            err.to_string()
                .starts_with("could not flush to disk the directory"),
            "{err}"
        );
        // Live, which is why it must not be reported as "nothing changed".
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn creating_a_store_directory_flushes_each_new_entrys_parent() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a").join("b");
        let synced = RefCell::new(Vec::<PathBuf>::new());
        let record = |d: &Path| {
            synced.borrow_mut().push(d.to_path_buf());
            Ok(())
        };
        create_dir_durably(&deep, &record).unwrap();
        assert!(deep.is_dir());
        assert_eq!(
            *synced.borrow(),
            [root.path().to_path_buf(), root.path().join("a")]
        );

        // An existing directory creates nothing and flushes nothing.
        synced.borrow_mut().clear();
        create_dir_durably(&deep, &record).unwrap();
        assert!(synced.borrow().is_empty());
    }

    #[test]
    fn a_failed_parent_flush_fails_the_open() {
        let root = tempfile::tempdir().unwrap();
        let err = create_dir_durably(&root.path().join("new"), &flaky(usize::MAX)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("could not flush to disk the directory"),
            "{err}"
        );
    }
}
