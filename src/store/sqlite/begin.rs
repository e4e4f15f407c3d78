//! Starting a write transaction, retried in short random pauses while
//! another connection holds the write lock.
//!
//! SQLite's busy handler sleeps longer and longer between attempts (up to
//! 100 ms), so a writer in another process that commits in a loop, freeing
//! the lock only for an instant between its transactions, is almost never
//! caught between two of them. Short pauses with random lengths catch such
//! a gap far more often, up to the store's busy timeout. (Writers in this
//! process do not compete here: they take turns first, see
//! `writer_turns`.)
//!
//! Only writes start with `BEGIN IMMEDIATE`. Reads are plain deferred
//! transactions that never write, so they never need the write lock and
//! never meet `SQLITE_BUSY_SNAPSHOT`, which only a read transaction that
//! tries to become a write transaction gets.

use std::time::{Duration, Instant};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::error::is_busy;
use crate::store::jitter::jittered;

/// The first pause after a busy attempt.
const FIRST_PAUSE: Duration = Duration::from_micros(100);

/// The longest pause between two attempts.
const LONGEST_PAUSE: Duration = Duration::from_millis(4);

/// `BEGIN IMMEDIATE` on `conn`, tried again while the database is busy
/// until `deadline`. `busy_timeout` is the connection's own timeout, which
/// is set to zero for the attempts (each must fail at once, to be retried
/// here) and restored afterwards.
pub(super) fn immediate(
    conn: &Connection,
    busy_timeout: Duration,
    deadline: Instant,
) -> rusqlite::Result<Transaction<'_>> {
    conn.busy_timeout(Duration::ZERO)?;
    let began = retry(conn, deadline);
    conn.busy_timeout(busy_timeout)?;
    began
}

fn retry(conn: &Connection, deadline: Instant) -> rusqlite::Result<Transaction<'_>> {
    let mut pause = FIRST_PAUSE;
    loop {
        // The caller holds the store's connection exclusively, so no other
        // transaction is open on it (`new_unchecked` would report one).
        match Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
            Err(err) if is_busy(&err) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(err);
                }
                std::thread::sleep(jittered(pause).min(left));
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            began => return began,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_freed_before_the_deadline_is_taken_and_the_timeout_restored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let holder = Connection::open(&path).unwrap();
        holder.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        let conn = Connection::open(&path).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let soon = Instant::now() + Duration::from_millis(20);
        let err = immediate(&conn, Duration::from_secs(3), soon).unwrap_err();
        assert!(is_busy(&err), "{err}");
        std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                holder.execute_batch("COMMIT").unwrap();
            });
            let later = Instant::now() + Duration::from_secs(10);
            immediate(&conn, Duration::from_secs(3), later)
                .unwrap()
                .commit()
                .unwrap();
        });
        // The connection's own timeout is back for its other statements.
        let timeout: i64 = conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(timeout, 3_000);
    }
}
