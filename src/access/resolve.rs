//! The resolution rules (ARCHITECTURE rules 9–16), written once.
//!
//! Everything that answers an access question — `resolve`, `explain`,
//! `can`, `require`, `roles`, on compiled or plain rights — ends up here,
//! reading the compiled [`Index`]. The query decides how one group's cell
//! is read ([`Lookup`]); the rules around it are the same for all.
//!
//! The scan over the user's groups is branch-free: the winner is the
//! maximum of the key `rank << 32 | !group`, where [`Cell::rank`] puts any
//! administrator above any grant and a higher grant above a lower one; so
//! among equals the lowest group id wins — whatever the order of the groups
//! and however often one repeats (rule 16). Users' group lists look random
//! to a branch predictor, so this matters as much as the table lookups.

use super::cell::{level_of, Cell, RANK_ADMIN};
use super::decision::Reason;
use super::index::Index;
use super::level::{AccessLevel, AccessLevels};
use super::query::ScopeQuery;
use super::table::{Cells, Dense, GroupTable};
use crate::ids::{GroupId, Scope};

/// A level with its reason, before the module is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) level: AccessLevel,
    pub(crate) reason: Reason,
}

/// How one kind of query reads a group. Each kind is its own type so the
/// scan is compiled once per kind with the lookup inlined.
trait Lookup {
    /// What the scan compares for the group: [`RANK_ADMIN`] for an
    /// administrator group (bypass on), else the code of its highest grant
    /// the query sees (0 = none). The hot path.
    fn rank(&self, group: GroupId) -> u8;

    /// The code of the group's highest grant the query sees (0 = none) and
    /// whether it is an administrator group: both, for `roles`.
    fn grant_and_admin(&self, group: GroupId) -> (u8, bool);

    /// Where the grant that [`rank`](Self::rank) reported was made; called
    /// once, for the winning group, only when a reason is wanted.
    fn scope_of(&self, group: GroupId) -> Scope;
}

/// One table answers: the common table (its scope is common) or a site's
/// merged table (a grant is the site's when the site's own grant is the
/// merged one — so equal common and site grants name the site).
struct TableLookup<C> {
    cells: C,
    scope: Scope,
}

impl<C: Cells> Lookup for TableLookup<C> {
    #[inline(always)]
    fn rank(&self, group: GroupId) -> u8 {
        Cell(self.cells.get(group)).rank()
    }

    fn grant_and_admin(&self, group: GroupId) -> (u8, bool) {
        let cell = Cell(self.cells.get(group));
        (cell.merged(), cell.admin())
    }

    fn scope_of(&self, group: GroupId) -> Scope {
        let cell = Cell(self.cells.get(group));
        if cell.own() == cell.merged() {
            self.scope
        } else {
            Scope::Common
        }
    }
}

/// Exactly the listed scopes (Bitrix-exact).
struct ExactLookup<'a> {
    index: &'a Index,
    scopes: &'a [Scope],
}

impl ExactLookup<'_> {
    /// The code of `group`'s own grant in `scope` (0 = none).
    fn own(&self, group: GroupId, scope: Scope) -> u8 {
        match scope {
            Scope::Common => Cell(self.index.common.get(group)).own(),
            Scope::Site(site) => self
                .index
                .site(site)
                .and_then(|s| s.grants.as_ref())
                .map_or(0, |table| Cell(table.get(group)).own()),
        }
    }
}

impl Lookup for ExactLookup<'_> {
    fn rank(&self, group: GroupId) -> u8 {
        match self.grant_and_admin(group) {
            (_, true) => RANK_ADMIN,
            (top, false) => top,
        }
    }

    fn grant_and_admin(&self, group: GroupId) -> (u8, bool) {
        // Administrator groups are flagged in the common table whatever
        // the query.
        let admin = Cell(self.index.common.get(group)).admin();
        let top = self
            .scopes
            .iter()
            .map(|&scope| self.own(group, scope))
            .max()
            .unwrap_or(0);
        (top, admin)
    }

    fn scope_of(&self, group: GroupId) -> Scope {
        // Among the group's highest grants: a site before the common
        // scope, and the first listed site before later ones.
        let (top, _) = self.grant_and_admin(group);
        let mut found = Scope::Common;
        for &scope in self.scopes {
            if self.own(group, scope) == top && top != 0 {
                if let Scope::Site(_) = scope {
                    return scope;
                }
                found = scope;
            }
        }
        found
    }
}

/// Runs `job` with the lookup that `query` calls for.
#[inline(always)]
fn with_lookup<J: Job>(index: &Index, query: ScopeQuery<'_>, job: J) -> J::Output {
    match query {
        ScopeQuery::Common => with_table(index, query, &index.common, Scope::Common, job),
        ScopeQuery::Site(site) => match index.site(site).and_then(|s| s.grants.as_ref()) {
            Some(table) => with_table(index, query, table, Scope::Site(site), job),
            // A site without grants of its own sees the common ones.
            None => with_table(index, query, &index.common, Scope::Common, job),
        },
        ScopeQuery::Exact(scopes) => job.run(index, query, ExactLookup { index, scopes }),
    }
}

