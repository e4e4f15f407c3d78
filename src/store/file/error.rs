//! The file store's own detailed errors, turned into
//! [`StoreError::Backend`](crate::StoreError::Backend): their text becomes
//! its text, their cause its source.

use std::io;
use std::path::PathBuf;

use crate::ids::ModuleId;
use crate::store::StoreError;

/// The name the file store reports itself under.
pub(super) const BACKEND: &str = "file";

/// What went wrong with the file store's files.
#[derive(Debug, thiserror::Error)]
pub(super) enum FileError {
    /// A file system call failed.
    #[error("could not {action} {}", path.display())]
    Io {
        /// What was being done, as a verb phrase ("read", "rename … onto").
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Records could not be written as JSON (does not happen with valid
    /// records, but serde's signature allows it).
    #[error("could not write module {module} as JSON")]
    Encode {
        /// The module.
        module: ModuleId,
        /// serde_json's error.
        source: serde_json::Error,
    },
}

impl FileError {
    /// Wraps an I/O error with what was being done and to which path.
    pub(super) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| FileError::Io {
            action,
            path,
            source,
        }
    }
}

impl From<FileError> for StoreError {
    fn from(err: FileError) -> Self {
        // The text says what failed; the cause stays a source of its own,
        // so no report prints it twice.
        let what = err.to_string();
        match err {
            FileError::Io { source, .. } => StoreError::backend(BACKEND, what, source),
            FileError::Encode { source, .. } => StoreError::backend(BACKEND, what, source),
        }
    }
}
