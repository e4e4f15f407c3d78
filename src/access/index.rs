//! [`CompiledRights`]: a module's rights laid out for fast, allocation-free
//! access checks.
//!
//! Layout, all built once by [`CompiledRights::new`]:
//! - the common grants: one [`GroupTable`] from group to `rank + 1`;
//! - per site with grants of its own: one table whose byte holds the
//!   site's own grant in the low three bits and the merge (max) of the
//!   common and the site grant in the next three — so the usual "site s"
//!   query is one lookup per group, and the Bitrix-exact query can still
//!   see the site's own grants;
//! - the defaults, and the [`ResolveOptions`] the index was built with.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::decision::Decision;
use super::error::AccessError;
use super::level::{AccessLevel, AccessLevels};
use super::options::ResolveOptions;
use super::query::ScopeQuery;
use super::resolve;
use super::rights::ModuleRights;
use super::table::GroupTable;
use crate::ids::{GroupId, ModuleId, Scope, SiteId};

/// A level as stored in a table: `rank + 1`, so that 0 can mean "no grant".
pub(crate) const fn code(level: AccessLevel) -> u8 {
    level.rank() + 1
}

/// The level of a non-zero code.
pub(crate) const fn level_of(code: u8) -> AccessLevel {
    match AccessLevel::from_rank(code.saturating_sub(1)) {
        Some(level) => level,
        // Tables only ever hold codes made by `code`; D is the closed answer
        // should that ever be broken.
        None => AccessLevel::D,
    }
}

/// One byte of a site table: the site's own grant and the merged grant.
#[derive(Clone, Copy)]
pub(crate) struct SiteCell(pub(crate) u8);

impl SiteCell {
    const fn new(own: u8, merged: u8) -> Self {
        SiteCell(own | (merged << 3))
    }

    /// The code of the site's own grant (0 = none).
    pub(crate) const fn own(self) -> u8 {
        self.0 & 0b111
    }

    /// The code of max(common grant, site grant) (0 = neither).
    pub(crate) const fn merged(self) -> u8 {
        self.0 >> 3
    }
}

/// What the index knows about one site.
#[derive(Debug)]
pub(crate) struct SiteIndex {
    pub(crate) site: SiteId,
    pub(crate) default: Option<AccessLevel>,
    /// [`SiteCell`]s, over every group with a common or site grant; `None`
    /// when the site has no grants of its own (the common table then
    /// answers for it).
    pub(crate) grants: Option<GroupTable>,
}

/// The shared, immutable data behind [`CompiledRights`].
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) module: ModuleId,
    pub(crate) options: ResolveOptions,
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
/// The semantics are Bitrix's `GetUserRight` (rules 9–16):
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
            match grant.scope {
                Scope::Common => {
                    common.insert(grant.group, code(grant.level));
                }
                Scope::Site(site) => {
                    own.entry(site)
                        .or_default()
                        .insert(grant.group, code(grant.level));
                }
            }
        }
        let mut defaults: BTreeMap<SiteId, AccessLevel> = BTreeMap::new();
        let mut common_default = None;
        for (scope, level) in rights.defaults() {
            match scope {
                Scope::Common => common_default = Some(level),
                Scope::Site(site) => {
                    defaults.insert(site, level);
                }
            }
        }

        let mut sites: BTreeMap<SiteId, SiteIndex> = defaults
            .into_iter()
            .map(|(site, level)| {
                let entry = SiteIndex {
                    site,
                    default: Some(level),
                    grants: None,
                };
                (site, entry)
            })
            .collect();
        for (site, site_grants) in &own {
            let cells: Vec<(GroupId, u8)> = merge_keys(&common, site_grants)
                .map(|group| {
                    let own = site_grants.get(&group).copied().unwrap_or(0);
                    let shared = common.get(&group).copied().unwrap_or(0);
                    (group, SiteCell::new(own, own.max(shared)).0)
                })
                .collect();
            sites
                .entry(*site)
                .or_insert(SiteIndex {
                    site: *site,
                    default: None,
                    grants: None,
                })
                .grants = Some(GroupTable::build(&cells));
        }

        let common_entries: Vec<(GroupId, u8)> = common.into_iter().collect();
        CompiledRights {
            inner: Arc::new(Index {
                module: rights.module(),
                options,
                common: GroupTable::build(&common_entries),
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
        resolve::decide(&self.inner, groups, query.into()).level
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
    /// - A user with no groups at all holds the default level (defaults on)
    ///   — the same answer [`resolve`](Self::resolve) gives, so the set
    ///   always contains the resolved level when defaults are on. (Bitrix
    ///   returns an empty list there; every Bitrix user is in group 2.)
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

/// The sorted union of the keys of two maps.
fn merge_keys<'a>(
    a: &'a BTreeMap<GroupId, u8>,
    b: &'a BTreeMap<GroupId, u8>,
) -> impl Iterator<Item = GroupId> + 'a {
    let mut keys: Vec<GroupId> = a.keys().chain(b.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
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
    fn codes_round_trip() {
        for level in AccessLevel::ALL {
            assert_eq!(level_of(code(level)), level);
            assert_ne!(code(level), 0);
            assert!(code(level) < 8, "fits in three bits");
        }
        let cell = SiteCell::new(code(AccessLevel::R), code(AccessLevel::W));
        assert_eq!(cell.own(), code(AccessLevel::R));
        assert_eq!(cell.merged(), code(AccessLevel::W));
    }

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
        let cell = |id| SiteCell(table.get(g(id)));
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
        let site2 = index.site(s2).unwrap();
        assert!(site2.grants.is_none());
        assert_eq!(site2.default, Some(AccessLevel::M));
        assert!(index.site(SiteId::from_static("s3")).is_none());
        assert_eq!(compiled.grant_count(), 4);
        assert_eq!(
            format!("{compiled:?}"),
            "CompiledRights { module: ModuleId(\"b24connector\"), options: ResolveOptions { \
             admin_bypass: true, admin_groups: [GroupId(1)], use_default: true }, grants: 4, sites: 2 }"
        );
    }
}
