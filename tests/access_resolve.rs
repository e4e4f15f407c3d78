//! Table-driven checks of the resolution rules (ARCHITECTURE rules 7–16),
//! through the public API only.

use module_settings::access::{
    AccessError, AccessLevels, CompiledRights, Decision, DecisionResultExt, Grant, ModuleLevels,
    ModuleRights, Reason, ResolveOptions, ScopeQuery,
};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

use AccessLevel::{D, M, R, W};

const S1: SiteId = SiteId::from_static("s1");
const S2: SiteId = SiteId::from_static("s2");
const VIDEO: ModuleId = ModuleId::from_static("video");

fn g(id: u32) -> GroupId {
    GroupId::new(id).expect("test ids are non-zero")
}

fn groups(ids: &[u32]) -> Vec<GroupId> {
    ids.iter().map(|&id| g(id)).collect()
}

/// The video module's rights from a compact description.
fn video(default: Option<AccessLevel>, grants: &[(Scope, u32, AccessLevel)]) -> ModuleRights {
    let mut rights = ModuleRights::new(VIDEO, ModuleLevels::VIDEO);
    if let Some(level) = default {
        rights.set_default(Scope::Common, level).unwrap();
    }
    for &(scope, group, level) in grants {
        rights.grant(scope, g(group), level).unwrap();
    }
    rights
}

/// Asserts the explained decision reads `want`, that `resolve` agrees with
/// it, that the plain rights give the same answer as the compiled ones, and
/// that reversing and repeating the groups changes nothing (rule 16).
#[track_caller]
fn expect<'q>(
    rights: &ModuleRights,
    options: ResolveOptions,
    user: &[u32],
    query: impl Into<ScopeQuery<'q>>,
    want: &str,
) -> Decision {
    let query = query.into();
    let user = groups(user);
    let compiled = rights.compile(options.clone());
    let decision = compiled.explain(&user, query);
    assert_eq!(decision.to_string(), want, "groups {user:?}, query {query}");
    assert_eq!(decision.module(), rights.module());
    assert_eq!(compiled.resolve(&user, query), decision.level());
    let recompiled = rights.compile(options);
    assert_eq!(recompiled.explain(&user, query), decision);
    assert_eq!(recompiled.resolve(&user, query), decision.level());
    let mut shuffled: Vec<GroupId> = user.iter().rev().copied().collect();
    shuffled.extend_from_slice(&user);
    assert_eq!(
        compiled.explain(&shuffled, query),
        decision,
        "order/repeats"
    );
    decision
}

fn bitrix() -> ResolveOptions {
    ResolveOptions::new()
}

#[test]
fn rule_3_everyone_is_implicit() {
    // Bitrix's usual Access tab: "everyone" closed (D), default R. A list
    // without group 2 must resolve as if it were there.
    let rights = video(Some(R), &[(Scope::Common, 2, D)]);
    for user in [&[2, 5][..], &[5], &[]] {
        expect(
            &rights,
            bitrix(),
            user,
            Scope::Common,
            "D: grant of group 2 in the common scope",
        );
    }
    let compiled = rights.compile(bitrix());
    assert_eq!(
        compiled.roles(&groups(&[5]), Scope::Common),
        compiled.roles(&groups(&[2, 5]), Scope::Common)
    );
    assert!(compiled.require(&groups(&[5]), Scope::Common, R).is_err());
    assert!(!compiled.can(&groups(&[5]), S1, R));

    // Its grant wins over a lower one and is named; among equals the
    // lowest id, which is 2.
    let rights = video(None, &[(Scope::Common, 2, W), (Scope::Site(S1), 6, R)]);
    expect(
        &rights,
        bitrix(),
        &[6],
        S1,
        "W: grant of group 2 in the common scope",
    );
    let rights = video(None, &[(Scope::Site(S1), 2, R), (Scope::Site(S1), 6, R)]);
    expect(
        &rights,
        bitrix(),
        &[6],
        S1,
        "R: grant of group 2 in site s1",
    );
    let only_s1 = [Scope::Site(S1)];
    expect(
        &rights,
        bitrix(),
        &[6],
        ScopeQuery::Exact(&only_s1),
        "R: grant of group 2 in site s1",
    );

    // Switched off, only the listed groups count.
    let listed_only = ResolveOptions::new().implicit_everyone(false);
    let rights = video(Some(R), &[(Scope::Common, 2, D)]);
    expect(
        &rights,
        listed_only.clone(),
        &[5],
        Scope::Common,
        "R: default of the common scope",
    );
    expect(
        &rights,
        listed_only,
        &[2, 5],
        Scope::Common,
        "D: grant of group 2 in the common scope",
    );
}

