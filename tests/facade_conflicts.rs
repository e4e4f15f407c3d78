//! Rule 21 through the facade: edits to disjoint options or grants merge,
//! overlapping ones are reported with both sides, and a write made
//! through the store directly (as Bitrix itself would) counts as theirs.

mod facade_common;

use std::num::NonZeroU16;
use std::sync::Arc;

use facade_common::*;
use module_settings::modules::{VideoPort, Windows};
use module_settings::options::ModuleOptions;
use module_settings::settings::{RecordKey, Settings, SettingsError};
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, MemoryStore, Scope, Store};

fn host(text: &str) -> Option<url::Host> {
    Some(url::Host::parse(text).unwrap())
}

fn port(n: u16) -> Option<NonZeroU16> {
    NonZeroU16::new(n)
}

#[track_caller]
fn conflict(err: SettingsError) -> (Revision, Revision, Vec<RecordKey>, Vec<RecordKey>) {
    match err {
        SettingsError::Conflict {
            expected,
            current,
            ours,
            theirs,
            ..
        } => (expected, current, ours, theirs),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn option(scope: Scope, text: &'static str) -> RecordKey {
    RecordKey::Option {
        scope,
        name: name(text),
    }
}

#[test]
fn disjoint_option_edits_both_land() {
    let settings = Settings::in_memory();
    let mut mine = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<VideoPort>(Scope::Common).unwrap();
    mine.value_mut().server_host = host("video.example.com");
    theirs.value_mut().server_port = port(8443);
    theirs.value_mut().windows.insert(Windows::CHAT);
    assert_eq!(settings.save(&admin(), theirs).unwrap(), Revision::new(1));
    // Mine was based on revision 0 and is merged onto 1.
    assert_eq!(settings.save(&admin(), mine).unwrap(), Revision::new(2));
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(video.server_host, host("video.example.com"));
    assert_eq!(video.server_port, port(8443));
    assert!(video.windows.contains(Windows::CHAT));
}

#[test]
fn overlapping_option_edits_are_reported_with_both_sides() {
    let settings = Settings::in_memory();
    let mut mine = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<VideoPort>(Scope::Common).unwrap();
    mine.value_mut().server_port = port(1);
    mine.value_mut().server_host = host("mine.example");
    theirs.value_mut().server_port = port(2);
    settings.save(&admin(), theirs).unwrap();
    let before = everything(settings.store());
    let err = settings.save(&admin(), mine).unwrap_err();
    let text = err.to_string();
    let (expected, current, ours, theirs) = conflict(err);
    assert_eq!((expected, current), (Revision::ZERO, Revision::new(1)));
    assert_eq!(
        ours,
        [
            option(Scope::Common, "ServerHost"),
            option(Scope::Common, "ServerPort")
        ]
    );
    assert_eq!(theirs, [option(Scope::Common, "ServerPort")]);
    assert!(
        text.contains("ours: option ServerHost in common, option ServerPort in common; theirs: option ServerPort in common"),
        "{text}"
    );
    assert_eq!(everything(settings.store()), before, "nothing written");
    assert_eq!(
        settings
            .options::<VideoPort>(Scope::Common)
            .unwrap()
            .server_port,
        port(2)
    );
}

/// Two facades on one store both load port 8000 and both save 8001: the
/// second must hear of the first, not get `Ok` with nothing written — a
/// read-modify-write caller would lose an update without a word.
#[test]
fn the_same_record_changed_on_both_sides_is_a_conflict_even_to_the_same_value() {
    let store = MemoryStore::new();
    let a = Settings::new(store.clone());
    let b = Settings::new(store.clone());
    let mut start = a.edit::<VideoPort>(Scope::Common).unwrap();
    start.value_mut().server_port = port(8000);
    a.save(&admin(), start).unwrap();

    let mut mine = a.edit::<VideoPort>(Scope::Common).unwrap();
    let mut theirs = b.edit::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(mine.value().server_port, port(8000));
    assert_eq!(theirs.value().server_port, port(8000));
    mine.value_mut().server_port = port(8001);
    theirs.value_mut().server_port = port(8001);
    b.save(&admin(), theirs).unwrap();
    let events = a.subscribe();
    match a.save(&admin(), mine).unwrap_err() {
        SettingsError::Conflict { ours, theirs, .. } => {
            assert_eq!(ours, [option(Scope::Common, "ServerPort")]);
            assert_eq!(theirs, [option(Scope::Common, "ServerPort")]);
        }
        other => panic!("expected a conflict naming ServerPort, got {other}"),
    }
    assert_eq!(events.try_iter().count(), 0, "nothing was written");
    assert_eq!(store.revision(&VIDEOPORT).unwrap(), Revision::new(2));
}

/// The same on the Access tab: both sides grant group 5 W.
#[test]
fn the_same_grant_set_on_both_sides_is_a_conflict() {
    let settings = Settings::in_memory();
    let mut mine = settings.access_tab(VIDEO).unwrap();
    let mut theirs = settings.access_tab(VIDEO).unwrap();
    mine.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    theirs
        .set_grant(Scope::Common, g(5), AccessLevel::W)
        .unwrap();
    settings.apply_access_tab(&admin(), theirs).unwrap();
    match settings.apply_access_tab(&admin(), mine).unwrap_err() {
        SettingsError::Conflict { theirs, .. } => assert_eq!(theirs.len(), 1),
        other => panic!("expected a conflict, got {other}"),
    }
}

/// A form that changes nothing is no write, whatever others did meanwhile.
#[test]
fn an_unchanged_form_is_no_write_after_others_wrote() {
    let settings = Settings::in_memory();
    let events = settings.subscribe();
    let unchanged = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<VideoPort>(Scope::Common).unwrap();
    theirs.value_mut().server_port = port(8000);
    settings.save(&admin(), theirs).unwrap();
    assert_eq!(
        settings.save(&admin(), unchanged).unwrap(),
        Revision::new(1)
    );
    assert_eq!(events.try_iter().count(), 1);
}

#[test]
fn a_site_form_depends_on_the_common_value_not_on_other_sites() {
    let settings = Settings::in_memory();
    let s1 = Scope::Site(S1);
    let s2 = Scope::Site(S2);

    // Another site's change merges.
    let mut mine = settings.edit::<VideoPort>(s1).unwrap();
    let mut other_site = settings.edit::<VideoPort>(s2).unwrap();
    mine.value_mut().server_port = port(1001);
    other_site.value_mut().server_port = port(2002);
    settings.save(&admin(), other_site).unwrap();
    settings.save(&admin(), mine).unwrap();
    assert_eq!(
        settings.options::<VideoPort>(s1).unwrap().server_port,
        port(1001)
    );
    assert_eq!(
        settings.options::<VideoPort>(s2).unwrap().server_port,
        port(2002)
    );

    // A change of the common value the site inherits collides.
    let mut mine = settings.edit::<VideoPort>(s1).unwrap();
    let mut common = settings.edit::<VideoPort>(Scope::Common).unwrap();
    mine.value_mut().server_host = host("s1.example");
    common.value_mut().server_host = host("all.example");
    settings.save(&admin(), common).unwrap();
    let (_, _, ours, theirs) = conflict(settings.save(&admin(), mine).unwrap_err());
    assert_eq!(ours, [option(s1, "ServerHost")]);
    assert_eq!(theirs, [option(Scope::Common, "ServerHost")]);
}

#[test]
fn access_tab_edits_on_different_groups_merge() {
    let settings = Settings::in_memory();
    grant(&settings, VIDEO, 7, AccessLevel::R);
    let mut mine = settings.access_tab(VIDEO).unwrap();
    let mut theirs = settings.access_tab(VIDEO).unwrap();
    mine.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    theirs
        .set_grant(Scope::Site(S1), g(6), AccessLevel::R)
        .unwrap();
    theirs.remove_grant(Scope::Common, g(7));
    settings.apply_access_tab(&admin(), theirs).unwrap();
    settings.apply_access_tab(&admin(), mine).unwrap();
    let tab = settings.access_tab(VIDEO).unwrap();
    let rows: Vec<_> = tab
        .grant_rows()
        .iter()
        .map(|r| (r.scope, r.group.get(), r.level))
        .collect();
    // Their removal of group 7 survived: the tab only writes what it
    // changed, it does not re-insert every row.
    assert_eq!(
        rows,
        [
            (Scope::Common, 5, AccessLevel::W),
            (Scope::Site(S1), 6, AccessLevel::R)
        ]
    );
}

#[test]
fn access_tab_edits_on_the_same_group_conflict() {
    let settings = Settings::in_memory();
    let mut mine = settings.access_tab(VIDEO).unwrap();
    let mut theirs = settings.access_tab(VIDEO).unwrap();
    mine.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    mine.set_default(Scope::Common, AccessLevel::R).unwrap();
    theirs
        .set_grant(Scope::Common, g(5), AccessLevel::D)
        .unwrap();
    settings.apply_access_tab(&admin(), theirs).unwrap();
    let (expected, current, ours, theirs) =
        conflict(settings.apply_access_tab(&admin(), mine).unwrap_err());
    assert_eq!((expected, current), (Revision::ZERO, Revision::new(1)));
    let grant5 = RecordKey::Grant {
        scope: Scope::Common,
        group: g(5),
    };
    assert_eq!(
        ours,
        [
            RecordKey::Default {
                scope: Scope::Common
            },
            grant5.clone()
        ]
    );
    assert_eq!(theirs, [grant5]);
    // Nothing of mine landed, not even the default.
    assert_eq!(
        settings.access_tab(VIDEO).unwrap().default_row().level,
        None
    );
}

#[test]
fn an_external_write_through_the_store_counts_as_theirs() {
    let store = MemoryStore::new();
    let settings = Settings::new(store.clone());
    let mut edits_port = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut edits_host = settings.edit::<VideoPort>(Scope::Common).unwrap();
    // Bitrix (or anyone) writes the port straight into the store.
    store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[Change::SetOption {
                scope: Scope::Common,
                name: name("ServerPort"),
                value: "9000".into(),
            }],
        )
        .unwrap();
    edits_port.value_mut().server_port = port(8000);
    let (_, current, _, theirs) = conflict(settings.save(&admin(), edits_port).unwrap_err());
    assert_eq!(current, Revision::new(1));
    assert_eq!(theirs, [option(Scope::Common, "ServerPort")]);
    edits_host.value_mut().server_host = host("video.example.com");
    assert_eq!(
        settings.save(&admin(), edits_host).unwrap(),
        Revision::new(2)
    );
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(
        (video.server_host.clone(), video.server_port),
        (host("video.example.com"), port(9000))
    );

    // The same for a grant written behind the tab's back.
    let mut tab = settings.access_tab(VIDEO).unwrap();
    let now = store.revision(&VIDEO).unwrap();
    store
        .commit(
            &VIDEO,
            now,
            &[Change::SetGrant {
                scope: Scope::Common,
                group: g(5),
                level: AccessLevel::R,
            }],
        )
        .unwrap();
    tab.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    conflict(settings.apply_access_tab(&admin(), tab).unwrap_err());
}

#[test]
fn reset_merges_with_later_writes_and_refuses_forgotten_bases() {
    let settings = Settings::in_memory();
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().server_port = port(1);
    let shown = settings.save(&admin(), form).unwrap();
    // Someone changes another option of the site after the page was shown.
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().server_host = host("s1.example");
    settings.save(&admin(), form).unwrap();
    settings
        .reset_option(&admin(), VIDEOPORT, Scope::Site(S1), "ServerPort", shown)
        .unwrap();
    let video = settings.options::<VideoPort>(Scope::Site(S1)).unwrap();
    assert_eq!(
        (video.server_port, video.server_host.clone()),
        (None, host("s1.example"))
    );

    // Resetting what someone changed since is a conflict.
    let shown = settings.revision(VIDEOPORT).unwrap();
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().server_host = host("other.example");
    settings.save(&admin(), form).unwrap();
    conflict(
        settings
            .reset_option(&admin(), VIDEOPORT, Scope::Site(S1), "ServerHost", shown)
            .unwrap_err(),
    );

    // A base the facade no longer remembers cannot be merged.
    for i in 0..20u16 {
        let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
        form.value_mut().server_port = port(100 + i);
        settings.save(&admin(), form).unwrap();
    }
    let err = settings
        .reset_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            Revision::new(1),
        )
        .unwrap_err();
    assert!(matches!(err, SettingsError::Outdated { .. }), "{err}");
    assert!(err.is_conflict());
    let err = settings
        .reset_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "NoSuchOption",
            Revision::new(1),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "module videoport has no option \"NoSuchOption\""
    );
}

