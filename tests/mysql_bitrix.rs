//! `MysqlStore` on a database laid out the way a Bitrix site holds it:
//! Bitrix's own DDL, its case-insensitive collation, rows under `Video`,
//! duplicate common-scope grants, extra columns, narrow columns.

mod bitrix_common;
mod mysql_common;

use bitrix_common::*;
use module_settings::store::{Change, Revision, RightKey};
use module_settings::{
    AccessLevel, ModuleId, MysqlStore, OptionName, Scope, SiteId, Store, StoreError,
};
use mysql::prelude::Queryable;
use mysql_common::TestDatabase;

const BITRIX_TABLES: &str = include_str!("data/bitrix_tables_mysql.sql");

/// A database holding Bitrix's tables and rows.
fn bitrix_database() -> Option<TestDatabase> {
    let database = TestDatabase::new()?;
    database.exec(BITRIX_TABLES);
    Some(database)
}

/// `SHOW CREATE TABLE` of Bitrix's three tables.
fn schema_of(database: &TestDatabase) -> Vec<String> {
    let mut conn = database.conn();
    ["b_option", "b_option_site", "b_module_group"]
        .into_iter()
        .map(|table| {
            let row: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE {table}"))
                .unwrap();
            // The next AUTO_INCREMENT value is data, not layout.
            let text = row.unwrap().1;
            text.split(' ')
                .filter(|word| !word.starts_with("AUTO_INCREMENT="))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The names of the triggers in the database, sorted.
fn triggers_of(database: &TestDatabase) -> Vec<String> {
    database
        .conn()
        .exec(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME",
            (database.name(),),
        )
        .unwrap()
}

/// One number from a query.
fn count(database: &TestDatabase, sql: &str) -> i64 {
    database.conn().query_first::<i64, _>(sql).unwrap().unwrap()
}

#[test]
fn a_bitrix_database_loads_into_exactly_the_expected_records() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let before = schema_of(&database);
    assert!(triggers_of(&database).is_empty());
    let store = database.store();
    assert_eq!(
        schema_of(&database),
        before,
        "Bitrix's tables are not altered"
    );
    let mut expected_triggers = Vec::new();
    for table in ["b_module_group", "b_option", "b_option_site"] {
        for event in ["delete", "insert", "update"] {
            expected_triggers.push(format!("module_settings_revision_after_{event}_on_{table}"));
        }
    }
    expected_triggers.sort();
    assert_eq!(triggers_of(&database), expected_triggers);
    // Connecting again adds nothing.
    drop(database.store());
    assert_eq!(triggers_of(&database), expected_triggers);
    assert_eq!(schema_of(&database), before);

    let videoport = store.load(&VIDEOPORT).unwrap();
    assert_eq!(videoport.records, bitrix_videoport());
    assert_eq!(videoport.revision, Revision::ZERO, "never written");

    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records, bitrix_video());
    assert_eq!(module_names(&store), ["main", "video", "videoport"]);
}

#[test]
fn writes_through_the_store_are_bitrix_rows() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    let batch = [
        option(Scope::Common, "ServerPort", "9443"),
        option(Scope::Common, "SecretCode", "new-key"),
        // The same value again: still one row, not a second one.
        option(Scope::Common, "window_main", "Y"),
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

    let mut conn = database.conn();
    let mut common = |module: &str, name: &str| -> Option<(Option<String>, Option<String>)> {
        conn.exec_first(
            "SELECT VALUE, DESCRIPTION FROM b_option WHERE MODULE_ID = ? AND NAME = ?",
            (module, name),
        )
        .unwrap()
    };
    assert_eq!(
        common("videoport", "ServerPort"),
        Some((Some("9443".into()), None))
    );
    // Updated in place: the description Bitrix keeps beside it survives.
    assert_eq!(
        common("videoport", "SecretCode"),
        Some((Some("new-key".into()), Some("VCS Manager guest key".into())))
    );
    assert_eq!(
        common("videoport", "window_main"),
        Some((Some("Y".into()), None))
    );
    assert_eq!(common("videoport", "window_chat"), None);
    assert_eq!(
        common("video", "GROUP_DEFAULT_RIGHT"),
        Some((Some("W".into()), None))
    );
    let site_value: Option<String> = database
        .conn()
        .exec_first(
            "SELECT VALUE FROM b_option_site WHERE MODULE_ID = 'video' \
             AND NAME = 'GROUP_DEFAULT_RIGHT' AND SITE_ID = 's1'",
            (),
        )
        .unwrap();
    assert_eq!(site_value.as_deref(), Some("R"));
    let rows: Vec<(i64, i64, String, Option<String>)> = database
        .conn()
        .query(
            "SELECT ID, GROUP_ID, G_ACCESS, SITE_ID FROM b_module_group \
             WHERE MODULE_ID = 'video' ORDER BY GROUP_ID, SITE_ID",
        )
        .unwrap();
    let new_id = rows.iter().find(|r| r.1 == 8).unwrap().0;
    assert_eq!(
        rows,
        [
            (1, 1, "W".into(), None),
            (2, 5, "W".into(), None), // same row, new level
            (4, 5, "W".into(), Some("s1".into())),
            (new_id, 8, "R".into(), Some("s2".into())),
        ]
    );
    assert_eq!(
        count(
            &database,
            "SELECT REVISION FROM module_settings_revision WHERE MODULE_ID = 'video'"
        ),
        1,
        "one commit, one revision, though the triggers fired per row"
    );
}

/// A write another program makes with plain SQL, and the modules whose
/// revision it must move.
struct ForeignWrite {
    sql: &'static str,
    moves: &'static [&'static str],
}

