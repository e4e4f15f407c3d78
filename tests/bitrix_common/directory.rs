//! What the SQL stores' tests of the site's surroundings share: the rows
//! of `b_group`, `b_lang` and `b_user_group` each engine's test inserts
//! (through [`Dialect`]), what the store must read from them, and the
//! event log's promises.

use std::time::{Duration, SystemTime};

use module_settings::store::directory::{AuditType, LogEntry, LogQuery};
use module_settings::store::{Guarded, Precondition, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId, Store, StoreError, UserId};

use super::{grant, option, S1, VIDEO, VIDEOPORT};

/// How one engine writes what the shared checks need.
pub struct Dialect {
    /// A datetime `days` from the database's now, as an SQL expression.
    pub days_from_now: fn(i32) -> String,
}

/// Bitrix's tables of the site, in SQLite's types.
pub const SQLITE_SITE_TABLES: &str = "
CREATE TABLE b_group (ID INTEGER PRIMARY KEY AUTOINCREMENT, TIMESTAMP_X TEXT, ACTIVE CHAR(1) NOT NULL DEFAULT 'Y',
  C_SORT INT NOT NULL DEFAULT 100, ANONYMOUS CHAR(1) NOT NULL DEFAULT 'N', IS_SYSTEM CHAR(1) NOT NULL DEFAULT 'Y',
  NAME VARCHAR(255) NOT NULL, DESCRIPTION VARCHAR(255), SECURITY_POLICY TEXT, STRING_ID VARCHAR(255));
CREATE TABLE b_lang (LID CHAR(2) NOT NULL PRIMARY KEY, SORT INT NOT NULL DEFAULT 100, DEF CHAR(1) NOT NULL DEFAULT 'N',
  ACTIVE CHAR(1) NOT NULL DEFAULT 'Y', NAME VARCHAR(50) NOT NULL, DIR VARCHAR(50) NOT NULL DEFAULT '/',
  LANGUAGE_ID CHAR(2) NOT NULL, SERVER_NAME VARCHAR(255), SITE_NAME VARCHAR(255), EMAIL VARCHAR(255));
CREATE TABLE b_user_group (USER_ID INT NOT NULL, GROUP_ID INT NOT NULL, DATE_ACTIVE_FROM DATETIME, DATE_ACTIVE_TO DATETIME);
CREATE UNIQUE INDEX ix_user_group ON b_user_group (USER_ID, GROUP_ID);
";

pub const SQLITE: Dialect = Dialect {
    days_from_now: |days| format!("datetime('now', '{days:+} days')"),
};

/// The rows every engine's test inserts, after creating the tables in its
/// Bitrix layout: four groups (5 switched off, 6 sorted first), two sites
/// (s2 switched off, s1 the default), and user 42's memberships: 5 with
/// no dates, 6 valid from yesterday to tomorrow, 7 expired yesterday, 8
/// starting tomorrow, 9 ending today-ish (in an hour). User 43 has none.
pub fn site_rows(dialect: &Dialect) -> Vec<String> {
    let day = dialect.days_from_now;
    vec![
        "INSERT INTO b_group (ID, ACTIVE, C_SORT, NAME, STRING_ID) VALUES \
         (1, 'Y', 1, 'Administrators', NULL), (2, 'Y', 2, 'Everyone', NULL), \
         (5, 'N', 100, 'Editors', 'editors'), (6, 'Y', 0, 'Authors', NULL)"
            .to_owned(),
        "INSERT INTO b_lang (LID, SORT, DEF, ACTIVE, NAME, DIR, LANGUAGE_ID) VALUES \
         ('s1', 1, 'Y', 'Y', 'Main shop', '/', 'en'), ('s2', 2, 'N', 'N', 'Outlet', '/outlet/', 'en')"
            .to_owned(),
        format!(
            "INSERT INTO b_user_group (USER_ID, GROUP_ID, DATE_ACTIVE_FROM, DATE_ACTIVE_TO) VALUES \
             (42, 5, NULL, NULL), (42, 6, {}, {}), (42, 7, NULL, {}), (42, 8, {}, NULL), (44, 5, NULL, NULL)",
            day(-1),
            day(1),
            day(-1),
            day(1)
        ),
    ]
}

