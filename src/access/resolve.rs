//! The resolution rules (ARCHITECTURE rules 9–16), written once.
//!
//! Everything that answers an access question — `resolve`, `explain`,
//! `can`, `require`, `roles`, on compiled or plain rights — ends up here,
//! reading the compiled [`Index`]. The query decides how one group's grant
//! is looked up ([`Lookup`]); the rules around it are the same for all.

use super::decision::Reason;
use super::index::{level_of, Index, SiteCell};
use super::level::{AccessLevel, AccessLevels};
use super::query::ScopeQuery;
use super::table::GroupTable;
use crate::ids::{GroupId, Scope};

/// A level with its reason, before the module is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) level: AccessLevel,
    pub(crate) reason: Reason,
}

/// Where a group's grant came from, kept small while scanning and turned
/// into a [`Scope`] once at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Common,
    /// The site of a [`ScopeQuery::Site`] query.
    AskedSite,
    /// The `i`-th scope of a [`ScopeQuery::Exact`] list.
    Listed(usize),
}

/// One group's grant under a query: the code of its level and its origin.
type Found = (u8, Origin);

/// How one group's grant is found under one kind of query. Each kind is its
/// own type so the scanning loops are compiled once per kind, with the
/// lookup inlined.
trait Lookup {
    fn grant(&self, group: GroupId) -> Option<Found>;
}

/// Common grants only.
struct CommonLookup<'a>(&'a GroupTable);

impl Lookup for CommonLookup<'_> {
    #[inline]
    fn grant(&self, group: GroupId) -> Option<Found> {
        match self.0.get(group) {
            0 => None,
            c => Some((c, Origin::Common)),
        }
    }
}

/// Common and site grants, precompiled as their max.
struct SiteLookup<'a>(&'a GroupTable);

impl Lookup for SiteLookup<'_> {
    #[inline]
    fn grant(&self, group: GroupId) -> Option<Found> {
        let cell = SiteCell(self.0.get(group));
        match cell.merged() {
            0 => None,
            // Equal common and site grants name the site: the more specific.
            m if cell.own() == m => Some((m, Origin::AskedSite)),
            m => Some((m, Origin::Common)),
        }
    }
}

/// Exactly the listed scopes.
struct ExactLookup<'a> {
    index: &'a Index,
    scopes: &'a [Scope],
}

impl Lookup for ExactLookup<'_> {
    fn grant(&self, group: GroupId) -> Option<Found> {
        let mut best: Option<(u8, Origin, bool)> = None;
        for (i, scope) in self.scopes.iter().enumerate() {
            let (c, is_site) = match scope {
                Scope::Common => (self.index.common.get(group), false),
                Scope::Site(site) => {
                    let own = self
                        .index
                        .site(*site)
                        .and_then(|s| s.grants.as_ref())
                        .map_or(0, |t| SiteCell(t.get(group)).own());
                    (own, true)
                }
            };
            // Higher level wins; on a tie a site grant is named before the
            // common one, and the first listed site before later ones.
            let better = c != 0
                && best.is_none_or(|(bc, _, b_site)| c > bc || (c == bc && is_site && !b_site));
            if better {
                best = Some((c, Origin::Listed(i), is_site));
            }
        }
        best.map(|(c, origin, _)| (c, origin))
    }
}

/// Runs `job` with the lookup that `query` calls for.
fn with_lookup<R>(index: &Index, query: ScopeQuery<'_>, job: impl Job<Output = R>) -> R {
    match query {
        ScopeQuery::Site(site) => match index.site(site).and_then(|s| s.grants.as_ref()) {
            Some(table) => job.run(index, query, SiteLookup(table)),
            // A site without grants of its own sees the common ones.
            None => job.run(index, query, CommonLookup(&index.common)),
        },
        ScopeQuery::Exact(scopes) => job.run(index, query, ExactLookup { index, scopes }),
        ScopeQuery::Common => job.run(index, query, CommonLookup(&index.common)),
    }
}

/// Something computed over the user's groups with some [`Lookup`].
trait Job {
    type Output;
    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Self::Output;
}

