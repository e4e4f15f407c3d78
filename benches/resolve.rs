//! Access resolution on the compiled index against hand-written baselines
//! (within 2× of a lookup table at 8 groups, 1,000 grants), and what one
//! change to the rights costs.
//!
//! `access resolution`: users in 1, 8 and 32 groups; one module with 10 or
//! 1,000 grants, and 100 modules × 1,000 grants (100,000), where every
//! iteration asks the next module so the tables do not all sit in the
//! cache. Each iteration also asks for the next of 64 users. The baseline
//! is the least a real check can do: a `Vec<u8>` per module indexed by
//! group id (`rank + 1`, 0 = no grant), max over the user's groups, falling
//! back to the default.
//!
//! `id layouts`: the same question at 8 groups and 1,000 grants with group
//! ids small, in a high run, in two ranges far apart, and anywhere in
//! `u32`; against an array indexed by `id - lowest` where ids are close
//! together, and a `HashMap` with a fast hasher everywhere (see
//! [`bench_layouts`]).
//!
//! `one change, 100000 grants`: a compile from scratch against
//! `CompiledRights::with_changes` with one changed grant (see
//! [`bench_changes`]).
//!
//! `group directory`: the hidden cost of inactive groups on the hot path —
//! `can` at 8 groups and 1,000 grants compiled without a directory and with
//! one of 1,000 groups, 10 % of them inactive, on the same users; and what
//! switching one group costs, folded in or compiled anew (see
//! [`bench_directory`]).
//!
//! Run: `cargo bench --bench resolve`.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use module_settings::access::{CompiledRights, ModuleLevels, ModuleRights, ResolveOptions};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::store::Change;
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

const USERS: usize = 64;
const SITE: SiteId = SiteId::from_static("s1");

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

fn gid(id: u32) -> GroupId {
    GroupId::new(id).expect("ids start at 1")
}

/// One module's rights: `grants` grants to groups `2..` spread over
/// `1.5 × grants` ids, most common, some on site s1; default R.
fn module_rights(index: usize, grants: u32, spread: u32, rng: &mut Rng) -> ModuleRights {
    let module = ModuleId::new(&format!("module{index}")).expect("valid id");
    let mut rights = ModuleRights::new(module, ModuleLevels::B24_CONNECTOR);
    rights
        .set_default(Scope::Common, AccessLevel::R)
        .expect("accepted");
    let mut added = 0;
    while added < grants {
        let id = 2 + rng.below(spread.max(grants + grants / 2));
        let scope = if rng.below(10) == 0 {
            Scope::Site(SITE)
        } else {
            Scope::Common
        };
        let level = AccessLevel::ALL[rng.below(4) as usize];
        if rights.grant_of(scope, gid(id)).is_none() {
            rights.grant(scope, gid(id), level).expect("accepted");
            added += 1;
        }
    }
    rights
}

/// The baseline's table for one module: common grants only, as the
/// baseline answers the common scope.
fn baseline_table(rights: &ModuleRights) -> Vec<u8> {
    let max = rights.grants().map(|g| g.group.get()).max().unwrap_or(0);
    let mut table = vec![0u8; max as usize + 1];
    for grant in rights.grants_in(Scope::Common) {
        table[grant.group.get() as usize] = grant.level.rank() + 1;
    }
    table
}

#[inline]
fn baseline_resolve(table: &[u8], default: AccessLevel, groups: &[GroupId]) -> AccessLevel {
    let mut best = 0u8;
    for g in groups {
        best = best.max(table.get(g.get() as usize).copied().unwrap_or(0));
    }
    level_or(best, default)
}

/// `USERS` users of `n` groups each, drawn from the same id range as the
/// grants (so some groups are granted and some are not), always with
/// group 2 ("everyone").
fn users(n: usize, spread: u32, rng: &mut Rng) -> Vec<Vec<GroupId>> {
    (0..USERS)
        .map(|_| {
            let mut groups = vec![GroupId::EVERYONE];
            while groups.len() < n {
                groups.push(gid(3 + rng.below(spread)));
            }
            groups
        })
        .collect()
}

struct Fixture {
    label: &'static str,
    compiled: Vec<CompiledRights>,
    tables: Vec<Vec<u8>>,
}

fn fixture(label: &'static str, modules: usize, grants: u32, spread: u32) -> Fixture {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ grants as u64);
    let rights: Vec<ModuleRights> = (0..modules)
        .map(|i| module_rights(i, grants, spread, &mut rng))
        .collect();
    Fixture {
        label,
        compiled: rights
            .iter()
            .map(|r| r.compile(ResolveOptions::new()))
            .collect(),
        tables: rights.iter().map(baseline_table).collect(),
    }
}

