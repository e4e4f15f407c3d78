//! The SQLite store's own detailed errors, and how they map into
//! [`StoreError`].

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::ErrorCode;

use super::cause;
use super::database_path::PathError;
use super::identity::Replacement;
use crate::ids::ModuleId;
use crate::store::sql_error::{because, for_module, MissingColumn};
use crate::store::StoreError;

/// The name the SQLite store reports itself under.
pub(super) const BACKEND: &str = "sqlite";

/// What went wrong inside the SQLite store.
#[derive(Debug, thiserror::Error)]
pub(super) enum SqliteError {
    /// A statement failed.
    #[error("could not {action}{}{}", for_module(*module), because(cause.as_deref()))]
    Sql {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// The module it was done for, if any.
        module: Option<ModuleId>,
        /// What rusqlite's error means, in words, when it is more than a
        /// failure code (a constraint of a table, a read-only file).
        cause: Option<String>,
        /// rusqlite's error (boxed: it is large, and errors travel by value).
        source: Box<rusqlite::Error>,
    },
    /// SQLite kept a durability setting other than the one asked for
    /// (durable commits need WAL with `synchronous=FULL`).
    #[error(
        "the database kept {setting} at {found} when {asked} was asked for, so commits would \
         not be durable when they return; the store needs a database file that can use WAL \
         (an in-memory database is opened with SqliteStore::open_in_memory)"
    )]
    NotDurable {
        /// The pragma.
        setting: &'static str,
        /// The value asked for.
        asked: &'static str,
        /// The value SQLite reports.
        found: String,
    },
    /// A Bitrix table made by someone else lacks a column the layout needs.
    #[error(transparent)]
    MissingColumn(#[from] MissingColumn),
    /// The path cannot hold the database.
    #[error("{0}")]
    Path(#[from] PathError),
    /// A file-system call on the database path failed.
    #[error("could not {action} {}", .path.display())]
    Io {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The database file was deleted or replaced while the store had it
    /// open: a commit would go to a file no one will see again.
    #[error(
        "the database file {} {}; the commit to module {module} was refused and nothing was \
         written; {}",
        .path.display(),
        match .kind {
            Replacement::Deleted => "was deleted while the store had it open, so a commit \
                                     would be lost when the store closes",
            Replacement::Replaced => "was replaced by another file (renamed over it, as when \
                                      a backup is restored) while the store had it open, so a \
                                      commit would go to the old file and be lost",
        },
        match .kind {
            Replacement::Deleted => "restore the file, then open the store again",
            Replacement::Replaced => "open the store again to use the file that is there now",
        }
    )]
    FileReplaced {
        /// The path the store was opened with.
        path: PathBuf,
        /// Deleted or replaced.
        kind: Replacement,
        /// The module the refused commit was for.
        module: ModuleId,
    },
}

impl SqliteError {
    /// Wraps a failure of `action` done for `module`, if any.
    pub(super) fn sql(
        action: &'static str,
        module: Option<ModuleId>,
    ) -> impl Fn(rusqlite::Error) -> SqliteError {
        move |source| SqliteError::Sql {
            action,
            module,
            cause: cause::explain(&source),
            source: Box::new(source),
        }
    }

    /// The public error: a database that stayed busy past the timeout is
    /// `Unavailable`, anything else is a `Backend` failure.
    pub(super) fn into_store_error(self, busy_timeout: Duration) -> StoreError {
        match self {
            SqliteError::Sql {
                action,
                module,
                ref source,
                ..
            } if is_busy(source) => busy(action, module, busy_timeout),
            other => other.into(),
        }
    }
}

/// Whether SQLite gave up waiting for another connection's lock.
pub(super) fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The database stayed locked past the busy timeout while trying to
/// `action` (for `module`, if any).
pub(super) fn busy(
    action: &'static str,
    module: Option<ModuleId>,
    busy_timeout: Duration,
) -> StoreError {
    StoreError::Unavailable {
        backend: BACKEND,
        reason: format!(
            "the database stayed locked by another connection for more than {} ms while \
             trying to {action}{}",
            busy_timeout.as_millis(),
            for_module(module),
        ),
    }
}

/// Turns a rusqlite error from `action` (done for `module`, if any) into a
/// [`StoreError`], as [`SqliteError::into_store_error`] does.
pub(super) fn sql(
    action: &'static str,
    module: Option<ModuleId>,
    busy_timeout: Duration,
) -> impl Fn(rusqlite::Error) -> StoreError {
    let wrap = SqliteError::sql(action, module);
    move |source| wrap(source).into_store_error(busy_timeout)
}

impl From<SqliteError> for StoreError {
    fn from(err: SqliteError) -> Self {
        // The text says what failed; the underlying error stays a source of
        // its own, so no report prints it twice.
        let what = err.to_string();
        match err {
            SqliteError::Sql { source, .. } => StoreError::backend(BACKEND, what, *source),
            SqliteError::Io { source, .. } => StoreError::backend(BACKEND, what, source),
            SqliteError::MissingColumn(_)
            | SqliteError::NotDurable { .. }
            | SqliteError::Path(_)
            | SqliteError::FileReplaced { .. } => StoreError::backend_failure(BACKEND, what),
        }
    }
}
