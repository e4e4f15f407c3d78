//! `MysqlStore`'s reading of the site's surroundings — `b_group`, `b_lang`,
//! `b_user_group` — its event log, written in the commit's transaction,
//! and group changes in its change feed.

#![cfg(feature = "mysql")]

mod bitrix_common;
mod mysql_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bitrix_common::directory::*;
use bitrix_common::{option, VIDEO, VIDEOPORT};
use module_settings::store::directory::{EventLog, LogQuery};
use module_settings::store::{ChangeListener, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId, Store, StoreError, UserId};
use mysql::prelude::Queryable;
use mysql_common::TestDatabase;
use mysql_common::SITE_TABLES;

const MYSQL: Dialect = Dialect {
    days_from_now: mysql_common::days_from_now,
};

/// Bitrix's settings tables, its event log and rows.
const BITRIX_TABLES: &str = include_str!("data/bitrix_tables_mysql.sql");

/// How long the groups feed may take to report a plain SQL update.
const FEED_BOUND: Duration = Duration::from_secs(2);

/// A database holding Bitrix's site tables and [`site_rows`].
fn with_site_rows() -> Option<TestDatabase> {
    let database = TestDatabase::new()?;
    database.exec(SITE_TABLES);
    for statement in site_rows(&MYSQL) {
        database.exec(&statement);
    }
    Some(database)
}

/// A database holding Bitrix's settings tables and its `b_event_log`, the
/// way MySQL 8 and MariaDB 10.10+ declare it (TIMESTAMP_X without a
/// default), whatever the server's own setting.
fn with_bitrix_event_log() -> Option<TestDatabase> {
    let database = TestDatabase::new()?;
    database.exec(&format!(
        "SET SESSION explicit_defaults_for_timestamp = ON; {BITRIX_TABLES}"
    ));
    Some(database)
}

fn strings(database: &TestDatabase, sql: &str) -> Vec<String> {
    database.conn().query(sql).unwrap()
}

/// `SHOW CREATE TABLE` of `table`, without its next AUTO_INCREMENT value.
fn schema_of(database: &TestDatabase, table: &str) -> String {
    let row: Option<(String, String)> = database
        .conn()
        .query_first(format!("SHOW CREATE TABLE {table}"))
        .unwrap();
    row.unwrap()
        .1
        .split(' ')
        .filter(|word| !word.starts_with("AUTO_INCREMENT="))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn without_the_site_tables_the_directory_says_none() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    assert_no_site_tables(&store);
    let tables = strings(&database, "SHOW TABLES");
    for table in ["b_group", "b_lang", "b_user_group"] {
        assert!(!tables.iter().any(|t| t == table), "{table} was created");
    }
}

#[test]
fn the_site_tables_are_read_as_bitrix_reads_them() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    assert_site_rows_read(&store);
}

/// The dates' edges, by the server's clock: a membership that starts and
/// ends in the very second the store reads it counts (both ends
/// inclusive); one that ended a second before does not, nor one that
/// starts later.
#[test]
fn membership_dates_are_compared_with_the_server_s_clock_both_ends_inclusive() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    let directory = store.directory().unwrap();
    let user = UserId::from_static(60);
    database.exec(
        "INSERT INTO b_user_group (USER_ID, GROUP_ID, DATE_ACTIVE_FROM, DATE_ACTIVE_TO) VALUES \
         (60, 11, NOW() - INTERVAL 5 SECOND, NOW() + INTERVAL 1 HOUR), \
         (60, 12, NOW() - INTERVAL 1 HOUR, NOW() - INTERVAL 1 SECOND), \
         (60, 13, NOW() + INTERVAL 1 HOUR, NULL), \
         (60, 14, NULL, NULL)",
    );
    let mut conn = database.conn();
    let now = |conn: &mut mysql::Conn| -> String {
        conn.query_first("SELECT CAST(NOW() AS CHAR)")
            .unwrap()
            .unwrap()
    };
    // Group 15 from and to the second of the read: the server's clock is
    // read before and after, and an attempt that straddles two seconds is
    // tried again.
    for _ in 0..50 {
        let second = now(&mut conn);
        conn.exec_drop(
            "INSERT INTO b_user_group (USER_ID, GROUP_ID, DATE_ACTIVE_FROM, DATE_ACTIVE_TO) \
             VALUES (60, 15, ?, ?) \
             ON DUPLICATE KEY UPDATE DATE_ACTIVE_FROM = VALUES(DATE_ACTIVE_FROM), \
             DATE_ACTIVE_TO = VALUES(DATE_ACTIVE_TO)",
            (&second, &second),
        )
        .unwrap();
        let groups = directory.user_groups(user).unwrap();
        if now(&mut conn) == second {
            assert_eq!(
                groups,
                Some([11, 14, 15].map(GroupId::from_static).to_vec()),
                "at {second}"
            );
            return;
        }
    }
    panic!("no attempt fell within one second of the server's clock");
}

