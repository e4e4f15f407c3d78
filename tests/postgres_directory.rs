//! `PostgresStore`'s reading of the site's surroundings — `b_group`,
//! `b_lang`, `b_user_group` — its event log, written in the commit's
//! transaction, and changes of `b_group` in its change feed.

#![cfg(feature = "postgres")]

mod bitrix_common;
mod heard_common;
mod postgres_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bitrix_common::directory::*;
use bitrix_common::{option, VIDEO, VIDEOPORT};
use heard_common::Heard;
use module_settings::store::directory::{AuditType, LogEntry, LogQuery};
use module_settings::store::Revision;
use module_settings::{GroupId, ModuleId, PostgresStore, Scope, SiteId, Store, StoreError, UserId};
use postgres_common::TestDb;
use postgres_common::SITE_TABLES;

const POSTGRES: Dialect = Dialect {
    days_from_now: postgres_common::days_from_now,
};

/// Session time zones that are not UTC, one ahead of it and one behind,
/// neither a whole number of hours away: a time read or compared in the
/// wrong zone is off by hours.
const ZONES: [&str; 2] = ["Asia/Kathmandu", "America/St_Johns"];

fn with_site_rows(db: &TestDb) {
    db.sql(SITE_TABLES);
    for statement in site_rows(&POSTGRES) {
        db.sql(&statement);
    }
}

/// Rows of `sql` (which selects text columns), each as a vector of
/// optional strings.
fn rows(db: &TestDb, sql: &str) -> Vec<Vec<Option<String>>> {
    db.client()
        .query(sql, &[])
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .iter()
        .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
        .collect()
}

/// The rows of `sql` with one text column, as strings.
fn column(db: &TestDb, sql: &str) -> Vec<String> {
    rows(db, sql)
        .into_iter()
        .map(|row| row[0].clone().unwrap_or_default())
        .collect()
}

fn triggers_of(db: &TestDb) -> Vec<String> {
    column(
        db,
        "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
    )
}

/// A store whose sessions keep time in `zone`.
fn store_in_zone(db: &TestDb, zone: &str) -> PostgresStore {
    PostgresStore::connect(&db.url_with(&format!("options=-c%20TimeZone%3D{zone}")))
        .unwrap_or_else(|err| panic!("connect in {zone}: {err}"))
}

#[test]
fn without_the_site_tables_the_directory_says_none() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    assert_no_site_tables(&store);
    assert!(
        column(&db, "SELECT to_regclass('b_group')::text")[0].is_empty(),
        "the site's tables are never created"
    );
}

#[test]
fn the_site_tables_are_read_as_bitrix_reads_them() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    assert_site_rows_read(&db.store());
}

/// Bitrix writes membership dates as the server's local wall-clock time:
/// in a database whose zone is hours away from UTC, a membership that
/// ended an hour ago, or starts in an hour, does not count, and one that
/// runs from an hour ago to an hour from now does.
#[test]
fn memberships_count_by_the_database_s_own_wall_clock() {
    for zone in ZONES {
        let Some(db) = TestDb::new() else {
            return;
        };
        db.sql(&format!(
            "ALTER DATABASE {} SET TimeZone = '{zone}'",
            db.name()
        ));
        db.sql(SITE_TABLES);
        db.sql(
            "INSERT INTO b_user_group (USER_ID, GROUP_ID, DATE_ACTIVE_FROM, DATE_ACTIVE_TO) VALUES \
             (42, 5, LOCALTIMESTAMP - interval '1 hour', LOCALTIMESTAMP + interval '1 hour'), \
             (42, 6, NULL, LOCALTIMESTAMP - interval '1 hour'), \
             (42, 7, LOCALTIMESTAMP + interval '1 hour', NULL)",
        );
        let store = db.store();
        let directory = store.directory().unwrap();
        assert_eq!(
            directory.user_groups(UserId::from_static(42)).unwrap(),
            Some(vec![GroupId::from_static(5)]),
            "{zone}"
        );
        // A user id beyond Bitrix's int finds no rows rather than failing.
        assert_eq!(
            directory
                .user_groups(UserId::from_static(u32::MAX))
                .unwrap(),
            Some(vec![])
        );
    }
}

