//! Laws of access resolution over random rights, through the public API
//! only. The strongest one compares the compiled index with a naive
//! reference written here straight from ARCHITECTURE rules 9–16; the last
//! ones pin what a group directory does (rule 29).

use proptest::prelude::*;

use module_settings::access::{
    AccessLevels, CompiledRights, ModuleLevels, ModuleRights, Reason, ResolveOptions, ScopeQuery,
};
use module_settings::groups::{Group, GroupDirectory};
use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

// ---------------------------------------------------------------------------
// Random inputs

const SITES: [&str; 4] = ["s1", "s2", "s3", "s4"];

/// Mostly small ids (the dense table layout), some far apart (the hashed
/// layout), and the administrators group now and then.
fn group() -> impl Strategy<Value = GroupId> {
    prop_oneof![
        6 => 1u32..=12,
        1 => prop::sample::select(vec![1_024u32, 70_000, 1_000_003, 4_000_000_000, u32::MAX]),
    ]
    .prop_map(|id| GroupId::new(id).expect("ids above are non-zero"))
}

/// Sites s1–s3 appear in rights; s4 only in queries (a site nobody set up).
fn site_in_rights() -> impl Strategy<Value = SiteId> {
    (0..3usize).prop_map(|i| SiteId::new(SITES[i]).expect("valid site id"))
}

fn site_in_query() -> impl Strategy<Value = SiteId> {
    (0..4usize).prop_map(|i| SiteId::new(SITES[i]).expect("valid site id"))
}

fn scope(site: impl Strategy<Value = SiteId>) -> impl Strategy<Value = Scope> {
    prop_oneof![1 => Just(Scope::Common), 2 => site.prop_map(Scope::Site)]
}

fn level() -> impl Strategy<Value = AccessLevel> {
    prop::sample::select(AccessLevel::ALL.to_vec())
}

/// Rights of a module that accepts all four levels.
fn rights() -> impl Strategy<Value = ModuleRights> {
    rights_from(group().boxed(), level().boxed())
}

/// Few groups and two levels: equal grants everywhere, to exercise every
/// tie-break (lowest group, site before common, first listed site).
fn tied_rights() -> impl Strategy<Value = ModuleRights> {
    let few = (1u32..=3).prop_map(|id| GroupId::new(id).expect("non-zero"));
    let two = prop::sample::select(vec![AccessLevel::R, AccessLevel::W]);
    rights_from(few.boxed(), two.boxed())
}

/// Rights over many ids of one layout — small, a high run beside the
/// administrators group, two ranges far apart, or anywhere in `u32` — so
/// that every table layout of the compiled index is built; and a user of
/// the same layout, half in granted groups.
fn rights_and_user_of_one_layout() -> impl Strategy<Value = (ModuleRights, Vec<GroupId>)> {
    let layouts: [fn() -> BoxedStrategy<u32>; 4] = [
        || (1u32..=1500).boxed(),
        || prop_oneof![1 => Just(1u32), 20 => 1_000_000u32..1_001_500].boxed(),
        || prop_oneof![1u32..=750, 1_000_000_000u32..1_000_000_750].boxed(),
        || (1u32..=u32::MAX).boxed(),
    ];
    (0..layouts.len()).prop_flat_map(move |layout| {
        let ids = layouts[layout]().prop_map(|id| GroupId::new(id).expect("non-zero"));
        let rights = rights_with(ids.clone().boxed(), level().boxed(), 0..300);
        (rights, prop::collection::vec(ids, 0..5)).prop_flat_map(|(rights, others)| {
            let granted: Vec<GroupId> = rights.grants().map(|g| g.group).collect();
            let picks = if granted.is_empty() {
                Just(Vec::new()).boxed()
            } else {
                prop::collection::vec(prop::sample::select(granted), 0..5).boxed()
            };
            (
                Just(rights),
                picks.prop_map(move |mut user| {
                    user.extend(others.iter().copied());
                    user
                }),
            )
        })
    })
}

fn rights_from(
    group: BoxedStrategy<GroupId>,
    level: BoxedStrategy<AccessLevel>,
) -> impl Strategy<Value = ModuleRights> {
    rights_with(group, level, 0..30)
}

