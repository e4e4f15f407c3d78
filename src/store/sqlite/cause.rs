//! What an SQLite failure means, in words of our own, for the errors whose
//! code says more than "it failed": a table constraint names the column or
//! key, a read-only or full disk says so. Only `Display` reaches a person
//! in many reports (the CLI prints nothing else), so the cause belongs in
//! the text; SQLite's own message stays in the error's source, and is not
//! repeated word for word.

use rusqlite::{ffi, ErrorCode};

/// The cause of `err` in words, when its code tells one.
pub(super) fn explain(err: &rusqlite::Error) -> Option<String> {
    let rusqlite::Error::SqliteFailure(failure, message) = err else {
        return None;
    };
    let message = message.as_deref().unwrap_or_default();
    match failure.code {
        ErrorCode::ConstraintViolation => Some(constraint(failure.extended_code, message)),
        ErrorCode::ReadOnly => Some("the database is read-only to this process".to_owned()),
        ErrorCode::DiskFull => Some("the disk is full".to_owned()),
        ErrorCode::NotADatabase => Some("the file is not an SQLite database".to_owned()),
        _ => None,
    }
}

/// A constraint of a table refused a row. SQLite's message is
/// `NOT NULL constraint failed: b_module_group.ID` and the like; the part
/// after the colon names the columns (or the CHECK constraint).
fn constraint(extended_code: i32, message: &str) -> String {
    let subject = message
        .split_once(" failed: ")
        .map(|(_, subject)| subject.trim())
        .filter(|subject| !subject.is_empty());
    match (extended_code, subject) {
        (ffi::SQLITE_CONSTRAINT_NOTNULL, Some(column)) => format!(
            "column {column} is NOT NULL without a default, and the store does not write it \
             (a table converted from MySQL may have lost its AUTO_INCREMENT); give the column a \
             default, or make an id column INTEGER PRIMARY KEY so that SQLite numbers new rows"
        ),
        (ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY, Some(columns)) => {
            format!("another row already has the same {columns}, which a unique key forbids")
        }
        (ffi::SQLITE_CONSTRAINT_CHECK, Some(check)) => {
            format!("the table's CHECK constraint {check} refused the row")
        }
        (ffi::SQLITE_CONSTRAINT_TRIGGER, _) => "a trigger on the table refused the change".into(),
        (ffi::SQLITE_CONSTRAINT_FOREIGNKEY, _) => "a foreign key refused the change".into(),
        _ => "a constraint of the table refused the change".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// The cause of running `sql` on a database made by `schema`.
    fn cause_of(schema: &str, sql: &str) -> Option<String> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(schema).unwrap();
        explain(&conn.execute_batch(sql).unwrap_err())
    }

    #[test]
    fn each_kind_of_constraint_names_what_refused_the_row() {
        let schema = "CREATE TABLE t (ID INT NOT NULL PRIMARY KEY, A TEXT UNIQUE, \
                      B INT CONSTRAINT small CHECK (B < 10));
                      CREATE TRIGGER no_x BEFORE INSERT ON t WHEN NEW.A = 'x' \
                      BEGIN SELECT RAISE(ABORT, 'no x'); END;
                      INSERT INTO t VALUES (1, 'a', 1);";
        for (sql, expected) in [
            (
                "INSERT INTO t (A) VALUES ('b')",
                "column t.ID is NOT NULL without a default",
            ),
            (
                "INSERT INTO t VALUES (2, 'a', 1)",
                "another row already has the same t.A",
            ),
            (
                "INSERT INTO t VALUES (1, 'c', 1)",
                "another row already has the same t.ID",
            ),
            (
                "INSERT INTO t VALUES (2, 'c', 99)",
                "CHECK constraint small refused",
            ),
            (
                "INSERT INTO t VALUES (2, 'x', 1)",
                "a trigger on the table refused",
            ),
        ] {
            let cause = cause_of(schema, sql).unwrap();
            assert!(cause.contains(expected), "{sql}: {cause}");
        }
    }

    #[test]
    fn other_failures_have_no_cause_of_their_own() {
        assert_eq!(cause_of("", "SELECT * FROM missing"), None);
    }
}
