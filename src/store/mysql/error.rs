//! The MySQL store's own detailed errors, and how they map into
//! [`StoreError`]. No text here holds the password: the URL is shown
//! without it, and the server's messages never carry it.

use std::time::Duration;

use super::cause;
use super::url::UrlError;
use crate::ids::ModuleId;
use crate::store::sql_error::{because, for_module, MissingColumn};
use crate::store::StoreError;

/// The name the MySQL store reports itself under.
pub(super) const BACKEND: &str = "mysql";

/// Server error codes the store acts on.
pub(super) mod code {
    /// `ER_DBACCESS_DENIED_ERROR`: the user may not use the database.
    pub(crate) const DATABASE_DENIED: u16 = 1044;
    /// `ER_ACCESS_DENIED_ERROR`: wrong user name or password.
    pub(crate) const ACCESS_DENIED: u16 = 1045;
    /// `ER_BAD_DB_ERROR`: no such database.
    pub(crate) const UNKNOWN_DATABASE: u16 = 1049;
    /// `ER_TABLEACCESS_DENIED_ERROR`: a statement the user may not run on a table.
    pub(crate) const TABLE_DENIED: u16 = 1142;
    /// `ER_NO_SUCH_TABLE`: the table does not exist.
    pub(crate) const NO_SUCH_TABLE: u16 = 1146;
    /// `ER_LOCK_WAIT_TIMEOUT`: a row lock stayed held past the timeout.
    pub(crate) const LOCK_WAIT_TIMEOUT: u16 = 1205;
    /// `ER_LOCK_DEADLOCK`: the transaction was chosen as a deadlock victim
    /// and rolled back.
    pub(crate) const DEADLOCK: u16 = 1213;
    /// `ER_SPECIFIC_ACCESS_DENIED_ERROR`: a statement needs a privilege the
    /// user lacks (SUPER, TRIGGER, …), named in the message.
    pub(crate) const PRIVILEGE_NEEDED: u16 = 1227;
    /// `ER_TRG_ALREADY_EXISTS`: another connection created the trigger first.
    pub(crate) const TRIGGER_EXISTS: u16 = 1359;
    /// `ER_TRG_DOES_NOT_EXIST`: no trigger of that name.
    pub(crate) const NO_SUCH_TRIGGER: u16 = 1360;
    /// `ER_BINLOG_CREATE_ROUTINE_NEED_SUPER`: creating a trigger on a
    /// server with binary logging needs SUPER or
    /// `log_bin_trust_function_creators`.
    pub(crate) const BINLOG_NEEDS_SUPER: u16 = 1419;
}

