//! Which file a database path leads to, recorded when the store opens and
//! compared before every commit.
//!
//! SQLite keeps the file it opened: if the path is unlinked, or another file
//! is renamed over it (a restored backup), the connection goes on writing to
//! the old file, whose data is gone when the store closes, and its `-wal`
//! file (found by name) may later be replayed over the new file. A commit
//! that would land there is refused instead of acknowledged.

use std::io;
use std::path::Path;

use rusqlite::{Connection, Transaction};

use super::error::SqliteError;
use crate::ids::ModuleId;

/// A file's identity: device and inode number on Unix, which no rename,
/// copy or rewrite of another file can take over while the file exists.
///
/// Elsewhere it is the path made canonical, used only to let the writers
/// of one process on one file take turns; no replacement is detected
/// there, because there is nothing to detect: on Windows SQLite opens the
/// file without `FILE_SHARE_DELETE`, so it cannot be deleted or renamed
/// over while a store has it open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct FileIdentity(Inner);

#[cfg(unix)]
type Inner = (u64, u64);

#[cfg(not(unix))]
type Inner = std::path::PathBuf;

impl FileIdentity {
    /// The identity of the file `path` leads to now (symbolic links
    /// followed, as SQLite follows them).
    pub(super) fn of(path: &Path) -> io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(path)?;
            Ok(FileIdentity((meta.dev(), meta.ino())))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).map(FileIdentity)
        }
    }
}

/// What happened to the file the store opened as `opened`, if anything:
/// `None` while `path` still leads to it.
pub(super) fn replacement(path: &Path, opened: &FileIdentity) -> io::Result<Option<Replacement>> {
    if !cfg!(unix) {
        // See `FileIdentity`: the file cannot be replaced while open.
        return Ok(None);
    }
    match FileIdentity::of(path) {
        Ok(now) if now == *opened => Ok(None),
        Ok(_) => Ok(Some(Replacement::Replaced)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Some(Replacement::Deleted)),
        Err(err) => Err(err),
    }
}

/// Hands back `tx`, the write transaction of `module`'s commit, if `path`
/// still leads to the file the store opened. If not, rolls it back, so
/// nothing is written, empties the stale WAL (see [`empty_stale_wal`]) and
/// says what happened.
pub(super) fn confirm<'c>(
    conn: &'c Connection,
    tx: Transaction<'c>,
    path: &Path,
    opened: &FileIdentity,
    module: &ModuleId,
) -> Result<Transaction<'c>, SqliteError> {
    let kind = replacement(path, opened).map_err(|source| SqliteError::Io {
        action: "check that the database file is still the one the store opened",
        path: path.to_path_buf(),
        source,
    })?;
    let Some(kind) = kind else {
        return Ok(tx);
    };
    drop(tx);
    empty_stale_wal(conn);
    Err(SqliteError::FileReplaced {
        path: path.to_path_buf(),
        kind,
        module: *module,
    })
}

/// Copies the WAL's frames into the file the connection still holds (the
/// old one) and empties the WAL.
///
/// SQLite finds the `-wal` file by name and, when the database file has
/// moved, skips its checkpoint at close and leaves the WAL behind: the next
/// connection on the path would then replay the old file's pages over the
/// new one (a restored backup would be overwritten). An empty WAL holds
/// nothing to replay. Best effort: if it fails (another connection keeps
/// reading past the busy timeout), the WAL stays as SQLite would leave it.
pub(super) fn empty_stale_wal(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// What happened to the file the store opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replacement {
    /// Nothing is at the path any more.
    Deleted,
    /// Another file is at the path (renamed over it, or created anew).
    Replaced,
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_path_keeps_its_identity_until_the_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        std::fs::write(&path, "one").unwrap();
        let opened = FileIdentity::of(&path).unwrap();
        std::fs::write(&path, "rewritten in place").unwrap();
        assert_eq!(replacement(&path, &opened).unwrap(), None);

        let other = dir.path().join("b.sqlite");
        std::fs::write(&other, "two").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(
            replacement(&path, &opened).unwrap(),
            Some(Replacement::Replaced)
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            replacement(&path, &opened).unwrap(),
            Some(Replacement::Deleted)
        );
    }
}