#[rustfmt::skip]
const FOREIGN_WRITES: &[ForeignWrite] = &[
    ForeignWrite { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', 'extra', 'x')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option SET VALUE = 'W' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'W')", moves: &["video"] },
    ForeignWrite { sql: "UPDATE b_option_site SET VALUE = 'R' WHERE MODULE_ID = 'video' AND SITE_ID = 's2'", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_option_site WHERE MODULE_ID = 'video'", moves: &["video"] },
    ForeignWrite { sql: "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('video', 12, 'W')", moves: &["video"] },
    // A grant revoked behind the store's back.
    ForeignWrite { sql: "UPDATE b_module_group SET G_ACCESS = 'D' WHERE MODULE_ID = 'video' AND GROUP_ID = 5 AND SITE_ID IS NULL", moves: &["video"] },
    ForeignWrite { sql: "DELETE FROM b_module_group WHERE MODULE_ID = 'video' AND GROUP_ID = 5 AND SITE_ID IS NULL", moves: &["video"] },
    // Module ids in another case belong to the lower-case module.
    ForeignWrite { sql: "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('Video', 13, 'R')", moves: &["video"] },
    // A row moved from one module to another moves both.
    ForeignWrite { sql: "UPDATE b_option SET MODULE_ID = 'video' WHERE MODULE_ID = 'videoport' AND NAME = 'window_chat'", moves: &["video", "videoport"] },
    ForeignWrite { sql: "UPDATE b_module_group SET MODULE_ID = 'videoport' WHERE ID = 3", moves: &["video", "videoport"] },
    // A change of spelling only is one change of one module.
    ForeignWrite { sql: "UPDATE b_module_group SET MODULE_ID = 'VIDEO' WHERE ID = 3", moves: &["video"] },
];

fn revisions(store: &MysqlStore) -> [Revision; 2] {
    [VIDEO, VIDEOPORT].map(|m| store.revision(&m).unwrap())
}

#[test]
fn plain_sql_writes_on_every_table_move_the_revision() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    for write in FOREIGN_WRITES {
        // Each write on the Bitrix rows as they were, revisions as a store
        // left them.
        let mut conn = database.conn();
        conn.query_drop("START TRANSACTION").unwrap();
        let before = revisions(&store);
        conn.query_drop(write.sql).unwrap();
        assert_eq!(conn.affected_rows(), 1, "{}", write.sql);
        // Not visible before the other program commits ...
        assert_eq!(revisions(&store), before, "{}", write.sql);
        conn.query_drop("COMMIT").unwrap();
        let after = revisions(&store);
        for (i, module) in ["video", "videoport"].into_iter().enumerate() {
            let expected = before[i].get() + u64::from(write.moves.contains(&module));
            assert_eq!(after[i].get(), expected, "{module} after {}", write.sql);
        }
        // ... and the listing of every revision agrees.
        let listed = store.revisions().unwrap();
        for (i, module) in [VIDEO, VIDEOPORT].into_iter().enumerate() {
            let found = listed.iter().find(|(m, _)| *m == module).map(|(_, r)| *r);
            assert_eq!(found.unwrap_or(Revision::ZERO), after[i], "{}", write.sql);
        }
        // Undo it for the next case, through the store's own view.
        drop(conn);
        database
            .exec("DELETE FROM b_module_group; DELETE FROM b_option; DELETE FROM b_option_site;");
        database.exec(&BITRIX_TABLES[BITRIX_TABLES.find("-- VideoPort's").unwrap()..]);
    }
}

#[test]
fn a_commit_based_on_a_load_before_a_plain_sql_write_conflicts() {
    for write in FOREIGN_WRITES.iter().step_by(3) {
        let Some(database) = bitrix_database() else {
            return;
        };
        let store = database.store();
        let loaded = store.load(&VIDEO).unwrap();
        database.exec(write.sql);
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
        assert_eq!(store.load(&VIDEO).unwrap(), before_commit, "{}", write.sql);
    }
}

#[test]
fn module_ids_match_without_regard_to_case() {
    let Some(database) = bitrix_database() else {
        return;
    };
    database.exec(
        "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('Video', 20, 'R', NULL);
         INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('VideoPort', 'Extra', 'x');",
    );
    let store = database.store();
    assert_mixed_case_rows_load(&store);
    // The store updates the mixed-case rows instead of adding second ones.
    store
        .commit(
            &VIDEO,
            Revision::ZERO,
            &[grant(Scope::Common, 20, AccessLevel::W)],
        )
        .unwrap();
    store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[option(Scope::Common, "Extra", "y")],
        )
        .unwrap();
    assert_eq!(
        count(
            &database,
            "SELECT COUNT(*) FROM b_module_group WHERE GROUP_ID = 20 AND G_ACCESS = 'W'"
        ),
        1
    );
    assert_eq!(
        count(
            &database,
            "SELECT COUNT(*) FROM b_option WHERE NAME = 'Extra' AND VALUE = 'y'"
        ),
        1
    );
    // A new row is written in lower case.
    store
        .commit(
            &VIDEO,
            Revision::new(1),
            &[grant(Scope::Common, 21, AccessLevel::R)],
        )
        .unwrap();
    assert_eq!(
        count(
            &database,
            "SELECT COUNT(*) FROM b_module_group WHERE GROUP_ID = 21 AND MODULE_ID = BINARY 'video'"
        ),
        1
    );
}

