//! The resolution rules, written once.
//!
//! Everything that answers an access question — `resolve`, `explain`,
//! `can`, `require`, `roles`, on compiled or plain rights — ends up here,
//! reading the compiled [`Index`]. The query decides how one group's cell
//! is read ([`Lookup`]): the common table alone, or a site's own table over
//! the common one, or exactly the listed scopes; the rules around it are
//! the same for all. Each table's layout is decided once per check, so the
//! scan is compiled once per layout with the lookup inlined.
//!
//! The scan over the user's groups takes no branch on the data: `resolve`
//! keeps the highest cell (a cell's rank is its high half, see
//! [`GroupCell`]); `explain` the maximum of the key `rank << 32 | !group`,
//! so among equal ranks the lowest group id wins — whatever the order of
//! the groups and however often one repeats. Users' group lists look random
//! to a branch predictor, so this matters as much as the table lookups.
//!
//! Groups switched off in the group directory rank 0 in every table (their
//! cells say so), so the scans skip them without a test of their own;
//! `roles`, which counts groups without a grant, reads the mark.

use std::hint::select_unpredictable;

use super::cell::{level_of, level_of_rank, GroupCell, RANK_ADMIN};
use super::decision::Reason;
use super::layout::Index;
use super::level::{AccessLevel, AccessLevels};
use super::query::ScopeQuery;
use super::table::{Cells, Dense, GroupTable, Layout};
use crate::ids::{GroupId, Scope, SiteId};

/// A level with its reason, before the module is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) level: AccessLevel,
    pub(crate) reason: Reason,
}

/// How one kind of query reads a group. Each kind is its own type so the
/// scan is compiled once per kind with the lookup inlined.
trait Lookup {
    /// A byte whose [`GroupCell::rank`] is what the scan compares for the
    /// group: [`RANK_ADMIN`] for an administrator group (bypass on), else
    /// the code of its highest grant the query sees (0 = none). A table's
    /// cell as it is, so the hot path does no arithmetic on it.
    fn ranked(&self, group: GroupId) -> u8;

    /// What the group brings to `roles`.
    fn contribution(&self, group: GroupId) -> Contribution;

    /// Where the grant that [`ranked`](Self::ranked) reported was made; called
    /// once, for the winning group, only when a reason is wanted.
    fn scope_of(&self, group: GroupId) -> Scope;
}

/// What one group brings to `roles`: the code of its highest grant the
/// query sees (0 = none), whether it is an administrator group (bypass on),
/// and whether it counts at all.
#[derive(Clone, Copy)]
struct Contribution {
    code: u8,
    admin: bool,
    active: bool,
}

impl Contribution {
    /// From the group's common cell (administrator flag, activity) and the
    /// code of its highest grant.
    fn new(common: GroupCell, code: u8) -> Self {
        Contribution {
            code,
            admin: common.admin(),
            active: common.active(),
        }
    }
}

/// The common table alone answers: the common query, and a site without
/// grants of its own.
struct CommonLookup<C> {
    cells: C,
}

impl<C: Cells> Lookup for CommonLookup<C> {
    #[inline(always)]
    fn ranked(&self, group: GroupId) -> u8 {
        self.cells.get(group)
    }

    fn contribution(&self, group: GroupId) -> Contribution {
        let cell = GroupCell(self.cells.get(group));
        Contribution::new(cell, cell.own())
    }

    fn scope_of(&self, _: GroupId) -> Scope {
        Scope::Common
    }
}

/// A site with grants of its own: its table read over the common one, the
/// higher grant winning. A grant is the site's when it is at least the
/// common one — so equal common and site grants name the site.
struct SiteLookup<C, O> {
    common: C,
    own: O,
    site: SiteId,
}

impl<C: Cells, O: Cells> Lookup for SiteLookup<C, O> {
    #[inline(always)]
    fn ranked(&self, group: GroupId) -> u8 {
        // The rank is the high half of a cell, so the higher cell has the
        // higher rank. Site cells are never administrators: their rank is
        // their grant (0 for an inactive group's, as in the common table).
        self.common.get(group).max(self.own.get(group))
    }

    fn contribution(&self, group: GroupId) -> Contribution {
        let common = GroupCell(self.common.get(group));
        let own = GroupCell(self.own.get(group)).own();
        Contribution::new(common, common.own().max(own))
    }