#[test]
fn the_site_tables_are_read_afresh_each_time() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    let store = db.store();
    let groups = || store.directory().unwrap().groups().unwrap().unwrap();
    assert!(!groups().is_active(GroupId::from_static(5)));
    db.sql("UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 5");
    assert!(groups().is_active(GroupId::from_static(5)));
    let user = || {
        store
            .directory()
            .unwrap()
            .user_groups(UserId::from_static(43))
            .unwrap()
    };
    assert_eq!(user(), Some(vec![]));
    db.sql("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (43, 6)");
    assert_eq!(user(), Some(vec![GroupId::from_static(6)]));
    db.sql("DELETE FROM b_lang WHERE LID = 's2'");
    assert_eq!(
        store.directory().unwrap().sites().unwrap().unwrap().len(),
        1
    );
}

#[test]
fn unreadable_site_rows_are_corrupt_and_named() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    let store = db.store();
    let directory = store.directory().unwrap();

    db.sql("INSERT INTO b_lang (LID, NAME, DIR, LANGUAGE_ID) VALUES ('a!', 'Broken', '/', 'en')");
    let err = directory.sites().unwrap_err();
    assert!(err.is_corrupt(), "{err}");
    assert!(
        err.to_string().contains("b_lang.LID") && err.to_string().contains("a!"),
        "{err}"
    );

    db.sql("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (50, 0)");
    let err = directory.user_groups(UserId::from_static(50)).unwrap_err();
    assert!(err.is_corrupt(), "{err}");
    assert!(
        err.to_string()
            .contains("b_user_group.GROUP_ID (USER_ID 50)")
            && err.to_string().contains("\"0\""),
        "{err}"
    );

    db.sql("INSERT INTO b_group (ID, NAME) VALUES (-3, 'Negative')");
    let err = directory.groups().unwrap_err();
    assert!(err.is_corrupt(), "{err}");
    assert!(
        err.to_string().contains("b_group.ID") && err.to_string().contains("-3"),
        "{err}"
    );
}

/// The site's tables are those of the store's schema: a `b_group` the
/// search path finds in another schema is not the site's, and gets no
/// trigger.
#[test]
fn site_tables_in_another_schema_are_not_the_site_s() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    db.sql("CREATE SCHEMA bx");
    let store =
        PostgresStore::connect(&db.url_with("options=-c%20search_path%3Dbx,public")).unwrap();
    assert_eq!(
        column(
            &db,
            "SELECT to_regclass('bx.module_settings_revision')::text"
        ),
        ["bx.module_settings_revision"]
    );
    assert_no_site_tables(&store);
    assert!(
        !triggers_of(&db).contains(&"module_settings_revision_on_b_group".to_owned()),
        "{:?}",
        triggers_of(&db)
    );
}

