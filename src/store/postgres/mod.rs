//! [`PostgresStore`]: Bitrix's own tables on a PostgreSQL server, shared by
//! Bitrix's PHP and by any number of app servers, with a change feed the
//! server pushes.

mod commit;
mod directory;
mod error;
mod event_log;
mod listener;
mod read;
mod schema;
mod session;
mod shared;
mod triggers;
mod url;
mod worker;
mod write;

use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use self::error::PgError;
use self::listener::Listener;
use self::session::Session;
use self::shared::Shared;
use self::url::{Endpoint, Target};
use self::worker::Worker;
use super::{Change, ChangeListener, Precondition, Revision, Snapshot, Store, StoreError};
use crate::ids::ModuleId;
use crate::store::directory::{EventLog, LogEntry, SiteDirectory};

/// How long a statement waits for another connection's lock by default.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// A store on a PostgreSQL 13+ server, in Bitrix's table layout:
///
/// | what | where |
/// |------|-------|
/// | common option values | `b_option(module_id, name, value, description, site_id)`, `site_id` NULL |
/// | site option values | `b_option_site(module_id, name, site_id, value)` |
/// | default level | option `GROUP_DEFAULT_RIGHT` of the module, common or per site |
/// | grants | `b_module_group(id, module_id, group_id, g_access, site_id)`, `site_id` NULL for common |
/// | revisions (ours) | `module_settings_revision(module_id, revision)` |
/// | audit entries | `b_event_log(id, timestamp_x, severity, audit_type_id, module_id, item_id, site_id, user_id, description)` |
/// | user groups, sites, memberships (read only) | `b_group`, `b_lang`, `b_user_group`, where they exist |
///
/// **Connecting**: [`connect`](PostgresStore::connect) takes a URL,
/// `postgres://user[:password]@host[:port]/database` (a host that is a
/// percent-encoded path, `%2Fvar%2Frun%2Fpostgresql`, is the directory of
/// the server's Unix socket), with the optional parameters `sslmode`
/// (`disable`, `allow` or `prefer`: this build connects **without TLS**,
/// so use it on a trusted network or a Unix socket), `application_name`,
/// `options` (e.g. `-c search_path=bitrix`) and `connect_timeout` in
/// seconds (10 by default). The password never appears in `Debug`, in an
/// error or anywhere else the store shows.
///
/// **The schema**: connecting creates only what is missing, in the schema
/// the connection creates tables in (its `search_path`'s first); tables
/// that exist (made by Bitrix, extra columns allowed) are checked for the
/// columns above and never altered or dropped. Tables the store creates
/// follow Bitrix's DDL for PostgreSQL, with columns wider than Bitrix's
/// so that every id the crate accepts fits (`site_id` `varchar(32)` for
/// Bitrix's `char(2)`; `group_id` in `b_module_group` and `user_id` in
/// `b_event_log` `bigint` for `int`), and an index on `lower(module_id)`
/// in each settings table. In Bitrix's own tables a site id of more than
/// two characters, or a group or user id above 2147483647, cannot be
/// stored: such a commit (its changes or its event-log entries) fails
/// with an error that says so, and writes nothing. The site's `b_group`,
/// `b_lang` and `b_user_group` are never created: where one is missing
/// from the store's schema (the revision table's), the
/// [`directory`](Store::directory) says so. To an existing database the
/// store adds only `b_event_log` (when missing), its revision table, two
/// functions (`module_settings_revision_bump()`,
/// `module_settings_revision_notify()`) and four triggers
/// (`module_settings_revision_on_b_option`, `…_on_b_option_site`,
/// `…_on_b_module_group` and `module_settings_revision_notify`) — and,
/// where the store's schema has `b_group`, a third function
/// (`module_settings_groups_bump()`) and a fifth trigger
/// (`module_settings_revision_on_b_group`). Creating them needs `CREATE`
/// on the schema and `TRIGGER` on Bitrix's tables, `b_group` included (or
/// owning them); reading and writing needs `SELECT`, `INSERT`, `UPDATE`
/// and `DELETE` on the settings tables, `SELECT` and `INSERT` on
/// `b_event_log`, and `SELECT` on `b_group`, `b_lang` and `b_user_group`.
/// The triggers run as whoever writes Bitrix's tables, so Bitrix's own
/// database user (and any other program that writes them) needs `INSERT`
/// and `UPDATE` on `module_settings_revision` too, or its writes fail. A
/// database that has them all is only read when a store connects.
///
/// **Rows written by another program** (Bitrix itself, plain SQL, another
/// app server) move the module's revision too: the triggers add one to the
/// revision of the row's module for every row inserted, updated or deleted
/// (both modules when an update moves a row to another module; `TRUNCATE`
/// is not seen). So [`revision`](Store::revision) — one indexed single-row
/// read — notices a grant revoked behind the store's back, and a
/// [`commit`](Store::commit) based on an older load fails with
/// [`StoreError::Conflict`] instead of overwriting it. The store's own
/// commit lets the triggers fire and then sets the revision to exactly
/// `expected + 1`, so each commit through a store counts one.
///
/// **Change feed**: every change of a revision sends
/// `NOTIFY module_settings_changed` with the module id; every row
/// inserted, updated or deleted in `b_group` moves a revision row of its
/// own (keyed `#b_group`, which no module id can be, and which
/// [`modules`](Store::modules) never lists) and so sends that key, which
/// the listener reports as
/// [`groups_changed`](ChangeListener::groups_changed). The trigger on
/// `b_group` is made when a store connects: a `b_group` created after the
/// stores on a database connected is covered by the feed once a store
/// connects again.
/// [`watch`](Store::watch) starts, on its first call, a thread with a
/// connection of its own that listens and tells the listeners of each
/// module changed (by anyone: this process's commits too, as the thread
/// cannot tell reliably which are its own); commits through this
/// process's stores on the same database are also told at once, when they
/// return. After every
/// connection of that thread (the first, and each one after a loss, made
/// again after a pause from 50 ms growing to 5 s) the listeners are told
/// [`missed`](ChangeListener::missed), since notifications sent meanwhile
/// are lost. While its connection is up the thread hears every write, so
/// every heartbeat (100 ms by default,
/// [`with_heartbeat`](PostgresStore::with_heartbeat)) it sends itself a
/// probe — a notification on a channel of its own, in a query that also
/// reads the server process it runs in — and once the probe has come back
/// on its connection (notifications arrive in commit order) tells the
/// listeners [`caught_up`](ChangeListener::caught_up): every change done
/// before the probe was sent has been told, so a cache need not ask the
/// server for revisions while the feed keeps up. When it stops (a lost
/// connection, a probe not back within 5 s), the cache's staleness bound
/// runs out and polling takes over. `LISTEN` needs a session of its own:
/// through a connection pooler in transaction mode the probe runs in
/// another server process than the `LISTEN` did, or does not come back,
/// so the feed never says it has caught up and caches poll (and reload
/// each time the thread connects again, every 5 s). Point the store at
/// the server, or at a pooler in session mode, to have the feed.
///
/// **Concurrency**: a load is one statement (one snapshot of the rows and
/// the revision). A commit is one transaction that locks the module's
/// revision row (`FOR UPDATE`) and each precondition's (`FOR SHARE`), in
/// module-id order, checks the expected revision and the preconditions
/// with the locks held, writes the batch and sets the revision; so two
/// writers of one module take turns, and a change to a guard (a
/// revocation) that returned before the commit always stops it. A
/// deadlock with another program's transaction is run again (up to five
/// times). A statement waits at most the lock timeout (5 s by default,
/// [`with_lock_timeout`](PostgresStore::with_lock_timeout)) for another
/// connection's lock and then fails with [`StoreError::Unavailable`].
/// A commit is durable when the server says it is (its `synchronous_commit`
/// and `fsync` settings decide).
///
/// **The connections**: each store owns two connections, one for loads,
/// revisions and listings and one for commits (so a read never queues
/// behind a commit that waits for a lock), each on a thread of its own:
/// calls are handed to that thread and wait for its answer. So a store can
/// be created, called and dropped on any thread, an async runtime's
/// worker included (the sync client panics if it is started or dropped
/// there itself); reads through one store take turns, and so do commits.
/// The listener, once started, has a third. A lost connection is made
/// again by the next call; a load, revision or listing that met a
/// connection lost while idle is run again once, and so is a commit whose
/// transaction the loss rolled back. If the connection is lost while
/// `COMMIT` is on its way, the store asks the server, on a new connection,
/// what became of the transaction: committed is success, rolled back is
/// run again. Only if the server cannot say within two seconds does the
/// commit fail with [`StoreError::Unavailable`] saying that its outcome is
/// unknown (loading the module tells; committing the same batch on the
/// same revision again is safe, as it conflicts if the first landed).
///
/// **Module and site ids** are matched in lower case (ASCII letters only),
/// whatever the case in the tables: rows another program wrote under
/// `Video` belong to module `video`, rows under site `S1` to site `s1`,
/// and a change for a record updates or removes every row of it. Rows
/// under an id that no module can have move no revision.
///
/// **Bad rows** are reported as [`StoreError::Corrupt`], naming module,
/// table, column and row, as by the SQLite store: a `group_id` of 0 or
/// negative; an invalid site id or option name; a site id in `b_option`
/// (the old layout); two rows that give one option different values.
/// A NULL `value` reads as the empty string, a NULL or empty `site_id` as
/// the common scope. **Unreadable rights** — a level that is not one of
/// the upper-case letters D, M, R, W, an empty or NULL one, or rows of one
/// record that disagree (Bitrix's unique key lets common-scope rows repeat,
/// since their `site_id` is NULL) — do not stop the load: the record has
/// no level and its rows are listed in
/// [`ModuleRecords::unreadable`](crate::store::ModuleRecords::unreadable),
/// and a commit that sets or removes the record rewrites every row of it.
///
/// **Values**: PostgreSQL's `text` cannot hold the character U+0000; a
/// commit of a value with it fails, naming the option, and writes
/// nothing; so does one with an event-log entry whose `ITEM_ID` or
/// `DESCRIPTION` holds it, naming the column.
///
/// **The event log** ([`commit_logged`](Store::commit_logged),
/// [`event_log`](Store::event_log)): the entries of a commit are inserted
/// in its transaction, after its changes and before its revision, each
/// stamped `LOCALTIMESTAMP` (Bitrix's `timestamp_x` is a `timestamp`
/// without time zone in the server's local time), so they land exactly
/// when the batch does — also when a lost connection has the commit run
/// again or settled by asking the server. Read back, a row's time is that
/// local time read in the session's `TimeZone`, as an exact instant.
///
/// **The site's tables** ([`directory`](Store::directory)) are read on the
/// reading connection, afresh on every call; a membership in
/// `b_user_group` counts while `date_active_from` and `date_active_to`
/// (NULL for open) include `LOCALTIMESTAMP`, both ends inclusive.
///
/// ```no_run
/// use module_settings::store::{Change, PostgresStore, Revision};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, Store};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://bitrix:secret@db.internal:5432/sitemanager")?;
/// let video = ModuleId::new("video")?;
/// let current = store.revision(&video)?;
/// let batch = [Change::SetGrant { scope: Scope::Common, group: GroupId::try_from(5u32)?, level: AccessLevel::W }];
/// let next = store.commit(&video, current, &batch)?;
/// assert_eq!(store.load(&video)?.revision, next);
/// assert!(!format!("{store:?}").contains("secret"));
/// # Ok(()) }
/// ```
pub struct PostgresStore {
    /// Loads, revisions and listings, on a connection of their own: they
    /// never queue behind a commit that waits for a lock.
    reader: Worker,
    /// Commits, one at a time.
    writer: Worker,
    /// The connection target, for the listener's own connection.
    target: Target,
    /// What this process's stores on the database share.
    shared: Arc<Shared>,
    /// Started by the first `watch`.
    listener: Mutex<Option<Listener>>,
    lock_timeout: Duration,
    /// How often the listener catches up.
    heartbeat: Duration,
}

