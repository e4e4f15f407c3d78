//! Creating a new database file readable by its owner only, before SQLite
//! opens it: option values may be secrets, and SQLite would create the file
//! with the process's default mode (usually 0644). SQLite gives the `-wal`
//! and `-shm` files it creates later the database file's own mode.

use std::io;
use std::path::Path;

/// Creates `path` as an empty file with mode 0600 (Unix). Fails with
/// [`io::ErrorKind::AlreadyExists`] if anything is there, a symbolic link
/// included, dangling or not: `create_new` never follows a link, so the
/// file is created exactly at `path` or not at all, and nothing existing is
/// truncated. If two processes race, the loser sees the winner's file.
pub(super) fn create_new(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // An empty file is a valid empty database for SQLite.
    options.open(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_created_empty_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        create_new(&path).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn an_existing_file_is_neither_truncated_nor_reported_as_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        std::fs::write(&path, "content").unwrap();
        let err = create_new(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "content");
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (link, target) = (dir.path().join("link"), dir.path().join("target"));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = create_new(&link).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert!(!target.exists());
    }
}