#[test]
fn rule_10_the_default_is_not_applied_per_group() {
    // Groups {2 (no grant), 5 (grant D)} with default R resolve to D.
    let rights = video(Some(R), &[(Scope::Common, 5, D)]);
    expect(
        &rights,
        bitrix(),
        &[2, 5],
        Scope::Common,
        "D: grant of group 5 in the common scope",
    );
    // Groups {2, 5} with no grants and default R resolve to R.
    let rights = video(Some(R), &[]);
    expect(
        &rights,
        bitrix(),
        &[2, 5],
        Scope::Common,
        "R: default of the common scope",
    );
    // {5: R, 6: W} resolve to W.
    let rights = video(None, &[(Scope::Common, 5, R), (Scope::Common, 6, W)]);
    expect(
        &rights,
        bitrix(),
        &[5, 6],
        Scope::Common,
        "W: grant of group 6 in the common scope",
    );
}

#[test]
fn rule_9_highest_grant_then_default_then_d() {
    let rights = video(
        Some(R),
        &[
            (Scope::Common, 5, D),
            (Scope::Common, 6, R),
            (Scope::Common, 7, W),
        ],
    );
    let cases: &[(&[u32], &str)] = &[
        (&[5, 6], "R: grant of group 6 in the common scope"),
        (&[5, 6, 7], "W: grant of group 7 in the common scope"),
        (&[2], "R: default of the common scope"),
        (&[], "R: default of the common scope"),
        (&[2, 3, 4], "R: default of the common scope"),
    ];
    for &(user, want) in cases {
        expect(&rights, bitrix(), user, Scope::Common, want);
    }
    // Nothing set anywhere: the built-in D.
    let empty = video(None, &[]);
    expect(
        &empty,
        bitrix(),
        &[2],
        Scope::Common,
        "D: built-in default (no default level set)",
    );
    expect(
        &empty,
        bitrix(),
        &[2],
        S1,
        "D: built-in default (no default level set)",
    );
}

#[test]
fn rule_11_a_site_sees_common_and_its_own_grants() {
    let s1 = Scope::Site(S1);
    let rights = video(
        Some(D),
        &[
            (Scope::Common, 5, R),
            (s1, 6, W),
            (Scope::Site(S2), 7, W),
            (s1, 8, D),
            (Scope::Common, 8, R),
        ],
    );
    let cases: &[(&[u32], ScopeQuery, &str)] = &[
        (
            &[5, 6],
            ScopeQuery::Common,
            "R: grant of group 5 in the common scope",
        ),
        (
            &[5, 6],
            ScopeQuery::Site(S1),
            "W: grant of group 6 in site s1",
        ),
        (
            &[5],
            ScopeQuery::Site(S1),
            "R: grant of group 5 in the common scope",
        ),
        (&[6], ScopeQuery::Common, "D: default of the common scope"),
        (&[6], ScopeQuery::Site(S2), "D: default of the common scope"),
        (&[7], ScopeQuery::Site(S2), "W: grant of group 7 in site s2"),
        // A site grant lower than the common one does not lower it: max.
        (
            &[8],
            ScopeQuery::Site(S1),
            "R: grant of group 8 in the common scope",
        ),
        // A site nobody mentions sees the common grants and default.
        (
            &[5],
            ScopeQuery::Site(SiteId::from_static("s9")),
            "R: grant of group 5 in the common scope",
        ),
    ];
    for &(user, query, want) in cases {
        expect(&rights, bitrix(), user, query, want);
    }
}

#[test]
fn equal_common_and_site_grants_name_the_site() {
    let rights = video(None, &[(Scope::Common, 5, R), (Scope::Site(S1), 5, R)]);
    expect(
        &rights,
        bitrix(),
        &[5],
        S1,
        "R: grant of group 5 in site s1",
    );
    expect(
        &rights,
        bitrix(),
        &[5],
        Scope::Common,
        "R: grant of group 5 in the common scope",
    );
}

