//! `PostgresStore` on a database laid out the way Bitrix's PostgreSQL
//! install script lays it out, with rows as a Bitrix site holds them, and
//! other programs writing beside the store with plain SQL.

mod bitrix_common;
mod postgres_common;

use bitrix_common::*;
use module_settings::store::{Change, Revision, RightKey};
use module_settings::{
    AccessLevel, ModuleId, OptionName, PostgresStore, Scope, SiteId, Store, StoreError,
};
use postgres_common::TestDb;

/// Rows of `sql` (which selects text columns), each as a vector of
/// optional strings.
fn rows(db: &TestDb, sql: &str) -> Vec<Vec<Option<String>>> {
    db.client()
        .query(sql, &[])
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .iter()
        .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
        .collect()
}

/// Bitrix's tables' columns and indexes, as text.
fn schema_of(db: &TestDb) -> Vec<Vec<Option<String>>> {
    let mut schema = rows(
        db,
        "SELECT table_name::text, column_name::text, data_type::text, \
         character_maximum_length::text FROM information_schema.columns \
         WHERE table_name LIKE 'b\\_%' ORDER BY 1, ordinal_position",
    );
    schema.extend(rows(
        db,
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE tablename LIKE 'b\\_%' ORDER BY 1",
    ));
    schema
}

/// The names of the triggers in the database.
fn triggers_of(db: &TestDb) -> Vec<String> {
    rows(
        db,
        "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
    )
    .into_iter()
    .map(|row| row[0].clone().unwrap())
    .collect()
}

#[test]
fn a_bitrix_database_loads_into_exactly_the_expected_records() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let before = schema_of(&db);
    assert!(triggers_of(&db).is_empty());
    let store = db.store();
    assert_eq!(schema_of(&db), before, "Bitrix's tables are not altered");
    assert_eq!(
        triggers_of(&db),
        [
            "module_settings_revision_notify",
            "module_settings_revision_on_b_module_group",
            "module_settings_revision_on_b_option",
            "module_settings_revision_on_b_option_site",
        ]
    );
    // Connecting again adds nothing.
    drop(db.store());
    assert_eq!(triggers_of(&db).len(), 4);
    assert_eq!(schema_of(&db), before);

    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records, bitrix_videoport());
    assert_eq!(
        videoport.revision,
        Revision::ZERO,
        "never written through a store"
    );

    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records, bitrix_video());

    assert_eq!(module_names(&store), ["main", "video", "videoport"]);
}

#[test]
fn writes_through_the_store_are_bitrix_rows() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let batch = [
        option(Scope::Common, "ServerPort", "9443"),
        option(Scope::Common, "SecretCode", "new-key"),
        Change::RemoveOption {
            scope: Scope::Common,
            name: OptionName::new("window_chat").unwrap(),
        },
        option(S2, "ServerHost", "vcs-s2.example.com"),
    ];
    assert_eq!(
        store.commit(&VIDEOPORT, Revision::ZERO, &batch).unwrap(),
        Revision::new(1)
    );
    let rights = [
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        Change::SetDefault {
            scope: S1,
            level: AccessLevel::R,
        },
        grant(Scope::Common, 5, AccessLevel::W),
        grant(S2, 8, AccessLevel::R),
        Change::RemoveGrant {
            scope: Scope::Common,
            group: group(6),
        },
    ];
    store.commit(&VIDEO, Revision::ZERO, &rights).unwrap();

    let common = |module: &str, name: &str| {
        rows(
            &db,
            &format!(
                "SELECT value, description, site_id::text FROM b_option \
                 WHERE module_id = '{module}' AND name = '{name}'"
            ),
        )
    };
    let some = |text: &str| Some(text.to_owned());
    assert_eq!(
        common("videoport", "ServerPort"),
        [vec![some("9443"), None, None]]
    );
    // Updated in place: the description Bitrix keeps beside it survives.
    assert_eq!(
        common("videoport", "SecretCode"),
        [vec![some("new-key"), some("VCS Manager guest key"), None]]
    );
    assert!(common("videoport", "window_chat").is_empty());
    assert_eq!(
        common("video", "GROUP_DEFAULT_RIGHT"),
        [vec![some("W"), None, None]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT module_id::text, name::text, site_id::text, value FROM b_option_site \
             ORDER BY 1, 2, 3"
        ),
        [
            vec![
                some("video"),
                some("GROUP_DEFAULT_RIGHT"),
                some("s1"),
                some("R")
            ],
            vec![
                some("video"),
                some("GROUP_DEFAULT_RIGHT"),
                some("s2"),
                some("D")
            ],
            vec![
                some("videoport"),
                some("ServerHost"),
                some("s1"),
                some("vcs-s1.example.com")
            ],
            vec![
                some("videoport"),
                some("ServerHost"),
                some("s2"),
                some("vcs-s2.example.com")
            ],
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id::text, group_id::text, g_access::text, site_id::text FROM b_module_group \
             WHERE module_id = 'video' ORDER BY group_id, site_id NULLS FIRST"
        ),
        [
            vec![some("1"), some("1"), some("W"), None],
            vec![some("2"), some("5"), some("W"), None], // same row, new level
            vec![some("4"), some("5"), some("W"), some("s1")],
            // The identity numbers the new row.
            vec![some("100"), some("8"), some("R"), some("s2")],
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT revision::text FROM module_settings_revision WHERE module_id = 'video'"
        ),
        [vec![some("1")]]
    );
}