/// What went wrong inside the MySQL store.
#[derive(Debug, thiserror::Error)]
pub(super) enum MysqlError {
    /// The URL cannot be used.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// No connection could be made (refused, unreachable, timed out).
    #[error("could not connect to the MySQL server at {address}: {problem}")]
    Connect {
        /// `host:port`.
        address: String,
        /// What happened, and what to check.
        problem: String,
        /// The client's error.
        source: Box<mysql::Error>,
    },
    /// The server refused the user name and password.
    #[error(
        "the MySQL server at {address} refused the login of user {user}: wrong user name or \
         password, or the user may not connect from this host; check the user and password in \
         the URL"
    )]
    Login {
        /// `host:port`.
        address: String,
        /// The user name (never the password).
        user: String,
        /// The server's error.
        source: Box<mysql::Error>,
    },
    /// The database named in the URL does not exist.
    #[error(
        "database {database} does not exist on the MySQL server at {address}; create it \
         (CREATE DATABASE) or name an existing one in the URL"
    )]
    NoDatabase {
        /// `host:port`.
        address: String,
        /// The database.
        database: String,
        /// The server's error.
        source: Box<mysql::Error>,
    },
    /// The user may not use the database.
    #[error(
        "user {user} may not use database {database} on the MySQL server at {address}; grant \
         it SELECT, INSERT, UPDATE, DELETE and TRIGGER there (and CREATE while tables are \
         missing)"
    )]
    DatabaseDenied {
        /// `host:port`.
        address: String,
        /// The user name.
        user: String,
        /// The database.
        database: String,
        /// The server's error.
        source: Box<mysql::Error>,
    },
    /// The user lacks the TRIGGER privilege the store needs to create its
    /// revision triggers.
    #[error(
        "user {user} lacks the TRIGGER privilege on table {table}, which the store needs to \
         create the triggers that move revisions; grant it (GRANT TRIGGER ON \
         {database}.{table} TO the user) or have a user who holds it open the store once"
    )]
    TriggerPrivilege {
        /// The user name.
        user: String,
        /// The database.
        database: String,
        /// The table.
        table: &'static str,
        /// The server's error.
        source: Box<mysql::Error>,
    },
    /// Creating a trigger on a server that writes a binary log needs SUPER
    /// or `log_bin_trust_function_creators`.
    #[error(
        "the MySQL server writes a binary log, so creating the revision trigger {trigger} \
         needs the SUPER privilege or the server setting log_bin_trust_function_creators=1; \
         set it (SET GLOBAL log_bin_trust_function_creators = 1, and in the server's \
         configuration) or have a user with SUPER open the store once (creating them also \
         needs the TRIGGER privilege on the table)"
    )]
    BinlogTriggers {
        /// The trigger.
        trigger: String,
        /// The server's error.
        source: Box<mysql::Error>,
    },
    /// A Bitrix table made by someone else lacks a column the layout
    /// needs.
    #[error(transparent)]
    MissingColumn(#[from] MissingColumn),
    /// A table is kept by an engine without transactions, where a batch
    /// could land half-way.
    #[error(
        "table {table} uses the {engine} storage engine, which has no transactions, so a batch \
         could land half-way; convert it (ALTER TABLE {table} ENGINE=InnoDB)"
    )]
    NotTransactional {
        /// The table.
        table: String,
        /// Its engine.
        engine: String,
    },
    /// Stored data that cannot be read as records (or a conflict found
    /// under the commit's lock), reported as it is (boxed: it is large).
    #[error(transparent)]
    Stored(Box<StoreError>),
    /// A statement failed.
    #[error("could not {action}{}{}", for_module(*module), because(cause.as_deref()))]
    Sql {
        /// What was being done, as a verb phrase.
        action: &'static str,
        /// The module it was done for, if any.
        module: Option<ModuleId>,
        /// What the server's error means, in words, when its code says
        /// more than "it failed".
        cause: Option<String>,
        /// The client's error (boxed: errors travel by value), with any
        /// stored data the server quoted removed.
        source: Box<mysql::Error>,
    },
}

impl MysqlError {
    /// Wraps a failure of `action` done for `module`, if any.
    pub(super) fn sql(
        action: &'static str,
        module: Option<ModuleId>,
    ) -> impl Fn(mysql::Error) -> MysqlError {
        move |source| MysqlError::Sql {
            action,
            module,
            cause: cause::explain(&source),
            source: Box::new(cause::without_quoted_data(source)),
        }
    }

    /// The server code of the error, if the server sent one.
    pub(super) fn server_code(&self) -> Option<u16> {
        match self {
            MysqlError::Sql { source, .. } => server_code(source),
            _ => None,
        }
    }

    /// Whether the connection the error came from can no longer be used
    /// (lost, timed out, out of step with the server).
    pub(super) fn broke_connection(&self) -> bool {
        match self {
            MysqlError::Sql { source, .. } | MysqlError::Connect { source, .. } => {
                is_connection_error(source)
            }
            _ => false,
        }
    }

