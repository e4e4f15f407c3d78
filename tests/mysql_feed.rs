//! MySQL's change feed, by polling, against a real server: one query per
//! tick reads every module's revision, reports those that moved — whoever
//! moved them — and tells listeners it has caught up, so a facade on the
//! store asks no module for its revision while the feed keeps up. A poll
//! that fails reports nothing and the next good one reports what moved
//! meanwhile; the poll thread ends with the store or its last listener.

mod facade_common;
mod mysql_common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use facade_common::{admin, g, grant, FeedOf, VIDEO, VIDEOPORT};
use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::settings::Settings;
use module_settings::store::{Change, ChangeListener, Revision};
use module_settings::{AccessLevel, Label, ModuleId, MysqlStore, OptionName, Scope, Store};
use mysql::prelude::Queryable;
use mysql_common::{plain, TestDatabase, TestUser};

/// The tick of the tests that wait for the feed.
const TICK: Duration = Duration::from_millis(50);

/// How long a test waits for what should take a tick or two: far longer,
/// so that two busy cores do not fail it; the figures printed tell how
/// long it really took.
const PATIENCE: Duration = Duration::from_secs(5);

/// What a listener was told.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Changed(String),
    Missed,
    CaughtUp,
}

/// A listener that writes down every call.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl ChangeListener for Recorder {
    fn changed(&self, module: &ModuleId) {
        self.push(Event::Changed(module.to_string()));
    }
    fn missed(&self) {
        self.push(Event::Missed);
    }
    fn caught_up(&self, as_of: Instant) {
        assert!(as_of <= Instant::now(), "caught up to a time to come");
        self.push(Event::CaughtUp);
    }
}

impl Recorder {
    /// A recorder subscribed to `store`'s feed, for as long as it lives.
    fn watching(store: &dyn Store) -> Arc<Recorder> {
        let recorder = Arc::new(Recorder::default());
        let listener: Arc<dyn ChangeListener> = recorder.clone();
        assert!(
            store.watch(Arc::downgrade(&listener)),
            "the store has a feed"
        );
        recorder
    }

    fn push(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }

    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    fn count(&self, event: &Event) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| *e == event)
            .count()
    }

    fn changes(&self, module: &str) -> usize {
        self.count(&Event::Changed(module.to_owned()))
    }

    fn catch_ups(&self) -> usize {
        self.count(&Event::CaughtUp)
    }

    /// The modules reported as changed, once each.
    fn changed_modules(&self) -> BTreeSet<String> {
        self.events()
            .into_iter()
            .filter_map(|event| match event {
                Event::Changed(module) => Some(module),
                _ => None,
            })
            .collect()
    }

    /// Waits until `module` has been reported more than `before` times and
    /// the feed has caught up since; returns how long that took.
    fn wait_for_change(&self, module: &str, before: usize) -> Duration {
        let start = Instant::now();
        wait_until(&format!("{module} reported as changed"), || {
            let events = self.events();
            let changed = Event::Changed(module.to_owned());
            let reported = events.iter().filter(|e| **e == changed).count();
            let last = events.iter().rposition(|e| *e == changed);
            reported > before && last.is_some_and(|at| events[at..].contains(&Event::CaughtUp))
        });
        start.elapsed()
    }

    /// Waits for the first poll.
    fn wait_for_first_poll(&self) {
        wait_until("the first poll", || self.catch_ups() > 0);
    }
}

/// Waits until `done`, failing after [`PATIENCE`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < PATIENCE,
            "{what}: not within {PATIENCE:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// `value` as `videoport`'s port through `store`, on its current revision.
fn set_port(store: &dyn Store, value: &str) {
    let current = store.revision(&VIDEOPORT).unwrap();
    store
        .commit(
            &VIDEOPORT,
            current,
            &[Change::SetOption {
                scope: Scope::Common,
                name: OptionName::from_static("ServerPort"),
                value: value.into(),
            }],
        )
        .unwrap();
}

