//! [`MysqlStore`]: Bitrix's own tables on a MySQL 8 or MariaDB 10.6+
//! server, shared with Bitrix's PHP and with other app servers.

mod cause;
mod commit;
mod error;
mod pool;
mod read;
mod schema;
mod session;
mod statements;
mod triggers;
mod url;
mod write;

use std::fmt;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::IsolationLevel;

use self::error::MysqlError;
use self::pool::Connections;
use self::statements::Statements;
use self::url::ServerUrl;
use super::{Change, Precondition, Revision, Snapshot, Store, StoreError};
use crate::ids::ModuleId;

/// How long a statement waits for another connection's row or table lock
/// by default.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// The longest lock wait the server takes (`innodb_lock_wait_timeout` is at
/// most 1073741824 s); longer ones are clamped to it.
const MAX_LOCK_WAIT: Duration = Duration::from_secs(1_073_741_824);

/// A store in a MySQL or MariaDB database with Bitrix's table layout —
/// typically a live Bitrix site's own database:
///
/// | what | where |
/// |------|-------|
/// | common option values | `b_option(MODULE_ID, NAME, VALUE, DESCRIPTION, SITE_ID)`, `SITE_ID` NULL |
/// | site option values | `b_option_site(MODULE_ID, NAME, SITE_ID, VALUE)` |
/// | default level | option `GROUP_DEFAULT_RIGHT` of the module, common or per site |
/// | grants | `b_module_group(ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID)`, `SITE_ID` NULL for common |
/// | revisions (ours) | `module_settings_revision(MODULE_ID, REVISION)` |
///
/// **Connecting**: [`connect`](MysqlStore::connect) takes a URL,
/// `mysql://user:password@host:port/database` (port 3306 by default; user,
/// password and database percent-encoded where needed). The password is
/// never shown: `Debug` and every error print the URL with `******` in its
/// place. The connection is plain TCP, without TLS: use the store on a
/// trusted network, or through a tunnel. Errors say what to fix in one
/// line: a refused connection, a wrong user or password, a missing
/// database, a missing privilege.
///
/// **Tables**: connecting creates the tables that are missing (InnoDB,
/// utf8mb4, Bitrix's columns and keys); tables that exist — Bitrix's own,
/// extra columns allowed — are checked for the columns above and for the
/// InnoDB engine (a batch must land whole), and never altered or dropped.
/// Tables the store creates differ from Bitrix's in three details, so that
/// every id the crate accepts fits and compares as on the other stores:
/// `NAME` compares exactly (a binary collation), `SITE_ID` holds 32
/// characters (Bitrix's holds 2), `GROUP_ID` is unsigned. On Bitrix's own
/// tables a longer site id or a group id above 2147483647 is refused with
/// an error naming the column, and two option names that the table's
/// collation takes for one (`ServerHost`, `serverhost`) cannot both be
/// stored: writing the second fails with an error, nothing is overwritten.
///
/// **Triggers**: besides missing tables and its revision table, the store
/// adds nine triggers to the database (`AFTER INSERT`, `UPDATE` and `DELETE`
/// on each of the three Bitrix tables, named
/// `module_settings_revision_after_{event}_on_{table}`). Each insert,
/// update or delete of a row — by Bitrix's PHP, an SQL console, anyone —
/// adds one to the revision of the row's module (both modules when an
/// update moves a row), so [`revision`](Store::revision) notices a grant
/// revoked behind the store's back and a commit based on an older load
/// fails with [`StoreError::Conflict`] instead of overwriting it. A
/// trigger fires once per row; the store's own commit lets them fire and
/// then sets the revision to exactly `expected + 1`, so each commit through
/// a store counts one. Rows under an id that no module can have move no
/// revision. To remove the triggers, drop them (`DROP TRIGGER …`); the
/// store creates them again the next time it connects.
///
/// **Privileges**: the user needs SELECT, INSERT, UPDATE and DELETE on the
/// four tables, and CREATE while tables are missing. Creating the triggers
/// needs the TRIGGER privilege on the three Bitrix tables and, on a server
/// that writes a binary log, SUPER or the setting
/// `log_bin_trust_function_creators=1`. Once they exist, neither is needed:
/// an administrator can open the store once, and the application run as a
/// user without them (the store then confirms each trigger by name). A
/// missing privilege is an error that names it.
///
/// **Concurrency**: a commit is one InnoDB transaction. It locks the
/// module's revision row and checks the expected revision and the
/// [preconditions](Store::commit_guarded) under that lock, reading each
/// guard module's revision with a shared lock (rows are locked in
/// module-id order, so commits cannot deadlock on them): a revocation that
/// another connection committed first always stops the commit. When
/// InnoDB breaks a deadlock with another program's transaction by rolling
/// the commit back, the commit is tried again; a lock held longer than the
/// lock-wait timeout (5 s by default) ends it with
/// [`StoreError::Unavailable`]. A load is one read-only transaction on a
/// consistent snapshot, so its rows and revision belong together. Readers
/// and the writer use different connections, so a read never waits for a
/// commit: the store keeps one connection for commits and up to four idle
/// ones for reads (opening more while more threads read at once). A
/// connection that broke is replaced on next use; if it broke at the very
/// moment of a commit, the error says the batch may or may not have
/// landed.
///
/// **Durability** is the server's: with InnoDB's defaults
/// (`innodb_flush_log_at_trx_commit=1`, and `sync_binlog=1` where there is
/// a binary log) a commit that returned survives a crash of the server's
/// machine; a server set to flush less often may lose the last second of
/// commits in a power cut, as it does for Bitrix's own writes.
///
/// **Async runtimes**: the client is synchronous and owns its sockets; a
/// store can be created, called and dropped from inside a Tokio runtime
/// (it blocks the calling thread while it waits for the server, as any
/// synchronous store does: call it from `spawn_blocking` where that
/// matters).
///
/// **Change feed**: none ([`watch`](Store::watch) returns `false`): MySQL
/// has no notifications. Polling is cheap instead:
/// [`revision`](Store::revision) is one indexed single-row read, and
/// [`revisions`](MysqlStore::revisions) reads every module's revision in
/// one query, whatever the number of modules.
///
/// **Module and site ids** are matched without regard to case, as Bitrix's
/// collation matches them: rows another program wrote under `Video`
/// belong to module `video`, rows under `S1` load as site `s1`, and a
/// change for `s1` updates or removes the rows under either spelling
/// (every one of them); module ids are written in lower case, new site rows
/// take the spelling given. Option names are matched exactly. A NULL
/// `VALUE` reads as the empty string, a NULL or empty `SITE_ID` as the
/// common scope.
///
/// **Bad rows** are reported as [`StoreError::Corrupt`], naming module,
/// table, column and row, and **unreadable rights** (a level that is not
/// one of D, M, R, W, or rows of one record that disagree — duplicate
/// common-scope grants are possible, the unique key lets NULL site ids
/// repeat) load as [`ModuleRecords::unreadable`](crate::store::ModuleRecords::unreadable)
/// rows; a commit that sets or removes such a record rewrites every row of
/// it. These rules are the SQLite store's, to the letter.
///
/// ```no_run
/// use module_settings::store::{Change, Revision};
/// use module_settings::{AccessLevel, GroupId, ModuleId, MysqlStore, Scope, Store};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MysqlStore::connect("mysql://bitrix:secret@127.0.0.1:3306/sitemanager")?;
/// let video = ModuleId::new("video")?;
/// let current = store.revision(&video)?;
/// let batch = [Change::SetGrant {
///     scope: Scope::Common,
///     group: GroupId::try_from(5u32)?,
///     level: AccessLevel::W,
/// }];
/// store.commit(&video, current, &batch)?;
/// assert_eq!(store.load(&video)?.records.grant(Scope::Common, GroupId::try_from(5u32)?), Some(AccessLevel::W));
/// // One query tells every module's revision, for a poll per tick.
/// for (module, revision) in store.revisions()? {
///     println!("{module} is at revision {revision}");
/// }
/// # Ok(()) }
/// ```
pub struct MysqlStore {
    connections: Connections,
    statements: Statements,
    /// READ COMMITTED, or REPEATABLE READ on a server that logs statements.
    writer_isolation: IsolationLevel,
}