#[test]
fn the_event_log_is_created_in_bitrix_layout_and_lands_with_commits() {
    for zone in ZONES {
        let Some(db) = TestDb::new() else {
            return;
        };
        // The times read back are exact instants, whatever the session's
        // zone: the shared check holds them to the test's clock.
        let store = store_in_zone(&db, zone);
        assert_eq!(
            rows(
                &db,
                "SELECT column_name::text, data_type::text, \
                 character_maximum_length::text, is_nullable::text \
                 FROM information_schema.columns WHERE table_name = 'b_event_log' \
                 ORDER BY ordinal_position"
            ),
            [
                ["id", "integer", "", "NO"],
                ["timestamp_x", "timestamp without time zone", "", "YES"],
                ["severity", "character varying", "50", "NO"],
                ["audit_type_id", "character varying", "50", "NO"],
                ["module_id", "character varying", "50", "NO"],
                ["item_id", "character varying", "255", "NO"],
                ["remote_addr", "character varying", "40", "YES"],
                ["user_agent", "text", "", "YES"],
                ["request_uri", "text", "", "YES"],
                // Wider than Bitrix's char(2) and int, as in the store's
                // other tables: every site and user id fits.
                ["site_id", "character varying", "32", "YES"],
                ["user_id", "bigint", "", "YES"],
                ["guest_id", "integer", "", "YES"],
                ["description", "text", "", "YES"],
            ]
            .map(|row| row.map(|c| (!c.is_empty()).then(|| c.to_owned())).to_vec())
        );
        assert_eq!(
            rows(
                &db,
                "SELECT indexname::text, indexdef FROM pg_indexes \
                 WHERE tablename = 'b_event_log' ORDER BY 1"
            ),
            [
                [
                    "b_event_log_pkey",
                    "CREATE UNIQUE INDEX b_event_log_pkey ON public.b_event_log USING btree (id)"
                ],
                [
                    "ix_b_event_log_audit_type_id_timestamp_x",
                    "CREATE INDEX ix_b_event_log_audit_type_id_timestamp_x ON public.b_event_log \
                     USING btree (audit_type_id, timestamp_x)"
                ],
                [
                    "ix_b_event_log_timestamp_x",
                    "CREATE INDEX ix_b_event_log_timestamp_x ON public.b_event_log USING btree \
                     (timestamp_x)"
                ],
            ]
            .map(|row| row.map(|c| Some(c.to_owned())).to_vec())
        );
        assert_event_log_lands_with_commits(&store);
        assert_eq!(
            rows(
                &db,
                "SELECT severity::text, audit_type_id::text FROM b_event_log ORDER BY id"
            ),
            [
                ["SECURITY", "MODULE_RIGHTS_CHANGED"],
                ["SECURITY", "MODULE_DEFAULT_RIGHT_CHANGED"],
                ["INFO", "MODULE_OPTION_CHANGED"],
            ]
            .map(|row| row.map(|c| Some(c.to_owned())).to_vec())
        );
    }
}

/// A new log holds entries for any site and user the crate accepts.
#[test]
fn a_new_event_log_holds_every_site_and_user_id() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let long = SiteId::new(&"s".repeat(32)).unwrap();
    let entry = entries(Some(u32::MAX))[2].clone().with_site(long);
    let port = [option(Scope::Site(long), "ServerPort", "8001")];
    store
        .commit_logged(&VIDEOPORT, Revision::ZERO, &port, &[], &[entry])
        .unwrap();
    let read = store.event_log().unwrap().read(&LogQuery::new()).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].site_id(), Some(long));
    assert_eq!(read[0].user_id(), UserId::new(u32::MAX));
}

/// Bitrix's own `b_event_log`, here without a default for `TIMESTAMP_X`
/// (a site's may lack one): the store stamps each entry itself, and the
/// rows Bitrix already holds stay.
#[test]
fn bitrix_s_own_event_log_is_written_in_place() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    db.sql(
        "ALTER TABLE b_event_log ALTER COLUMN timestamp_x DROP DEFAULT;
         INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) \
         VALUES (LOCALTIMESTAMP, 'SECURITY', 'USER_AUTHORIZE', 'main', '1', 'login')",
    );
    let indexes = "SELECT indexdef FROM pg_indexes WHERE tablename = 'b_event_log' ORDER BY 1";
    let before = column(&db, indexes);
    let store = db.store();
    assert_eq!(
        column(&db, indexes),
        before,
        "Bitrix's table is used as it is"
    );
    assert_event_log_lands_with_commits(&store);
    assert_eq!(
        column(
            &db,
            "SELECT count(*)::text FROM b_event_log WHERE timestamp_x IS NOT NULL \
             AND audit_type_id LIKE 'MODULE\\_%'"
        ),
        ["3"]
    );
    assert_eq!(
        column(
            &db,
            "SELECT description FROM b_event_log WHERE audit_type_id = 'USER_AUTHORIZE'"
        ),
        ["login"]
    );
}

#[test]
fn the_rest_of_bitrix_s_log_is_left_out() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    db.sql(
        "INSERT INTO b_event_log (SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) \
         VALUES ('SECURITY', 'USER_AUTHORIZE', 'main', '1', 'video: login'), \
                ('INFO', 'module_option_changed', 'video', 'x', 'lower-case type')",
    );
    let log = store.event_log().unwrap();
    assert_eq!(log.read(&LogQuery::new()).unwrap(), []);
    assert_eq!(log.read(&LogQuery::new().module(VIDEO)).unwrap(), []);
}

