//! The facade's group directory: given to the builder or replaced with
//! `Settings::set_groups`, it decides checks, roles and the right of a
//! write's actor in every module at once, and never touches the stored
//! rows.

mod facade_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use facade_common::{admin, g, grant, member, B24, VIDEO};
use module_settings::access::{ResolveOptions, ScopeQuery};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::settings::{Actor, Settings, SettingsError};
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, MemoryStore, Scope, Store, VideoPort};

use AccessLevel::{R, W};

/// Group `id` switched off, among groups 1, 2 and 6 listed active.
fn switched_off(ids: &[u32]) -> GroupDirectory {
    let rows = [1, 2, 6]
        .iter()
        .chain(ids)
        .map(|&id| Group::new(g(id), format!("group {id}")).with_active(!ids.contains(&id)));
    GroupDirectory::new(rows).expect("distinct ids")
}

fn editors_w_default_r(settings: &Settings<MemoryStore>) {
    let mut tab = settings.access_tab(VIDEO).expect("tab");
    tab.set_default(Scope::Common, R).expect("accepted");
    tab.set_grant(Scope::Common, g(5), W).expect("accepted");
    settings
        .apply_access_tab(&admin(), tab)
        .expect("admin writes");
}

/// A settings form the actor saves: a write guarded by W on `video`.
fn save_port(
    settings: &Settings<MemoryStore>,
    actor: &Actor,
    port: u16,
) -> Result<Revision, SettingsError> {
    let mut form = settings.edit::<VideoPort>(Scope::Common)?;
    form.value_mut().server_port = std::num::NonZeroU16::new(port);
    settings.save(actor, form)
}

#[test]
fn a_directory_given_to_the_builder_decides_every_check() {
    let settings = Settings::builder(MemoryStore::new())
        .groups(switched_off(&[5]))
        .build()
        .expect("builds");
    assert_eq!(settings.groups(), switched_off(&[5]));
    editors_w_default_r(&settings);
    grant(&settings, B24, 5, AccessLevel::M);
    let editor = [GroupId::EVERYONE, g(5)];

    let decision = settings
        .check(VIDEO, &editor, Scope::Common)
        .expect("loaded");
    assert_eq!(decision.to_string(), "R: default of the common scope");
    assert!(!settings.can(B24, &editor, Scope::Common, AccessLevel::M));
    assert_eq!(
        settings
            .roles(VIDEO, &editor, Scope::Common)
            .expect("loaded")
            .to_string(),
        "R"
    );
    let denied = save_port(&settings, &member(5), 8000).unwrap_err();
    assert_eq!(
        denied.to_string(),
        "access denied to module video: needs W, holds R"
    );
    // Every group active: the editors' W counts.
    let plain = Settings::new(settings.store().clone());
    assert!(plain.can(VIDEO, &editor, Scope::Common, W));
}

#[test]
fn a_group_switched_off_loses_its_w_at_once_and_keeps_its_rows() {
    let settings = Settings::in_memory();
    editors_w_default_r(&settings);
    let editor = [GroupId::EVERYONE, g(5)];
    assert!(settings.can(VIDEO, &editor, Scope::Common, W));
    save_port(&settings, &member(5), 8000).expect("an editor writes");
    let revision = settings.revision(VIDEO).expect("loaded");

    settings.set_groups(switched_off(&[5]));
    // The next check and the next write, with no store call in between
    // that could explain it: the revision has not moved.
    assert!(!settings.can(VIDEO, &editor, Scope::Common, W));
    assert_eq!(
        settings
            .check(VIDEO, &editor, Scope::Common)
            .expect("loaded")
            .to_string(),
        "R: default of the common scope"
    );
    let denied = save_port(&settings, &member(5), 8001).unwrap_err();
    assert_eq!(
        denied.to_string(),
        "access denied to module video: needs W, holds R"
    );
    assert_eq!(settings.revision(VIDEO).expect("loaded"), revision);

    // The Access tab still lists the group's rows, untouched.
    let tab = settings.access_tab(VIDEO).expect("tab");
    let rows: Vec<(GroupId, AccessLevel)> = tab
        .grant_rows()
        .iter()
        .map(|row| (row.group, row.level))
        .collect();
    assert_eq!(rows, [(g(5), W)]);

    // Switched back on: the same rows count again.
    settings.set_groups(GroupDirectory::empty());
    assert!(settings.can(VIDEO, &editor, Scope::Common, W));
    save_port(&settings, &member(5), 8002).expect("writes again");
}

#[test]
fn modules_loaded_or_written_after_the_change_use_the_new_directory() {
    let store = MemoryStore::new();
    let seed = Settings::new(store.clone());
    editors_w_default_r(&seed);
    grant(&seed, B24, 5, W);

    let settings = Settings::new(store);
    // Before any module is loaded.
    settings.set_groups(switched_off(&[5]));
    let editor = [GroupId::EVERYONE, g(5)];
    assert!(!settings.can(B24, &editor, Scope::Common, W));
    assert!(!settings.can(VIDEO, &editor, Scope::Common, W));

    // A write of the rights derives the next compiled rights from the
    // current ones: the directory stays folded in.
    grant(&settings, VIDEO, 6, W);
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, W));
    assert!(!settings.can(VIDEO, &editor, Scope::Common, W));
    // Another facade's write, seen through the store's feed and loaded.
    grant(&seed, B24, 7, W);
    assert!(settings.can(B24, &[g(7)], Scope::Common, W));
    assert!(!settings.can(B24, &editor, Scope::Common, W));
}

