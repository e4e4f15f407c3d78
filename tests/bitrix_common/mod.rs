//! What the Bitrix-compatibility tests of the SQL stores (`sqlite_bitrix`,
//! `mysql_bitrix`, `postgres_bitrix`) share: the ids they use, changes and
//! records written in one line, and the records that the rows of
//! `tests/data/bitrix_tables*.sql` — the same rows in each engine's DDL —
//! must load into.

#![allow(dead_code)] // each test file uses a different part

use module_settings::store::{Change, ModuleRecords};
use module_settings::{AccessLevel, GroupId, ModuleId, OptionName, Scope, SiteId, Store};

pub const VIDEO: ModuleId = ModuleId::from_static("video");
pub const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");
pub const S1: Scope = Scope::Site(SiteId::from_static("s1"));
pub const S2: Scope = Scope::Site(SiteId::from_static("s2"));

pub fn group(id: u32) -> GroupId {
    GroupId::new(id).unwrap()
}

/// The records `changes` make from nothing.
pub fn records(changes: &[Change]) -> ModuleRecords {
    let mut records = ModuleRecords::new();
    records.apply_all(changes);
    records
}

pub fn option(scope: Scope, name: &str, value: &str) -> Change {
    Change::SetOption {
        scope,
        name: OptionName::new(name).unwrap(),
        value: value.into(),
    }
}

pub fn grant(scope: Scope, group_id: u32, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope,
        group: group(group_id),
        level,
    }
}

/// `videoport`'s records in the Bitrix data files.
pub fn bitrix_videoport() -> ModuleRecords {
    records(&[
        option(Scope::Common, "ServerHost", "vcs.example.com"),
        option(Scope::Common, "ServerPort", "8443"),
        option(Scope::Common, "SecretCode", "guest-key-42"),
        option(Scope::Common, "window_main", "Y"),
        option(Scope::Common, "window_chat", "N"),
        option(Scope::Common, "window_members", "Y"),
        option(Scope::Common, "window_settings", "Y"),
        option(Scope::Common, "window_info", "Y"),
        option(Scope::Common, "window_self_camera", "N"),
        option(Scope::Common, "window_show_invite", "Y"),
        option(S1, "ServerHost", "vcs-s1.example.com"),
    ])
}

/// `video`'s records in the Bitrix data files: default levels and grants.
pub fn bitrix_video() -> ModuleRecords {
    records(&[
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        },
        Change::SetDefault {
            scope: S2,
            level: AccessLevel::D,
        },
        grant(Scope::Common, 1, AccessLevel::W),
        grant(Scope::Common, 5, AccessLevel::R),
        grant(Scope::Common, 6, AccessLevel::D),
        grant(S1, 5, AccessLevel::W),
    ])
}

/// The modules `store` lists, as text.
pub fn module_names(store: &dyn Store) -> Vec<String> {
    store
        .modules()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}
