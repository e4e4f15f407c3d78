//! The facade on a site's own tables (SQLite): groups followed from
//! `b_group` within the staleness bound, sites refused where `b_lang` does
//! not list them, actors from `b_user_group`, the Access tab's group
//! names, and audit entries in `b_event_log` that land with the write.

#![cfg(feature = "sqlite")]

mod bitrix_common;
mod facade_common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bitrix_common::directory::{site_rows, SQLITE, SQLITE_SITE_TABLES};
use facade_common::{admin, g, grant, member, save_port, VIDEO, VIDEOPORT};
use module_settings::access::AccessLevels;
use module_settings::settings::{Actor, MemoryAuditSink, Settings, SettingsError};
use module_settings::store::directory::{LogQuery, SiteError};
use module_settings::{AccessLevel, GroupId, Scope, SiteId, SqliteStore, Store, UserId};
use rusqlite::Connection;

const BOUND: Duration = Duration::from_millis(40);

fn site_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.sqlite");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(SQLITE_SITE_TABLES).unwrap();
    for statement in site_rows(&SQLITE) {
        conn.execute_batch(&statement).unwrap();
    }
    (dir, path)
}

fn plain(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn settings(path: &Path) -> Settings<SqliteStore> {
    Settings::builder(SqliteStore::open(path).unwrap())
        .staleness(BOUND)
        .build()
        .unwrap()
}

/// Waits past the staleness bound.
fn after_the_bound() {
    std::thread::sleep(BOUND * 3);
}

fn s(site: &'static str) -> Scope {
    Scope::Site(SiteId::from_static(site))
}

#[test]
fn a_group_switched_off_in_b_group_stops_counting_within_the_bound() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    // Group 6 is active, group 5 is not (site_rows).
    grant(&settings, VIDEO, 6, AccessLevel::W);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let writer = [GroupId::EVERYONE, g(5), g(6)];
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
    assert!(
        !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "5 is off"
    );
    assert!(!settings.groups().is_active(g(5)));

    plain(&path)
        .execute_batch("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6; UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 5;")
        .unwrap();
    after_the_bound();
    assert!(
        !settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W),
        "6 switched off"
    );
    assert!(
        settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "5 back on"
    );
    assert!(settings.can(VIDEO, &writer, Scope::Common, AccessLevel::W));

    // A write's own check sees it too: group 6 alone may no longer save.
    let err = save_port(&settings, &member(6)).unwrap_err();
    assert!(err.is_denied(), "{err}");
}

#[test]
fn a_switched_off_group_brings_no_default_role() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    tab.set_grant(Scope::Common, g(6), AccessLevel::W).unwrap();
    // Group 2, which every user is in, has a grant of its own: the
    // default comes only from a group without one.
    tab.set_grant(Scope::Common, GroupId::EVERYONE, AccessLevel::D)
        .unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    // 5 is off: it is not "a group without a grant", so no default R.
    let roles = settings.roles(VIDEO, &[g(5), g(6)], Scope::Common).unwrap();
    assert_eq!(roles, AccessLevels::D | AccessLevels::W);
    let roles = settings.roles(VIDEO, &[g(6), g(7)], Scope::Common).unwrap();
    assert_eq!(
        roles,
        AccessLevels::D | AccessLevels::R | AccessLevels::W,
        "7 is unknown to b_group, so it counts"
    );
}

#[test]
fn a_directory_given_to_the_builder_turns_following_off() {
    let (_dir, path) = site_database();
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .groups(module_settings::groups::GroupDirectory::empty())
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
}

#[test]
fn set_groups_turns_following_off() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    settings.set_groups(module_settings::groups::GroupDirectory::empty());
    after_the_bound();
    assert!(
        settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "b_group no longer read"
    );
}

#[test]
fn the_access_tab_names_groups_and_lists_the_active_ones() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    grant(&settings, VIDEO, 5, AccessLevel::R);
    grant(&settings, VIDEO, 6, AccessLevel::W);
    let tab = settings.access_tab(VIDEO).unwrap();
    let rows: Vec<(u32, String, Option<AccessLevel>)> = tab
        .group_rows(Scope::Common)
        .into_iter()
        .map(|row| (row.group.get(), row.name, row.level))
        .collect();
    assert_eq!(
        rows,
        [
            (6, "Authors".to_owned(), Some(AccessLevel::W)),
            (1, "Administrators".to_owned(), None),
            (2, "Everyone".to_owned(), None),
        ],
        "switched-on groups, in Bitrix's order"
    );
    let grants: Vec<(u32, Option<String>, bool)> = tab
        .grant_rows()
        .into_iter()
        .map(|row| (row.group.get(), row.name, row.active))
        .collect();
    assert_eq!(
        grants,
        [
            (5, Some("Editors".to_owned()), false),
            (6, Some("Authors".to_owned()), true)
        ]
    );
    let json = serde_json::to_value(&tab).unwrap();
    assert_eq!(json["groups"][0]["name"], "Authors");
    assert_eq!(json["grants"][0]["active"], false);

    // Saving the tab with an edit of group 6 keeps the row of group 5,
    // which Bitrix's page would not have shown.
    let mut tab = tab;
    tab.set_grant(Scope::Common, g(6), AccessLevel::R).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let tab = settings.access_tab(VIDEO).unwrap();
    assert_eq!(tab.grant_rows().len(), 2);
    assert_eq!(tab.group_name(g(5)), Some("Editors"));
    assert_eq!(tab.group_name(g(9)), None);
}

