//! Inactive groups in access resolution, table-driven, through the public
//! API only.
//!
//! Every case states the answer with the group directory and without it,
//! so each shows what the directory changes — or, for groups 1 and 2,
//! that it changes nothing whatever their rows say. Each answer is also checked three more ways: against the
//! same rights compiled without a directory for the user's groups minus
//! the inactive ones (an inactive group is one the user is not in),
//! against the directory folded into rights compiled without it
//! (`with_groups`), and with the groups reversed and repeated.

use module_settings::access::{
    AccessLevels, CompiledRights, ModuleLevels, ModuleRights, ResolveOptions, ScopeQuery,
};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

use AccessLevel::{D, M, R, W};

const S1: SiteId = SiteId::from_static("s1");
const SITE1: Scope = Scope::Site(S1);
const COMMON: Scope = Scope::Common;

fn g(id: u32) -> GroupId {
    GroupId::new(id).expect("test ids are non-zero")
}

fn groups(ids: &[u32]) -> Vec<GroupId> {
    ids.iter().map(|&id| g(id)).collect()
}

/// The site's groups: 1 and 2 with rows that (wrongly) say inactive, 5, 7
/// and 9 inactive, 6 and 10 active; 8 is not listed.
fn directory() -> GroupDirectory {
    GroupDirectory::new([
        Group::new(g(1), "Administrators").with_active(false),
        Group::new(g(2), "Everyone").with_active(false),
        Group::new(g(5), "Editors").with_active(false),
        Group::new(g(6), "Authors"),
        Group::new(g(7), "Old staff").with_active(false),
        Group::new(g(9), "Auditors").with_active(false),
        Group::new(g(10), "Managers"),
    ])
    .expect("ids are distinct")
}

/// The groups the directory switches off.
const INACTIVE: [u32; 3] = [5, 7, 9];

/// The rights of a module with all four levels: a common default, a
/// default for s1, and grants.
fn rights(
    default: Option<AccessLevel>,
    s1_default: Option<AccessLevel>,
    grants: &[(Scope, u32, AccessLevel)],
) -> ModuleRights {
    let mut rights = ModuleRights::new(
        ModuleId::from_static("b24connector"),
        ModuleLevels::B24_CONNECTOR,
    );
    if let Some(level) = default {
        rights.set_default(COMMON, level).expect("accepted");
    }
    if let Some(level) = s1_default {
        rights.set_default(SITE1, level).expect("accepted");
    }
    for &(scope, group, level) in grants {
        rights.grant(scope, g(group), level).expect("accepted");
    }
    rights
}

/// The user's groups without the inactive ones.
fn active_only(user: &[GroupId]) -> Vec<GroupId> {
    let off = groups(&INACTIVE);
    user.iter().copied().filter(|g| !off.contains(g)).collect()
}

/// The three ways to get rights folded with the directory.
fn folded(rights: &ModuleRights, options: &ResolveOptions) -> [CompiledRights; 2] {
    [
        rights.compile_with(options.clone(), &directory()),
        rights.compile(options.clone()).with_groups(&directory()),
    ]
}

struct Case<'a> {
    rights: ModuleRights,
    options: ResolveOptions,
    user: &'a [u32],
    query: ScopeQuery<'a>,
    /// The answer with the directory (an explained decision, or roles)…
    with: &'a str,
    /// …and without it.
    without: &'a str,
}

#[track_caller]
fn decide(case: Case<'_>) {
    let Case {
        rights,
        options,
        user,
        query,
        with,
        without,
    } = case;
    let user = groups(user);
    let plain = rights.compile(options.clone());
    let decision = plain.explain(&user, query);
    assert_eq!(
        decision.to_string(),
        without,
        "without the directory: {user:?} in {query}"
    );
    for compiled in folded(&rights, &options) {
        let decision = compiled.explain(&user, query);
        assert_eq!(
            decision.to_string(),
            with,
            "with the directory: {user:?} in {query}"
        );
        assert_eq!(compiled.resolve(&user, query), decision.level());
        assert_eq!(
            plain.explain(&active_only(&user), query),
            decision,
            "as if not in the inactive groups"
        );
        let mut shuffled: Vec<GroupId> = user.iter().rev().copied().collect();
        shuffled.extend_from_slice(&user);
        assert_eq!(
            compiled.explain(&shuffled, query),
            decision,
            "order and repeats"
        );
    }
}

fn bitrix() -> ResolveOptions {
    ResolveOptions::new()
}