/// On tables whose id columns compare case-sensitively (a database made
/// with a `_bin` default), rows under `Video` still belong to `video`, and
/// two rows of one option under two spellings are read as two rows of one
/// record — and never show the values in the error.
#[test]
fn case_sensitive_tables_are_matched_in_lower_case_too() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    database.exec(&format!(
        "ALTER DATABASE `{}` COLLATE utf8mb4_bin; {BITRIX_TABLES}",
        database.name()
    ));
    database.exec(
        "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('Video', 20, 'R', 'S1');
         INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('VideoPort', 'Extra', 'x');",
    );
    let store = database.store();
    let video = store.load(&VIDEO).unwrap();
    assert_eq!(video.records.grant(S1, group(20)), Some(AccessLevel::R));
    assert_eq!(
        store
            .load(&VIDEOPORT)
            .unwrap()
            .records
            .option(Scope::Common, "Extra"),
        Some("x")
    );
    store
        .commit(
            &VIDEO,
            video.revision,
            &[Change::RemoveGrant {
                scope: S1,
                group: group(20),
            }],
        )
        .unwrap();
    assert_eq!(
        count(
            &database,
            "SELECT COUNT(*) FROM b_module_group WHERE GROUP_ID = 20"
        ),
        0
    );
    // A second spelling of one option, with another value.
    database.exec(
        "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('VideoPort', 'SecretCode', 'other-key-77')",
    );
    let err = store.load(&VIDEOPORT).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(err.is_corrupt(), "{shown}");
    for secret in ["other-key-77", "guest-key-42"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn a_table_without_a_needed_column_is_refused_and_left_alone() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    database.exec(
        "CREATE TABLE b_module_group (ID INT PRIMARY KEY, MODULE_ID VARCHAR(50), GROUP_ID INT, SITE_ID CHAR(2))",
    );
    let before = schema_of_one(&database, "b_module_group");
    let err = MysqlStore::connect(&database.url()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "mysql",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "mysql store: table b_module_group exists but has no column G_ACCESS; \
         add it or point the store at a database with Bitrix's layout"
    );
    assert_eq!(schema_of_one(&database, "b_module_group"), before);
}