#[test]
fn rows_written_behind_the_stores_back_show_up_on_the_next_load() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let rev = store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 9, AccessLevel::R)],
        )
        .unwrap();
    db.sql(
        "INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('video', 12, 'W', 's1');
         UPDATE b_option SET value = 'W' WHERE module_id = 'video' AND name = 'GROUP_DEFAULT_RIGHT';",
    );
    assert_foreign_rows_seen(&store, rev);
}

/// A write another program makes with plain SQL, and the modules whose
/// revision it must move.
struct ForeignWrite {
    sql: &'static str,
    moves: &'static [&'static str],
}

#[rustfmt::skip]
const FOREIGN_WRITES: &[ForeignWrite] = &[
    ForeignWrite { sql: "INSERT INTO b_option (module_id, name, value) VALUES ('video', 'extra', 'x')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option SET value = 'W' WHERE module_id = 'video' AND name = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option WHERE module_id = 'video' AND name = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'W')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option_site SET value = 'R' WHERE module_id = 'video' AND site_id = 's2'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option_site WHERE module_id = 'video'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_module_group (module_id, group_id, g_access) VALUES ('video', 12, 'W')", moves: &["video"] },
    // A grant revoked behind the store's back.
    ForeignWrite { sql: "UPDATE b_module_group SET g_access = 'D' WHERE module_id = 'video' AND group_id = 5 AND site_id IS NULL", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_module_group WHERE module_id = 'video' AND group_id = 5 AND site_id IS NULL", moves: &["video"] },
    // Module ids in another case belong to the lower-case module.
    ForeignWrite { sql: "INSERT INTO b_module_group (module_id, group_id, g_access) VALUES ('Video', 13, 'R')", moves: &["video"] },
    // A row moved from one module to another moves both.
    ForeignWrite { sql: "UPDATE b_option SET module_id = 'video' WHERE module_id = 'videoport' AND name = 'window_chat'", moves: &["video", "videoport"] },
    ForeignWrite { sql: "UPDATE b_module_group SET module_id = 'videoport' WHERE id = 3", moves: &["video", "videoport"] },
];

fn revisions(store: &PostgresStore) -> [Revision; 2] {
    [VIDEO, VIDEOPORT].map(|m| store.revision(&m).unwrap())
}

#[test]
fn plain_sql_writes_on_every_table_move_the_revision() {
    for write in FOREIGN_WRITES {
        let Some(db) = TestDb::bitrix() else {
            return;
        };
        let store = db.store();
        // Start from revisions the store wrote, as in a live database.
        let video = store
            .commit(&VIDEO, Revision::ZERO, &[grant(S2, 40, AccessLevel::R)])
            .unwrap();
        store
            .commit(&VIDEOPORT, Revision::ZERO, &[option(S2, "x", "1")])
            .unwrap();
        let before = revisions(&store);
        assert_eq!(before[0], video);
        assert_eq!(db.execute(write.sql), 1, "{}", write.sql);
        let after = revisions(&store);
        for (i, module) in ["video", "videoport"].into_iter().enumerate() {
            let expected = if write.moves.contains(&module) {
                before[i].get() + 1
            } else {
                before[i].get()
            };
            assert_eq!(after[i].get(), expected, "{module} after {}", write.sql);
        }
    }
}

#[test]
fn a_commit_based_on_a_load_before_a_plain_sql_write_conflicts() {
    for write in FOREIGN_WRITES {
        let Some(db) = TestDb::bitrix() else {
            return;
        };
        let store = db.store();
        let loaded = store.load(&VIDEO).unwrap();
        db.execute(write.sql);
        let before_commit = store.load(&VIDEO).unwrap();
        let result = store.commit(
            &VIDEO,
            loaded.revision,
            &[grant(Scope::Common, 5, AccessLevel::W)],
        );
        match result {
            Err(StoreError::Conflict {
                expected, current, ..
            }) => {
                assert_eq!(expected, loaded.revision, "{}", write.sql);
                assert_eq!(current, before_commit.revision, "{}", write.sql);
            }
            other => panic!("{}: expected Conflict, got {other:?}", write.sql),
        }
        // The other program's change is still there.
        assert_eq!(store.load(&VIDEO).unwrap(), before_commit, "{}", write.sql);
    }
}

#[test]
fn a_commit_moves_the_revision_by_one_though_every_row_fired_a_trigger() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let batch = [
        option(Scope::Common, "a", "1"),
        option(S1, "b", "2"),
        Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::W,
        },
        grant(Scope::Common, 5, AccessLevel::W),
        grant(S2, 8, AccessLevel::R),
        Change::RemoveGrant {
            scope: Scope::Common,
            group: group(6),
        },
    ];
    assert_eq!(
        store.commit(&VIDEO, Revision::ZERO, &batch).unwrap(),
        Revision::new(1)
    );
    assert_eq!(
        store.commit(&VIDEO, Revision::new(1), &batch).unwrap(),
        Revision::new(2)
    );
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::new(2));
    assert_eq!(store.revision(&VIDEOPORT).unwrap(), Revision::ZERO);
}

