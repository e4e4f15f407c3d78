//! What a compiled index holds in memory, counted by a counting global
//! allocator (`allocation-counter`, in this bench binary only): the common
//! table of 1,000 grants alone, then with 100 sites of one grant each
//! (site tables are overlays of their own grants, not copies of the common
//! table), and what an index derived by one change holds beside the one it
//! came from (untouched tables are shared).
//!
//! Run: `cargo bench --bench rights_memory` (prints a table; no timing).

use std::hint::black_box;

use module_settings::access::{CompiledRights, ModuleLevels, ModuleRights, ResolveOptions};
use module_settings::store::Change;
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

/// The id of the `i`-th group of a layout.
type Ids = fn(u32) -> u32;

const LAYOUTS: [(&str, Ids); 4] = [
    ("small ids", |i| 2 + i * 3 / 2),
    ("clustered high ids", |i| 1_000_000 + i),
    ("two ranges", |i| match i % 2 {
        0 => 2 + i,
        _ => 1_000_000_000 + i,
    }),
    ("ids over u32", |i| (i + 1).wrapping_mul(2_654_435_761) | 1),
];

fn gid(id: u32) -> GroupId {
    GroupId::new(id).expect("non-zero")
}

/// 1,000 common grants to the groups `ids` yields, and one grant on each
/// of `sites` sites.
fn rights(ids: Ids, sites: u32) -> ModuleRights {
    let mut rights =
        ModuleRights::new(ModuleId::from_static("memory"), ModuleLevels::B24_CONNECTOR);
    for i in 0..1000 {
        let level = AccessLevel::ALL[i as usize % 4];
        rights
            .grant(Scope::Common, gid(ids(i)), level)
            .expect("accepted");
    }
    for s in 0..sites {
        let site = Scope::Site(SiteId::new(&format!("s{s}")).expect("valid site id"));
        rights
            .grant(site, gid(ids(s * 7)), AccessLevel::W)
            .expect("accepted");
    }
    rights
}

/// What `build` leaves allocated: the bytes the value it returns holds.
fn held<T>(build: impl FnOnce() -> T) -> (T, i64) {
    let mut kept = None;
    let info = allocation_counter::measure(|| kept = Some(build()));
    (kept.expect("built"), info.bytes_current)
}

fn main() {
    println!(
        "{:<20} {:>14} {:>22} {:>22} {:>22}",
        "layout", "common table", "+100 one-grant sites", "one common change", "one site change"
    );
    for (name, ids) in LAYOUTS {
        let (alone, common) = held(|| rights(ids, 0).compile(ResolveOptions::new()));
        let many = rights(ids, 100);
        let (compiled, with_sites) = held(|| many.compile(ResolveOptions::new()));
        let change = |scope| Change::SetGrant {
            scope,
            group: gid(ids(3)),
            level: AccessLevel::M,
        };
        let (common_changed, common_extra): (CompiledRights, i64) = held(|| {
            compiled
                .with_changes([&change(Scope::Common)])
                .expect("accepted")
        });
        let site = Scope::Site(SiteId::from_static("s5"));
        let (site_changed, site_extra) =
            held(|| compiled.with_changes([&change(site)]).expect("accepted"));
        println!(
            "{name:<20} {common:>12} B {:>20} B {common_extra:>20} B {site_extra:>20} B",
            with_sites - common
        );
        black_box((alone, compiled, common_changed, site_changed));
    }
}