/// Giving up after the retries is not a collision, and does not say it
/// is one.
#[test]
fn exhausted_retries_do_not_claim_a_collision() {
    let settings = Settings::builder(MemoryStore::new())
        .max_retries(0)
        .build()
        .unwrap();
    let mut a = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut b = settings.edit::<VideoPort>(Scope::Common).unwrap();
    a.value_mut().server_host = host("a.example");
    b.value_mut().server_port = port(8000);
    settings.save(&admin(), a).unwrap();
    let err = settings.save(&admin(), b).unwrap_err();
    assert!(
        matches!(err, SettingsError::RetriesExhausted { retries: 0, .. }),
        "{err:?}"
    );
    assert!(
        !err.to_string()
            .contains("both sides changed the same records"),
        "{err}"
    );
}

/// "Both sides changed the same records" is said only when they did.
#[test]
fn a_conflict_text_matches_what_collided() {
    let settings = Settings::builder(MemoryStore::new())
        .register::<OneSide>()
        .build()
        .unwrap();
    let mut mine = settings.edit::<OneSide>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<OneSide>(Scope::Common).unwrap();
    mine.value_mut().left = "l".into();
    theirs.value_mut().right = "r".into();
    settings.save(&admin(), theirs).unwrap();
    let err = settings.save(&admin(), mine).unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("same records") && text.contains("collide"),
        "{text}"
    );

    let mut mine = settings.edit::<OneSide>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<OneSide>(Scope::Common).unwrap();
    mine.value_mut().right = "mine".into();
    theirs.value_mut().right = "theirs".into();
    settings.save(&admin(), theirs).unwrap();
    let err = settings.save(&admin(), mine).unwrap_err();
    assert!(
        err.to_string()
            .contains("both sides changed the same records"),
        "{err}"
    );
}

