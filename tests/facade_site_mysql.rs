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

const MYSQL: Dialect = Dialect {
    days_from_now: mysql_common::days_from_now,
};

/// A database holding Bitrix's site tables and their rows.
fn with_site_rows() -> Option<mysql_common::TestDatabase> {
    let database = mysql_common::TestDatabase::new()?;
    database.exec(mysql_common::SITE_TABLES);
    for statement in site_rows(&MYSQL) {
        database.exec(&statement);
    }
    Some(database)
}

#[test]
fn on_mysql() {
    let Some(database) = with_site_rows() else {
        return;
    };
    groups_follow_b_group_and_writes_are_logged(database.store(), &|sql| database.exec(sql));
}

#[test]
fn on_mysql_groups_made_after_the_store_connected() {
    let Some(database) = mysql_common::TestDatabase::new() else {
        return;
    };
    let store = database.store();
    facade_common::groups_the_feed_does_not_watch_are_reread_within_the_bound(
        store,
        &|| {
            database.exec(mysql_common::SITE_TABLES);
            for statement in site_rows(&MYSQL) {
                database.exec(&statement);
            }
        },
        &|sql| database.exec(sql),
    );
}

#[test]
fn on_mysql_a_group_switched_off_before_the_commit_stops_the_write() {
    let Some(database) = with_site_rows() else {
        return;
    };
    facade_common::a_group_switched_off_before_the_commit_stops_the_write(
        database.store(),
        &|sql| database.exec(sql),
    );
}
