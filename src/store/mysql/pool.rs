//! The store's connections: a few for readers, taken and given back, and
//! one for the writer, so that a reader never waits for a commit's
//! connection. Every connection is owned by the store and used by one
//! thread at a time; one that broke (the server restarted, a timeout) is
//! dropped and replaced on next use.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use mysql::Conn;

use super::error::MysqlError;
use super::session;
use super::url::ServerUrl;

/// How many idle reader connections are kept; more are opened when more
/// threads read at once, and closed when given back beyond this.
const IDLE_READERS: usize = 4;

/// Connections to one database.
pub(super) struct Connections {
    pub(super) url: ServerUrl,
    pub(super) lock_wait: Duration,
    idle: Mutex<Vec<Conn>>,
    writer: Mutex<Option<Conn>>,
}

impl Connections {
    /// Connections to `url`, with `first` (already open) as the first idle
    /// reader.
    pub(super) fn new(url: ServerUrl, lock_wait: Duration, first: Conn) -> Self {
        Connections {
            url,
            lock_wait,
            idle: Mutex::new(vec![first]),
            writer: Mutex::new(None),
        }
    }

    /// Opens a new connection with the store's session settings.
    pub(super) fn open(&self) -> Result<Conn, MysqlError> {
        session::open(&self.url, self.lock_wait)
    }

    /// Runs `read` on a reader connection. A connection that had been idle
    /// and turns out broken is replaced and `read` tried once more on a
    /// fresh one (reads change nothing, so trying again is safe).
    pub(super) fn read<T>(
        &self,
        mut read: impl FnMut(&mut Conn) -> Result<T, MysqlError>,
    ) -> Result<T, MysqlError> {
        let mut reused = self.idle().pop();
        loop {
            let was_idle = reused.is_some();
            let mut conn = match reused.take() {
                Some(conn) => conn,
                None => self.open()?,
            };
            match read(&mut conn) {
                Err(err) if err.broke_connection() => {
                    drop(conn);
                    if !was_idle {
                        return Err(err);
                    }
                }
                result => {
                    let mut idle = self.idle();
                    if idle.len() < IDLE_READERS {
                        idle.push(conn);
                    }
                    return result;
                }
            }
        }
    }

    /// The writer's connection slot, held for the whole commit; empty until
    /// the first commit and after a connection broke.
    pub(super) fn writer(&self) -> MutexGuard<'_, Option<Conn>> {
        // A panic during a commit dropped its transaction, which rolled it
        // back; the connection itself is still usable.
        crate::sync::lock(&self.writer)
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Conn>> {
        crate::sync::lock(&self.idle)
    }
}