#[test]
fn a_site_b_lang_does_not_list_is_refused_with_the_list() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    let revision = settings.revision(VIDEOPORT).unwrap();
    let err = settings
        .set_option(&admin(), VIDEOPORT, s("s3"), "ServerPort", "8001", revision)
        .unwrap_err();
    assert!(
        matches!(&err, SettingsError::Site(SiteError::Unknown { site, known })
            if site.as_str() == "s3" && known.len() == 2),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "site s3 does not exist; the sites are s1, s2"
    );
    assert_eq!(
        settings.revision(VIDEOPORT).unwrap(),
        revision,
        "nothing written"
    );
    assert!(matches!(
        settings.show(&admin(), VIDEOPORT, s("s3")),
        Err(SettingsError::Site(_))
    ));
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(s("s3"), g(6), AccessLevel::W).unwrap();
    assert!(matches!(
        settings.apply_access_tab(&admin(), tab),
        Err(SettingsError::Site(_))
    ));
    // A switched-off site is still a site.
    settings
        .set_option(&admin(), VIDEOPORT, s("s2"), "ServerPort", "8001", revision)
        .unwrap();
    settings.show(&admin(), VIDEOPORT, s("s2")).unwrap();
    let sites = settings.sites().unwrap().unwrap();
    assert_eq!(
        sites.get(SiteId::from_static("s1")).unwrap().name(),
        "Main shop"
    );
}

#[test]
fn without_b_lang_every_site_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(&dir.path().join("plain.sqlite"));
    assert!(settings.sites().unwrap().is_none());
    let revision = settings.revision(VIDEOPORT).unwrap();
    settings
        .set_option(&admin(), VIDEOPORT, s("s3"), "ServerPort", "8001", revision)
        .unwrap();
}

#[test]
fn an_actor_from_a_user_id_has_the_user_s_groups_in_their_dates_and_group_2() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    let anna = settings.actor_for_user(UserId::from_static(42)).unwrap();
    assert_eq!(anna.groups(), [GroupId::EVERYONE, g(5), g(6)]);
    assert_eq!(anna.user_id(), Some(UserId::from_static(42)));
    let nobody = settings.actor_for_user(UserId::from_static(43)).unwrap();
    assert_eq!(nobody.groups(), [GroupId::EVERYONE], "a user without rows");
    let ghost = settings
        .actor_for_user(UserId::from_static(99_999))
        .unwrap();
    assert_eq!(
        ghost.groups(),
        [GroupId::EVERYONE],
        "a user who does not exist"
    );

    // Group 5 is switched off: user 42 writes through group 6 only.
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(save_port(&settings, &anna).unwrap_err().is_denied());
    grant(&settings, VIDEO, 6, AccessLevel::W);
    save_port(&settings, &anna).unwrap();
}

#[test]
fn users_cannot_be_looked_up_without_b_user_group() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(&dir.path().join("plain.sqlite"));
    let err = settings
        .actor_for_user(UserId::from_static(42))
        .unwrap_err();
    assert!(err.to_string().contains("no b_user_group table"), "{err}");
    let err = Settings::in_memory()
        .actor_for_user(UserId::from_static(42))
        .unwrap_err();
    assert!(
        matches!(err, SettingsError::NoUserDirectory { .. }),
        "{err}"
    );
}