#[test]
fn per_site_defaults_fall_back_to_the_common_one() {
    let mut rights = video(Some(R), &[]);
    rights.set_default(Scope::Site(S1), W).unwrap();
    expect(&rights, bitrix(), &[2], S1, "W: default of site s1");
    expect(
        &rights,
        bitrix(),
        &[2],
        S2,
        "R: default of the common scope",
    );
    expect(
        &rights,
        bitrix(),
        &[2],
        Scope::Common,
        "R: default of the common scope",
    );
    // A site default with no common default.
    rights.remove_default(Scope::Common);
    expect(&rights, bitrix(), &[2], S1, "W: default of site s1");
    expect(
        &rights,
        bitrix(),
        &[2],
        S2,
        "D: built-in default (no default level set)",
    );
}

#[test]
fn bitrix_exact_scopes_count_only_the_listed_grants() {
    let s1 = Scope::Site(S1);
    let s2 = Scope::Site(S2);
    let mut rights = video(
        Some(R),
        &[
            (Scope::Common, 5, W),
            (s1, 6, D),
            (s2, 6, W),
            (s1, 7, R),
            (s2, 7, R),
        ],
    );
    let only_s1 = [s1];
    let common_and_s1 = [Scope::Common, s1];
    let s2_then_s1 = [s2, s1];
    let s1_then_s2 = [s1, s2];
    let s1_twice = [s1, s1, s1];
    let none: [Scope; 0] = [];
    let cases: &[(&[u32], &[Scope], &str)] = &[
        // Site s1 alone does not see the common grant of group 5.
        (&[5], &only_s1, "R: default of the common scope"),
        (&[5, 6], &only_s1, "D: grant of group 6 in site s1"),
        (
            &[5, 6],
            &common_and_s1,
            "W: grant of group 5 in the common scope",
        ),
        (&[6], &s2_then_s1, "W: grant of group 6 in site s2"),
        // Equal grants of one group in two listed sites: the first listed.
        (&[7], &s2_then_s1, "R: grant of group 7 in site s2"),
        (&[7], &s1_then_s2, "R: grant of group 7 in site s1"),
        (&[6], &s1_twice, "D: grant of group 6 in site s1"),
        // An empty list counts no grants.
        (&[5, 6, 7], &none, "R: default of the common scope"),
    ];
    for &(user, scopes, want) in cases {
        expect(&rights, bitrix(), user, scopes, want);
    }

    // Default: the first listed site with a site default, else common.
    rights.set_default(s1, D).unwrap();
    rights.set_default(s2, W).unwrap();
    expect(
        &rights,
        bitrix(),
        &[2],
        &s2_then_s1[..],
        "W: default of site s2",
    );
    expect(
        &rights,
        bitrix(),
        &[2],
        &s1_then_s2[..],
        "D: default of site s1",
    );
    let common_then_s2 = [Scope::Common, s2];
    expect(
        &rights,
        bitrix(),
        &[2],
        &common_then_s2[..],
        "W: default of site s2",
    );
    expect(
        &rights,
        bitrix(),
        &[2],
        &none[..],
        "R: default of the common scope",
    );
    let unknown = [Scope::Site(SiteId::from_static("s9"))];
    expect(
        &rights,
        bitrix(),
        &[2],
        &unknown[..],
        "R: default of the common scope",
    );
}

#[test]
fn exact_mode_names_a_site_grant_before_an_equal_common_one() {
    let s1 = Scope::Site(S1);
    let rights = video(None, &[(Scope::Common, 5, R), (s1, 5, R)]);
    let list = [Scope::Common, s1];
    expect(
        &rights,
        bitrix(),
        &[5],
        &list[..],
        "R: grant of group 5 in site s1",
    );
    let list = [s1, Scope::Common];
    expect(
        &rights,
        bitrix(),
        &[5],
        &list[..],
        "R: grant of group 5 in site s1",
    );
}

