//! [`CompiledRights`]: a module's rights laid out for fast, allocation-free
//! access checks.
//!
//! Layout, built by [`CompiledRights::new`]:
//! - the common grants: one [`GroupTable`] of [`GroupCell`]s, with the
//!   administrator groups flagged in it (when the bypass is on), so the
//!   administrator check costs no extra lookup;
//! - per site with grants of its own: a table of those grants alone, an
//!   overlay on the common table — a site query reads both, one lookup
//!   each per group, and the common grants are never copied per site;
//! - the defaults, and the [`ResolveOptions`] the index was built with;
//! - the [`GroupDirectory`] it was folded with: every inactive group has a
//!   cell of its own in the common table (grant or not) and its site
//!   grants are marked, so that it ranks for nothing and `roles` skips it,
//!   at no cost to the scan (see [`GroupCell`](super::cell::GroupCell)).
//!
//! Every table sits behind an `Arc`, so [`CompiledRights::with_changes`]
//! and [`CompiledRights::with_groups`] derive a new index that shares every
//! table a batch or a new directory leaves alone.

mod changes;
mod groups;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::cell::code;
use super::decision::Decision;
use super::error::AccessError;
use super::layout::{Index, SiteIndex};
use super::level::{AccessLevel, AccessLevels};
use super::options::ResolveOptions;
use super::query::ScopeQuery;
use super::resolve;
use super::rights::ModuleRights;
use super::table::GroupTable;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, ModuleId, Scope, SiteId};
use crate::store::Change;