impl PostgresStore {
    /// Connects to the database at `url`
    /// (`postgres://user[:password]@host[:port]/database`, see the
    /// [type's docs](PostgresStore) for the parameters), creates the tables,
    /// functions and triggers that are missing, and checks the tables that
    /// are there.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the URL cannot be used, the server
    /// refuses the user or password, the database does not exist, the user
    /// lacks a privilege to create what is missing, or a table lacks a
    /// needed column — each text says what to fix and never shows the
    /// password; [`StoreError::Unavailable`] if the server cannot be
    /// reached (refused, timed out) or keeps a lock past the timeout.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let target = Target::parse(url).map_err(PgError::from)?;
        let writer = Worker::start(Session::new(target.clone(), DEFAULT_LOCK_TIMEOUT))?;
        let shared = writer.run(|session| {
            let schema = schema::ensure(session)?;
            let key = format!("{}/{schema}", session.target().endpoint().database());
            Ok::<_, PgError>(Shared::for_database(&key))
        })??;
        let reader = Worker::start(Session::new(target.clone(), DEFAULT_LOCK_TIMEOUT))?;
        reader.run(Session::connect)??;
        Ok(PostgresStore {
            reader,
            writer,
            target,
            shared,
            listener: Mutex::new(None),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            heartbeat: listener::DEFAULT_HEARTBEAT,
        })
    }

    /// Sets how often the change feed's listener, once
    /// [`watch`](Store::watch) has started it, makes a round trip to the
    /// server and tells its listeners it has caught up (100 ms by default;
    /// at least a millisecond). A facade whose staleness bound is longer
    /// than the heartbeat then asks no revisions while the feed keeps up;
    /// each beat costs one query and one notification on the listener's
    /// connection.
    /// A listener already started keeps its heartbeat.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use module_settings::PostgresStore;
    /// # fn main() -> Result<(), module_settings::StoreError> {
    /// let store = PostgresStore::connect("postgres://bitrix@db.internal/sitemanager")?
    ///     .with_heartbeat(Duration::from_millis(50));
    /// # drop(store); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat.max(Duration::from_millis(1));
        self
    }

    /// Sets how long a statement waits for another connection's lock
    /// before the call fails with [`StoreError::Unavailable`] (5 s by
    /// default; at least a millisecond, since the server takes zero for
    /// "wait forever").
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] or [`StoreError::Unavailable`] if the
    /// server cannot be told.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Result<Self, StoreError> {
        for worker in [&self.reader, &self.writer] {
            worker.run(move |session| session.set_lock_timeout(timeout))??;
        }
        self.lock_timeout = timeout;
        Ok(self)
    }

    /// Where the store is connected, as `user@host:port/database` (never
    /// with the password).
    pub fn server(&self) -> String {
        self.endpoint().to_string()
    }

    fn endpoint(&self) -> &Endpoint {
        self.target.endpoint()
    }

    /// Runs `read` on the reading connection's thread; if it met a
    /// connection that was lost while idle, runs it once more on a new one.
    fn read<R, F>(&self, read: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: Fn(&mut Session) -> Result<R, StoreError> + Send + 'static,
    {
        self.reader.run(move |session| {
            let first = read(session);
            if first.is_ok() {
                return first;
            }
            if !session.is_lost() {
                // A table changed under a prepared statement is one cause
                // of failure; preparing again costs little.
                session.forget_statements();
                return first;
            }
            session.disconnect();
            let again = read(session);
            if again.is_err() && session.is_lost() {
                session.disconnect();
            }
            again
        })?
    }
}