    fn scope_of(&self, group: GroupId) -> Scope {
        let common = GroupCell(self.common.get(group)).own();
        let own = GroupCell(self.own.get(group)).own();
        if own != 0 && own >= common {
            Scope::Site(self.site)
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

impl Lookup for ExactLookup<'_> {
    fn ranked(&self, group: GroupId) -> u8 {
        let Contribution {
            code,
            admin,
            active,
        } = self.contribution(group);
        GroupCell::with_activity(code, admin, active).0
    }

    fn contribution(&self, group: GroupId) -> Contribution {
        // Administrator groups and inactive groups are marked in the common
        // table whatever the query.
        let common = GroupCell(self.index.common.get(group));
        let top = self
            .scopes
            .iter()
            .map(|&scope| self.index.own(scope, group))
            .max()
            .unwrap_or(0);
        Contribution::new(common, top)
    }

    fn scope_of(&self, group: GroupId) -> Scope {
        // Among the group's highest grants: a site before the common
        // scope, and the first listed site before later ones.
        let top = self.contribution(group).code;
        let mut found = Scope::Common;
        for &scope in self.scopes {
            if self.index.own(scope, group) == top && top != 0 {
                if let Scope::Site(_) = scope {
                    return scope;
                }
                found = scope;
            }
        }
        found
    }
}

/// Runs `job` with the lookup that `query` calls for, each table's layout
/// decided here, once per check.
#[inline(always)]
fn with_lookup<J: Job>(index: &Index, query: ScopeQuery<'_>, job: J) -> J::Output {
    let scan = Scan { index, query, job };
    match query {
        ScopeQuery::Common => with_cells(&index.common, scan),
        ScopeQuery::Site(site) => match index.site(site) {
            Some(s) if !s.grants.is_empty() => with_cells(
                &index.common,
                OverCommon {
                    scan,
                    own: &s.grants,
                    site,
                },
            ),
            // A site without grants of its own sees the common ones.
            _ => with_cells(&index.common, scan),
        },
        ScopeQuery::Exact(scopes) => scan.job.run(index, query, ExactLookup { index, scopes }),
    }
}

/// Something to do with a table's cells, whatever their layout.
trait WithCells {
    type Output;
    fn with<C: Cells>(self, cells: C) -> Self::Output;
}

/// Calls `then` with `table`'s cells in their layout.
#[inline(always)]
fn with_cells<W: WithCells>(table: &GroupTable, then: W) -> W::Output {
    match table.layout() {
        Layout::Empty => then.with(Dense::EMPTY),
        Layout::Dense(dense) => then.with(dense.cells()),
        Layout::Lone(lone) => then.with(lone.cells()),
        Layout::Split(split) => then.with(split.cells()),
        Layout::Perfect(perfect) => then.with(perfect),
        Layout::Probed(probed) => then.with(probed),
    }
}

/// A job and the question it answers, waiting for its tables.
struct Scan<'a, J> {
    index: &'a Index,
    query: ScopeQuery<'a>,
    job: J,
}

/// The common table read alone.
impl<J: Job> WithCells for Scan<'_, J> {
    type Output = J::Output;

    #[inline(always)]
    fn with<C: Cells>(self, cells: C) -> J::Output {
        self.job.run(self.index, self.query, CommonLookup { cells })
    }
}

/// The common table's cells in hand; the site's table still to dispatch.
struct OverCommon<'a, J> {
    scan: Scan<'a, J>,
    own: &'a GroupTable,
    site: SiteId,
}

impl<J: Job> WithCells for OverCommon<'_, J> {
    type Output = J::Output;

    #[inline(always)]
    fn with<C: Cells>(self, common: C) -> J::Output {
        let OverCommon { scan, own, site } = self;
        with_cells(own, SiteScan { scan, common, site })
    }
}

/// Both tables' cells in hand.
struct SiteScan<'a, J, C> {
    scan: Scan<'a, J>,
    common: C,
    site: SiteId,
}

impl<J: Job, C: Cells> WithCells for SiteScan<'_, J, C> {
    type Output = J::Output;

    #[inline(always)]
    fn with<O: Cells>(self, own: O) -> J::Output {
        let SiteScan { scan, common, site } = self;
        let lookup = SiteLookup { common, own, site };
        scan.job.run(scan.index, scan.query, lookup)
    }
}