/// A module's rights compiled for access checks: the hot path.
///
/// Build it from [`ModuleRights`] and [`ResolveOptions`]
/// ([`ModuleRights::compile`]), or with a [`GroupDirectory`] too
/// ([`ModuleRights::compile_with`]), and derive the next one from it when
/// the rights change ([`with_changes`](Self::with_changes)) or the
/// directory does ([`with_groups`](Self::with_groups)); then every
/// [`resolve`](Self::resolve), [`explain`](Self::explain),
/// [`can`](Self::can) and [`require`](Self::require) takes time
/// proportional to the number of the user's groups — independent of how
/// many grants exist and of how the group ids are spread over the `u32`
/// range — and allocates nothing. A site's own grants are kept apart from
/// the common ones and read over them, so a hundred sites with a few grants
/// each cost a few kilobytes, not a hundred copies. It is immutable, `Send +
/// Sync`, and a clone shares the data (an `Arc` inside).
///
/// The semantics are Bitrix's `GetUserRight`. The user's groups always
/// include group 2, [`GroupId::EVERYONE`], whether the list names it or not
/// (every Bitrix user is in it; [`ResolveOptions::implicit_everyone`] turns
/// this off); then:
/// 1. with the bypass on, a user in an administrator group gets **W**;
/// 2. else, if any of the user's groups has a grant that the
///    [`ScopeQuery`] counts, the **highest** such grant — the default is
///    *not* added per group, so `{2: no grant, 5: D}` with default R is D;
/// 3. else the query's default (see [`ScopeQuery`]), or D when the options
///    turn defaults off.
///
/// The order of the groups and repeated groups never change the answer.
///
/// Groups the directory marks **inactive** count as if the user were not in
/// them — no grant, no bypass, no default role; a user left with no group
/// at all gets the default, like a user without groups. Without a
/// directory every group counts. See [`groups`](crate::groups).
///
/// ```
/// use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
/// # fn main() -> Result<(), module_settings::access::AccessError> {
/// let s1 = SiteId::from_static("s1");
/// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
/// rights.set_default(Scope::Common, AccessLevel::R)?;
/// rights.grant(Scope::Common, GroupId::from_static(5), AccessLevel::D)?;
/// rights.grant(Scope::Site(s1), GroupId::from_static(6), AccessLevel::W)?;
/// let compiled = rights.compile(ResolveOptions::new());
///
/// let user = [GroupId::EVERYONE, GroupId::from_static(5)];
/// assert_eq!(compiled.resolve(&user, Scope::Common), AccessLevel::D); // the grant, not the default
/// assert_eq!(compiled.resolve(&[GroupId::EVERYONE], Scope::Common), AccessLevel::R);
/// let editor = [GroupId::from_static(6)];
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
    /// Compiles `rights` for checks made with `options`, every group
    /// active.
    pub fn new(rights: &ModuleRights, options: ResolveOptions) -> Self {
        CompiledRights::build(rights, options, &GroupDirectory::empty())
    }

    /// Compiles `rights` for checks made with `options`, the groups
    /// `groups` marks inactive folded in.
    pub(crate) fn build(
        rights: &ModuleRights,
        options: ResolveOptions,
        groups: &GroupDirectory,
    ) -> Self {
        let mut index = Index {
            module: rights.module(),
            levels: rights.levels(),
            options,
            groups: groups.clone(),
            common: GroupTable::default(),
            common_default: rights.default_level(Scope::Common),
            sites: Arc::from(Vec::new()),
            grant_count: rights.grant_count(),
        };
        let mut common = Vec::new();
        // Every site with a grant or a default of its own, with its grants.
        let mut sites: BTreeMap<SiteId, Vec<(GroupId, u8)>> = BTreeMap::new();
        for grant in rights.grants() {
            let pair = (grant.group, code(grant.level));
            match grant.scope {
                Scope::Common => common.push(pair),
                Scope::Site(site) => sites.entry(site).or_default().push(pair),
            }
        }
        for (scope, _) in rights.defaults() {
            if let Scope::Site(site) = scope {
                sites.entry(site).or_default();
            }
        }
        let sites = sites
            .into_iter()
            .map(|(site, grants)| SiteIndex {
                site,
                default: rights.default_level(Scope::Site(site)),
                grants: GroupTable::build(grants.into_iter().map(|grant| index.site_cell(grant))),
            })
            .collect();
        index.sites = sites;
        index.common = index.common_table(&common);
        CompiledRights {
            inner: Arc::new(index),
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

    /// The group directory folded in: which groups count as inactive (the
    /// empty directory when compiled without one).
    pub fn groups(&self) -> &GroupDirectory {
        &self.inner.groups
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

    /// The user's level and the reason for it. Its level is
    /// always what [`resolve`](Self::resolve) returns; see [`Reason`] for
    /// how ties are named.
    ///
    /// [`Reason`]: crate::access::Reason
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

    /// The set of the user's roles: Bitrix's `GetUserRoles`.
    ///
    /// - Groups the directory marks inactive add nothing: neither their
    ///   grant, nor the default (they are not groups without a grant), nor
    ///   W for an administrator group.
    /// - With the bypass on, being in an administrator group adds **W**.
    /// - Every one of the user's groups adds its grant in the query's
    ///   scopes (for a site: the higher of its common and site grant; for
    ///   an exact list: the highest over the listed scopes) — or, when it
    ///   has none and defaults are on, the query's default level.
    /// - Group 2 counts as one of the user's groups, listed or not, unless
    ///   [`ResolveOptions::implicit_everyone`] is off.
    /// - With that off, a user with no groups at all — or with inactive
    ///   groups only — holds the default level (defaults on): the same
    ///   answer [`resolve`](Self::resolve) gives, so the set always contains
    ///   the resolved level when defaults are on. (Bitrix returns an empty
    ///   list there; every Bitrix user is in group 2, which is always
    ///   active.)
    /// - With defaults off, groups without a grant add nothing, so the set
    ///   may be empty: no role at all.
    pub fn roles<'q>(&self, groups: &[GroupId], query: impl Into<ScopeQuery<'q>>) -> AccessLevels {
        resolve::roles(&self.inner, groups, query.into())
    }

    /// The rights after `changes`, derived from these ones instead of
    /// compiled again: only the tables of the scopes whose grants the batch
    /// changes are rebuilt (often just copied with a few cells written), and
    /// every other table is shared with `self`. The answers are exactly
    /// those of compiling the changed rights from scratch.
    ///
    /// `changes` are applied in order, as a store applies a batch: a later
    /// change to the same grant or default wins, and removing what is not
    /// there does nothing. Option changes do not concern rights and are
    /// skipped. A level the module does not accept is refused with
    /// [`AccessError::LevelNotAccepted`] — as
    /// [`ModuleRights::grant`] and [`ModuleRights::set_default`] refuse it —
    /// and nothing is derived.
    ///
    /// ```
    /// use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
    /// use module_settings::store::Change;
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), module_settings::access::AccessError> {
    /// let g5 = GroupId::from_static(5);
    /// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
    /// rights.grant(Scope::Common, g5, AccessLevel::R)?;
    /// let compiled = rights.compile(ResolveOptions::new());
    ///
    /// let changed = compiled.with_changes(&[
    ///     Change::SetGrant { scope: Scope::Common, group: g5, level: AccessLevel::W },
    ///     Change::SetDefault { scope: Scope::Common, level: AccessLevel::R },
    /// ])?;
    /// assert_eq!(changed.resolve(&[g5], Scope::Common), AccessLevel::W);
    /// assert_eq!(changed.resolve(&[GroupId::from_static(6)], Scope::Common), AccessLevel::R);
    /// assert_eq!(compiled.resolve(&[g5], Scope::Common), AccessLevel::R, "the old one is unchanged");
    /// // The video module has no level M.
    /// let refused = compiled.with_changes(&[Change::SetDefault { scope: Scope::Common, level: AccessLevel::M }]);
    /// assert!(refused.is_err());
    /// # Ok(()) }
    /// ```
    pub fn with_changes<'c>(
        &self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<CompiledRights, AccessError> {
        Ok(CompiledRights {
            inner: Arc::new(self.inner.with_changes(changes)?),
        })
    }

    /// The same rights folded with another group directory: the answers
    /// are exactly those of compiling the rights from scratch with
    /// `groups`.
    ///
    /// Cheaper than compiling again: only the groups whose activity differs
    /// between the two directories are rewritten — in the common table,
    /// and in the tables of the sites where they hold a grant — each table
    /// copied once with those cells written (see
    /// [`with_changes`](Self::with_changes)), or built anew should a
    /// group fall outside its layout; tables no such group touches are
    /// shared. A directory with the same inactive groups shares every
    /// table.
    ///
    /// ```
    /// use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
    /// use module_settings::groups::{Group, GroupDirectory};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let editors = GroupId::from_static(5);
    /// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
    /// rights.grant(Scope::Common, editors, AccessLevel::W)?;
    /// let compiled = rights.compile(ResolveOptions::new());
    ///
    /// let off = GroupDirectory::new([Group::new(editors, "Editors").with_active(false)])?;
    /// let switched_off = compiled.with_groups(&off);
    /// assert_eq!(switched_off.resolve(&[editors], Scope::Common), AccessLevel::D);
    /// let back_on = switched_off.with_groups(&GroupDirectory::empty());
    /// assert_eq!(back_on.resolve(&[editors], Scope::Common), AccessLevel::W);
    /// # Ok(()) }
    /// ```
    pub fn with_groups(&self, groups: &GroupDirectory) -> CompiledRights {
        CompiledRights {
            inner: Arc::new(self.inner.with_groups(groups)),
        }
    }

    #[cfg(test)]
    pub(crate) fn index(&self) -> &Index {
        &self.inner
    }
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
            .field("inactive_groups", &index.groups.inactive_groups().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::catalog::ModuleLevels;
    use crate::access::cell::GroupCell;

    #[test]
    fn sites_are_overlays_of_their_own_grants() {
        let s1 = SiteId::from_static("s1");
        let s2 = SiteId::from_static("s2");
        let g = GroupId::from_static;
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
        let cell = |id| GroupCell(site1.grants.get(g(id)));
        // The site's own grants only: no common grant, no administrator.
        assert_eq!(cell(3), GroupCell(0));
        assert_eq!(cell(4), GroupCell::new(code(AccessLevel::R), false));
        assert_eq!(cell(5), GroupCell::new(code(AccessLevel::D), false));
        assert_eq!(cell(1), GroupCell(0));
        // The administrators group is flagged in the common table, grant or not.
        let common = |id| GroupCell(index.common.get(g(id)));
        assert_eq!(common(1), GroupCell::new(0, true));
        assert_eq!(common(4), GroupCell::new(code(AccessLevel::M), false));
        assert_eq!(common(5), GroupCell(0));
        let bypass_off = rights.compile(ResolveOptions::new().admin_bypass(false));
        assert_eq!(bypass_off.index().common.get(g(1)), 0);
        let site2 = index.site(s2).unwrap();
        assert!(site2.grants.is_empty());
        assert_eq!(site2.default, Some(AccessLevel::M));
        assert!(index.site(SiteId::from_static("s3")).is_none());
        assert_eq!(compiled.grant_count(), 4);
        assert_eq!(
            format!("{compiled:?}"),
            "CompiledRights { module: ModuleId(\"b24connector\"), options: ResolveOptions { \
             admin_bypass: true, admin_groups: [GroupId(1)], use_default: true, \
             implicit_everyone: true }, grants: 4, sites: 2, inactive_groups: 0 }"
        );
    }

    fn layout_name(table: &GroupTable) -> &'static str {
        use crate::access::table::Layout;
        match table.layout() {
            Layout::Empty => "empty",
            Layout::Dense(_) => "dense",
            Layout::Lone(_) => "lone",
            Layout::Split(_) => "split",
            Layout::Perfect(_) => "perfect",
            Layout::Probed(_) => "probed",
        }
    }

    /// Asserts that every inactive group of `compiled`'s directory has a
    /// marked cell in the common table, granted or not, and that its site
    /// grants are marked; and that active groups are not marked.
    #[track_caller]
    fn marked(compiled: &CompiledRights, probes: &[GroupId]) {
        let index = compiled.index();
        for &group in probes {
            let active = index.groups.is_active(group);
            let common = GroupCell(index.common.get(group));
            assert_eq!(common.active(), active, "group {group} in common");
            if !active {
                assert_ne!(common.0, 0, "group {group} has an entry");
                assert_eq!(common.rank(), 0, "group {group} ranks 0");
            }
            for site in index.sites.iter() {
                let cell = GroupCell(site.grants.get(group));
                if cell.own() != 0 {
                    assert_eq!(cell.active(), active, "group {group} in {}", site.site);
                    assert_eq!(cell.rank() == 0, !active, "group {group} in {}", site.site);
                }
            }
        }
    }

    #[test]
    fn inactive_groups_are_marked_in_every_layout_and_overlay() {
        let s1 = SiteId::from_static("s1");
        let levels = AccessLevel::ALL;
        // (first id, stride, the common table's layout): the low ids, a
        // high run beside the administrators group, two runs, ids all over.
        let layouts = [
            (3, 1, "dense", None),
            (1_000_000, 1, "lone", None),
            (3, 1, "split", Some(2_000_000_000)),
            (1_000_003, 4_099, "perfect", None),
        ];
        for (first, stride, layout, second_run) in layouts {
            let ids: Vec<GroupId> = (0..300u32)
                .map(|i| match second_run {
                    Some(base) if i % 2 == 1 => GroupId::new(base + i).unwrap(),
                    _ => GroupId::new(first + i * stride).unwrap(),
                })
                .collect();
            let mut rights = ModuleRights::new(
                ModuleId::from_static("b24connector"),
                ModuleLevels::B24_CONNECTOR,
            );
            // Every third id granted in common, every fifth in s1.
            for (i, &group) in ids.iter().enumerate() {
                if i % 3 == 0 {
                    rights.grant(Scope::Common, group, levels[i % 4]).unwrap();
                }
                if i % 5 == 0 {
                    rights
                        .grant(Scope::Site(s1), group, levels[(i + 1) % 4])
                        .unwrap();
                }
            }
            // Every seventh id inactive, granted or not, and a custom
            // administrator group among them.
            let admin = ids[7];
            let groups = GroupDirectory::new(
                ids.iter()
                    .step_by(7)
                    .map(|&g| crate::groups::Group::new(g, "off").with_active(false)),
            )
            .unwrap();
            let options = ResolveOptions::new().admin_groups([GroupId::ADMINISTRATORS, admin]);
            let compiled = rights.compile_with(options.clone(), &groups);
            assert_eq!(
                layout_name(&compiled.index().common),
                layout,
                "ids from {first}"
            );
            assert_eq!(
                GroupCell(compiled.index().common.get(admin)),
                GroupCell::with_activity(0, true, false),
                "an inactive administrator group: marked, no bypass"
            );
            marked(&compiled, &ids);

            // Changes keep the marks: a grant to an inactive group, a grant
            // of one removed, in common and in the site.
            let changed = compiled
                .with_changes(&[
                    Change::SetGrant {
                        scope: Scope::Common,
                        group: ids[14],
                        level: AccessLevel::W,
                    },
                    Change::RemoveGrant {
                        scope: Scope::Common,
                        group: ids[21],
                    },
                    Change::SetGrant {
                        scope: Scope::Site(s1),
                        group: ids[28],
                        level: AccessLevel::W,
                    },
                    Change::RemoveGrant {
                        scope: Scope::Site(s1),
                        group: ids[35],
                    },
                ])
                .unwrap();
            marked(&changed, &ids);
            assert_ne!(changed.index().common.get(ids[21]), 0, "still an entry");

            // Another directory, folded in: the same cells as compiled anew.
            let next = GroupDirectory::new(
                ids.iter()
                    .skip(3)
                    .step_by(5)
                    .map(|&g| crate::groups::Group::new(g, "off").with_active(false)),
            )
            .unwrap();
            let refolded = compiled.with_groups(&next);
            let fresh = rights.compile_with(options, &next);
            marked(&refolded, &ids);
            for &group in ids
                .iter()
                .chain([GroupId::ADMINISTRATORS, GroupId::EVERYONE].iter())
            {
                assert_eq!(
                    refolded.index().common.get(group),
                    fresh.index().common.get(group),
                    "group {group}"
                );
                assert_eq!(
                    refolded.index().own(Scope::Site(s1), group),
                    fresh.index().own(Scope::Site(s1), group)
                );
                assert_eq!(
                    refolded.index().site(s1).unwrap().grants.get(group),
                    fresh.index().site(s1).unwrap().grants.get(group),
                    "group {group} in s1"
                );
            }
            // Back to no directory: no mark left.
            let cleared = refolded.with_groups(&GroupDirectory::empty());
            for &group in &ids {
                assert!(GroupCell(cleared.index().common.get(group)).active());
            }
        }
    }

    #[test]
    fn a_directory_with_the_same_inactive_groups_shares_every_table() {
        let g5 = GroupId::from_static(5);
        let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
        rights.grant(Scope::Common, g5, AccessLevel::W).unwrap();
        let off = |name: &str| {
            GroupDirectory::new([crate::groups::Group::new(g5, name).with_active(false)]).unwrap()
        };
        let compiled = rights.compile_with(ResolveOptions::new(), &off("Editors"));
        // Renamed, still inactive: nothing to rewrite.
        let renamed = compiled.with_groups(&off("Redakteure"));
        assert!(Arc::ptr_eq(&compiled.index().sites, &renamed.index().sites));
        match (
            compiled.index().common.layout(),
            renamed.index().common.layout(),
        ) {
            (crate::access::table::Layout::Dense(a), crate::access::table::Layout::Dense(b)) => {
                assert!(a.shares_cells(b));
            }
            _ => unreachable!("a dense table"),
        }
        assert_eq!(renamed.groups(), &off("Redakteure"));
    }

    #[test]
    fn an_administrator_with_a_grant_keeps_both() {
        let g = GroupId::from_static;
        let mut rights = ModuleRights::new(
            ModuleId::from_static("b24connector"),
            ModuleLevels::B24_CONNECTOR,
        );
        rights.grant(Scope::Common, g(1), AccessLevel::M).unwrap();
        let compiled = rights.compile(ResolveOptions::new().admin_groups([g(1), g(9)]));
        let common = |id| GroupCell(compiled.index().common.get(g(id)));
        assert_eq!(common(1), GroupCell::new(code(AccessLevel::M), true));
        assert_eq!(common(9), GroupCell::new(0, true));
    }
}