#[test]
fn retries_are_bounded() {
    let store = Arc::new(Flaky::default());
    let settings = Settings::builder(Arc::clone(&store))
        .max_retries(2)
        .build()
        .unwrap();
    // Someone else commits before each of our next three commits: the
    // first try and two retries all lose the race.
    store.meddle(3);
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = port(8000);
    let err = settings.save(&admin(), form).unwrap_err();
    match &err {
        SettingsError::RetriesExhausted {
            module,
            expected,
            current,
            retries,
        } => {
            assert_eq!((*module, *expected), (VIDEOPORT, Revision::ZERO));
            assert_eq!((*current, *retries), (Revision::new(3), 2));
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert!(err.is_conflict());
    assert!(!err.to_string().contains("same records"), "{err}");
    // With one meddler left, the write succeeds after one retry.
    store.meddle(1);
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = port(8000);
    assert_eq!(settings.save(&admin(), form).unwrap(), Revision::new(5));
}

#[test]
fn a_competing_bitrix24_write_is_a_conflict() {
    // Connecting writes all three options; someone storing one of them
    // between the facade's check and its commit collides.
    let store = std::sync::Arc::new(Interpose::default());
    let settings = Settings::new(std::sync::Arc::clone(&store));
    let meanwhile = Change::SetOption {
        scope: Scope::Common,
        name: name("connected_at"),
        value: "7".into(),
    };
    store.before_next_commit(B24, vec![(B24, vec![meanwhile])]);
    let err = settings
        .connect_b24(
            &admin(),
            "https://a.bitrix24.ru",
            module_settings::modules::ConnectMode::New,
        )
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let stored = store.load(&B24).unwrap().records;
    assert_eq!(stored.option(Scope::Common, "portal_url"), None);
}

#[test]
fn a_merge_that_would_break_a_rule_across_fields_is_a_conflict() {
    let settings = Settings::builder(MemoryStore::new())
        .register::<OneSide>()
        .build()
        .unwrap();
    let mut mine = settings.edit::<OneSide>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<OneSide>(Scope::Common).unwrap();
    mine.value_mut().left = "l".into();
    theirs.value_mut().right = "r".into();
    settings.save(&admin(), theirs).unwrap();
    // Disjoint names, but together they break the module's rule.
    let before = settings.store().load(&OneSide::MODULE).unwrap();
    let (_, _, ours, theirs) = conflict(settings.save(&admin(), mine).unwrap_err());
    assert_eq!(ours, [option(Scope::Common, "left")]);
    assert_eq!(theirs, [option(Scope::Common, "right")]);
    assert_eq!(settings.store().load(&OneSide::MODULE).unwrap(), before);
    assert_eq!(
        settings.options::<OneSide>(Scope::Common).unwrap().right,
        "r"
    );
}

#[test]
fn a_reset_that_would_break_the_options_is_refused() {
    let settings = Settings::builder(MemoryStore::new())
        .register::<OneSide>()
        .build()
        .unwrap();
    let s1 = Scope::Site(S1);
    let mut common = settings.edit::<OneSide>(Scope::Common).unwrap();
    common.value_mut().left = "l".into();
    settings.save(&admin(), common).unwrap();
    // Site s1 clears `left` (stored as "" there) and sets `right`.
    let mut site = settings.edit::<OneSide>(s1).unwrap();
    site.value_mut().left = String::new();
    site.value_mut().right = "r".into();
    let revision = settings.save(&admin(), site).unwrap();
    // Inheriting `left` again would set both in s1.
    let before = settings.store().load(&OneSide::MODULE).unwrap();
    let err = settings
        .reset_option(&admin(), OneSide::MODULE, s1, "left", revision)
        .unwrap_err();
    let SettingsError::Invalid(errors) = &err else {
        panic!("expected invalid, got {err:?}");
    };
    assert!(errors.has("right"), "{err}");
    assert_eq!(settings.store().load(&OneSide::MODULE).unwrap(), before);
}

/// A save that changes nothing returns the revision of the current
/// snapshot, not that of the (older) form — and writes and emits nothing.
#[test]
fn a_no_op_save_returns_the_current_revision() {
    let settings = Settings::in_memory();
    let events = settings.subscribe();
    let untouched = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = port(8000);
    settings.save(&admin(), form).unwrap();
    assert_eq!(untouched.revision(), Revision::ZERO);
    assert_eq!(
        settings.save(&admin(), untouched).unwrap(),
        Revision::new(1)
    );
    assert_eq!(events.try_iter().count(), 1, "only the real save emitted");
    assert_eq!(
        settings.store().revision(&VIDEOPORT).unwrap(),
        Revision::new(1)
    );

    // The same for an untouched Access tab and a reset of an option that
    // is not stored.
    let tab = settings.access_tab(VIDEO).unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::R);
    assert_eq!(
        settings.apply_access_tab(&admin(), tab).unwrap(),
        Revision::new(1)
    );
    let reset = settings
        .reset_option(
            &admin(),
            VIDEOPORT,
            Scope::Site(S1),
            "ServerPort",
            Revision::ZERO,
        )
        .unwrap();
    assert_eq!(reset, Revision::new(1));
}

/// A write that is empty on its base but not on the current records is
/// judged like any other: here someone stored, in s1, the very option
/// this reset (based on a revision where s1 had none) removes.
#[test]
fn an_empty_write_on_an_old_base_can_still_collide() {
    let settings = Settings::in_memory();
    let s1 = Scope::Site(S1);
    let mut form = settings.edit::<VideoPort>(s1).unwrap();
    form.value_mut().server_port = port(8443);
    settings.save(&admin(), form).unwrap();
    let err = settings
        .reset_option(&admin(), VIDEOPORT, s1, "ServerPort", Revision::ZERO)
        .unwrap_err();
    let (expected, current, ours, theirs) = conflict(err);
    assert_eq!((expected, current), (Revision::ZERO, Revision::new(1)));
    assert_eq!(ours, [option(s1, "ServerPort")]);
    assert_eq!(theirs, [option(s1, "ServerPort")]);
}
