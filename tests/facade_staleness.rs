//! The staleness bound, store failures and bad stored data: what a reader
//! of the facade sees, and that checks fail closed (rule 15).

mod facade_common;

use std::num::NonZeroU16;
use std::sync::Arc;
use std::time::Duration;

use facade_common::*;
use module_settings::modules::VideoPort;
use module_settings::settings::{Settings, SettingsError};
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, MemoryStore, Scope, Store};

const HOUR: Duration = Duration::from_secs(3600);

fn set_port<S: Store>(settings: &Settings<S>, scope: Scope, port: u16) -> Revision {
    let mut form = settings.edit::<VideoPort>(scope).unwrap();
    form.value_mut().server_port = NonZeroU16::new(port);
    settings.save(&admin(), form).unwrap()
}

fn port<S: Store>(settings: &Settings<S>, scope: Scope) -> Option<u16> {
    settings
        .options::<VideoPort>(scope)
        .unwrap()
        .server_port
        .map(NonZeroU16::get)
}

/// Without a change feed, a second facade trusts its snapshot for the
/// bound (with one, it hears of the write at once: `facade_feed.rs`).
#[test]
fn a_second_facade_sees_a_write_only_after_a_refresh() {
    let store = NoFeed::default();
    let writer = Settings::new(store.clone());
    let reader = Settings::builder(store.clone())
        .staleness(HOUR)
        .build()
        .unwrap();
    assert_eq!(port(&reader, Scope::Common), None); // loaded now
    set_port(&writer, Scope::Common, 8000);
    // The writer sees its own write at once; the reader trusts its
    // snapshot for an hour.
    assert_eq!(port(&writer, Scope::Common), Some(8000));
    assert_eq!(port(&reader, Scope::Common), None);
    assert_eq!(reader.revision(VIDEOPORT).unwrap(), Revision::ZERO);
    assert_eq!(reader.reload(VIDEOPORT).unwrap(), Revision::new(1));
    assert_eq!(port(&reader, Scope::Common), Some(8000));

    // Rights too, and `reload_all` covers every module.
    assert!(!reader.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W)); // loaded now
    grant(&writer, VIDEO, 5, AccessLevel::W);
    assert!(!reader.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    reader.reload_all().unwrap();
    assert!(reader.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
}

#[test]
fn a_zero_bound_sees_every_write_at_once() {
    let store = MemoryStore::new();
    let writer = Settings::new(store.clone());
    let reader = Settings::builder(store)
        .staleness(Duration::ZERO)
        .build()
        .unwrap();
    assert_eq!(port(&reader, Scope::Common), None);
    for n in 1..=5 {
        set_port(&writer, Scope::Common, n);
        assert_eq!(port(&reader, Scope::Common), Some(n));
    }
    assert_eq!(
        reader.health(VIDEOPORT).unwrap().revision(),
        Some(Revision::new(5))
    );
}

#[test]
fn a_failing_store_is_an_error_and_checks_fail_closed() {
    let store = Arc::new(Flaky::default());
    let settings = Settings::builder(Arc::clone(&store))
        .staleness(Duration::ZERO)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    set_port(&settings, Scope::Common, 8000);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));

    store.set_down(true);
    let err = settings.options::<VideoPort>(Scope::Common).unwrap_err();
    assert!(matches!(err, SettingsError::Store(_)), "{err}");
    assert!(err.to_string().contains("unavailable"), "{err}");
    assert!(settings.check(VIDEO, &[g(5)], Scope::Common).is_err());
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::D));
    assert!(!settings.can(
        VIDEO,
        &[GroupId::ADMINISTRATORS],
        Scope::Common,
        AccessLevel::D
    ));
    assert!(settings
        .require(VIDEO, &[g(5)], Scope::Common, AccessLevel::R)
        .is_err());
    let health = settings.health(VIDEOPORT).unwrap();
    assert!(health.last_error().unwrap().contains("switched off"));
    // Writes are refused too, and nothing is announced.
    let events = settings.subscribe();
    assert!(settings.disconnect_b24(&admin()).is_err());
    assert!(events.try_recv().is_err());

    store.set_down(false);
    assert_eq!(port(&settings, Scope::Common), Some(8000));
    assert!(settings.health(VIDEOPORT).unwrap().last_error().is_none());
}

