//! The conformance suite against `MysqlStore` on a real server, and
//! through `Arc<dyn Store>`. Each test gets a database of its own.

mod mysql_common;

use std::sync::Arc;

use module_settings::store::conformance::Fixture;
use module_settings::{ModuleId, MysqlStore, Store};
use mysql::prelude::Queryable;
use mysql_common::{plain, TestDatabase};

/// Two `MysqlStore`s on one database: separate connections, so the race
/// goes through InnoDB's row locks.
fn mysql() -> Fixture<MysqlStore> {
    let database = TestDatabase::new();
    let store = database.store();
    let second = database.store();
    let (corrupt_url, break_url) = (database.url(), database.url());
    Fixture::new(store)
        .with_second_handle(second)
        .with_corrupter(move |module: &ModuleId| {
            // A group id of 0: the row belongs to no record. (A bad access
            // letter is a record to repair, not corruption.)
            let mut conn = plain(&corrupt_url);
            conn.exec_drop(
                "UPDATE b_module_group SET GROUP_ID = 0 WHERE MODULE_ID = ? ORDER BY ID LIMIT 1",
                (module.as_str(),),
            )
            .unwrap();
            assert!(conn.affected_rows() > 0, "the module has grants to damage");
        })
        .with_commit_breaker(move |module: &ModuleId| {
            // Refuses the batch's last change (a grant to a new group) after
            // the others were written inside the transaction.
            plain(&break_url)
                .query_drop(format!(
                    "CREATE TRIGGER refuse_new_grant BEFORE INSERT ON b_module_group FOR EACH ROW \
                     BEGIN IF NEW.MODULE_ID = '{module}' THEN \
                     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the conformance test'; \
                     END IF; END"
                ))
                .unwrap();
        })
        .keep_alive(database)
}

module_settings::store_conformance_tests!(mysql_store, mysql);
module_settings::store_conformance_tests!(mysql_as_arc_dyn, || mysql()
    .map(|store| Arc::new(store) as Arc<dyn Store>));

#[test]
fn the_store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MysqlStore>();
}
