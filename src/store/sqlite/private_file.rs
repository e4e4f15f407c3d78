//! Creating a new database file readable by its owner only, before SQLite
//! opens it: option values may be secrets, and SQLite would create the file
//! with the process's default mode (usually 0644). SQLite gives the `-wal`
//! and `-shm` files it creates later the database file's own mode.

use std::io;
use std::path::Path;

/// Creates `path` as an empty file with mode 0600 (Unix) if nothing is
/// there yet. An existing file is left as it is, mode included: its owner
/// chose it. Names SQLite does not treat as a file (`:memory:`, the empty
/// name of a temporary database, `file:` URIs) are left to SQLite.
pub(super) fn create_if_missing(path: &Path) -> io::Result<()> {
    let name = path.as_os_str();
    if name.is_empty() || name == ":memory:" || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    // `create_new`: never truncate, and if two processes race, the loser
    // sees the winner's file and moves on.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        // An empty file is a valid empty database for SQLite.
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_file_is_created() {
        for name in [":memory:", "", "file:x.db?mode=memory"] {
            create_if_missing(Path::new(name)).unwrap();
            assert!(!Path::new(name).exists(), "{name} was created");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        create_if_missing(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn an_existing_file_is_not_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        std::fs::write(&path, "content").unwrap();
        create_if_missing(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "content");
    }
}
