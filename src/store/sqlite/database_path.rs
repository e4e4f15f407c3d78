//! What [`SqliteStore::open`](super::SqliteStore::open) takes as a database
//! path, checked before SQLite sees it, and the private creation of a
//! missing file.
//!
//! SQLite gives some names meanings of their own (`""` a temporary
//! database, `:memory:` one in memory, `file:…` a URI whose parameters
//! change locking and durability), and reports a directory, a FIFO or a
//! device only as "unable to open" or "disk I/O error". Each is refused
//! here with a text that says what the path is.

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::error::SqliteError;
use super::private_file;

/// Why a path cannot hold the store's database.
#[derive(Debug, thiserror::Error)]
pub(super) enum PathError {
    /// `""`: SQLite would open a temporary database, gone on close.
    #[error(
        "the database path is empty; name a file (SQLite would open a temporary database that \
         is gone when the store closes)"
    )]
    Empty,
    /// `:memory:`: SQLite's in-memory database.
    #[error(
        "the database path \":memory:\" names SQLite's in-memory database, which has no file \
         to keep commits in; use SqliteStore::open_in_memory for that"
    )]
    InMemory,
    /// A `file:` URI, which SQLite (built with URI filenames on) parses.
    #[error(
        "the database path {} is an SQLite URI filename, but the store takes a plain file \
         path: URI parameters (nolock, immutable, vfs, mode) could undo its locking, \
         durability or privacy; a file whose name starts with \"file:\" can be opened as \
         ./file:…",
        .0.display()
    )]
    Uri(PathBuf),
    /// Something that is not a regular file.
    #[error("the database path {} is {kind}, not a file", .path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What is there, with its article: `a directory`.
        kind: &'static str,
    },
    /// A symbolic link to nothing: SQLite would create its target.
    #[error(
        "the database path {} is a symbolic link to {}, which does not exist; the store does \
         not create a file through a symbolic link (it could lead anywhere): create the target \
         first, or open the target's own path",
        .link.display(),
        .target.display()
    )]
    DanglingLink {
        /// The link.
        link: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
}

/// Refuses what cannot be the store's database file and creates a missing
/// one privately (see [`private_file`]). An existing regular file, or a
/// symbolic link to one, is left as it is, mode included: its owner chose
/// it.
pub(super) fn prepare(path: &Path) -> Result<(), SqliteError> {
    check_name(path)?;
    let io_error = |action, source| SqliteError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => match private_file::create_new(path) {
            Ok(()) => Ok(()),
            // Created by another process meanwhile: check what it made.
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => check_existing(path),
            Err(err) => Err(io_error("create the database file", err)),
        },
        Err(err) => Err(io_error("inspect the database path", err)),
        Ok(_) => check_existing(path),
    }
}

/// Opens the file [`prepare`] accepted or made, read-write, never letting
/// SQLite create it: were the file removed and a link planted in between,
/// SQLite would create the link's target with the default mode; without
/// `SQLITE_OPEN_CREATE` it fails instead. (URI parsing is compiled into
/// the bundled SQLite whatever the flags say; [`prepare`] refuses URIs.)
pub(super) fn connect(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Refuses the names SQLite treats as something other than a file.
fn check_name(path: &Path) -> Result<(), PathError> {
    let name = path.as_os_str();
    if name.is_empty() {
        return Err(PathError::Empty);
    }
    if name == ":memory:" {
        return Err(PathError::InMemory);
    }
    // SQLite compares the prefix byte for byte, case included.
    if name.as_encoded_bytes().starts_with(b"file:") {
        return Err(PathError::Uri(path.to_path_buf()));
    }
    Ok(())
}

/// Accepts an existing regular file, following symbolic links.
fn check_existing(path: &Path) -> Result<(), SqliteError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            // `symlink_metadata` found something, `metadata` finds nothing
            // behind it: a dangling link (or a file deleted just now).
            return Err(match std::fs::read_link(path) {
                Ok(target) => PathError::DanglingLink {
                    link: path.to_path_buf(),
                    target,
                }
                .into(),
                Err(_) => SqliteError::Io {
                    action: "inspect the database path",
                    path: path.to_path_buf(),
                    source: err,
                },
            });
        }
        Err(err) => {
            return Err(SqliteError::Io {
                action: "inspect the database path",
                path: path.to_path_buf(),
                source: err,
            })
        }
    };
    match kind_of(&meta.file_type()) {
        None => Ok(()),
        Some(kind) => Err(PathError::NotAFile {
            path: path.to_path_buf(),
            kind,
        }
        .into()),
    }
}

/// What a file type is, with its article, unless it is a regular file.
fn kind_of(file_type: &std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("something other than a regular file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sqlite_reads_specially_are_refused_and_nothing_is_created() {
        for (name, expected) in [
            ("", "is empty"),
            (":memory:", "open_in_memory"),
            ("file:x.sqlite?mode=memory", "URI"),
        ] {
            let text = prepare(Path::new(name)).unwrap_err().to_string();
            assert!(text.contains(expected), "{name:?}: {text}");
            if !name.is_empty() {
                assert!(!Path::new(name).exists(), "{name} was created");
            }
        }
        // Only the lower-case prefix is a URI to SQLite.
        assert!(check_name(Path::new("FILE:x.sqlite")).is_ok());
        assert!(check_name(Path::new("./file:x.sqlite")).is_ok());
    }

    #[test]
    fn a_missing_file_is_created_and_an_existing_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite");
        prepare(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        std::fs::write(&path, "content").unwrap();
        prepare(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "content");
    }

    #[test]
    fn connecting_never_creates_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.sqlite");
        assert!(connect(&path).is_err());
        assert!(!path.exists());
        prepare(&path).unwrap();
        connect(&path).unwrap();
    }

    #[test]
    fn a_directory_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let text = prepare(dir.path()).unwrap_err().to_string();
        assert_eq!(
            text,
            format!(
                "the database path {} is a directory, not a file",
                dir.path().display()
            )
        );
    }
}