#[test]
fn the_site_tables_are_read_afresh_each_time() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    let directory = store.directory().unwrap();
    let groups = || directory.groups().unwrap().unwrap();
    assert!(!groups().is_active(GroupId::from_static(5)));
    database.exec("UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 5");
    assert!(groups().is_active(GroupId::from_static(5)));
    database.exec("UPDATE b_lang SET NAME = 'Flagship' WHERE LID = 's1'");
    let sites = directory.sites().unwrap().unwrap();
    assert_eq!(
        sites.get(SiteId::from_static("s1")).unwrap().name(),
        "Flagship"
    );
    database.exec("DELETE FROM b_user_group WHERE USER_ID = 42 AND GROUP_ID = 5");
    assert_eq!(
        directory.user_groups(UserId::from_static(42)).unwrap(),
        Some(vec![GroupId::from_static(6)])
    );
}

#[test]
fn unreadable_site_rows_are_corrupt_and_named() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    let directory = store.directory().unwrap();
    let corrupt = |err: StoreError, record: &str, value: &str| {
        assert!(err.is_corrupt(), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("in {record}: found {value}")),
            "{text}"
        );
    };

    database.exec(
        "INSERT INTO b_lang (LID, NAME, DIR, LANGUAGE_ID) VALUES ('!!', 'Broken', '/', 'en')",
    );
    corrupt(directory.sites().unwrap_err(), "b_lang.LID", "\"!!\"");

    database.exec("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (50, 0)");
    corrupt(
        directory.user_groups(UserId::from_static(50)).unwrap_err(),
        "b_user_group.GROUP_ID (USER_ID 50)",
        "\"0\"",
    );

    // AUTO_INCREMENT would turn a 0 into the next id.
    database.exec(
        "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; \
         INSERT INTO b_group (ID, NAME) VALUES (0, 'Nobody')",
    );
    corrupt(directory.groups().unwrap_err(), "b_group.ID", "\"0\"");
}