#[test]
fn a_plain_write_to_a_module_never_written_through_a_store_lists_it() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let blog = ModuleId::from_static("blog");
    db.sql(
        "INSERT INTO b_option (module_id, name, value) VALUES ('blog', 'x', '1');
         DELETE FROM b_option WHERE module_id = 'blog';",
    );
    assert_eq!(store.revision(&blog).unwrap(), Revision::new(2));
    assert!(store.modules().unwrap().contains(&blog));
    // Rows under an id no module can have move no revision: `modules`
    // keeps listing only valid ids once such a row is gone.
    db.sql(
        "INSERT INTO b_option (module_id, name, value) VALUES ('not a module!', 'x', '1');
         DELETE FROM b_option WHERE module_id = 'not a module!';
         INSERT INTO b_option (module_id, name, value) VALUES (U&'\\212A', 'x', '1');
         DELETE FROM b_option WHERE module_id = U&'\\212A';",
    );
    assert_eq!(
        rows(
            &db,
            "SELECT module_id::text FROM module_settings_revision ORDER BY 1"
        ),
        [vec![Some("blog".to_owned())]],
        "no revision for an id that is no module id (the Kelvin sign is not k)"
    );
    store.modules().unwrap();
}

#[test]
fn module_ids_match_in_lower_case() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    // Bitrix on PostgreSQL compares module ids case-sensitively, so a
    // site may hold rows under 'Video' beside rows under 'video'.
    db.sql(
        "INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('Video', 20, 'R', NULL);
         INSERT INTO b_option (module_id, name, value) VALUES ('VideoPort', 'Extra', 'x');",
    );
    let store = db.store();
    assert_mixed_case_rows_load(&store);

    // The store updates the mixed-case rows instead of adding others.
    let current = store.revision(&VIDEO).unwrap();
    store
        .commit(&VIDEO, current, &[grant(Scope::Common, 20, AccessLevel::W)])
        .unwrap();
    let current = store.revision(&VIDEOPORT).unwrap();
    store
        .commit(&VIDEOPORT, current, &[option(Scope::Common, "Extra", "y")])
        .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT module_id::text, g_access::text FROM b_module_group WHERE group_id = 20"
        ),
        [vec![Some("Video".to_owned()), Some("W".to_owned())]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT module_id::text, value FROM b_option WHERE name = 'Extra'"
        ),
        [vec![Some("VideoPort".to_owned()), Some("y".to_owned())]]
    );
}