fn rights_with(
    group: BoxedStrategy<GroupId>,
    level: BoxedStrategy<AccessLevel>,
    grants: std::ops::Range<usize>,
) -> impl Strategy<Value = ModuleRights> {
    (
        prop::collection::vec((scope(site_in_rights()), group, level.clone()), grants),
        prop::collection::vec((scope(site_in_rights()), level), 0..4),
    )
        .prop_map(|(grants, defaults)| {
            let mut rights = ModuleRights::new(
                ModuleId::from_static("b24connector"),
                ModuleLevels::B24_CONNECTOR,
            );
            for (scope, group, level) in grants {
                rights
                    .grant(scope, group, level)
                    .expect("all levels accepted");
            }
            for (scope, level) in defaults {
                rights
                    .set_default(scope, level)
                    .expect("all levels accepted");
            }
            rights
        })
}

fn options() -> impl Strategy<Value = ResolveOptions> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::collection::vec(group(), 0..3)),
    )
        .prop_map(|(bypass, use_default, everyone, admins)| {
            let options = ResolveOptions::new()
                .admin_bypass(bypass)
                .use_default(use_default)
                .implicit_everyone(everyone);
            match admins {
                Some(admins) => options.admin_groups(admins),
                None => options,
            }
        })
}

fn user() -> impl Strategy<Value = Vec<GroupId>> {
    prop::collection::vec(group(), 0..9)
}

/// An owned query, since [`ScopeQuery::Exact`] borrows its list.
#[derive(Debug, Clone)]
enum Query {
    Common,
    Site(SiteId),
    Exact(Vec<Scope>),
}

impl Query {
    fn as_query(&self) -> ScopeQuery<'_> {
        match self {
            Query::Common => ScopeQuery::Common,
            Query::Site(site) => ScopeQuery::Site(*site),
            Query::Exact(scopes) => ScopeQuery::Exact(scopes),
        }
    }

    /// The scopes whose grants count, in the order ties are broken.
    fn visible(&self) -> Vec<Scope> {
        match self {
            Query::Common => vec![Scope::Common],
            Query::Site(site) => vec![Scope::Common, Scope::Site(*site)],
            Query::Exact(scopes) => scopes.clone(),
        }
    }
}

/// A query that sees at least one scope (an exact list is never empty).
fn query_seeing_a_scope() -> impl Strategy<Value = Query> {
    prop_oneof![
        Just(Query::Common),
        site_in_query().prop_map(Query::Site),
        prop::collection::vec(scope(site_in_query()), 1..4).prop_map(Query::Exact),
    ]
}

/// Another group than `group`: the next id, wrapping to 1.
fn next(group: GroupId) -> GroupId {
    GroupId::new(group.get().checked_add(1).unwrap_or(1)).expect("non-zero")
}

fn query() -> impl Strategy<Value = Query> {
    prop_oneof![
        Just(Query::Common),
        site_in_query().prop_map(Query::Site),
        prop::collection::vec(scope(site_in_query()), 0..4).prop_map(Query::Exact),
    ]
}

// ---------------------------------------------------------------------------
// The naive reference: straight from the rules, over `ModuleRights`' own
// maps, with none of the index's tricks.

fn naive_default(rights: &ModuleRights, query: &Query) -> (AccessLevel, Reason) {
    let site_default = match query {
        Query::Common => None,
        Query::Site(site) => rights
            .default_level(Scope::Site(*site))
            .map(|l| (l, Scope::Site(*site))),
        Query::Exact(scopes) => scopes
            .iter()
            .filter(|s| matches!(s, Scope::Site(_)))
            .find_map(|s| rights.default_level(*s).map(|l| (l, *s))),
    };
    let common = rights
        .default_level(Scope::Common)
        .map(|l| (l, Scope::Common));
    match site_default.or(common) {
        Some((level, scope)) => (level, Reason::Default { scope }),
        None => (AccessLevel::D, Reason::BuiltInDefault),
    }
}