#[test]
fn an_inactive_group_s_grant_counts_nowhere() {
    let only_s1 = [SITE1];
    let both = [SITE1, COMMON];
    let cases = [
        // The highest grant decides — among active groups only.
        Case {
            rights: rights(None, None, &[(COMMON, 5, W), (COMMON, 6, R)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Common,
            with: "R: grant of group 6 in the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        // Ties: an inactive group is never the one named.
        Case {
            rights: rights(None, None, &[(COMMON, 5, W), (COMMON, 6, W)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Common,
            with: "W: grant of group 6 in the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        // A site sees common and site grants: neither of an inactive group.
        Case {
            rights: rights(None, None, &[(COMMON, 5, R), (SITE1, 5, W), (SITE1, 6, M)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Site(S1),
            with: "M: grant of group 6 in site s1",
            without: "W: grant of group 5 in site s1",
        },
        Case {
            rights: rights(None, None, &[(COMMON, 7, W), (SITE1, 6, R)]),
            options: bitrix(),
            user: &[6, 7],
            query: ScopeQuery::Site(S1),
            with: "R: grant of group 6 in site s1",
            without: "W: grant of group 7 in the common scope",
        },
        // Bitrix-exact lists of scopes alike.
        Case {
            rights: rights(None, None, &[(SITE1, 5, W), (SITE1, 6, D)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Exact(&only_s1),
            with: "D: grant of group 6 in site s1",
            without: "W: grant of group 5 in site s1",
        },
        Case {
            rights: rights(None, None, &[(COMMON, 5, W), (SITE1, 6, M), (COMMON, 6, R)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Exact(&both),
            with: "R: grant of group 6 in the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        // A group the directory does not list counts: unknown is not off.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 8, W), (COMMON, 5, W)]),
            options: bitrix(),
            user: &[5, 8],
            query: ScopeQuery::Common,
            with: "W: grant of group 8 in the common scope",
            without: "W: grant of group 5 in the common scope",
        },
    ];
    for case in cases {
        decide(case);
    }
}

#[test]
fn a_user_whose_groups_are_all_inactive_gets_what_group_2_gets() {
    let only_s1 = [SITE1];
    let cases = [
        // Only group 2 counts: no grant, so the default.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W), (COMMON, 7, D)]),
            options: bitrix(),
            user: &[5, 7],
            query: ScopeQuery::Common,
            with: "R: default of the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        // An inactive group's D no longer keeps the user from the default:
        // the default is not applied per group, and an inactive group is
        // no group at all.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, D)]),
            options: bitrix(),
            user: &[2, 5],
            query: ScopeQuery::Common,
            with: "R: default of the common scope",
            without: "D: grant of group 5 in the common scope",
        },
        // Group 2 is always active, whatever its row says.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 2, M), (COMMON, 5, W)]),
            options: bitrix(),
            user: &[5],
            query: ScopeQuery::Common,
            with: "M: grant of group 2 in the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        // The site's default, then the common one.
        Case {
            rights: rights(Some(R), Some(M), &[(SITE1, 5, W)]),
            options: bitrix(),
            user: &[5],
            query: ScopeQuery::Site(S1),
            with: "M: default of site s1",
            without: "W: grant of group 5 in site s1",
        },
        Case {
            rights: rights(Some(R), Some(M), &[(SITE1, 5, W)]),
            options: bitrix(),
            user: &[5],
            query: ScopeQuery::Exact(&only_s1),
            with: "M: default of site s1",
            without: "W: grant of group 5 in site s1",
        },
        Case {
            rights: rights(None, None, &[(COMMON, 5, W)]),
            options: bitrix(),
            user: &[5],
            query: ScopeQuery::Common,
            with: "D: built-in default (no default level set)",
            without: "W: grant of group 5 in the common scope",
        },
        // Defaults off: D, saying so.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W)]),
            options: bitrix().use_default(false),
            user: &[5],
            query: ScopeQuery::Common,
            with: "D: no grant, and defaults are off",
            without: "W: grant of group 5 in the common scope",
        },
    ];
    for case in cases {
        decide(case);
    }
}

#[test]
fn without_group_2_a_user_with_only_inactive_groups_has_no_group_and_gets_the_default() {
    // Bitrix's `GetUserRight` falls back to the default when no active
    // group of the user has a grant — also when the user has no active
    // group at all. So does a user whose list is empty.
    let listed_only = || bitrix().implicit_everyone(false);
    let cases = [
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W), (COMMON, 2, M)]),
            options: listed_only(),
            user: &[5, 7],
            query: ScopeQuery::Common,
            with: "R: default of the common scope",
            without: "W: grant of group 5 in the common scope",
        },
        Case {
            rights: rights(Some(R), Some(M), &[(SITE1, 7, W)]),
            options: listed_only(),
            user: &[7],
            query: ScopeQuery::Site(S1),
            with: "M: default of site s1",
            without: "W: grant of group 7 in site s1",
        },
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W)]),
            options: listed_only().use_default(false),
            user: &[5],
            query: ScopeQuery::Common,
            with: "D: no grant, and defaults are off",
            without: "W: grant of group 5 in the common scope",
        },
    ];
    for case in cases {
        decide(case);
    }
    // The same answer as for a user without groups.
    let rights = rights(Some(R), None, &[(COMMON, 5, W)]);
    for compiled in folded(&rights, &listed_only()) {
        assert_eq!(
            compiled.explain(&groups(&[5, 7, 9]), Scope::Common),
            compiled.explain(&[], Scope::Common)
        );
    }
}

#[test]
fn only_active_administrator_groups_bypass() {
    let admins = || bitrix().admin_groups([g(1), g(9), g(10)]);
    let cases = [
        // Group 1 is always active, whatever its row says.
        Case {
            rights: rights(Some(D), None, &[]),
            options: bitrix(),
            user: &[1],
            query: ScopeQuery::Common,
            with: "W: member of administrator group 1",
            without: "W: member of administrator group 1",
        },
        // An inactive administrator group gives no bypass…
        Case {
            rights: rights(Some(R), None, &[(COMMON, 9, D)]),
            options: admins(),
            user: &[9],
            query: ScopeQuery::Common,
            with: "R: default of the common scope",
            without: "W: member of administrator group 9",
        },
        Case {
            rights: rights(Some(R), None, &[(COMMON, 6, M)]),
            options: admins(),
            user: &[6, 9],
            query: ScopeQuery::Site(S1),
            with: "M: grant of group 6 in the common scope",
            without: "W: member of administrator group 9",
        },
        // …and is not the one named when an active one does.
        Case {
            rights: rights(None, None, &[]),
            options: admins(),
            user: &[9, 10],
            query: ScopeQuery::Common,
            with: "W: member of administrator group 10",
            without: "W: member of administrator group 9",
        },
    ];
    for case in cases {
        decide(case);
    }
}

#[track_caller]
fn roles(case: Case<'_>) {
    let Case {
        rights,
        options,
        user,
        query,
        with,
        without,
    } = case;
    let user = groups(user);
    let plain = rights.compile(options.clone());
    let show = |levels: AccessLevels| levels.to_string();
    assert_eq!(
        show(plain.roles(&user, query)),
        without,
        "without: {user:?} in {query}"
    );
    for compiled in folded(&rights, &options) {
        let roles = compiled.roles(&user, query);
        assert_eq!(show(roles), with, "with: {user:?} in {query}");
        assert_eq!(
            plain.roles(&active_only(&user), query),
            roles,
            "as if not a member"
        );
        if options.uses_default() {
            assert!(roles.has(compiled.resolve(&user, query)), "holds its level");
        }
    }
}

#[test]
fn roles_skip_inactive_groups_and_bring_no_default_for_them() {
    let cases = [
        // Neither the grant of an inactive group…
        Case {
            rights: rights(
                Some(R),
                None,
                &[(COMMON, 2, M), (COMMON, 5, W), (COMMON, 6, D)],
            ),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Common,
            with: "D, M",
            without: "D, M, W",
        },
        // …nor the default for one without a grant: it is not a member
        // without a grant.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 2, M), (COMMON, 6, D)]),
            options: bitrix(),
            user: &[5, 6],
            query: ScopeQuery::Common,
            with: "D, M",
            without: "D, M, R",
        },
        // In a site too, for common and site grants.
        Case {
            rights: rights(
                Some(R),
                Some(D),
                &[(COMMON, 2, M), (SITE1, 7, W), (COMMON, 5, R)],
            ),
            options: bitrix(),
            user: &[5, 7],
            query: ScopeQuery::Site(S1),
            with: "M",
            without: "M, R, W",
        },
        // An inactive administrator group adds no W.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 2, M)]),
            options: bitrix().admin_groups([g(1), g(9)]),
            user: &[9],
            query: ScopeQuery::Common,
            with: "M",
            without: "M, R, W",
        },
        // A user whose only groups are inactive, group 2 not counted: no
        // group at all, so the default — as for an empty list, and as
        // `resolve` says.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W), (COMMON, 7, D)]),
            options: bitrix().implicit_everyone(false),
            user: &[5, 7],
            query: ScopeQuery::Common,
            with: "R",
            without: "D, W",
        },
        // The same, defaults off: no role at all.
        Case {
            rights: rights(Some(R), None, &[(COMMON, 5, W)]),
            options: bitrix().implicit_everyone(false).use_default(false),
            user: &[5],
            query: ScopeQuery::Common,
            with: "none",
            without: "W",
        },
    ];
    for case in cases {
        roles(case);
    }
}

#[test]
fn checks_follow_the_directory() {
    let rights = rights(Some(R), None, &[(COMMON, 5, W)]);
    let editor = groups(&[2, 5]);
    let plain = rights.compile(bitrix());
    assert!(plain.can(&editor, Scope::Common, W));
    for compiled in folded(&rights, &bitrix()) {
        assert!(!compiled.can(&editor, Scope::Common, W));
        assert!(compiled.can(&editor, Scope::Common, R));
        let denied = compiled.require(&editor, Scope::Common, W).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "access denied to module b24connector: needs W, holds R"
        );
        assert_eq!(compiled.groups(), &directory());
    }
    assert_eq!(plain.groups(), &GroupDirectory::empty());
}
