//! `MysqlStore` against the plain `BTreeMap` model every backend is held
//! to (`store_model_common`), on a real server.

mod mysql_common;
mod store_model_common;

use mysql_common::TestDatabase;
use proptest::prelude::*;
use store_model_common::{check, ops};

proptest! {
    // Every case creates a database and its triggers; keep the count modest.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mysql_store_matches_the_model(ops in ops()) {
        let database = TestDatabase::new();
        check(&database.store(), &ops)?;
    }
}
