//! [`Index::with_groups`]: an index folded with another group directory,
//! rewriting only the cells of the groups whose activity changed.

use std::sync::Arc;

use crate::access::layout::{Index, SiteIndex};
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, Scope};

impl Index {
    /// This index folded with `groups` (see
    /// [`CompiledRights::with_groups`](super::CompiledRights::with_groups)).
    pub(super) fn with_groups(&self, groups: &GroupDirectory) -> Index {
        let mut next = Index {
            module: self.module,
            levels: self.levels,
            options: self.options.clone(),
            groups: groups.clone(),
            common: self.common.clone(),
            common_default: self.common_default,
            sites: Arc::clone(&self.sites),
            grant_count: self.grant_count,
        };
        let flipped = flipped(self.groups.inactive_groups(), groups.inactive_groups());
        if flipped.is_empty() {
            return next;
        }
        // Each cell made again from the group's own grant, now under the
        // new directory: an active group without a grant (and not an
        // administrator) loses its entry.
        let common: Vec<(GroupId, u8)> = flipped
            .iter()
            .map(|&group| {
                (
                    group,
                    next.common_cell(group, self.own(Scope::Common, group)),
                )
            })
            .collect();
        next.common = self.common.patched(&common);
        let sites: Vec<SiteIndex> = self
            .sites
            .iter()
            .map(|site| {
                let own = |group: GroupId| self.own(Scope::Site(site.site), group);
                let cells: Vec<(GroupId, u8)> = flipped
                    .iter()
                    .filter(|&&group| own(group) != 0)
                    .map(|&group| next.site_cell((group, own(group))))
                    .collect();
                let mut site = site.clone();
                if !cells.is_empty() {
                    site.grants = site.grants.patched(&cells);
                }
                site
            })
            .collect();
        next.sites = sites.into();
        next
    }
}

/// The groups inactive in exactly one of `before` and `after` (both
/// ascending), ascending.
fn flipped(before: &[GroupId], after: &[GroupId]) -> Vec<GroupId> {
    let (mut a, mut b) = (before.iter().peekable(), after.iter().peekable());
    let mut out = Vec::new();
    loop {
        match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x == y => {
                a.next();
                b.next();
            }
            (Some(&&x), Some(&&y)) if x < y => {
                out.push(x);
                a.next();
            }
            (_, Some(&&y)) => {
                out.push(y);
                b.next();
            }
            (Some(&&x), None) => {
                out.push(x);
                a.next();
            }
            (None, None) => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipped_is_the_symmetric_difference_in_order() {
        let ids =
            |v: &[u32]| -> Vec<GroupId> { v.iter().map(|&i| GroupId::new(i).unwrap()).collect() };
        let cases: [(&[u32], &[u32], &[u32]); 6] = [
            (&[], &[], &[]),
            (&[3, 5], &[], &[3, 5]),
            (&[], &[4, 9], &[4, 9]),
            (&[1, 3, 5, 7], &[3, 4, 7, 8], &[1, 4, 5, 8]),
            (&[2, 6], &[2, 6], &[]),
            (&[10], &[1, 20], &[1, 10, 20]),
        ];
        for (before, after, want) in cases {
            assert_eq!(
                flipped(&ids(before), &ids(after)),
                ids(want),
                "{before:?} → {after:?}"
            );
        }
    }
}