/// The columns of Bitrix's `b_event_log`, in its order: what a store that
/// creates the table must create.
pub const BITRIX_EVENT_LOG_COLUMNS: [&str; 13] = [
    "ID",
    "TIMESTAMP_X",
    "SEVERITY",
    "AUDIT_TYPE_ID",
    "MODULE_ID",
    "ITEM_ID",
    "REMOTE_ADDR",
    "USER_AGENT",
    "REQUEST_URI",
    "SITE_ID",
    "USER_ID",
    "GUEST_ID",
    "DESCRIPTION",
];

/// A store on a database without `b_group`, `b_lang` and `b_user_group`
/// says so (`None`), and its event log is there (created) and empty.
pub fn assert_no_site_tables(store: &dyn Store) {
    let directory = store.directory().expect("an SQL store has a directory");
    assert_eq!(directory.groups().unwrap().map(|g| g.len()), None);
    assert_eq!(directory.sites().unwrap(), None);
    assert_eq!(
        directory.user_groups(UserId::from_static(42)).unwrap(),
        None
    );
    let log = store.event_log().expect("an SQL store has an event log");
    assert_eq!(log.read(&LogQuery::new()).unwrap(), []);
}

/// What [`site_rows`] must read as.
pub fn assert_site_rows_read(store: &dyn Store) {
    let directory = store.directory().unwrap();
    let groups = directory.groups().unwrap().expect("b_group exists");
    let listed: Vec<(u32, &str, bool, u32)> = groups
        .iter()
        .map(|g| (g.id().get(), g.name(), g.is_active(), g.sort()))
        .collect();
    assert_eq!(
        listed,
        [
            (6, "Authors", true, 0),
            (1, "Administrators", true, 1),
            (2, "Everyone", true, 2),
            (5, "Editors", false, 100)
        ],
        "Bitrix's order: sort, then id"
    );
    assert_eq!(
        groups.get(GroupId::from_static(5)).unwrap().string_id(),
        Some("editors")
    );
    assert_eq!(
        groups.get(GroupId::from_static(6)).unwrap().string_id(),
        None
    );
    assert_eq!(groups.inactive_groups(), [GroupId::from_static(5)]);

    let sites = directory.sites().unwrap().expect("b_lang exists");
    let listed: Vec<(String, &str, bool, bool)> = sites
        .iter()
        .map(|s| (s.id().to_string(), s.name(), s.is_active(), s.is_default()))
        .collect();
    assert_eq!(
        listed,
        [
            ("s1".to_owned(), "Main shop", true, true),
            ("s2".to_owned(), "Outlet", false, false)
        ]
    );

    let user = |id| directory.user_groups(UserId::from_static(id)).unwrap();
    assert_eq!(
        user(42),
        Some(vec![GroupId::from_static(5), GroupId::from_static(6)]),
        "memberships outside their dates do not count"
    );
    assert_eq!(
        user(43),
        Some(vec![]),
        "a user without rows is in no group here"
    );
}

/// Three entries for `video` and `videoport`, as the facade writes them.
pub fn entries(user: Option<u32>) -> Vec<LogEntry> {
    let main = ModuleId::from_static("main");
    let mut out = vec![
        LogEntry::new(AuditType::RightsChanged, main, "5", "video/s1: (R) => (W)")
            .with_site(SiteId::from_static("s1")),
        LogEntry::new(
            AuditType::DefaultRightChanged,
            main,
            "GROUP_DEFAULT_RIGHT",
            "video: () => (R)",
        ),
        LogEntry::new(
            AuditType::OptionChanged,
            VIDEOPORT,
            "ServerPort",
            "videoport: ServerPort (\"8000\") => (\"8001\")",
        ),
    ];
    if let Some(user) = user {
        out = out
            .into_iter()
            .map(|e| e.with_user(UserId::new(user).unwrap()))
            .collect();
    }
    out
}

