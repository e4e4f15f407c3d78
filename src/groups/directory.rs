//! [`GroupDirectory`]: the site's groups, found by id and listed in
//! Bitrix's order.

use std::fmt;
use std::sync::Arc;

use super::error::GroupError;
use super::group::Group;
use crate::ids::GroupId;

/// A fixed set of user groups: each found by id in O(log n), all listed in
/// Bitrix's order — by sort order, then by id.
///
/// Immutable; cloning shares the data, and the empty directory
/// ([`GroupDirectory::empty`], also the [`Default`]) allocates nothing.
/// Two directories are equal when they hold the same groups.
///
/// For access checks a directory only says which groups are **inactive**:
/// [`is_active`](Self::is_active) is `false` only for a listed group whose
/// row says so. Groups 1 and 2 are always active, and a group the
/// directory does not list counts as active — an unknown group is not a
/// switched-off one, so a directory that misses a group never drops its
/// grants. The empty directory therefore leaves every group active.
///
/// ```
/// use module_settings::groups::{Group, GroupDirectory};
/// use module_settings::GroupId;
/// # fn main() -> Result<(), module_settings::groups::GroupError> {
/// let g = GroupId::from_static;
/// let directory = GroupDirectory::new([
///     Group::new(g(5), "Editors").with_active(false),
///     Group::new(g(2), "Everyone").with_sort(10),
///     Group::new(g(1), "Administrators").with_sort(10),
///     Group::new(g(3), "Authors"),
/// ])?;
/// let names: Vec<&str> = directory.iter().map(Group::name).collect();
/// assert_eq!(names, ["Administrators", "Everyone", "Authors", "Editors"]);
/// assert_eq!(directory.get(g(3)).map(Group::name), Some("Authors"));
/// assert!(!directory.is_active(g(5)));
/// assert!(directory.is_active(g(9)), "not listed: active");
/// assert_eq!(directory.inactive_groups(), [g(5)]);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct GroupDirectory {
    /// `None` for the empty directory, so that it costs no allocation.
    inner: Option<Arc<Listing>>,
}

/// The groups of a non-empty directory.
struct Listing {
    /// In Bitrix's order: by sort order, then by id.
    ordered: Box<[Group]>,
    /// Every id with its group's position in `ordered`, sorted by id (each
    /// id once): found by binary search.
    ids: Box<[(GroupId, usize)]>,
    /// The inactive groups' ids, ascending: what access checks need.
    inactive: Box<[GroupId]>,
}

impl GroupDirectory {
    /// The directory without groups: every group counts as active.
    pub const fn empty() -> Self {
        GroupDirectory { inner: None }
    }

    /// A directory of `groups`, given in any order.
    ///
    /// # Errors
    ///
    /// [`GroupError::Duplicate`] when two groups share an id, naming the
    /// id and both rows' names.
    pub fn new(groups: impl IntoIterator<Item = Group>) -> Result<Self, GroupError> {
        let mut ordered: Vec<Group> = groups.into_iter().collect();
        if ordered.is_empty() {
            return Ok(GroupDirectory::empty());
        }
        // Stable, so "first" and "second" below follow the input's order.
        ordered.sort_by_key(Group::id);
        if let Some(pair) = ordered.windows(2).find(|pair| pair[0].id() == pair[1].id()) {
            return Err(GroupError::Duplicate {
                group: pair[0].id(),
                first: pair[0].name().to_owned(),
                second: pair[1].name().to_owned(),
            });
        }
        // Sorted by id already: a stable sort by the sort order alone
        // leaves ties in id order.
        ordered.sort_by_key(Group::sort);
        let mut ids: Vec<(GroupId, usize)> = ordered
            .iter()
            .enumerate()
            .map(|(at, group)| (group.id(), at))
            .collect();
        ids.sort_unstable();
        let inactive = ids
            .iter()
            .filter(|&&(_, at)| ordered.get(at).is_some_and(|group| !group.is_active()))
            .map(|&(id, _)| id)
            .collect();
        Ok(GroupDirectory {
            inner: Some(Arc::new(Listing {
                ordered: ordered.into(),
                ids: ids.into(),
                inactive,
            })),
        })
    }

    /// The group `id`, if listed.
    pub fn get(&self, id: GroupId) -> Option<&Group> {
        let listing = self.inner.as_deref()?;
        let at = listing.ids.binary_search_by_key(&id, |&(id, _)| id).ok()?;
        let &(_, position) = listing.ids.get(at)?;
        listing.ordered.get(position)
    }

    /// Whether group `id` counts in access checks: `false` only for a
    /// listed group whose row says it is inactive (never groups 1 and 2).
    pub fn is_active(&self, id: GroupId) -> bool {
        self.inactive_groups().binary_search(&id).is_err()
    }

    /// The ids of the inactive groups, lowest first.
    pub fn inactive_groups(&self) -> &[GroupId] {
        self.inner
            .as_deref()
            .map_or(&[], |listing| &listing.inactive)
    }