#[test]
fn a_table_without_transactions_is_refused() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    database.exec(&BITRIX_TABLES.replace(
        "INDEX ix_option_name(NAME)\n);",
        "INDEX ix_option_name(NAME)\n) ENGINE=MyISAM;",
    ));
    let err = MysqlStore::connect(&database.url()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mysql store: table b_option uses the MyISAM storage engine, which has no transactions, \
         so a batch could land half-way; convert it (ALTER TABLE b_option ENGINE=InnoDB)"
    );
}

fn schema_of_one(database: &TestDatabase, table: &str) -> String {
    let row: Option<(String, String)> = database
        .conn()
        .query_first(format!("SHOW CREATE TABLE {table}"))
        .unwrap();
    row.unwrap().1
}

#[test]
fn a_new_database_gets_bitrix_tables_that_hold_every_id_the_crate_accepts() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    let store = database.store();
    for table in [
        "b_option",
        "b_option_site",
        "b_module_group",
        "module_settings_revision",
    ] {
        let create = schema_of_one(&database, table);
        assert!(create.contains("ENGINE=InnoDB"), "{create}");
        assert!(create.contains("utf8mb4"), "{create}");
    }
    // Names differing only in case are two options; a 32-character site
    // and the largest group id fit.
    let long_site = Scope::Site(SiteId::new(&"s".repeat(32)).unwrap());
    let batch = [
        option(Scope::Common, "ServerHost", "a"),
        option(Scope::Common, "serverhost", "b"),
        option(Scope::Common, "name ", "trailing space"),
        option(Scope::Common, "name", "no trailing space"),
        option(long_site, "x", "y"),
        grant(long_site, u32::MAX, AccessLevel::R),
    ];
    store.commit(&VIDEO, Revision::ZERO, &batch).unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().records, records(&batch));
    // Site ids ignore case in the keys, as in Bitrix's.
    database.exec("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'z', 's1', '1')");
    let second = database
        .conn()
        .query_drop("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'z', 'S1', '2')");
    assert!(second.is_err(), "a second row for site S1 is refused");
}

