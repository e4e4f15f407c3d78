//! Laws of the facade's writes, over random edits: two forms (or tabs)
//! taken from one snapshot both land when they touch different fields
//! (or rows), and a collision changes nothing; arbitrary text given to the
//! write calls is refused with a typed error, never a panic.

mod facade_common;

use std::num::NonZeroU16;

use facade_common::*;
use module_settings::modules::{ConnectMode, VideoPort, Windows};
use module_settings::settings::{Settings, SettingsError};
use module_settings::{AccessLevel, Scope, Store};
use proptest::prelude::*;

/// One field of the VideoPort form and a value for it.
#[derive(Debug, Clone)]
enum Edit {
    Host(u8),
    Port(u16),
    Invite(bool),
    Window(usize, bool),
}

impl Edit {
    fn apply(&self, video: &mut VideoPort) {
        match *self {
            Edit::Host(n) => {
                video.server_host = Some(url::Host::parse(&format!("h{n}.example")).unwrap())
            }
            Edit::Port(n) => video.server_port = NonZeroU16::new(n),
            Edit::Invite(on) => video.allow_invite = on,
            Edit::Window(i, on) => {
                let flag = Windows::all().iter().nth(i).unwrap();
                video.windows.set(flag, on);
            }
        }
    }
}

/// Copies field `f` (numbered as [`Edit::field`]) from `from` to `to`.
fn copy_field(f: usize, from: &VideoPort, to: &mut VideoPort) {
    match f {
        0 => to.server_host = from.server_host.clone(),
        1 => to.server_port = from.server_port,
        2 => to.allow_invite = from.allow_invite,
        i => {
            let flag = Windows::all().iter().nth(i - 3).unwrap();
            to.windows.set(flag, from.windows.contains(flag));
        }
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<u8>().prop_map(Edit::Host),
        (1u16..).prop_map(Edit::Port),
        any::<bool>().prop_map(Edit::Invite),
        (0usize..6, any::<bool>()).prop_map(|(i, on)| Edit::Window(i, on)),
    ]
}