/// The `b_event_log` rows, oldest first: severity, type, module, item,
/// site, user, description.
fn log_rows(path: &Path) -> Vec<[Option<String>; 7]> {
    let conn = plain(path);
    let mut stmt = conn
        .prepare(
            "SELECT SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, SITE_ID, CAST(USER_ID AS TEXT), \
             DESCRIPTION FROM b_event_log ORDER BY ID",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok([
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
        ])
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn row(cells: [&str; 7]) -> [Option<String>; 7] {
    cells.map(|c| (!c.is_empty()).then(|| c.to_owned()))
}

#[test]
fn writes_are_logged_in_b_event_log_exactly_as_bitrix_logs_rights() {
    let (_dir, path) = site_database();
    let settings = settings(&path);
    let anna = settings.actor_for_user(UserId::from_static(1)).unwrap();
    let admin = Actor::new(
        anna.groups()
            .iter()
            .copied()
            .chain([GroupId::ADMINISTRATORS]),
    )
    .with_user_id(UserId::from_static(1));
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(s("s1"), g(6), AccessLevel::W).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    settings.apply_access_tab(&admin, tab).unwrap();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(s("s1"), g(6), AccessLevel::R).unwrap();
    settings.apply_access_tab(&admin, tab).unwrap();
    let revision = settings.revision(VIDEOPORT).unwrap();
    let revision = settings
        .set_option(
            &admin,
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "8001",
            revision,
        )
        .unwrap();
    settings
        .set_option(
            &admin,
            VIDEOPORT,
            Scope::Common,
            "SecretCode",
            "hunter2",
            revision,
        )
        .unwrap();

    assert_eq!(
        log_rows(&path),
        [
            row([
                "SECURITY",
                "MODULE_DEFAULT_RIGHT_CHANGED",
                "main",
                "GROUP_DEFAULT_RIGHT",
                "",
                "1",
                "video: () => (R)"
            ]),
            row([
                "SECURITY",
                "MODULE_RIGHTS_CHANGED",
                "main",
                "6",
                "s1",
                "1",
                "video/s1: () => (W)"
            ]),
            row([
                "SECURITY",
                "MODULE_RIGHTS_CHANGED",
                "main",
                "6",
                "s1",
                "1",
                "video/s1: (W) => (R)"
            ]),
            row([
                "INFO",
                "MODULE_OPTION_CHANGED",
                "videoport",
                "ServerPort",
                "",
                "1",
                "videoport: ServerPort () => (\"8001\")"
            ]),
            row([
                "INFO",
                "MODULE_OPTION_CHANGED",
                "videoport",
                "SecretCode",
                "",
                "1",
                "videoport: SecretCode changed"
            ]),
        ]
    );
    let read = settings.store().event_log().unwrap();
    let video = read.read(&LogQuery::new().module(VIDEO)).unwrap();
    assert_eq!(video.len(), 3);
    assert_eq!(
        video[0].description(),
        "video/s1: (W) => (R)",
        "newest first"
    );
}

#[test]
fn a_write_that_fails_after_its_log_insert_leaves_neither_nor_tells_the_sink() {
    let (_dir, path) = site_database();
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .audit(audit.clone())
        .build()
        .unwrap();
    plain(&path)
        .execute_batch(
            "CREATE TRIGGER fail_after_log BEFORE UPDATE ON module_settings_revision \
             WHEN EXISTS (SELECT 1 FROM b_event_log) \
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;",
        )
        .unwrap();
    let revision = settings.revision(VIDEOPORT).unwrap();
    let err = settings
        .set_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "8001",
            revision,
        )
        .unwrap_err();
    assert!(matches!(err, SettingsError::Store(_)), "{err:?}");
    assert_eq!(log_rows(&path), Vec::<[Option<String>; 7]>::new());
    assert_eq!(settings.reload(VIDEOPORT).unwrap(), revision);
    assert_eq!(
        audit.records(),
        [],
        "the after-commit sink hears of committed writes only"
    );
}

#[test]
fn the_event_log_can_be_left_alone() {
    let (_dir, path) = site_database();
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .event_log(false)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 6, AccessLevel::W);
    assert_eq!(log_rows(&path), Vec::<[Option<String>; 7]>::new());
}

/// A store whose `b_group` read waits at a gate, to race it.
#[derive(Debug)]
struct GatedGroups {
    inner: SqliteStore,
    /// (entered, open)
    gate: std::sync::Mutex<(bool, bool)>,
    turn: std::sync::Condvar,
}

impl GatedGroups {
    fn wait_until(&self, what: impl Fn(&(bool, bool)) -> bool) {
        let mut state = self.gate.lock().unwrap();
        while !what(&state) {
            state = self.turn.wait(state).unwrap();
        }
    }

    fn set(&self, change: impl FnOnce(&mut (bool, bool))) {
        change(&mut self.gate.lock().unwrap());
        self.turn.notify_all();
    }
}

impl module_settings::store::directory::SiteDirectory for GatedGroups {
    fn groups(
        &self,
    ) -> Result<Option<module_settings::groups::GroupDirectory>, module_settings::StoreError> {
        self.set(|state| state.0 = true);
        self.wait_until(|state| state.1);
        self.inner.directory().unwrap().groups()
    }
    fn sites(
        &self,
    ) -> Result<Option<module_settings::store::directory::Sites>, module_settings::StoreError> {
        self.inner.directory().unwrap().sites()
    }
    fn user_groups(
        &self,
        user: UserId,
    ) -> Result<Option<Vec<GroupId>>, module_settings::StoreError> {
        self.inner.directory().unwrap().user_groups(user)
    }
}