#[test]
fn serve_stale_keeps_serving_the_last_good_snapshot() {
    let store = Arc::new(Flaky::default());
    let settings = Settings::builder(Arc::clone(&store))
        .staleness(Duration::ZERO)
        .serve_stale(true)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    set_port(&settings, Scope::Common, 8000);
    store.set_down(true);
    assert_eq!(port(&settings, Scope::Common), Some(8000));
    // Checks fail closed all the same.
    let err = settings.check(VIDEO, &[g(5)], Scope::Common).unwrap_err();
    assert!(
        matches!(err, SettingsError::RightsUnavailable { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("switched off by the test"),
        "{err}"
    );
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::D));
    assert!(!settings.can(
        VIDEO,
        &[GroupId::ADMINISTRATORS],
        Scope::Common,
        AccessLevel::D
    ));
    assert!(settings.health(VIDEO).unwrap().is_stale());
    let health = settings.health(VIDEOPORT).unwrap();
    assert!(health.is_stale());
    assert!(health.last_error().unwrap().contains("unavailable"));
    assert_eq!(health.revision(), Some(Revision::new(1)));
    // A write never goes ahead on a stale snapshot.
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(9000);
    assert!(matches!(
        settings.save(&admin(), form),
        Err(SettingsError::Store(_))
    ));
    // A module never loaded has nothing to serve.
    assert!(settings
        .options::<module_settings::modules::B24Connector>(Scope::Common)
        .is_err());
    store.set_down(false);
    assert_eq!(port(&settings, Scope::Common), Some(8000));
    assert!(!settings.health(VIDEOPORT).unwrap().is_stale());
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
}

#[test]
fn bad_stored_rights_deny_every_check_until_an_admin_repairs_them() {
    let store = MemoryStore::new();
    // Bitrix stores any letter; the video module has no M.
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[
                Change::SetGrant {
                    scope: Scope::Common,
                    group: g(5),
                    level: AccessLevel::M,
                },
                Change::SetGrant {
                    scope: Scope::Common,
                    group: g(6),
                    level: AccessLevel::W,
                },
            ],
        )
        .unwrap();
    let settings = Settings::new(store);
    let err = settings.check(VIDEO, &[g(6)], Scope::Common).unwrap_err();
    assert!(matches!(err, SettingsError::StoredRights { .. }));
    assert_eq!(
        err.to_string(),
        "the stored access rights of module video are invalid: grant of group 5 in common \
         holds M, a level the module does not list: allowed are D, R, W; fix them on the \
         access tab"
    );
    assert!(!settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::D));
    // The administrator bypass reads no rows: administrators keep W.
    assert!(settings.can(
        VIDEO,
        &[GroupId::ADMINISTRATORS],
        Scope::Common,
        AccessLevel::W
    ));
    // Group 6 holds W on paper, but the rights are unusable: refused.
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    assert!(matches!(
        settings.save(&member(6), form),
        Err(SettingsError::StoredRights { .. })
    ));

    // The tab shows the bad row (no label), and the admin removes it.
    let mut tab = settings.access_tab(VIDEO).unwrap();
    let rows = tab.grant_rows();
    assert_eq!(rows[0].level, AccessLevel::M);
    assert_eq!((rows[0].label, rows[0].accepted), (None, false));
    assert!(rows[1].label.is_some() && rows[1].accepted);
    tab.remove_grant(Scope::Common, g(5));
    settings.apply_access_tab(&admin(), tab).unwrap();
    assert!(settings.can(VIDEO, &[g(6)], Scope::Common, AccessLevel::W));
}

