//! Check and commit are one step, on MySQL: a write authorised by W on the
//! guard module (`video`) must not land in the written module
//! (`videoport`) if that W was revoked — by another program, with plain
//! SQL — while the commit waited for the guard's lock.

mod facade_common;
mod mysql_common;

use std::thread;
use std::time::{Duration, Instant};

use facade_common::*;
use module_settings::settings::Settings;
use module_settings::store::Revision;
use module_settings::{AccessLevel, Scope, Store};
use mysql::prelude::Queryable;
use mysql_common::TestDatabase;

/// Waits until a transaction other than `holder`'s waits for a lock, or
/// `done` says the save is over (its result then tells what happened).
fn wait_for_a_lock_wait(database: &TestDatabase, holder: u32, done: impl Fn() -> bool) {
    let mut conn = database.conn();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: Option<i64> = conn
            .exec_first(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX \
                 WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id <> ?",
                (holder,),
            )
            .unwrap();
        if waiting.unwrap_or(0) > 0 || done() {
            return;
        }
        if Instant::now() >= deadline {
            let rows: Vec<(String, u64, Option<String>)> = conn
                .query("SELECT trx_state, trx_mysql_thread_id, trx_query FROM information_schema.INNODB_TRX")
                .unwrap();
            panic!("the save never waited for the lock: {rows:?}");
        }
        // InnoDB refreshes what INNODB_TRX shows only when it was not read
        // for 0.1 s: polling faster would see the same snapshot forever.
        thread::sleep(Duration::from_millis(150));
    }
}

/// Another connection deletes group 5's grant row of `video` in an open
/// transaction (the trigger moves `video`'s revision, holding its row);
/// the facade's save passes its W check and its commit waits for that
/// row; the other connection commits. The save must then be denied, not
/// land.
#[test]
fn a_grant_deleted_while_the_save_waits_for_the_lock_stops_it() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let settings = Settings::new(database.store());
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let mut other = database.conn();
    other.query_drop("START TRANSACTION").unwrap();
    other
        .query_drop("DELETE FROM b_module_group WHERE MODULE_ID = 'video' AND GROUP_ID = 5")
        .unwrap();
    assert_eq!(other.affected_rows(), 1);
    let holder = other.connection_id();

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        wait_for_a_lock_wait(&database, holder, || save.is_finished());
        other.query_drop("COMMIT").unwrap();
        save.join().expect("no panic")
    });

    assert_denied_and_nothing_written(result, &settings);
}

/// The same wait, but the other connection's change leaves group 5's W in
/// place (a grant to another group): the precondition fails, the facade
/// checks again, and the retry lands.
#[test]
fn an_unrelated_change_while_the_save_waits_only_costs_a_retry() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let settings = Settings::new(database.store());
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = member(5);

    let mut other = database.conn();
    other.query_drop("START TRANSACTION").unwrap();
    other
        .query_drop(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('video', 6, 'R')",
        )
        .unwrap();
    let holder = other.connection_id();

    let result = thread::scope(|scope| {
        let save = scope.spawn(|| save_port(&settings, &writer));
        wait_for_a_lock_wait(&database, holder, || save.is_finished());
        other.query_drop("COMMIT").unwrap();
        save.join().expect("no panic")
    });

    assert_eq!(result.unwrap(), Revision::new(1));
    let stored = settings.store().load(&VIDEOPORT).unwrap();
    assert_eq!(
        stored.records.option(Scope::Common, "ServerPort"),
        Some("8001")
    );
}
