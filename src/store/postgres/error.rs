//! The PostgreSQL store's own detailed errors, and how they map into
//! [`StoreError`]: what failed and why, in words, with the server's error
//! kept as the source — without its `DETAIL` line, which may quote a
//! row's values (and so a secret option).

use std::error::Error as StdError;
use std::fmt;
use std::io;

use postgres::error::SqlState;

use super::url::{Endpoint, Target, UrlError};
use crate::ids::ModuleId;
use crate::store::sql_error::{for_module, network_problem, MissingColumn};
use crate::store::StoreError;

/// The name the PostgreSQL store reports itself under.
pub(super) const BACKEND: &str = "postgres";

/// What went wrong inside the PostgreSQL store.
#[derive(Debug, thiserror::Error)]
pub(super) enum PgError {
    /// The URL cannot be used.
    #[error("{0}")]
    Url(#[from] UrlError),
    /// No connection could be made.
    #[error("could not connect to {endpoint}: {cause}")]
    Connect {
        /// Where (never with the password).
        endpoint: Endpoint,
        /// Why, in words, with what to fix.
        cause: String,
        /// The client's error.
        source: postgres::Error,
    },
    /// A statement failed.
    #[error("could not {action}{}: {cause}", for_module(*module))]
    Sql {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// The module it was done for, if any.
        module: Option<ModuleId>,
        /// Why, in words.
        cause: String,
        /// The client's error.
        source: postgres::Error,
    },
    /// A table made by someone else lacks a column the layout needs
    /// (named in lower case, as Bitrix's unquoted DDL makes it).
    #[error(transparent)]
    MissingColumn(#[from] MissingColumn),
    /// The connection's search path names no schema that exists, so there
    /// is nowhere to create the tables.
    #[error(
        "the connection has no schema to create tables in (its search_path names none that \
         exists); create one or set search_path, e.g. with ?options=-c%20search_path%3Dpublic"
    )]
    NoSchema,
    /// The connection's thread stopped (a panic inside the store).
    #[error("the store's connection thread stopped; open the store again")]
    WorkerGone,
}

impl PgError {
    /// Wraps a failure of `action` done for `module`, if any.
    pub(super) fn sql(
        action: &'static str,
        module: Option<ModuleId>,
    ) -> impl Fn(postgres::Error) -> PgError {
        move |source| PgError::Sql {
            action,
            module,
            cause: explain(&source),
            source,
        }
    }

    /// The connection to `target` was refused or made impossible by the
    /// server.
    pub(super) fn connect(target: &Target, source: postgres::Error) -> PgError {
        PgError::Connect {
            cause: explain_connect(&source, target),
            endpoint: target.endpoint().clone(),
            source,
        }
    }

    /// Whether the connection is gone (lost, terminated, refused): trying
    /// again on a new connection may succeed.
    pub(super) fn is_connection_lost(&self) -> bool {
        match self {
            PgError::Connect { source, .. } | PgError::Sql { source, .. } => lost(source),
            _ => false,
        }
    }

    /// Whether the server gave up the transaction to break a deadlock or a
    /// serialization conflict: running it again may succeed.
    pub(super) fn is_retryable(&self) -> bool {
        matches!(
            self.code(),
            Some(code) if *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
        )
    }

    fn code(&self) -> Option<&SqlState> {
        match self {
            PgError::Connect { source, .. } | PgError::Sql { source, .. } => source.code(),
            _ => None,
        }
    }

    /// The public error: waits past a timeout, a lost connection and a
    /// server that cannot be reached are `Unavailable`; anything else is a
    /// `Backend` failure with the server's error (its message, not its
    /// details) as the source.
    pub(super) fn into_store_error(self) -> StoreError {
        let unavailable = self.is_connection_lost()
            || self.is_retryable()
            || matches!(
                self.code(),
                Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE
                    || *code == SqlState::QUERY_CANCELED
                    || *code == SqlState::CANNOT_CONNECT_NOW
                    || *code == SqlState::TOO_MANY_CONNECTIONS
            );
        let what = self.to_string();
        if unavailable {
            return StoreError::Unavailable {
                backend: BACKEND,
                reason: what,
            };
        }
        match self {
            PgError::Connect { source, .. } | PgError::Sql { source, .. } => {
                match ServerError::of(&source) {
                    Some(server) => StoreError::backend(BACKEND, what, server),
                    None => StoreError::backend(BACKEND, what, source),
                }
            }
            PgError::Url(_)
            | PgError::MissingColumn(_)
            | PgError::NoSchema
            | PgError::WorkerGone => StoreError::backend_failure(BACKEND, what),
        }
    }
}

impl From<PgError> for StoreError {
    fn from(err: PgError) -> Self {
        err.into_store_error()
    }
}

/// Whether `err` says the connection is gone.
fn lost(err: &postgres::Error) -> bool {
    if err.is_closed() || io_error(err).is_some() {
        return true;
    }
    match err.code() {
        // Class 08: connection exception; 57P01–57P03: the server shut
        // the session down or is restarting.
        Some(code) => {
            code.code().starts_with("08")
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        None => false,
    }
}

/// The I/O error under `err`, if that is what it is.
fn io_error(err: &postgres::Error) -> Option<&io::Error> {
    let mut source = err.source();
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<io::Error>() {
            return Some(io);
        }
        source = current.source();
    }
    None
}

