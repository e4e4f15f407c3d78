//! `PostgresStore` and the server around it: credentials that never show,
//! servers that refuse, locks held too long, connections that die, and
//! other programs writing the same rows at the same time.

mod postgres_common;

use std::error::Error as _;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use module_settings::store::directory::{AuditType, LogEntry, LogQuery};
use module_settings::store::{Change, Revision};
use module_settings::{
    AccessLevel, GroupId, ModuleId, OptionName, PostgresStore, Scope, Store, StoreError,
};
use postgres_common::TestDb;

const VIDEO: ModuleId = ModuleId::from_static("video");

fn option(name: &str, value: &str) -> Change {
    Change::SetOption {
        scope: Scope::Common,
        name: OptionName::new(name).unwrap(),
        value: value.into(),
    }
}

/// Everything an error shows: its text, its `Debug`, and those of every
/// source under it.
fn everything_shown(err: &StoreError) -> String {
    let mut shown = format!("{err}\n{err:?}");
    let mut source = err.source();
    while let Some(current) = source {
        shown.push_str(&format!("\n{current}\n{current:?}"));
        source = current.source();
    }
    shown
}

/// `url` with the user and password replaced.
fn with_credentials(url: &str, user: &str, password: &str) -> String {
    let mut url = url::Url::parse(url).unwrap();
    url.set_username(user).unwrap();
    url.set_password(Some(password)).unwrap();
    url.to_string()
}

#[test]
fn the_password_is_never_shown_by_a_store() {
    let Some(db) = TestDb::new() else {
        return;
    };
    // The test server trusts its loopback users, so any password logs in.
    let url = with_credentials(db.url(), "postgres", "hunter2-in-the-url");
    let store = PostgresStore::connect(&url).unwrap();
    let shown = format!("{store:?} {}", store.server());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("postgres@127.0.0.1:"), "{shown}");
    assert!(shown.contains(db.name()), "{shown}");
}

#[test]
fn a_wrong_password_is_one_clear_error_without_the_password() {
    let Some(db) = TestDb::new() else {
        return;
    };
    // The one user the test server asks a password of (see
    // .ci/servers/postgres.sh).
    let user = "module_settings_password_test";
    db.sql(&format!(
        "DO $$ BEGIN CREATE ROLE {user} LOGIN PASSWORD 'the-right-one'; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
    ));
    let url = with_credentials(db.url(), user, "hunter2-wrong");
    let err = PostgresStore::connect(&url).unwrap_err();
    let shown = everything_shown(&err);
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "postgres",
                ..
            }
        ),
        "{shown}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "postgres store: could not connect to {user}@127.0.0.1:"
        )) && err.to_string().contains(&format!(
            "the server refused user {user} with the password given"
        )),
        "{err}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_refused_connection_is_unavailable_and_says_where() {
    // Nothing listens on port 1.
    let err = PostgresStore::connect("postgres://someone:hunter2@127.0.0.1:1/db").unwrap_err();
    let shown = everything_shown(&err);
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                backend: "postgres",
                ..
            }
        ),
        "{shown}"
    );
    assert!(
        err.to_string()
            .contains("could not connect to someone@127.0.0.1:1/db: the connection was refused"),
        "{err}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_database_that_does_not_exist_is_named() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_path("module_settings_no_such_database");
    url.set_password(Some("hunter2")).unwrap();
    let err = PostgresStore::connect(url.as_str()).unwrap_err();
    let shown = everything_shown(&err);
    assert!(
        err.to_string()
            .contains("the server has no database module_settings_no_such_database"),
        "{err}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_bad_url_is_refused_without_showing_the_password() {
    for url in [
        "mysql://root:hunter2@127.0.0.1/db",
        "postgres://root:hunter2@127.0.0.1/",
        "postgres://root:hunter2@127.0.0.1:5432/db?sslmode=verify-full",
        "postgres://root:hunter2@127.0.0.1:70000/db",
    ] {
        let err = PostgresStore::connect(url).unwrap_err();
        let shown = everything_shown(&err);
        assert!(
            matches!(
                err,
                StoreError::Backend {
                    backend: "postgres",
                    ..
                }
            ),
            "{url}: {shown}"
        );
        assert!(err.to_string().contains("the database URL"), "{shown}");
        assert!(!shown.contains("hunter2"), "{url}: {shown}");
    }
}

#[test]
fn a_lock_held_past_the_timeout_is_unavailable_not_a_hang() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db
        .store()
        .with_lock_timeout(Duration::from_millis(100))
        .unwrap();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[option("a", "1")])
        .unwrap();
    let mut holder = db.client();
    let mut held = holder.transaction().unwrap();
    held.batch_execute(
        "SELECT 1 FROM module_settings_revision WHERE module_id = 'video' FOR UPDATE",
    )
    .unwrap();
    let started = Instant::now();
    let err = store
        .commit(&VIDEO, first, &[option("a", "2")])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                backend: "postgres",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("lock timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    held.rollback().unwrap();
    assert_eq!(
        store.commit(&VIDEO, first, &[option("a", "2")]).unwrap(),
        Revision::new(2)
    );
}

