//! A fresh database on the test server for each test, dropped at the end,
//! so tests run in parallel on one server.
//!
//! The server (see `server_common`) is the one `MODULE_SETTINGS_MYSQL_URL`
//! names, without a database (`mysql://ci:ci@127.0.0.1:33069/`), or a
//! throwaway one; without MariaDB's programs the tests skip, saying so.
#![allow(dead_code)] // each test file uses a different part

#[path = "../server_common/mod.rs"]
mod server_common;

use std::sync::atomic::{AtomicU32, Ordering};

use module_settings::MysqlStore;
use mysql::prelude::Queryable;

/// The server's URL, ending in `/`, to which a database name is added;
/// `None`: skip the test (it has said why).
pub fn server_url() -> Option<String> {
    let url = server_common::url(server_common::Engine::Mysql)?;
    Some(if url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    })
}

/// A plain connection to `url`, as another program (Bitrix's PHP, an SQL
/// console) would open it.
pub fn plain(url: &str) -> mysql::Conn {
    let opts = mysql::Opts::from_url(url).expect("a valid test URL");
    let opts = mysql::OptsBuilder::from_opts(opts).prefer_socket(false);
    mysql::Conn::new(opts).expect("the test server accepts the connection")
}

/// A database of a test's own.
pub struct TestDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database with a name no other test uses; `None`:
    /// there is no server, and the test is to be skipped.
    pub fn new() -> Option<Self> {
        let server = server_url()?;
        let name = server_common::unique_name("ms_test");
        plain(&server)
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .expect("create the test database");
        Some(TestDatabase { server, name })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the database.
    pub fn url(&self) -> String {
        format!("{}{}", self.server, self.name)
    }

    /// The URL of the server, without a database.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// A store on the database.
    pub fn store(&self) -> MysqlStore {
        MysqlStore::connect(&self.url()).unwrap_or_else(|err| panic!("connect: {err}"))
    }

    /// A plain connection to the database.
    pub fn conn(&self) -> mysql::Conn {
        plain(&self.url())
    }

    /// Runs `sql` (one or more statements) on a plain connection.
    pub fn exec(&self, sql: &str) {
        self.conn()
            .query_drop(sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = plain(&self.server).query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

/// A user of the test server made for one test, with the privileges it
/// is given, dropped at the end.
pub struct TestUser {
    server: String,
    name: String,
    password: String,
}

impl TestUser {
    /// Creates a user allowed to log in from 127.0.0.1 with `password`,
    /// holding `privileges` (`SELECT, INSERT`) on `database` only.
    pub fn new(database: &TestDatabase, password: &str, privileges: &str) -> Self {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "mst_{}_{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = plain(database.server());
        admin
            .query_drop(format!(
                "CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{password}'"
            ))
            .expect("create the test user");
        admin
            .query_drop(format!(
                "GRANT {privileges} ON `{}`.* TO '{name}'@'127.0.0.1'",
                database.name()
            ))
            .expect("grant the test user its privileges");
        TestUser {
            server: database.server().to_owned(),
            name,
            password: password.to_owned(),
        }
    }

    /// Grants `privileges` on everything (`SUPER`).
    pub fn grant_globally(&self, privileges: &str) {
        plain(&self.server)
            .query_drop(format!(
                "GRANT {privileges} ON *.* TO '{}'@'127.0.0.1'",
                self.name
            ))
            .expect("grant the test user a global privilege");
    }

    /// The user's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of `database` as this user.
    pub fn url(&self, database: &TestDatabase) -> String {
        let rest = self
            .server
            .split_once('@')
            .map_or(self.server.as_str(), |(_, rest)| rest);
        format!(
            "mysql://{}:{}@{rest}{}",
            self.name,
            self.password,
            database.name()
        )
    }

    /// Closes every connection the user has open, as a server restart or
    /// an administrator's KILL would.
    pub fn kill_connections(&self) -> usize {
        let mut admin = plain(&self.server);
        let ids: Vec<u64> = admin
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?",
                (self.name.as_str(),),
            )
            .unwrap();
        for id in &ids {
            let _ = admin.query_drop(format!("KILL {id}"));
        }
        ids.len()
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = plain(&self.server).query_drop(format!("DROP USER '{}'@'127.0.0.1'", self.name));
    }
}

/// Bitrix's site tables exactly as its MySQL install script declares them.
pub const SITE_TABLES: &str = "
CREATE TABLE b_group
(
	ID int not null auto_increment,
	TIMESTAMP_X timestamp,
	ACTIVE char(1) not null default 'Y',
	C_SORT int not null default '100',
	ANONYMOUS char(1) not null default 'N',
	IS_SYSTEM char(1) not null default 'Y',
	NAME varchar(255) not null,
	DESCRIPTION varchar(255),
	SECURITY_POLICY text,
	STRING_ID varchar(255),
	PRIMARY KEY (ID)
);
CREATE TABLE b_lang
(
	LID char(2) not null,
	SORT int not null default '100',
	DEF char(1) not null default 'N',
	ACTIVE char(1) not null default 'Y',
	NAME varchar(50) not null,
	DIR varchar(50) not null,
	FORMAT_DATE varchar(50) null,
	FORMAT_DATETIME varchar(50) null,
	FORMAT_NAME varchar(255) null,
	WEEK_START int null,
	CHARSET varchar(255) null,
	LANGUAGE_ID char(2) not null,
	DOC_ROOT varchar(255),
	DOMAIN_LIMITED char(1) not null default 'N',
	SERVER_NAME varchar(255),
	SITE_NAME varchar(255),
	EMAIL varchar(255),
	CULTURE_ID int,
	PRIMARY KEY (LID),
	INDEX ix_b_lang_def_active (DEF, ACTIVE)
);
CREATE TABLE b_user_group
(
	USER_ID INT not null,
	GROUP_ID INT not null,
	DATE_ACTIVE_FROM datetime,
	DATE_ACTIVE_TO datetime,
	UNIQUE ix_user_group (USER_ID, GROUP_ID),
	INDEX ix_user_group_group (GROUP_ID)
);
";

/// A datetime `days` from the database's now, as an SQL expression: how
/// the shared site checks write a date on this engine.
pub fn days_from_now(days: i32) -> String {
    format!("(NOW() + INTERVAL {days} DAY)")
}
