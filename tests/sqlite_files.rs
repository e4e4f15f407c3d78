//! `SqliteStore` and the file under it: a file deleted or replaced while
//! the store is open, names that are not a plain file, and new files that
//! must stay private.

#![cfg(feature = "sqlite")]

use std::path::{Path, PathBuf};

use module_settings::store::{Change, ModuleRecords, Revision};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SqliteStore, Store, StoreError};

const VIDEO: ModuleId = ModuleId::from_static("video");

fn grant(group: u32, level: AccessLevel) -> Change {
    Change::SetGrant {
        scope: Scope::Common,
        group: GroupId::new(group).unwrap(),
        level,
    }
}

fn records(changes: &[Change]) -> ModuleRecords {
    let mut records = ModuleRecords::new();
    records.apply_all(changes);
    records
}

fn new_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.sqlite");
    (dir, path)
}

/// The error's text, after checking it is the SQLite store's `Backend`.
#[track_caller]
fn backend_text(err: StoreError) -> String {
    let text = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::Backend {
                backend: "sqlite",
                ..
            }
        ),
        "{text}"
    );
    text
}

#[test]
fn a_commit_to_a_deleted_database_file_is_refused_not_lost() {
    let (_dir, path) = new_database();
    let store = SqliteStore::open(&path).unwrap();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    std::fs::remove_file(&path).unwrap();

    let err = store
        .commit(&VIDEO, first, &[grant(6, AccessLevel::W)])
        .unwrap_err();
    let text = backend_text(err);
    assert!(
        text.contains(&path.display().to_string()) && text.contains("deleted"),
        "{text}"
    );
    // Nothing was written, not even to the file the store still holds.
    assert_eq!(store.revision(&VIDEO).unwrap(), first);
    assert_eq!(
        store.load(&VIDEO).unwrap().records,
        records(&[grant(5, AccessLevel::R)])
    );
}

/// A database with one commit (group 5: R), a backup of it taken then, and
/// the store still open on the live file.
fn backed_up() -> (tempfile::TempDir, PathBuf, SqliteStore, Revision, PathBuf) {
    let (dir, path) = new_database();
    let store = SqliteStore::open(&path).unwrap();
    let first = store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    let backup = dir.path().join("backup.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    (dir, path, store, first, backup)
}

#[test]
fn a_commit_after_a_backup_was_renamed_over_the_file_is_refused() {
    let (_dir, path, store, first, backup) = backed_up();
    let second = store
        .commit(&VIDEO, first, &[grant(6, AccessLevel::W)])
        .unwrap();
    // An administrator restores the backup while the store is open.
    std::fs::rename(&backup, &path).unwrap();

    let err = store
        .commit(&VIDEO, second, &[grant(7, AccessLevel::R)])
        .unwrap_err();
    let text = backend_text(err);
    assert!(
        text.contains(&path.display().to_string()) && text.contains("replaced"),
        "{text}"
    );
    assert_eq!(store.revision(&VIDEO).unwrap(), second, "nothing written");
    drop(store);

    // The restored backup is what the path holds, untouched.
    let reopened = SqliteStore::open(&path).unwrap();
    let snapshot = reopened.load(&VIDEO).unwrap();
    assert_eq!(snapshot.revision, first);
    assert_eq!(snapshot.records, records(&[grant(5, AccessLevel::R)]));
}

#[test]
fn a_store_closed_after_its_file_was_replaced_leaves_nothing_to_replay_over_it() {
    let (_dir, path, store, first, backup) = backed_up();
    store
        .commit(&VIDEO, first, &[grant(6, AccessLevel::W)])
        .unwrap();
    std::fs::rename(&backup, &path).unwrap();
    // Closed without another commit: SQLite alone would leave its WAL,
    // with the old file's pages, for the next connection to replay.
    drop(store);

    let reopened = SqliteStore::open(&path).unwrap();
    let snapshot = reopened.load(&VIDEO).unwrap();
    assert_eq!(snapshot.revision, first);
    assert_eq!(snapshot.records, records(&[grant(5, AccessLevel::R)]));
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_sqlite_uri_is_refused_and_creates_nothing() {
    let (dir, path) = new_database();
    for uri in [
        format!("file:{}", path.display()),
        format!("file://{}?nolock=1", path.display()),
        "file::memory:".to_owned(),
    ] {
        let text = backend_text(SqliteStore::open(&uri).unwrap_err());
        assert!(
            text.contains(&uri) && text.contains("URI") && text.contains("plain file path"),
            "{text}"
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A file whose name merely starts with `file:` is opened as a path.
    let odd = dir.path().join("file:odd.sqlite");
    SqliteStore::open(&odd).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&odd) & 0o077, 0, "{:o}", mode(&odd));
}

#[cfg(unix)]
#[test]
fn a_dangling_symbolic_link_is_refused_and_its_target_not_created() {
    let (dir, _) = new_database();
    let target = dir.path().join("elsewhere.sqlite");
    let link = dir.path().join("settings.sqlite");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let text = backend_text(SqliteStore::open(&link).unwrap_err());
    assert!(
        text.contains(&link.display().to_string())
            && text.contains(&target.display().to_string())
            && text.contains("symbolic link")
            && text.contains("does not exist"),
        "{text}"
    );
    assert!(!target.exists(), "the link's target was created");

    // A link to an existing database is followed, and the file keeps its
    // mode.
    std::fs::write(&target, "").unwrap();
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let store = SqliteStore::open(&link).unwrap();
    store
        .commit(&VIDEO, Revision::ZERO, &[grant(5, AccessLevel::R)])
        .unwrap();
    assert_eq!(mode(&target), 0o600);
}

#[test]
fn a_path_that_is_not_a_database_file_says_what_it_is() {
    let (dir, _) = new_database();
    let mut cases: Vec<(PathBuf, &str)> = vec![
        (PathBuf::new(), "the database path is empty"),
        (PathBuf::from(":memory:"), "open_in_memory"),
        (dir.path().to_path_buf(), "is a directory"),
    ];
    if cfg!(unix) {
        cases.push((PathBuf::from("/dev/null"), "is a device"));
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        cases.push((fifo, "is a FIFO"));
    }
    for (path, expected) in cases {
        let text = backend_text(SqliteStore::open(&path).unwrap_err());
        assert!(text.contains(expected), "{path:?}: {text}");
        assert!(
            text.contains(&path.display().to_string()),
            "{path:?}: {text}"
        );
    }
}