impl MysqlStore {
    /// Connects to the database the URL names
    /// (`mysql://user:password@host:port/database`), creates the tables and
    /// triggers that are missing and checks the others.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the server cannot be reached (refused,
    /// unreachable, no answer within 5 s); [`StoreError::Backend`] for a
    /// URL that is not a `mysql://` URL with a database (or has
    /// parameters), a wrong user or password, a database that does not
    /// exist or that the user may not use, a missing privilege (TRIGGER;
    /// SUPER or `log_bin_trust_function_creators` to create triggers on a
    /// server with a binary log), an existing table without a needed column
    /// or kept by an engine without transactions. No error shows the
    /// password.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let lock_wait = DEFAULT_LOCK_WAIT;
        let mapped = |err: MysqlError| err.into_store_error(lock_wait);
        let url = ServerUrl::parse(url).map_err(|err| mapped(err.into()))?;
        let mut conn = session::open(&url, lock_wait).map_err(mapped)?;
        let matching =
            schema::ensure(&mut conn, url.user_shown(), &url.database).map_err(mapped)?;
        let writer_isolation = if session::logs_statements(&mut conn).map_err(mapped)? {
            IsolationLevel::RepeatableRead
        } else {
            IsolationLevel::ReadCommitted
        };
        Ok(MysqlStore {
            connections: Connections::new(url, lock_wait, conn),
            statements: Statements::new(matching),
            writer_isolation,
        })
    }

    /// Sets how long a statement waits for another connection's row or
    /// table lock before the call fails with [`StoreError::Unavailable`]
    /// (5 s by default). The server counts whole seconds: the timeout is
    /// rounded down, to at least 1 s, and clamped to the server's limit
    /// (about 34 years).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the server refuses the setting.
    pub fn with_lock_wait_timeout(mut self, timeout: Duration) -> Result<Self, StoreError> {
        let timeout = Duration::from_secs(timeout.as_secs().max(1)).min(MAX_LOCK_WAIT);
        self.connections.lock_wait = timeout;
        let seconds = timeout.as_secs();
        // New connections get it when they open; the idle one has it set
        // here.
        self.connections
            .read(|conn| {
                conn.query_drop(format!(
                    "SET SESSION innodb_lock_wait_timeout = {seconds}, \
                     SESSION lock_wait_timeout = {seconds}"
                ))
                .map_err(MysqlError::sql("set the lock wait timeout", None))
            })
            .map_err(|err| err.into_store_error(timeout))?;
        *self.connections.writer() = None;
        Ok(self)
    }

    /// Every module's revision, read in one query whatever the number of
    /// modules: the modules that have a revision (written through a store,
    /// or whose rows another program wrote since the triggers exist),
    /// sorted by id. A module not listed is at [`Revision::ZERO`].
    ///
    /// Meant for polling: a cache that holds many modules compares them all
    /// with one round trip per tick, and reloads only those that moved.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] if the server cannot be reached,
    /// [`StoreError::Corrupt`] for a revision row that cannot be read,
    /// [`StoreError::Backend`] if the query fails.
    pub fn revisions(&self) -> Result<Vec<(ModuleId, Revision)>, StoreError> {
        self.read(read::revisions)
    }

    /// Runs `read` on a reader connection, with errors made public.
    fn read<T>(
        &self,
        read: impl FnMut(&mut mysql::Conn) -> Result<T, MysqlError>,
    ) -> Result<T, StoreError> {
        self.connections
            .read(read)
            .map_err(|err| err.into_store_error(self.connections.lock_wait))
    }
}

/// Shows the URL without its password.
impl fmt::Debug for MysqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlStore")
            .field("url", &self.connections.url)
            .field("lock_wait_timeout", &self.connections.lock_wait)
            .finish_non_exhaustive()
    }
}

impl Store for MysqlStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.read(|conn| read::snapshot(conn, &self.statements, module))
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.read(|conn| read::revision(conn, module))
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        let request = commit::Request {
            module,
            expected,
            changes,
            preconditions,
        };
        commit::run(
            &self.connections,
            &self.statements,
            self.writer_isolation,
            &request,
        )
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.read(read::modules)
    }
}