#[test]
fn values_bitrix_tables_cannot_hold_are_refused_naming_the_column() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    let before = store.load(&VIDEO).unwrap();
    let long_site = Scope::Site(SiteId::from_static("site3"));
    for (change, expected) in [
        (
            option(long_site, "x", "y"),
            "a value is longer than column SITE_ID holds",
        ),
        (
            grant(long_site, 5, AccessLevel::R),
            "a value is longer than column SITE_ID holds",
        ),
        (
            grant(Scope::Common, u32::MAX, AccessLevel::R),
            "a number is out of the range of column GROUP_ID",
        ),
    ] {
        // A change that lands first, then the one the table cannot hold.
        let batch = [option(Scope::Common, "first", "1"), change.clone()];
        let err = store.commit(&VIDEO, before.revision, &batch).unwrap_err();
        assert!(
            matches!(err, StoreError::Backend { .. }),
            "{change:?}: {err}"
        );
        assert!(err.to_string().contains(expected), "{change:?}: {err}");
        assert_eq!(
            store.load(&VIDEO).unwrap(),
            before,
            "nothing written: {change:?}"
        );
    }
}

#[test]
fn two_option_names_the_collation_takes_for_one_cannot_both_be_stored() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    let before = store.load(&VIDEOPORT).unwrap();
    let err = store
        .commit(
            &VIDEOPORT,
            before.revision,
            &[option(Scope::Common, "serverhost", "other.example.com")],
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unique key forbids"), "{text}");
    assert!(!text.contains("other.example.com"), "{text}");
    // Nothing was overwritten.
    assert_eq!(store.load(&VIDEOPORT).unwrap(), before);
}

/// The rows a Bitrix site may hold for one record in the common scope:
/// SITE_ID NULL twice (the unique key lets NULLs repeat), or NULL and ''.
#[test]
fn duplicate_common_scope_grants_are_read_and_rewritten_as_one_record() {
    for extra in ["NULL", "''"] {
        let Some(database) = bitrix_database() else {
            return;
        };
        let store = database.store();
        // Agreeing duplicates are one grant.
        database.exec(&format!(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES ('video', 5, 'R', {extra})"
        ));
        let loaded = store.load(&VIDEO).unwrap();
        assert_eq!(
            loaded.records.grant(Scope::Common, group(5)),
            Some(AccessLevel::R),
            "{extra}"
        );
        assert!(!loaded.records.has_unreadable());
        // Disagreeing duplicates are an unreadable record, every row listed.
        database.exec(
            "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'Video', 5, 'W', NULL)",
        );
        let loaded = store.load(&VIDEO).unwrap();
        assert_eq!(loaded.records.grant(Scope::Common, group(5)), None);
        let key = RightKey::Grant {
            scope: Scope::Common,
            group: group(5),
        };
        let listed: Vec<(Option<i64>, Option<&str>)> = loaded
            .records
            .unreadable_of(key)
            .iter()
            .map(|row| (row.row_id, row.raw.as_deref()))
            .collect();
        assert_eq!(listed.len(), 3, "{extra}: {listed:?}");
        assert!(listed.contains(&(Some(2), Some("R"))) && listed.contains(&(Some(50), Some("W"))));
        // A commit that sets the record rewrites every row of it.
        store
            .commit(
                &VIDEO,
                loaded.revision,
                &[grant(Scope::Common, 5, AccessLevel::D)],
            )
            .unwrap();
        let rows: Vec<String> = database
            .conn()
            .query(
                "SELECT G_ACCESS FROM b_module_group WHERE GROUP_ID = 5 \
                 AND (SITE_ID IS NULL OR SITE_ID = '')",
            )
            .unwrap();
        assert_eq!(rows, ["D", "D", "D"], "{extra}");
        let reloaded = store.load(&VIDEO).unwrap();
        assert_eq!(
            reloaded.records.grant(Scope::Common, group(5)),
            Some(AccessLevel::D)
        );
        // And one that removes it deletes them all.
        store
            .commit(
                &VIDEO,
                reloaded.revision,
                &[Change::RemoveGrant {
                    scope: Scope::Common,
                    group: group(5),
                }],
            )
            .unwrap();
        assert_eq!(
            count(&database, "SELECT COUNT(*) FROM b_module_group WHERE GROUP_ID = 5 AND (SITE_ID IS NULL OR SITE_ID = '')"),
            0
        );
    }
}