/// A query returns exactly the rows `LogQuery::matches` picks (the shared
/// check); `since` to the second in a session zone that is not UTC.
#[test]
fn a_query_means_what_log_query_matches_says() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = store_in_zone(&db, ZONES[0]);
    assert_reads_are_exactly_what_queries_match(&store, &|sql| db.sql(sql), &POSTGRES);
}

/// A commit whose transaction fails after its audit entries were inserted
/// — at the revision, which the store writes last — leaves neither the
/// change nor the entries.
#[test]
fn a_commit_that_fails_after_its_audit_insert_leaves_neither() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    db.sql(
        "CREATE FUNCTION fail_after_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF EXISTS (SELECT 1 FROM b_event_log) THEN \
             RAISE EXCEPTION 'refused by a test trigger'; \
           END IF; \
           RETURN NEW; \
         END $$;
         CREATE TRIGGER fail_after_log BEFORE UPDATE ON module_settings_revision \
           FOR EACH ROW EXECUTE FUNCTION fail_after_log();",
    );
    assert_a_failure_after_the_log_insert_leaves_neither(&store, Some("write the revision"));
}

/// And one whose audit insert itself fails leaves no change behind.
#[test]
fn a_commit_whose_audit_insert_fails_leaves_no_change() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    db.sql(
        "CREATE FUNCTION refuse_log() RETURNS trigger LANGUAGE plpgsql AS \
           $$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$;
         CREATE TRIGGER refuse_log BEFORE INSERT ON b_event_log \
           FOR EACH ROW EXECUTE FUNCTION refuse_log();",
    );
    assert_a_refused_log_insert_leaves_no_change(&store, Some("write the event log"));
}

/// Entries Bitrix's columns cannot hold — a site id over two characters in
/// `SITE_ID char(2)`, a user id over `int` — and text PostgreSQL cannot
/// hold are refused as such values are in the settings tables: the error
/// names the column, and nothing is written.
#[test]
fn entries_bitrix_s_log_cannot_hold_are_refused_and_nothing_is_written() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let rev = store.revision(&VIDEOPORT).unwrap();
    let port = [option(Scope::Common, "ServerPort", "8001")];
    let entry = || entries(None)[2].clone();
    let main = ModuleId::from_static("main");
    for (entry, expected) in [
        (
            entry().with_site(SiteId::new("s10").unwrap()),
            "SITE_ID is char(2)",
        ),
        (
            entry().with_user(UserId::new(3_000_000_000).unwrap()),
            "USER_ID are int",
        ),
        (
            LogEntry::new(AuditType::OptionChanged, VIDEOPORT, "ServerPort", "a\0b"),
            "the DESCRIPTION of an event-log entry (module videoport) holds the character U+0000",
        ),
        (
            LogEntry::new(AuditType::RightsChanged, main, "5\0", "video: () => (R)"),
            "the ITEM_ID of an event-log entry",
        ),
    ] {
        let err = store
            .commit_logged(&VIDEOPORT, rev, &port, &[], &[entry])
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                StoreError::Backend {
                    backend: "postgres",
                    ..
                }
            ),
            "{text}"
        );
        assert!(text.contains(expected), "{text}");
        assert_nothing_landed(&store, rev);
    }
}

/// `store` watched by a new listener, once its connection listens (it says
/// so with its first `missed`).
fn watched(store: &PostgresStore) -> Arc<Heard> {
    let heard = Heard::watching(store);
    heard.wait_for("the listener to connect", Duration::from_secs(10), |log| {
        log.missed >= 1
    });
    heard
}