/// The ids of the connections `user` has open on the server.
fn connections(database: &TestDatabase, user: &TestUser) -> BTreeSet<u64> {
    plain(database.server())
        .exec::<u64, _, _>(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?",
            (user.name(),),
        )
        .unwrap()
        .into_iter()
        .collect()
}

/// A user for the store of a test that watches its connections; the
/// tables and triggers are created first, as the test server's admin.
fn store_user(database: &TestDatabase) -> TestUser {
    drop(database.store());
    TestUser::new(database, "feed-pass", "SELECT, INSERT, UPDATE, DELETE")
}

#[test]
fn the_first_poll_reports_a_miss_and_the_stores_own_commits_are_reported_at_once() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database
        .store()
        .with_poll_interval(Duration::from_secs(3600));
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();
    // A listener may have loaded something between subscribing and the
    // first query, which has nothing to compare with.
    assert_eq!(recorder.events(), [Event::Missed, Event::CaughtUp]);

    set_port(&store, "8001");
    assert_eq!(
        recorder.events(),
        [
            Event::Missed,
            Event::CaughtUp,
            Event::Changed("videoport".into())
        ],
        "reported before the commit returned, not at the next tick"
    );
    // An empty batch changes nothing and is not reported.
    let current = store.revision(&VIDEOPORT).unwrap();
    store.commit(&VIDEOPORT, current, &[]).unwrap();
    // A refused commit neither.
    let _ = store.commit(&VIDEOPORT, Revision::ZERO, &[]).unwrap_err();
    // With an hour's tick, no other poll comes.
    thread::sleep(Duration::from_millis(300));
    assert_eq!(recorder.events().len(), 3, "{:?}", recorder.events());
}

#[test]
fn writes_through_other_connections_reach_a_watching_listener_within_ticks() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store().with_poll_interval(TICK);
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();
    let mut took = Vec::new();

    // Another store, as another app server would have: its own
    // connections, as another user (stores of one user share this
    // process's feed, which reports their commits at once).
    let user = store_user(&database);
    let other = MysqlStore::connect(&user.url(&database)).unwrap();
    set_port(&other, "8001");
    took.push(recorder.wait_for_change("videoport", 0));

    // Plain SQL, as Bitrix's PHP or a console would write.
    database
        .exec("INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('forum', 'PageSize', '20')");
    took.push(recorder.wait_for_change("forum", 0));
    database.exec("UPDATE b_option SET VALUE = '30' WHERE MODULE_ID = 'forum'");
    took.push(recorder.wait_for_change("forum", 1));
    // Bitrix's 'Video' rows belong to module video.
    database.exec(
        "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('Video', 5, 'R')",
    );
    took.push(recorder.wait_for_change("video", 0));
    database.exec("DELETE FROM b_module_group WHERE MODULE_ID = 'video'");
    took.push(recorder.wait_for_change("video", 1));

    // A revision that goes down (a restored backup) or away is a change
    // too.
    database.exec("UPDATE module_settings_revision SET REVISION = 1 WHERE MODULE_ID = 'forum'");
    took.push(recorder.wait_for_change("forum", 2));
    database.exec("DELETE FROM module_settings_revision WHERE MODULE_ID = 'videoport'");
    took.push(recorder.wait_for_change("videoport", 1));

    // Nothing else was reported, and nothing twice.
    assert_eq!(
        recorder.changed_modules(),
        BTreeSet::from(["forum".to_owned(), "video".into(), "videoport".into()])
    );
    assert_eq!(recorder.changes("forum"), 3);
    assert_eq!(recorder.changes("video"), 2);
    assert_eq!(recorder.changes("videoport"), 2);
    assert_eq!(recorder.count(&Event::Missed), 1, "only the first poll");
    eprintln!("a write by another connection reported after (tick {TICK:?}): {took:?}");
}

