//! [`CompiledRights`]: a module's rights laid out for fast, allocation-free
//! access checks.
//!
//! Layout, all built once by [`CompiledRights::new`]:
//! - the common grants: one [`GroupTable`] of [`Cell`]s;
//! - per site with grants of its own: one table of cells whose `own` part
//!   is the site's grant and whose `merged` part is the max of the common
//!   and the site grant — so the usual "site s" query is one lookup per
//!   group, and the Bitrix-exact query can still see the site's own grants;
//! - in every table, the administrator groups flagged (when the bypass is
//!   on), so the administrator check costs no extra lookup;
//! - the defaults, and the [`ResolveOptions`] the index was built with.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::cell::{code, Cell};
use super::decision::Decision;
use super::error::AccessError;
use super::level::{AccessLevel, AccessLevels};
use super::options::ResolveOptions;
use super::query::ScopeQuery;
use super::resolve;
use super::rights::ModuleRights;
use super::table::GroupTable;
use crate::ids::{GroupId, ModuleId, Scope, SiteId};

/// What the index knows about one site.
#[derive(Debug)]
pub(crate) struct SiteIndex {
    pub(crate) site: SiteId,
    pub(crate) default: Option<AccessLevel>,
    /// [`Cell`]s (own = the site grant, merged = max of common and site),
    /// over every group with a common or site grant and every
    /// administrator group; `None` when the site has no grants of its own
    /// (the common table then answers for it).
    pub(crate) grants: Option<GroupTable>,
}

/// The shared, immutable data behind [`CompiledRights`].
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) module: ModuleId,
    pub(crate) options: ResolveOptions,
    /// [`Cell`]s (own = merged = the common grant) over every group with a
    /// common grant and every administrator group.
    pub(crate) common: GroupTable,
    pub(crate) common_default: Option<AccessLevel>,
    /// Sorted by site id; few, so found by a linear scan.
    pub(crate) sites: Box<[SiteIndex]>,
    pub(crate) grant_count: usize,
}

impl Index {
    #[inline]
    pub(crate) fn site(&self, site: SiteId) -> Option<&SiteIndex> {
        self.sites.iter().find(|s| s.site == site)
    }
}

/// A module's rights compiled for access checks: the hot path.
///
/// Build it from [`ModuleRights`] and [`ResolveOptions`] whenever the
/// rights change ([`ModuleRights::compile`]); then every
/// [`resolve`](Self::resolve), [`explain`](Self::explain),
/// [`can`](Self::can) and [`require`](Self::require) takes time
/// proportional to the number of the user's groups — independent of how
/// many grants exist — and allocates nothing. It is immutable, `Send +
/// Sync`, and a clone shares the data (an `Arc` inside).
///
/// The semantics are Bitrix's `GetUserRight` (rules 3 and 9–16). The
/// user's groups always include group 2, [`GroupId::EVERYONE`], whether
/// the list names it or not (rule 3; [`ResolveOptions::implicit_everyone`]
/// turns this off); then:
/// 1. with the bypass on, a user in an administrator group gets **W**;
/// 2. else, if any of the user's groups has a grant that the
///    [`ScopeQuery`] counts, the **highest** such grant — the default is
///    *not* added per group, so `{2: no grant, 5: D}` with default R is D;
/// 3. else the query's default (see [`ScopeQuery`]), or D when the options
///    turn defaults off.
///
/// The order of the groups and repeated groups never change the answer.
///
/// ```
/// use module_settings::{AccessLevel, GroupId, ModuleId, ModuleLevels, ModuleRights, ResolveOptions, Scope, SiteId};
/// # fn main() -> Result<(), module_settings::AccessError> {
/// let s1 = SiteId::from_static("s1");
/// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
/// rights.set_default(Scope::Common, AccessLevel::R)?;
/// rights.grant(Scope::Common, GroupId::from_const(5), AccessLevel::D)?;
/// rights.grant(Scope::Site(s1), GroupId::from_const(6), AccessLevel::W)?;
/// let compiled = rights.compile(ResolveOptions::new());
///
/// let user = [GroupId::EVERYONE, GroupId::from_const(5)];
/// assert_eq!(compiled.resolve(&user, Scope::Common), AccessLevel::D); // rule 10
/// assert_eq!(compiled.resolve(&[GroupId::EVERYONE], Scope::Common), AccessLevel::R);
/// let editor = [GroupId::from_const(6)];
/// assert_eq!(compiled.resolve(&editor, Scope::Common), AccessLevel::R);
/// assert_eq!(compiled.explain(&editor, s1).to_string(), "W: grant of group 6 in site s1");
/// assert!(compiled.can(&[GroupId::ADMINISTRATORS], Scope::Common, AccessLevel::W));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CompiledRights {
    inner: Arc<Index>,
}