#[test]
fn rule_12_admin_bypass_and_administrator_groups() {
    let rights = video(Some(R), &[(Scope::Common, 1, D), (Scope::Common, 5, R)]);
    // Bypass on (default): group 1 is W whatever it was granted.
    expect(
        &rights,
        bitrix(),
        &[2, 1],
        Scope::Common,
        "W: member of administrator group 1",
    );
    expect(
        &rights,
        bitrix(),
        &[1],
        S1,
        "W: member of administrator group 1",
    );
    let exact = [Scope::Site(S1)];
    expect(
        &rights,
        bitrix(),
        &[1],
        &exact[..],
        "W: member of administrator group 1",
    );
    // Bypass off: administrators get only their grants.
    let limited = ResolveOptions::new().admin_bypass(false);
    expect(
        &rights,
        limited.clone(),
        &[1, 2],
        Scope::Common,
        "D: grant of group 1 in the common scope",
    );
    expect(
        &rights,
        limited,
        &[1, 5],
        Scope::Common,
        "R: grant of group 5 in the common scope",
    );
    // Custom administrator groups; the lowest one the user is in is named.
    let custom = ResolveOptions::new().admin_groups([g(9), g(7)]);
    expect(
        &rights,
        custom.clone(),
        &[9, 7, 2],
        Scope::Common,
        "W: member of administrator group 7",
    );
    expect(
        &rights,
        custom.clone(),
        &[1],
        Scope::Common,
        "D: grant of group 1 in the common scope",
    );
    expect(
        &rights,
        custom,
        &[2],
        Scope::Common,
        "R: default of the common scope",
    );
    // No administrator groups at all.
    let nobody = ResolveOptions::new().admin_groups([]);
    expect(
        &rights,
        nobody,
        &[1],
        Scope::Common,
        "D: grant of group 1 in the common scope",
    );
}

#[test]
fn rule_12_use_default_off() {
    let mut rights = video(Some(R), &[(Scope::Common, 5, D)]);
    rights.set_default(Scope::Site(S1), W).unwrap();
    let off = ResolveOptions::new().use_default(false);
    expect(
        &rights,
        off.clone(),
        &[2],
        Scope::Common,
        "D: no grant, and defaults are off",
    );
    expect(
        &rights,
        off.clone(),
        &[2],
        S1,
        "D: no grant, and defaults are off",
    );
    expect(
        &rights,
        off.clone(),
        &[],
        Scope::Common,
        "D: no grant, and defaults are off",
    );
    // Grants and the bypass still apply.
    expect(
        &rights,
        off.clone(),
        &[5],
        Scope::Common,
        "D: grant of group 5 in the common scope",
    );
    expect(
        &rights,
        off,
        &[1],
        Scope::Common,
        "W: member of administrator group 1",
    );
}

#[test]
fn rule_14_ties_go_to_the_lowest_group_id() {
    let rights = video(
        None,
        &[
            (Scope::Common, 8, R),
            (Scope::Common, 6, R),
            (Scope::Common, 7, R),
            (Scope::Common, 3, D),
        ],
    );
    for user in [&[8, 6, 7, 3][..], &[7, 8, 6], &[6, 7, 8], &[8, 8, 7, 6, 6]] {
        expect(
            &rights,
            bitrix(),
            user,
            Scope::Common,
            "R: grant of group 6 in the common scope",
        );
    }
    let admins = ResolveOptions::new().admin_groups([g(8), g(6)]);
    expect(
        &rights,
        admins,
        &[8, 6],
        Scope::Common,
        "W: member of administrator group 6",
    );
    // An administrator group's own grant does not rank it above another
    // administrator group: the lowest id is named.
    let admins = ResolveOptions::new().admin_groups([g(8), g(3)]);
    expect(
        &rights,
        admins,
        &[8, 3],
        Scope::Common,
        "W: member of administrator group 3",
    );
    let admins = ResolveOptions::new().admin_groups([g(1), g(8)]);
    expect(
        &rights,
        admins,
        &[8, 1],
        Scope::Common,
        "W: member of administrator group 1",
    );
}

#[test]
fn b24connector_uses_level_m() {
    let mut rights = ModuleRights::new(
        ModuleId::from_static("b24connector"),
        ModuleLevels::B24_CONNECTOR,
    );
    rights.set_default(Scope::Common, D).unwrap();
    rights.grant(Scope::Common, g(5), M).unwrap();
    expect(
        &rights,
        bitrix(),
        &[2, 5],
        Scope::Common,
        "M: grant of group 5 in the common scope",
    );
    let compiled = rights.compile(bitrix());
    assert!(compiled.can(&groups(&[5]), Scope::Common, M));
    assert!(!compiled.can(&groups(&[5]), Scope::Common, R));
}

