//! The facade's hot path (ARCHITECTURE §6: a cached typed read and an
//! access check through the facade, ≤ 100 ns median each).
//!
//! - `options::<VideoPort>` in the common scope, in a site with values of
//!   its own, and in a site without (which shares the common value);
//! - `check` and `can` on `video` for a user in 8 groups, 1,000 grants;
//! - the registry scan: `check` on a module registered 20 places later;
//! - for scale: the same check on the compiled rights directly (what the
//!   facade adds is the difference), `Instant::now` (the staleness test
//!   reads the clock once per call), and a read with `Duration::ZERO`
//!   staleness, which asks the store for the revision every time;
//! - scaling: `can` and `options` called by 1 and 2 threads at once on the
//!   same module, as time per call in each thread (equal to the
//!   single-thread figure when readers do not slow each other down).
//!
//! Run: `cargo bench --bench facade`.

use std::hint::black_box;
use std::num::NonZeroU16;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use module_settings::access::{CompiledRights, ModuleLevels, ModuleRights, ResolveOptions};
use module_settings::modules::VideoPort;
use module_settings::settings::{Actor, Settings};
use module_settings::store::Change;
use module_settings::{AccessLevel, GroupId, MemoryStore, ModuleId, Scope, SiteId, Store};

const VIDEO: ModuleId = ModuleId::from_static("video");
const S1: SiteId = SiteId::from_static("s1");
const USERS: usize = 64;
const EXTRA_MODULES: usize = 20;

fn gid(id: u32) -> GroupId {
    GroupId::new(id).expect("ids start at 1")
}

/// 64 users in 8 groups each: group 2 plus seven from the granted range.
fn users() -> Vec<Vec<GroupId>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 32) as u32
    };
    (0..USERS)
        .map(|_| {
            let mut groups = vec![GroupId::EVERYONE];
            groups.extend((0..7).map(|_| gid(3 + next() % 1500)));
            groups
        })
        .collect()
}

fn extra_module(i: usize) -> ModuleId {
    ModuleId::new(&format!("extra{i}")).expect("valid id")
}

/// A facade with the video module's rights (default R, 1,000 grants, a
/// site grant), VideoPort set in common and in s1, and 20 more rights
/// modules registered after the seeds.
fn facade(staleness: Duration) -> Settings<MemoryStore> {
    let mut builder = Settings::builder(MemoryStore::new()).staleness(staleness);
    for i in 0..EXTRA_MODULES {
        builder = builder.register_rights(extra_module(i), ModuleLevels::B24_CONNECTOR);
    }
    let settings = builder.build().expect("registrations agree");
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    for module in [VIDEO, extra_module(EXTRA_MODULES - 1)] {
        let mut tab = settings.access_tab(module).expect("registered");
        tab.set_default(Scope::Common, AccessLevel::R)
            .expect("accepted");
        for k in 0..1000u32 {
            let level = [AccessLevel::D, AccessLevel::R, AccessLevel::W][k as usize % 3];
            tab.set_grant(Scope::Common, gid(3 + k * 3 / 2), level)
                .expect("accepted");
        }
        tab.set_grant(Scope::Site(S1), gid(5), AccessLevel::W)
            .expect("accepted");
        settings.apply_access_tab(&admin, tab).expect("admin");
    }
    for (scope, port) in [(Scope::Common, 8000), (Scope::Site(S1), 8443)] {
        let mut form = settings.edit::<VideoPort>(scope).expect("decodes");
        form.value_mut().server_host = Some(url::Host::parse("video.example.com").expect("host"));
        form.value_mut().server_port = NonZeroU16::new(port);
        settings.save(&admin, form).expect("admin");
    }
    settings
}

/// The video module's rights, compiled by hand from the same records.
fn compiled_video(
    settings: &Settings<MemoryStore>,
) -> Result<CompiledRights, Box<dyn std::error::Error>> {
    let records = settings.store().load(&VIDEO)?.records;
    let mut rights = ModuleRights::new(VIDEO, ModuleLevels::VIDEO);
    for (scope, level) in records.defaults() {
        rights.set_default(scope, level)?;
    }
    for (scope, group, level) in records.grants() {
        rights.grant(scope, group, level)?;
    }
    Ok(rights.compile(ResolveOptions::new()))
}