/// Something computed over the user's groups with some [`Lookup`].
trait Job {
    type Output;
    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Self::Output;
}

/// The highest rank among the user's groups: all `resolve` needs.
#[inline(always)]
fn top_rank<L: Lookup>(index: &Index, groups: &[GroupId], lookup: &L) -> u8 {
    // Group 2 counts whether listed or not: one more group in the maximum,
    // where listing it again changes nothing, so the caller's list needs
    // no copy and no check.
    let mut best = if index.options.has_implicit_everyone() {
        u32::from(lookup.ranked(GroupId::EVERYONE))
    } else {
        0
    };
    for &group in groups {
        // Which group wins is as random as the user: a select, never a
        // branch (the compiler would otherwise merge the table's own select
        // into one). A word rather than a byte spares re-extensions.
        let ranked = u32::from(lookup.ranked(group));
        best = select_unpredictable(ranked > best, ranked, best);
    }
    GroupCell(best as u8).rank()
}

/// The highest rank among the user's groups and the lowest group id that
/// holds it. The scan maximises `rank << 32 | !id`, so among equal ranks
/// the lowest id wins — whatever the order of the groups and however often
/// one repeats. `None` when there is no group at all.
#[inline(always)]
fn winner<L: Lookup>(index: &Index, groups: &[GroupId], lookup: &L) -> Option<(u8, GroupId)> {
    let key = |group: GroupId| {
        (u64::from(GroupCell(lookup.ranked(group)).rank()) << 32) | u64::from(!group.get())
    };
    // Group 2 as in `top_rank`.
    let mut best = if index.options.has_implicit_everyone() {
        key(GroupId::EVERYONE)
    } else {
        0
    };
    for &group in groups {
        best = best.max(key(group));
    }
    // The low half is `!id` of a non-zero id, or 0 for no group at all.
    let group = GroupId::new(!(best as u32))?;
    Some(((best >> 32) as u8, group))
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
        // The bypass or a grant: a table lookup, not a jump on the rank.
        match level_of_rank(top_rank(index, self.0, &lookup)) {
            Some(level) => level,
            None if index.options.uses_default() => default_of(index, query).level,
            None => AccessLevel::D,
        }
    }
}

/// `GetUserRight` with its reason.
pub(crate) fn decide(index: &Index, groups: &[GroupId], query: ScopeQuery<'_>) -> Outcome {
    with_lookup(index, query, Decide(groups))
}

struct Decide<'g>(&'g [GroupId]);

impl Job for Decide<'_> {
    type Output = Outcome;

    fn run<L: Lookup>(self, index: &Index, query: ScopeQuery<'_>, lookup: L) -> Outcome {
        let (rank, group) = match winner(index, self.0, &lookup) {
            Some(found) => found,
            // No group at all: no rank, and no group to name.
            None => (0, GroupId::EVERYONE),
        };
        match level_of_rank(rank) {
            Some(level) if rank >= RANK_ADMIN => Outcome {
                level,
                reason: Reason::Administrator { group },
            },
            Some(level) => Outcome {
                level,
                reason: Reason::Grant {
                    group,
                    scope: lookup.scope_of(group),
                },
            },
            None if index.options.uses_default() => default_of(index, query),
            None => Outcome {
                level: AccessLevel::D,
                reason: Reason::DefaultsOff,
            },
        }
    }
}

/// `GetUserRoles`; see [`CompiledRights::roles`] for the
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
        // Group 2 contributes like any listed group.
        let everyone = index
            .options
            .has_implicit_everyone()
            .then_some(&GroupId::EVERYONE);
        let mut without_grant = false;
        let mut counted = false;
        for &group in self.0.iter().chain(everyone) {
            let Contribution {
                code,
                admin,
                active,
            } = lookup.contribution(group);
            // Switched off: as if the user were not in it.
            if !active {
                continue;
            }
            counted = true;
            if admin {
                roles = roles.with(AccessLevel::W);
            }
            match code {
                0 => without_grant = true,
                code => roles = roles.with(level_of(code)),
            }
        }
        // A user in no (active) group at all holds the default, as
        // `resolve` says.
        if (without_grant || !counted) && index.options.uses_default() {
            roles = roles.with(default_of(index, query).level);
        }
        roles
    }
}

/// The default level under `query` and where it came from: the query's
/// site default (see [`ScopeQuery`]), else the common one, else D.
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