#[test]
fn a_read_never_waits_for_a_commit_that_waits_for_a_lock() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[option("a", "1")])
        .unwrap();
    let mut holder = db.client();
    let mut held = holder.transaction().unwrap();
    held.batch_execute(
        "SELECT 1 FROM module_settings_revision WHERE module_id = 'video' FOR UPDATE",
    )
    .unwrap();
    thread::scope(|scope| {
        // (The error as text: a thread's result travels by value.)
        let commit = scope.spawn(|| {
            store
                .commit(&VIDEO, first, &[option("a", "2")])
                .map_err(|err| err.to_string())
        });
        wait_until_store_waits_for_a_lock(&db);
        // The commit waits (up to the lock timeout); reads go on.
        let started = Instant::now();
        assert_eq!(store.revision(&VIDEO).unwrap(), first);
        assert_eq!(store.load(&VIDEO).unwrap().revision, first);
        assert_eq!(store.modules().unwrap(), [VIDEO]);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        held.rollback().unwrap();
        assert_eq!(commit.join().unwrap().unwrap(), Revision::new(2));
    });
}

/// Ends the server sessions of the store connections on `db` (not the
/// listeners'), as a server restart or an idle timeout would, and waits
/// until they are gone; returns how many there were.
fn terminate_store_connections(db: &TestDb) -> usize {
    postgres_common::terminate(db, "module-settings")
}

#[test]
fn every_call_works_again_after_the_connection_was_lost() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let mut revision = Revision::ZERO;
    // Each call, with its error as text.
    type Call = fn(&PostgresStore, Revision) -> Result<Revision, String>;
    let calls: [(&str, Call); 4] = [
        ("load", |store, _| {
            store
                .load(&VIDEO)
                .map(|s| s.revision)
                .map_err(|e| e.to_string())
        }),
        ("revision", |store, _| {
            store.revision(&VIDEO).map_err(|e| e.to_string())
        }),
        ("modules", |store, at| {
            store.modules().map(|_| at).map_err(|e| e.to_string())
        }),
        ("commit", |store, at| {
            store
                .commit(&VIDEO, at, &[option("a", &at.to_string())])
                .map_err(|e| e.to_string())
        }),
    ];
    for (name, call) in calls {
        // Both of the store's connections at first, then the one the last
        // call made again.
        assert!(terminate_store_connections(&db) >= 1, "before {name}");
        revision = call(&store, revision).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
    assert_eq!(revision, Revision::new(1), "the commit landed once");
    assert_eq!(
        store
            .load(&VIDEO)
            .unwrap()
            .records
            .option(Scope::Common, "a"),
        Some("0")
    );
}