#[test]
fn an_inactive_administrator_group_bypasses_nothing_even_for_repairs() {
    let store = MemoryStore::new();
    // A row the video module cannot use (it has no level M): every
    // ordinary check fails closed; administrators keep W to repair it.
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[Change::SetGrant {
                scope: Scope::Common,
                group: g(7),
                level: AccessLevel::M,
            }],
        )
        .expect("stored");
    let settings = Settings::builder(store)
        .resolve_options(ResolveOptions::new().admin_groups([g(1), g(9)]))
        .groups(switched_off(&[9]))
        .build()
        .expect("builds");
    assert!(settings.can(VIDEO, &[g(1)], Scope::Common, W));
    let err = settings.check(VIDEO, &[g(9)], Scope::Common).unwrap_err();
    assert!(matches!(err, SettingsError::StoredRights { .. }), "{err}");
    settings.set_groups(GroupDirectory::empty());
    assert!(settings.can(VIDEO, &[g(9)], Scope::Common, W));
}

#[test]
fn checks_racing_a_new_directory_see_one_directory_and_the_last_one_wins() {
    let settings = Settings::in_memory();
    editors_w_default_r(&settings);
    let editor = [GroupId::EVERYONE, g(5)];
    let done = AtomicBool::new(false);
    let last_check = thread::scope(|scope| {
        // Readers: every answer is one of the two directories' answers.
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let decision = settings
                        .check(VIDEO, &editor, ScopeQuery::Common)
                        .expect("loaded");
                    let text = decision.to_string();
                    assert!(
                        text == "W: grant of group 5 in the common scope"
                            || text == "R: default of the common scope",
                        "{text}"
                    );
                }
            });
        }
        // Stops the readers however this thread leaves the scope, so a
        // failed assertion fails the test rather than hang it.
        let _stop = Stop(&done);
        // A writer whose commits derive new rights while the directory
        // changes under them.
        let writer = scope.spawn(|| {
            for level in [W, R].into_iter().cycle().take(200) {
                grant(&settings, VIDEO, 6, level);
            }
        });
        for round in 0..200 {
            let off = if round % 2 == 0 {
                switched_off(&[5])
            } else {
                GroupDirectory::empty()
            };
            settings.set_groups(off);
        }
        settings.set_groups(switched_off(&[5]));
        // Whatever the writer's commits still racing, the last directory
        // holds from here on.
        let last_check = settings.can(VIDEO, &editor, Scope::Common, W);
        writer.join().expect("the writer commits");
        last_check
    });
    assert!(!last_check, "the last directory holds at once");
    assert!(!settings.can(VIDEO, &editor, Scope::Common, W));
    assert_eq!(settings.groups(), switched_off(&[5]));
}

/// Sets its flag when dropped.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A directory given while a write is between its check and its commit
/// waits for that commit: the write (allowed by group 5) lands, and
/// `set_groups` returns only after it — so once it has returned, no write
/// allowed only by the switched-off group is still on its way.
#[test]
fn a_directory_given_while_a_commit_is_under_way_waits_for_it() {
    use std::sync::mpsc;
    use std::sync::Mutex;
    use std::time::Duration;

    let (in_commit, committing) = mpsc::channel::<()>();
    let (proceed, go) = mpsc::channel::<()>();
    let (in_commit, go) = (Mutex::new(in_commit), Mutex::new(go));
    let hold = || {
        in_commit.lock().unwrap().send(()).unwrap();
        go.lock().unwrap().recv().unwrap();
    };
    let store = facade_common::BeforeNextCommit::new(MemoryStore::new());
    let settings = Settings::new(store);
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(5), W).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    settings.store().arm(&hold);
    let given = AtomicBool::new(false);
    thread::scope(|scope| {
        let write = scope.spawn(|| {
            let mut form = settings.edit::<VideoPort>(Scope::Common)?;
            form.value_mut().server_port = std::num::NonZeroU16::new(9000);
            settings.save(&member(5), form)
        });
        committing.recv().unwrap();
        let replace = scope.spawn(|| {
            settings.set_groups(switched_off(&[5]));
            given.store(true, Ordering::SeqCst);
        });
        thread::sleep(Duration::from_millis(150));
        // Let the commit go before judging, so that a failure never
        // leaves the write waiting.
        let returned_first = given.load(Ordering::SeqCst);
        proceed.send(()).unwrap();
        let revision = write.join().unwrap();
        replace.join().unwrap();
        assert!(
            !returned_first,
            "set_groups returned while a write it revokes was between check and commit"
        );
        assert_eq!(revision.expect("checked before the new directory").get(), 1);
    });
    assert!(!settings.can(VIDEO, &member(5), Scope::Common, W));
}

/// A directory given after a write's check but before its commit began
/// (here: by the operation itself, between the two) makes the write check
/// again on it: denied, nothing written.
#[test]
fn a_directory_given_after_the_check_makes_the_commit_check_again() {
    let settings = Settings::in_memory();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(5), W).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let result = settings.operate(
        &member(5),
        Scope::Common,
        "move the port",
        |video: &VideoPort, _now| {
            settings.set_groups(switched_off(&[5]));
            let mut video = video.clone();
            video.server_port = std::num::NonZeroU16::new(9000);
            Ok::<_, SettingsError>(video)
        },
    );
    assert!(
        matches!(
            result,
            Err(SettingsError::Denied {
                held: AccessLevel::D,
                ..
            })
        ),
        "{result:?}"
    );
    let stored = settings.store().load(&facade_common::VIDEOPORT).unwrap();
    assert!(stored.records.is_empty(), "nothing written");
}
