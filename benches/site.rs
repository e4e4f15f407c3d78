//! What the site's surroundings cost, on SQLite (a file in a temporary
//! directory), each beside the same path without them:
//!
//! - `can` for a user in 8 groups, two of them switched off in `b_group`,
//!   on a facade that follows `b_group`, against one on a database
//!   without it: the hot path, which folds activity into the compiled
//!   rights and reads no directory;
//! - a read with `Duration::ZERO` staleness (a refresh on every call,
//!   which then also re-reads `b_group`), with and without `b_group`;
//! - a committed write (`set_option`) with its audit entry in
//!   `b_event_log`, against `event_log(false)`;
//! - `actor_for_user`: one user's groups from `b_user_group`.
//!
//! Run: `cargo bench --features sqlite --bench site`.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use module_settings::modules::VideoPort;
use module_settings::settings::{Actor, Settings};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SqliteStore, UserId};

const VIDEO: ModuleId = ModuleId::from_static("video");
const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

fn gid(id: u32) -> GroupId {
    GroupId::new(id).expect("ids start at 1")
}

/// `b_group` with 40 groups (every fifth switched off), `b_user_group`
/// with user 42 in eight of them.
fn site_tables(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "CREATE TABLE b_group (ID INTEGER PRIMARY KEY, ACTIVE CHAR(1) NOT NULL DEFAULT 'Y', \
           C_SORT INT NOT NULL DEFAULT 100, NAME VARCHAR(255) NOT NULL, STRING_ID VARCHAR(255));
         CREATE TABLE b_user_group (USER_ID INT NOT NULL, GROUP_ID INT NOT NULL, \
           DATE_ACTIVE_FROM DATETIME, DATE_ACTIVE_TO DATETIME);
         CREATE UNIQUE INDEX ix_user_group ON b_user_group (USER_ID, GROUP_ID);",
    )
    .expect("site tables");
    for id in 1..=40u32 {
        let active = if id > 2 && id % 5 == 0 { "N" } else { "Y" };
        conn.execute(
            "INSERT INTO b_group (ID, ACTIVE, NAME) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, active, format!("Group {id}")],
        )
        .expect("group");
    }
    for group in [2u32, 3, 5, 7, 10, 11, 13, 17] {
        conn.execute(
            "INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (42, ?1)",
            [group],
        )
        .expect("membership");
    }
}

/// A facade on `path` with `video` granting every group a level.
fn facade(path: &Path, staleness: Duration, event_log: bool) -> Settings<SqliteStore> {
    let settings = Settings::builder(SqliteStore::open(path).expect("open"))
        .staleness(staleness)
        .event_log(event_log)
        .build()
        .expect("builds");
    let mut tab = settings.access_tab(VIDEO).expect("registered");
    tab.set_default(Scope::Common, AccessLevel::R)
        .expect("accepted");
    for id in 3..=40u32 {
        let level = [AccessLevel::D, AccessLevel::R, AccessLevel::W][id as usize % 3];
        tab.set_grant(Scope::Common, gid(id), level)
            .expect("accepted");
    }
    settings
        .apply_access_tab(&Actor::new([GroupId::ADMINISTRATORS]), tab)
        .expect("admin");
    settings
}

fn bench_site(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (with, without) = (dir.path().join("site.db"), dir.path().join("plain.db"));
    site_tables(&with);
    let user = [2u32, 3, 5, 7, 10, 11, 13, 17].map(gid);
    let mut group = c.benchmark_group("site");

    for (name, path) in [("with b_group", &with), ("without", &without)] {
        let settings = facade(path, Duration::from_secs(3600), true);
        assert!(settings.can(VIDEO, &user, Scope::Common, AccessLevel::R));
        group.bench_function(format!("can, {name}"), |b| {
            b.iter(|| settings.can(VIDEO, black_box(&user), Scope::Common, AccessLevel::W));
        });
        let every_read = facade(path, Duration::ZERO, true);
        group.bench_function(format!("options, staleness 0, {name}"), |b| {
            b.iter(|| {
                every_read
                    .options::<VideoPort>(black_box(Scope::Common))
                    .expect("decodes")
                    .revision()
            });
        });
    }

    for (name, on) in [("with b_event_log", true), ("event_log(false)", false)] {
        let settings = facade(&with, Duration::from_secs(3600), on);
        let admin = Actor::new([GroupId::ADMINISTRATORS]);
        let mut port = 8000u32;
        group.bench_function(format!("set_option, {name}"), |b| {
            b.iter(|| {
                port = if port == 8000 { 8001 } else { 8000 };
                let revision = settings.revision(VIDEOPORT).expect("revision");
                settings
                    .set_option(
                        &admin,
                        VIDEOPORT,
                        Scope::Common,
                        "ServerPort",
                        &port.to_string(),
                        revision,
                    )
                    .expect("written")
            });
        });
    }

    let settings = facade(&with, Duration::from_secs(3600), true);
    group.bench_function("actor_for_user", |b| {
        b.iter(|| {
            settings
                .actor_for_user(black_box(UserId::from_static(42)))
                .expect("read")
        });
    });
    group.finish();
}

criterion_group!(
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_site
);
criterion_main!(benches);
