//! The SQLite store's own detailed errors, and how they map into
//! [`StoreError`].

use std::time::Duration;

use rusqlite::ErrorCode;

use crate::ids::ModuleId;
use crate::store::StoreError;

/// The name the SQLite store reports itself under.
pub(super) const BACKEND: &str = "sqlite";

/// What went wrong inside the SQLite store.
#[derive(Debug, thiserror::Error)]
pub(super) enum SqliteError {
    /// A statement failed.
    #[error("could not {action}{}", for_module(*module))]
    Sql {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// The module it was done for, if any.
        module: Option<ModuleId>,
        /// rusqlite's error (boxed: it is large, and errors travel by value).
        source: Box<rusqlite::Error>,
    },
    /// SQLite kept a durability setting other than the one asked for
    /// (rule 22 needs WAL with `synchronous=FULL`).
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
    /// A Bitrix table made by someone else lacks a column the layout needs;
    /// the store never alters tables it did not create.
    #[error(
        "table {table} exists but has no column {column}; add it or point the store at a \
         database with Bitrix's layout"
    )]
    MissingColumn {
        /// The table.
        table: &'static str,
        /// The missing column.
        column: &'static str,
    },
}

/// `" (module video)"`, or nothing.
fn for_module(module: Option<ModuleId>) -> String {
    module.map_or_else(String::new, |module| format!(" (module {module})"))
}

/// Turns a rusqlite error from `action` (done for `module`, if any) into a
/// [`StoreError`]: a database that stayed busy past the timeout is
/// `Unavailable`, anything else is a `Backend` failure.
pub(super) fn sql(
    action: &'static str,
    module: Option<ModuleId>,
    busy_timeout: Duration,
) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable {
            backend: BACKEND,
            reason: format!(
                "the database stayed locked by another connection for more than {} ms while \
                 trying to {action}{}",
                busy_timeout.as_millis(),
                for_module(module),
            ),
        },
        _ => SqliteError::Sql {
            action,
            module,
            source: Box::new(source),
        }
        .into(),
    }
}

impl From<SqliteError> for StoreError {
    fn from(err: SqliteError) -> Self {
        // The text says what failed; rusqlite's error stays a source of its
        // own, so no report prints it twice.
        let what = err.to_string();
        match err {
            SqliteError::Sql { source, .. } => StoreError::backend(BACKEND, what, *source),
            SqliteError::MissingColumn { .. } | SqliteError::NotDurable { .. } => {
                StoreError::backend_failure(BACKEND, what)
            }
        }
    }
}
