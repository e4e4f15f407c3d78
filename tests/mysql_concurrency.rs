//! `MysqlStore` under concurrent writers: two stores on one database, and
//! a Bitrix-like program writing the same rows with plain SQL.

mod mysql_common;

use std::thread;
use std::time::{Duration, Instant};

use module_settings::store::{Change, Precondition, Revision};
use module_settings::{ModuleId, MysqlStore, OptionName, Scope, Store, StoreError};
use mysql::prelude::Queryable;
use mysql_common::TestDatabase;

const SHARED: ModuleId = ModuleId::from_static("video");
const ROUNDS: u64 = 30;

fn read_count(store: &dyn Store, module: &ModuleId, option: &str) -> u64 {
    store
        .load(module)
        .unwrap()
        .records
        .option(Scope::Common, option)
        .map_or(0, |v| v.parse().unwrap())
}

/// Adds one to each of `options` of `module`, based on a fresh load,
/// trying again after a conflict; returns how many conflicts it met.
fn increment(store: &dyn Store, module: &ModuleId, options: &[&str]) -> u64 {
    let mut conflicts = 0;
    loop {
        let snapshot = store.load(module).unwrap();
        let batch: Vec<Change> = options
            .iter()
            .map(|option| {
                let now: u64 = snapshot
                    .records
                    .option(Scope::Common, option)
                    .map_or(0, |v| v.parse().unwrap());
                Change::SetOption {
                    scope: Scope::Common,
                    name: OptionName::new(option).unwrap(),
                    value: (now + 1).to_string(),
                }
            })
            .collect();
        match store.commit(module, snapshot.revision, &batch) {
            Ok(_) => return conflicts,
            Err(err) if err.is_conflict() => conflicts += 1,
            Err(err) => panic!("{module}: {err}"),
        }
    }
}

/// Two stores, each writing a module of its own and one module they
/// share: writes to different modules never conflict nor wait out a lock,
/// and no increment of the shared one is lost.
#[test]
fn two_stores_lose_no_update_and_never_conflict_on_their_own_modules() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let stores = [database.store(), database.store()];
    let own = [
        ModuleId::from_static("module_a"),
        ModuleId::from_static("module_b"),
    ];
    thread::scope(|scope| {
        for (store, module) in stores.iter().zip(own) {
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    let conflicts = increment(store, &module, &["n"]);
                    assert_eq!(
                        conflicts, 0,
                        "{module} round {round}: only this store writes it"
                    );
                    increment(store, &SHARED, &["shared", module.as_str()]);
                }
            });
        }
    });
    let store = &stores[0];
    assert_eq!(read_count(store, &SHARED, "shared"), 2 * ROUNDS);
    assert_eq!(store.revision(&SHARED).unwrap(), Revision::new(2 * ROUNDS));
    for module in own {
        assert_eq!(read_count(store, &module, "n"), ROUNDS);
        assert_eq!(read_count(store, &SHARED, module.as_str()), ROUNDS);
        assert_eq!(store.revision(&module).unwrap(), Revision::new(ROUNDS));
    }
}

/// A Bitrix-like program adds one to two rows of the module in each of its
/// transactions (retrying when the server picks it to break a deadlock),
/// in the order opposite to the store's, while a store adds one to the
/// same counter and one of its own: nothing is lost on either side, and
/// the revision counts every row the program wrote and every commit of the
/// store.
#[test]
fn a_plain_sql_writer_beside_the_store_loses_nothing() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    store
        .commit(
            &SHARED,
            Revision::ZERO,
            &["both", "php", "store"].map(|name| Change::SetOption {
                scope: Scope::Common,
                name: OptionName::new(name).unwrap(),
                value: "0".into(),
            }),
        )
        .unwrap();
    let mut deadlocks = 0u32;
    thread::scope(|scope| {
        scope.spawn(|| {
            for _ in 0..ROUNDS {
                increment(&store, &SHARED, &["both", "store"]);
            }
        });
        let mut conn = database.conn();
        for _ in 0..ROUNDS {
            loop {
                let result = conn.query_drop(
                    "START TRANSACTION; \
                     UPDATE b_option SET VALUE = VALUE + 1 WHERE MODULE_ID = 'video' AND NAME = 'both'; \
                     UPDATE b_option SET VALUE = VALUE + 1 WHERE MODULE_ID = 'video' AND NAME = 'php'; \
                     COMMIT",
                );
                match result {
                    Ok(()) => break,
                    Err(mysql::Error::MySqlError(err)) if err.code == 1213 => {
                        deadlocks += 1;
                        let _ = conn.query_drop("ROLLBACK");
                    }
                    Err(err) => panic!("the plain writer: {err}"),
                }
            }
        }
    });
    assert_eq!(read_count(&store, &SHARED, "both"), 2 * ROUNDS);
    assert_eq!(read_count(&store, &SHARED, "php"), ROUNDS);
    assert_eq!(read_count(&store, &SHARED, "store"), ROUNDS);
    // One for the setup, one per store commit, one per row the program
    // updated.
    assert_eq!(
        store.revision(&SHARED).unwrap(),
        Revision::new(1 + ROUNDS + 2 * ROUNDS),
        "{deadlocks} deadlocks on the plain writer's side"
    );
}

/// Stores that connect to a new database at once all get its tables and
/// triggers, created once.
#[test]
fn stores_connecting_to_a_new_database_at_once_all_succeed() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let url = database.url();
    thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    MysqlStore::connect(&url)
                        .map(drop)
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap().unwrap();
        }
    });
    let triggers: Option<i64> = database
        .conn()
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
            (database.name(),),
        )
        .unwrap();
    assert_eq!(triggers, Some(9));
}