/// `GetUserRight` with its reason (rules 9, 10, 12, 14, 16).
pub(crate) fn decide(index: &Index, groups: &[GroupId], query: ScopeQuery<'_>) -> Outcome {
    with_lookup(index, query, Decide(groups))
}

struct Decide<'g>(&'g [GroupId]);

impl Job for Decide<'_> {
    type Output = Outcome;

    #[inline]
    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Outcome {
        let options = &index.options;
        let bypass = options.has_admin_bypass();
        let mut admin: Option<GroupId> = None;
        let mut best: Option<(u8, GroupId, Origin)> = None;
        for &group in self.0 {
            if bypass && options.is_admin_group(group) && admin.is_none_or(|a| group < a) {
                admin = Some(group);
            }
            if let Some((c, origin)) = lookup.grant(group) {
                // Highest level wins; ties go to the lowest group id, which
                // makes the answer independent of order and repeats.
                if best.is_none_or(|(bc, bg, _)| c > bc || (c == bc && group < bg)) {
                    best = Some((c, group, origin));
                }
            }
        }
        if let Some(group) = admin {
            return Outcome {
                level: AccessLevel::W,
                reason: Reason::Administrator { group },
            };
        }
        if let Some((c, group, origin)) = best {
            return Outcome {
                level: level_of(c),
                reason: Reason::Grant {
                    group,
                    scope: scope_of(origin, query),
                },
            };
        }
        if !options.uses_default() {
            return Outcome {
                level: AccessLevel::D,
                reason: Reason::DefaultsOff,
            };
        }
        default_of(index, query)
    }
}

/// `GetUserRoles` (rule 13); see [`CompiledRights::roles`] for the
/// definition.
///
/// [`CompiledRights::roles`]: super::CompiledRights::roles
pub(crate) fn roles(index: &Index, groups: &[GroupId], query: ScopeQuery<'_>) -> AccessLevels {
    with_lookup(index, query, Roles(groups))
}

struct Roles<'g>(&'g [GroupId]);

impl Job for Roles<'_> {
    type Output = AccessLevels;

    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> AccessLevels {
        let options = &index.options;
        let mut roles = AccessLevels::empty();
        let mut without_grant = self.0.is_empty();
        for &group in self.0 {
            if options.has_admin_bypass() && options.is_admin_group(group) {
                roles = roles.with(AccessLevel::W);
            }
            match lookup.grant(group) {
                Some((c, _)) => roles = roles.with(level_of(c)),
                None => without_grant = true,
            }
        }
        if without_grant && options.uses_default() {
            roles = roles.with(default_of(index, query).level);
        }
        roles
    }
}

/// The scope an [`Origin`] stands for under `query`.
fn scope_of(origin: Origin, query: ScopeQuery<'_>) -> Scope {
    match (origin, query) {
        (Origin::AskedSite, ScopeQuery::Site(site)) => Scope::Site(site),
        (Origin::Listed(i), ScopeQuery::Exact(scopes)) => {
            scopes.get(i).copied().unwrap_or(Scope::Common)
        }
        _ => Scope::Common,
    }
}

/// The default level under `query` and where it came from (rules 7, 9, 11).
fn default_of(index: &Index, query: ScopeQuery<'_>) -> Outcome {
    let site_default = match query {
        ScopeQuery::Common => None,
        ScopeQuery::Site(site) => index
            .site(site)
            .and_then(|s| s.default)
            .map(|level| (level, Scope::Site(site))),
        ScopeQuery::Exact(scopes) => scopes.iter().find_map(|scope| {
            let site = scope.site()?;
            let level = index.site(site)?.default?;
            Some((level, Scope::Site(site)))
        }),
    };
    match site_default.or(index.common_default.map(|level| (level, Scope::Common))) {
        Some((level, scope)) => Outcome {
            level,
            reason: Reason::Default { scope },
        },
        None => Outcome {
            level: AccessLevel::D,
            reason: Reason::BuiltInDefault,
        },
    }
}
