//! A commit: one InnoDB transaction that locks the module's revision row,
//! checks the expected revision and the preconditions under that lock,
//! writes the batch and its event-log entries and sets the revision.
//!
//! **Locks.** The committed module's revision row is locked for update and
//! every guard's (a precondition's module, or the groups') for share, the
//! groups' first, then in module-id order, so two commits that lock the
//! same rows take them in the same order and cannot deadlock on them — and
//! a Bitrix transaction that changes `b_group` and then a module's rights
//! takes them in that order too. The guard's shared lock waits for any
//! transaction that is changing the guard's rows — another program's
//! revocation moves the guard's revision through the triggers, holding its
//! row until it commits — and reads the revision that transaction left, so
//! a revocation that committed first always stops the commit; and none can
//! commit while this one holds the lock.
//!
//! **Isolation.** READ COMMITTED, so that reads take no gap locks and two
//! commits to neighbouring modules do not block each other's inserts; the
//! revisions are read with locking reads, which see the latest committed
//! row in any isolation. (A server that writes its binary log in statement
//! format refuses writes in READ COMMITTED: there the commit runs in
//! REPEATABLE READ.)
//!
//! **Deadlocks and lock waits.** InnoDB breaks a deadlock (with Bitrix's
//! PHP writing the same rows, say) by rolling one transaction back; the
//! commit is then tried again from the start, nothing of it having landed,
//! until the lock-wait timeout has passed. A lock held longer than that
//! timeout ends the commit with [`StoreError::Unavailable`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::{params, Conn, IsolationLevel, Transaction, TxOpts};

use super::error::{code, MysqlError, BACKEND};
use super::event_log;
use super::pool::Connections;
use super::read;
use super::statements::{self, Statements};
use super::write;
use crate::ids::ModuleId;
use crate::store::directory::{LogEntry, GROUPS_REVISION_KEY};
use crate::store::jitter::jittered;
use crate::store::{
    check_preconditions, next_revision, Change, Guarded, Precondition, Revision, StoreError,
};

/// The longest pause before a commit that lost a deadlock is tried again.
const LONGEST_PAUSE: Duration = Duration::from_millis(20);

/// One commit's request.
pub(super) struct Request<'a> {
    pub(super) module: &'a ModuleId,
    pub(super) expected: Revision,
    pub(super) changes: &'a [Change],
    pub(super) preconditions: &'a [Precondition],
    /// Written into `b_event_log` with the batch.
    pub(super) log: &'a [LogEntry],
}

/// Runs the commit on the writer's connection, trying again after a
/// deadlock until the lock-wait timeout has passed.
pub(super) fn run(
    connections: &Connections,
    statements: &Statements,
    isolation: IsolationLevel,
    request: &Request<'_>,
) -> Result<Revision, StoreError> {
    let deadline = Instant::now() + connections.lock_wait;
    let mut pause = Duration::from_millis(1);
    let mut slot = connections.writer();
    loop {
        let conn = match slot.as_mut() {
            Some(conn) => conn,
            None => slot.insert(
                connections
                    .open()
                    .map_err(|err| err.into_store_error(connections.lock_wait))?,
            ),
        };
        match attempt(conn, statements, isolation, request) {
            Ok(revision) => return Ok(revision),
            Err(Failure::AtCommit(err)) => {
                if err.broke_connection() {
                    *slot = None;
                    return Err(lost_at_commit(request.module));
                }
                return Err(err.into_store_error(connections.lock_wait));
            }
            Err(Failure::Before(err)) => {
                if err.broke_connection() {
                    // The connection broke (the server restarted, or closed
                    // an idle connection) before the commit was asked for:
                    // the server rolled back whatever the transaction did,
                    // so a fresh connection tries again.
                    *slot = None;
                    if Instant::now() >= deadline {
                        return Err(err.into_store_error(connections.lock_wait));
                    }
                    continue;
                }
                if err.server_code() == Some(code::DEADLOCK) && Instant::now() < deadline {
                    std::thread::sleep(jittered(pause));
                    pause = (pause * 2).min(LONGEST_PAUSE);
                    continue;
                }
                return Err(err.into_store_error(connections.lock_wait));
            }
        }
    }
}

/// Why an attempt failed: before the commit was asked for (nothing
/// landed), or at the commit itself.
enum Failure {
    Before(MysqlError),
    AtCommit(MysqlError),
}

fn attempt(
    conn: &mut Conn,
    statements: &Statements,
    isolation: IsolationLevel,
    request: &Request<'_>,
) -> Result<Revision, Failure> {
    let module = request.module;
    let sql = |action| MysqlError::sql(action, Some(*module));
    let mut tx = conn
        .start_transaction(TxOpts::default().set_isolation_level(Some(isolation)))
        .map_err(|err| Failure::Before(sql("start a write transaction")(err)))?;
    // `tx` rolls back when dropped uncommitted, on every error path.
    let revision = locked(&mut tx, statements, request).map_err(Failure::Before)?;
    if let Some(revision) = revision.written {
        tx.commit()
            .map_err(|err| Failure::AtCommit(sql("commit")(err)))?;
        return Ok(revision);
    }
    Ok(revision.current)
}

/// What the transaction found and did.
struct Outcome {
    /// The module's revision before the commit.
    current: Revision,
    /// The new revision, if the batch was written.
    written: Option<Revision>,
}