#[test]
fn the_stores_own_commits_are_reported_once_not_again_by_the_polls_that_find_them() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store().with_poll_interval(TICK);
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();
    let mut reported = 0;
    for n in 0..5 {
        set_port(&store, &(8001 + n).to_string());
        reported += 1;
        assert_eq!(recorder.changes("videoport"), reported, "reported at once");
        let polls = recorder.catch_ups();
        wait_until("two more polls", || recorder.catch_ups() >= polls + 2);
        reported = recorder.changes("videoport");
    }
    // A poll can find a commit in the few microseconds before the store
    // notes it as reported, and report it once more; never every time.
    assert!(
        reported <= 6,
        "{reported} reports of 5 commits: the polls report them again"
    );
}

/// A store that counts what a facade asks it, around a MySQL store, with
/// or without passing the facade on to its change feed.
type Counting = facade_common::Counting<Arc<MysqlStore>>;

const LEVELS: ModuleLevels = ModuleLevels::new(&[
    LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
    LevelInfo::new(AccessLevel::R, Label::new("чтение", "read")),
]);

/// Reads 50 modules' rights for about two seconds through a facade with a
/// 300 ms bound over `store`; returns the revision and load calls the
/// reads made after the first of them, and how many polls the feed made
/// meanwhile.
fn read_fifty_modules_for_two_seconds(store: &Counting) -> (usize, usize, usize) {
    let modules: Vec<ModuleId> = (0..50)
        .map(|n| ModuleId::new(&format!("feed{n:02}")).unwrap())
        .collect();
    let settings = modules
        .iter()
        .fold(
            Settings::builder(store.clone()).staleness(Duration::from_millis(300)),
            |builder, module| builder.register_rights(*module, LEVELS),
        )
        .build()
        .unwrap();
    // The polls, counted from beside the facade.
    let polls = Recorder::watching(&*store.inner);
    grant(&settings, modules[7], 5, AccessLevel::R);
    let read_all = || {
        for (n, module) in modules.iter().enumerate() {
            let granted = settings.can(*module, &[g(5)], Scope::Common, AccessLevel::R);
            assert_eq!(granted, n == 7, "{module}");
        }
    };
    read_all();
    // The grant, reported when it committed, is found by the next poll;
    // counting starts once that poll is past.
    let polls_now = polls.catch_ups();
    wait_until("two more polls", || polls.catch_ups() >= polls_now + 2);
    read_all();
    let (revisions, loads) = store.calls();
    let polls_before = polls.catch_ups();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        read_all();
        thread::sleep(Duration::from_millis(5));
    }
    let (revisions_after, loads_after) = store.calls();
    (
        revisions_after - revisions,
        loads_after - loads,
        polls.catch_ups() - polls_before,
    )
}

#[test]
fn a_facade_over_a_watching_store_asks_no_module_while_the_feed_keeps_up() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    // The default tick, 100 ms, against the facade's 300 ms bound.
    let counting = |with_feed| {
        let feed = if with_feed {
            FeedOf::Inner
        } else {
            FeedOf::Nothing
        };
        Counting::new(Arc::new(database.store()), feed)
    };

    let (revisions, loads, polls) = read_fifty_modules_for_two_seconds(&counting(true));
    eprintln!(
        "with the feed, 2 s of reads of 50 modules: {revisions} revision calls, {loads} loads, \
         {polls} polls"
    );
    assert_eq!(
        (revisions, loads),
        (0, 0),
        "while the feed keeps up, the facade asks no module"
    );
    assert!(polls >= 10, "about 20 polls in 2 s, not {polls}");

    // The same reads without the feed: each module is asked at least once
    // past its bound — what the feed saves.
    let (revisions, loads, _) = read_fifty_modules_for_two_seconds(&counting(false));
    eprintln!("without the feed: {revisions} revision calls, {loads} loads");
    assert!(revisions >= 50 * 2, "{revisions} revision calls");
}