fn texts(entries: &[LogEntry]) -> Vec<&str> {
    entries.iter().map(LogEntry::description).collect()
}

/// Entries committed with a batch are read back newest first, with row
/// ids, times of the database's clock and the user; the module, time and
/// limit filters work; failed commits (a stale revision, a moved guard)
/// and empty batches write none.
pub fn assert_event_log_lands_with_commits(store: &dyn Store) {
    let log = store.event_log().unwrap();
    let before = SystemTime::now() - Duration::from_secs(5);
    let batch = [grant(S1, 5, AccessLevel::W)];
    let entries = entries(Some(42));
    let rev = store
        .commit_logged(&VIDEO, Revision::ZERO, &batch, &[], &entries[..2])
        .unwrap();
    let port = [option(Scope::Common, "ServerPort", "8001")];
    store
        .commit_logged(&VIDEOPORT, Revision::ZERO, &port, &[], &entries[2..])
        .unwrap();

    let all = log.read(&LogQuery::new()).unwrap();
    assert_eq!(
        texts(&all),
        [
            "videoport: ServerPort (\"8000\") => (\"8001\")",
            "video: () => (R)",
            "video/s1: (R) => (W)"
        ],
        "newest first"
    );
    let ids: Vec<u64> = all.iter().map(|e| e.id().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    for entry in &all {
        assert_eq!(entry.user_id(), Some(UserId::from_static(42)));
        let at = entry.at().unwrap();
        assert!(
            at >= before && at <= SystemTime::now() + Duration::from_secs(5),
            "{at:?}"
        );
    }
    assert_eq!(all[2].site_id(), Some(SiteId::from_static("s1")));
    assert_eq!(all[2].item_id(), "5");
    assert_eq!(all[2].module_id().as_str(), "main");
    assert_eq!(all[0].module_id(), VIDEOPORT);

    let video = log.read(&LogQuery::new().module(VIDEO)).unwrap();
    assert_eq!(texts(&video), ["video: () => (R)", "video/s1: (R) => (W)"]);
    let port = log.read(&LogQuery::new().module(VIDEOPORT)).unwrap();
    assert_eq!(port.len(), 1);
    assert_eq!(log.read(&LogQuery::new().limit(1)).unwrap().len(), 1);
    let later = SystemTime::now() + Duration::from_secs(3600);
    assert_eq!(log.read(&LogQuery::new().since(later)).unwrap(), []);
    assert_eq!(log.read(&LogQuery::new().since(before)).unwrap().len(), 3);

    // A stale revision, a moved guard, an empty batch: no entries.
    let stale = store.commit_logged(&VIDEO, Revision::ZERO, &batch, &[], &entries[..1]);
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let guard = [Precondition::new(VIDEOPORT, Revision::ZERO)];
    let moved = store.commit_logged(&VIDEO, rev, &batch, &guard, &entries[..1]);
    assert!(
        matches!(moved, Err(StoreError::PreconditionFailed { .. })),
        "{moved:?}"
    );
    store
        .commit_logged(&VIDEO, rev, &[], &[], &entries[..1])
        .unwrap();
    assert_eq!(log.read(&LogQuery::new()).unwrap().len(), 3);
}

/// After a commit with entries that failed inside its transaction: the
/// module is still at `rev` with no `ServerPort` of 8001, and the log holds
/// no entry.
pub fn assert_nothing_landed(store: &dyn Store, rev: Revision) {
    assert_eq!(store.revision(&VIDEOPORT).unwrap(), rev);
    let records = store.load(&VIDEOPORT).unwrap().records;
    assert_ne!(records.option(Scope::Common, "ServerPort"), Some("8001"));
    assert_eq!(
        store.event_log().unwrap().read(&LogQuery::new()).unwrap(),
        []
    );
}

/// The commit of `ServerPort` 8001 with audit entries on a fresh `store`,
/// where a test trigger fails it after its log insert, at the revision:
/// a backend error whose text names `failed_at` (when given), and nothing
/// landed — neither the change nor its entries.
pub fn assert_a_failure_after_the_log_insert_leaves_neither(
    store: &dyn Store,
    failed_at: Option<&str>,
) {
    let err = logged_port_commit_error(store);
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    if let Some(failed_at) = failed_at {
        assert!(err.to_string().contains(failed_at), "{err}");
    }
    assert_nothing_landed(store, Revision::ZERO);
}

/// The same commit where a test trigger refuses the log insert itself:
/// an error whose text names `says` (when given), no change, and the same
/// batch without entries commits (the trigger was the cause).
pub fn assert_a_refused_log_insert_leaves_no_change(store: &dyn Store, says: Option<&str>) {
    let err = logged_port_commit_error(store);
    if let Some(says) = says {
        assert!(err.to_string().contains(says), "{err}");
    }
    assert_nothing_landed(store, Revision::ZERO);
    let port = [option(Scope::Common, "ServerPort", "8001")];
    store.commit(&VIDEOPORT, Revision::ZERO, &port).unwrap();
}

/// Why the logged commit of `ServerPort` 8001 failed (it must).
fn logged_port_commit_error(store: &dyn Store) -> StoreError {
    let port = [option(Scope::Common, "ServerPort", "8001")];
    store
        .commit_logged(&VIDEOPORT, Revision::ZERO, &port, &[], &entries(None)[2..])
        .unwrap_err()
}

/// Every read is exactly [`LogQuery::matches`] over the whole log, newest
/// first, its limit counting only matching rows: a module's rights rows by
/// the module at the start of their description, in any case, and never a
/// module whose id merely starts alike or matches as a `LIKE` pattern
/// (`vid_o`, `vid.o`, `vide_`); its option rows by `MODULE_ID`, in any
/// case; `since` to the second. `exec` writes as another program would
/// (in its own case), `dialect` says how to write the database's now.
pub fn assert_reads_are_exactly_what_queries_match(
    store: &dyn Store,
    exec: &dyn Fn(&str),
    dialect: &Dialect,
) {
    let main = ModuleId::from_static("main");
    let module = |id: &str| ModuleId::new(id).unwrap();
    let mut written = Vec::new();
    for (subject, description) in [
        ("vid_o", "vid_o: () => (R)"),
        ("video", "video/s1: (R) => (W)"),
        ("vid.o", "vid.o: () => (W)"),
        ("video", "video: () => (R)"),
        ("videoport", "videoport: () => (R)"),
        ("video", "no module here"),
    ] {
        written.push((
            module(subject),
            LogEntry::new(AuditType::RightsChanged, main, "5", description),
        ));
    }
    for subject in ["video", "vid_o", "videoport"] {
        written.push((
            module(subject),
            LogEntry::new(
                AuditType::OptionChanged,
                module(subject),
                "x",
                format!("{subject}: x changed"),
            ),
        ));
    }
    for (n, (subject, entry)) in written.iter().enumerate() {
        let current = store.revision(subject).unwrap();
        let change = [option(Scope::Common, "touched", &n.to_string())];
        store
            .commit_logged(subject, current, &change, &[], std::slice::from_ref(entry))
            .unwrap();
    }
    let now = (dialect.days_from_now)(0);
    exec(&format!(
        "INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, DESCRIPTION) VALUES \
         ({now}, 'SECURITY', 'MODULE_RIGHTS_CHANGED', 'main', '6', 'Video/S1: (R) => (D)'), \
         ({now}, 'INFO', 'MODULE_OPTION_CHANGED', 'VideoPort', 'ServerHost', 'by hand'), \
         ({now}, 'INFO', 'MODULE_OPTION_CHANGED', 'vide_', 'x', 'an option of vide_'), \
         ({now}, 'INFO', 'MODULE_OPTION_CHANGED', 'VIDEO', 'y', 'video: y changed')"
    ));
    let log = store.event_log().unwrap();
    let all = log.read(&LogQuery::new()).unwrap();
    assert_eq!(all.len(), written.len() + 4);
    let ids: Vec<u64> = all.iter().map(|e| e.id().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest (highest id) first: {ids:?}"
    );
    let newest = all[0].at().unwrap();
    let mut queries = vec![
        LogQuery::new(),
        LogQuery::new().limit(3),
        LogQuery::new().limit(0),
    ];
    for subject in [
        "video",
        "vid_o",
        "vid.o",
        "vide_",
        "v_deo",
        "videoport",
        "vidxo",
        "vid",
        "main",
    ] {
        for limit in [1, 2, 100] {
            queries.push(LogQuery::new().module(module(subject)).limit(limit));
        }
    }
    queries.push(LogQuery::new().since(newest));
    queries.push(LogQuery::new().since(newest + Duration::from_millis(1)));
    queries.push(
        LogQuery::new()
            .since(newest - Duration::from_millis(1))
            .limit(2),
    );
    queries.push(LogQuery::new().since(SystemTime::now() + Duration::from_secs(3600)));
    for query in &queries {
        let expected: Vec<LogEntry> = all
            .iter()
            .filter(|e| query.matches(e))
            .take(query.max_rows())
            .cloned()
            .collect();
        assert_eq!(log.read(query).unwrap(), expected, "{query:?}");
    }
    let texts = |id| -> Vec<String> {
        log.read(&LogQuery::new().module(module(id)))
            .unwrap()
            .iter()
            .map(|e| e.description().to_owned())
            .collect()
    };
    assert_eq!(
        texts("video"),
        [
            "video: y changed",
            "Video/S1: (R) => (D)",
            "video: x changed",
            "video: () => (R)",
            "video/s1: (R) => (W)"
        ]
    );
    assert_eq!(texts("vide_"), ["an option of vide_"]);
    assert_eq!(
        texts("videoport"),
        ["by hand", "videoport: x changed", "videoport: () => (R)"]
    );
    assert_eq!(texts("main"), Vec::<String>::new());
}

/// On `store`, opened on a database that held `b_group` then, and `exec`
/// to write to it as another program: every change to `b_group` moves the
/// groups' revision (and no module's, and lists no module); a commit
/// naming the groups' old revision is refused and writes nothing, one
/// naming the current revision lands.
pub fn assert_groups_revision_moves_and_guards_commits(store: &dyn Store, exec: &dyn Fn(&str)) {
    let directory = store.directory().unwrap();
    let before = directory
        .groups_revision()
        .unwrap()
        .expect("the triggers on b_group keep a revision");
    let modules = store.modules().unwrap();
    exec("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6");
    exec("UPDATE b_group SET NAME = 'Renamed' WHERE ID = 6");
    let after = directory.groups_revision().unwrap().unwrap();
    assert_eq!(after.get(), before.get() + 2, "one step per row changed");
    assert_eq!(
        store.modules().unwrap(),
        modules,
        "the groups are no module"
    );

    let revision = store.revision(&VIDEOPORT).unwrap();
    let change = [option(Scope::Common, "ServerPort", "8001")];
    let stale = store.commit_guarded(
        &VIDEOPORT,
        revision,
        &change,
        &[Precondition::groups(before)],
    );
    assert!(
        matches!(
            stale,
            Err(StoreError::PreconditionFailed { on: Guarded::Groups, expected, current, .. })
                if expected == before && current == after
        ),
        "{stale:?}"
    );
    assert_eq!(
        store.revision(&VIDEOPORT).unwrap(),
        revision,
        "nothing written"
    );
    let landed = store
        .commit_guarded(
            &VIDEOPORT,
            revision,
            &change,
            &[Precondition::groups(after)],
        )
        .unwrap();
    assert_eq!(landed.get(), revision.get() + 1);
}
