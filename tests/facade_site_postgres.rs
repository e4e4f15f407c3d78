//! The facade on a live site's PostgreSQL tables: a group switched off in
//! `b_group` by another program stops counting as soon as the store's
//! change feed reports it — long before the staleness bound — and a user's
//! write is logged in `b_event_log` with the user's id.

#![cfg(feature = "postgres")]

mod bitrix_common;
mod facade_common;
mod postgres_common;

use bitrix_common::directory::{site_rows, Dialect};
use facade_common::groups_follow_b_group_and_writes_are_logged;

const POSTGRES: Dialect = Dialect {
    days_from_now: postgres_common::days_from_now,
};

/// A database holding Bitrix's site tables and their rows.
fn with_site_rows() -> Option<postgres_common::TestDb> {
    let db = postgres_common::TestDb::new()?;
    db.sql(postgres_common::SITE_TABLES);
    for statement in site_rows(&POSTGRES) {
        db.sql(&statement);
    }
    Some(db)
}

#[test]
fn on_postgres() {
    let Some(db) = with_site_rows() else {
        return;
    };
    groups_follow_b_group_and_writes_are_logged(db.store(), &|sql| db.sql(sql));
}

#[test]
fn on_postgres_groups_made_after_the_store_connected() {
    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    let store = db.store();
    facade_common::groups_the_feed_does_not_watch_are_reread_within_the_bound(
        store,
        &|| {
            db.sql(postgres_common::SITE_TABLES);
            for statement in site_rows(&POSTGRES) {
                db.sql(&statement);
            }
        },
        &|sql| db.sql(sql),
    );
}

#[test]
fn on_postgres_a_group_switched_off_before_the_commit_stops_the_write() {
    let Some(db) = with_site_rows() else {
        return;
    };
    facade_common::a_group_switched_off_before_the_commit_stops_the_write(db.store(), &|sql| {
        db.sql(sql)
    });
}
