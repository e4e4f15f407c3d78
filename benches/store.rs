//! Storage figures: a ten-option settings form committed, one module
//! loaded and a big module's revision read, for each backend; a cold load
//! of 100 modules × 50 options × 1,000 grants from SQLite; and the worst
//! wait of a commit while two SQLite writers commit at once. Targets: SQLite
//! commit ≤ 2 ms median, that cold load ≤ 200 ms.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use module_settings::store::{Change, Revision};
use module_settings::{
    AccessLevel, FileStore, GroupId, MemoryStore, ModuleId, OptionName, Scope, SiteId, SqliteStore,
    Store,
};

const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

/// VideoPort's settings tab: the ten fields of the form.
fn form(round: u64) -> Vec<Change> {
    let flag = |on: bool| if on { "Y" } else { "N" }.to_owned();
    let odd = round % 2 == 1;
    [
        ("ServerHost", format!("vcs{round}.example.com")),
        ("ServerPort", (8000 + round % 1000).to_string()),
        ("SecretCode", format!("guest-key-{round}")),
        ("window_main", flag(true)),
        ("window_chat", flag(odd)),
        ("window_members", flag(!odd)),
        ("window_settings", flag(true)),
        ("window_info", flag(odd)),
        ("window_self_camera", flag(false)),
        ("window_show_invite", flag(true)),
    ]
    .into_iter()
    .map(|(name, value)| Change::SetOption {
        scope: Scope::Common,
        name: OptionName::new(name).unwrap(),
        value,
    })
    .collect()
}

/// A module as an admin page loads it: the form, a site override, a
/// default and twenty grants.
fn filled_module() -> Vec<Change> {
    let mut batch = form(0);
    batch.push(Change::SetOption {
        scope: Scope::Site(SiteId::from_static("s1")),
        name: OptionName::from_static("ServerHost"),
        value: "vcs-s1.example.com".into(),
    });
    batch.push(Change::SetDefault {
        scope: Scope::Common,
        level: AccessLevel::R,
    });
    for group in 1..=20 {
        batch.push(Change::SetGrant {
            scope: Scope::Common,
            group: GroupId::new(group).unwrap(),
            level: AccessLevel::ALL[group as usize % 4],
        });
    }
    batch
}

fn backends(dir: &std::path::Path) -> Vec<(&'static str, Box<dyn Store>)> {
    vec![
        ("memory", Box::new(MemoryStore::new())),
        (
            "file",
            Box::new(FileStore::open(dir.join("files")).unwrap()),
        ),
        (
            "sqlite",
            Box::new(SqliteStore::open(dir.join("bench.sqlite")).unwrap()),
        ),
    ]
}

fn commit_form(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("commit_ten_option_form");
    for (name, store) in backends(dir.path()) {
        let mut revision = store.revision(&VIDEOPORT).unwrap();
        let mut round = 0;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                round += 1;
                revision = store.commit(&VIDEOPORT, revision, &form(round)).unwrap();
            })
        });
    }
    group.finish();
}

fn load_module(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("load_one_module");
    for (name, store) in backends(dir.path()) {
        store
            .commit(&VIDEOPORT, Revision::ZERO, &filled_module())
            .unwrap();
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(store.load(black_box(&VIDEOPORT)).unwrap()))
        });
    }
    group.finish();
}

/// `revision` is what a cache calls before every read to see whether its
/// copy is stale, so it must not grow with the module: measured on a module
/// with the form and 1,000 grants (about 20 KB as a JSON file).
///
/// The file store trusts a file's metadata only once its last change is
/// three seconds old, and reads and fingerprints the bytes on every call
/// before that: its row waits that long after the commit and measures the
/// settled case; `file_within_3_s_of_a_change` measures the other.
fn revision_of_big_module(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("revision_of_module_with_1000_grants");
    for (name, store) in backends(dir.path()) {
        let revision = store
            .commit(&VIDEOPORT, Revision::ZERO, &big_module())
            .unwrap();
        if name == "file" {
            std::thread::sleep(FILE_SETTLES);
        }
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| black_box(store.revision(black_box(&VIDEOPORT)).unwrap()))
        });
        if name == "file" {
            file_within_3_s_of_a_change(&mut group, store.as_ref(), revision);
        }
    }
    group.finish();
}

/// How long the file store takes to trust a file's metadata, and a little.
const FILE_SETTLES: Duration = Duration::from_millis(3_100);