#[test]
fn the_event_log_is_created_in_bitrix_layout_and_lands_with_commits() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    let columns = strings(
        &database,
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'b_event_log' ORDER BY ORDINAL_POSITION",
    );
    assert_eq!(columns, BITRIX_EVENT_LOG_COLUMNS);
    let create = schema_of(&database, "b_event_log");
    for part in [
        "ENGINE=InnoDB",
        "PRIMARY KEY (`ID`)",
        "KEY `ix_b_event_log_time` (`TIMESTAMP_X`)",
        "KEY `ix_b_event_log_audit_type_time` (`AUDIT_TYPE_ID`,`TIMESTAMP_X`)",
        // Every site id and user id the crate accepts fits.
        "`SITE_ID` varchar(32)",
    ] {
        assert!(create.contains(part), "{part}: {create}");
    }
    let user_id = create.lines().find(|l| l.contains("`USER_ID`")).unwrap();
    assert!(user_id.contains("unsigned"), "{user_id}");
    assert_event_log_lands_with_commits(&store);
    let rows: Vec<(String, String, String)> = database
        .conn()
        .query("SELECT SEVERITY, AUDIT_TYPE_ID, MODULE_ID FROM b_event_log ORDER BY ID")
        .unwrap();
    assert_eq!(
        rows,
        [
            ("SECURITY", "MODULE_RIGHTS_CHANGED", "main"),
            ("SECURITY", "MODULE_DEFAULT_RIGHT_CHANGED", "main"),
            ("INFO", "MODULE_OPTION_CHANGED", "videoport"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    // A long site id and the largest user id fit the table made here.
    let long_site = SiteId::new(&"s".repeat(32)).unwrap();
    let entry = entries(Some(u32::MAX))[2].clone().with_site(long_site);
    let current = store.revision(&VIDEOPORT).unwrap();
    let port = [option(Scope::Common, "ServerPort", "8002")];
    store
        .commit_logged(&VIDEOPORT, current, &port, &[], &[entry])
        .unwrap();
    let newest = &store.event_log().unwrap().read(&LogQuery::new()).unwrap()[0];
    assert_eq!(newest.site_id(), Some(long_site));
    assert_eq!(newest.user_id(), UserId::new(u32::MAX));
}

/// Bitrix's own `b_event_log`, whose `TIMESTAMP_X` has no default: the
/// store stamps each entry itself, with the server's clock, and leaves the
/// table as it was.
#[test]
fn bitrix_s_own_event_log_is_written_in_place() {
    let Some(database) = with_bitrix_event_log() else {
        return;
    };
    // MariaDB shows "no default" of a nullable column as the text NULL.
    let default: Option<Option<String>> = database
        .conn()
        .query_first(
            "SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'b_event_log' AND COLUMN_NAME = 'TIMESTAMP_X'",
        )
        .unwrap();
    let default = default.flatten();
    assert!(
        matches!(default.as_deref(), None | Some("NULL")),
        "the test needs a TIMESTAMP_X without a default: {default:?}"
    );
    let before = schema_of(&database, "b_event_log");
    let store = database.store();
    assert_eq!(schema_of(&database, "b_event_log"), before);
    assert_event_log_lands_with_commits(&store);
    let stamped: Vec<i64> = database
        .conn()
        .query(
            "SELECT ABS(TIMESTAMPDIFF(SECOND, TIMESTAMP_X, NOW())) FROM b_event_log \
             WHERE TIMESTAMP_X IS NOT NULL",
        )
        .unwrap();
    assert_eq!(stamped.len(), 3);
    assert!(stamped.iter().all(|s| *s < 60), "{stamped:?}");
}

#[test]
fn the_rest_of_bitrix_s_log_is_left_out() {
    let Some(database) = with_bitrix_event_log() else {
        return;
    };
    let store = database.store();
    let log = store.event_log().unwrap();
    // One entry of ours, then Bitrix's own rows after it — among them rows
    // whose type the table's collation takes for ours but which are not
    // ours (and so are neither returned nor counted against a limit).
    let entry = entries(None)[1].clone();
    let grant = [bitrix_common::grant(Scope::Common, 7, AccessLevel::R)];
    store
        .commit_logged(&VIDEO, Revision::ZERO, &grant, &[], &[entry])
        .unwrap();
    database.exec(
        "INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) \
         VALUES (NOW(), 'SECURITY', 'USER_AUTHORIZE', 'main', '1', 'login')",
    );
    // More than a page of them.
    let lookalikes = vec![
        "(NOW(), 'SECURITY', 'module_rights_changed', 'main', '5', 'video: () => (W)'), \
         (NOW(), 'INFO', 'MODULE_OPTION_CHANGED ', 'video', 'x', 'video: x changed')";
        100
    ]
    .join(", ");
    database.exec(&format!(
        "INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) \
         VALUES {lookalikes}"
    ));
    let read = log.read(&LogQuery::new().limit(1)).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].description(), "video: () => (R)");
    let read = log.read(&LogQuery::new().module(VIDEO).limit(1)).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(log.read(&LogQuery::new()).unwrap().len(), 1);
}

/// Every read is exactly what the query matches (the shared check), on
/// Bitrix's own `b_event_log`.
#[test]
fn reads_are_exactly_the_entries_the_query_matches() {
    let Some(database) = with_bitrix_event_log() else {
        return;
    };
    assert_reads_are_exactly_what_queries_match(
        &database.store(),
        &|sql| database.exec(sql),
        &MYSQL,
    );
}

/// A commit whose transaction fails after its audit entries were inserted
/// — at the revision, which the store writes last — leaves neither the
/// change nor the entries.
#[test]
fn a_commit_that_fails_after_its_audit_insert_leaves_neither() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    database.exec(
        "CREATE TRIGGER fail_after_log BEFORE UPDATE ON module_settings_revision FOR EACH ROW \
         BEGIN IF (SELECT COUNT(*) FROM b_event_log) > 0 THEN \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by a test trigger'; \
         END IF; END",
    );
    assert_a_failure_after_the_log_insert_leaves_neither(&store, Some("write the revision"));
}