#[test]
fn rule_6_levels_a_module_does_not_accept_are_refused() {
    let mut rights = video(None, &[]);
    let err = rights.grant(Scope::Common, g(5), M).unwrap_err();
    assert_eq!(
        err.to_string(),
        "module video does not accept access level M: allowed are D, R, W"
    );
    assert!(matches!(
        err,
        AccessError::LevelNotAccepted { level: M, .. }
    ));
    assert!(rights.set_default(Scope::Site(S1), M).is_err());
    assert_eq!(rights.grant_count(), 0);
    assert_eq!(rights.defaults().count(), 0);
}

#[test]
fn rule_7_setting_a_group_to_default_removes_its_grant() {
    let mut rights = video(Some(R), &[(Scope::Common, 5, D)]);
    expect(
        &rights,
        bitrix(),
        &[2, 5],
        Scope::Common,
        "D: grant of group 5 in the common scope",
    );
    assert_eq!(rights.remove_grant(Scope::Common, g(5)), Some(D));
    expect(
        &rights,
        bitrix(),
        &[2, 5],
        Scope::Common,
        "R: default of the common scope",
    );
    assert_eq!(rights.grants().collect::<Vec<Grant>>(), Vec::<Grant>::new());
}

#[test]
fn rule_13_roles_collect_every_groups_level() {
    let rights = video(Some(R), &[(Scope::Common, 5, D), (Scope::Site(S1), 6, W)]);
    let roles = |options: ResolveOptions, user: &[u32], query: ScopeQuery| {
        rights.compile(options).roles(&groups(user), query)
    };
    let common = ScopeQuery::Common;
    let site = ScopeQuery::Site(S1);
    // Group 2 has no grant: it adds the default; group 5 adds D.
    assert_eq!(
        roles(bitrix(), &[2, 5], common),
        AccessLevels::D | AccessLevels::R
    );
    // Group 2 counts unlisted (rule 3): it still adds the default.
    assert_eq!(
        roles(bitrix(), &[5], common),
        AccessLevels::D | AccessLevels::R
    );
    let listed_only = ResolveOptions::new().implicit_everyone(false);
    assert_eq!(roles(listed_only.clone(), &[5], common), AccessLevels::D);
    // No groups at all, group 2 not implied: the default, as `resolve` says.
    assert_eq!(roles(listed_only.clone(), &[], common), AccessLevels::R);
    assert_eq!(
        roles(listed_only, &[5, 6], site),
        AccessLevels::D | AccessLevels::W
    );
    assert_eq!(
        roles(bitrix(), &[5, 6], site),
        AccessLevels::D | AccessLevels::R | AccessLevels::W
    );
    assert_eq!(
        roles(bitrix(), &[5, 6], common),
        AccessLevels::D | AccessLevels::R
    );
    // An administrator adds W, and its own grant or default too.
    assert_eq!(
        roles(bitrix(), &[1, 5], common),
        AccessLevels::D | AccessLevels::R | AccessLevels::W
    );
    let limited = ResolveOptions::new().admin_bypass(false);
    assert_eq!(
        roles(limited, &[1, 5], common),
        AccessLevels::D | AccessLevels::R
    );
    // Defaults off: groups without a grant add nothing.
    let off = ResolveOptions::new().use_default(false);
    assert_eq!(roles(off.clone(), &[2, 5], common), AccessLevels::D);
    assert_eq!(roles(off.clone(), &[2], common), AccessLevels::empty());
    assert_eq!(roles(off, &[], common), AccessLevels::empty());
    // No groups listed: group 2 alone, so the default.
    assert_eq!(roles(bitrix(), &[], common), AccessLevels::R);
    // Exact scopes: the site's own grants only.
    let only_s1 = [Scope::Site(S1)];
    assert_eq!(
        roles(bitrix(), &[5, 6], ScopeQuery::Exact(&only_s1)),
        AccessLevels::R | AccessLevels::W
    );
}