/// Each sample starts with a commit (not timed) that changes one grant, so
/// every timed call falls within three seconds of a change: the first
/// decodes the new bytes, the others read and fingerprint them.
fn file_within_3_s_of_a_change(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    store: &dyn Store,
    mut revision: Revision,
) {
    group.bench_function("file_within_3_s_of_a_change", |b| {
        b.iter_custom(|iters| {
            let level = AccessLevel::ALL[usize::try_from(revision.get() % 4).unwrap()];
            let change = Change::SetGrant {
                scope: Scope::Common,
                group: GroupId::new(1).unwrap(),
                level,
            };
            revision = store.commit(&VIDEOPORT, revision, &[change]).unwrap();
            let started = std::time::Instant::now();
            for _ in 0..iters {
                black_box(store.revision(black_box(&VIDEOPORT)).unwrap());
            }
            started.elapsed()
        })
    });
}

/// The form and 1,000 grants.
fn big_module() -> Vec<Change> {
    let mut batch = filled_module();
    for g in 21..=GRANTS {
        batch.push(Change::SetGrant {
            scope: Scope::Common,
            group: GroupId::new(g).unwrap(),
            level: AccessLevel::ALL[g as usize % 4],
        });
    }
    batch
}

const MODULES: usize = 100;
const OPTIONS: usize = 50;
const GRANTS: u32 = 1_000;

/// Builds the big database once: 100 modules, each with 50 options and
/// 1,000 grants (spread over the common scope and two sites).
fn big_database(path: &std::path::Path) {
    let store = SqliteStore::open(path).unwrap();
    let sites = [
        Scope::Common,
        Scope::Site(SiteId::from_static("s1")),
        Scope::Site(SiteId::from_static("s2")),
    ];
    for m in 0..MODULES {
        let module = ModuleId::new(&format!("module_{m:03}")).unwrap();
        let mut batch = Vec::new();
        for o in 0..OPTIONS {
            batch.push(Change::SetOption {
                scope: sites[o % 3],
                name: OptionName::new(&format!("option_{o:02}")).unwrap(),
                value: format!("value {o} of module {m}"),
            });
        }
        batch.push(Change::SetDefault {
            scope: Scope::Common,
            level: AccessLevel::R,
        });
        for g in 1..=GRANTS {
            batch.push(Change::SetGrant {
                scope: sites[g as usize % 3],
                group: GroupId::new(g).unwrap(),
                level: AccessLevel::ALL[g as usize % 4],
            });
        }
        store.commit(&module, Revision::ZERO, &batch).unwrap();
    }
}

fn sqlite_cold_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sqlite");
    big_database(&path);
    let mut group = c.benchmark_group("sqlite");
    group.sample_size(10);
    group.bench_function("cold_load_100_modules_x_50_options_x_1000_grants", |b| {
        b.iter(|| {
            let store = SqliteStore::open(&path).unwrap();
            let modules = store.modules().unwrap();
            assert_eq!(modules.len(), MODULES);
            for module in &modules {
                black_box(store.load(module).unwrap());
            }
        })
    });
    // What a connection per call would add to every call.
    group.sample_size(50);
    group.bench_function("open_store_on_existing_file", |b| {
        b.iter(|| black_box(SqliteStore::open(&path).unwrap()))
    });
    group.finish();
}

/// Two `SqliteStore`s on one file, each in its own thread, commit a
/// one-grant batch to a module of their own as fast as they can, `iters`
/// times each; the figure is the longest one commit took, waiting for the
/// other writer included. Criterion divides what a sample returns by its
/// iterations, so the sample returns that worst time `iters` times over:
/// the reported time per iteration is the worst commit of the sample.
fn sqlite_two_writers_worst_commit(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("writers.sqlite");
    let writers = [
        (
            SqliteStore::open(&path).unwrap(),
            ModuleId::from_static("writer_a"),
        ),
        (
            SqliteStore::open(&path).unwrap(),
            ModuleId::from_static("writer_b"),
        ),
    ];
    let mut group = c.benchmark_group("sqlite");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("worst_commit_wait_with_2_writers", |b| {
        b.iter_custom(|iters| {
            let start = Barrier::new(writers.len());
            let worst = std::thread::scope(|scope| {
                let threads: Vec<_> = writers
                    .iter()
                    .map(|(store, module)| {
                        let start = &start;
                        scope.spawn(move || {
                            let mut revision = store.revision(module).unwrap();
                            let mut worst = Duration::ZERO;
                            start.wait();
                            for round in 0..iters {
                                let level = AccessLevel::ALL[round as usize % 4];
                                let grant = Change::SetGrant {
                                    scope: Scope::Common,
                                    group: GroupId::new(5).unwrap(),
                                    level,
                                };
                                let began = Instant::now();
                                revision = store.commit(module, revision, &[grant]).unwrap();
                                worst = worst.max(began.elapsed());
                            }
                            worst
                        })
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|thread| thread.join().unwrap())
                    .max()
                    .unwrap_or_default()
            });
            worst * u32::try_from(iters).unwrap_or(u32::MAX)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = commit_form, load_module, revision_of_big_module, sqlite_cold_load,
        sqlite_two_writers_worst_commit
}
criterion_main!(benches);