impl CompiledRights {
    /// Compiles `rights` for checks made with `options`.
    pub fn new(rights: &ModuleRights, options: ResolveOptions) -> Self {
        let mut common: BTreeMap<GroupId, u8> = BTreeMap::new();
        let mut own: BTreeMap<SiteId, BTreeMap<GroupId, u8>> = BTreeMap::new();
        for grant in rights.grants() {
            let level = code(grant.level);
            match grant.scope {
                Scope::Common => {
                    common.insert(grant.group, level);
                }
                Scope::Site(site) => {
                    own.entry(site).or_default().insert(grant.group, level);
                }
            }
        }
        let admins: &[GroupId] = if options.has_admin_bypass() {
            options.administrator_groups()
        } else {
            &[]
        };

        let mut common_default = None;
        let mut sites: BTreeMap<SiteId, SiteIndex> = BTreeMap::new();
        for (scope, level) in rights.defaults() {
            match scope {
                Scope::Common => common_default = Some(level),
                Scope::Site(site) => {
                    sites.insert(
                        site,
                        SiteIndex {
                            site,
                            default: Some(level),
                            grants: None,
                        },
                    );
                }
            }
        }
        for (site, site_grants) in &own {
            let table = build_table(site_grants, &common, admins);
            sites
                .entry(*site)
                .or_insert(SiteIndex {
                    site: *site,
                    default: None,
                    grants: None,
                })
                .grants = Some(table);
        }

        CompiledRights {
            inner: Arc::new(Index {
                module: rights.module(),
                common: build_table(&common, &BTreeMap::new(), admins),
                options,
                common_default,
                sites: sites.into_values().collect(),
                grant_count: rights.grant_count(),
            }),
        }
    }

    /// The module the rights belong to.
    pub fn module(&self) -> ModuleId {
        self.inner.module
    }

    /// The options the index was built with.
    pub fn options(&self) -> &ResolveOptions {
        &self.inner.options
    }

    /// How many grants the rights held when compiled.
    pub fn grant_count(&self) -> usize {
        self.inner.grant_count
    }

    /// The user's level for this module: the answer of `GetUserRight`.
    ///
    /// `groups` are the user's groups, in any order, repeats allowed.
    #[inline]
    pub fn resolve<'q>(&self, groups: &[GroupId], query: impl Into<ScopeQuery<'q>>) -> AccessLevel {
        resolve::level(&self.inner, groups, query.into())
    }

    /// The user's level and the reason for it (rule 14). Its level is
    /// always what [`resolve`](Self::resolve) returns; see [`Reason`] for
    /// how ties are named.
    ///
    /// [`Reason`]: crate::Reason
    pub fn explain<'q>(&self, groups: &[GroupId], query: impl Into<ScopeQuery<'q>>) -> Decision {
        let outcome = resolve::decide(&self.inner, groups, query.into());
        Decision::new(self.inner.module, outcome.level, outcome.reason)
    }

    /// Whether the user holds at least `needed`.
    #[inline]
    pub fn can<'q>(
        &self,
        groups: &[GroupId],
        query: impl Into<ScopeQuery<'q>>,
        needed: AccessLevel,
    ) -> bool {
        self.resolve(groups, query) >= needed
    }

    /// The decision if the user holds at least `needed`, else
    /// [`AccessError::Denied`] naming the module and both levels.
    pub fn require<'q>(
        &self,
        groups: &[GroupId],
        query: impl Into<ScopeQuery<'q>>,
        needed: AccessLevel,
    ) -> Result<Decision, AccessError> {
        self.explain(groups, query).require(needed)
    }

    /// The set of the user's roles: Bitrix's `GetUserRoles` (rule 13).
    ///
    /// - With the bypass on, being in an administrator group adds **W**.
    /// - Every one of the user's groups adds its grant in the query's
    ///   scopes (for a site: the higher of its common and site grant; for
    ///   an exact list: the highest over the listed scopes) — or, when it
    ///   has none and defaults are on, the query's default level.
    /// - Group 2 counts as one of the user's groups, listed or not, unless
    ///   [`ResolveOptions::implicit_everyone`] is off.
    /// - With that off, a user with no groups at all holds the default
    ///   level (defaults on) — the same answer [`resolve`](Self::resolve)
    ///   gives, so the set always contains the resolved level when defaults
    ///   are on. (Bitrix returns an empty list there; every Bitrix user is
    ///   in group 2.)
    /// - With defaults off, groups without a grant add nothing, so the set
    ///   may be empty: no role at all.
    pub fn roles<'q>(&self, groups: &[GroupId], query: impl Into<ScopeQuery<'q>>) -> AccessLevels {
        resolve::roles(&self.inner, groups, query.into())
    }

    #[cfg(test)]
    pub(crate) fn index(&self) -> &Index {
        &self.inner
    }
}

