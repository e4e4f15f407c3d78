//! Switching a connection to WAL with `synchronous=FULL`, and
//! reading both back: SQLite keeps the old journal mode *silently* when it
//! cannot use WAL (a temporary database, a VFS without shared memory), and
//! a store that believed otherwise would return from commits that are not
//! yet durable.

use rusqlite::Connection;

use super::error::SqliteError;

/// The journal mode a store needs: WAL on disk; an in-memory database has
/// no journal file to put in WAL mode and reports `memory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Journal {
    /// A database file: `wal`.
    Wal,
    /// `SqliteStore::open_in_memory`: `memory`.
    Memory,
}

impl Journal {
    fn expected(self) -> &'static str {
        match self {
            Journal::Wal => "wal",
            Journal::Memory => "memory",
        }
    }
}

/// `synchronous=FULL` as SQLite reports it.
const SYNCHRONOUS_FULL: i64 = 2;

/// Asks for WAL and `synchronous=FULL`, then checks that SQLite took both.
pub(super) fn configure(conn: &Connection, journal: Journal) -> Result<(), SqliteError> {
    let sql = |action| SqliteError::sql(action, None);
    // WAL lets readers go on while one writer commits; FULL makes every
    // commit durable, not just consistent. The pragma answers with the mode
    // in force afterwards, which is how a refusal shows.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(sql("switch the database to WAL"))?;
    if !mode.eq_ignore_ascii_case(journal.expected()) {
        return Err(SqliteError::NotDurable {
            setting: "journal_mode",
            asked: "WAL",
            found: format!("\"{mode}\""),
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql("set synchronous=FULL"))?;
    let synchronous: i64 = conn
        .query_row("PRAGMA synchronous", [], |row| row.get(0))
        .map_err(sql("read back synchronous"))?;
    if synchronous != SYNCHRONOUS_FULL {
        return Err(SqliteError::NotDurable {
            setting: "synchronous",
            asked: "FULL (2)",
            found: synchronous.to_string(),
        });
    }
    Ok(())
}

/// The journal mode and `synchronous` value `conn` runs with, for tests.
#[cfg(test)]
pub(super) fn settings_of(conn: &Connection) -> (String, i64) {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let synchronous: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    (mode, synchronous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_switched_to_wal_and_full() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("a.sqlite")).unwrap();
        configure(&conn, Journal::Wal).unwrap();
        assert_eq!(settings_of(&conn), ("wal".to_owned(), 2));
    }

    #[test]
    fn a_refused_wal_is_an_error_naming_what_sqlite_kept() {
        // A temporary database (empty name) stays in rollback mode.
        let conn = Connection::open("").unwrap();
        let err = configure(&conn, Journal::Wal).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the database kept journal_mode at \"delete\" when WAL was asked for, so commits \
             would not be durable when they return; the store needs a database file that can \
             use WAL (an in-memory database is opened with SqliteStore::open_in_memory)"
        );
        // In memory, `memory` is what is expected.
        configure(&Connection::open_in_memory().unwrap(), Journal::Memory).unwrap();
        assert!(configure(&Connection::open_in_memory().unwrap(), Journal::Wal).is_err());
    }
}
