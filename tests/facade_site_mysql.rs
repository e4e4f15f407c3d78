//! The facade on a live site's MySQL tables: a group switched off in
//! `b_group` by another program stops counting as soon as the store's
//! change feed reports it — long before the staleness bound — and a user's
//! write is logged in `b_event_log` with the user's id.

#![cfg(feature = "mysql")]

mod bitrix_common;
mod facade_common;
mod mysql_common;

use bitrix_common::directory::{site_rows, Dialect};
use facade_common::groups_follow_b_group_and_writes_are_logged;

#[test]
fn on_mysql() {
    let Some(database) = mysql_common::TestDatabase::new() else {
        return;
    };
    database.exec(mysql_common::SITE_TABLES);
    let dialect = Dialect {
        days_from_now: mysql_common::days_from_now,
    };
    for statement in site_rows(&dialect) {
        database.exec(&statement);
    }
    groups_follow_b_group_and_writes_are_logged(database.store(), &|sql| database.exec(sql));
}

#[test]
fn on_mysql_groups_made_after_the_store_connected() {
    let Some(database) = mysql_common::TestDatabase::new() else {
        return;
    };
    let store = database.store();
    let dialect = Dialect {
        days_from_now: mysql_common::days_from_now,
    };
    facade_common::groups_the_feed_does_not_watch_are_reread_within_the_bound(
        store,
        &|| {
            database.exec(mysql_common::SITE_TABLES);
            for statement in site_rows(&dialect) {
                database.exec(&statement);
            }
        },
        &|sql| database.exec(sql),
    );
}

#[test]
fn on_mysql_a_group_switched_off_before_the_commit_stops_the_write() {
    let Some(database) = mysql_common::TestDatabase::new() else {
        return;
    };
    database.exec(mysql_common::SITE_TABLES);
    let dialect = Dialect {
        days_from_now: mysql_common::days_from_now,
    };
    for statement in site_rows(&dialect) {
        database.exec(&statement);
    }
    facade_common::a_group_switched_off_before_the_commit_stops_the_write(
        database.store(),
        &|sql| database.exec(sql),
    );
}
