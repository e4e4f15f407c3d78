//! The facade over a store that hangs or fails: who waits for it and who
//! does not. Health reports and access checks never wait for a hung
//! refresh; checks stop answering from rights older than the hard limit;
//! with stale snapshots off, readers queued behind a failed attempt share
//! its error instead of each trying the store again.

mod facade_common;

use std::sync::Arc;
use std::time::Duration;

use facade_common::*;
use module_settings::modules::{B24Connector, VideoPort};
use module_settings::settings::{Settings, SettingsError};
use module_settings::store::Change;
use module_settings::{AccessLevel, Scope, Store};

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

/// While a refresh hangs, checks are answered from the old rights only up
/// to the hard limit (twice the bound, at least 100 ms): a right revoked
/// by another process stops working then, however long the store hangs.
/// Option reads of the same module (b24connector has both) go on being
/// served.
#[test]
fn checks_stop_answering_from_old_rights_past_the_hard_limit() {
    let store = Arc::new(Gate::default());
    let settings = Arc::new(
        Settings::builder(Arc::clone(&store))
            .staleness(Duration::from_millis(10))
            .build()
            .unwrap(),
    );
    grant(&settings, B24, 5, AccessLevel::W);
    assert!(settings.can(B24, &[g(5)], Scope::Common, AccessLevel::W));
    // Revoked by another process.
    let rev = store.inner.revision(&B24).unwrap();
    let revoke = Change::RemoveGrant {
        scope: Scope::Common,
        group: g(5),
    };
    store.inner.commit(&B24, rev, &[revoke]).unwrap();
    store.hang();
    std::thread::sleep(Duration::from_millis(20)); // past the bound
    let refreshing = Arc::clone(&settings);
    let hung =
        std::thread::spawn(move || refreshing.can(B24, &[g(5)], Scope::Common, AccessLevel::W));
    store.wait_hanging(1);
    std::thread::sleep(Duration::from_millis(150)); // past the 100 ms limit

    // None of these may call the store (the one refresh is under way), so
    // none waits for it.
    let still = settings.can(B24, &[g(5)], Scope::Common, AccessLevel::W);
    let check = settings.check(B24, &[g(5)], Scope::Common);
    let options = settings.options::<B24Connector>(Scope::Common);
    store.release();
    assert!(!still, "a revoked right kept working while the store hung");
    match check {
        Err(SettingsError::RightsUnavailable { reason, .. }) => {
            assert!(reason.contains("older than 100ms"), "{reason}");
        }
        other => panic!("expected RightsUnavailable, got {other:?}"),
    }
    assert!(
        options.is_ok(),
        "option reads are still served: {options:?}"
    );
    assert!(!hung.join().unwrap(), "the refresh found the revocation");
    assert!(!settings.can(B24, &[g(5)], Scope::Common, AccessLevel::W));
}

/// With stale snapshots off (the default), readers that queued behind a
/// refresh that failed return its error without asking the store again;
/// so do readers arriving within the bound after it. One store call for
/// eight readers, not eight calls one after the other.
#[test]
fn readers_behind_a_failed_refresh_share_its_error() {
    let store = Arc::new(Gate::default());
    let settings = Arc::new(
        Settings::builder(Arc::clone(&store))
            .staleness(Duration::from_secs(60))
            .build()
            .unwrap(),
    );
    store.set_failing(true);
    store.hang();
    let first = {
        let s = Arc::clone(&settings);
        std::thread::spawn(move || s.options::<VideoPort>(Scope::Common).map(|_| ()))
    };
    store.wait_hanging(1);
    let others: Vec<_> = (0..7)
        .map(|_| {
            let s = Arc::clone(&settings);
            std::thread::spawn(move || s.options::<VideoPort>(Scope::Common).map(|_| ()))
        })
        .collect();
    store.release();
    let mut errors = vec![first.join().unwrap().unwrap_err()];
    errors.extend(others.into_iter().map(|t| t.join().unwrap().unwrap_err()));
    assert_eq!(store.reads(), 1, "each reader asked the failing store");
    for err in &errors {
        assert!(matches!(err, SettingsError::Store(_)), "{err:?}");
        assert!(err.to_string().contains("failing on purpose"), "{err}");
    }
}

/// A failure is remembered for the bound: a reader then gets its error
/// without asking the store; after the bound (here zero) it asks again.
#[test]
fn a_failure_is_remembered_for_the_bound() {
    let store = Arc::new(Gate::default());
    let patient = Settings::builder(Arc::clone(&store))
        .staleness(Duration::from_secs(60))
        .build()
        .unwrap();
    store.set_failing(true);
    for _ in 0..3 {
        let err = patient.options::<VideoPort>(Scope::Common).unwrap_err();
        assert!(err.to_string().contains("failing on purpose"), "{err}");
    }
    assert_eq!(store.reads(), 1);
    // `reload` (like a write's check) never relies on it: it asks.
    assert!(patient.reload(VIDEOPORT).is_err());
    assert!(patient.reload(VIDEOPORT).is_err());
    assert_eq!(store.reads(), 3);

    let eager = Settings::builder(Arc::clone(&store))
        .staleness(Duration::ZERO)
        .build()
        .unwrap();
    assert!(eager.options::<VideoPort>(Scope::Common).is_err());
    assert!(eager.options::<VideoPort>(Scope::Common).is_err());
    assert_eq!(store.reads(), 5);
    store.set_failing(false);
    assert!(eager.options::<VideoPort>(Scope::Common).is_ok());
}
