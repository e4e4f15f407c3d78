//! `FileStore` and files changed by someone else — a person with an editor,
//! a script, a restored backup — while the store is in use: every change
//! is seen, a broken file fails closed, and a commit based on what was
//! there before the change is refused.

#![cfg(feature = "json")]

use std::fs;
use std::io::Write;
use std::path::Path;

use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, FileStore, GroupId, ModuleId, Scope, Store, StoreError};

const VIDEO: ModuleId = ModuleId::from_static("video");

fn grant(group: u32, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::new(group).unwrap(),
        level,
    }
}

fn level_of(store: &FileStore, group: u32) -> Option<AccessLevel> {
    store
        .load(&VIDEO)
        .unwrap()
        .records
        .grant(Scope::Common, GroupId::new(group).unwrap())
}

/// A store in a temporary directory where group 5 holds W on video, at
/// revision 1, already read once by the store.
fn store_with_w_for_group_5() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::W)])
        .unwrap();
    assert_eq!(store.load(&VIDEO).unwrap().revision, Revision::new(1));
    (dir, store)
}

/// Rewrites the file in place, as an editor that saves over the same file
/// does: same inode. Panics unless `from` is in the file.
fn edit_in_place(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    let edited = text.replacen(from, to, 1);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    file.write_all(edited.as_bytes()).unwrap();
}

#[test]
fn a_hand_edit_that_keeps_the_revision_is_loaded_at_a_higher_revision() {
    let (_dir, store) = store_with_w_for_group_5();
    let path = store.path_of(&VIDEO);
    edit_in_place(&path, r#""5": "W""#, r#""5": "R""#);
    assert!(fs::read_to_string(&path)
        .unwrap()
        .contains(r#""revision": 1,"#));

    let moved = store.revision(&VIDEO).unwrap();
    assert!(moved > Revision::new(1), "revision stayed at {moved}");
    let loaded = store.load(&VIDEO).unwrap();
    assert_eq!(loaded.revision, moved, "load and revision agree");
    assert_eq!(level_of(&store, 5), Some(AccessLevel::R));
    // Asking again changes nothing: the edit is one new revision.
    assert_eq!(store.revision(&VIDEO).unwrap(), moved);

    // A commit based on the edited file moves on from there, by one, and
    // writes that revision into the file: never back below the edit.
    let next = store
        .commit(&VIDEO, moved, &[grant(6, AccessLevel::R)])
        .unwrap();
    assert_eq!(next.get(), moved.get() + 1);
    assert_eq!(store.revision(&VIDEO).unwrap(), next);
    assert_eq!(
        FileStore::open(store.dir())
            .unwrap()
            .revision(&VIDEO)
            .unwrap(),
        next,
        "the revision is in the file for every other reader"
    );
    assert_eq!(level_of(&store, 5), Some(AccessLevel::R));
}

/// The store never read the file its commit wrote: it knows the bytes.
#[test]
fn a_hand_edit_right_after_a_commit_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let committed = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::W)])
        .unwrap();
    edit_in_place(&store.path_of(&VIDEO), r#""5": "W""#, r#""5": "R""#);
    assert!(store.revision(&VIDEO).unwrap() > committed);
    assert_eq!(level_of(&store, 5), Some(AccessLevel::R));
}

