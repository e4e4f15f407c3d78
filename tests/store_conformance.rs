//! The conformance suite against every backend, and against each one used
//! through `Arc<dyn Store>` and `Box<dyn Store>`.

use std::sync::Arc;

use module_settings::store::conformance::Fixture;
use module_settings::{FileStore, MemoryStore, ModuleId, SqliteStore, Store};

// ------------------------------------------------------------------ memory

/// Clones share state, so a clone is the second handle. There is no stored
/// form to corrupt and nothing can fail half-way, so no hooks.
fn memory() -> Fixture<MemoryStore> {
    let store = MemoryStore::new();
    Fixture::new(store.clone()).with_second_handle(store)
}

// -------------------------------------------------------------------- file

/// Two `FileStore`s on one directory: their only link is the files and the
/// lock files, as between two processes.
fn file() -> Fixture<FileStore> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let store = FileStore::open(&path).unwrap();
    let second = FileStore::open(&path).unwrap();
    let (corrupt_dir, break_dir) = (path.clone(), path);
    Fixture::new(store)
        .with_second_handle(second)
        .with_corrupter(move |module: &ModuleId| {
            let file = corrupt_dir.join(format!("{module}.json"));
            let text = std::fs::read_to_string(&file).unwrap();
            // A valid JSON file with a level that does not exist.
            let damaged = text.replacen("\"W\"", "\"X\"", 1);
            assert_ne!(damaged, text, "the file holds a W grant to damage");
            std::fs::write(&file, damaged).unwrap();
        })
        .with_commit_breaker(move |module: &ModuleId| {
            // A directory where the temporary file must be written makes the
            // write fail after the batch was applied in memory, even as root.
            std::fs::create_dir(break_dir.join(format!(".{module}.json.tmp"))).unwrap();
        })
        .keep_alive(dir)
}

// ------------------------------------------------------------------ sqlite

/// Two `SqliteStore`s on one file: two connections, so the race goes
/// through SQLite's locking and `BEGIN IMMEDIATE`.
fn sqlite() -> Fixture<SqliteStore> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    let (corrupt_path, break_path) = (path.clone(), path);
    Fixture::new(store)
        .with_second_handle(second)
        .with_corrupter(move |module: &ModuleId| {
            // A group id that is no number: the row belongs to no record.
            // (A bad access letter is a record to repair, not corruption.)
            let conn = rusqlite::Connection::open(&corrupt_path).unwrap();
            let changed = conn
                .execute(
                    "UPDATE b_module_group SET GROUP_ID = 'admins' WHERE rowid = \
                     (SELECT MIN(rowid) FROM b_module_group WHERE MODULE_ID = ?1)",
                    [module.as_str()],
                )
                .unwrap();
            assert!(changed > 0, "the module has grants to damage");
        })
        .with_commit_breaker(move |module: &ModuleId| {
            // Refuses the batch's last change (a grant to a new group) after
            // the others were written inside the transaction.
            let conn = rusqlite::Connection::open(&break_path).unwrap();
            conn.execute_batch(&format!(
                "CREATE TRIGGER refuse_new_grant BEFORE INSERT ON b_module_group \
                 WHEN NEW.MODULE_ID = '{module}' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the conformance test'); END"
            ))
            .unwrap();
        })
        .keep_alive(dir)
}

/// An in-memory database: one connection, so the racing threads share it.
fn sqlite_in_memory() -> SqliteStore {
    SqliteStore::open_in_memory().unwrap()
}

// ------------------------------------------------------------------- suite

module_settings::store_conformance_tests!(memory_store, memory);
module_settings::store_conformance_tests!(file_store, file);
module_settings::store_conformance_tests!(sqlite_store, sqlite);
module_settings::store_conformance_tests!(sqlite_store_in_memory, sqlite_in_memory);

fn arc<S: Store + 'static>(store: S) -> Arc<dyn Store> {
    Arc::new(store)
}

fn boxed<S: Store + 'static>(store: S) -> Box<dyn Store> {
    Box::new(store)
}

module_settings::store_conformance_tests!(memory_as_arc_dyn, || memory().map(arc));
module_settings::store_conformance_tests!(memory_as_box_dyn, || memory().map(boxed));
module_settings::store_conformance_tests!(file_as_arc_dyn, || file().map(arc));
module_settings::store_conformance_tests!(file_as_box_dyn, || file().map(boxed));
module_settings::store_conformance_tests!(sqlite_as_arc_dyn, || sqlite().map(arc));
module_settings::store_conformance_tests!(sqlite_as_box_dyn, || sqlite().map(boxed));
// A borrowed store is a store too.
module_settings::store_conformance_tests!(memory_by_reference, || memory()
    .map(|s| -> &'static MemoryStore { Box::leak(Box::new(s)) }));

#[test]
fn the_stores_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MemoryStore>();
    assert_send_sync::<FileStore>();
    assert_send_sync::<SqliteStore>();
    assert_send_sync::<Fixture<Arc<dyn Store>>>();
}