impl Store for GatedGroups {
    fn load(
        &self,
        module: &module_settings::ModuleId,
    ) -> Result<module_settings::store::Snapshot, module_settings::StoreError> {
        self.inner.load(module)
    }
    fn revision(
        &self,
        module: &module_settings::ModuleId,
    ) -> Result<module_settings::store::Revision, module_settings::StoreError> {
        self.inner.revision(module)
    }
    fn commit_guarded(
        &self,
        module: &module_settings::ModuleId,
        expected: module_settings::store::Revision,
        changes: &[module_settings::store::Change],
        preconditions: &[module_settings::store::Precondition],
    ) -> Result<module_settings::store::Revision, module_settings::StoreError> {
        self.inner
            .commit_guarded(module, expected, changes, preconditions)
    }
    fn modules(&self) -> Result<Vec<module_settings::ModuleId>, module_settings::StoreError> {
        self.inner.modules()
    }
    fn directory(&self) -> Option<&dyn module_settings::store::directory::SiteDirectory> {
        Some(self)
    }
}

/// `set_groups` while a read of `b_group` is under way: the directory
/// given wins — the read that began before it never installs the store's
/// groups after it returned.
#[test]
fn a_directory_given_while_b_group_is_being_read_wins() {
    let (_dir, path) = site_database();
    // Group 5's grant is stored; `b_group` switches group 5 off.
    {
        let plain = settings(&path);
        plain.set_groups(module_settings::groups::GroupDirectory::empty());
        grant(&plain, VIDEO, 5, AccessLevel::W);
    }
    let store = GatedGroups {
        inner: SqliteStore::open(&path).unwrap(),
        gate: std::sync::Mutex::new((false, false)),
        turn: std::sync::Condvar::new(),
    };
    let settings = Arc::new(Settings::builder(store).staleness(BOUND).build().unwrap());
    let checking = {
        let settings = Arc::clone(&settings);
        std::thread::spawn(move || settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W))
    };
    settings.store().wait_until(|state| state.0);
    settings.set_groups(module_settings::groups::GroupDirectory::empty());
    settings.store().set(|state| state.1 = true);
    checking.join().unwrap();
    assert!(settings.groups().is_empty(), "the directory given stays");
    assert!(
        settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "group 5 counts: b_group is no longer followed"
    );
}

/// `invalidate_all` and `reload_all` read the store's groups again at
/// once, whatever the bound: they are for changes no feed reported.
#[test]
fn invalidate_all_and_reload_all_read_b_group_again() {
    let (_dir, path) = site_database();
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .staleness(Duration::from_secs(3600))
        .build()
        .unwrap();
    grant(&settings, VIDEO, 6, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
    plain(&path)
        .execute_batch("UPDATE b_group SET ACTIVE = 'N' WHERE ID = 6")
        .unwrap();
    assert!(
        settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W),
        "within the bound"
    );
    settings.invalidate_all();
    assert!(!settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
    plain(&path)
        .execute_batch("UPDATE b_group SET ACTIVE = 'Y' WHERE ID = 6")
        .unwrap();
    settings.reload_all().unwrap();
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
}

#[test]
fn a_group_switched_off_before_the_commit_stops_the_write() {
    let (_dir, path) = site_database();
    let store = SqliteStore::open(&path).unwrap();
    facade_common::a_group_switched_off_before_the_commit_stops_the_write(store, &|sql| {
        plain(&path).execute_batch(sql).unwrap()
    });
}

/// Triggers on `b_group` dropped after the facade read the groups'
/// revision: the store refuses the commit's precondition on the groups
/// (it keeps no revision any more), and the facade reads the groups again
/// and writes without it rather than fail every write from then on.
#[test]
fn a_write_goes_on_when_the_groups_revision_is_gone() {
    let (_dir, path) = site_database();
    let settings = Settings::builder(SqliteStore::open(&path).unwrap())
        .staleness(Duration::from_secs(60))
        .build()
        .unwrap();
    grant(&settings, VIDEO, 6, AccessLevel::W);
    let directory = settings.store().directory().unwrap();
    assert!(directory.groups_revision().unwrap().is_some());
    plain(&path)
        .execute_batch(
            "DROP TRIGGER module_settings_revision_after_insert_on_b_group;
             DROP TRIGGER module_settings_revision_after_update_on_b_group;
             DROP TRIGGER module_settings_revision_after_delete_on_b_group;",
        )
        .unwrap();
    assert_eq!(directory.groups_revision().unwrap(), None);
    save_port(&settings, &member(6)).expect("written without the groups' precondition");
    let stored = settings.store().load(&VIDEOPORT).unwrap();
    assert_eq!(stored.revision.get(), 1);
}
