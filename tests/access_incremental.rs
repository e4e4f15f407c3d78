//! `CompiledRights::with_changes` against a compile from scratch: after any
//! sequence of batches, the derived index answers every question exactly
//! as the changed rights compiled anew do — level, reason, roles, grant
//! count — whatever the id layout, and refuses what `ModuleRights` refuses.
//! The same for `CompiledRights::with_groups` and batches interleaved
//! with new group directories.

use proptest::prelude::*;

use module_settings::access::{
    AccessError, CompiledRights, ModuleLevels, ModuleRights, ResolveOptions, ScopeQuery,
};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::store::Change;
use module_settings::{AccessLevel, GroupId, ModuleId, OptionName, Scope, SiteId};

const SITES: [SiteId; 3] = [
    SiteId::from_static("s1"),
    SiteId::from_static("s2"),
    SiteId::from_static("s3"),
];

/// Ids of every layout the index knows: small, a high run, two ranges far
/// apart, anywhere — with the administrators group among them.
fn group() -> impl Strategy<Value = GroupId> {
    prop_oneof![
        4 => 1u32..=40,
        2 => 1_000_000u32..1_000_040,
        1 => 1_000_000_000u32..1_000_000_020,
        1 => 1u32..=u32::MAX,
    ]
    .prop_map(|id| GroupId::new(id).expect("non-zero"))
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        2 => Just(Scope::Common),
        3 => prop::sample::select(SITES.to_vec()).prop_map(Scope::Site),
    ]
}

fn level() -> impl Strategy<Value = AccessLevel> {
    prop::sample::select(AccessLevel::ALL.to_vec())
}

/// A change of a module that accepts every level; some remove what is not
/// there, some touch options (which rights ignore).
fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => (scope(), group(), level())
            .prop_map(|(scope, group, level)| Change::SetGrant { scope, group, level }),
        3 => (scope(), group()).prop_map(|(scope, group)| Change::RemoveGrant { scope, group }),
        1 => (scope(), level()).prop_map(|(scope, level)| Change::SetDefault { scope, level }),
        1 => scope().prop_map(|scope| Change::RemoveDefault { scope }),
        1 => scope().prop_map(|scope| Change::SetOption {
            scope,
            name: OptionName::new("ServerHost").expect("valid name"),
            value: "video.example.com".to_owned(),
        }),
    ]
}

fn options() -> impl Strategy<Value = ResolveOptions> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(group(), 0..3)),
    )
        .prop_map(|(bypass, use_default, admins)| {
            let options = ResolveOptions::new()
                .admin_bypass(bypass)
                .use_default(use_default);
            match admins {
                Some(admins) => options.admin_groups(admins),
                None => options,
            }
        })
}

/// A directory over ids of every layout, each group active or not.
fn directory() -> impl Strategy<Value = GroupDirectory> {
    prop::collection::btree_map(group(), any::<bool>(), 0..12).prop_map(|rows| {
        GroupDirectory::new(
            rows.into_iter()
                .map(|(id, active)| Group::new(id, format!("group {id}")).with_active(active)),
        )
        .expect("ids are distinct")
    })
}

/// One step: a batch of changes, or a new group directory.
#[derive(Debug, Clone)]
enum Step {
    Batch(Vec<Change>),
    Groups(GroupDirectory),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::collection::vec(change(), 1..6).prop_map(Step::Batch),
        1 => directory().prop_map(Step::Groups),
    ]
}

/// What a store does with a batch, done to `ModuleRights`.
fn apply(rights: &mut ModuleRights, change: &Change) {
    match change {
        Change::SetGrant {
            scope,
            group,
            level,
        } => {
            rights.grant(*scope, *group, *level).expect("accepted");
        }
        Change::RemoveGrant { scope, group } => {
            rights.remove_grant(*scope, *group);
        }
        Change::SetDefault { scope, level } => {
            rights.set_default(*scope, *level).expect("accepted");
        }
        Change::RemoveDefault { scope } => {
            rights.remove_default(*scope);
        }
        _ => {}
    }
}

fn empty_rights() -> ModuleRights {
    ModuleRights::new(
        ModuleId::from_static("b24connector"),
        ModuleLevels::B24_CONNECTOR,
    )
}