fn bench_resolve(c: &mut Criterion) {
    let fixtures = [
        fixture("10 grants", 1, 10, 15),
        fixture("1000 grants", 1, 1000, 1500),
        fixture("100000 grants (100 modules)", 100, 1000, 1500),
    ];
    let mut group = c.benchmark_group("access resolution");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));

    for fixture in &fixtures {
        let spread = fixture.tables[0].len() as u32;
        for n in [1usize, 8, 32] {
            let users = users(n, spread, &mut Rng(n as u64 * 7919 + 1));
            let param = format!("{n} groups, {}", fixture.label);
            let modules = fixture.compiled.len();

            group.bench_with_input(BenchmarkId::new("compiled", &param), &users, |b, users| {
                let mut i = 0usize;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    let rights = &fixture.compiled[i % modules];
                    rights.resolve(black_box(&users[i % USERS]), Scope::Common)
                })
            });
            group.bench_with_input(BenchmarkId::new("baseline", &param), &users, |b, users| {
                let mut i = 0usize;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    let table = &fixture.tables[i % modules];
                    baseline_resolve(table, AccessLevel::R, black_box(&users[i % USERS]))
                })
            });
        }
    }

    // The other questions, at the size the target names.
    let fixture = &fixtures[1];
    let users = users(8, 1500, &mut Rng(8 * 7919 + 1));
    let rights = &fixture.compiled[0];
    group.bench_function("explain/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            rights.explain(black_box(&users[i % USERS]), Scope::Common)
        })
    });
    group.bench_function("compiled site s1/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            rights.resolve(black_box(&users[i % USERS]), SITE)
        })
    });

    group.finish();
}

/// Draws a group id of some layout.
type Ids = fn(&mut Rng) -> u32;

/// How group ids are laid out: a name and a generator of ids.
struct Layout {
    name: &'static str,
    id: Ids,
    /// Whether a hand-written array indexed by `id - lowest` stays small.
    dense: bool,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        name: "small ids",
        id: |rng| 2 + rng.below(1500),
        dense: true,
    },
    Layout {
        name: "clustered high ids",
        id: |rng| 1_000_000 + rng.below(1500),
        dense: true,
    },
    Layout {
        name: "two ranges",
        // Internal groups numbered from 2, extranet groups from 10^9.
        id: |rng| match rng.below(2) {
            0 => 2 + rng.below(750),
            _ => 1_000_000_000 + rng.below(750),
        },
        dense: false,
    },
    Layout {
        name: "ids over u32",
        id: |rng| 1 + rng.below(u32::MAX - 1),
        dense: false,
    },
];

/// A fast multiplicative hasher (rustc's Fx), so the hash-map baseline
/// costs what a hand-written one would.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap = HashMap<u32, u8, BuildHasherDefault<FxHasher>>;

/// Users per layout: too many for a branch predictor to learn their
/// groups, as 64 users asked in turn can be learnt.
const LAYOUT_USERS: usize = 4096;

/// The next user, in an order that repeats only after 2^64 calls.
#[inline]
fn next_user(state: &mut u64) -> usize {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    (*state >> 52) as usize % LAYOUT_USERS
}

