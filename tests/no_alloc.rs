//! The hot path allocates nothing: resolve, explain, can, require (when
//! granted) and roles on a compiled index, for users in 1, 8 and 32 groups,
//! with group ids in every table layout, common, site and exact scopes, with
//! group 2 implicit (it holds a grant here, so its lookup finds something)
//! and not; without a group directory, with one that switches off every
//! tenth group (users in some of them, an administrator group among them),
//! and with that directory folded into rights compiled without it.
//!
//! `allocation-counter` installs a counting global allocator in this test
//! binary only; the crate itself stays free of `unsafe`.

use std::hint::black_box;

use module_settings::access::{
    CompiledRights, ModuleLevels, ModuleRights, ResolveOptions, ScopeQuery,
};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

const S1: SiteId = SiteId::from_static("s1");
const S2: SiteId = SiteId::from_static("s2");

fn g(id: u32) -> GroupId {
    GroupId::new(id).expect("non-zero")
}

/// Every tenth of the groups `first..first + 1500 * stride` switched off,
/// and the administrator group 7.
fn every_tenth_off(first: u32, stride: u32) -> GroupDirectory {
    let off = (0..150u32)
        .map(|i| g(first + i * 10 * stride))
        .chain([g(7)]);
    let mut off: Vec<GroupId> = off.collect();
    off.sort();
    off.dedup();
    GroupDirectory::new(
        off.into_iter()
            .map(|id| Group::new(id, "off").with_active(false)),
    )
    .expect("ids are distinct")
}

/// The rights of [`rights`] compiled each way: without a directory, with
/// one, and folded with it afterwards.
fn compiled_each_way(first: u32, stride: u32, options: &ResolveOptions) -> [CompiledRights; 3] {
    let rights = rights(first, stride);
    let groups = every_tenth_off(first, stride);
    [
        rights.compile(options.clone()),
        rights.compile_with(options.clone(), &groups),
        rights.compile(options.clone()).with_groups(&groups),
    ]
}

/// 1,000 grants over groups `first..first + 1000 * stride`, common and two
/// sites, with defaults.
fn rights(first: u32, stride: u32) -> ModuleRights {
    let levels = [
        AccessLevel::D,
        AccessLevel::M,
        AccessLevel::R,
        AccessLevel::W,
    ];
    let mut rights = ModuleRights::new(
        ModuleId::from_static("b24connector"),
        ModuleLevels::B24_CONNECTOR,
    );
    rights.set_default(Scope::Common, AccessLevel::R).unwrap();
    rights.set_default(Scope::Site(S2), AccessLevel::M).unwrap();
    rights
        .grant(Scope::Common, GroupId::EVERYONE, AccessLevel::M)
        .unwrap();
    for i in 0..1000u32 {
        let scope = match i % 5 {
            0 => Scope::Site(S1),
            1 => Scope::Site(S2),
            _ => Scope::Common,
        };
        rights
            .grant(scope, g(first + i * stride), levels[(i % 4) as usize])
            .unwrap();
    }
    rights
}

/// A user in `n` groups: some granted, some not, one repeated.
fn user(n: u32, first: u32, stride: u32) -> Vec<GroupId> {
    let mut groups: Vec<GroupId> = (0..n)
        .map(|i| g(first + (i * 37 % 1500) * stride))
        .collect();
    groups.push(groups[0]);
    groups
}

#[test]
fn checks_on_compiled_rights_do_not_allocate() {
    let exact_one = [Scope::Site(S1)];
    let exact_many = [Scope::Site(S2), Scope::Common, Scope::Site(S1)];
    let queries = [
        ScopeQuery::Common,
        ScopeQuery::Site(S1),
        ScopeQuery::Site(S2),
        ScopeQuery::Site(SiteId::from_static("s9")),
        ScopeQuery::Exact(&exact_one),
        ScopeQuery::Exact(&exact_many),
        ScopeQuery::Exact(&[]),
    ];
    let option_sets = [
        ResolveOptions::new(),
        ResolveOptions::new().admin_bypass(false).use_default(false),
        ResolveOptions::new().admin_groups((1..=20).map(|i| g(i * 7))),
        ResolveOptions::new().implicit_everyone(false),
    ];
    // Dense ids (Bitrix-like), ids far apart (the hashed layout), and a
    // high run (beside the administrators group: a run and a lone id;
    // beside the administrator groups 7–140: two runs).
    for (first, stride) in [(3, 1), (1_000_003, 4_099), (1_000_000, 1)] {
        for options in &option_sets {
            for compiled in compiled_each_way(first, stride, options) {
                for n in [1, 8, 32] {
                    let mut users = vec![user(n, first, stride)];
                    let mut admin = user(n, first, stride);
                    admin.push(GroupId::ADMINISTRATORS);
                    users.push(admin);
                    // Group 7: an administrator group in one option set,
                    // switched off by the directory.
                    let mut switched_off = user(n, first, stride);
                    switched_off.push(g(7));
                    users.push(switched_off);

                    let info = allocation_counter::measure(|| {
                        for _ in 0..50 {
                            for groups in &users {
                                for query in queries {
                                    let level = compiled.resolve(black_box(groups), query);
                                    let decision = compiled.explain(black_box(groups), query);
                                    assert_eq!(decision.level(), level);
                                    black_box(compiled.can(groups, query, AccessLevel::R));
                                    black_box(compiled.roles(groups, query));
                                    black_box(
                                        compiled.require(groups, query, AccessLevel::W).is_ok(),
                                    );
                                }
                            }
                        }
                    });
                    assert_eq!(
                        info.count_total, 0,
                        "{n} groups, ids from {first} by {stride}, {compiled:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that never counts.
    let info = allocation_counter::measure(|| {
        black_box(vec![1u8; 16]);
    });
    assert!(info.count_total >= 1);
}
