//! `FileStore` against files on disk: what it accepts, what it refuses, and
//! how it leaves them.

#![cfg(feature = "json")]

use module_settings::{AccessLevel, FileStore, GroupId, ModuleId, Scope, Store, StoreError};

const VIDEO: ModuleId = ModuleId::from_static("video");

/// A store on a temporary directory holding `video.json` = `text`.
fn store_with(text: &str) -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    std::fs::write(store.path_of(&VIDEO), text).unwrap();
    (dir, store)
}

#[track_caller]
fn assert_corrupt(text: &str, found: &str) {
    let (_dir, store) = store_with(text);
    match store.load(&VIDEO) {
        Err(StoreError::Corrupt { module, value, .. }) => {
            assert_eq!(module, Some(VIDEO), "{text}");
            assert_eq!(value, found, "{text}");
        }
        other => panic!(
            "{text}: expected Corrupt, got {:?}",
            other.map(|s| s.records.grant(Scope::Common, GroupId::from_const(5)))
        ),
    }
}

#[test]
fn two_spellings_of_one_group_are_corrupt_not_last_wins() {
    let head = r#""format":1,"module":"video","revision":1"#;
    // "5" and "05" are one group: whichever came last would decide its level.
    assert_corrupt(
        &format!(r#"{{{head},"grants":{{"common":{{"5":"W","05":"D"}}}}}}"#),
        "\"05\"",
    );
    assert_corrupt(
        &format!(r#"{{{head},"grants":{{"common":{{"05":"D","5":"W"}}}}}}"#),
        "\"05\"",
    );
    // A non-canonical spelling alone is refused too: the file store writes
    // plain decimal, so anything else was not written by it.
    assert_corrupt(
        &format!(r#"{{{head},"grants":{{"common":{{"007":"R"}}}}}}"#),
        "\"007\"",
    );
    // The plain form still loads.
    let (_dir, store) = store_with(&format!(
        r#"{{{head},"grants":{{"common":{{"5":"W","50":"D"}}}}}}"#
    ));
    let records = store.load(&VIDEO).unwrap().records;
    assert_eq!(
        records.grant(Scope::Common, GroupId::from_const(5)),
        Some(AccessLevel::W)
    );
}