/// Every layout at the target size, 8 groups per user and 1,000 common
/// grants, against two hand-written baselines: an array indexed by
/// `id - lowest granted id` (only where ids are close together, as a
/// hand-written table could not be otherwise) and a `HashMap` with a fast
/// hasher (any layout). Users list group 2 and seven ids of the same
/// layout, half of them granted; each iteration asks a user drawn at random
/// from 4,096, so neither side profits from a learnt branch pattern.
///
/// Site s1 has 100 grants of its own (to granted groups of the layout), so
/// the `compiled site s1` rows read a site table over the common one.
fn bench_layouts(c: &mut Criterion) {
    let mut group = c.benchmark_group("id layouts");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for layout in &LAYOUTS {
        let mut rng = Rng(0x5EED ^ layout.name.len() as u64);
        let mut rights =
            ModuleRights::new(ModuleId::from_static("layout"), ModuleLevels::B24_CONNECTOR);
        rights
            .set_default(Scope::Common, AccessLevel::R)
            .expect("accepted");
        let mut granted = Vec::new();
        while granted.len() < 1000 {
            let id = (layout.id)(&mut rng);
            if rights.grant_of(Scope::Common, gid(id)).is_none() {
                let level = AccessLevel::ALL[rng.below(4) as usize];
                rights
                    .grant(Scope::Common, gid(id), level)
                    .expect("accepted");
                granted.push(id);
            }
        }
        for &id in granted.iter().step_by(10) {
            let level = AccessLevel::ALL[rng.below(4) as usize];
            rights
                .grant(Scope::Site(SITE), gid(id), level)
                .expect("accepted");
        }
        let compiled = rights.compile(ResolveOptions::new());
        let map: FxMap = rights
            .grants_in(Scope::Common)
            .map(|g| (g.group.get(), g.level.rank() + 1))
            .collect();
        let lowest = granted.iter().copied().min().expect("granted");
        let users: Vec<Vec<GroupId>> = (0..LAYOUT_USERS)
            .map(|_| {
                let mut groups = vec![GroupId::EVERYONE];
                while groups.len() < 8 {
                    let id = match rng.below(2) {
                        0 => granted[rng.below(granted.len() as u32) as usize],
                        _ => (layout.id)(&mut rng),
                    };
                    groups.push(gid(id));
                }
                groups
            })
            .collect();

        group.bench_function(BenchmarkId::new("compiled", layout.name), |b| {
            let mut state = 1u64;
            b.iter(|| {
                let user = &users[next_user(&mut state)];
                compiled.resolve(black_box(user), Scope::Common)
            })
        });
        group.bench_function(BenchmarkId::new("compiled site s1", layout.name), |b| {
            let mut state = 1u64;
            b.iter(|| {
                let user = &users[next_user(&mut state)];
                compiled.resolve(black_box(user), SITE)
            })
        });
        if layout.dense {
            let span = granted.iter().max().expect("granted") - lowest + 1;
            let mut table = vec![0u8; span as usize];
            for (&id, &code) in &map {
                table[(id - lowest) as usize] = code;
            }
            group.bench_function(BenchmarkId::new("baseline table", layout.name), |b| {
                let mut state = 1u64;
                b.iter(|| {
                    let groups = black_box(&users[next_user(&mut state)]);
                    let mut best = 0u8;
                    for g in groups {
                        let slot = g.get().wrapping_sub(lowest) as usize;
                        best = best.max(table.get(slot).copied().unwrap_or(0));
                    }
                    level_or(best, AccessLevel::R)
                })
            });
        }
        group.bench_function(BenchmarkId::new("baseline hashmap", layout.name), |b| {
            let mut state = 1u64;
            b.iter(|| {
                let groups = black_box(&users[next_user(&mut state)]);
                let mut best = 0u8;
                for g in groups {
                    best = best.max(map.get(&g.get()).copied().unwrap_or(0));
                }
                level_or(best, AccessLevel::R)
            })
        });
    }
    group.finish();
}

/// One change to a module of 100,000 grants (90 % common, 10 % on site
/// s1): compiled from scratch, against `CompiledRights::with_changes` with
/// one grant — a group that has one in the common scope, a group new to
/// the common scope, a group far from all others (the common table is laid
/// out anew), and a grant on site s1 (only the site's table changes). The
/// new-group rows cycle through 64 ids, so they average what lands in
/// place and what does not.
fn bench_changes(c: &mut Criterion) {
    let mut group = c.benchmark_group("one change, 100000 grants");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    let layouts: [(&str, Ids); 2] = [
        ("small ids", |rng| 2 + rng.below(150_000)),
        ("ids over u32", |rng| 1 + rng.below(u32::MAX - 1)),
    ];
    for (name, id) in layouts {
        let mut rng = Rng(0x00C4_A76E ^ name.len() as u64);
        let mut rights =
            ModuleRights::new(ModuleId::from_static("big"), ModuleLevels::B24_CONNECTOR);
        let mut common = Vec::new();
        while rights.grant_count() < 100_000 {
            let group = gid(id(&mut rng));
            let scope = if rng.below(10) == 0 {
                Scope::Site(SITE)
            } else {
                Scope::Common
            };
            let level = AccessLevel::ALL[rng.below(4) as usize];
            if rights
                .grant(scope, group, level)
                .expect("accepted")
                .is_none()
                && scope == Scope::Common
            {
                common.push(group);
            }
        }
        let new_groups: Vec<GroupId> = std::iter::from_fn(|| Some(gid(id(&mut rng))))
            .filter(|&g| rights.grant_of(Scope::Common, g).is_none())
            .take(64)
            .collect();
        let options = ResolveOptions::new();
        let compiled = rights.compile(options.clone());
        let set = |group: GroupId, scope: Scope, i: usize| Change::SetGrant {
            scope,
            group,
            level: AccessLevel::ALL[i % 4],
        };

        group.bench_function(BenchmarkId::new("compile", name), |b| {
            b.iter(|| black_box(&rights).compile(options.clone()))
        });
        group.bench_function(BenchmarkId::new("one grant changed", name), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = i.wrapping_add(1);
                let change = set(common[i % common.len()], Scope::Common, i);
                compiled.with_changes([&change]).expect("accepted")
            })
        });
        group.bench_function(BenchmarkId::new("one group added", name), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = i.wrapping_add(1);
                let change = set(new_groups[i % new_groups.len()], Scope::Common, i);
                compiled.with_changes([&change]).expect("accepted")
            })
        });
        group.bench_function(BenchmarkId::new("one group added far away", name), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = i.wrapping_add(1);
                let far = gid(u32::MAX - (i % 64) as u32);
                compiled
                    .with_changes([&set(far, Scope::Common, i)])
                    .expect("accepted")
            })
        });
        group.bench_function(BenchmarkId::new("one site grant", name), |b| {
            let mut i = 0usize;
            b.iter(|| {
                i = i.wrapping_add(1);
                let change = set(common[i % common.len()], Scope::Site(SITE), i);
                compiled.with_changes([&change]).expect("accepted")
            })
        });
    }
    group.finish();
}

