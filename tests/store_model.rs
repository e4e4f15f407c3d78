//! Every backend against a plain `BTreeMap` model (`store_model_common`),
//! over random sequences of commits (on the current revision and on stale
//! ones), loads, revision reads and listings.

mod store_model_common;

use module_settings::MemoryStore;
use proptest::prelude::*;
use store_model_common::{check, ops};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn memory_store_matches_the_model(ops in ops()) {
        check(&MemoryStore::new(), &ops)?;
    }
}

#[cfg(feature = "sqlite")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sqlite_store_in_memory_matches_the_model(ops in ops()) {
        check(&module_settings::SqliteStore::open_in_memory().unwrap(), &ops)?;
    }
}

#[cfg(feature = "sqlite")]
proptest! {
    // Every commit waits for the disk; keep the count modest.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn sqlite_store_on_disk_matches_the_model(ops in ops()) {
        let dir = tempfile::tempdir().unwrap();
        check(&module_settings::SqliteStore::open(dir.path().join("m.sqlite")).unwrap(), &ops)?;
    }
}

#[cfg(feature = "json")]
proptest! {
    // Every commit waits for the disk; keep the count modest.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn file_store_matches_the_model(ops in ops()) {
        let dir = tempfile::tempdir().unwrap();
        check(&module_settings::FileStore::open(dir.path()).unwrap(), &ops)?;
    }
}
