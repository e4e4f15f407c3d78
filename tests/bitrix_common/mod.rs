//! What the Bitrix-compatibility tests of the SQL stores (`sqlite_bitrix`,
//! `mysql_bitrix`, `postgres_bitrix`) share: the ids they use, changes and
//! records written in one line, and the records that the rows of
//! `tests/data/bitrix_tables*.sql` — the same rows in each engine's DDL —
//! must load into.

#![allow(dead_code)] // each test file uses a different part

pub mod directory;

use module_settings::store::{Change, ModuleRecords, Revision, RightKey};
use module_settings::{
    AccessLevel, GroupId, ModuleId, OptionName, Scope, SiteId, Store, StoreError,
};

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

/// One bad row in an otherwise valid database, and what the error must
/// name.
pub struct BadRow {
    pub sql: &'static str,
    pub record: &'static str,
    pub value: &'static str,
}

/// `video` fails to load with the `Corrupt` error `case` describes, naming
/// the module; `videoport` still loads (damage to one module does not hide
/// the others).
#[track_caller]
pub fn assert_corrupt(store: &dyn Store, case: &BadRow) {
    match store.load(&VIDEO) {
        Err(StoreError::Corrupt {
            module,
            record,
            value,
            reason,
        }) => {
            assert_eq!(module, Some(VIDEO), "{}", case.sql);
            assert_eq!(
                (record.as_str(), value.as_str()),
                (case.record, case.value),
                "{}: {reason}",
                case.sql
            );
            assert!(!reason.is_empty());
        }
        other => panic!("{}: expected Corrupt, got {other:?}", case.sql),
    }
    assert!(store.load(&VIDEOPORT).is_ok(), "{}", case.sql);
}

/// One unreadable rights row: the SQL that makes it, the record it
/// belongs to, and each row the load lists for that record (row id,
/// location, stored text).
pub struct UnreadableCase {
    pub sql: &'static str,
    pub key: RightKey,
    pub rows: &'static [(Option<i64>, &'static str, Option<&'static str>)],
}

pub const G7_COMMON: RightKey = RightKey::Grant {
    scope: Scope::Common,
    group: GroupId::from_static(7),
};
pub const G5_COMMON: RightKey = RightKey::Grant {
    scope: Scope::Common,
    group: GroupId::from_static(5),
};
pub const DEFAULT_COMMON: RightKey = RightKey::Default {
    scope: Scope::Common,
};
pub const G_ACCESS_50: &str = "b_module_group.G_ACCESS (ID 50)";
pub const DEFAULT_ROW: &str = "b_option.VALUE of option GROUP_DEFAULT_RIGHT in scope common";

/// `video`'s `records`, loaded after `case`'s SQL, list exactly its
/// unreadable rows, each with a reason; the record has no level, and the
/// others are as Bitrix stored them.
#[track_caller]
pub fn assert_unreadable(records: &ModuleRecords, case: &UnreadableCase) {
    let listed: Vec<_> = records
        .unreadable()
        .map(|row| (row.key, row.row_id, row.record.as_str(), row.raw.as_deref()))
        .collect();
    let expected: Vec<_> = case
        .rows
        .iter()
        .map(|(id, record, raw)| (case.key, *id, *record, *raw))
        .collect();
    assert_eq!(listed, expected, "{}", case.sql);
    assert!(records.unreadable().all(|row| !row.reason.is_empty()));
    match case.key {
        RightKey::Grant { scope, group } => assert_eq!(records.grant(scope, group), None),
        RightKey::Default { scope } => assert_eq!(records.default_level(scope), None),
        _ => unreachable!("the cases hold defaults and grants"),
    }
    assert_eq!(
        records.grant(S1, group(5)),
        Some(AccessLevel::W),
        "{}",
        case.sql
    );
    assert_eq!(
        records.default_level(S2),
        Some(AccessLevel::D),
        "{}",
        case.sql
    );
}

/// The change that sets `key` to W, or removes it.
pub fn set_to_w_or_remove(key: RightKey, remove: bool) -> Change {
    match (key, remove) {
        (RightKey::Grant { scope, group }, false) => Change::SetGrant {
            scope,
            group,
            level: AccessLevel::W,
        },
        (RightKey::Grant { scope, group }, true) => Change::RemoveGrant { scope, group },
        (RightKey::Default { scope }, false) => Change::SetDefault {
            scope,
            level: AccessLevel::W,
        },
        (RightKey::Default { scope }, true) => Change::RemoveDefault { scope },
        _ => unreachable!("the cases hold defaults and grants"),
    }
}

/// After another program, with plain SQL, granted group 12 W in s1 and set
/// the common default to W on a module `store` had committed at `rev`: the
/// next load shows both rows, the two rows moved the revision one step
/// each (so a reader polling `revision` notices), a write based on `rev` is
/// refused rather than applied over them, and one based on what the load
/// showed lands.
pub fn assert_foreign_rows_seen(store: &dyn Store, rev: Revision) {
    let snapshot = store.load(&VIDEO).unwrap();
    assert_eq!(snapshot.records.grant(S1, group(12)), Some(AccessLevel::W));
    assert_eq!(
        snapshot.records.default_level(Scope::Common),
        Some(AccessLevel::W)
    );
    assert_eq!(snapshot.revision, Revision::new(rev.get() + 2));
    assert_eq!(store.revision(&VIDEO).unwrap(), snapshot.revision);
    let stale = store.commit(&VIDEO, rev, &[grant(S1, 12, AccessLevel::D)]);
    assert!(
        matches!(stale, Err(StoreError::Conflict { current, .. }) if current == snapshot.revision),
        "{stale:?}"
    );
    store
        .commit(&VIDEO, snapshot.revision, &[grant(S1, 12, AccessLevel::D)])
        .unwrap();
    assert_eq!(
        store.load(&VIDEO).unwrap().records.grant(S1, group(12)),
        Some(AccessLevel::D)
    );
}

/// After another program wrote a grant of group 20 (R) under `'Video'` and
/// an option `Extra` (`x`) under `'VideoPort'`: the rows belong to the
/// lower-case modules, and the module list names each module once, in
/// lower case.
pub fn assert_mixed_case_rows_load(store: &dyn Store) {
    assert_eq!(
        store
            .load(&VIDEO)
            .unwrap()
            .records
            .grant(Scope::Common, group(20)),
        Some(AccessLevel::R)
    );
    assert_eq!(
        store
            .load(&VIDEOPORT)
            .unwrap()
            .records
            .option(Scope::Common, "Extra"),
        Some("x")
    );
    assert_eq!(
        module_names(store),
        ["main", "video", "videoport"],
        "one module per id, in lower case"
    );
}