/// `a` and `b`, two facades with an hour's bound on two stores on one
/// database, cache `video` and then see each other's grant and revocation
/// — only the feed can tell them — and another program's plain-SQL grant;
/// returns how long each took to be seen.
fn two_facades_see_each_others_writes(
    database: &TestDatabase,
    a: &Settings<MysqlStore>,
    b: &Settings<MysqlStore>,
) -> Vec<Duration> {
    let can = |settings: &Settings<MysqlStore>| {
        settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W)
    };
    assert!(!can(a) && !can(b));
    let mut took = Vec::new();

    grant(a, VIDEO, 5, AccessLevel::W);
    assert!(can(a));
    let start = Instant::now();
    wait_until("b sees a's grant", || can(b));
    took.push(start.elapsed());

    let mut tab = b.access_tab(VIDEO).unwrap();
    tab.remove_grant(Scope::Common, g(5));
    b.apply_access_tab(&admin(), tab).unwrap();
    let start = Instant::now();
    wait_until("a sees b's revocation", || !can(a));
    took.push(start.elapsed());

    database.exec(
        "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('video', 5, 'W')",
    );
    let start = Instant::now();
    wait_until("both see a plain-SQL grant", || can(a) && can(b));
    took.push(start.elapsed());
    took
}

const HOUR: Duration = Duration::from_secs(3600);

fn facade(url: &str) -> Settings<MysqlStore> {
    let store = MysqlStore::connect(url).unwrap().with_poll_interval(TICK);
    Settings::builder(store).staleness(HOUR).build().unwrap()
}

#[test]
fn two_facades_on_stores_of_one_database_share_a_feed_and_see_each_others_writes_at_once() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let (a, b) = (facade(&database.url()), facade(&database.url()));
    let took = two_facades_see_each_others_writes(&database, &a, &b);
    // Through the shared feed, a commit is reported before it returns.
    assert!(took[0] < TICK && took[1] < TICK, "{took:?}");
    eprintln!("seen by the other facade of the process after: {took:?}");
}

#[test]
fn two_facades_on_stores_with_separate_feeds_see_each_others_writes_within_a_tick() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let user = store_user(&database);
    // Another user: another feed and another poll thread, as for two app
    // servers.
    let (a, b) = (facade(&database.url()), facade(&user.url(&database)));
    let took = two_facades_see_each_others_writes(&database, &a, &b);
    eprintln!("seen by the facade with its own feed after (tick {TICK:?}): {took:?}");
}

#[test]
fn the_feed_comes_back_after_its_connection_is_killed_and_reports_what_changed_meanwhile() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let user = store_user(&database);
    let store = MysqlStore::connect(&user.url(&database))
        .unwrap()
        .with_poll_interval(TICK);
    let before = connections(&database, &user);
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();
    let after = connections(&database, &user);
    let opened: Vec<u64> = after.difference(&before).copied().collect();
    assert_eq!(opened.len(), 1, "the poll thread's own connection");
    let poll = opened[0];

    let start = Instant::now();
    plain(database.server())
        .query_drop(format!("KILL {poll}"))
        .unwrap();
    set_port(&database.store(), "8001");
    let took = recorder.wait_for_change("videoport", 0);
    let caught_ups = recorder.catch_ups();
    wait_until("polls go on", || recorder.catch_ups() > caught_ups + 2);
    let now = connections(&database, &user);
    assert!(!now.contains(&poll), "the killed connection is gone");
    assert_eq!(
        now.difference(&before).count(),
        1,
        "one new poll connection"
    );
    eprintln!(
        "feed back after a KILL, with the change made meanwhile, in {took:?} (tick {TICK:?}); \
         {:?} in all",
        start.elapsed()
    );
}

