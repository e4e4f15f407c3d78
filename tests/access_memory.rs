//! What a compiled index keeps in memory: sites with grants of their own
//! are small overlays on the common grants, not copies of them.
//!
//! `allocation-counter` installs a counting global allocator in this test
//! binary only; what a build leaves allocated is what the index holds.

use std::hint::black_box;

use module_settings::access::{CompiledRights, ModuleLevels, ModuleRights, ResolveOptions};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

/// 1,000 common grants to the groups `ids` yields, and one grant on each of
/// `sites` sites.
fn rights(ids: impl Fn(u32) -> u32, sites: u32) -> ModuleRights {
    let mut rights = ModuleRights::new(
        ModuleId::from_static("b24connector"),
        ModuleLevels::B24_CONNECTOR,
    );
    for i in 0..1000 {
        let group = GroupId::new(ids(i)).expect("non-zero");
        rights
            .grant(Scope::Common, group, AccessLevel::ALL[i as usize % 4])
            .expect("accepted");
    }
    for s in 0..sites {
        let site = SiteId::new(&format!("s{s}")).expect("valid site id");
        let group = GroupId::new(ids(s * 7)).expect("non-zero");
        rights
            .grant(Scope::Site(site), group, AccessLevel::W)
            .expect("accepted");
    }
    rights
}

/// The bytes the compiled index of `rights` holds once built.
fn held_bytes(rights: &ModuleRights) -> i64 {
    let mut kept: Option<CompiledRights> = None;
    let info = allocation_counter::measure(|| {
        kept = Some(rights.compile(ResolveOptions::new()));
    });
    black_box(&kept);
    info.bytes_current
}

#[test]
fn a_hundred_sites_with_one_grant_each_cost_little_above_the_common_table() {
    /// The id of the `i`-th group of a layout.
    type Ids = fn(u32) -> u32;
    let layouts: [(&str, Ids); 4] = [
        ("small ids", |i| 2 + i * 3 / 2),
        ("clustered high ids", |i| 1_000_000 + i),
        ("two ranges", |i| match i % 2 {
            0 => 2 + i,
            _ => 1_000_000_000 + i,
        }),
        ("ids over the u32 range", |i| {
            (i + 1).wrapping_mul(2_654_435_761) | 1
        }),
    ];
    let mut too_big = Vec::new();
    for (layout, ids) in layouts {
        let common = held_bytes(&rights(ids, 0));
        let above = held_bytes(&rights(ids, 100)) - common;
        println!("{layout}: common table {common} bytes, 100 sites {above} bytes above it");
        assert!(common > 0, "{layout}: the counter counts");
        // One site's overlay: its one grant and its place in the site list.
        if above > 100 * 256 {
            too_big.push(format!("{layout}: {above} bytes above {common}"));
        }
    }
    assert!(
        too_big.is_empty(),
        "100 one-grant sites hold too much: {too_big:?}"
    );
}