    /// Every group, in Bitrix's order: by sort order, then by id.
    pub fn iter(&self) -> std::slice::Iter<'_, Group> {
        self.inner
            .as_deref()
            .map_or(&[][..], |listing| &listing.ordered)
            .iter()
    }

    /// How many groups are listed.
    pub fn len(&self) -> usize {
        self.iter().len()
    }

    /// Whether no group is listed.
    pub fn is_empty(&self) -> bool {
        self.inner.is_none()
    }
}

/// Equal when they list the same groups (the very same data compares at
/// once).
impl PartialEq for GroupDirectory {
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.ordered == b.ordered,
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl Eq for GroupDirectory {}

/// The groups, in Bitrix's order.
impl fmt::Debug for GroupDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a GroupDirectory {
    type Item = &'a Group;
    type IntoIter = std::slice::Iter<'a, Group>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(id: u32) -> GroupId {
        GroupId::new(id).unwrap()
    }

    fn ids(directory: &GroupDirectory) -> Vec<u32> {
        directory.iter().map(|group| group.id().get()).collect()
    }

    #[test]
    fn groups_are_listed_by_sort_then_id_whatever_the_input_order() {
        let rows = [(9, 100), (4, 100), (7, 5), (1, 100), (3, 5), (2, 1)];
        let forward = rows.map(|(id, sort)| Group::new(g(id), format!("g{id}")).with_sort(sort));
        let mut backward = forward.clone();
        backward.reverse();
        let forward = GroupDirectory::new(forward).unwrap();
        assert_eq!(ids(&forward), [2, 3, 7, 1, 4, 9]);
        let backward = GroupDirectory::new(backward).unwrap();
        assert_eq!(ids(&backward), [2, 3, 7, 1, 4, 9]);
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 6);
        assert_eq!((&forward).into_iter().count(), 6);
    }

    #[test]
    fn groups_are_found_by_id() {
        let directory = GroupDirectory::new(
            (1..=1000).map(|id| Group::new(g(id * 3), format!("g{id}")).with_sort(1000 - id)),
        )
        .unwrap();
        for id in 1..=1000 {
            assert_eq!(
                directory.get(g(id * 3)).map(Group::name),
                Some(&*format!("g{id}"))
            );
            assert_eq!(directory.get(g(id * 3 + 1)), None);
        }
        assert_eq!(directory.get(g(u32::MAX)), None);
    }

    #[test]
    fn a_duplicate_id_is_refused_with_both_names() {
        let err = GroupDirectory::new([
            Group::new(g(3), "Authors"),
            Group::new(g(7), "Sales"),
            Group::new(g(7), "Sales (old)"),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            GroupError::Duplicate {
                group: g(7),
                first: "Sales".into(),
                second: "Sales (old)".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "group 7 is listed twice in the group directory, as \"Sales\" and as \
             \"Sales (old)\": each group id may appear once"
        );
    }

    #[test]
    fn only_listed_groups_marked_inactive_are_inactive() {
        let directory = GroupDirectory::new([
            Group::new(g(1), "Administrators").with_active(false),
            Group::new(g(2), "Everyone").with_active(false),
            Group::new(g(5), "Editors").with_active(false),
            Group::new(g(6), "Authors"),
            Group::new(g(4), "Old").with_active(false),
        ])
        .unwrap();
        assert_eq!(directory.inactive_groups(), [g(4), g(5)]);
        for (id, active) in [
            (1, true),
            (2, true),
            (4, false),
            (5, false),
            (6, true),
            (7, true),
        ] {
            assert_eq!(directory.is_active(g(id)), active, "group {id}");
        }
    }

    #[test]
    fn the_empty_directory_lists_nothing_and_leaves_every_group_active() {
        for empty in [
            GroupDirectory::empty(),
            GroupDirectory::default(),
            GroupDirectory::new([]).unwrap(),
        ] {
            assert!(empty.is_empty());
            assert_eq!(empty.len(), 0);
            assert_eq!(empty.iter().count(), 0);
            assert!(empty.is_active(g(5)));
            assert!(empty.inactive_groups().is_empty());
            assert_eq!(empty.get(g(1)), None);
            assert_eq!(empty, GroupDirectory::empty());
            assert_eq!(format!("{empty:?}"), "[]");
        }
        let one = GroupDirectory::new([Group::new(g(5), "Editors")]).unwrap();
        assert!(!one.is_empty());
        assert_ne!(one, GroupDirectory::empty());
    }

    #[test]
    fn directories_are_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GroupDirectory>();
        assert_send_sync::<Group>();
        assert_send_sync::<GroupError>();
    }

    #[test]
    fn equality_compares_the_groups() {
        let a = GroupDirectory::new([Group::new(g(5), "Editors")]).unwrap();
        let b = GroupDirectory::new([Group::new(g(5), "Editors")]).unwrap();
        let off = GroupDirectory::new([Group::new(g(5), "Editors").with_active(false)]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, a.clone());
        assert_ne!(a, off);
        assert_eq!(
            format!("{off:?}"),
            "[Group { id: GroupId(5), name: \"Editors\", active: false, sort: 100, string_id: None }]"
        );
    }
}