/// One group's grant under the query: the highest; on a tie a site before
/// the common scope, and the first listed site before later ones.
fn naive_grant(
    rights: &ModuleRights,
    group: GroupId,
    query: &Query,
) -> Option<(AccessLevel, Scope)> {
    let mut best: Option<(AccessLevel, Scope)> = None;
    for scope in query.visible() {
        let Some(level) = rights.grant_of(scope, group) else {
            continue;
        };
        best = match best {
            None => Some((level, scope)),
            Some((b, _)) if level > b => Some((level, scope)),
            Some((b, Scope::Common)) if level == b && scope != Scope::Common => {
                Some((level, scope))
            }
            keep => keep,
        };
    }
    best
}

/// The groups a check counts: the listed ones, and group 2 when it is
/// implicit (rule 3).
fn counted(options: &ResolveOptions, groups: &[GroupId]) -> Vec<GroupId> {
    let mut counted = groups.to_vec();
    if options.has_implicit_everyone() {
        counted.push(GroupId::EVERYONE);
    }
    counted
}

fn naive_decide(
    rights: &ModuleRights,
    options: &ResolveOptions,
    groups: &[GroupId],
    query: &Query,
) -> (AccessLevel, Reason) {
    let groups = &counted(options, groups)[..];
    let admins = options.administrator_groups();
    if options.has_admin_bypass() {
        if let Some(group) = groups.iter().filter(|g| admins.contains(g)).min() {
            return (AccessLevel::W, Reason::Administrator { group: *group });
        }
    }
    let mut sorted = groups.to_vec();
    sorted.sort();
    sorted.dedup();
    let granted: Vec<(AccessLevel, GroupId, Scope)> = sorted
        .iter()
        .filter_map(|&g| naive_grant(rights, g, query).map(|(l, s)| (l, g, s)))
        .collect();
    if let Some(top) = granted.iter().map(|(l, _, _)| *l).max() {
        // `sorted` is ascending, so the first with the top level has the
        // lowest id.
        let (level, group, scope) = granted
            .into_iter()
            .find(|(l, _, _)| *l == top)
            .expect("top exists");
        return (level, Reason::Grant { group, scope });
    }
    if !options.uses_default() {
        return (AccessLevel::D, Reason::DefaultsOff);
    }
    naive_default(rights, query)
}

fn naive_roles(
    rights: &ModuleRights,
    options: &ResolveOptions,
    groups: &[GroupId],
    query: &Query,
) -> AccessLevels {
    let groups = &counted(options, groups)[..];
    let admins = options.administrator_groups();
    let mut roles = AccessLevels::empty();
    if options.has_admin_bypass() && groups.iter().any(|g| admins.contains(g)) {
        roles = roles.with(AccessLevel::W);
    }
    let mut without_grant = groups.is_empty();
    for &g in groups {
        match naive_grant(rights, g, query) {
            Some((level, _)) => roles = roles.with(level),
            None => without_grant = true,
        }
    }
    if without_grant && options.uses_default() {
        roles = roles.with(naive_default(rights, query).0);
    }
    roles
}

