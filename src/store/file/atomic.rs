//! Replacing a file so that a crash at any moment leaves the old or the new
//! content, and a returned call means the new content is on disk (rule 22).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::error::FileError;

/// Writes `bytes` to `temp`, flushes it to disk, renames it over `target`
/// and flushes the directory entry.
///
/// The caller must hold the lock that makes it the only writer of `temp`:
/// the temp name is fixed per target, so a temp file left by a writer that
/// crashed is simply overwritten by the next one.
pub(super) fn replace(
    dir: &Path,
    temp: &Path,
    target: &Path,
    bytes: &[u8],
) -> Result<(), FileError> {
    let result = write_synced(temp, bytes).and_then(|()| {
        fs::rename(temp, target).map_err(FileError::io("rename the new file onto", target))
    });
    if result.is_err() {
        // Best effort: the next writer truncates the temp file anyway.
        let _ = fs::remove_file(temp);
    }
    result?;
    sync_dir(dir)
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

/// Makes a rename in `dir` durable. On Unix the directory itself must be
/// flushed; elsewhere directories cannot be opened this way and the file
/// system orders the rename itself.
pub(super) fn sync_dir(dir: &Path) -> Result<(), FileError> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(FileError::io("flush to disk the directory", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        replace(dir.path(), &temp, &target, b"new").unwrap();
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
        let err = replace(dir.path(), &temp, &target, b"new").unwrap_err();
        assert!(
            err.to_string().contains("create the temporary file"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    }
}