/// The commit inside its transaction, up to (not including) `COMMIT`.
fn locked(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    request: &Request<'_>,
) -> Result<Outcome, MysqlError> {
    let Request {
        module,
        expected,
        changes,
        preconditions,
        log,
    } = *request;
    let sql = |action| MysqlError::sql(action, Some(*module));
    // Every revision row the commit depends on, locked in one order
    // (module ids, then the groups').
    let mut locked: Vec<Guarded> = preconditions.iter().map(|p| p.on).collect();
    locked.push(Guarded::Module(*module));
    locked.sort_unstable();
    locked.dedup();
    let mut guards = BTreeMap::new();
    let mut current = Revision::ZERO;
    for on in locked {
        match on {
            Guarded::Module(id) if id == *module => current = lock_own(tx, module)?,
            Guarded::Module(id) => {
                guards.insert(on, lock_guard(tx, &id)?);
            }
            Guarded::Groups => {
                guards.insert(on, lock_groups(tx, module)?);
            }
        }
    }
    let next = next_revision(BACKEND, module, expected, current, changes)?;
    check_preconditions(preconditions, module, current, |on| {
        Ok(guards.get(on).copied().unwrap_or(Revision::ZERO))
    })?;
    let Some(next) = next else {
        // An empty batch: nothing to write (the transaction rolls back,
        // and with it a revision row made only to be locked).
        return Ok(Outcome {
            current,
            written: None,
        });
    };
    for change in changes {
        write::apply(tx, statements, module, change).map_err(sql("write a change"))?;
    }
    // In the same transaction, after the changes and before the revision:
    // the entries land with the batch or not at all.
    event_log::insert(tx, log).map_err(sql("write an entry to b_event_log"))?;
    // The triggers moved the revision once per row written; a commit
    // counts one, so the revision is set, not incremented.
    write::set_revision(tx, module, next).map_err(sql("write the revision"))?;
    Ok(Outcome {
        current,
        written: Some(next),
    })
}

/// The module's revision row, locked for update; created (at zero) first
/// when the module has none, so that there is a row to lock.
///
/// The row is looked up with `FOR UPDATE` before anything is inserted: an
/// `INSERT IGNORE` that finds the row takes a *shared* lock on it, and two
/// commits holding that shared lock and both asking for the exclusive one
/// would deadlock every time they met.
fn lock_own(tx: &mut Transaction<'_>, module: &ModuleId) -> Result<Revision, MysqlError> {
    lock_row(
        tx,
        module.as_str(),
        module,
        statements::LOCK_OWN,
        "lock the module's revision",
    )
}

/// Reads a guard module's revision under a shared lock on its row, held
/// until the transaction ends, so that no change to the guard can commit
/// meanwhile. A guard without a revision row yet (rows written before the
/// triggers were installed: most modules of a live site) gets one at 0
/// first — a lock on an absent row locks nothing in READ COMMITTED, and a
/// revocation could then commit in the middle of this commit.
fn lock_guard(tx: &mut Transaction<'_>, guard: &ModuleId) -> Result<Revision, MysqlError> {
    lock_row(
        tx,
        guard.as_str(),
        guard,
        statements::READ_GUARD,
        "lock a guard module's revision",
    )
}

/// Reads the groups' revision under a shared lock, as [`lock_guard`] does
/// a guard module's: a change to `b_group` (whose triggers move that row)
/// waits for this commit to end. Only while the triggers exist does the
/// row move with `b_group`; without them the precondition is refused
/// rather than checked against a revision that never moves.
fn lock_groups(tx: &mut Transaction<'_>, module: &ModuleId) -> Result<Revision, MysqlError> {
    let action = "lock the groups' revision";
    let triggers: Option<u64> = tx
        .query_first(statements::GROUPS_TRIGGERS)
        .map_err(MysqlError::sql(action, Some(*module)))?;
    if triggers != Some(3) {
        return Err(StoreError::NoGroupRevision { module: *module }.into());
    }
    lock_row(
        tx,
        GROUPS_REVISION_KEY,
        module,
        statements::READ_GUARD,
        action,
    )
}

/// Reads the revision stored under `key` with `locking` (a locking read
/// of its revision row), creating the row at 0 first if it is missing, so
/// that the lock is always on a real row. `module` is the module
/// committed, for errors.
fn lock_row(
    tx: &mut Transaction<'_>,
    key: &str,
    module: &ModuleId,
    locking: &str,
    action: &'static str,
) -> Result<Revision, MysqlError> {
    let found: Option<mysql::Row> = tx
        .exec_first(locking, params! { "module" => key })
        .map_err(MysqlError::sql(action, Some(*module)))?;
    if found.is_none() {
        tx.exec_drop(statements::CREATE_OWN, params! { "module" => key })
            .map_err(MysqlError::sql(action, Some(*module)))?;
    }
    read::stored_revision_of(tx, locking, key, Some(*module), action)
}

/// The connection broke at `COMMIT`: the server may have committed the
/// batch or not, and the store cannot tell.
/// (The cause, a broken connection, says nothing the reason does not.)
fn lost_at_commit(module: &ModuleId) -> StoreError {
    StoreError::Unavailable {
        backend: BACKEND,
        reason: format!(
            "lost the connection to the server at the commit of module {module}; the batch \
             may or may not have landed: load the module to see, and redo the change on what \
             it shows"
        ),
    }
}