/// Runs `job` over one table, with its layout decided here, once.
#[inline(always)]
fn with_table<J: Job>(
    index: &Index,
    query: ScopeQuery<'_>,
    table: &GroupTable,
    scope: Scope,
    job: J,
) -> J::Output {
    match table {
        GroupTable::Empty => job.run(
            index,
            query,
            TableLookup {
                cells: Dense(&[]),
                scope,
            },
        ),
        GroupTable::Dense(bytes) => job.run(
            index,
            query,
            TableLookup {
                cells: Dense(bytes),
                scope,
            },
        ),
        GroupTable::Hashed(hashed) => job.run(
            index,
            query,
            TableLookup {
                cells: hashed,
                scope,
            },
        ),
    }
}

/// Something computed over the user's groups with some [`Lookup`].
trait Job {
    type Output;
    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Self::Output;
}

/// What rules 9 and 12 decide, before it is spelled out.
#[derive(Clone, Copy)]
enum Verdict {
    Administrator(GroupId),
    Grant(u8, GroupId),
    Default,
    DefaultsOff,
}

/// What the scan maximises for one group: its rank above, `!id` below, so
/// the highest rank wins and among equals the lowest id.
#[inline(always)]
fn key<L: Lookup>(lookup: &L, group: GroupId) -> u64 {
    (u64::from(lookup.rank(group)) << 32) | u64::from(!group.get())
}

/// Rules 3, 9, 10, 12 and 16: group 2 counted whether listed or not, then
/// the bypass, else the highest grant (never mixed with the default), else
/// the default or D.
#[inline(always)]
fn verdict<L: Lookup>(index: &Index, groups: &[GroupId], lookup: &L) -> Verdict {
    // Group 2 is one more group in the max: listing it again changes
    // nothing, so the caller's list needs no copy and no check.
    let mut best = if index.options.has_implicit_everyone() {
        key(lookup, GroupId::EVERYONE)
    } else {
        0
    };
    for &group in groups {
        best = best.max(key(lookup, group));
    }
    let rank = (best >> 32) as u8;
    // The low half is `!id` of a non-zero id, so the id is never 0 here;
    // the administrators group is only a type-level fallback.
    let group = GroupId::new(!(best as u32)).unwrap_or(GroupId::ADMINISTRATORS);
    if rank >= RANK_ADMIN {
        Verdict::Administrator(group)
    } else if rank != 0 {
        Verdict::Grant(rank, group)
    } else if index.options.uses_default() {
        Verdict::Default
    } else {
        Verdict::DefaultsOff
    }
}

/// `GetUserRight`: the level alone, the hot path.
#[inline]
pub(crate) fn level(index: &Index, groups: &[GroupId], query: ScopeQuery<'_>) -> AccessLevel {
    with_lookup(index, query, Level(groups))
}

struct Level<'g>(&'g [GroupId]);

impl Job for Level<'_> {
    type Output = AccessLevel;

    #[inline(always)]
    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> AccessLevel {
        match verdict(index, self.0, &lookup) {
            Verdict::Administrator(_) => AccessLevel::W,
            Verdict::Grant(code, _) => level_of(code),
            Verdict::Default => default_of(index, query).level,
            Verdict::DefaultsOff => AccessLevel::D,
        }
    }
}

/// `GetUserRight` with its reason (rule 14).
pub(crate) fn decide(index: &Index, groups: &[GroupId], query: ScopeQuery<'_>) -> Outcome {
    with_lookup(index, query, Decide(groups))
}

struct Decide<'g>(&'g [GroupId]);

impl Job for Decide<'_> {
    type Output = Outcome;

    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Outcome {
        match verdict(index, self.0, &lookup) {
            Verdict::Administrator(group) => Outcome {
                level: AccessLevel::W,
                reason: Reason::Administrator { group },
            },
            Verdict::Grant(code, group) => Outcome {
                level: level_of(code),
                reason: Reason::Grant {
                    group,
                    scope: lookup.scope_of(group),
                },
            },
            Verdict::Default => default_of(index, query),
            Verdict::DefaultsOff => Outcome {
                level: AccessLevel::D,
                reason: Reason::DefaultsOff,
            },
        }
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
        let mut roles = AccessLevels::empty();
        // Group 2 contributes like any listed group (rule 3).
        let everyone = index
            .options
            .has_implicit_everyone()
            .then_some(&GroupId::EVERYONE);
        // A user in no group at all holds the default, as `resolve` says.
        let mut without_grant = self.0.is_empty() && everyone.is_none();
        for &group in self.0.iter().chain(everyone) {
            let (code, admin) = lookup.grant_and_admin(group);
            if admin {
                roles = roles.with(AccessLevel::W);
            }
            match code {
                0 => without_grant = true,
                code => roles = roles.with(level_of(code)),
            }
        }
        if without_grant && index.options.uses_default() {
            roles = roles.with(default_of(index, query).level);
        }
        roles
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