fn bench_facade(c: &mut Criterion) {
    let settings = facade(Duration::from_secs(3600));
    let users = users();
    let s9 = Scope::Site(SiteId::from_static("s9"));
    let mut group = c.benchmark_group("facade");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));

    for (label, scope) in [
        ("options common", Scope::Common),
        ("options site s1 (own values)", Scope::Site(S1)),
        ("options site s9 (inherits)", s9),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                settings
                    .options::<VideoPort>(black_box(scope))
                    .expect("decodes")
            })
        });
    }

    group.bench_function("check/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            settings
                .check(VIDEO, black_box(&users[i % USERS]), Scope::Common)
                .expect("registered")
        })
    });
    group.bench_function("can/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            settings.can(
                VIDEO,
                black_box(&users[i % USERS]),
                Scope::Common,
                AccessLevel::W,
            )
        })
    });
    group.bench_function("check site s1/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            settings
                .check(VIDEO, black_box(&users[i % USERS]), S1)
                .expect("registered")
        })
    });
    let last = extra_module(EXTRA_MODULES - 1);
    group.bench_function("check on the 23rd registered module", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            settings
                .check(black_box(last), black_box(&users[i % USERS]), Scope::Common)
                .expect("registered")
        })
    });

    // For scale.
    let compiled = compiled_video(&settings).expect("rights rebuild");
    group.bench_function("compiled explain directly/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            compiled.explain(black_box(&users[i % USERS]), Scope::Common)
        })
    });
    group.bench_function("Instant::now", |b| b.iter(Instant::now));

    let zero = facade(Duration::ZERO);
    group.bench_function("options common, staleness zero (memory store)", |b| {
        b.iter(|| {
            zero.options::<VideoPort>(black_box(Scope::Common))
                .expect("decodes")
        })
    });
    group.finish();
}

/// `threads` threads each run `op` `iters` times, all at once; the time
/// from a common start to the last one's end, per call of one thread.
fn per_thread_call(threads: usize, iters: u64, op: &(dyn Fn(usize) + Sync)) -> Duration {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let start = &start;
            scope.spawn(move || {
                start.wait();
                for i in 0..iters {
                    op(t.wrapping_mul(31).wrapping_add(i as usize));
                }
            });
        }
        start.wait();
        let began = Instant::now();
        // The scope joins every thread before it returns.
        began
    })
    .elapsed()
}

fn bench_scaling(c: &mut Criterion) {
    let settings = facade(Duration::from_secs(3600));
    let users = users();
    let mut group = c.benchmark_group("facade scaling");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for threads in [1usize, 2] {
        group.bench_function(format!("can/{threads} threads"), |b| {
            let op = |i: usize| {
                black_box(settings.can(
                    VIDEO,
                    black_box(&users[i % USERS]),
                    Scope::Common,
                    AccessLevel::W,
                ));
            };
            b.iter_custom(|iters| per_thread_call(threads, iters, &op))
        });
        group.bench_function(format!("options common/{threads} threads"), |b| {
            let op = |_: usize| {
                black_box(
                    settings
                        .options::<VideoPort>(black_box(Scope::Common))
                        .expect("decodes")
                        .server_port,
                );
            };
            b.iter_custom(|iters| per_thread_call(threads, iters, &op))
        });
        group.bench_function(format!("with_options common/{threads} threads"), |b| {
            let op = |_: usize| {
                black_box(
                    settings
                        .with_options(black_box(Scope::Common), |video: &VideoPort| {
                            video.server_port
                        })
                        .expect("decodes"),
                );
            };
            b.iter_custom(|iters| per_thread_call(threads, iters, &op))
        });
    }
    group.finish();
}

