//! Readers and writers at once: 8 readers and 2 writers for about two
//! seconds over the memory store and over SQLite. Readers must always see
//! one whole revision (the writers save `ServerPort = n` and
//! `ServerHost = h{n}.example` in one form), and every committed write
//! must be there at the end. Two facades over one SQLite file must lose
//! nothing and see each other's writes within their staleness bound.
//!
//! No timing is asserted: "within the bound" is checked as "eventually,
//! within 10 s".

mod facade_common;

use std::num::NonZeroU16;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use facade_common::*;
use module_settings::modules::VideoPort;
use module_settings::settings::{Settings, SettingsError};
use module_settings::store::Revision;
use module_settings::{AccessLevel, GroupId, MemoryStore, Scope, Store};

const RUN: Duration = Duration::from_secs(2);
const READERS: usize = 8;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn facades_are_send_and_sync() {
    assert_send_sync::<Settings<MemoryStore>>();
    assert_send_sync::<Settings<Arc<dyn Store>>>();
    // A read may be held across an `.await` or handed to another thread.
    assert_send_sync::<module_settings::settings::OptionsRef<VideoPort>>();
    let shared: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let settings = Settings::new(shared);
    assert!(settings.options::<VideoPort>(Scope::Common).is_ok());
}

/// Saves `ServerPort = n`, `ServerHost = h{n}.example` in one form,
/// retrying on conflicts; returns the revision it landed in.
fn save_pair<S: Store>(settings: &Settings<S>, n: u16) -> Revision {
    loop {
        let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
        form.value_mut().server_port = NonZeroU16::new(n);
        form.value_mut().server_host = Some(url::Host::parse(&format!("h{n}.example")).unwrap());
        match settings.save(&admin(), form) {
            Ok(revision) => return revision,
            Err(err) if err.is_conflict() => continue,
            Err(SettingsError::Store(err))
                if matches!(*err, module_settings::StoreError::Unavailable { .. }) =>
            {
                continue
            }
            Err(err) => panic!("save failed: {err}"),
        }
    }
}

fn hammer<S: Store + 'static>(settings: Arc<Settings<S>>) {
    grant(&settings, VIDEO, 5, AccessLevel::R);
    let stop = Arc::new(AtomicBool::new(false));
    let committed: Arc<Mutex<Vec<(Revision, u16)>>> = Arc::default();

    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let settings = Arc::clone(&settings);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut reads = 0u64;
                let mut last = Revision::ZERO;
                while !stop.load(Ordering::Relaxed) {
                    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
                    match (&video.server_host, video.server_port) {
                        (None, None) => {}
                        (Some(host), Some(port)) => {
                            assert_eq!(host.to_string(), format!("h{port}.example"), "a torn read");
                        }
                        other => panic!("a torn read: {other:?}"),
                    }
                    let revision = settings.revision(VIDEOPORT).unwrap();
                    assert!(revision >= last, "revisions never go back in one thread");
                    last = revision;
                    assert!(settings.can(
                        VIDEO,
                        &[GroupId::EVERYONE, g(5)],
                        Scope::Common,
                        AccessLevel::R
                    ));
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    let writers: Vec<_> = (0..2u16)
        .map(|w| {
            let settings = Arc::clone(&settings);
            let stop = Arc::clone(&stop);
            let committed = Arc::clone(&committed);
            thread::spawn(move || {
                let mut i = 0u16;
                while !stop.load(Ordering::Relaxed) {
                    // Writer 0 uses ports 1..=30000, writer 1 30001..=60000.
                    let n = w * 30_000 + 1 + i % 30_000;
                    let revision = save_pair(&settings, n);
                    committed.lock().unwrap().push((revision, n));
                    i = i.wrapping_add(1);
                }
            })
        })
        .collect();

    thread::sleep(RUN);
    stop.store(true, Ordering::Relaxed);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    for writer in writers {
        writer.join().unwrap();
    }
    let mut committed = committed.lock().unwrap().clone();
    committed.sort();
    assert!(reads > 0 && !committed.is_empty());
    // Every save got its own revision, one after another.
    for pair in committed.windows(2) {
        assert_eq!(pair[1].0.get(), pair[0].0.get() + 1, "{pair:?}");
    }
    let (last_revision, last_n) = *committed.last().unwrap();
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(video.server_port, NonZeroU16::new(last_n));
    assert_eq!(settings.revision(VIDEOPORT).unwrap(), last_revision);
    let stored = settings.store().load(&VIDEOPORT).unwrap();
    assert_eq!(stored.revision, last_revision);
    assert_eq!(
        stored.records.option(Scope::Common, "ServerPort"),
        Some(last_n.to_string().as_str())
    );
}

#[test]
fn readers_see_whole_revisions_in_memory() {
    hammer(Arc::new(Settings::in_memory()));
}

#[cfg(feature = "sqlite")]
#[test]
fn readers_see_whole_revisions_over_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = module_settings::SqliteStore::open(dir.path().join("bitrix.sqlite")).unwrap();
    hammer(Arc::new(Settings::new(store)));
}

#[cfg(feature = "sqlite")]
#[test]
fn two_facades_over_one_sqlite_file_lose_nothing() {
    use module_settings::SqliteStore;

    const WRITES: u16 = 20;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitrix.sqlite");
    let open = || {
        let store = SqliteStore::open(&path).unwrap();
        Arc::new(
            Settings::builder(store)
                .staleness(Duration::from_millis(50))
                .build()
                .unwrap(),
        )
    };
    let (a, b) = (open(), open());
    let (events_a, events_b) = (a.subscribe(), b.subscribe());

    // A writes the host, B the port: different options, so every write
    // lands even when the other facade committed in between.
    let host_writer = {
        let a = Arc::clone(&a);
        thread::spawn(move || {
            for i in 0..WRITES {
                edit_until_saved(&a, |video| {
                    video.server_host = Some(url::Host::parse(&format!("a{i}.example")).unwrap());
                });
            }
        })
    };
    let port_writer = {
        let b = Arc::clone(&b);
        thread::spawn(move || {
            for i in 0..WRITES {
                edit_until_saved(&b, |video| video.server_port = NonZeroU16::new(1000 + i));
            }
        })
    };
    host_writer.join().unwrap();
    port_writer.join().unwrap();

    let expected_host = format!("a{}.example", WRITES - 1);
    let expected_port = NonZeroU16::new(1000 + WRITES - 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for facade in [&a, &b] {
        loop {
            let video = facade.options::<VideoPort>(Scope::Common).unwrap();
            let host = video.server_host.as_ref().map(ToString::to_string);
            if host.as_deref() == Some(expected_host.as_str()) && video.server_port == expected_port
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never saw the other facade's write"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
    // Nothing lost: one commit per save, one event per commit.
    let revision = a.store().revision(&VIDEOPORT).unwrap();
    assert_eq!(revision, Revision::new(u64::from(WRITES) * 2));
    assert_eq!(events_a.try_iter().count(), usize::from(WRITES));
    assert_eq!(events_b.try_iter().count(), usize::from(WRITES));
}

#[cfg(feature = "sqlite")]
fn edit_until_saved<S: Store>(settings: &Settings<S>, edit: impl Fn(&mut VideoPort)) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
        edit(form.value_mut());
        match settings.save(&admin(), form) {
            Ok(_) => return,
            // A busy database or a lost race with the same option: again.
            Err(err) if err.is_conflict() || matches!(err, SettingsError::Store(_)) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "could not save: {err}"
                );
            }
            Err(err) => panic!("save failed: {err}"),
        }
    }
}