#[test]
fn one_letter_sites_padded_by_char_2_are_read_and_written_trimmed() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    // char(2) stores a one-letter site as 's ', and hands it back so.
    db.sql(
        "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('videoport', 'ServerPort', 's', '9443');
         INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('video', 7, 'R', 's');",
    );
    assert_eq!(
        rows(
            &db,
            "SELECT octet_length(site_id)::text FROM b_module_group WHERE group_id = 7"
        ),
        [vec![Some("2".to_owned())]],
        "the test data is padded"
    );
    let store = db.store();
    let s = Scope::Site(SiteId::new("s").unwrap());
    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records.option(s, "ServerPort"), Some("9443"));
    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records.grant(s, group(7)), Some(AccessLevel::R));

    // Writes for site s update those rows in place; removals remove them.
    store
        .commit(
            &VIDEOPORT,
            videoport.revision,
            &[option(s, "ServerPort", "9444")],
        )
        .unwrap();
    let revision = store
        .commit(&VIDEO, video.revision, &[grant(s, 7, AccessLevel::W)])
        .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT value FROM b_option_site WHERE name = 'ServerPort'"
        ),
        [vec![Some("9444".to_owned())]]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT g_access::text FROM b_module_group WHERE group_id = 7"
        ),
        [vec![Some("W".to_owned())]]
    );
    store
        .commit(
            &VIDEO,
            revision,
            &[Change::RemoveGrant {
                scope: s,
                group: group(7),
            }],
        )
        .unwrap();
    assert!(rows(&db, "SELECT 1 FROM b_module_group WHERE group_id = 7").is_empty());
}

#[test]
fn site_ids_match_without_regard_to_case() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    db.sql(
        "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('videoport', 'ServerPort', 'S1', '9443');
         INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('video', 7, 'R', 'S1');",
    );
    let store = db.store();
    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records.option(S1, "ServerPort"), Some("9443"));
    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records.grant(S1, group(7)), Some(AccessLevel::R));
    store
        .commit(&VIDEO, video.revision, &[grant(S1, 7, AccessLevel::W)])
        .unwrap();
    assert_eq!(
        rows(
            &db,
            "SELECT site_id::text, g_access::text FROM b_module_group WHERE group_id = 7"
        ),
        [vec![Some("S1".to_owned()), Some("W".to_owned())]]
    );
}

#[test]
fn ids_that_bitrix_columns_cannot_hold_are_refused_and_nothing_is_written() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    let before = store.load(&VIDEO).unwrap();
    let long_site = Scope::Site(SiteId::new("s10").unwrap());
    for (batch, expected) in [
        (
            vec![
                option(Scope::Common, "fine", "1"),
                option(long_site, "x", "1"),
            ],
            "SITE_ID is char(2)",
        ),
        (
            vec![
                option(Scope::Common, "fine", "1"),
                grant(Scope::Common, 3_000_000_000, AccessLevel::R),
            ],
            "2147483647",
        ),
    ] {
        let err = store.commit(&VIDEO, before.revision, &batch).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(
                err,
                StoreError::Backend {
                    backend: "postgres",
                    ..
                }
            ),
            "{text}"
        );
        assert!(
            text.contains("could not write") && text.contains(expected),
            "{text}"
        );
        assert_eq!(store.load(&VIDEO).unwrap(), before, "nothing was written");
    }
}

#[test]
fn a_table_without_a_needed_column_is_refused_and_left_alone() {
    let Some(db) = TestDb::new() else {
        return;
    };
    db.sql(
        "CREATE TABLE b_module_group (id int PRIMARY KEY, module_id varchar(50), group_id int, \
         site_id char(2));",
    );
    let before = schema_of(&db);
    let err = PostgresStore::connect(db.url()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "postgres",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "postgres store: table b_module_group exists but has no column g_access; \
         add it or point the store at a database with Bitrix's layout"
    );
    assert_eq!(schema_of(&db), before);
    assert!(triggers_of(&db).is_empty(), "nothing was created");
}