/// And one whose audit insert itself fails leaves no change behind.
#[test]
fn a_commit_whose_audit_insert_fails_leaves_no_change() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    database.exec(
        "CREATE TRIGGER refuse_log BEFORE INSERT ON b_event_log FOR EACH ROW \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by a test trigger'",
    );
    assert_a_refused_log_insert_leaves_no_change(
        &store,
        Some("could not write an entry to b_event_log"),
    );
}

/// Bitrix's `b_event_log` holds site ids of 2 characters and user ids up
/// to 2147483647: a longer one is refused as the settings tables refuse
/// one, naming the column, and nothing of the commit is written.
#[test]
fn a_value_too_wide_for_bitrix_s_event_log_is_refused_and_nothing_written() {
    let Some(database) = with_bitrix_event_log() else {
        return;
    };
    let store = database.store();
    let port = [option(Scope::Common, "ServerPort", "8001")];
    let entry = entries(None)[2].clone();
    for (entry, expected) in [
        (
            entry.clone().with_site(SiteId::from_static("site3")),
            "a value is longer than column SITE_ID holds",
        ),
        (
            entry.with_user(UserId::new(u32::MAX).unwrap()),
            "a number is out of the range of column USER_ID",
        ),
    ] {
        let err = store
            .commit_logged(&VIDEOPORT, Revision::ZERO, &port, &[], &[entry])
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("b_event_log") && text.contains(expected),
            "{text}"
        );
        assert_nothing_landed(&store, Revision::ZERO);
    }
}

/// A listener that counts what it hears.
#[derive(Default)]
struct Counter {
    groups: AtomicUsize,
    modules: AtomicUsize,
    caught_up: AtomicUsize,
}

impl ChangeListener for Counter {
    fn changed(&self, _module: &ModuleId) {
        self.modules.fetch_add(1, Ordering::SeqCst);
    }
    fn groups_changed(&self) {
        self.groups.fetch_add(1, Ordering::SeqCst);
    }
    // The first poll's word, which has nothing to compare with.
    fn missed(&self) {}
    fn caught_up(&self, _as_of: Instant) {
        self.caught_up.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counter {
    fn watching(store: &dyn Store) -> Arc<Counter> {
        let counter = Arc::new(Counter::default());
        let listener: Arc<dyn ChangeListener> = counter.clone();
        assert!(store.watch(Arc::downgrade(&listener)));
        counter.wait_for_polls(1);
        counter
    }

    fn groups(&self) -> usize {
        self.groups.load(Ordering::SeqCst)
    }

    /// Waits until `more` polls have caught up after the call.
    fn wait_for_polls(&self, more: usize) {
        let target = self.caught_up.load(Ordering::SeqCst) + more;
        wait_until("the feed to catch up", || {
            self.caught_up.load(Ordering::SeqCst) >= target
        });
    }

    /// Waits for a groups change after `before` were heard; how long it
    /// took.
    fn wait_for_groups(&self, before: usize) -> Duration {
        let start = Instant::now();
        wait_until("a groups change", || self.groups() > before);
        start.elapsed()
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < FEED_BOUND * 3,
            "{what}: not within {:?}",
            FEED_BOUND * 3
        );
        thread::sleep(Duration::from_millis(5));
    }
}

fn trigger_names(database: &TestDatabase) -> Vec<String> {
    strings(
        database,
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS \
         WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'b_group' ORDER BY TRIGGER_NAME",
    )
}

/// Bitrix's admin page switching a group off (a plain UPDATE on another
/// connection) is heard as a groups change within the bound, not as a
/// module's; inserts and deletes too. The revision row that carries it is
/// never listed as a module.
#[test]
fn a_watching_listener_hears_group_changes_made_by_plain_sql() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    assert_eq!(
        trigger_names(&database),
        ["delete", "insert", "update"]
            .map(|event| format!("module_settings_revision_after_{event}_on_b_group"))
    );
    let counter = Counter::watching(&store);
    assert_eq!(counter.groups(), 0, "the first poll reports a miss only");