fn edited(base: &VideoPort, edits: &[Edit]) -> VideoPort {
    let mut value = base.clone();
    for e in edits {
        e.apply(&mut value);
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn forms_from_one_snapshot_merge_or_collide(
        start in proptest::collection::vec(edit(), 0..4),
        mine in proptest::collection::vec(edit(), 0..5),
        theirs in proptest::collection::vec(edit(), 0..5),
        scope_is_site in any::<bool>(),
    ) {
        let settings = Settings::in_memory();
        let scope = if scope_is_site { Scope::Site(S1) } else { Scope::Common };
        let mut form = settings.edit::<VideoPort>(scope).unwrap();
        *form.value_mut() = edited(form.value(), &start);
        settings.save(&admin(), form).unwrap();

        let base = (*settings.options::<VideoPort>(scope).unwrap()).clone();
        let my_value = edited(&base, &mine);
        let their_value = edited(&base, &theirs);
        let mut my_form = settings.edit::<VideoPort>(scope).unwrap();
        let mut their_form = settings.edit::<VideoPort>(scope).unwrap();
        *my_form.value_mut() = my_value.clone();
        *their_form.value_mut() = their_value.clone();
        settings.save(&admin(), their_form).unwrap();
        let after_theirs = settings.store().load(&VIDEOPORT).unwrap();

        // Which fields each side really changed (an edit may set a field to
        // the value it had).
        let changed = |value: &VideoPort| -> Vec<usize> {
            (0..9).filter(|&f| {
                let probe = |v: &VideoPort| match f {
                    0 => format!("{:?}", v.server_host),
                    1 => format!("{:?}", v.server_port),
                    2 => v.allow_invite.to_string(),
                    i => v.windows.contains(Windows::all().iter().nth(i - 3).unwrap()).to_string(),
                };
                probe(value) != probe(&base)
            }).collect()
        };
        let (my_fields, their_fields) = (changed(&my_value), changed(&their_value));
        // A field both sides changed collides, even if both changed it to
        // the same value.
        let collide = my_fields.iter().any(|f| their_fields.contains(f));
        match settings.save(&admin(), my_form) {
            Ok(_) => {
                prop_assert!(!collide, "a collision was merged");
                let now = (*settings.options::<VideoPort>(scope).unwrap()).clone();
                // Theirs, with the fields I really changed taken from mine.
                let mut merged = their_value.clone();
                for &f in &my_fields {
                    copy_field(f, &my_value, &mut merged);
                }
                prop_assert_eq!(now, merged);
            }
            Err(SettingsError::Conflict { .. }) => {
                prop_assert!(collide, "disjoint edits conflicted");
                prop_assert_eq!(settings.store().load(&VIDEOPORT).unwrap(), after_theirs);
            }
            Err(other) => prop_assert!(false, "unexpected error: {other}"),
        }
    }

    #[test]
    fn access_tabs_from_one_snapshot_merge_or_collide(
        mine in proptest::collection::btree_map(3u32..9, 0usize..4, 0..5),
        theirs in proptest::collection::btree_map(3u32..9, 0usize..4, 0..5),
    ) {
        // Level index 3 means "remove the grant"; 0..3 are D, R, W.
        let levels = [AccessLevel::D, AccessLevel::R, AccessLevel::W];
        let settings = Settings::in_memory();
        grant(&settings, VIDEO, 3, AccessLevel::R);
        grant(&settings, VIDEO, 4, AccessLevel::W);
        let base = settings.access_tab(VIDEO).unwrap();
        let edit = |edits: &std::collections::BTreeMap<u32, usize>| {
            let mut tab = base.clone();
            for (&group, &level) in edits {
                match levels.get(level) {
                    Some(&level) => { tab.set_grant(Scope::Common, g(group), level).unwrap(); }
                    None => { tab.remove_grant(Scope::Common, g(group)); }
                }
            }
            tab
        };
        let (my_tab, their_tab) = (edit(&mine), edit(&theirs));
        let rows = |tab: &module_settings::settings::AccessTab| -> std::collections::BTreeMap<u32, AccessLevel> {
            tab.grant_rows().iter().map(|r| (r.group.get(), r.level)).collect()
        };
        let (before, my_rows, their_rows) = (rows(&base), rows(&my_tab), rows(&their_tab));
        let touched = |rows: &std::collections::BTreeMap<u32, AccessLevel>| -> Vec<u32> {
            (3..9).filter(|g| rows.get(g) != before.get(g)).collect()
        };
        let collide = touched(&my_rows)
            .iter()
            .any(|g| touched(&their_rows).contains(g));
        settings.apply_access_tab(&admin(), their_tab).unwrap();
        let after_theirs = settings.store().load(&VIDEO).unwrap();
        match settings.apply_access_tab(&admin(), my_tab) {
            Ok(_) => {
                prop_assert!(!collide);
                let now = rows(&settings.access_tab(VIDEO).unwrap());
                for g in 3..9 {
                    let expected = if my_rows.get(&g) != before.get(&g) {
                        my_rows.get(&g)
                    } else {
                        their_rows.get(&g)
                    };
                    prop_assert_eq!(now.get(&g), expected, "group {}", g);
                }
            }
            Err(SettingsError::Conflict { .. }) => {
                prop_assert!(collide);
                prop_assert_eq!(settings.store().load(&VIDEO).unwrap(), after_theirs);
            }
            Err(other) => prop_assert!(false, "unexpected error: {other}"),
        }
    }

    #[test]
    fn can_agrees_with_check(
        grants in proptest::collection::vec((1u32..12, any::<bool>(), 0usize..3), 0..12),
        default in proptest::option::of(0usize..3),
        user in proptest::collection::vec(1u32..14, 0..6),
        site in any::<bool>(),
    ) {
        let levels = [AccessLevel::D, AccessLevel::R, AccessLevel::W];
        let settings = Settings::in_memory();
        let mut tab = settings.access_tab(VIDEO).unwrap();
        if let Some(level) = default {
            tab.set_default(Scope::Common, levels[level]).unwrap();
        }
        for (group, on_site, level) in grants {
            let scope = if on_site { Scope::Site(S1) } else { Scope::Common };
            tab.set_grant(scope, g(group), levels[level]).unwrap();
        }
        settings.apply_access_tab(&admin(), tab).unwrap();
        let user: Vec<_> = user.into_iter().map(g).collect();
        let scope = if site { Scope::Site(S1) } else { Scope::Common };
        let decision = settings.check(VIDEO, &user, scope).unwrap();
        for needed in AccessLevel::ALL {
            prop_assert_eq!(settings.can(VIDEO, &user, scope, needed), decision.can(needed));
            prop_assert_eq!(
                settings.require(VIDEO, &user, scope, needed).is_ok(),
                decision.can(needed)
            );
        }
    }

    #[test]
    fn arbitrary_text_is_refused_not_panicked_on(name in ".*", url in ".*") {
        let settings = Settings::in_memory();
        let before = everything(settings.store());
        match settings.reset_option(&admin(), VIDEOPORT, Scope::Common, &name, module_settings::store::Revision::ZERO) {
            // A real option name: resetting nothing is a no-op.
            Ok(revision) => prop_assert_eq!(revision, module_settings::store::Revision::ZERO),
            Err(err) => {
                prop_assert!(matches!(err, SettingsError::UnknownOption { .. }), "{}", err);
            }
        }
        match settings.connect_b24(&admin(), &url, ConnectMode::New) {
            Ok(_) => prop_assert!(url.starts_with("https://") || url.starts_with("HTTPS://") || url.to_ascii_lowercase().starts_with("https:")),
            Err(err) => prop_assert!(matches!(err, SettingsError::B24(_)), "{}", err),
        }
        if settings.options::<module_settings::modules::B24Connector>(Scope::Common).unwrap().is_connected() {
            prop_assert_ne!(everything(settings.store()), before);
        } else {
            prop_assert_eq!(everything(settings.store()), before);
        }
    }
}
