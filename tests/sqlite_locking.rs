//! `SqliteStore` beside other connections: reads never wait for a writer,
//! and two writers on one file take turns instead of one starving.

#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SqliteStore, Store, StoreError};
use rusqlite::Connection;

const VIDEO: ModuleId = ModuleId::from_static("video");

fn grant(group: u32, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::new(group).unwrap(),
        level,
    }
}

fn new_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.sqlite");
    (dir, path)
}

/// Another program's connection that takes the write lock and writes a
/// row it never commits.
fn hold_write_lock(path: &Path) -> Connection {
    let holder = Connection::open(path).unwrap();
    holder
        .execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) \
             VALUES ('video', 9, 'W', NULL);",
        )
        .unwrap();
    holder
}

#[test]
fn opening_and_reading_an_existing_database_never_wait_for_a_writer() {
    let (_dir, path) = new_database();
    let committed = SqliteStore::open(&path)
        .unwrap()
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    let holder = hold_write_lock(&path);

    // The default busy timeout is 5 s: anything that waited for the lock
    // would fail with `Unavailable` after it, or take at least that long.
    let started = Instant::now();
    let store = SqliteStore::open(&path).expect("opens while another connection writes");
    let snapshot = store.load(&VIDEO).unwrap();
    assert_eq!(snapshot.revision, committed);
    assert_eq!(
        snapshot
            .records
            .grant(Scope::Common, GroupId::new(5).unwrap()),
        Some(AccessLevel::R)
    );
    assert_eq!(
        snapshot
            .records
            .grant(Scope::Common, GroupId::new(9).unwrap()),
        None,
        "the other connection's write is not committed"
    );
    assert_eq!(store.revision(&VIDEO).unwrap(), committed);
    assert_eq!(store.modules().unwrap(), [VIDEO]);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "reads waited {waited:?}");

    holder.execute_batch("ROLLBACK").unwrap();
}

/// Commits per writer: enough that, without fair turns, one writer is
/// starved past its busy timeout (the other one commits hundreds of times
/// meanwhile).
const COMMITS: u32 = 1_000;

#[test]
fn two_writers_on_one_file_both_get_every_commit_through() {
    let (_dir, path) = new_database();
    let timeout = Duration::from_secs(1);
    let stores = [
        SqliteStore::open(&path)
            .unwrap()
            .with_busy_timeout(timeout)
            .unwrap(),
        SqliteStore::open(&path)
            .unwrap()
            .with_busy_timeout(timeout)
            .unwrap(),
    ];
    let start = Barrier::new(stores.len());
    std::thread::scope(|scope| {
        for (writer, store) in stores.iter().enumerate() {
            let start = &start;
            scope.spawn(move || {
                let group = u32::try_from(writer).unwrap() + 10;
                let mut revision = store.revision(&VIDEO).unwrap();
                start.wait();
                for i in 0..COMMITS {
                    let level = AccessLevel::ALL[i as usize % 4];
                    loop {
                        match store.commit(&VIDEO, revision, &[grant(group, level)]) {
                            Ok(next) => {
                                revision = next;
                                break;
                            }
                            // The other writer got there first: expected.
                            Err(StoreError::Conflict { current, .. }) => revision = current,
                            Err(err) => panic!("writer {writer}, commit {i}: {err}"),
                        }
                    }
                }
            });
        }
    });
    let total = u64::from(COMMITS) * 2;
    assert_eq!(stores[0].revision(&VIDEO).unwrap(), Revision::new(total));
}