#[test]
fn bad_rows_are_reported_as_corrupt_naming_module_record_and_value() {
    #[rustfmt::skip]
    let cases = [
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 0, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"0\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', -3, 'R')", record: "b_module_group.GROUP_ID (ID 50)", value: "\"-3\"" },
        BadRow { sql: "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (50, 'video', 7, 'R', 'ü')", record: "b_module_group.SITE_ID (ID 50)", value: "\"ü\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', '', 'x')", record: "b_option.NAME", value: "\"\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES ('video', CONCAT('a', CHAR(10), 'b'), 'x')", record: "b_option.NAME", value: "\"a\\nb\"" },
        BadRow { sql: "INSERT INTO b_option (MODULE_ID, NAME, VALUE, SITE_ID) VALUES ('video', 'legacy', 'x', 's1')", record: "b_option.SITE_ID of option legacy", value: "\"s1\"" },
        BadRow { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'x', '!!', 'v')", record: "b_option_site.SITE_ID of option x", value: "\"!!\"" },
        BadRow { sql: "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'group_default_right', 's1', 'R')", record: "b_option_site.NAME", value: "\"group_default_right\"" },
    ];
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    for case in cases {
        let mut conn = database.conn();
        conn.query_drop("START TRANSACTION").unwrap();
        conn.query_drop(case.sql).unwrap();
        // Seen by the store only once committed: check, then undo.
        conn.query_drop("COMMIT").unwrap();
        assert_corrupt(&store, &case);
        conn.query_drop(
            "DELETE FROM b_module_group WHERE ID = 50; \
             DELETE FROM b_option WHERE MODULE_ID = 'video' AND NAME <> 'GROUP_DEFAULT_RIGHT'; \
             DELETE FROM b_option_site WHERE MODULE_ID = 'video' AND SITE_ID <> 's2'",
        )
        .unwrap();
        store
            .load(&VIDEO)
            .unwrap_or_else(|err| panic!("{}: not undone: {err}", case.sql));
    }
}

#[test]
fn unreadable_rights_rows_load_as_unreadable_records() {
    let Some(database) = bitrix_database() else {
        return;
    };
    let store = database.store();
    #[rustfmt::skip]
    let cases: [(&str, RightKey, Option<i64>, Option<&str>); 5] = [
        ("INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'X')", RightKey::Grant { scope: Scope::Common, group: group(7) }, Some(50), Some("X")),
        ("INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'VIDEO', 7, 'w')", RightKey::Grant { scope: Scope::Common, group: group(7) }, Some(50), Some("w")),
        ("INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 12)", RightKey::Grant { scope: Scope::Common, group: group(7) }, Some(50), Some("12")),
        ("UPDATE b_option SET VALUE = NULL WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'", RightKey::Default { scope: Scope::Common }, None, None),
        ("INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES ('video', 'GROUP_DEFAULT_RIGHT', 's1', 'RW')", RightKey::Default { scope: S1 }, None, Some("RW")),
    ];
    for (sql, key, row_id, raw) in cases {
        database.exec(sql);
        let records = store
            .load(&VIDEO)
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .records;
        let listed: Vec<_> = records
            .unreadable()
            .map(|row| (row.key, row.row_id, row.raw.as_deref()))
            .collect();
        assert_eq!(listed, [(key, row_id, raw)], "{sql}");
        assert_eq!(records.grant(S1, group(5)), Some(AccessLevel::W), "{sql}");
        database.exec(
            "DELETE FROM b_module_group WHERE ID = 50; \
             UPDATE b_option SET VALUE = 'R' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'; \
             DELETE FROM b_option_site WHERE MODULE_ID = 'video' AND SITE_ID = 's1'",
        );
    }
}