#[test]
fn rule_15_checks_deny_and_fail_closed() {
    let rights = video(Some(R), &[(Scope::Common, 5, W)]);
    let compiled = rights.compile(bitrix());
    let reader = groups(&[2]);
    assert!(compiled.can(&reader, Scope::Common, R));
    assert!(!compiled.can(&reader, Scope::Common, W));
    let err = compiled.require(&reader, Scope::Common, W).unwrap_err();
    assert_eq!(
        err,
        AccessError::Denied {
            module: VIDEO,
            needed: W,
            held: R
        }
    );
    assert_eq!(
        err.to_string(),
        "access denied to module video: needs W, holds R"
    );
    let ok = compiled.require(&groups(&[5]), Scope::Common, W).unwrap();
    assert_eq!(
        ok.reason(),
        Reason::Grant {
            group: g(5),
            scope: Scope::Common
        }
    );

    // A loader that failed: every check says no.
    let load = |fail: bool| -> Result<Decision, AccessError> {
        if fail {
            Err(AccessError::BadLevel { value: "?".into() })
        } else {
            Ok(compiled.explain(&groups(&[5]), Scope::Common))
        }
    };
    assert!(load(false).can(W));
    assert!(!load(true).can(D));
    assert!(load(true).require(D).is_err());
    assert!(load(false).require(W).is_ok());
}

#[test]
fn every_reason_kind_is_reachable() {
    let mut rights = video(None, &[(Scope::Common, 5, R)]);
    let mut seen = Vec::new();
    let compiled = rights.compile(bitrix());
    seen.push(compiled.explain(&groups(&[1]), Scope::Common).reason());
    seen.push(compiled.explain(&groups(&[5]), Scope::Common).reason());
    seen.push(compiled.explain(&groups(&[2]), Scope::Common).reason());
    rights.set_default(Scope::Common, R).unwrap();
    seen.push(
        rights
            .compile(bitrix())
            .explain(&groups(&[2]), Scope::Common)
            .reason(),
    );
    seen.push(
        rights
            .compile(bitrix().use_default(false))
            .explain(&groups(&[2]), Scope::Common)
            .reason(),
    );
    assert_eq!(
        seen,
        [
            Reason::Administrator { group: g(1) },
            Reason::Grant {
                group: g(5),
                scope: Scope::Common
            },
            Reason::BuiltInDefault,
            Reason::Default {
                scope: Scope::Common
            },
            Reason::DefaultsOff,
        ]
    );
}

#[test]
fn compiled_rights_are_shared_and_independent_of_later_changes() {
    let mut rights = video(Some(R), &[]);
    let compiled = rights.compile(bitrix());
    let clone = compiled.clone();
    rights.grant(Scope::Common, g(2), W).unwrap();
    assert_eq!(compiled.resolve(&groups(&[2]), Scope::Common), R);
    assert_eq!(clone.resolve(&groups(&[2]), Scope::Common), R);
    assert_eq!(
        rights
            .compile(bitrix())
            .resolve(&groups(&[2]), Scope::Common),
        W
    );
    assert_eq!(compiled.module(), VIDEO);
    assert_eq!(compiled.grant_count(), 0);
    assert!(compiled.options().has_admin_bypass());
}

#[test]
fn sparse_group_ids_resolve_like_dense_ones() {
    // Ids far apart force the hashed table layout.
    let big = [4_000_000_000u32, 70_000, 1_000_003];
    let mut grants = vec![(Scope::Common, big[0], R), (Scope::Site(S1), big[1], W)];
    grants.push((Scope::Common, big[2], D));
    let rights = video(Some(R), &grants);
    expect(
        &rights,
        bitrix(),
        &[big[0], 2],
        Scope::Common,
        "R: grant of group 4000000000 in the common scope",
    );
    expect(
        &rights,
        bitrix(),
        &[big[1], big[0]],
        S1,
        "W: grant of group 70000 in site s1",
    );
    expect(
        &rights,
        bitrix(),
        &[big[2], 2],
        Scope::Common,
        "D: grant of group 1000003 in the common scope",
    );
    expect(
        &rights,
        bitrix(),
        &[12_345_678],
        Scope::Common,
        "R: default of the common scope",
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ModuleRights>();
    assert_send_sync::<CompiledRights>();
    assert_send_sync::<ResolveOptions>();
    assert_send_sync::<Decision>();
    assert_send_sync::<Reason>();
    assert_send_sync::<Grant>();
    assert_send_sync::<ScopeQuery<'static>>();
    assert_send_sync::<AccessError>();
}
