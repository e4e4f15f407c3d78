//! The data of a compiled index — the common table, the site overlays and
//! the defaults — apart from the code that builds it ([`index`](super::index))
//! and the code that reads it ([`resolve`](super::resolve)), so that neither
//! depends on the other.

use std::sync::Arc;

use super::catalog::ModuleLevels;
use super::cell::GroupCell;
use super::level::AccessLevel;
use super::options::ResolveOptions;
use super::table::GroupTable;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, ModuleId, Scope, SiteId};

/// What the index knows about one site.
#[derive(Debug, Clone)]
pub(crate) struct SiteIndex {
    pub(crate) site: SiteId,
    pub(crate) default: Option<AccessLevel>,
    /// The site's own grants ([`GroupCell`]s without administrator flags,
    /// those of inactive groups marked); empty when it has none (the common
    /// table then answers for it).
    pub(crate) grants: GroupTable,
}

/// The shared, immutable data behind [`CompiledRights`].
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) module: ModuleId,
    /// The levels the module accepts, checked on every change.
    pub(crate) levels: ModuleLevels,
    pub(crate) options: ResolveOptions,
    /// The groups the cells were folded with: which are inactive.
    pub(crate) groups: GroupDirectory,
    /// [`GroupCell`]s over every group with a common grant, every
    /// administrator group and every inactive group.
    pub(crate) common: GroupTable,
    pub(crate) common_default: Option<AccessLevel>,
    /// Sorted by site id, each site once; only sites with a default or a
    /// grant of their own. Shared by the indexes derived from this one
    /// until a change touches a site.
    pub(crate) sites: Arc<[SiteIndex]>,
    pub(crate) grant_count: usize,
}

impl Index {
    #[inline]
    pub(crate) fn site(&self, site: SiteId) -> Option<&SiteIndex> {
        let at = self.sites.binary_search_by(|s| s.site.cmp(&site)).ok()?;
        self.sites.get(at)
    }

    /// The code of `group`'s own grant in exactly `scope` (0 = none).
    pub(crate) fn own(&self, scope: Scope, group: GroupId) -> u8 {
        let table = match scope {
            Scope::Common => &self.common,
            Scope::Site(site) => match self.site(site) {
                Some(site) => &site.grants,
                None => return 0,
            },
        };
        GroupCell(table.get(group)).own()
    }

    /// Whether `group` counts: not switched off in the group directory.
    fn is_active(&self, group: GroupId) -> bool {
        self.groups.is_active(group)
    }

    /// Whether `group` is an administrator group and the bypass is on.
    fn is_admin(&self, group: GroupId) -> bool {
        self.options.has_admin_bypass()
            && self
                .options
                .administrator_groups()
                .binary_search(&group)
                .is_ok()
    }

    /// The common table over `grants` (group, code), the administrator
    /// groups and the inactive groups.
    pub(crate) fn common_table(&self, grants: &[(GroupId, u8)]) -> GroupTable {
        let admins = self.options.administrator_groups();
        let admins = admins.iter().filter(|_| self.options.has_admin_bypass());
        let inactive = self.groups.inactive_groups().iter();
        let entries = admins
            .chain(inactive)
            .map(|&group| (group, 0))
            .chain(grants.iter().copied());
        // A later pair wins, so a grant replaces the placeholder of an
        // administrator or inactive group; the cell is then made from all
        // three.
        GroupTable::build(entries.map(|(group, own)| (group, self.common_cell(group, own))))
    }

    /// The common table's cell for `group` with own code `own`.
    pub(crate) fn common_cell(&self, group: GroupId, own: u8) -> u8 {
        GroupCell::with_activity(own, self.is_admin(group), self.is_active(group)).0
    }

    /// A site table's cell for a grant `(group, own)`: its own grant, never
    /// an administrator flag, marked when the group is inactive; 0 (no
    /// entry) for no grant — the common table marks inactive groups for
    /// every scope.
    pub(crate) fn site_cell(&self, (group, own): (GroupId, u8)) -> (GroupId, u8) {
        let cell = match own {
            0 => 0,
            own => GroupCell::with_activity(own, false, self.is_active(group)).0,
        };
        (group, cell)
    }
}