// ---------------------------------------------------------------------------
// The laws

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The compiled index answers exactly what the naive reference says:
    /// level, reason and roles.
    #[test]
    fn compiled_index_matches_the_naive_reference(
        rights in rights(), options in options(), user in user(), query in query(),
    ) {
        let compiled = rights.compile(options.clone());
        let decision = compiled.explain(&user, query.as_query());
        let (level, reason) = naive_decide(&rights, &options, &user, &query);
        prop_assert_eq!(decision.level(), level);
        prop_assert_eq!(decision.reason(), reason);
        prop_assert_eq!(compiled.resolve(&user, query.as_query()), level);
        prop_assert_eq!(
            compiled.roles(&user, query.as_query()),
            naive_roles(&rights, &options, &user, &query)
        );
        for needed in AccessLevel::ALL {
            prop_assert_eq!(compiled.can(&user, query.as_query(), needed), level >= needed);
            prop_assert_eq!(compiled.require(&user, query.as_query(), needed).is_ok(), level >= needed);
        }
    }

    /// The same at every id layout, with enough grants for each of the
    /// index's table layouts.
    #[test]
    fn compiled_index_matches_the_naive_reference_at_any_id_layout(
        (rights, user) in rights_and_user_of_one_layout(),
        options in options(),
        query in query(),
    ) {
        let compiled = rights.compile(options.clone());
        let decision = compiled.explain(&user, query.as_query());
        let (level, reason) = naive_decide(&rights, &options, &user, &query);
        prop_assert_eq!(decision.level(), level);
        prop_assert_eq!(decision.reason(), reason);
        prop_assert_eq!(compiled.resolve(&user, query.as_query()), level);
        prop_assert_eq!(
            compiled.roles(&user, query.as_query()),
            naive_roles(&rights, &options, &user, &query)
        );
    }

    /// The same, where equal grants are the rule rather than the exception.
    #[test]
    fn compiled_index_matches_the_naive_reference_on_ties(
        rights in tied_rights(),
        user in prop::collection::vec((1u32..=4).prop_map(|id| GroupId::new(id).expect("non-zero")), 0..5),
        query in query(),
        admins in prop::collection::vec(1u32..=4, 0..3),
        everyone in any::<bool>(),
    ) {
        // Administrators among the granted groups: their own grants must
        // not decide which administrator group is named. Group 2 is among
        // the tied groups, listed or implied.
        let admins = admins.into_iter().map(|id| GroupId::new(id).expect("non-zero"));
        let options = ResolveOptions::new().admin_groups(admins).implicit_everyone(everyone);
        let compiled = rights.compile(options.clone());
        let decision = compiled.explain(&user, query.as_query());
        let (level, reason) = naive_decide(&rights, &options, &user, &query);
        prop_assert_eq!(decision.level(), level);
        prop_assert_eq!(decision.reason(), reason);
        let roles = compiled.roles(&user, query.as_query());
        prop_assert_eq!(roles, naive_roles(&rights, &options, &user, &query));
    }

    /// Rule 16: group order and duplicates never change the result.
    #[test]
    fn group_order_and_duplicates_do_not_matter(
        rights in rights(), options in options(), query in query(),
        (user, shuffled) in user().prop_flat_map(|u| (Just(u.clone()), Just(u).prop_shuffle())),
        repeat in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let compiled = rights.compile(options);
        let mut other = shuffled;
        if !user.is_empty() {
            for i in repeat {
                other.push(*i.get(&user));
            }
        }
        prop_assert_eq!(
            compiled.explain(&user, query.as_query()),
            compiled.explain(&other, query.as_query())
        );
        prop_assert_eq!(compiled.roles(&user, query.as_query()), compiled.roles(&other, query.as_query()));
    }

    /// Rule 3: with group 2 implicit (the default), listing it or not
    /// never changes the decision or the roles.
    #[test]
    fn group_2_listed_or_not_is_the_same_user(
        rights in rights(), options in options(), user in user(), query in query(),
    ) {
        let compiled = rights.compile(options.implicit_everyone(true));
        let without: Vec<GroupId> = user.iter().copied().filter(|g| *g != GroupId::EVERYONE).collect();
        let mut with = without.clone();
        with.push(GroupId::EVERYONE);
        prop_assert_eq!(
            compiled.explain(&without, query.as_query()),
            compiled.explain(&with, query.as_query())
        );
        prop_assert_eq!(
            compiled.roles(&without, query.as_query()),
            compiled.roles(&with, query.as_query())
        );
    }

    /// Adding a grant never lowers anyone's level when a grant (or the
    /// administrator bypass) already applied to that user in that scope.
    ///
    /// The inputs are made to fit rather than filtered: the user joins a
    /// group with a grant in a scope the query sees, and the slot the new
    /// grant goes to is emptied first.
    #[test]
    fn adding_a_grant_never_lowers_a_granted_level(
        rights in rights(), options in options(), mut user in user(), query in query_seeing_a_scope(),
        (scope, group, level) in (scope(site_in_query()), group(), level()),
        (held, held_level, seen) in (group(), level(), any::<prop::sample::Index>()),
    ) {
        let mut rights = rights;
        let visible = query.visible();
        let held_scope = *seen.get(&visible);
        rights.grant(held_scope, held, held_level).expect("all levels accepted");
        user.push(held);
        // The new grant must not replace the one just made.
        let group = if (scope, group) == (held_scope, held) { next(group) } else { group };
        rights.remove_grant(scope, group);

        let before = rights.compile(options.clone()).explain(&user, query.as_query());
        prop_assert!(
            matches!(before.reason(), Reason::Grant { .. } | Reason::Administrator { .. }),
            "a grant applies by construction: {}", before
        );
        let mut more = rights.clone();
        more.grant(scope, group, level).expect("all levels accepted");
        let after = more.compile(options).resolve(&user, query.as_query());
        prop_assert!(after >= before.level(), "{} -> {}", before, after);
    }

    /// With the bypass on, anyone in an administrator group is W, whatever
    /// the rights say.
    #[test]
    fn administrators_are_w_when_the_bypass_is_on(
        rights in rights(), options in options(), mut user in user(), query in query(),
        admin in group(),
    ) {
        let options = options.admin_bypass(true);
        let options = if options.administrator_groups().is_empty() {
            options.admin_groups([admin])
        } else {
            options
        };
        let admin = options.administrator_groups()[0];
        user.push(admin);
        let compiled = rights.compile(options);
        prop_assert_eq!(compiled.resolve(&user, query.as_query()), AccessLevel::W);
        let is_admin = matches!(
            compiled.explain(&user, query.as_query()).reason(),
            Reason::Administrator { .. }
        );
        prop_assert!(is_admin, "the reason names an administrator group");
        prop_assert!(compiled.roles(&user, query.as_query()).has(AccessLevel::W));
    }

    /// Rule 14: the explained level is the resolved level; with defaults on
    /// the roles contain it too.
    #[test]
    fn explanations_and_roles_agree_with_resolve(
        rights in rights(), options in options(), user in user(), query in query(),
    ) {
        let compiled = rights.compile(options.clone());
        let level = compiled.resolve(&user, query.as_query());
        let decision = compiled.explain(&user, query.as_query());
        prop_assert_eq!(decision.level(), level);
        let prefix = format!("{level}: ");
        prop_assert!(decision.to_string().starts_with(&prefix), "{}", decision);
        if options.uses_default() {
            prop_assert!(compiled.roles(&user, query.as_query()).has(level));
        }
    }

    /// A site query counts the common grants too: it is never lower than the
    /// same user's common level when a grant applied there.
    ///
    /// The inputs are made to fit rather than filtered: the user joins a
    /// group with a common grant, and when the administrator bypass would
    /// decide instead, it is switched off.
    #[test]
    fn a_site_sees_at_least_the_common_grants(
        rights in rights(), options in options(), mut user in user(), site in site_in_query(),
        (held, held_level) in (group(), level()),
    ) {
        let mut rights = rights;
        if rights.grant_of(Scope::Common, held).is_none() {
            rights.grant(Scope::Common, held, held_level).expect("all levels accepted");
        }
        user.push(held);
        let mut compiled = rights.compile(options.clone());
        if matches!(compiled.explain(&user, Scope::Common).reason(), Reason::Administrator { .. }) {
            compiled = rights.compile(options.admin_bypass(false));
        }
        let common = compiled.explain(&user, Scope::Common);
        prop_assert!(matches!(common.reason(), Reason::Grant { .. }), "a grant applies by construction: {}", common);
        prop_assert!(compiled.resolve(&user, site) >= common.level());
    }
}