/// Bitrix's PHP writes a row and its trigger moves the revision last; a
/// commit locks the revision first and writes the row after. When both
/// meet, the server breaks the deadlock by failing one; the store runs its
/// transaction again, sees the other program's write, and reports a
/// conflict — not the deadlock.
#[test]
fn a_deadlock_with_another_program_is_run_again_and_ends_in_a_conflict() {
    let Some(db) = TestDb::new() else {
        return;
    };
    // The store's session is the one to notice the deadlock (after 300 ms
    // of waiting; the other program's after 60 s).
    let store =
        PostgresStore::connect(&db.url_with("options=-c%20deadlock_timeout%3D300ms")).unwrap();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[option("shared", "store")])
        .unwrap();
    let mut php = db.client();
    php.batch_execute("SET deadlock_timeout = '60s'").unwrap();
    let mut tx = php.transaction().unwrap();
    // The other program holds the row (and not yet the revision).
    tx.batch_execute(
        "SELECT 1 FROM b_option WHERE module_id = 'video' AND name = 'shared' FOR UPDATE",
    )
    .unwrap();
    let result = thread::scope(|scope| {
        // (The error boxed: a thread's result travels by value.)
        let commit = scope.spawn(|| {
            store
                .commit(
                    &VIDEO,
                    first,
                    &[option("other", "1"), option("shared", "store again")],
                )
                .map_err(Box::new)
        });
        wait_until_store_waits_for_a_lock(&db);
        // Its update fires the trigger, which waits for the store's lock
        // on the revision: a deadlock, which the store's session breaks.
        tx.execute(
            "UPDATE b_option SET value = 'php' WHERE module_id = 'video' AND name = 'shared'",
            &[],
        )
        .unwrap();
        tx.commit().unwrap();
        commit.join().unwrap()
    });
    match result.map_err(|err| *err) {
        Err(StoreError::Conflict {
            expected, current, ..
        }) => assert_eq!((expected, current), (first, Revision::new(2))),
        other => panic!("expected a conflict after the deadlock, got {other:?}"),
    }
    let records = store.load(&VIDEO).unwrap().records;
    assert_eq!(records.option(Scope::Common, "shared"), Some("php"));
    assert_eq!(records.option(Scope::Common, "other"), None);
}

/// Waits until a store connection on `db` waits for a lock.
fn wait_until_store_waits_for_a_lock(db: &TestDb) {
    let mut client = db.client();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let waiting = client
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'module-settings' AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap();
        if !waiting.is_empty() {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("the store's commit never waited for the other program's lock");
}

/// A store and another program (plain SQL, as Bitrix's PHP) write one
/// module at once, the store retrying on conflict: no write of either is
/// lost, and every one of them moved the revision.
#[test]
fn a_store_and_a_plain_sql_writer_race_without_losing_an_update() {
    const ROUNDS: u32 = 40;
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[
                option("store_count", "0"),
                Change::SetGrant {
                    scope: Scope::Common,
                    group: GroupId::from_static(5),
                    level: AccessLevel::R,
                },
            ],
        )
        .unwrap();
    let php_count = thread::scope(|scope| {
        let php = scope.spawn(|| {
            let mut client = db.client();
            for i in 0..ROUNDS {
                let level = if i % 2 == 0 { "W" } else { "R" };
                client
                    .execute(
                        "UPDATE b_module_group SET g_access = $1 \
                         WHERE module_id = 'video' AND group_id = 5",
                        &[&level],
                    )
                    .unwrap();
            }
            ROUNDS
        });
        for _ in 0..ROUNDS {
            loop {
                let snapshot = store.load(&VIDEO).unwrap();
                let count: u32 = snapshot
                    .records
                    .option(Scope::Common, "store_count")
                    .unwrap()
                    .parse()
                    .unwrap();
                let batch = [option("store_count", &(count + 1).to_string())];
                match store.commit(&VIDEO, snapshot.revision, &batch) {
                    Ok(_) => break,
                    Err(err) if err.is_conflict() => {}
                    Err(err) => panic!("{err}"),
                }
            }
        }
        php.join().unwrap()
    });
    let snapshot = store.load(&VIDEO).unwrap();
    assert_eq!(
        snapshot.records.option(Scope::Common, "store_count"),
        Some(ROUNDS.to_string().as_str())
    );
    // One for the setup, one per store commit, one per row PHP updated.
    assert_eq!(
        snapshot.revision,
        Revision::new(1 + u64::from(ROUNDS) + u64::from(php_count))
    );
}

/// How a [`CommitCutter`] cuts.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cut {
    /// Hands the `COMMIT` to the server, then cuts: it commits.
    Forward,
    /// Cuts without handing it over: the server rolls back.
    Drop,
}

/// A TCP proxy between a store and the server that, once armed, cuts the
/// store's connection when it sends `COMMIT`: the store cannot know from
/// its connection whether the commit landed.
struct CommitCutter {
    port: u16,
    armed: Arc<Mutex<Option<Cut>>>,
    cuts: Arc<AtomicUsize>,
}

