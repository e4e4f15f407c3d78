//! A commit: one transaction that locks the module's revision row, checks
//! the expected revision and the preconditions, writes the batch and its
//! event-log entries and sets the revision.
//!
//! **Locks.** Every revision row the commit reads is locked: the written
//! module's `FOR UPDATE` (two writers of one module take turns), each
//! guard's `FOR SHARE` (a writer that moves the guard — a revocation,
//! through a store or through Bitrix's triggers — waits for this commit,
//! and this commit waits for one already under way, then reads what it
//! wrote). Rows are locked in key order (the groups' key, `#b_group`,
//! before every module id), so two commits that lock the same rows cannot
//! deadlock each other; a missing revision row is
//! inserted at 0 first, so that there is a row to lock.
//!
//! **Retries.** Deadlocks with other programs (Bitrix's PHP writes rows
//! first and its trigger reaches the revision row last) and serialization
//! failures are run again, up to [`ATTEMPTS`] times, after a short random
//! pause; a connection lost before `COMMIT` was sent is made again once
//! and the transaction run again (the server rolled it back). A connection
//! lost while `COMMIT` was on its way is made again and the server asked
//! (`txid_status`) what became of the transaction: committed is success,
//! aborted is run again; only if the server cannot say is the outcome
//! reported unknown. The entries are in the same transaction, so they land
//! exactly when the batch does, however often it is run.

use std::time::{Duration, Instant};

use super::directory::GROUPS_TRIGGER;
use super::error::{PgError, BACKEND};
use super::event_log;
use super::read::revision_in;
use super::session::Session;
use super::triggers;
use super::write;
use crate::ids::ModuleId;
use crate::store::directory::{LogEntry, GROUPS_REVISION_KEY};
use crate::store::jitter::jittered;
use crate::store::{
    check_preconditions, next_revision, Change, Guarded, Precondition, Revision, StoreError,
};

/// How many times a transaction is run at most.
const ATTEMPTS: u32 = 5;

/// Inserts the revision rows that are missing, at 0, so they can be locked.
const ENSURE_ROWS: &str = "\
    INSERT INTO module_settings_revision (module_id, revision) \
    SELECT unnest($1::text[]), 0 ON CONFLICT (module_id) DO NOTHING";

/// Locks the written module's revision row, and names the transaction (so
/// that if the connection is lost with the `COMMIT` on its way, the server
/// can be asked what became of it).
const LOCK_FOR_UPDATE: &str = "SELECT revision, txid_current() FROM module_settings_revision \
     WHERE module_id = $1 FOR UPDATE";

const LOCK_FOR_SHARE: &str =
    "SELECT revision FROM module_settings_revision WHERE module_id = $1 FOR SHARE";

/// `committed`, `aborted`, `in progress`, or NULL for a transaction too old
/// to be known.
const TRANSACTION_STATUS: &str = "SELECT txid_status($1)";

/// Why one run of the transaction did not succeed.
/// (Boxed: errors are large, and this one travels up every statement.)
enum Failed {
    /// A refusal for the caller (conflict, precondition, corrupt data).
    Refused(Box<StoreError>),
    /// The server or the connection failed.
    Server(Box<PgError>),
}

impl From<StoreError> for Failed {
    fn from(err: StoreError) -> Self {
        Failed::Refused(Box::new(err))
    }
}

impl From<PgError> for Failed {
    fn from(err: PgError) -> Self {
        Failed::Server(Box::new(err))
    }
}