/// A group switched off, added or removed by a plain client (Bitrix's
/// admin page) reaches a watching store within a second, as a change of
/// the groups and never of a module; the revision row that carries it is
/// never listed as a module.
#[test]
fn changes_of_b_group_reach_a_watching_store_as_groups_changed() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    let store = db.store();
    assert!(
        triggers_of(&db).contains(&"module_settings_revision_on_b_group".to_owned()),
        "{:?}",
        triggers_of(&db)
    );
    let heard = watched(&store);
    for (n, statement) in [
        "UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6",
        "INSERT INTO b_group (ID, NAME) VALUES (7, 'Guests')",
        "DELETE FROM b_group WHERE ID = 5",
    ]
    .into_iter()
    .enumerate()
    {
        let started = Instant::now();
        db.sql(statement);
        let log = heard.wait_for(statement, Duration::from_secs(1), |log| {
            log.groups_changed > n
        });
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(log.changed.is_empty(), "no module changed: {log:?}");
    }
    assert_eq!(
        column(
            &db,
            "SELECT revision::text FROM module_settings_revision WHERE module_id = '#b_group'"
        ),
        ["3"],
        "one per row written"
    );
    assert!(!store
        .directory()
        .unwrap()
        .groups()
        .unwrap()
        .unwrap()
        .is_active(GroupId::from_static(6)));
    // The key is never a module; other keys no module can have still are
    // corrupt.
    store
        .commit(&VIDEO, Revision::ZERO, &[option(Scope::Common, "a", "1")])
        .unwrap();
    assert_eq!(store.modules().unwrap(), [VIDEO]);
    db.sql("INSERT INTO module_settings_revision (module_id, revision) VALUES ('Bad id!', 1)");
    let err = store.modules().unwrap_err();
    assert!(
        err.is_corrupt() && err.to_string().contains("Bad id!"),
        "{err}"
    );
}

/// The trigger on `b_group` is made when a store connects: a `b_group`
/// created later is covered once a store connects again.
#[test]
fn a_b_group_made_later_is_covered_once_a_store_connects_again() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let first = db.store();
    with_site_rows(&db);
    assert!(first.directory().unwrap().groups().unwrap().is_some());
    assert!(!triggers_of(&db).contains(&"module_settings_revision_on_b_group".to_owned()));
    drop(db.store());
    assert!(triggers_of(&db).contains(&"module_settings_revision_on_b_group".to_owned()));
    let heard = watched(&first);
    db.sql("UPDATE b_group SET NAME = 'Editors (old)' WHERE ID = 5");
    heard.wait_for("the rename", Duration::from_secs(1), |log| {
        log.groups_changed == 1
    });
}

/// Reads of the site's tables and of the log never wait for a commit that
/// waits for a lock: they run on the store's reading connection.
#[test]
fn reads_never_wait_for_a_commit_that_waits_for_a_lock() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    let store = Arc::new(
        db.store()
            .with_lock_timeout(Duration::from_secs(5))
            .unwrap(),
    );
    store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[option(Scope::Common, "a", "1")],
        )
        .unwrap();
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute(
        "SELECT 1 FROM module_settings_revision WHERE module_id = 'videoport' FOR UPDATE",
    )
    .unwrap();
    let writer = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            store
                .commit_logged(
                    &VIDEOPORT,
                    Revision::new(1),
                    &[option(Scope::Common, "a", "2")],
                    &[],
                    &entries(None)[2..],
                )
                .map_err(|err| err.to_string())
        })
    };
    // Until the commit waits for the lock.
    let deadline = Instant::now() + Duration::from_secs(5);
    while column(
        &db,
        "SELECT count(*)::text FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND datname = current_database()",
    ) != ["1"]
    {
        assert!(Instant::now() < deadline, "the commit never waited");
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let directory = store.directory().unwrap();
    assert!(directory.groups().unwrap().is_some());
    assert!(directory.sites().unwrap().is_some());
    assert!(directory
        .user_groups(UserId::from_static(42))
        .unwrap()
        .is_some());
    assert_eq!(
        store.event_log().unwrap().read(&LogQuery::new()).unwrap(),
        []
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    tx.rollback().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(
        store
            .event_log()
            .unwrap()
            .read(&LogQuery::new())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_groups_revision_moves_with_b_group_and_guards_commits() {
    let Some(db) = TestDb::new() else {
        return;
    };
    with_site_rows(&db);
    let store = db.store();
    assert_groups_revision_moves_and_guards_commits(&store, &|sql| db.sql(sql));
}
