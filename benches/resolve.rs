//! Access resolution on the compiled index against a hand-written baseline
//! (ARCHITECTURE §6: within 2× of a lookup table at 8 groups, 1,000 grants).
//!
//! Sizes: users in 1, 8 and 32 groups; one module with 10 or 1,000 grants,
//! and 100 modules × 1,000 grants (100,000), where every iteration asks the
//! next module so the tables do not all sit in the cache. Each iteration
//! also asks for the next of 64 users, so no branch pattern is learnt.
//!
//! The baseline is the least a real check can do: a `Vec<u8>` per module
//! indexed by group id (`rank + 1`, 0 = no grant), max over the user's
//! groups, falling back to the default.
//!
//! Run: `cargo bench --bench resolve`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use module_settings::{
    AccessLevel, CompiledRights, GroupId, ModuleId, ModuleLevels, ModuleRights, ResolveOptions,
    Scope, SiteId,
};

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
    match best {
        0 => default,
        code => AccessLevel::from_rank(code - 1).unwrap_or(AccessLevel::D),
    }
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

    // Group ids far apart: the hashed table layout.
    let mut rng = Rng(42);
    let mut sparse =
        ModuleRights::new(ModuleId::from_static("sparse"), ModuleLevels::B24_CONNECTOR);
    let ids: Vec<u32> = (0..1000).map(|_| 1 + rng.below(u32::MAX - 1)).collect();
    for (k, &id) in ids.iter().enumerate() {
        sparse
            .grant(Scope::Common, gid(id), AccessLevel::ALL[k % 4])
            .expect("accepted");
    }
    let sparse = sparse.compile(ResolveOptions::new());
    let sparse_users: Vec<Vec<GroupId>> = (0..USERS)
        .map(|u| {
            (0..8)
                .map(|k| {
                    if k % 2 == 0 {
                        gid(ids[(u * 8 + k) % ids.len()])
                    } else {
                        gid(1 + rng.below(u32::MAX - 1))
                    }
                })
                .collect()
        })
        .collect();
    group.bench_function("compiled sparse ids/8 groups, 1000 grants", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = i.wrapping_add(1);
            sparse.resolve(black_box(&sparse_users[i % USERS]), Scope::Common)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_resolve);
criterion_main!(benches);
