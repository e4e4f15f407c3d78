//! [`Index::with_changes`]: a new index from an old one and a batch of
//! store changes, rebuilding only the tables whose grants the batch
//! changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::access::accepted_level;
use crate::access::cell::code;
use crate::access::error::AccessError;
use crate::access::layout::{Index, SiteIndex};
use crate::access::level::AccessLevel;
use crate::access::table::GroupTable;
use crate::ids::{GroupId, Scope, SiteId};
use crate::store::Change;

/// The net effect of a batch on rights: the last word on every grant and
/// default it touches.
#[derive(Default)]
struct Edits {
    /// Per scope, per group: the code of the new grant, 0 when removed.
    grants: BTreeMap<Scope, BTreeMap<GroupId, u8>>,
    /// Per scope: the new default, `None` when removed.
    defaults: BTreeMap<Scope, Option<AccessLevel>>,
}

impl Index {
    /// This index after `changes` (see
    /// [`CompiledRights::with_changes`](super::CompiledRights::with_changes)).
    pub(super) fn with_changes<'c>(
        &self,
        changes: impl IntoIterator<Item = &'c Change>,
    ) -> Result<Index, AccessError> {
        let mut edits = Edits::default();
        for change in changes {
            match *change {
                Change::SetGrant {
                    scope,
                    group,
                    level,
                } => {
                    let level = accepted_level(self.module, self.levels, level)?;
                    edits.grant(scope, group, code(level));
                }
                Change::RemoveGrant { scope, group } => edits.grant(scope, group, 0),
                Change::SetDefault { scope, level } => {
                    let level = accepted_level(self.module, self.levels, level)?;
                    edits.defaults.insert(scope, Some(level));
                }
                Change::RemoveDefault { scope } => {
                    edits.defaults.insert(scope, None);
                }
                // Options are not rights.
                Change::SetOption { .. } | Change::RemoveOption { .. } => {}
            }
        }
        Ok(self.with_edits(edits))
    }

    fn with_edits(&self, mut edits: Edits) -> Index {
        let mut grant_count = self.grant_count;
        for (&scope, groups) in &edits.grants {
            for (&group, &own) in groups {
                let before = self.own(scope, group);
                grant_count = grant_count + usize::from(own != 0) - usize::from(before != 0);
            }
        }
        let common = match edits.grants.remove(&Scope::Common) {
            Some(groups) => {
                let cells: Vec<(GroupId, u8)> = groups
                    .into_iter()
                    .map(|(group, own)| (group, self.common_cell(group, own)))
                    .collect();
                self.common.patched(&cells)
            }
            None => self.common.clone(),
        };
        let common_default = match edits.defaults.remove(&Scope::Common) {
            Some(level) => level,
            None => self.common_default,
        };
        let sites = if edits.grants.is_empty() && edits.defaults.is_empty() {
            Arc::clone(&self.sites)
        } else {
            self.sites_with(edits)
        };
        Index {
            module: self.module,
            levels: self.levels,
            options: self.options.clone(),
            groups: self.groups.clone(),
            common,
            common_default,
            sites,
            grant_count,
        }
    }

    /// The site list after `edits` (their common part already taken out).
    fn sites_with(&self, edits: Edits) -> Arc<[SiteIndex]> {
        let mut sites: BTreeMap<SiteId, SiteIndex> =
            self.sites.iter().map(|s| (s.site, s.clone())).collect();
        for (scope, level) in edits.defaults {
            if let Scope::Site(site) = scope {
                entry(&mut sites, site).default = level;
            }
        }
        for (scope, groups) in edits.grants {
            if let Scope::Site(site) = scope {
                let cells: Vec<(GroupId, u8)> = groups
                    .into_iter()
                    .map(|grant| self.site_cell(grant))
                    .collect();
                let site = entry(&mut sites, site);
                site.grants = site.grants.patched(&cells);
            }
        }
        // As a compile from scratch would: only sites with something set.
        sites
            .into_values()
            .filter(|s| s.default.is_some() || !s.grants.is_empty())
            .collect()
    }
}

/// The entry of `site`, added without a default or grants if missing.
fn entry(sites: &mut BTreeMap<SiteId, SiteIndex>, site: SiteId) -> &mut SiteIndex {
    sites.entry(site).or_insert_with(|| SiteIndex {
        site,
        default: None,
        grants: GroupTable::default(),
    })
}

impl Edits {
    fn grant(&mut self, scope: Scope, group: GroupId, own: u8) {
        self.grants.entry(scope).or_default().insert(group, own);
    }
}
