//! The facade over a store that hangs or fails: who waits for it and who
//! does not. Health reports and access checks never wait for a hung
//! refresh; checks stop answering from rights older than the hard limit;
//! with stale snapshots off, readers queued behind a failed attempt share
//! its error instead of each trying the store again.

mod facade_common;

use std::sync::Arc;
use std::time::Duration;

use facade_common::*;
use module_settings::settings::{Settings, SettingsError};
use module_settings::{AccessLevel, Scope};

/// Far above anything these calls cost: only a call that waits for the
/// hung store takes this long.
const HANG: Duration = Duration::from_secs(20);

/// `health()` and a check on a module served stale answer while another
/// thread's refresh hangs in the store.
#[test]
fn health_and_checks_do_not_wait_for_a_hung_refresh() {
    let store = Arc::new(Gate::default());
    let settings = Arc::new(
        Settings::builder(Arc::clone(&store))
            .serve_stale(true)
            .staleness(Duration::from_millis(20))
            .build()
            .unwrap(),
    );
    grant(&settings, VIDEO, 5, AccessLevel::R);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::R));
    store.set_failing(true);
    std::thread::sleep(Duration::from_millis(30));
    let err = settings.check(VIDEO, &[g(5)], Scope::Common).unwrap_err();
    assert!(
        matches!(err, SettingsError::RightsUnavailable { .. }),
        "{err:?}"
    );
    store.hang();
    std::thread::sleep(Duration::from_millis(30)); // past the bound again
    let refreshing = Arc::clone(&settings);
    let hung = std::thread::spawn(move || refreshing.check(VIDEO, &[g(5)], Scope::Common));
    store.wait_hanging(1);

    let s = Arc::clone(&settings);
    let health = returns_within(HANG, move || s.health(VIDEO).map(|h| h.is_stale()));
    let s = Arc::clone(&settings);
    let check = returns_within(HANG, move || s.check(VIDEO, &[g(5)], Scope::Common));
    store.release();
    assert!(hung.join().unwrap().is_err());
    assert_eq!(
        health.map(|h| h.unwrap()),
        Some(true),
        "health() waited for the store"
    );
    match check {
        Some(Err(SettingsError::RightsUnavailable { reason, .. })) => {
            assert!(reason.contains("failing on purpose"), "{reason}");
        }
        other => panic!("check() waited for the store or answered: {other:?}"),
    }
}