#[test]
fn site_ids_match_without_regard_to_case() {
    let Some(database) = bitrix_database() else {
        return;
    };
    database.exec(
        "UPDATE b_module_group SET SITE_ID = 'S1' WHERE ID = 4;
         UPDATE b_option_site SET SITE_ID = 'S1' WHERE MODULE_ID = 'videoport'",
    );
    let store = database.store();
    let video = store.load(&VIDEO).unwrap();
    assert_eq!(
        video.records.grant(S1, group(5)),
        Some(AccessLevel::W),
        "S1 loads as s1"
    );
    let upper = Scope::Site(SiteId::new("S1").unwrap());
    store
        .commit(&VIDEO, video.revision, &[grant(upper, 5, AccessLevel::R)])
        .unwrap();
    let port = store.load(&VIDEOPORT).unwrap();
    assert_eq!(
        port.records.option(S1, "ServerHost"),
        Some("vcs-s1.example.com")
    );
    store
        .commit(
            &VIDEOPORT,
            port.revision,
            &[Change::RemoveOption {
                scope: S1,
                name: OptionName::new("ServerHost").unwrap(),
            }],
        )
        .unwrap();
    assert_eq!(
        count(&database, "SELECT COUNT(*) FROM b_module_group WHERE ID = 4 AND G_ACCESS = 'R' AND SITE_ID = BINARY 'S1'"),
        1,
        "updated in place, spelling kept"
    );
    assert_eq!(
        count(
            &database,
            "SELECT COUNT(*) FROM b_option_site WHERE MODULE_ID = 'videoport'"
        ),
        0
    );
}

/// On a table whose character set cannot hold a value (Bitrix sites on
/// `utf8`, MySQL's three-byte UTF-8, and an emoji), the write fails — and
/// the error never quotes the value, though the server's message does.
#[test]
fn a_value_the_table_cannot_hold_is_refused_without_showing_it() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    database.exec(&BITRIX_TABLES.replace(
        "INDEX ix_option_name(NAME)\n);",
        "INDEX ix_option_name(NAME)\n) CHARACTER SET utf8mb3;",
    ));
    let store = database.store();
    let err = store
        .commit(
            &VIDEOPORT,
            Revision::ZERO,
            &[option(Scope::Common, "SecretCode", "hunter2🎥")],
        )
        .unwrap_err();
    let mut shown = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(shown.contains("character set cannot hold"), "{shown}");
    for leaked in ["hunter2", "F0", "\u{1F3A5}"] {
        assert!(!shown.contains(leaked), "{leaked}: {shown}");
    }
    assert_eq!(
        store
            .load(&VIDEOPORT)
            .unwrap()
            .records
            .option(Scope::Common, "SecretCode"),
        Some("guest-key-42")
    );
}

/// Older Russian sites keep Bitrix's tables in cp1251. An option whose
/// name is not ASCII is found there as anywhere: set twice, then removed —
/// not a duplicate key on the second write, nor a removal that silently
/// removes nothing.
#[test]
fn non_ascii_option_names_on_a_cp1251_table_are_updated_and_removed() {
    let Some(database) = TestDatabase::new() else {
        return;
    };
    database.exec(&BITRIX_TABLES.replace(
        "INDEX ix_option_name(NAME)\n);",
        "INDEX ix_option_name(NAME)\n) CHARACTER SET cp1251;",
    ));
    let store = database.store();
    let module = ModuleId::from_static("colors");
    let name = "цвет";
    let set = |value: &str| Change::SetOption {
        scope: Scope::Common,
        name: OptionName::new(name).unwrap(),
        value: value.into(),
    };
    let first = store
        .commit(&module, Revision::ZERO, &[set("red")])
        .unwrap();
    let second = store.commit(&module, first, &[set("green")]).unwrap();
    let stored = |store: &MysqlStore| {
        store
            .load(&module)
            .unwrap()
            .records
            .option(Scope::Common, name)
            .map(str::to_owned)
    };
    assert_eq!(stored(&store).as_deref(), Some("green"));
    store
        .commit(
            &module,
            second,
            &[Change::RemoveOption {
                scope: Scope::Common,
                name: OptionName::new(name).unwrap(),
            }],
        )
        .unwrap();
    assert_eq!(stored(&store), None, "the removal removed the row");
}