/// Waits until a transaction other than `holder`'s waits for a lock.
fn wait_for_a_lock_wait(database: &TestDatabase, holder: u32) {
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
        if waiting.unwrap_or(0) > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the commit never waited for the lock"
        );
        // InnoDB refreshes what INNODB_TRX shows only when it was not read
        // for 0.1 s: polling faster would see the same snapshot forever.
        thread::sleep(Duration::from_millis(150));
    }
}

/// A deadlock in which InnoDB rolls the store's commit back (it has
/// written less than the other transaction): the store tries again, and
/// the second try sees what the other transaction committed — a conflict,
/// not a deadlock error and not an overwrite.
#[test]
fn a_commit_rolled_back_to_break_a_deadlock_is_tried_again() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    let names = ["both", "php"].map(|name| OptionName::new(name).unwrap());
    let setup = names.clone().map(|name| Change::SetOption {
        scope: Scope::Common,
        name,
        value: "0".into(),
    });
    let revision = store.commit(&SHARED, Revision::ZERO, &setup).unwrap();

    // The other program: a heavy transaction (many rows written), then the
    // row the store's batch needs, locked without writing it.
    let mut other = database.conn();
    other.query_drop("START TRANSACTION").unwrap();
    for i in 0..50 {
        other
            .query_drop(format!(
                "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('heavy', 'n{i}', 'x')"
            ))
            .unwrap();
    }
    other
        .query_drop(
            "SELECT VALUE FROM b_option WHERE MODULE_ID = 'video' AND NAME = 'both' FOR UPDATE",
        )
        .unwrap();
    let holder = other.connection_id();

    let result = thread::scope(|scope| {
        let commit = scope.spawn(|| {
            let batch = [Change::SetOption {
                scope: Scope::Common,
                name: names[0].clone(),
                value: "from the store".into(),
            }];
            // Boxed: the error is large to carry across the join.
            store.commit(&SHARED, revision, &batch).map_err(Box::new)
        });
        // The store holds the module's revision row and waits for `both`.
        wait_for_a_lock_wait(&database, holder);
        // Writing a row of the module needs the revision row (the trigger):
        // a deadlock, which InnoDB breaks by rolling the lighter store back.
        other
            .query_drop(
                "UPDATE b_option SET VALUE = '1' WHERE MODULE_ID = 'video' AND NAME = 'php'",
            )
            .expect("the heavier transaction is not the one rolled back");
        other.query_drop("COMMIT").unwrap();
        commit.join().unwrap()
    });
    match result.map_err(|err| *err) {
        Err(StoreError::Conflict {
            expected, current, ..
        }) => {
            assert_eq!(expected, revision);
            assert_eq!(
                current,
                Revision::new(revision.get() + 1),
                "the other program's row"
            );
        }
        other => panic!("expected a conflict after the retry, got {other:?}"),
    }
    let loaded = store.load(&SHARED).unwrap();
    assert_eq!(loaded.records.option(Scope::Common, "both"), Some("0"));
    assert_eq!(loaded.records.option(Scope::Common, "php"), Some("1"));
}

/// A guard module whose rows predate the triggers has no revision row (on
/// a live site, most modules). A commit guarded by it must still hold it:
/// a revocation of the guard's grant by another program, made while the
/// commit is under way and finished before it, stops the commit. A
/// trigger that sleeps on the written table holds the commit open.
#[test]
fn a_guard_without_a_revision_row_is_held_for_the_whole_commit() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    let guard = ModuleId::from_static("main");
    let written = ModuleId::from_static("video");
    // The guard's grant, written as Bitrix wrote it before the store came:
    // no revision row.
    database
        .exec("INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('main', 5, 'W')");
    database.exec("DELETE FROM module_settings_revision WHERE MODULE_ID = 'main'");
    assert_eq!(store.revision(&guard).unwrap(), Revision::ZERO);
    database
        .exec("CREATE TRIGGER slow_option BEFORE INSERT ON b_option FOR EACH ROW DO SLEEP(1.5)");
    let revoked = thread::scope(|scope| {
        let commit = scope.spawn(|| {
            // The error as text: a thread's result is better small.
            store
                .commit_guarded(
                    &written,
                    Revision::ZERO,
                    &[Change::SetOption {
                        scope: Scope::Common,
                        name: OptionName::from_static("ServerPort"),
                        value: "8443".into(),
                    }],
                    &[Precondition::new(guard, Revision::ZERO)],
                )
                .map_err(|err| err.to_string())
        });
        // The commit is asleep in its trigger, holding what it locked.
        thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        database.exec("DELETE FROM b_module_group WHERE MODULE_ID = 'main' AND GROUP_ID = 5");
        let took = started.elapsed();
        (commit.join().unwrap(), took)
    });
    let (result, revocation_took) = revoked;
    // Either the revocation waited for the commit (the guard was held) and
    // the commit landed before it, or — never — the revocation landed
    // first and the commit went on regardless.
    match result {
        Ok(revision) => {
            assert_eq!(revision, Revision::new(1));
            assert!(
                revocation_took >= Duration::from_millis(500),
                "the revocation committed in {revocation_took:?}, in the middle of a commit \
                 guarded by the module it changed"
            );
        }
        Err(err) => panic!("the commit failed: {err}"),
    }
}
