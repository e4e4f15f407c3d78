//! The workloads every storage bench uses: VideoPort's ten-field form, a
//! module as an admin page loads it, and the big database of 100 modules
//! × 50 options × 1,000 grants.

#![allow(dead_code)] // each bench uses a different part

use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, OptionName, Scope, SiteId, Store};

pub const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

pub const MODULES: usize = 100;
pub const OPTIONS: usize = 50;
pub const GRANTS: u32 = 1_000;

/// VideoPort's settings tab: the ten fields of the form.
pub fn form(round: u64) -> Vec<Change> {
    let flag = |on: bool| if on { "Y" } else { "N" }.to_owned();
    let odd = round % 2 == 1;
    [
        ("ServerHost", format!("vcs{round}.example.com")),
        ("ServerPort", (8000 + round % 1000).to_string()),
        ("SecretCode", format!("guest-key-{round}")),
        ("window_main", flag(true)),
        ("window_chat", flag(odd)),
        ("window_members", flag(!odd)),
        ("window_settings", flag(true)),
        ("window_info", flag(odd)),
        ("window_self_camera", flag(false)),
        ("window_show_invite", flag(true)),
    ]
    .into_iter()
    .map(|(name, value)| Change::SetOption {
        scope: Scope::Common,
        name: OptionName::new(name).unwrap(),
        value,
    })
    .collect()
}

/// A module as an admin page loads it: the form, a site override, a
/// default and twenty grants.
pub fn filled_module() -> Vec<Change> {
    let mut batch = form(0);
    batch.push(Change::SetOption {
        scope: Scope::Site(SiteId::from_static("s1")),
        name: OptionName::from_static("ServerHost"),
        value: "vcs-s1.example.com".into(),
    });
    batch.push(Change::SetDefault {
        scope: Scope::Common,
        level: AccessLevel::R,
    });
    for group in 1..=20 {
        batch.push(Change::SetGrant {
            scope: Scope::Common,
            group: GroupId::new(group).unwrap(),
            level: AccessLevel::ALL[group as usize % 4],
        });
    }
    batch
}

/// The form and 1,000 grants.
pub fn big_module() -> Vec<Change> {
    let mut batch = filled_module();
    for g in 21..=GRANTS {
        batch.push(Change::SetGrant {
            scope: Scope::Common,
            group: GroupId::new(g).unwrap(),
            level: AccessLevel::ALL[g as usize % 4],
        });
    }
    batch
}

/// Fills `store` with the big database: 100 modules, each with 50 options
/// and 1,000 grants (spread over the common scope and two sites).
pub fn big_database(store: &dyn Store) {
    let scopes = [
        Scope::Common,
        Scope::Site(SiteId::from_static("s1")),
        Scope::Site(SiteId::from_static("s2")),
    ];
    for m in 0..MODULES {
        let module = ModuleId::new(&format!("module_{m:03}")).unwrap();
        let mut batch = Vec::new();
        for o in 0..OPTIONS {
            batch.push(Change::SetOption {
                scope: scopes[o % 3],
                name: OptionName::new(&format!("option_{o:02}")).unwrap(),
                value: format!("value {o} of module {m}"),
            });
        }
        batch.push(Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        });
        for g in 1..=GRANTS {
            batch.push(Change::SetGrant {
                scope: scopes[g as usize % 3],
                group: GroupId::new(g).unwrap(),
                level: AccessLevel::ALL[g as usize % 4],
            });
        }
        store.commit(&module, Revision::ZERO, &batch).unwrap();
    }
}
