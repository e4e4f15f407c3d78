//! A database of its own for each PostgreSQL test, on the server named by
//! `MODULE_SETTINGS_POSTGRES_URL` or a throwaway one (see `server_common`;
//! without PostgreSQL's programs the tests skip, saying so), so that tests
//! run in parallel: created
//! with a random name, dropped (with any connection still on it) when the
//! test ends.

#![allow(dead_code)] // Each test file uses part of it.

#[path = "../server_common/mod.rs"]
mod server_common;

use module_settings::PostgresStore;

/// The server's URL (any database on it; the tests make their own), or
/// `None`: skip the test (it has said why; see `server_common`).
pub fn server_url() -> Option<String> {
    server_common::url(server_common::Engine::Postgres)
}

/// A database that lives as long as the value.
pub struct TestDb {
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    /// A new, empty database; `None`: there is no server, and the test is
    /// to be skipped.
    pub fn new() -> Option<TestDb> {
        let server = server_url()?;
        let name = server_common::unique_name("module_settings_test");
        admin(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|err| panic!("could not create database {name}: {err}"));
        let mut url = url::Url::parse(&server).expect("the server URL parses");
        url.set_path(&name);
        Some(TestDb {
            server,
            name,
            url: url.to_string(),
        })
    }

    /// A new database holding Bitrix's tables and rows
    /// (`tests/data/bitrix_tables_pgsql.sql`).
    pub fn bitrix() -> Option<TestDb> {
        let db = TestDb::new()?;
        db.sql(include_str!("../data/bitrix_tables_pgsql.sql"));
        Some(db)
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL with `?query` added.
    pub fn url_with(&self, query: &str) -> String {
        format!("{}?{query}", self.url)
    }

    /// A store on the database.
    pub fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url).unwrap_or_else(|err| panic!("connect: {err}"))
    }

    /// A plain connection to the database, as another program has.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|err| panic!("connect to {}: {err}", self.name))
    }

    /// Runs `sql` on a plain connection.
    pub fn sql(&self, sql: &str) {
        self.client()
            .batch_execute(sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    }

    /// Runs one statement on a plain connection and returns how many rows
    /// it changed.
    pub fn execute(&self, sql: &str) -> u64 {
        self.client()
            .execute(sql, &[])
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Ends the server sessions on `db` whose application name is
/// `application` (a store's connections are `module-settings`, its
/// listener's `module-settings listener`), as a server restart or an idle
/// timeout would, and waits until they are gone; returns how many there
/// were.
pub fn terminate(db: &TestDb, application: &str) -> usize {
    let mut client = db.client();
    let pids: Vec<i32> = client
        .query(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = $1",
            &[&application],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    for pid in &pids {
        client
            .execute("SELECT pg_terminate_backend($1)", &[pid])
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let left = client
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)",
                &[&pids],
            )
            .unwrap();
        if left.is_empty() {
            return pids.len();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("the sessions of {application} did not end");
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // FORCE ends the connections still open (a listener thread that has
        // not noticed its store is gone).
        let _ = admin(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn admin(server: &str) -> postgres::Client {
    postgres::Client::connect(server, postgres::NoTls)
        .unwrap_or_else(|err| panic!("could not connect to the test server {server}: {err}"))
}

/// Bitrix's tables of the site, as its PostgreSQL install script creates
/// them (`main/install/pgsql/install.sql`).
pub const SITE_TABLES: &str = "
CREATE TABLE b_group (
  ID int GENERATED BY DEFAULT AS IDENTITY NOT NULL,
  TIMESTAMP_X timestamp DEFAULT CURRENT_TIMESTAMP,
  ACTIVE char(1) NOT NULL DEFAULT 'Y',
  C_SORT int NOT NULL DEFAULT '100',
  ANONYMOUS char(1) NOT NULL DEFAULT 'N',
  IS_SYSTEM char(1) NOT NULL DEFAULT 'Y',
  NAME varchar(255) NOT NULL,
  DESCRIPTION varchar(255),
  SECURITY_POLICY text,
  STRING_ID varchar(255),
  PRIMARY KEY (ID)
);
CREATE TABLE b_lang (
  LID char(2) NOT NULL,
  SORT int NOT NULL DEFAULT '100',
  DEF char(1) NOT NULL DEFAULT 'N',
  ACTIVE char(1) NOT NULL DEFAULT 'Y',
  NAME varchar(50) NOT NULL,
  DIR varchar(50) NOT NULL,
  FORMAT_DATE varchar(50),
  FORMAT_DATETIME varchar(50),
  FORMAT_NAME varchar(255),
  WEEK_START int,
  CHARSET varchar(255),
  LANGUAGE_ID char(2) NOT NULL,
  DOC_ROOT varchar(255),
  DOMAIN_LIMITED char(1) NOT NULL DEFAULT 'N',
  SERVER_NAME varchar(255),
  SITE_NAME varchar(255),
  EMAIL varchar(255),
  CULTURE_ID int,
  PRIMARY KEY (LID)
);
CREATE INDEX ix_b_lang_def_active ON b_lang (DEF, ACTIVE);
CREATE TABLE b_user_group (
  USER_ID int NOT NULL,
  GROUP_ID int NOT NULL,
  DATE_ACTIVE_FROM timestamp,
  DATE_ACTIVE_TO timestamp
);
CREATE UNIQUE INDEX ux_b_user_group_user_id_group_id ON b_user_group (user_id, group_id);
CREATE INDEX ix_b_user_group_group_id ON b_user_group (group_id);
";

/// A datetime `days` from the database's now, as an SQL expression: how
/// the shared site checks write a date on this engine.
pub fn days_from_now(days: i32) -> String {
    format!("LOCALTIMESTAMP + interval '{days} days'")
}
