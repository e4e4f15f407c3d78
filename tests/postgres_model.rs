//! `PostgresStore` against the plain `BTreeMap` model every backend is
//! held to (`store_model_common`), on a real server.

mod postgres_common;
mod store_model_common;

use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use store_model_common::{check, ops};

/// One database for every case (a database per case would cost more than
/// the case); each case starts from empty tables. `TRUNCATE` fires no row
/// trigger, so the revisions start at zero too.
#[test]
fn postgres_store_matches_the_model() {
    let Some(db) = postgres_common::TestDb::new() else {
        return;
    };
    let store = db.store();
    let cleaner = Mutex::new(db.client());
    let mut runner = TestRunner::new(Config::with_cases(128));
    let result = runner.run(&ops(), |ops| {
        cleaner
            .lock()
            .unwrap()
            .batch_execute(
                "TRUNCATE b_option, b_option_site, b_module_group, module_settings_revision",
            )
            .map_err(|err| TestCaseError::fail(err.to_string()))?;
        check(&store, &ops)
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
