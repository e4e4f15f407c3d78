//! [`Session`]: one of the store's connections (it has one for reads and
//! one for commits), made when needed and made again after it was lost,
//! with its prepared statements.
//!
//! A session lives on its connection's thread only (see `worker`):
//! the sync client runs a small async runtime of its own inside, which
//! must neither start nor stop on an async runtime's thread.

use std::collections::HashMap;
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

use super::error::PgError;
use super::url::Target;
use crate::ids::ModuleId;

/// A connection, its prepared statements, and what is set on it.
pub(super) struct Session {
    target: Target,
    client: Option<Client>,
    statements: HashMap<&'static str, Statement>,
    lock_timeout: Duration,
}

impl Session {
    /// A session on `target`, not connected yet.
    pub(super) fn new(target: Target, lock_timeout: Duration) -> Self {
        Session {
            target,
            client: None,
            statements: HashMap::new(),
            lock_timeout,
        }
    }

    /// Where the session connects.
    pub(super) fn target(&self) -> &Target {
        &self.target
    }

    /// The connection, made first if there is none. A connection that
    /// was lost stays until [`disconnect`](Self::disconnect): its
    /// statements fail, so that no transaction goes on, unnoticed, on a
    /// new connection.
    fn client(&mut self) -> Result<&mut Client, PgError> {
        if self.client.is_none() {
            self.client = Some(self.open()?);
        }
        self.client.as_mut().ok_or(PgError::WorkerGone)
    }

    /// Connects now, if not connected: to report a server that cannot be
    /// reached when the store is made rather than at its first call.
    pub(super) fn connect(&mut self) -> Result<(), PgError> {
        self.client().map(drop)
    }

    fn open(&self) -> Result<Client, PgError> {
        let mut client = self
            .target
            .config()
            .connect(NoTls)
            .map_err(|err| PgError::connect(&self.target, err))?;
        client
            .batch_execute(&lock_timeout(self.lock_timeout))
            .map_err(PgError::sql("set the lock timeout", None))?;
        Ok(client)
    }

    /// Whether the connection was lost (the server ended it, the network
    /// failed): the next call must [`disconnect`](Self::disconnect) and
    /// make a new one.
    pub(super) fn is_lost(&self) -> bool {
        self.client.as_ref().is_some_and(Client::is_closed)
    }

    /// Closes the connection (if any); the next statement makes a new one.
    pub(super) fn disconnect(&mut self) {
        self.statements.clear();
        self.client = None;
    }

    /// Runs `sql` (prepared once per connection and kept) with `params`,
    /// and returns its rows; a failure is one of `action` done for
    /// `module`.
    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        action: &'static str,
        module: Option<ModuleId>,
    ) -> Result<Vec<Row>, PgError> {
        let statement = self.prepare(sql, action, module)?;
        self.client()?
            .query(&statement, params)
            .map_err(PgError::sql(action, module))
    }

    /// [`query`](Self::query) for a statement that returns no rows: the
    /// number of rows it changed.
    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        action: &'static str,
        module: Option<ModuleId>,
    ) -> Result<u64, PgError> {
        let statement = self.prepare(sql, action, module)?;
        self.client()?
            .execute(&statement, params)
            .map_err(PgError::sql(action, module))
    }

    /// Runs statements without parameters (`BEGIN`, `COMMIT`, DDL).
    pub(super) fn batch(
        &mut self,
        sql: &str,
        action: &'static str,
        module: Option<ModuleId>,
    ) -> Result<(), PgError> {
        self.client()?
            .batch_execute(sql)
            .map_err(PgError::sql(action, module))
    }

    fn prepare(
        &mut self,
        sql: &'static str,
        action: &'static str,
        module: Option<ModuleId>,
    ) -> Result<Statement, PgError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client()?
            .prepare(sql)
            .map_err(PgError::sql(action, module))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// Forgets the prepared statements, which a changed table may have made
    /// stale; they are prepared again when next used.
    pub(super) fn forget_statements(&mut self) {
        self.statements.clear();
    }

    /// Sets the lock timeout, now and on every later connection.
    pub(super) fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), PgError> {
        self.lock_timeout = timeout;
        self.batch(&lock_timeout(timeout), "set the lock timeout", None)
    }
}

/// The statement that makes the server give up waiting for a lock after
/// `timeout` (at least a millisecond: zero would mean "wait forever").
fn lock_timeout(timeout: Duration) -> String {
    let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
    format!("SET lock_timeout = {millis}")
}