    /// The public error: a lock held past the timeout, a deadlock that
    /// kept coming back and a server that cannot be reached are
    /// `Unavailable`; anything else is a `Backend` failure.
    pub(super) fn into_store_error(self, lock_wait: Duration) -> StoreError {
        let server_code = self.server_code();
        match self {
            MysqlError::Sql { action, module, .. }
                if server_code == Some(code::LOCK_WAIT_TIMEOUT) =>
            {
                StoreError::Unavailable {
                    backend: BACKEND,
                    reason: format!(
                        "a row lock stayed held by another connection for more than {} s while \
                         trying to {action}{}",
                        lock_wait.as_secs(),
                        for_module(module)
                    ),
                }
            }
            MysqlError::Sql { action, module, .. } if server_code == Some(code::DEADLOCK) => {
                StoreError::Unavailable {
                    backend: BACKEND,
                    reason: format!(
                        "the server broke a deadlock with another connection by rolling back \
                         this one, again and again for {} s, while trying to {action}{}",
                        lock_wait.as_secs(),
                        for_module(module)
                    ),
                }
            }
            MysqlError::Stored(err) => *err,
            connect @ MysqlError::Connect { .. } => StoreError::Unavailable {
                backend: BACKEND,
                reason: connect.to_string(),
            },
            other => other.into(),
        }
    }
}

/// The server's error code, if `err` is an error the server sent.
pub(super) fn server_code(err: &mysql::Error) -> Option<u16> {
    match err {
        mysql::Error::MySqlError(server) => Some(server.code),
        _ => None,
    }
}

/// Whether `err` means the connection is gone or unusable.
fn is_connection_error(err: &mysql::Error) -> bool {
    use mysql::DriverError;
    match err {
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) => true,
        mysql::Error::DriverError(driver) => matches!(
            driver,
            DriverError::ConnectTimeout
                | DriverError::CouldNotConnect(_)
                | DriverError::PacketOutOfSync
                | DriverError::PacketTooLarge
                | DriverError::UnexpectedPacket
                | DriverError::Timeout
        ),
        // Server shutdown, connection killed, disconnected for inactivity.
        mysql::Error::MySqlError(server) => matches!(server.code, 1053 | 1927 | 4031),
        _ => false,
    }
}

impl From<StoreError> for MysqlError {
    fn from(err: StoreError) -> Self {
        MysqlError::Stored(Box::new(err))
    }
}

impl From<MysqlError> for StoreError {
    fn from(err: MysqlError) -> Self {
        // The text says what failed; the underlying error stays a source of
        // its own, so no report prints it twice.
        let what = err.to_string();
        match err {
            MysqlError::Sql { source, .. }
            | MysqlError::Connect { source, .. }
            | MysqlError::Login { source, .. }
            | MysqlError::NoDatabase { source, .. }
            | MysqlError::DatabaseDenied { source, .. }
            | MysqlError::BinlogTriggers { source, .. }
            | MysqlError::TriggerPrivilege { source, .. } => {
                StoreError::backend(BACKEND, what, *source)
            }
            MysqlError::Stored(err) => *err,
            MysqlError::Url(_)
            | MysqlError::MissingColumn(_)
            | MysqlError::NotTransactional { .. } => StoreError::backend_failure(BACKEND, what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16, message: &str) -> mysql::Error {
        mysql::Error::MySqlError(mysql::MySqlError {
            state: "HY000".into(),
            message: message.into(),
            code,
        })
    }

    #[test]
    fn a_lock_wait_timeout_is_unavailable_and_names_the_wait() {
        let err = MysqlError::sql(
            "lock the module's revision",
            Some(ModuleId::from_static("video")),
        )(server(
            code::LOCK_WAIT_TIMEOUT,
            "Lock wait timeout exceeded",
        ));
        let err = err.into_store_error(Duration::from_secs(5));
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the mysql store is unavailable: a row lock stayed held by another connection for \
             more than 5 s while trying to lock the module's revision (module video); try again \
             later"
        );
    }

    #[test]
    fn other_failures_are_backend_errors_with_the_cause_as_source() {
        let err = MysqlError::sql("read the rows", None)(server(
            1054,
            "Unknown column 'X' in 'field list'",
        ))
        .into_store_error(Duration::from_secs(5));
        assert_eq!(err.to_string(), "mysql store: could not read the rows");
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.to_string().contains("1054"), "{source}");
    }

    #[test]
    fn lost_connections_are_told_apart() {
        let io = mysql::Error::IoError(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(MysqlError::sql("x", None)(io).broke_connection());
        assert!(!MysqlError::sql("x", None)(server(1062, "Duplicate entry")).broke_connection());
    }
}