#[test]
fn a_new_database_gets_bitrix_tables_wide_enough_for_every_id() {
    let Some(db) = TestDb::new() else {
        return;
    };
    let store = db.store();
    let columns = rows(
        &db,
        "SELECT table_name::text || '.' || column_name::text, data_type::text \
         FROM information_schema.columns WHERE column_name IN ('site_id', 'group_id', 'user_id') \
         ORDER BY 1",
    );
    let some = |text: &str| Some(text.to_owned());
    assert_eq!(
        columns,
        [
            // The event log the store creates, widened as the others.
            vec![some("b_event_log.site_id"), some("character varying")],
            vec![some("b_event_log.user_id"), some("bigint")],
            vec![some("b_module_group.group_id"), some("bigint")],
            vec![some("b_module_group.site_id"), some("character varying")],
            vec![some("b_option.site_id"), some("character varying")],
            vec![some("b_option_site.site_id"), some("character varying")],
        ]
    );
    let long_site = Scope::Site(SiteId::new(&"s".repeat(32)).unwrap());
    let batch = [grant(long_site, u32::MAX, AccessLevel::R)];
    let revision = store.commit(&VIDEO, Revision::ZERO, &batch).unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().records, records(&batch));
    assert_eq!(revision, Revision::new(1));
}

/// Rows that cannot be placed under any record (or are not rights at
/// all) fail the load. Rights rows whose record is known but whose level
/// cannot be read load as unreadable instead (below).
#[test]
fn bad_rows_are_reported_as_corrupt_naming_module_record_and_value() {
    #[rustfmt::skip]
    let cases = [
        BadRow { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access) VALUES (50, 'video', 0, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"0\"" },
        BadRow { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access) VALUES (50, 'video', -3, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"-3\"" },
        BadRow { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access, site_id) VALUES (50, 'video', 7, 'R', 'я1')", record: "b_module_group.SITE_ID (ID 50)", value: "\"я1\"" },
        BadRow { sql: "INSERT INTO b_option (module_id, name, value) VALUES ('video', '', 'x')", record: "b_option.NAME", value: "\"\"" },
        BadRow { sql: "INSERT INTO b_option (module_id, name, value) VALUES ('video', E'a\\nb', 'x')", record: "b_option.NAME", value: "\"a\\nb\"" },
        BadRow { sql: "INSERT INTO b_option (module_id, name, value) VALUES ('video', 'group_default_right', 'R')", record: "b_option.NAME", value: "\"group_default_right\"" },
        BadRow { sql: "INSERT INTO b_option (module_id, name, value, site_id) VALUES ('video', 'legacy', 'x', 's1')", record: "b_option.SITE_ID of option legacy", value: "\"s1\"" },
        BadRow { sql: "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('video', 'x', '#1', 'v')", record: "b_option_site.SITE_ID of option x", value: "\"#1\"" },
        BadRow { sql: "UPDATE module_settings_revision SET revision = -1 WHERE module_id = 'video'", record: "module_settings_revision.REVISION", value: "\"-1\"" },
    ];
    for case in cases {
        let Some(db) = TestDb::bitrix() else {
            return;
        };
        let store = db.store();
        // A revision row to damage.
        store
            .commit(&VIDEO, Revision::ZERO, &[option(S2, "x", "1")])
            .unwrap();
        db.sql(case.sql);
        assert_corrupt(&store, &case);
    }
}

#[rustfmt::skip]
const UNREADABLE: &[UnreadableCase] = &[
    UnreadableCase { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access) VALUES (50, 'video', 7, 'X')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("X"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access) VALUES (50, 'VIDEO', 7, 'w')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some("w"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access) VALUES (50, 'video', 7, '')", key: G7_COMMON, rows: &[(Some(50), G_ACCESS_50, Some(""))] },
    UnreadableCase { sql: "UPDATE b_option SET value = NULL WHERE module_id = 'video' AND name = 'GROUP_DEFAULT_RIGHT'", key: DEFAULT_COMMON, rows: &[(None, DEFAULT_ROW, None)] },
    UnreadableCase { sql: "UPDATE b_option SET value = 'Z' WHERE module_id = 'video' AND name = 'GROUP_DEFAULT_RIGHT'", key: DEFAULT_COMMON, rows: &[(None, DEFAULT_ROW, Some("Z"))] },
    UnreadableCase { sql: "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'RW')", key: RightKey::Default { scope: S1 }, rows: &[(None, "b_option_site.VALUE of option GROUP_DEFAULT_RIGHT in scope s1", Some("RW"))] },
    // Group 5 holds R in common (row 2, site_id NULL). The unique key does
    // not stop a second row with site_id NULL (NULLs are distinct), and
    // this one says otherwise.
    UnreadableCase { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access, site_id) VALUES (50, 'video', 5, 'D', NULL)", key: G5_COMMON, rows: &[(Some(2), "b_module_group.G_ACCESS (ID 2)", Some("R")), (Some(50), G_ACCESS_50, Some("D"))] },
    UnreadableCase { sql: "INSERT INTO b_module_group (id, module_id, group_id, g_access, site_id) VALUES (50, 'Video', 5, 'r', '')", key: G5_COMMON, rows: &[(Some(2), "b_module_group.G_ACCESS (ID 2)", Some("R")), (Some(50), G_ACCESS_50, Some("r"))] },
];