/// Why a connection to `target` failed, with what to fix.
fn explain_connect(err: &postgres::Error, target: &Target) -> String {
    let endpoint = target.endpoint();
    if let Some(io) = io_error(err) {
        return match io.kind() {
            io::ErrorKind::NotFound => format!(
                "no server socket at {}: is the server running, and is this its socket \
                 directory?",
                endpoint.address()
            ),
            kind => network_problem(kind, target.connect_timeout()),
        };
    }
    match err.code() {
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            format!(
                "the server refused user {} with the password given (or without one): check \
                 the user name and the password in the URL, and the server's pg_hba.conf",
                endpoint.user()
            )
        }
        Some(code) if *code == SqlState::UNDEFINED_DATABASE => format!(
            "the server has no database {}: create it, or name one that exists",
            endpoint.dbname()
        ),
        Some(code) if *code == SqlState::TOO_MANY_CONNECTIONS => {
            "the server has no free connection slot: raise max_connections or close idle \
             connections"
                .to_owned()
        }
        Some(code) if *code == SqlState::CANNOT_CONNECT_NOW => {
            "the server is starting up or shutting down".to_owned()
        }
        Some(_) => "the server refused the connection".to_owned(),
        None if err.is_closed() => "the server closed the connection".to_owned(),
        None => "the connection could not be set up".to_owned(),
    }
}

/// Why a statement failed, in words, for the errors whose code says more
/// than "it failed".
fn explain(err: &postgres::Error) -> String {
    if lost(err) {
        return "the connection to the server was lost".to_owned();
    }
    let Some(code) = err.code() else {
        return "the client failed".to_owned();
    };
    let db = err.as_db_error();
    let column = db.and_then(|db| db.column()).unwrap_or("a column");
    let table = db.and_then(|db| db.table()).unwrap_or("the table");
    let constraint = db.and_then(|db| db.constraint()).unwrap_or("a constraint");
    match code {
        c if *c == SqlState::INSUFFICIENT_PRIVILEGE => "permission denied: creating the tables \
             and functions needs CREATE on the schema, creating the triggers TRIGGER on Bitrix's \
             tables (or owning them), reading and writing SELECT, INSERT, UPDATE and DELETE on \
             the four tables and SELECT and INSERT on b_event_log"
            .to_owned(),
        c if *c == SqlState::STRING_DATA_RIGHT_TRUNCATION => "a value is longer than its column \
             allows (in Bitrix's own tables SITE_ID is char(2): a site id of more than two \
             characters does not fit)"
            .to_owned(),
        c if *c == SqlState::NUMERIC_VALUE_OUT_OF_RANGE => "a number does not fit its column \
             (in Bitrix's own tables GROUP_ID and USER_ID are int: a group or user id above \
             2147483647 does not fit)"
            .to_owned(),
        c if *c == SqlState::UNIQUE_VIOLATION => {
            format!("another row of {table} already has the same key, which {constraint} forbids")
        }
        c if *c == SqlState::NOT_NULL_VIOLATION => format!(
            "column {column} of {table} is NOT NULL without a default, and the store does not \
             write it; give the column a default"
        ),
        c if *c == SqlState::CHECK_VIOLATION => {
            format!("the CHECK constraint {constraint} of {table} refused the row")
        }
        c if *c == SqlState::RAISE_EXCEPTION => {
            "a trigger or rule on the table refused the change".to_owned()
        }
        c if *c == SqlState::LOCK_NOT_AVAILABLE => {
            "another connection held a lock it needs past the lock timeout".to_owned()
        }
        c if *c == SqlState::QUERY_CANCELED => "the statement was cancelled".to_owned(),
        c if *c == SqlState::T_R_DEADLOCK_DETECTED => {
            "it kept deadlocking with another connection's transaction".to_owned()
        }
        c if *c == SqlState::T_R_SERIALIZATION_FAILURE => {
            "it kept conflicting with another connection's transaction".to_owned()
        }
        c if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_COLUMN => {
            "a table or column it needs is missing (was it dropped while the store was open?)"
                .to_owned()
        }
        c if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
            "the server is read-only (a standby?): connect to the primary".to_owned()
        }
        c if *c == SqlState::DISK_FULL => "the server's disk is full".to_owned(),
        _ => format!("the server answered {}", code.code()),
    }
}

/// The server's error, kept as a source without its `DETAIL`, `HINT` and
/// `WHERE` lines: a detail may quote a row, and a row may hold a secret.
#[derive(Debug)]
pub(super) struct ServerError {
    severity: String,
    code: String,
    message: String,
}

impl ServerError {
    fn of(err: &postgres::Error) -> Option<Self> {
        let db = err.as_db_error()?;
        Some(ServerError {
            severity: db.severity().to_owned(),
            code: db.code().code().to_owned(),
            message: db.message().to_owned(),
        })
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.severity, self.code, self.message)
    }
}

impl StdError for ServerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_without_a_server_error_are_backend_failures_with_their_text() {
        let err: StoreError = PgError::from(MissingColumn {
            table: "b_option",
            column: "value",
        })
        .into();
        assert_eq!(
            err.to_string(),
            "postgres store: table b_option exists but has no column value; add it or point the \
             store at a database with Bitrix's layout"
        );
        let gone: StoreError = PgError::WorkerGone.into();
        assert!(gone.to_string().contains("open the store again"), "{gone}");
    }
}