    database.exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6");
    let took = counter.wait_for_groups(0);
    assert!(took < FEED_BOUND, "heard after {took:?}");
    assert!(!store
        .directory()
        .unwrap()
        .groups()
        .unwrap()
        .unwrap()
        .is_active(GroupId::from_static(6)));

    database.exec("INSERT INTO b_group (ID, NAME) VALUES (20, 'Guests')");
    counter.wait_for_groups(1);
    database.exec("DELETE FROM b_group WHERE ID = 20");
    counter.wait_for_groups(2);
    counter.wait_for_polls(2);
    assert_eq!(counter.groups(), 3, "each change once");
    assert_eq!(counter.modules.load(Ordering::SeqCst), 0, "no module moved");

    // The groups' revision row is there, and no listing shows it.
    let keys = strings(&database, "SELECT MODULE_ID FROM module_settings_revision");
    assert_eq!(keys, ["#b_group"]);
    assert!(store.modules().unwrap().is_empty());
    assert_eq!(store.revisions().unwrap(), []);
    // With a module written, the module is listed, the key still not.
    store
        .commit(&VIDEO, Revision::ZERO, &[option(Scope::Common, "a", "1")])
        .unwrap();
    assert_eq!(store.modules().unwrap(), [VIDEO]);
    assert_eq!(store.revisions().unwrap(), [(VIDEO, Revision::new(1))]);
    // Any other id that is not a module's is still corrupt.
    database
        .exec("INSERT INTO module_settings_revision (MODULE_ID, REVISION) VALUES ('#b_lang', 1)");
    assert!(store.modules().unwrap_err().is_corrupt());
    assert!(store.revisions().unwrap_err().is_corrupt());
}

/// The triggers are made when a store connects: a `b_group` created later
/// is read at once, and its changes reach the feed once a store has
/// connected again.
#[test]
fn a_b_group_created_after_the_store_connected_needs_a_new_connection_for_the_feed() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    let counter = Counter::watching(&store);
    database.exec(SITE_TABLES);
    database.exec("INSERT INTO b_group (ID, NAME) VALUES (5, 'Editors')");
    assert_eq!(
        store.directory().unwrap().groups().unwrap().unwrap().len(),
        1
    );
    assert!(trigger_names(&database).is_empty());
    counter.wait_for_polls(2);
    assert_eq!(counter.groups(), 0);

    drop(database.store());
    assert_eq!(trigger_names(&database).len(), 3);
    database.exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 5");
    let took = counter.wait_for_groups(0);
    assert!(took < FEED_BOUND, "heard after {took:?}");
}

/// Through `Arc<dyn Store>` the directory and the log are the store's.
#[test]
fn the_event_log_and_directory_reach_through_arc_dyn_store() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = Arc::new(database.store()) as Arc<dyn Store>;
    let log: &dyn EventLog = store.event_log().unwrap();
    assert_eq!(log.read(&LogQuery::new()).unwrap(), []);
    assert_eq!(store.directory().unwrap().sites().unwrap(), None);
}

/// A user who may write the settings tables but not watch `b_group` (its
/// settings triggers made earlier by an administrator) still connects
/// after an upgrade: the store only says its feed does not report group
/// changes.
#[test]
fn a_user_without_trigger_on_b_group_connects_and_says_groups_are_not_reported() {
    let Some(database) = with_site_rows() else {
        return;
    };
    drop(database.store()); // the administrator's first connection
    for event in ["insert", "update", "delete"] {
        database.exec(&format!(
            "DROP TRIGGER module_settings_revision_after_{event}_on_b_group"
        ));
    }
    let user = mysql_common::TestUser::new(&database, "app-pass", "SELECT, INSERT, UPDATE, DELETE");
    let store = module_settings::MysqlStore::connect(&user.url(&database))
        .unwrap_or_else(|err| panic!("{err}"));
    let directory = store.directory().unwrap();
    assert!(!directory.reports_group_changes());
    assert!(
        directory.groups().unwrap().is_some(),
        "b_group is read all the same"
    );
}

#[test]
fn the_groups_revision_moves_with_b_group_and_guards_commits() {
    let Some(database) = with_site_rows() else {
        return;
    };
    let store = database.store();
    assert_groups_revision_moves_and_guards_commits(&store, &|sql| database.exec(sql));
}