#[test]
fn unreadable_rights_rows_load_as_unreadable_records() {
    for case in UNREADABLE {
        let Some(db) = TestDb::bitrix() else {
            return;
        };
        let store = db.store();
        db.sql(case.sql);
        let records = store
            .load(&VIDEO)
            .unwrap_or_else(|err| panic!("{}: {err}", case.sql))
            .records;
        assert_unreadable(&records, case);
    }
}

/// A commit that sets or removes a record with unreadable rows replaces
/// every row of it — duplicates, other spellings of the module id, NULL
/// and empty site_id alike — and the next load reads it cleanly.
#[test]
fn a_commit_to_an_unreadable_record_replaces_every_row_of_it() {
    for case in UNREADABLE.iter().filter(|c| c.key.scope() == Scope::Common) {
        for remove in [false, true] {
            let Some(db) = TestDb::bitrix() else {
                return;
            };
            let store = db.store();
            db.sql(case.sql);
            let snapshot = store.load(&VIDEO).unwrap();
            let change = set_to_w_or_remove(case.key, remove);
            store
                .commit(&VIDEO, snapshot.revision, std::slice::from_ref(&change))
                .unwrap();
            let mut expected = snapshot.records.clone();
            expected.apply(&change);
            assert!(!expected.has_unreadable());
            assert_eq!(
                store.load(&VIDEO).unwrap().records,
                expected,
                "{}",
                case.sql
            );
            let stored: Vec<Option<String>> = match case.key.group() {
                Some(group) => rows(
                    &db,
                    &format!(
                        "SELECT g_access::text FROM b_module_group \
                         WHERE lower(module_id) = 'video' AND group_id = {group} \
                         AND coalesce(site_id, '') = '' ORDER BY id"
                    ),
                ),
                None => rows(
                    &db,
                    "SELECT value FROM b_option WHERE lower(module_id) = 'video' \
                     AND name = 'GROUP_DEFAULT_RIGHT'",
                ),
            }
            .into_iter()
            .map(|row| row[0].clone())
            .collect();
            if remove {
                assert!(stored.is_empty(), "{}: {stored:?}", case.sql);
            } else {
                assert!(!stored.is_empty());
                assert!(
                    stored.iter().all(|row| row.as_deref() == Some("W")),
                    "{}: {stored:?}",
                    case.sql
                );
            }
        }
    }
}

#[test]
fn duplicate_common_rows_that_agree_are_read_as_one() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let store = db.store();
    // Group 5 again in common, once with site_id NULL (as row 2) and once
    // with ''; both say R.
    db.sql(
        "INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('video', 5, 'R', NULL);
         INSERT INTO b_module_group (module_id, group_id, g_access, site_id) VALUES ('video', 5, 'R', '');",
    );
    let records = store.load(&VIDEO).unwrap().records;
    assert_eq!(records.grant(Scope::Common, group(5)), Some(AccessLevel::R));
    assert!(!records.has_unreadable());
}

#[test]
fn an_option_value_never_appears_in_an_error() {
    // Two rows for one option that disagree: the store must read both
    // values to see the conflict, and must name neither in the error (one
    // may be a secret). Bitrix's primary key is case-sensitive, so a row
    // under `VideoPort` is a second row of module `videoport`.
    let cases = [
        (
            "INSERT INTO b_option (module_id, name, value) VALUES ('VideoPort', 'SecretCode', 'other-key-77')",
            "b_option.VALUE of option SecretCode in scope common",
            "guest-key-42",
        ),
        (
            "INSERT INTO b_option_site (module_id, name, site_id, value) VALUES ('VideoPort', 'ServerHost', 's1', 'other-key-77')",
            "b_option_site.VALUE of option ServerHost in scope s1",
            "vcs-s1.example.com",
        ),
    ];
    for (sql, expected_record, stored) in cases {
        let Some(db) = TestDb::bitrix() else {
            return;
        };
        let store = db.store();
        db.sql(sql);
        let err = store.load(&VIDEOPORT).unwrap_err();
        let shown = format!("{err} {err:?}");
        match &err {
            StoreError::Corrupt { record, value, .. } => {
                assert_eq!(record, expected_record, "{shown}");
                assert_eq!(value, "two rows with different values", "{shown}");
            }
            other => panic!("{sql}: expected Corrupt, got {other}"),
        }
        for secret in ["other-key-77", stored] {
            assert!(!shown.contains(secret), "{sql}: {shown}");
        }
    }
}