/// A table of [`Cell`]s: `own` from `own`, `merged` = max(own, base), and
/// the administrator flag, over the groups of all three.
fn build_table(
    own: &BTreeMap<GroupId, u8>,
    base: &BTreeMap<GroupId, u8>,
    admins: &[GroupId],
) -> GroupTable {
    let mut groups: Vec<GroupId> = own
        .keys()
        .chain(base.keys())
        .chain(admins)
        .copied()
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let cells: Vec<(GroupId, u16)> = groups
        .into_iter()
        .map(|group| {
            let mine = own.get(&group).copied().unwrap_or(0);
            let shared = base.get(&group).copied().unwrap_or(0);
            let admin = admins.binary_search(&group).is_ok();
            let cell = Cell::new(mine, mine.max(shared), admin);
            (group, cell.0)
        })
        .collect();
    GroupTable::build(&cells)
}

/// A summary: the module, the options and the size, not the tables.
impl fmt::Debug for CompiledRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = &*self.inner;
        f.debug_struct("CompiledRights")
            .field("module", &index.module)
            .field("options", &index.options)
            .field("grants", &index.grant_count)
            .field("sites", &index.sites.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::catalog::ModuleLevels;

    #[test]
    fn site_tables_merge_common_grants_in() {
        let s1 = SiteId::from_static("s1");
        let s2 = SiteId::from_static("s2");
        let g = GroupId::from_const;
        let mut rights = ModuleRights::new(
            ModuleId::from_static("b24connector"),
            ModuleLevels::B24_CONNECTOR,
        );
        rights.grant(Scope::Common, g(3), AccessLevel::W).unwrap();
        rights.grant(Scope::Common, g(4), AccessLevel::M).unwrap();
        rights.grant(Scope::Site(s1), g(4), AccessLevel::R).unwrap();
        rights.grant(Scope::Site(s1), g(5), AccessLevel::D).unwrap();
        rights.set_default(Scope::Site(s2), AccessLevel::M).unwrap();
        let compiled = rights.compile(ResolveOptions::new());
        let index = compiled.index();
        assert_eq!(index.sites.len(), 2);
        let site1 = index.site(s1).unwrap();
        let table = site1.grants.as_ref().unwrap();
        let cell = |id| Cell(table.get(g(id)));
        assert_eq!((cell(3).own(), cell(3).merged()), (0, code(AccessLevel::W)));
        assert_eq!(
            (cell(4).own(), cell(4).merged()),
            (code(AccessLevel::R), code(AccessLevel::R))
        );
        assert_eq!(
            (cell(5).own(), cell(5).merged()),
            (code(AccessLevel::D), code(AccessLevel::D))
        );
        assert_eq!(cell(6).0, 0);
        // The administrators group is flagged in every table, grant or not.
        assert_eq!(cell(1), Cell::new(0, 0, true));
        assert_eq!(Cell(index.common.get(g(1))), Cell::new(0, 0, true));
        assert_eq!(
            Cell(index.common.get(g(4))),
            Cell::new(code(AccessLevel::M), code(AccessLevel::M), false)
        );
        let bypass_off = rights.compile(ResolveOptions::new().admin_bypass(false));
        assert_eq!(bypass_off.index().common.get(g(1)), 0);
        let site2 = index.site(s2).unwrap();
        assert!(site2.grants.is_none());
        assert_eq!(site2.default, Some(AccessLevel::M));
        assert!(index.site(SiteId::from_static("s3")).is_none());
        assert_eq!(compiled.grant_count(), 4);
        assert_eq!(
            format!("{compiled:?}"),
            "CompiledRights { module: ModuleId(\"b24connector\"), options: ResolveOptions { \
             admin_bypass: true, admin_groups: [GroupId(1)], use_default: true, \
             implicit_everyone: true }, grants: 4, sites: 2 }"
        );
    }
}
