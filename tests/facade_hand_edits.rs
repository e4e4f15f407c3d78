//! A facade on a `FileStore` whose files are edited by hand while it runs:
//! a right taken away in the file is gone within the staleness bound, and
//! a file broken by the edit makes checks fail closed.

#![cfg(feature = "json")]

mod facade_common;

use std::fs;
use std::num::NonZeroU16;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use facade_common::*;
use module_settings::modules::VideoPort;
use module_settings::settings::{Settings, SettingsError};
use module_settings::{AccessLevel, FileStore, GroupId, Scope, Store, StoreError};

/// Short, so that the tests wait past it.
const BOUND: Duration = Duration::from_millis(50);

fn facade() -> (tempfile::TempDir, FileStore, Settings<FileStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let settings = Settings::builder(store.clone())
        .staleness(BOUND)
        .build()
        .unwrap();
    (dir, store, settings)
}

/// Replaces `from` with `to` in the file, keeping everything else — the
/// `"revision"` entry included.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Waits until `denied` holds, for at most the bound and a margin for a
/// slow machine; returns how long that took.
fn time_until(denied: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !denied() {
        assert!(
            started.elapsed() < BOUND * 10,
            "still allowed {:?} after the edit",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

fn set_port(
    settings: &Settings<FileStore>,
    actor_group: u32,
    port: u16,
) -> Result<(), SettingsError> {
    let mut form = settings.edit::<VideoPort>(Scope::Common)?;
    form.value_mut().server_port = NonZeroU16::new(port);
    settings.save(&member(actor_group), form).map(|_| ())
}

#[test]
fn a_w_edited_down_to_r_by_hand_is_denied_within_the_bound() {
    let (_dir, store, settings) = facade();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    set_port(&settings, 5, 8000).unwrap();
    let before = settings.revision(VIDEO).unwrap();

    edit(&store.path_of(&VIDEO), r#""5": "W""#, r#""5": "R""#);
    time_until(|| !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::R));
    assert!(settings.revision(VIDEO).unwrap() > before);

    // Group 5's writes are refused, and nothing is written.
    let stored = store.load(&VIDEOPORT).unwrap();
    let err = set_port(&settings, 5, 9000).unwrap_err();
    assert!(matches!(err, SettingsError::Denied { .. }), "{err:?}");
    assert_eq!(store.load(&VIDEOPORT).unwrap(), stored);
}

#[test]
fn an_edit_right_after_the_facades_own_write_is_seen() {
    let (_dir, store, settings) = facade();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    // The facade holds the state its write built; the store never read
    // the file back.
    edit(&store.path_of(&VIDEO), r#""5": "W""#, r#""5": "R""#);
    time_until(|| !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::R));
}

#[test]
fn a_w_edited_down_is_denied_to_writers_at_once() {
    // A write asks the store's revision itself, whatever the bound.
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let settings = Settings::builder(store.clone())
        .staleness(Duration::from_secs(3600))
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    set_port(&settings, 5, 8000).unwrap();
    edit(&store.path_of(&VIDEO), r#""5": "W""#, r#""5": "R""#);
    let err = set_port(&settings, 5, 9000).unwrap_err();
    assert!(matches!(err, SettingsError::Denied { .. }), "{err:?}");
    assert_eq!(
        store
            .load(&VIDEOPORT)
            .unwrap()
            .records
            .option(Scope::Common, "ServerPort"),
        Some("8000")
    );
}

#[test]
fn a_file_broken_by_hand_fails_checks_closed_within_the_bound() {
    let (_dir, store, settings) = facade();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    assert!(settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));

    let path = store.path_of(&VIDEO);
    // Still JSON, with the head intact: a level that does not exist.
    edit(&path, r#""5": "W""#, r#""5": "X""#);
    time_until(|| !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert!(!settings.can(
        VIDEO,
        &[GroupId::ADMINISTRATORS],
        Scope::Common,
        AccessLevel::D
    ));
    let err = settings.check(VIDEO, &[g(5)], Scope::Common).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("\"X\""), "{text}");
    assert!(matches!(
        store.revision(&VIDEO),
        Err(StoreError::Corrupt { .. })
    ));

    // Text that is not JSON at all, past the head: the same.
    let text = fs::read_to_string(&path).unwrap().replace("\"X\"", "\"W\"");
    fs::write(&path, &text).unwrap();
    time_until(|| settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    fs::write(&path, text.trim_end().trim_end_matches('}')).unwrap();
    time_until(|| !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    assert!(settings.check(VIDEO, &[g(5)], Scope::Common).is_err());
}

#[test]
fn serving_stale_options_over_a_broken_file_still_fails_checks_closed() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    let settings = Settings::builder(store.clone())
        .staleness(BOUND)
        .serve_stale(true)
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    set_port(&settings, 5, 8000).unwrap();
    for module in [VIDEO, VIDEOPORT] {
        let path = store.path_of(&module);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.trim_end().trim_end_matches('}')).unwrap();
    }
    time_until(|| !settings.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W));
    let err = settings.check(VIDEO, &[g(5)], Scope::Common).unwrap_err();
    assert!(
        matches!(err, SettingsError::RightsUnavailable { .. }),
        "{err:?}"
    );
    // Options are served as they were, flagged stale.
    let options = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(options.server_port.map(NonZeroU16::get), Some(8000));
    assert!(settings.health(VIDEOPORT).unwrap().is_stale());
}
