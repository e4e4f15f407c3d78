//! Opening one connection and setting up its session the way the store
//! relies on, whatever the server's defaults are.

use std::io::ErrorKind;
use std::time::Duration;

use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder};

use super::error::{code, MysqlError};
use super::url::ServerUrl;
use crate::store::sql_error::network_problem;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one read or write on the socket may take before the connection
/// counts as lost: well above any lock wait, so only a hung server or
/// network meets it.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// The socket timeout for a session whose lock waits last up to
/// `lock_wait`: [`IO_TIMEOUT`], or the lock wait and half a minute more.
fn io_timeout(lock_wait: Duration) -> Duration {
    IO_TIMEOUT.max(lock_wait.saturating_add(Duration::from_secs(30)))
}

/// How many prepared statements a connection keeps (the store uses about
/// twenty).
const STATEMENT_CACHE: usize = 64;

/// Opens a connection to `url` and sets up its session: utf8mb4, strict
/// SQL mode (a site id or name too long for its column is an error, never
/// cut short — Bitrix sites often run with a lenient global mode),
/// autocommit on (a server whose sessions start with it off would keep
/// the poll's and the readers' plain reads in one never-ending snapshot),
/// and `lock_wait` as the limit of every wait for a row or table lock.
pub(super) fn open(url: &ServerUrl, lock_wait: Duration) -> Result<Conn, MysqlError> {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(url.host.as_str()))
        .tcp_port(url.port)
        .user(url.user.as_deref())
        .pass(url.password.as_ref().map(|word| word.expose()))
        .db_name(Some(url.database.as_str()))
        // The client would otherwise switch to the server's Unix socket
        // when the host is this machine, and log in as another account
        // (user@localhost instead of user@127.0.0.1).
        .prefer_socket(false)
        .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
        // Above the lock wait too: a commit waiting for a row lock longer
        // than the socket allows would count as a lost connection and be
        // retried while its old session still held the lock.
        .read_timeout(Some(io_timeout(lock_wait)))
        .write_timeout(Some(io_timeout(lock_wait)))
        .stmt_cache_size(STATEMENT_CACHE)
        // Affected rows count the rows an UPDATE matched, not only those it
        // changed: an update to the same value is still "found", so the
        // store does not insert a second row beside it.
        .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS);
    let mut conn = Conn::new(opts).map_err(|err| connect_error(url, err))?;
    let seconds = lock_wait.as_secs().max(1);
    conn.query_drop("SET NAMES utf8mb4")
        .and_then(|()| {
            conn.query_drop(format!(
                "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', \
                 SESSION innodb_lock_wait_timeout = {seconds}, \
                 SESSION lock_wait_timeout = {seconds}, \
                 SESSION autocommit = 1"
            ))
        })
        .map_err(MysqlError::sql("set up the session", None))?;
    Ok(conn)
}

/// Whether the server writes a binary log in statement format, where
/// InnoDB refuses writes in READ COMMITTED transactions.
pub(super) fn logs_statements(conn: &mut Conn) -> Result<bool, MysqlError> {
    let row: Option<(Option<i64>, Option<String>)> = conn
        .query_first("SELECT @@log_bin, @@binlog_format")
        .map_err(MysqlError::sql("read the binary log settings", None))?;
    Ok(matches!(row, Some((Some(1), Some(format))) if format.eq_ignore_ascii_case("STATEMENT")))
}

/// The connection error in words that say what to fix.
fn connect_error(url: &ServerUrl, err: mysql::Error) -> MysqlError {
    let address = url.address();
    let code = match &err {
        mysql::Error::MySqlError(server) => Some(server.code),
        _ => None,
    };
    let source = Box::new(err);
    match code {
        Some(code::ACCESS_DENIED) => {
            return MysqlError::Login {
                address,
                user: url.user_shown().to_owned(),
                source,
            }
        }
        Some(code::UNKNOWN_DATABASE) => {
            return MysqlError::NoDatabase {
                address,
                database: url.database.clone(),
                source,
            }
        }
        Some(code::DATABASE_DENIED) => {
            return MysqlError::DatabaseDenied {
                address,
                user: url.user_shown().to_owned(),
                database: url.database.clone(),
                source,
            }
        }
        _ => {}
    }
    let problem = match &*source {
        mysql::Error::DriverError(DriverError::CouldNotConnect(Some((_, _, kind)))) => {
            network_problem(*kind, CONNECT_TIMEOUT)
        }
        mysql::Error::DriverError(DriverError::ConnectTimeout) => {
            network_problem(ErrorKind::TimedOut, CONNECT_TIMEOUT)
        }
        mysql::Error::MySqlError(server) => format!("the server refused the connection ({server})"),
        _ => network_problem(ErrorKind::Other, CONNECT_TIMEOUT),
    };
    MysqlError::Connect {
        address,
        problem,
        source,
    }
}