#[test]
fn a_failing_poll_reports_nothing_and_the_next_good_one_reports_what_moved() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    drop(database.store());
    // Privileges on each table, which the server checks on every
    // statement, also of connections already open.
    let user = TestUser::new(&database, "feed-pass", "USAGE");
    let mut admin = plain(database.server());
    for table in [
        "b_option",
        "b_option_site",
        "b_module_group",
        "b_event_log",
        "module_settings_revision",
    ] {
        admin
            .query_drop(format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON `{}`.`{table}` TO '{}'@'127.0.0.1'",
                database.name(),
                user.name()
            ))
            .unwrap();
    }
    let store = MysqlStore::connect(&user.url(&database))
        .unwrap()
        .with_poll_interval(TICK);
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();

    let revoke_or_grant = |statement: &str, direction: &str| {
        plain(database.server())
            .query_drop(format!(
                "{statement} SELECT ON `{}`.`module_settings_revision` {direction} '{}'@'127.0.0.1'",
                database.name(),
                user.name()
            ))
            .unwrap();
    };
    revoke_or_grant("REVOKE", "FROM");
    // A poll that started before the revoke may still report.
    thread::sleep(TICK * 2);
    let quiet = recorder.events().len();
    set_port(&database.store(), "8001");
    // Ten ticks, and then some (failures back off).
    thread::sleep(TICK * 10);
    assert_eq!(
        recorder.events().len(),
        quiet,
        "a failing poll tells nothing: {:?}",
        recorder.events()
    );

    revoke_or_grant("GRANT", "TO");
    let took = recorder.wait_for_change("videoport", 0);
    assert_eq!(recorder.count(&Event::Missed), 1, "only the first poll");
    eprintln!("the change made while polls failed reported {took:?} after they could succeed");
}

/// Waits until `user` has exactly `count` connections open.
fn wait_for_connections(database: &TestDatabase, user: &TestUser, count: usize) {
    wait_until(&format!("{count} connections"), || {
        connections(database, user).len() == count
    });
}

#[test]
fn the_poll_thread_ends_when_no_listener_is_left_and_the_next_watch_starts_another() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let user = store_user(&database);
    let store = MysqlStore::connect(&user.url(&database))
        .unwrap()
        .with_poll_interval(TICK);
    // One reader's connection, idle since connecting.
    assert_eq!(connections(&database, &user).len(), 1);
    let first = Recorder::watching(&store);
    first.wait_for_first_poll();
    assert_eq!(connections(&database, &user).len(), 2);
    // A second listener shares the thread.
    let second = Recorder::watching(&store);
    wait_until("the second hears a poll", || second.catch_ups() > 0);
    assert_eq!(connections(&database, &user).len(), 2);
    assert_eq!(second.count(&Event::Missed), 0, "joined a running feed");

    drop((first, second));
    wait_for_connections(&database, &user, 1);

    let third = Recorder::watching(&store);
    third.wait_for_first_poll();
    assert_eq!(third.events()[..2], [Event::Missed, Event::CaughtUp]);
    assert_eq!(connections(&database, &user).len(), 2);
    set_port(&database.store(), "8001");
    third.wait_for_change("videoport", 0);
}

/// Creates a watching store inside the runtime, lets it poll, and drops it
/// there while its listener lives on: the poll thread ends and closes its
/// connection.
async fn drop_inside_a_runtime() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let user = store_user(&database);
    let store = MysqlStore::connect(&user.url(&database))
        .unwrap()
        .with_poll_interval(TICK);
    let recorder = Recorder::watching(&store);
    recorder.wait_for_first_poll();
    assert_eq!(connections(&database, &user).len(), 2);
    drop(store);
    wait_for_connections(&database, &user, 0);
    let polls = recorder.catch_ups();
    thread::sleep(TICK * 4);
    assert_eq!(
        recorder.catch_ups(),
        polls,
        "no poll after the store is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watching_store_drops_safely_on_a_multi_threaded_runtime() {
    drop_inside_a_runtime().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_watching_store_drops_safely_on_a_current_thread_runtime() {
    drop_inside_a_runtime().await;
}