#[test]
fn a_not_null_column_the_store_does_not_fill_is_named_and_its_row_not_shown() {
    // A site's b_option with a NOT NULL column of its own: the server's
    // error details quote the failing row (with the secret value); the
    // store's error names the column and leaves the row out.
    let Some(db) = TestDb::new() else {
        return;
    };
    db.sql(
        "CREATE TABLE b_option (module_id varchar(50) NOT NULL, name varchar(100) NOT NULL, \
         value text, description varchar(255), site_id char(2), owner varchar(20) NOT NULL, \
         PRIMARY KEY (module_id, name));",
    );
    let store = db.store();
    let err = store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[option(Scope::Common, "SecretCode", "hunter2-secret")],
        )
        .unwrap_err();
    let mut chain = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(&err);
    while let Some(current) = source {
        chain.push(current.to_string());
        chain.push(format!("{current:?}"));
        source = current.source();
    }
    assert!(
        chain[0].contains("column owner of b_option is NOT NULL"),
        "{chain:?}"
    );
    assert!(chain.len() > 2, "the server's error is the source");
    assert!(
        chain.iter().all(|text| !text.contains("hunter2")),
        "{chain:?}"
    );
    assert_eq!(store.revision(&VIDEOPORT).unwrap(), Revision::ZERO);
}

#[test]
fn a_user_who_may_not_create_triggers_is_told_which_privilege_is_missing() {
    let Some(db) = TestDb::bitrix() else {
        return;
    };
    let role = "module_settings_test_no_trigger";
    // Roles are the cluster's; make it once, give it all but TRIGGER.
    db.sql(&format!(
        "DO $$ BEGIN CREATE ROLE {role} LOGIN; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT CREATE, USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON b_option, b_option_site, b_module_group TO {role};"
    ));
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_username(role).unwrap();
    let err = PostgresStore::connect(url.as_str()).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "postgres",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.starts_with("postgres store: could not create the revision triggers: ")
            && text.contains("TRIGGER on Bitrix's tables"),
        "{text}"
    );
    // The schema transaction was rolled back whole.
    assert!(rows(&db, "SELECT to_regclass('module_settings_revision')::text")[0][0].is_none());
    assert!(triggers_of(&db).is_empty());
}

#[test]
fn a_store_on_another_schema_uses_its_tables_and_other_sessions_move_its_revisions() {
    let Some(db) = TestDb::new() else {
        return;
    };
    // A site whose tables live in schema bx, and a table of the same name
    // in public that must stay untouched.
    db.sql(&format!(
        "CREATE SCHEMA bx; SET search_path = bx; {}
         CREATE TABLE public.b_option (module_id varchar(50), name varchar(100), value text, site_id char(2));",
        include_str!("data/bitrix_tables_pgsql.sql")
    ));
    let store = PostgresStore::connect(&db.url_with("options=-c%20search_path%3Dbx")).unwrap();
    assert_eq!(
        store.load(&VIDEO).unwrap().records.grant(S1, group(5)),
        Some(AccessLevel::W)
    );
    assert_eq!(
        rows(
            &db,
            "SELECT to_regclass('bx.module_settings_revision')::text, \
             to_regclass('public.module_settings_revision')::text"
        ),
        [vec![Some("bx.module_settings_revision".to_owned()), None]]
    );
    // A session whose search path does not name bx (Bitrix's PHP on
    // another setting, an administrator) writes bx's rows: the triggers
    // still find bx's revision table.
    db.execute("UPDATE bx.b_module_group SET g_access = 'R' WHERE id = 4");
    assert_eq!(store.revision(&VIDEO).unwrap(), Revision::new(1));
    assert_eq!(
        store.load(&VIDEO).unwrap().records.grant(S1, group(5)),
        Some(AccessLevel::R)
    );
    store
        .commit(&VIDEO, Revision::new(1), &[grant(S1, 5, AccessLevel::W)])
        .unwrap();
    assert!(rows(&db, "SELECT 1 FROM public.b_option").is_empty());
}