/// A facade with `modules` rights modules registered; the first and the
/// last get the 1,000-grant table.
fn facade_of(modules: usize) -> (Settings<MemoryStore>, ModuleId, ModuleId) {
    let mut builder = Settings::builder(MemoryStore::new()).staleness(Duration::from_secs(3600));
    for i in 0..modules {
        builder = builder.register_rights(extra_module(i), ModuleLevels::VIDEO);
    }
    let settings = builder.build().expect("registrations agree");
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    let (first, last) = (extra_module(0), extra_module(modules - 1));
    for module in [first, last] {
        let mut tab = settings.access_tab(module).expect("registered");
        tab.set_default(Scope::Common, AccessLevel::R)
            .expect("accepted");
        for k in 0..1000u32 {
            let level = [AccessLevel::D, AccessLevel::R, AccessLevel::W][k as usize % 3];
            tab.set_grant(Scope::Common, gid(3 + k * 3 / 2), level)
                .expect("accepted");
        }
        settings.apply_access_tab(&admin, tab).expect("admin");
    }
    (settings, first, last)
}

/// What the facade adds to the compiled index: `can` through the facade
/// against `can` on the same compiled rights, with 50 and 1,000 modules
/// registered, on the first and the last of them (the lookup must not
/// depend on the position).
fn bench_facade_vs_compiled(c: &mut Criterion) {
    let users = users();
    let mut group = c.benchmark_group("facade vs compiled");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for modules in [50usize, 1000] {
        let (settings, first, last) = facade_of(modules);
        for (position, module) in [("first", first), ("last", last)] {
            group.bench_function(format!("facade can/{modules} modules, {position}"), |b| {
                let mut i = 0usize;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    settings.can(
                        black_box(module),
                        black_box(&users[i % USERS]),
                        Scope::Common,
                        AccessLevel::W,
                    )
                })
            });
        }
        if modules == 50 {
            let records = settings.store().load(&first).expect("loads").records;
            let mut rights = ModuleRights::new(first, ModuleLevels::VIDEO);
            for (scope, level) in records.defaults() {
                rights.set_default(scope, level).expect("accepted");
            }
            for (scope, group, level) in records.grants() {
                rights.grant(scope, group, level).expect("accepted");
            }
            let compiled = rights.compile(ResolveOptions::new());
            group.bench_function("compiled can/8 groups, 1000 grants", |b| {
                let mut i = 0usize;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    compiled.can(black_box(&users[i % USERS]), Scope::Common, AccessLevel::W)
                })
            });
        }
    }
    group.finish();
}

/// One grant changed through the facade's Access tab in a module with
/// 100,000 grants: what a write costs beyond the store, when only one
/// record of a large module changes.
fn bench_one_grant_write(c: &mut Criterion) {
    let big = extra_module(0);
    let settings = Settings::builder(MemoryStore::new())
        .staleness(Duration::from_secs(3600))
        .register_rights(big, ModuleLevels::VIDEO)
        .build()
        .expect("registrations agree");
    let grants: Vec<Change> = (0..100_000u32)
        .map(|k| Change::SetGrant {
            scope: Scope::Common,
            group: gid(3 + k),
            level: [AccessLevel::D, AccessLevel::R, AccessLevel::W][k as usize % 3],
        })
        .collect();
    settings
        .store()
        .commit(&big, module_settings::store::Revision::ZERO, &grants)
        .expect("commits");
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    let mut group = c.benchmark_group("facade write");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_millis(500));
    let mut flip = false;
    group.bench_function("one grant in a 100,000-grant module", |b| {
        b.iter(|| {
            flip = !flip;
            let level = if flip { AccessLevel::W } else { AccessLevel::R };
            let mut tab = settings.access_tab(big).expect("registered");
            tab.set_grant(Scope::Common, gid(7), level)
                .expect("accepted");
            settings.apply_access_tab(&admin, tab).expect("admin")
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_facade,
    bench_facade_vs_compiled,
    bench_scaling,
    bench_one_grant_write
);
criterion_main!(benches);
