//! Storage figures: a ten-option settings form committed, one module
//! loaded and a big module's revision read, for each backend; a cold load
//! of 100 modules × 50 options × 1,000 grants from SQLite; and the worst
//! wait of a commit while two SQLite writers commit at once. Targets: SQLite
//! commit ≤ 2 ms median, that cold load ≤ 200 ms.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

mod common;

use common::{big_database, big_module, filled_module, form, MODULES, VIDEOPORT};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use module_settings::store::{Change, Revision};
use module_settings::{
    AccessLevel, FileStore, GroupId, MemoryStore, ModuleId, Scope, SqliteStore, Store,
};

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

fn sqlite_cold_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.sqlite");
    big_database(&SqliteStore::open(&path).unwrap());
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