#[test]
fn a_commit_based_on_the_contents_before_a_hand_edit_conflicts() {
    let (_dir, store) = store_with_w_for_group_5();
    let path = store.path_of(&VIDEO);
    edit_in_place(&path, r#""5": "W""#, r#""5": "R""#);
    let edited = fs::read(&path).unwrap();

    let err = store
        .commit(&VIDEO, Revision::new(1), &[grant(7, AccessLevel::W)])
        .unwrap_err();
    match err {
        StoreError::Conflict {
            module,
            expected,
            current,
        } => {
            assert_eq!((module, expected), (VIDEO, Revision::new(1)));
            assert!(current > Revision::new(1), "{current}");
        }
        other => panic!("expected Conflict, got {other}"),
    }
    assert_eq!(fs::read(&path).unwrap(), edited, "nothing was written");
}

/// The edit keeps the file's length and its modification time — as an edit
/// in the same clock tick as the last write does, or a tool that puts the
/// time back — so only the contents tell it apart.
#[test]
fn an_edit_of_the_same_length_and_time_is_seen() {
    let (_dir, store) = store_with_w_for_group_5();
    let path = store.path_of(&VIDEO);
    let before = fs::metadata(&path).unwrap();
    edit_in_place(&path, r#""5": "W""#, r#""5": "R""#);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );

    assert!(store.revision(&VIDEO).unwrap() > Revision::new(1));
    assert_eq!(level_of(&store, 5), Some(AccessLevel::R));
}

#[test]
fn a_file_broken_by_hand_is_corrupt_for_revision_and_load() {
    let (_dir, store) = store_with_w_for_group_5();
    let path = store.path_of(&VIDEO);
    // The head (format, module, revision) stays intact: only the end is cut.
    let text = fs::read_to_string(&path).unwrap();
    let cut = text.trim_end().trim_end_matches('}');
    fs::write(&path, cut).unwrap();

    for (call, result) in [
        ("revision", store.revision(&VIDEO).map(|_| ())),
        ("load", store.load(&VIDEO).map(|_| ())),
        (
            "commit",
            store
                .commit(&VIDEO, Revision::new(1), &[grant(6, AccessLevel::R)])
                .map(|_| ()),
        ),
    ] {
        match result {
            Err(StoreError::Corrupt { module, record, .. }) => {
                assert_eq!(module, Some(VIDEO), "{call}");
                assert_eq!(record, path.display().to_string(), "{call}");
            }
            other => panic!("{call}: expected Corrupt, got {other:?}"),
        }
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), cut, "left as it is");

    // Repaired to what was there, the file is served again.
    fs::write(&path, &text).unwrap();
    assert_eq!(level_of(&store, 5), Some(AccessLevel::W));
    store.revision(&VIDEO).unwrap();
}

#[test]
fn a_file_replaced_by_another_with_the_same_revision_is_seen() {
    let (dir, store) = store_with_w_for_group_5();
    // A copy of the directory, changed there and moved over the live file
    // (as a restore or `mv` does): another inode, same revision.
    let other = tempfile::tempdir().unwrap();
    let copy = FileStore::open(other.path()).unwrap();
    copy.commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::D)])
        .unwrap();
    fs::rename(copy.path_of(&VIDEO), store.path_of(&VIDEO)).unwrap();

    assert!(store.revision(&VIDEO).unwrap() > Revision::new(1));
    assert_eq!(level_of(&store, 5), Some(AccessLevel::D));
    drop(dir);
}

#[test]
fn clones_of_a_store_agree_on_the_revision_of_a_hand_edit() {
    let (_dir, store) = store_with_w_for_group_5();
    let clone = store.clone();
    edit_in_place(&store.path_of(&VIDEO), r#""5": "W""#, r#""5": "R""#);
    let moved = store.revision(&VIDEO).unwrap();
    assert!(moved > Revision::new(1), "revision stayed at {moved}");
    assert_eq!(clone.revision(&VIDEO).unwrap(), moved);
    assert_eq!(clone.load(&VIDEO).unwrap().revision, moved);
    clone
        .commit(&VIDEO, moved, &[grant(6, AccessLevel::R)])
        .unwrap();
    assert_eq!(store.revision(&VIDEO).unwrap().get(), moved.get() + 1);
}

#[test]
fn commits_of_another_store_on_the_directory_keep_their_revisions() {
    let (dir, store) = store_with_w_for_group_5();
    let other = FileStore::open(dir.path()).unwrap();
    for n in 2..=4 {
        let rev = other
            .commit(&VIDEO, Revision::new(n - 1), &[grant(5, AccessLevel::R)])
            .unwrap();
        assert_eq!(rev, Revision::new(n));
        assert_eq!(store.revision(&VIDEO).unwrap(), rev);
        assert_eq!(store.load(&VIDEO).unwrap().revision, rev);
    }
}
