//! The SQLite store's own detailed errors, and how they map into
//! [`StoreError`].

use std::time::Duration;

use rusqlite::ErrorCode;

use crate::store::StoreError;

/// The name the SQLite store reports itself under.
pub(super) const BACKEND: &str = "sqlite";

/// What went wrong inside the SQLite store.
#[derive(Debug, thiserror::Error)]
pub(super) enum SqliteError {
    /// A statement failed.
    #[error("could not {action}: {source}")]
    Sql {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// rusqlite's error.
        source: rusqlite::Error,
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

/// Turns a rusqlite error from `action` into a [`StoreError`]: a database
/// that stayed busy past the timeout is `Unavailable`, anything else is a
/// `Backend` failure.
pub(super) fn sql(
    action: &'static str,
    busy_timeout: Duration,
) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable {
            backend: BACKEND,
            reason: format!(
                "the database stayed locked by another connection for more than {} ms while \
                 trying to {action}",
                busy_timeout.as_millis()
            ),
        },
        _ => StoreError::backend(BACKEND, SqliteError::Sql { action, source }),
    }
}

impl From<SqliteError> for StoreError {
    fn from(err: SqliteError) -> Self {
        StoreError::backend(BACKEND, err)
    }
}