/// A directory of groups 1–1,000, every tenth inactive — and, when given,
/// `also_off` too.
fn directory(also_off: Option<u32>) -> GroupDirectory {
    GroupDirectory::new((1..=1000u32).map(|id| {
        let off = id % 10 == 0 || Some(id) == also_off;
        Group::new(gid(id), format!("group {id}")).with_active(!off)
    }))
    .expect("ids are distinct")
}

/// `can` on 1,000 common grants over ids 2–1,501 (default R), for users of
/// 8 groups — group 2 and seven ids of the same range, half of them
/// granted, about a tenth of those inactive — drawn at random from 4,096:
/// compiled without a directory, and with [`directory`]. The same users,
/// the same rights; the difference is what inactive groups cost a check.
///
/// Then one group switched off in a directory already folded in:
/// `CompiledRights::with_groups` against `ModuleRights::compile_with`.
fn bench_directory(c: &mut Criterion) {
    let mut group = c.benchmark_group("group directory");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let mut rng = Rng(0xD1EC_7041);
    let mut rights =
        ModuleRights::new(ModuleId::from_static("groups"), ModuleLevels::B24_CONNECTOR);
    rights
        .set_default(Scope::Common, AccessLevel::R)
        .expect("accepted");
    let mut granted = Vec::new();
    while granted.len() < 1000 {
        let id = 2 + rng.below(1500);
        if rights.grant_of(Scope::Common, gid(id)).is_none() {
            let level = AccessLevel::ALL[rng.below(4) as usize];
            rights
                .grant(Scope::Common, gid(id), level)
                .expect("accepted");
            granted.push(id);
        }
    }
    let users: Vec<Vec<GroupId>> = (0..LAYOUT_USERS)
        .map(|_| {
            let mut groups = vec![GroupId::EVERYONE];
            while groups.len() < 8 {
                let id = match rng.below(2) {
                    0 => granted[rng.below(granted.len() as u32) as usize],
                    _ => 2 + rng.below(1500),
                };
                groups.push(gid(id));
            }
            groups
        })
        .collect();
    let groups = directory(None);
    let without = rights.compile(ResolveOptions::new());
    let with = rights.compile_with(ResolveOptions::new(), &groups);

    for (name, compiled) in [
        ("no directory", &without),
        ("1000 groups, 10% inactive", &with),
    ] {
        group.bench_function(BenchmarkId::new("can, 8 groups, 1000 grants", name), |b| {
            let mut state = 1u64;
            b.iter(|| {
                let user = &users[next_user(&mut state)];
                compiled.can(black_box(user), Scope::Common, AccessLevel::W)
            })
        });
    }

    // One more group switched off (a granted one, then another).
    let switched: Vec<GroupDirectory> = granted
        .iter()
        .filter(|&&id| id <= 1000 && id % 10 != 0)
        .take(8)
        .map(|&id| directory(Some(id)))
        .collect();
    group.bench_function("one group switched off/with_groups", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            with.with_groups(&switched[i % switched.len()])
        })
    });
    group.bench_function("one group switched off/compile_with", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            black_box(&rights).compile_with(ResolveOptions::new(), &switched[i % switched.len()])
        })
    });
    group.finish();
}

/// The level of a baseline's best code (`rank + 1`), or `default` for 0.
#[inline]
fn level_or(code: u8, default: AccessLevel) -> AccessLevel {
    match code {
        0 => default,
        code => AccessLevel::from_rank(code - 1).unwrap_or(AccessLevel::D),
    }
}

criterion_group!(
    benches,
    bench_resolve,
    bench_layouts,
    bench_changes,
    bench_directory
);
criterion_main!(benches);