/// [`Store::commit_logged`](crate::Store::commit_logged) on `session`.
pub(super) fn commit(
    session: &mut Session,
    module: &ModuleId,
    expected: Revision,
    changes: &[Change],
    preconditions: &[Precondition],
    log: &[LogEntry],
) -> Result<Revision, StoreError> {
    if let Some((scope, name)) = write::unstorable(changes) {
        return Err(StoreError::backend_failure(
            BACKEND,
            format!(
                "the value of option {} in scope {scope} (module {module}) holds the character \
                 U+0000, which PostgreSQL's text cannot store; nothing was written",
                name.as_str().escape_debug()
            ),
        ));
    }
    event_log::refuse_unstorable(module, log)?;
    let mut reconnected = false;
    let mut attempt = 1;
    loop {
        let mut sent = None;
        let batch = Batch {
            module,
            expected,
            changes,
            preconditions,
            log,
        };
        let err = match run(session, &batch, &mut sent) {
            Ok(revision) => return Ok(revision),
            Err(Failed::Refused(err)) => return Err(*err),
            Err(Failed::Server(err)) => *err,
        };
        if err.is_connection_lost() {
            session.disconnect();
            if let Some(sent) = sent {
                // COMMIT was on its way when the connection went: ask the
                // server what became of the transaction.
                match outcome(session, sent.transaction) {
                    Some(Outcome::Committed) => return Ok(sent.next),
                    Some(Outcome::Aborted) if !reconnected => {
                        reconnected = true;
                        continue;
                    }
                    Some(Outcome::Aborted) => return Err(err.into_store_error()),
                    None => return Err(unknown_outcome(module, session)),
                }
            }
            if !reconnected {
                // The server rolled the transaction back with the
                // connection; run it again on a new one.
                reconnected = true;
                continue;
            }
            return Err(err.into_store_error());
        }
        // A table changed under a prepared statement is one cause of
        // failure; preparing again costs little.
        session.forget_statements();
        if err.is_retryable() && attempt < ATTEMPTS {
            attempt += 1;
            std::thread::sleep(pause(attempt));
            continue;
        }
        return Err(err.into_store_error());
    }
}

/// A `COMMIT` sent: the server's id of the transaction, and the revision
/// it moves the module to.
#[derive(Clone, Copy)]
struct Sent {
    transaction: Option<i64>,
    next: Revision,
}

/// What became of a transaction whose `COMMIT` was on its way.
enum Outcome {
    Committed,
    Aborted,
}

/// What one commit writes.
#[derive(Clone, Copy)]
struct Batch<'a> {
    module: &'a ModuleId,
    expected: Revision,
    changes: &'a [Change],
    preconditions: &'a [Precondition],
    log: &'a [LogEntry],
}

/// One run of the transaction. Any error leaves it rolled back, unless
/// `sent` says that `COMMIT` was sent.
fn run(
    session: &mut Session,
    batch: &Batch<'_>,
    sent: &mut Option<Sent>,
) -> Result<Revision, Failed> {
    let (module, expected) = (batch.module, batch.expected);
    session.batch("BEGIN", "start a write transaction", Some(*module))?;
    let result = locked(session, batch);
    let done = match result {
        Ok(Some((next, transaction))) => {
            *sent = Some(Sent { transaction, next });
            session
                .batch("COMMIT", "commit", Some(*module))
                .map(|()| next)
                .map_err(Failed::from)
        }
        Ok(None) => {
            // Nothing to write (an empty batch): the locks go.
            let current = expected;
            session
                .batch("ROLLBACK", "end the transaction", Some(*module))
                .map(|()| current)
                .map_err(Failed::from)
        }
        Err(err) => Err(err),
    };
    if done.is_err() && sent.is_none() {
        let _ = session.batch("ROLLBACK", "roll the transaction back", Some(*module));
    }
    done
}

