//! Which store `--db` names — an SQLite file, or a `mysql://` or
//! `postgres://` URL — opened behind one type, so every command works on
//! each. Server URLs are never printed with their password.

use std::path::Path;

use crate::{SqliteStore, Store};

use crate::cli::failure::Failure;

/// The database `--db` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    Mysql,
    Postgres,
}

fn kind(db: &str) -> Kind {
    let scheme = db
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("mysql" | "mariadb") => Kind::Mysql,
        Some("postgres" | "postgresql") => Kind::Postgres,
        _ => Kind::Sqlite,
    }
}

/// Whether `--db` names an SQLite file that does not exist yet (opening it
/// would create it). A server URL is never missing here.
pub fn is_missing_file(db: &Path) -> bool {
    kind(&db.to_string_lossy()) == Kind::Sqlite && std::fs::symlink_metadata(db).is_err()
}

/// Opens the database `--db` names.
pub fn open(db: &Path) -> Result<Box<dyn Store>, Failure> {
    let text = db.to_string_lossy();
    match kind(&text) {
        Kind::Sqlite => SqliteStore::open(db)
            .map(|store| Box::new(store) as Box<dyn Store>)
            .map_err(|err| {
                Failure::other(format!(
                    "could not open the database {}: {err}",
                    db.display()
                ))
            }),
        Kind::Mysql => mysql(&text),
        Kind::Postgres => postgres(&text),
    }
}

#[cfg(feature = "mysql")]
fn mysql(url: &str) -> Result<Box<dyn Store>, Failure> {
    crate::MysqlStore::connect(url)
        .map(|store| Box::new(store) as Box<dyn Store>)
        .map_err(|err| Failure::other(format!("could not open the database {}: {err}", shown(url))))
}

#[cfg(not(feature = "mysql"))]
fn mysql(url: &str) -> Result<Box<dyn Store>, Failure> {
    Err(not_built(url, "MySQL", "mysql"))
}

#[cfg(feature = "postgres")]
fn postgres(url: &str) -> Result<Box<dyn Store>, Failure> {
    crate::PostgresStore::connect(url)
        .map(|store| Box::new(store) as Box<dyn Store>)
        .map_err(|err| Failure::other(format!("could not open the database {}: {err}", shown(url))))
}

#[cfg(not(feature = "postgres"))]
fn postgres(url: &str) -> Result<Box<dyn Store>, Failure> {
    Err(not_built(url, "PostgreSQL", "postgres"))
}

#[cfg(not(all(feature = "mysql", feature = "postgres")))]
fn not_built(url: &str, engine: &str, feature: &str) -> Failure {
    Failure::input(format!(
        "{} is a {engine} database, and this build has no {engine} support: \
         build the example with --features sqlite,{feature}",
        shown(url)
    ))
}

/// `url` without its password (and without anything after the host, where
/// a query string might carry one), to name the database in messages.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        // An URL that does not parse is shown by its scheme alone: its
        // other parts may hold a password in a shape we cannot cut out.
        Err(_) => format!(
            "{}://…",
            url.split_once("://").map_or("", |(scheme, _)| scheme)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_engine_and_anything_else_is_an_sqlite_file() {
        assert_eq!(kind("mysql://ci:ci@127.0.0.1:33069/bitrix"), Kind::Mysql);
        assert_eq!(kind("MariaDB://h/db"), Kind::Mysql);
        assert_eq!(kind("postgres://postgres@127.0.0.1/db"), Kind::Postgres);
        assert_eq!(kind("postgresql://h/db"), Kind::Postgres);
        assert_eq!(kind("demo.db"), Kind::Sqlite);
        assert_eq!(kind("/var/lib/bitrix.sqlite"), Kind::Sqlite);
    }

    #[test]
    fn passwords_are_never_shown() {
        let mysql = shown("mysql://ci:s3cr3t@127.0.0.1:33069/bitrix?password=s3cr3t");
        assert_eq!(mysql, "mysql://ci:***@127.0.0.1:33069/bitrix");
        assert_eq!(
            shown("postgres://postgres@h:5432/db"),
            "postgres://postgres@h:5432/db"
        );
        let broken = shown("mysql://ci:s3cr3t@[bad/db");
        assert!(!broken.contains("s3cr3t"), "{broken}");
    }
}