#[test]
fn bad_stored_options_fail_their_scope_only() {
    let store = MemoryStore::new();
    store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[Change::SetOption {
                scope: Scope::Site(S1),
                name: name("ServerPort"),
                value: "70000".into(),
            }],
        )
        .unwrap();
    let settings = Settings::new(store);
    assert_eq!(port(&settings, Scope::Common), None);
    assert_eq!(port(&settings, Scope::Site(S2)), None);
    let err = settings.options::<VideoPort>(Scope::Site(S1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the options stored for module videoport in s1 are invalid: videoport option \
         ServerPort: \"70000\" is not allowed; expected a whole number from 1 to 65535, or \
         empty for unset"
    );
    assert!(settings.edit::<VideoPort>(Scope::Site(S1)).is_err());
    // Repair: reset the bad option to inherited.
    let revision = settings.revision(VIDEOPORT).unwrap();
    settings
        .reset_option(&admin(), VIDEOPORT, Scope::Site(S1), "ServerPort", revision)
        .unwrap();
    assert_eq!(port(&settings, Scope::Site(S1)), None);
}

#[test]
fn unregistered_modules_are_typed_errors() {
    let settings = Settings::in_memory();
    let unknown = module_settings::ModuleId::from_static("statistic");
    let err = settings.check(unknown, &[g(2)], Scope::Common).unwrap_err();
    assert_eq!(
        err.to_string(),
        "module statistic is not registered as a rights module; register it on the settings builder"
    );
    assert!(!settings.can(
        unknown,
        &[GroupId::ADMINISTRATORS],
        Scope::Common,
        AccessLevel::D
    ));
    // videoport holds options, not rights.
    assert!(settings.access_tab(VIDEOPORT).is_err());
    assert!(settings.health(unknown).is_err());
    assert!(settings.reload(unknown).is_err());
    let statistic = Settings::builder(MemoryStore::new())
        .register_rights(
            unknown,
            module_settings::access::ModuleLevels::B24_CONNECTOR,
        )
        .build()
        .unwrap();
    assert!(statistic.check(unknown, &[g(2)], Scope::Common).is_ok());
}

#[test]
fn site_reads_share_the_common_value_until_the_site_overrides() {
    let settings = Settings::in_memory();
    set_port(&settings, Scope::Common, 8000);
    let common = settings.options::<VideoPort>(Scope::Common).unwrap();
    let s1 = settings.options::<VideoPort>(Scope::Site(S1)).unwrap();
    assert!(std::ptr::eq(&*common, &*s1));
    assert!(Arc::ptr_eq(&common.to_arc(), &s1.to_arc()));
    set_port(&settings, Scope::Site(S1), 9000);
    assert_eq!(port(&settings, Scope::Site(S1)), Some(9000));
    assert_eq!(port(&settings, Scope::Site(S2)), Some(8000));
    // Only the override is stored in the site.
    let stored = settings.store().load(&VIDEOPORT).unwrap().records;
    assert_eq!(stored.options(Scope::Site(S1)).count(), 1);
}

/// A backup taken at revision 1: group 9 holds R on video.
fn backup_at_revision_1() -> MemoryStore {
    let backup = MemoryStore::new();
    backup
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[Change::SetGrant {
                scope: Scope::Common,
                group: g(9),
                level: AccessLevel::R,
            }],
        )
        .unwrap();
    backup
}

/// When the store's revision goes down (a restored backup), the facade
/// loads what is stored, whatever its revision: `reload` returns it,
/// checks answer from it, and writes work on it again.
#[test]
fn a_restored_store_is_reloaded_and_writable() {
    let store = Arc::new(Restorable::default());
    let settings = Settings::new(Arc::clone(&store));
    for group in [5, 6, 7] {
        grant(&settings, VIDEO, group, AccessLevel::W); // revisions 1..3
    }
    let old_tab = settings.access_tab(VIDEO).unwrap();
    store.restore(backup_at_revision_1());

    assert_eq!(settings.reload(VIDEO).unwrap(), Revision::new(1));
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert!(settings.can(VIDEO, &[g(9)], Scope::Common, AccessLevel::R));
    // A tab rendered before the restore describes nothing stored now.
    let err = settings.apply_access_tab(&admin(), old_tab).unwrap_err();
    assert!(matches!(err, SettingsError::Outdated { .. }), "{err:?}");
    // A tab rendered after it applies.
    grant(&settings, VIDEO, 10, AccessLevel::R);
    let stored = store.load(&VIDEO).unwrap();
    assert_eq!(stored.revision, Revision::new(2));
    assert_eq!(
        stored.records.grant(Scope::Common, g(10)),
        Some(AccessLevel::R)
    );
    assert_eq!(
        stored.records.grant(Scope::Common, g(9)),
        Some(AccessLevel::R)
    );
    assert!(settings.can(VIDEO, &[g(10)], Scope::Common, AccessLevel::R));
}

