//! The conformance suite against `PostgresStore` on a real server, directly
//! and through `Arc<dyn Store>` and `Box<dyn Store>`. Each test has a
//! database of its own (see `postgres_common`); the second handle is a
//! second store on it — another connection, as another app server has.

mod postgres_common;

use std::sync::Arc;

use module_settings::store::conformance::Fixture;
use module_settings::{ModuleId, PostgresStore, Store};
use postgres_common::TestDb;

/// Two stores on one fresh database, with hooks that damage it behind
/// their backs through a third, plain connection.
fn postgres() -> Option<Fixture<PostgresStore>> {
    let db = TestDb::new()?;
    let store = db.store();
    let second = db.store();
    let (corrupt_url, break_url) = (db.url().to_owned(), db.url().to_owned());
    let fixture = Fixture::new(store)
        .with_second_handle(second)
        .with_corrupter(move |module: &ModuleId| {
            // A group id that no group has: the row belongs to no record.
            // (A bad access letter is a record to repair, not corruption.)
            let changed = plain(&corrupt_url)
                .execute(
                    "UPDATE b_module_group SET group_id = -1 WHERE id = \
                     (SELECT min(id) FROM b_module_group WHERE module_id = $1)",
                    &[&module.as_str()],
                )
                .unwrap();
            assert!(changed > 0, "the module has grants to damage");
        })
        .with_commit_breaker(move |module: &ModuleId| {
            // Refuses the batch's last change (a grant to a new group) after
            // the others were written inside the transaction.
            plain(&break_url)
                .batch_execute(&format!(
                    "CREATE FUNCTION refuse_new_grant() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'refused by the conformance test'; END $$;
                     CREATE TRIGGER refuse_new_grant BEFORE INSERT ON b_module_group \
                     FOR EACH ROW WHEN (NEW.module_id = '{module}') \
                     EXECUTE FUNCTION refuse_new_grant();"
                ))
                .unwrap();
        })
        // PostgreSQL's text cannot hold U+0000.
        .refusing_nul_in_values()
        .keep_alive(db);
    Some(fixture)
}

fn plain(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn arc<S: Store + 'static>(store: S) -> Arc<dyn Store> {
    Arc::new(store)
}

fn boxed<S: Store + 'static>(store: S) -> Box<dyn Store> {
    Box::new(store)
}

module_settings::store_conformance_tests!(postgres_store, postgres);
module_settings::store_conformance_tests!(postgres_as_arc_dyn, || postgres().map(|f| f.map(arc)));
module_settings::store_conformance_tests!(postgres_as_box_dyn, || postgres().map(|f| f.map(boxed)));

#[test]
fn the_store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PostgresStore>();
}
