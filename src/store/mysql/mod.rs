//! [`MysqlStore`]: Bitrix's own tables on a MySQL 8 or MariaDB 10.6+
//! server, shared with Bitrix's PHP and with other app servers.

mod cause;
mod commit;
mod directory;
mod error;
mod event_log;
mod poll;
mod pool;
mod read;
mod schema;
mod session;
mod statements;
mod triggers;
mod url;
mod write;

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::IsolationLevel;

use self::error::MysqlError;
use self::poll::Poller;
use self::pool::Connections;
use self::statements::Statements;
use self::url::ServerUrl;
use super::{Change, ChangeListener, Precondition, Revision, Snapshot, Store, StoreError};
use crate::ids::ModuleId;
use crate::store::directory::{EventLog, LogEntry, SiteDirectory};

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
/// | audit entries | `b_event_log(ID, TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, SITE_ID, USER_ID, DESCRIPTION)` |
/// | groups, sites, memberships (read only) | `b_group`, `b_lang`, `b_user_group` |
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
/// characters (Bitrix's holds 2), `GROUP_ID` and `b_event_log.USER_ID` are
/// unsigned. On Bitrix's own tables a longer site id or a group or user id
/// above 2147483647 is refused with an error naming the column (in a write
/// with event-log entries too: nothing of it is written), and two option
/// names that the table's collation takes for one (`ServerHost`,
/// `serverhost`) cannot both be stored: writing the second fails with an
/// error, nothing is overwritten. The store never creates `b_group`,
/// `b_lang` or `b_user_group`: they are the site's.
///
/// **Triggers**: besides missing tables and its revision table, the store
/// adds nine triggers to the database (`AFTER INSERT`, `UPDATE` and `DELETE`
/// on each of the three Bitrix settings tables, named
/// `module_settings_revision_after_{event}_on_{table}`), and three more of
/// the same names on `b_group` where that table exists when the store
/// connects (see **Site directory** below). Each insert,
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
/// three settings tables and the revision table, SELECT and INSERT on
/// `b_event_log`, SELECT on
/// `b_group`, `b_lang` and `b_user_group` to read them, and CREATE while
/// tables are missing. Creating the triggers needs the TRIGGER privilege
/// on the three Bitrix settings tables (and `b_group`) and, on a server
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
/// **Change feed**: [`watch`](Store::watch) subscribes a listener (a
/// [`Settings`](crate::settings::Settings) facade does so when it is
/// built) and returns `true`. Stores on one database in this process (the
/// same host, port, user and database in their URLs) share one feed and
/// one poll thread: a commit through any of them is reported to all their
/// listeners at once, when it has committed. Everyone else's writes —
/// other app servers, Bitrix's PHP, an SQL console — are found by polling,
/// since MySQL cannot push a notice: the first watch starts a thread with
/// a connection of its own that, every tick
/// ([`with_poll_interval`](MysqlStore::with_poll_interval), 100 ms by
/// default), reads every module's revision in one query whatever the
/// number of modules, reports each module whose revision moved since the
/// tick before (up or down, appeared or gone; a commit already reported
/// is not reported again), and then tells the listeners that every change
/// committed before the query started has been reported
/// ([`ChangeListener::caught_up`]). While it keeps doing so, a facade asks
/// no module for its revision: its reads cost the server nothing but the
/// one query per tick, and another program's write is seen within about a
/// tick.
///
/// The thread's first poll has nothing to compare with. It tells the
/// listeners that changes may have been missed
/// ([`ChangeListener::missed`]) before it says it has caught up: a
/// listener may have loaded a module between subscribing and that first
/// query, and a change in between would otherwise be taken for the
/// starting point and never reported. A facade has usually loaded nothing
/// yet, so this costs little. A listener that subscribes while the thread
/// runs needs no such word: every change after it subscribed is reported
/// to it, since each poll compares with what the poll before it saw.
///
/// A poll that fails (the server is down, the connection was killed) tells
/// the listeners nothing: their deadlines run out, and a facade polls
/// module by module within its staleness bound, as without a feed. The
/// thread opens a new connection and tries again, waiting the tick,
/// doubled after each failure, up to 2 s. Nothing is lost meanwhile:
/// revisions are state, not events, so the first poll that succeeds
/// compares them with those seen before the failure and reports every
/// module that moved in between.
///
/// The thread never blocks a read or a commit (it has its own connection)
/// and never keeps a store alive: it ends when the last store on the
/// database is dropped (at once, or when a query under way returns) or
/// when no listener is left, and the next watch starts a new one.
/// Dropping a store is safe inside a Tokio runtime.
///
/// The same query reads the revision row that `b_group`'s triggers move
/// (keyed `#b_group`, which no module id can be): when it moved, the
/// thread tells the listeners that the site's groups changed
/// ([`ChangeListener::groups_changed`]) before it says it has caught up,
/// so the feed covers groups too, and its first-poll
/// [`missed`](ChangeListener::missed) covers them as well.
///
/// Polling by hand is cheap too: [`revision`](Store::revision) is one
/// indexed single-row read, and [`revisions`](MysqlStore::revisions) is
/// the poll thread's query.
///
/// **Module and site ids** are matched without regard to case, as Bitrix's
/// collation matches them: rows another program wrote under `Video`
/// belong to module `video`, rows under `S1` load as site `s1`, and a
/// change for `s1` updates or removes the rows under either spelling
/// (every one of them); new rows are written in lower case, module and
/// site ids alike (a [`SiteId`](crate::SiteId) is lower case). Option
/// names are matched exactly. A NULL
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
/// **Site directory**: [`directory`](Store::directory) reads Bitrix's
/// `b_group`, `b_lang` and `b_user_group` through the readers'
/// connections (a read never waits for a commit), each afresh on every
/// call, and answers `None` for a table the database does not have.
/// A membership counts while its `DATE_ACTIVE_FROM` and `DATE_ACTIVE_TO`
/// (NULL: open) include the server's `NOW()`, both ends inclusive, as in
/// Bitrix's own queries. The triggers that report group changes through
/// the change feed are made when the store connects, on a `b_group` that
/// exists then: a `b_group` created later is read all the same, but the
/// feed reports its changes only once a store has connected to the
/// database again (which creates the triggers). A user who may not create
/// the `b_group` triggers still connects: without them the store says its
/// feed does not report group changes
/// ([`reports_group_changes`](crate::store::directory::SiteDirectory::reports_group_changes)),
/// and a facade re-reads the groups within its staleness bound instead.
///
/// **Event log**: [`commit_logged`](Store::commit_logged) writes its
/// entries into `b_event_log` — created in Bitrix's layout when missing,
/// Bitrix's own used in place — inside the commit's transaction, after the
/// changes and before the revision: a commit that lands has its entries, a
/// commit that fails (a conflict, a trigger that refuses a row, a value
/// too wide for a column, a lost connection before `COMMIT`) has none.
/// Each entry's `TIMESTAMP_X` is the server's `NOW()`.
/// [`event_log`](Store::event_log) reads them back, newest first, with
/// their times as exact Unix seconds; the rest of Bitrix's log is never
/// returned.
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
    /// The change feed and its poll thread, shared with the other stores
    /// on the database in this process.
    poller: Arc<Poller>,
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
            poller: Poller::for_database(&url),
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

    /// Sets the change feed's tick: how often the poll thread reads every
    /// module's revision (100 ms by default, at least 1 ms). The stores on
    /// one database in this process share the thread, so the tick is the
    /// one set last on any of them; a thread already running takes it
    /// after its current wait.
    ///
    /// Each tick is one query on the server per watching store — so per
    /// app server — reading one row per module ever written: ten small
    /// queries a second by default. A shorter tick shows other programs'
    /// writes sooner and costs the server more queries; a longer one costs
    /// less and shows them later. Keep the tick, plus the time the query
    /// takes, shorter than the staleness bound of the facades on the store
    /// (1 s by default): each poll keeps a facade's snapshots fresh for
    /// the bound from when its query started, so a tick that comes before
    /// that runs out is what keeps the facade from asking every module it
    /// reads for its revision. With a longer tick the facade still reads
    /// correctly, polling module by module between ticks as without a
    /// feed.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use module_settings::settings::Settings;
    /// use module_settings::MysqlStore;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MysqlStore::connect("mysql://bitrix:secret@127.0.0.1:3306/sitemanager")?
    ///     .with_poll_interval(Duration::from_millis(250));
    /// // The facade watches the store: within about 250 ms it sees what
    /// // other programs write, and polls no module while the feed keeps
    /// // up with its one-second bound.
    /// let settings = Settings::builder(store)
    ///     .staleness(Duration::from_secs(1))
    ///     .build()?;
    /// # let _ = settings;
    /// # Ok(()) }
    /// ```
    pub fn with_poll_interval(self, interval: Duration) -> Self {
        self.poller.set_interval(interval);
        self
    }

    /// Every module's revision, read in one query whatever the number of
    /// modules: the modules that have a revision (written through a store,
    /// or whose rows another program wrote since the triggers exist),
    /// sorted by id. A module not listed is at [`Revision::ZERO`]. (The
    /// row that counts `b_group`'s changes for the change feed names no
    /// module and is not listed.)
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
        self.read_with(read::all_revisions).map(|all| all.modules)
    }

    /// Runs `read` on a reader connection, with errors made public.
    fn read_with<T>(
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
            .field("poll_interval", &self.poller.interval())
            .finish_non_exhaustive()
    }
}

impl Store for MysqlStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.read_with(|conn| read::snapshot(conn, &self.statements, module))
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.read_with(|conn| read::revision(conn, module))
    }

    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        self.commit_logged(module, expected, changes, preconditions, &[])
    }

    fn commit_logged(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        log: &[LogEntry],
    ) -> Result<Revision, StoreError> {
        let request = commit::Request {
            module,
            expected,
            changes,
            preconditions,
            log,
        };
        let result = commit::run(
            &self.connections,
            &self.statements,
            self.writer_isolation,
            &request,
        );
        // Told once the transaction has ended and the writer's connection
        // is released: a listener may read at once.
        self.poller.committed(module, expected, &result);
        result
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.read_with(read::modules)
    }

    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        let url = self.connections.url.clone();
        let lock_wait = self.connections.lock_wait;
        self.poller
            .watch(listener, move || session::open(&url, lock_wait));
        true
    }

    fn directory(&self) -> Option<&dyn SiteDirectory> {
        Some(self)
    }

    fn event_log(&self) -> Option<&dyn EventLog> {
        Some(self)
    }
}