// ---------------------------------------------------------------------------
// Group directories

/// A directory of `rows` (id, active).
fn directory_of(rows: impl IntoIterator<Item = (GroupId, bool)>) -> GroupDirectory {
    GroupDirectory::new(
        rows.into_iter()
            .map(|(id, active)| Group::new(id, format!("group {id}")).with_active(active)),
    )
    .expect("ids are distinct")
}

/// Some of the ids `group` draws, each active or not — rows for groups 1
/// and 2 among them now and then.
fn directory() -> impl Strategy<Value = GroupDirectory> {
    prop::collection::btree_map(group(), any::<bool>(), 0..8).prop_map(directory_of)
}

/// `user` without the groups `groups` marks inactive.
fn active_only(groups: &GroupDirectory, user: &[GroupId]) -> Vec<GroupId> {
    user.iter()
        .copied()
        .filter(|&g| groups.is_active(g))
        .collect()
}

/// `a` for `a_user` answers every question as `b` does for `b_user`.
fn same_answers(
    (a, a_user): (&CompiledRights, &[GroupId]),
    (b, b_user): (&CompiledRights, &[GroupId]),
    query: &Query,
) -> Result<(), TestCaseError> {
    let query = query.as_query();
    prop_assert_eq!(a.explain(a_user, query), b.explain(b_user, query));
    prop_assert_eq!(a.resolve(a_user, query), b.resolve(b_user, query));
    prop_assert_eq!(a.roles(a_user, query), b.roles(b_user, query));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A directory in which every listed group is active (groups 1 and 2
    /// whatever their rows say) decides exactly as no directory.
    #[test]
    fn a_directory_of_active_groups_changes_nothing(
        rights in rights(), options in options(), user in user(), query in query(),
        listed in prop::collection::btree_set(group(), 0..8),
        claims_1_and_2_are_off in any::<bool>(),
    ) {
        let mut rows: Vec<(GroupId, bool)> = listed.into_iter().map(|g| (g, true)).collect();
        for row in &mut rows {
            if claims_1_and_2_are_off && (row.0 == GroupId::ADMINISTRATORS || row.0 == GroupId::EVERYONE) {
                row.1 = false;
            }
        }
        let groups = directory_of(rows);
        prop_assert!(groups.inactive_groups().is_empty());
        let with = rights.compile_with(options.clone(), &groups);
        let without = rights.compile(options);
        same_answers((&with, &user), (&without, &user), &query)?;
    }

    /// An inactive group is a group the user is not in: for any rights,
    /// options, directory, groups and query, the answers with the directory
    /// — level, reason and roles — are the answers without it for the
    /// user's groups minus the inactive ones.
    ///
    /// There is no exception for a user whose only groups are inactive: with
    /// group 2 counted (it is always active) the user keeps it; without
    /// it, the user is left with no group at all, and a user with no group
    /// gets the default (resolve, explain) and holds the default (roles) —
    /// the answer for an empty list. An inactive group never adds a default
    /// role of its own.
    #[test]
    fn an_inactive_group_is_a_group_the_user_is_not_in(
        rights in rights(), options in options(), user in user(), query in query(),
        groups in directory(),
    ) {
        let with = rights.compile_with(options.clone(), &groups);
        let without = rights.compile(options);
        same_answers((&with, &user), (&without, &active_only(&groups, &user)), &query)?;
    }

    /// The same at every id layout, the inactive groups drawn from the
    /// granted ones and the user's, so every table layout carries marks.
    #[test]
    fn an_inactive_group_is_a_group_the_user_is_not_in_at_any_id_layout(
        (rights, user) in rights_and_user_of_one_layout(),
        options in options(),
        query in query(),
        switched_off in prop::collection::vec(any::<bool>(), 1..16),
    ) {
        let mut known: Vec<GroupId> = rights.grants().map(|g| g.group).chain(user.iter().copied()).collect();
        known.sort();
        known.dedup();
        let rows = known.iter().enumerate().map(|(i, &g)| (g, !switched_off[i % switched_off.len()]));
        let groups = directory_of(rows);
        let with = rights.compile_with(options.clone(), &groups);
        let without = rights.compile(options);
        same_answers((&with, &user), (&without, &active_only(&groups, &user)), &query)?;
    }

    /// Folding another directory into compiled rights answers as compiling
    /// with it from scratch.
    #[test]
    fn a_new_directory_folded_in_is_a_compile_with_it(
        rights in rights(), options in options(), user in user(), query in query(),
        before in directory(), after in directory(),
    ) {
        let folded = rights.compile_with(options.clone(), &before).with_groups(&after);
        let fresh = rights.compile_with(options, &after);
        prop_assert_eq!(folded.groups(), &after);
        same_answers((&folded, &user), (&fresh, &user), &query)?;
    }
}