impl CommitCutter {
    fn start(db: &TestDb) -> CommitCutter {
        let url = url::Url::parse(db.url()).unwrap();
        let server = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(Mutex::new(None));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (thread_armed, thread_cuts) = (Arc::clone(&armed), Arc::clone(&cuts));
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&server) else {
                    return;
                };
                let (armed, cuts) = (Arc::clone(&thread_armed), Arc::clone(&thread_cuts));
                thread::spawn(move || pipe(client, server, &armed, &cuts));
            }
        });
        CommitCutter { port, armed, cuts }
    }

    /// The URL of `db` through the proxy.
    fn url(&self, db: &TestDb) -> String {
        let mut url = url::Url::parse(db.url()).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }

    /// Cuts at the next `COMMIT`, once.
    fn arm(&self, cut: Cut) {
        *self.armed.lock().unwrap() = Some(cut);
    }

    fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

/// Copies one connection both ways, reading the store's side message by
/// message (PostgreSQL's protocol: a start-up message, then a type byte
/// and a length before each message).
fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    armed: &Mutex<Option<Cut>>,
    cuts: &AtomicUsize,
) {
    // Small messages go at once, as between the store and the server.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut from_server, mut to_client) =
        (server.try_clone().unwrap(), client.try_clone().unwrap());
    thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Both);
    });
    let mut length = [0; 4];
    if client.read_exact(&mut length).is_err() {
        return;
    }
    let mut startup = vec![0; usize::try_from(i32::from_be_bytes(length)).unwrap() - 4];
    client.read_exact(&mut startup).unwrap();
    server.write_all(&length).unwrap();
    server.write_all(&startup).unwrap();
    loop {
        let mut head = [0; 5];
        if client.read_exact(&mut head).is_err() {
            return;
        }
        let size = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let mut body = vec![0; usize::try_from(size).unwrap() - 4];
        if client.read_exact(&mut body).is_err() {
            return;
        }
        let message = [&head[..], &body].concat();
        if head[0] == b'Q' && body.starts_with(b"COMMIT") {
            if let Some(cut) = armed.lock().unwrap().take() {
                // The store's side goes first, so no answer reaches it.
                let _ = client.shutdown(Shutdown::Both);
                if cut == Cut::Forward {
                    server.write_all(&message).unwrap();
                }
                cuts.fetch_add(1, Ordering::SeqCst);
                // Let the server act before it sees the connection end.
                thread::sleep(Duration::from_millis(200));
                let _ = server.shutdown(Shutdown::Both);
                return;
            }
        }
        if server.write_all(&message).is_err() {
            return;
        }
    }
}

#[test]
fn a_connection_lost_with_the_commit_on_its_way_is_settled_by_asking_the_server() {
    for cut in [Cut::Forward, Cut::Drop] {
        let Some(db) = TestDb::new() else {
            return;
        };
        let proxy = CommitCutter::start(&db);
        let store = PostgresStore::connect(&proxy.url(&db)).unwrap();
        let first = store
            .commit(&VIDEO, Revision::ZERO, &[option("a", "1")])
            .unwrap();
        proxy.arm(cut);
        // Committed: the store learns so and reports success. Rolled back:
        // it runs the transaction again. Either way the batch lands once
        // (running a committed batch again would be a conflict), and its
        // event-log entry with it.
        let entry = LogEntry::new(
            AuditType::OptionChanged,
            VIDEO,
            "a",
            "video: a (\"1\") => (\"2\")",
        );
        let next = store
            .commit_logged(&VIDEO, first, &[option("a", "2")], &[], &[entry])
            .unwrap_or_else(|err| panic!("{cut:?}: {err}"));
        assert_eq!(proxy.cuts(), 1, "{cut:?}: the proxy cut the commit");
        assert_eq!(next, Revision::new(2), "{cut:?}");
        let snapshot = store.load(&VIDEO).unwrap();
        assert_eq!(snapshot.revision, Revision::new(2), "{cut:?}");
        assert_eq!(snapshot.records.option(Scope::Common, "a"), Some("2"));
        let log = store.event_log().unwrap().read(&LogQuery::new()).unwrap();
        assert_eq!(log.len(), 1, "{cut:?}: the entry landed once: {log:?}");
    }
}
