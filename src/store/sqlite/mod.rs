//! [`SqliteStore`]: Bitrix's own tables in an SQLite file, so a Bitrix
//! database can be read and written.

mod begin;
mod cause;
mod database_path;
mod directory;
mod durability;
mod error;
mod event_log;
mod identity;
mod private_file;
mod read;
mod schema;
mod triggers;
mod write;
mod writer_turns;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction};

use self::durability::Journal;
use self::error::{sql, SqliteError, BACKEND};
use self::identity::FileIdentity;
use self::writer_turns::WriterTurns;
use super::revision::next_revision;
use super::{
    check_preconditions, Change, ChangeFeed, ChangeListener, Precondition, Revision, Snapshot,
    Store, StoreError,
};
use crate::ids::ModuleId;
use crate::store::directory::{EventLog, LogEntry, SiteDirectory};

/// How long a call waits for another connection's write lock by default.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest busy timeout SQLite takes: milliseconds in a C `int`, about
/// 24.8 days (rusqlite panics beyond it).
const MAX_BUSY_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// A store in an SQLite database with Bitrix's table layout:
///
/// | what | where |
/// |------|-------|
/// | common option values | `b_option(MODULE_ID, NAME, VALUE, DESCRIPTION, SITE_ID)`, `SITE_ID` NULL |
/// | site option values | `b_option_site(MODULE_ID, NAME, SITE_ID, VALUE)` |
/// | default level | option `GROUP_DEFAULT_RIGHT` of the module, common or per site |
/// | grants | `b_module_group(ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID)`, `SITE_ID` NULL for common |
/// | revisions (ours) | `module_settings_revision(MODULE_ID, REVISION)` |
///
/// Opening a database creates only the tables that are missing; tables that
/// exist (made by Bitrix or anyone else, extra columns allowed) are checked
/// for the columns above and never altered or dropped. Besides missing
/// tables and the revision table, the one kind of schema object the store
/// adds to an existing database is a set of triggers (`AFTER INSERT`,
/// `UPDATE` and `DELETE` on each of the three Bitrix tables, and on
/// `b_group` where it is a table when the store opens the file, named
/// `module_settings_revision_after_{event}_on_{table}`, created with
/// `IF NOT EXISTS`) that keep revisions moving — the modules', and the
/// groups' that a write's precondition names; see below.
///
/// **Durability**: WAL journal with `synchronous=FULL`, so a commit is on
/// disk when it returns. Both settings are read back when the
/// store opens: SQLite silently keeps its rollback journal where it cannot
/// use WAL (a temporary database, a VFS without shared memory), and such a
/// database is refused rather than used with weaker guarantees. The one
/// exception is [`open_in_memory`](SqliteStore::open_in_memory), whose
/// database has no file to be durable in (journal mode `memory`).
///
/// **Concurrency**: reads never wait for a writer. WAL lets a
/// [`load`](Store::load) (one read transaction, so rows and revision
/// match), [`revision`](Store::revision) and [`modules`](Store::modules)
/// run while another connection holds a write transaction, and they see
/// what was last committed; opening a database whose tables and triggers
/// are all in place only reads too. A commit is one `BEGIN IMMEDIATE`
/// transaction that checks the revision, writes the batch and sets the
/// revision. Writers take turns: the stores of one process on one file
/// queue for the write lock, first come, first served, and a writer that
/// finds the lock held by another process tries again in short random
/// pauses. A writer waits at most the busy timeout (5 s by default) and
/// then gets [`StoreError::Unavailable`], which happens when another
/// connection held the lock that long, not when another writer merely
/// commits often. The connection is shared behind a mutex
/// (`rusqlite::Connection` is `Send` but not `Sync`).
///
/// **The file**: [`open`](SqliteStore::open) takes a plain file path, and
/// names the problem when the path is empty, `:memory:`, an SQLite `file:`
/// URI, a directory, a FIFO, a device, a socket, or a symbolic link to
/// nothing (see there). The file's identity (device and inode number) is
/// recorded when the store opens it, and every commit compares it, inside
/// its write transaction, with the file the path leads to then: if the
/// file was deleted, or another file was renamed over it (as when a backup
/// is restored), the commit writes nothing and fails with
/// [`StoreError::Backend`] saying so, where SQLite alone would acknowledge
/// a write into a file no one will see again. The store also empties its
/// WAL into the old file then (and when it is dropped), since SQLite would
/// leave the WAL behind for the next connection on the path to replay over
/// the new file. Open a new store to use the new file; loads keep reading
/// the old one. (On Windows there is nothing to compare: SQLite's open file
/// cannot be deleted or renamed over.)
///
/// **Module and site ids** are matched ignoring ASCII case, as Bitrix's
/// MySQL collation matches them. Module ids are lower case by construction
/// and written so; rows another program wrote under `Video` belong to module
/// `video`. Site ids keep their case in [`SiteId`](crate::SiteId), but every
/// read and write here matches `SITE_ID` ignoring case: a load reports each
/// site in lower case (rows under `S1` load as site `s1`, Bitrix's own
/// spelling), and a change for `s1` (or `S1`) updates or removes the rows
/// under either spelling, while a new row takes the spelling given. Two rows
/// for one record whose site ids differ only in case are read like any two
/// rows for one record: as one if they agree, as [`StoreError::Corrupt`] if
/// they do not, and a change to the record rewrites both. (On tables this
/// store did not create, such lookups cannot use a case-sensitive index and
/// scan the module's rows.) Option names are matched exactly.
///
/// **Rows written by another program** (Bitrix itself, plain SQL, an admin
/// console) move the module's revision too: the triggers add one to the
/// revision of the row's module for every row inserted, updated or deleted
/// (both modules when an update moves a row from one module to another).
/// So a reader polling [`revision`](Store::revision) — still one indexed
/// single-row read — notices a grant revoked behind its back, and a
/// [`commit`](Store::commit) based on a load taken before such a write
/// fails with [`StoreError::Conflict`] instead of overwriting it. The
/// store's own commit lets the triggers fire and then sets the revision to
/// exactly `expected + 1` in the same transaction, so each commit through a
/// store still counts one. Rows under an id that no module can have (not
/// 1–50 ASCII letters, digits, `.` and `_`) move no revision.
///
/// **Bad rows** are reported as [`StoreError::Corrupt`], naming module,
/// table, column and row: a `GROUP_ID` of 0, negative or not a number; an
/// invalid site id or option name; a site id in `b_option` (the old
/// layout); two rows that give one option different values. A NULL
/// `VALUE` reads as the empty string, a NULL or empty `SITE_ID` as the
/// common scope.
///
/// **Unreadable rights** — a default level or grant whose record is known
/// but whose level is not one of the upper-case letters D, M, R, W (`X`,
/// `E` or `T` from other Bitrix modules, `w`, an empty or NULL
/// `GROUP_DEFAULT_RIGHT`), or rows of one record that disagree — do not
/// stop the load: the record has no level and its rows are listed in
/// [`ModuleRecords::unreadable`](crate::store::ModuleRecords::unreadable) with
/// their row id (`b_module_group.ID`) and stored text. A commit that sets
/// or removes the record updates or deletes **every** row of it (all
/// spellings of the module id, `SITE_ID` NULL and empty alike for the
/// common scope), which is how an administrator repairs it.
///
/// ```
/// use module_settings::store::{Change, Revision};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SqliteStore, Store};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::open_in_memory()?;
/// let video = ModuleId::new("video")?;
/// let batch = [
///     Change::SetDefault { scope: Scope::Common, level: AccessLevel::R },
///     Change::SetGrant { scope: Scope::Common, group: GroupId::try_from(5u32)?, level: AccessLevel::W },
/// ];
/// assert_eq!(store.commit(&video, Revision::ZERO, &batch)?, Revision::new(1));
/// assert_eq!(store.load(&video)?.records.default_level(Scope::Common), Some(AccessLevel::R));
/// # Ok(()) }
/// ```
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// The file, and which file it was when the store opened it; `None`
    /// in memory.
    file: Option<(PathBuf, FileIdentity)>,
    /// The queue of this process's writers on the same file.
    writers: Arc<WriterTurns>,
    busy_timeout: Duration,
    /// Shared by every store on this file in this process.
    feed: ChangeFeed,
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path`, switches it to WAL
    /// and creates the tables that are missing.
    ///
    /// `path` is a plain file path, taken as it is: SQLite's special names
    /// are refused rather than given their SQLite meaning (`""`, a
    /// temporary database; `:memory:`, see
    /// [`open_in_memory`](SqliteStore::open_in_memory); a `file:` URI, whose
    /// parameters such as `nolock` or `vfs` could undo the store's locking
    /// and durability — a file whose name starts with `file:` is opened as
    /// `./file:…`).
    ///
    /// A new file is created readable and writable by its owner only
    /// (mode 0600 on Unix; SQLite gives its `-wal` and `-shm` files the
    /// same mode), as the file store's files are: option values may be
    /// secrets. An existing file keeps its mode, and a symbolic link to an
    /// existing file is followed. A symbolic link to nothing is refused, not
    /// followed: SQLite would create its target, wherever it points, with
    /// the default mode.
    ///
    /// On a database whose tables and triggers are all in place, opening
    /// only reads, so it never waits for another connection's writer.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the path is not a plain path to a file
    /// (empty, `:memory:`, a `file:` URI, a directory, a FIFO, a device, a
    /// socket, a dangling symbolic link: the text says which), the file
    /// cannot be created or opened, SQLite will not put it in WAL mode with
    /// `synchronous=FULL`, or an existing table lacks a needed column;
    /// [`StoreError::Unavailable`] if tables or triggers must be created and
    /// another connection keeps the database locked past the busy timeout.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        database_path::prepare(path)?;
        let conn = database_path::connect(path).map_err(sql(
            "open the database",
            None,
            DEFAULT_BUSY_TIMEOUT,
        ))?;
        let identity = FileIdentity::of(path).map_err(|source| SqliteError::Io {
            action: "identify the database file",
            path: path.to_path_buf(),
            source,
        })?;
        let writers = WriterTurns::for_file(identity.clone());
        SqliteStore::setup(
            conn,
            Some((path.to_path_buf(), identity)),
            writers,
            Journal::Wal,
        )
    }

    /// A private database in memory, gone when the store is dropped: handy
    /// for tests. (Two in-memory stores never share data.)
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if SQLite cannot set it up.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(sql(
            "open the database",
            None,
            DEFAULT_BUSY_TIMEOUT,
        ))?;
        SqliteStore::setup(conn, None, Arc::default(), Journal::Memory)
    }

    /// Sets how long a call waits for another connection's lock before
    /// failing with [`StoreError::Unavailable`] (5 s by default).
    ///
    /// SQLite counts the timeout in milliseconds in a 32-bit integer, so a
    /// longer one (above about 24.8 days, `i32::MAX` ms) is clamped to that
    /// limit: for a lock wait the difference is moot, and a panic or an
    /// error for "wait very long" would help no one.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if SQLite refuses the setting.
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Result<Self, StoreError> {
        let timeout = timeout.min(MAX_BUSY_TIMEOUT);
        self.lock()
            .busy_timeout(timeout)
            .map_err(sql("set the busy timeout", None, timeout))?;
        self.busy_timeout = timeout;
        Ok(self)
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    fn setup(
        conn: Connection,
        file: Option<(PathBuf, FileIdentity)>,
        writers: Arc<WriterTurns>,
        journal: Journal,
    ) -> Result<Self, StoreError> {
        let timeout = DEFAULT_BUSY_TIMEOUT;
        conn.busy_timeout(timeout)
            .map_err(sql("set the busy timeout", None, timeout))?;
        // A busy database is `Unavailable`, whichever step met it.
        let mapped = |err: SqliteError| err.into_store_error(timeout);
        durability::configure(&conn, journal).map_err(mapped)?;
        let deadline = deadline_after(timeout);
        schema::ensure(&conn, || begin::immediate(&conn, timeout, deadline)).map_err(mapped)?;
        let feed = file
            .as_ref()
            .map_or_else(ChangeFeed::new, |(path, _)| ChangeFeed::for_path(path));
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            file,
            writers,
            busy_timeout: timeout,
            feed,
        })
    }

    /// Starts `module`'s write transaction on `conn`: `BEGIN IMMEDIATE`,
    /// retried while another connection writes, until `deadline`; then,
    /// with the write lock held, checks that the path still leads to the
    /// file the store opened, so that no commit is acknowledged into a file
    /// that was deleted or replaced.
    fn begin_write<'c>(
        &self,
        conn: &'c Connection,
        module: &ModuleId,
        deadline: Instant,
    ) -> Result<Transaction<'c>, StoreError> {
        let tx = begin::immediate(conn, self.busy_timeout, deadline)
            .map_err(self.sql_for(module, "start a write transaction"))?;
        match &self.file {
            Some((path, opened)) => Ok(identity::confirm(conn, tx, path, opened, module)?),
            None => Ok(tx),
        }
    }

    /// The connection, recovered if a panic poisoned the mutex: a panic
    /// inside a transaction dropped the transaction, which rolled it back,
    /// and any transaction still open is rolled back here to be sure.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| {
            let conn = poisoned.into_inner();
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            conn
        })
    }

    /// Maps a failure of `action` done for the whole database.
    fn sql(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
        sql(action, None, self.busy_timeout)
    }

    /// Maps a failure of `action` done for `module`.
    fn sql_for(
        &self,
        module: &ModuleId,
        action: &'static str,
    ) -> impl Fn(rusqlite::Error) -> StoreError {
        sql(action, Some(*module), self.busy_timeout)
    }
}

/// `timeout` from now. (Timeouts are at most about 24.8 days, which every
/// clock can add; were it not so, the wait would end at once, not never.)
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or(now)
}

impl Drop for SqliteStore {
    /// Empties the WAL into the old file if the database file was deleted
    /// or replaced while open: SQLite leaves the WAL behind then, for the
    /// next connection on the path to replay over the new file.
    fn drop(&mut self) {
        if let Some((path, opened)) = &self.file {
            if let Ok(Some(_)) = identity::replacement(path, opened) {
                let conn = self.conn.get_mut().unwrap_or_else(PoisonError::into_inner);
                identity::empty_stale_wal(conn);
            }
        }
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path())
            .field("busy_timeout", &self.busy_timeout)
            .finish_non_exhaustive()
    }
}

impl Store for SqliteStore {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(self.sql_for(module, "start a read transaction"))?;
        let snapshot = read::snapshot(&tx, module, &self.sql_for(module, "read the rows"))?;
        tx.finish()
            .map_err(self.sql_for(module, "end a read transaction"))?;
        Ok(snapshot)
    }

    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        read::revision(
            &self.lock(),
            module,
            &self.sql_for(module, "read the revision"),
        )
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
        let result = self.commit_in_turn(module, expected, changes, preconditions, log);
        // Told once the turn and the connection are released: a listener
        // may read at once.
        self.feed.committed(module, expected, &result);
        result
    }

    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.list_modules()
    }

    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        self.feed.subscribe(listener);
        true
    }

    fn directory(&self) -> Option<&dyn SiteDirectory> {
        Some(self)
    }

    fn event_log(&self) -> Option<&dyn EventLog> {
        Some(self)
    }
}

impl SqliteStore {
    /// [`Store::commit_guarded`], in this process's turn and in one
    /// `BEGIN IMMEDIATE` transaction.
    fn commit_in_turn(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        log: &[LogEntry],
    ) -> Result<Revision, StoreError> {
        let deadline = deadline_after(self.busy_timeout);
        // This process's writers on the file take turns, first come, first
        // served, so none waits out its timeout while another commits.
        let _turn = self.writers.wait(deadline).ok_or_else(|| {
            error::busy(
                "start a write transaction",
                Some(*module),
                self.busy_timeout,
            )
        })?;
        let conn = self.lock();
        // IMMEDIATE takes the write lock before reading the revision, so no
        // other connection can commit between the check and the write.
        let tx = self.begin_write(&conn, module, deadline)?;
        let current = read::revision(&tx, module, &self.sql_for(module, "read the revision"))?;
        let next = next_revision(BACKEND, module, expected, current, changes)?;
        // Inside the same IMMEDIATE transaction: no other connection can
        // move a guard between this check and the commit.
        check_preconditions(preconditions, module, current, |on| match on.module() {
            Some(guard) => read::revision(&tx, &guard, &self.sql_for(&guard, "read the revision")),
            None => read::groups_revision(
                &tx,
                Some(*module),
                &self.sql_for(module, "read the groups' revision"),
            )?
            .ok_or(StoreError::NoGroupRevision { module: *module }),
        })?;
        let Some(next) = next else {
            return Ok(current);
        };
        for change in changes {
            // An error here drops `tx`, which rolls the whole batch back.
            write::apply(&tx, module, change).map_err(self.sql_for(module, "write a change"))?;
        }
        // In the same transaction: the entries land with the batch or not
        // at all.
        event_log::insert(&tx, log).map_err(self.sql_for(module, "write the event log"))?;
        // The triggers moved the revision once per row written; a commit
        // counts one, so the revision is set, not incremented.
        write::set_revision(&tx, module, next)
            .map_err(self.sql_for(module, "write the revision"))?;
        tx.commit().map_err(self.sql_for(module, "commit"))?;
        Ok(next)
    }

    /// [`Store::modules`].
    fn list_modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(self.sql("start a read transaction"))?;
        let modules = read::modules(&tx, &self.sql("list modules"))?;
        tx.finish().map_err(self.sql("end a read transaction"))?;
        Ok(modules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_level_option_is_reserved_for_it() {
        // If OptionName ever accepted this name, an ordinary option could
        // overwrite the Access tab's default level in Bitrix's tables.
        let err = crate::OptionName::new(crate::ids::GROUP_DEFAULT_RIGHT).unwrap_err();
        assert_eq!(err.problem(), crate::ids::IdProblem::Reserved);
    }

    #[test]
    fn a_file_store_runs_in_wal_with_synchronous_full() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("a.sqlite")).unwrap();
        // `synchronous` belongs to the connection: only the store's own
        // connection can show it.
        let conn = store.lock();
        assert_eq!(durability::settings_of(&conn), ("wal".to_owned(), 2));
    }

    #[test]
    fn a_connection_that_keeps_its_rollback_journal_is_refused() {
        // SQLite keeps a temporary database (empty name) and a database on
        // a VFS without shared memory in rollback mode, silently: commits
        // there would not be durable as promised, so setting up fails.
        // (`open` refuses both names before SQLite sees them; this is the
        // check behind that, for whatever else SQLite may keep.)
        let dir = tempfile::tempdir().unwrap();
        let mut names = vec![String::new()];
        if cfg!(unix) {
            let no_shm = dir.path().join("no-shm.sqlite");
            names.push(format!("file:{}?vfs=unix-none", no_shm.display()));
        }
        for name in names {
            let conn = Connection::open(&name).unwrap();
            let err = SqliteStore::setup(conn, None, Arc::default(), Journal::Wal).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(
                    err,
                    StoreError::Backend {
                        backend: "sqlite",
                        ..
                    }
                ),
                "{text}"
            );
            assert!(
                text.contains("journal_mode")
                    && text.contains("\"delete\"")
                    && text.contains("WAL"),
                "{name:?}: {text}"
            );
        }
    }

    #[test]
    fn debug_shows_the_path_not_the_connection() {
        let store = SqliteStore::open_in_memory().unwrap();
        let shown = format!("{store:?}");
        assert!(shown.starts_with("SqliteStore { path: None"), "{shown}");
    }
}
