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
            other.map(|s| s.records.grant(Scope::Common, GroupId::from_static(5)))
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
        records.grant(Scope::Common, GroupId::from_static(5)),
        Some(AccessLevel::W)
    );
}

/// Each error in the chain says its own part: no message repeats the text
/// of its source (a report that prints the chain would show it twice).
#[track_caller]
fn assert_chain_without_repeats(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = vec![err.to_string()];
    let mut current = err;
    while let Some(source) = current.source() {
        let (outer, inner) = (current.to_string(), source.to_string());
        assert!(
            !outer.contains(&inner),
            "{outer:?} repeats its source {inner:?}"
        );
        texts.push(inner);
        current = source;
    }
    texts
}

#[test]
fn an_io_failure_says_what_failed_and_keeps_the_cause_as_source() {
    let (dir, store) = store_with(r#"{"format":1,"module":"video","revision":0}"#);
    // A directory where the temporary file goes: creating it fails.
    std::fs::create_dir(dir.path().join(".video.json.tmp")).unwrap();
    let err = store
        .commit(
            &VIDEO,
            module_settings::store::Revision::ZERO,
            &[module_settings::store::Change::RemoveDefault {
                scope: Scope::Common,
            }],
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "file",
                ..
            }
        ),
        "{err}"
    );
    let chain = assert_chain_without_repeats(&err);
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(
        chain[0].starts_with("file store: could not create the temporary file "),
        "{chain:?}"
    );
    assert!(chain[0].ends_with(".video.json.tmp"), "{chain:?}");
    let io = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the cause is the io::Error");
    assert_eq!(io.to_string(), chain[1]);
}

#[cfg(unix)]
#[test]
fn module_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let videoport = ModuleId::from_static("videoport");
    store
        .commit(
            &videoport,
            module_settings::store::Revision::ZERO,
            &[module_settings::store::Change::SetOption {
                scope: Scope::Common,
                name: module_settings::OptionName::from_static("SecretCode"),
                value: "guest-key-42".into(),
            }],
        )
        .unwrap();
    let mode = std::fs::metadata(store.path_of(&videoport))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "module file is {:o}", mode & 0o777);
}
