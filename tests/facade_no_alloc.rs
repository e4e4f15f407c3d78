//! Cache hits through the facade allocate nothing: typed reads in the
//! common scope, in a site with values of its own and in a site without,
//! and access checks (`check`, `can`, `require`) for a user in 8 groups —
//! two of them switched off in the facade's group directory, set again
//! before the measurement.
//!
//! `allocation-counter` installs a counting global allocator in this test
//! binary only; the crate itself stays free of `unsafe`.

mod facade_common;

use std::hint::black_box;
use std::num::NonZeroU16;
use std::time::Duration;

use facade_common::*;
use module_settings::groups::{Group, GroupDirectory};
use module_settings::modules::{B24Connector, VideoPort};
use module_settings::settings::Settings;
use module_settings::{AccessLevel, GroupId, MemoryStore, Scope, SiteId};

#[test]
fn cache_hits_do_not_allocate() {
    // A long bound: every call below is a cache hit.
    let off = |ids: &[u32]| {
        GroupDirectory::new(
            ids.iter()
                .map(|&id| Group::new(g(id), "off").with_active(false)),
        )
        .unwrap()
    };
    let settings = Settings::builder(MemoryStore::new())
        .staleness(Duration::from_secs(3600))
        .groups(off(&[11, 300]))
        .build()
        .unwrap();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    for group in 3..200 {
        let level = [AccessLevel::D, AccessLevel::R, AccessLevel::W][group as usize % 3];
        tab.set_grant(Scope::Common, g(group), level).unwrap();
    }
    tab.set_grant(Scope::Site(S1), g(250), AccessLevel::W)
        .unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8443);
    settings.save(&admin(), form).unwrap();

    let user: Vec<GroupId> = [2, 7, 11, 40, 77, 150, 250, 999].map(g).to_vec();
    let s9 = Scope::Site(SiteId::from_static("s9"));
    // Warm every cell up (first loads allocate, of course).
    for scope in [Scope::Common, Scope::Site(S1), s9] {
        settings.options::<VideoPort>(scope).unwrap();
        settings.check(VIDEO, &user, scope).unwrap();
    }
    settings.options::<B24Connector>(Scope::Common).unwrap();
    // Folded into the loaded rights: still no store call or allocation on
    // a check.
    settings.set_groups(off(&[11, 77]));
    assert!(!settings.can(VIDEO, &[g(77)], Scope::Common, AccessLevel::W));

    let info = allocation_counter::measure(|| {
        for _ in 0..200 {
            for scope in [Scope::Common, Scope::Site(S1), s9] {
                let video = settings.options::<VideoPort>(black_box(scope)).unwrap();
                black_box(video.server_port);
                let port = settings
                    .with_options(black_box(scope), |video: &VideoPort| video.server_port)
                    .unwrap();
                black_box(port);
                let decision = settings.check(VIDEO, black_box(&user), scope).unwrap();
                black_box(decision.level());
                black_box(settings.can(VIDEO, &user, scope, AccessLevel::R));
                black_box(
                    settings
                        .require(VIDEO, &user, scope, AccessLevel::R)
                        .is_ok(),
                );
            }
            black_box(settings.options::<B24Connector>(Scope::Common).unwrap());
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
}

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that never counts: a cold
    // read loads and decodes, which allocates.
    let settings = Settings::in_memory();
    let info = allocation_counter::measure(|| {
        black_box(settings.options::<VideoPort>(Scope::Common).unwrap());
    });
    assert!(info.count_total >= 1);
}