/// Whether a failed commit may have written anything the feed has not
/// told yet: every failure but a refusal decided inside the transaction,
/// which is rolled back (a conflict, a failed precondition), and one the
/// feed told already (not durable).
fn maybe_landed(result: &Result<Revision, StoreError>) -> bool {
    !matches!(
        result,
        Ok(_)
            | Err(StoreError::Conflict { .. }
                | StoreError::PreconditionFailed { .. }
                | StoreError::NotDurable { .. })
    )
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // The listener first: its thread stops at once or soon, unwaited.
        drop(crate::sync::lock(&self.listener).take());
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.endpoint().to_string())
            .field("lock_timeout", &self.lock_timeout)
            .field("heartbeat", &self.heartbeat)
            .finish_non_exhaustive()
    }
}

impl Store for PostgresStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        let module = *module;
        self.read(move |session| read::snapshot(session, &module))
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        let module = *module;
        self.read(move |session| read::revision(session, &module))
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
        // Carried to the commit thread, which writes them in the commit's
        // transaction.
        let (id, batch, guards, entries) = (
            *module,
            changes.to_vec(),
            preconditions.to_vec(),
            log.to_vec(),
        );
        // Under way until the feed has been told: till then no listener
        // says it has caught up past the commit's beginning.
        let under_way = self.shared.commit_begins();
        let result = self
            .writer
            .run(move |session| commit::commit(session, &id, expected, &batch, &guards, &entries))
            .map_err(StoreError::from)
            .and_then(|result| result);
        // Told once the connection is free again: a listener may read at
        // once.
        self.shared.feed().committed(module, expected, &result);
        if maybe_landed(&result) {
            // Whether the batch landed may be unknown (the connection went
            // with `COMMIT` on its way): a spare invalidation costs one
            // load, a missed one serves the old rows until the bound.
            self.shared.feed().changed(module);
        }
        drop(under_way);
        result
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.read(read::modules)
    }

    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        self.shared.feed().subscribe(Weak::clone(&listener));
        let mut started = crate::sync::lock(&self.listener);
        if started.is_none() {
            // Without a thread the feed still tells this process's
            // commits; polling covers the rest.
            *started = Listener::start(
                self.target.clone(),
                Arc::clone(&self.shared),
                self.heartbeat,
            )
            .ok();
        }
        if let Some(thread) = started.as_ref() {
            thread.feed().subscribe(listener);
        }
        true
    }

    fn directory(&self) -> Option<&dyn SiteDirectory> {
        Some(self)
    }

    fn event_log(&self) -> Option<&dyn EventLog> {
        Some(self)
    }
}