/// Every question, to both indexes, for every user and every query.
fn same_answers(
    derived: &CompiledRights,
    fresh: &CompiledRights,
    users: &[Vec<GroupId>],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(derived.grant_count(), fresh.grant_count());
    prop_assert_eq!(format!("{derived:?}"), format!("{fresh:?}"));
    let exact = [Scope::Site(SITES[1]), Scope::Common, Scope::Site(SITES[0])];
    let queries = [
        ScopeQuery::Common,
        ScopeQuery::Site(SITES[0]),
        ScopeQuery::Site(SITES[1]),
        ScopeQuery::Site(SITES[2]),
        ScopeQuery::Site(SiteId::from_static("s9")),
        ScopeQuery::Exact(&exact),
        ScopeQuery::Exact(&exact[..1]),
    ];
    for user in users {
        for query in queries {
            prop_assert_eq!(
                derived.explain(user, query),
                fresh.explain(user, query),
                "{:?} in {}",
                user,
                query
            );
            prop_assert_eq!(derived.resolve(user, query), fresh.resolve(user, query));
            prop_assert_eq!(derived.roles(user, query), fresh.roles(user, query));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After every batch, the derived index and a fresh compile agree.
    #[test]
    fn changes_answer_as_a_full_compile(
        initial in prop::collection::vec(change(), 0..60),
        batches in prop::collection::vec(prop::collection::vec(change(), 1..6), 1..8),
        options in options(),
        mut users in prop::collection::vec(prop::collection::vec(group(), 0..6), 1..6),
    ) {
        let mut rights = empty_rights();
        for change in &initial {
            apply(&mut rights, change);
        }
        let mut compiled = rights.compile(options.clone());
        // Users in the groups the batches touch, so their cells are read.
        users.push(
            batches
                .iter()
                .flatten()
                .filter_map(|change| match change {
                    Change::SetGrant { group, .. } | Change::RemoveGrant { group, .. } => Some(*group),
                    _ => None,
                })
                .collect(),
        );
        for batch in &batches {
            compiled = compiled.with_changes(batch).expect("all levels accepted");
            for change in batch {
                apply(&mut rights, change);
            }
            same_answers(&compiled, &rights.compile(options.clone()), &users)?;
        }
    }

    /// Batches and new directories in any order: the derived index always
    /// answers as the rights compiled anew with the current directory —
    /// the inactive groups' marks survive every batch, and a new directory
    /// is folded in as if compiled with it from the start.
    #[test]
    fn changes_and_directories_answer_as_a_full_compile(
        initial in prop::collection::vec(change(), 0..60),
        first in directory(),
        steps in prop::collection::vec(step(), 1..8),
        options in options(),
        mut users in prop::collection::vec(prop::collection::vec(group(), 0..6), 1..6),
    ) {
        let mut rights = empty_rights();
        for change in &initial {
            apply(&mut rights, change);
        }
        let mut groups = first;
        let mut compiled = rights.compile_with(options.clone(), &groups);
        // Users in the groups the steps touch or switch, so their cells
        // are read.
        let touched = steps.iter().flat_map(|step| match step {
            Step::Batch(batch) => batch
                .iter()
                .filter_map(|change| match change {
                    Change::SetGrant { group, .. } | Change::RemoveGrant { group, .. } => Some(*group),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            Step::Groups(directory) => directory.iter().map(Group::id).collect(),
        });
        users.push(touched.collect());
        users.push(groups.iter().map(Group::id).collect());
        for step in &steps {
            match step {
                Step::Batch(batch) => {
                    compiled = compiled.with_changes(batch).expect("all levels accepted");
                    for change in batch {
                        apply(&mut rights, change);
                    }
                }
                Step::Groups(next) => {
                    compiled = compiled.with_groups(next);
                    groups = next.clone();
                }
            }
            prop_assert_eq!(compiled.groups(), &groups);
            same_answers(&compiled, &rights.compile_with(options.clone(), &groups), &users)?;
        }
    }

    /// A batch with a level the module does not accept derives nothing and
    /// says what `ModuleRights` says.
    #[test]
    fn refused_levels_are_refused_as_rights_refuse_them(
        before in prop::collection::vec(change(), 0..5),
        (scope, group) in (scope(), group()),
        grant in any::<bool>(),
    ) {
        let mut video = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
        let compiled = video.compile(ResolveOptions::new());
        let refused = if grant {
            Change::SetGrant { scope, group, level: AccessLevel::M }
        } else {
            Change::SetDefault { scope, level: AccessLevel::M }
        };
        // Changes the video module accepts (no M), then the refused one.
        let mut batch: Vec<Change> = before
            .into_iter()
            .filter(|change| !matches!(
                change,
                Change::SetGrant { level: AccessLevel::M, .. }
                    | Change::SetDefault { level: AccessLevel::M, .. }
            ))
            .collect();
        batch.push(refused);
        let expected: AccessError = if grant {
            video.grant(scope, group, AccessLevel::M).unwrap_err()
        } else {
            video.set_default(scope, AccessLevel::M).unwrap_err()
        };
        prop_assert_eq!(compiled.with_changes(&batch).unwrap_err(), expected);
    }
}

#[test]
fn untouched_scopes_keep_their_answers_and_an_empty_batch_changes_nothing() {
    let g = GroupId::from_static;
    let mut rights = empty_rights();
    rights.grant(Scope::Common, g(5), AccessLevel::R).unwrap();
    rights
        .grant(Scope::Site(SITES[0]), g(6), AccessLevel::W)
        .unwrap();
    rights
        .set_default(Scope::Site(SITES[1]), AccessLevel::M)
        .unwrap();
    let compiled = rights.compile(ResolveOptions::new());
    let same = compiled.with_changes(&[]).unwrap();
    assert_eq!(format!("{same:?}"), format!("{compiled:?}"));

    // A site's last grant and default removed: the site is gone, as if
    // never set up, and the common grants still answer there.
    let changed = compiled
        .with_changes(&[
            Change::RemoveGrant {
                scope: Scope::Site(SITES[0]),
                group: g(6),
            },
            Change::RemoveDefault {
                scope: Scope::Site(SITES[1]),
            },
            Change::SetGrant {
                scope: Scope::Common,
                group: g(6),
                level: AccessLevel::M,
            },
        ])
        .unwrap();
    assert_eq!(changed.grant_count(), 2);
    assert!(format!("{changed:?}").ends_with("grants: 2, sites: 0, inactive_groups: 0 }"));
    assert_eq!(
        changed.explain(&[g(6)], SITES[0]).to_string(),
        "M: grant of group 6 in the common scope"
    );
    assert_eq!(
        compiled.explain(&[g(6)], SITES[0]).to_string(),
        "W: grant of group 6 in site s1",
        "the index it came from is unchanged"
    );
}