/// Inside the transaction: locks, checks, writes; returns the revision the
/// batch moves the module to and the transaction's id. `Ok(None)` for an
/// empty batch that passed its checks (nothing to commit, no entries
/// written). The id is `None` only if the locked row did not say it.
fn locked(
    session: &mut Session,
    batch: &Batch<'_>,
) -> Result<Option<(Revision, Option<i64>)>, Failed> {
    let Batch {
        module,
        expected,
        changes,
        preconditions,
        log,
    } = *batch;
    let mut ids: Vec<&str> = preconditions
        .iter()
        .map(|p| match &p.on {
            Guarded::Module(guard) => guard.as_str(),
            Guarded::Groups => GROUPS_REVISION_KEY,
        })
        .chain([module.as_str()])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.contains(&GROUPS_REVISION_KEY) {
        // Only while the trigger exists does the row move with `b_group`:
        // without it the precondition is refused rather than checked
        // against a revision that never moves.
        let name = triggers::bump_trigger(triggers::GROUPS_TABLE);
        let found = session.query(
            GROUPS_TRIGGER,
            &[&name],
            "look up the groups trigger",
            Some(*module),
        )?;
        if found.is_empty() {
            return Err(StoreError::NoGroupRevision { module: *module }.into());
        }
    }
    session.execute(
        ENSURE_ROWS,
        &[&ids],
        "create the revision rows",
        Some(*module),
    )?;
    let mut revisions = Vec::with_capacity(ids.len());
    let mut transaction = None;
    for id in &ids {
        let (sql, action) = if *id == module.as_str() {
            (LOCK_FOR_UPDATE, "lock the revision")
        } else {
            (LOCK_FOR_SHARE, "lock a guard's revision")
        };
        let rows = session.query(sql, &[id], action, Some(*module))?;
        let revision = match rows.first() {
            Some(row) => {
                if *id == module.as_str() {
                    transaction = Some(row.try_get::<_, i64>(1).map_err(|err| {
                        PgError::sql("read the transaction's id", Some(*module))(err)
                    })?);
                }
                revision_in(row, module)?
            }
            None => Revision::ZERO,
        };
        revisions.push((*id, revision));
    }
    let revision_of = |key: &str| {
        revisions
            .iter()
            .find(|(locked, _)| *locked == key)
            .map_or(Revision::ZERO, |(_, revision)| *revision)
    };
    let current = revision_of(module.as_str());
    let next = next_revision(BACKEND, module, expected, current, changes)?;
    check_preconditions(preconditions, module, current, |on| {
        Ok(revision_of(match on {
            Guarded::Module(guard) => guard.as_str(),
            Guarded::Groups => GROUPS_REVISION_KEY,
        }))
    })?;
    let Some(next) = next else {
        return Ok(None);
    };
    for change in changes {
        write::apply(session, module, change)?;
    }
    // In the same transaction, after the changes and before the revision:
    // the entries land with the batch or not at all.
    event_log::insert(session, module, log)?;
    // The triggers moved the revision once per row written; a commit
    // counts one, so the revision is set, not incremented.
    write::set_revision(session, module, next)?;
    // The row was locked above (the rows were made first), so the id is
    // there; were it not, a lost COMMIT's outcome is reported unknown
    // without asking the server.
    Ok(Some((next, transaction)))
}

/// What became of transaction `transaction`, asked on a new connection
/// after the old one was lost with its `COMMIT` on the way: `None` when
/// the server cannot say (the transaction's id is unknown, the connection
/// cannot be made again, or the
/// transaction is too old to be known).
fn outcome(session: &mut Session, transaction: Option<i64>) -> Option<Outcome> {
    let transaction = transaction?;
    // The server may still be finishing it when the loss is noticed.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let rows = session
            .query(
                TRANSACTION_STATUS,
                &[&transaction],
                "ask what became of a commit",
                None,
            )
            .ok()?;
        let status: Option<String> = rows.first()?.try_get(0).ok()?;
        match status.as_deref() {
            Some("committed") => return Some(Outcome::Committed),
            Some("aborted") => return Some(Outcome::Aborted),
            Some(_) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => return None,
        }
    }
}

/// The connection was lost while `COMMIT` was on its way, and the server
/// could not be asked whether it landed.
fn unknown_outcome(module: &ModuleId, session: &Session) -> StoreError {
    StoreError::Unavailable {
        backend: BACKEND,
        reason: format!(
            "the connection to {} was lost while committing to module {module}, so whether the \
             batch landed is unknown; load the module to see (committing the same batch on the \
             same revision again is safe: it conflicts if the first one landed)",
            session.target().endpoint()
        ),
    }
}

/// A random pause before attempt `attempt`, longer each time, so that two
/// writers that deadlocked do not meet again in step.
fn pause(attempt: u32) -> Duration {
    jittered(Duration::from_millis(5) * attempt.min(10))
}