/// Without `reload`, the next refresh notices the revision went down.
#[test]
fn a_restored_store_is_seen_within_the_bound() {
    let store = Arc::new(Restorable::default());
    let settings = Settings::builder(Arc::clone(&store))
        .staleness(Duration::ZERO)
        .build()
        .unwrap();
    for group in [5, 6, 7] {
        grant(&settings, VIDEO, group, AccessLevel::W);
    }
    store.restore(backup_at_revision_1());
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert_eq!(settings.revision(VIDEO).unwrap(), Revision::new(1));
    // A tab taken now is based on what is stored, and applies.
    grant(&settings, VIDEO, 11, AccessLevel::R);
    assert!(settings.can(VIDEO, &[g(11)], Scope::Common, AccessLevel::R));
}

/// The file store: deleting a module's file takes its revision to 0,
/// which `reload` (and any refresh) now installs.
#[cfg(feature = "json")]
#[test]
fn a_deleted_module_file_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = module_settings::FileStore::open(dir.path()).unwrap();
    let settings = Settings::new(store.clone());
    grant(&settings, VIDEO, 5, AccessLevel::W);
    std::fs::remove_file(store.path_of(&VIDEO)).unwrap();
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::ZERO);
    assert_eq!(settings.reload(VIDEO).unwrap(), Revision::ZERO);
    assert!(!settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    grant(&settings, VIDEO, 6, AccessLevel::W);
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::new(1));
}

/// `is_stale` says whether the snapshot is served past a failure: never
/// with stale snapshots off, where the read returns the error instead.
#[test]
fn health_reports_stale_serving_only_when_it_happens() {
    let store = Arc::new(Flaky::default());
    let strict = Settings::builder(Arc::clone(&store))
        .staleness(Duration::ZERO)
        .build()
        .unwrap();
    strict.options::<VideoPort>(Scope::Common).unwrap();
    store.set_down(true);
    assert!(strict.options::<VideoPort>(Scope::Common).is_err()); // not served
    let health = strict.health(VIDEOPORT).unwrap();
    assert!(health.last_error().is_some());
    assert!(!health.is_stale(), "nothing is served stale in strict mode");
    let json = serde_json::to_string(&health).unwrap();
    assert!(json.contains(r#""stale":false"#), "{json}");
}

/// Who may repair unusable stored rights is what the facade's resolver
/// says an actor holds with no grants at all: W only for an administrator
/// group with the bypass on — the configured groups, and nobody when the
/// bypass is off.
#[test]
fn repairing_bad_rights_follows_the_resolve_options() {
    use module_settings::access::ResolveOptions;
    let bad = || {
        let store = MemoryStore::new();
        let m = Change::SetGrant {
            scope: Scope::Common,
            group: g(5),
            level: AccessLevel::M,
        };
        store.commit(&VIDEO, Revision::ZERO, &[m]).unwrap();
        store
    };
    let repair = |settings: &Settings<MemoryStore>, actor: &module_settings::settings::Actor| {
        let mut tab = settings.access_tab(VIDEO).unwrap();
        tab.remove_grant(Scope::Common, g(5));
        settings.apply_access_tab(actor, tab)
    };
    let custom = Settings::builder(bad())
        .resolve_options(ResolveOptions::new().admin_groups([g(9)]))
        .build()
        .unwrap();
    let err = repair(&custom, &admin()).unwrap_err();
    assert!(matches!(err, SettingsError::StoredRights { .. }), "{err:?}");
    repair(&custom, &member(9)).unwrap();

    let no_bypass = Settings::builder(bad())
        .resolve_options(ResolveOptions::new().admin_bypass(false))
        .build()
        .unwrap();
    let err = repair(&no_bypass, &admin()).unwrap_err();
    assert!(matches!(err, SettingsError::StoredRights { .. }), "{err:?}");
}
