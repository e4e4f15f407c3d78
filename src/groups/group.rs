//! [`Group`]: one user group as Bitrix's `b_group` describes it.

use crate::ids::GroupId;

/// Bitrix's default sort order of a group (`C_SORT`).
const DEFAULT_SORT: u32 = 100;

/// One user group: its id, name, whether it is active, its sort order and
/// its optional string id — the columns `ID`, `NAME`, `ACTIVE`, `C_SORT`
/// and `STRING_ID` of Bitrix's `b_group`.
///
/// A new group is active, sorts at 100 (Bitrix's default) and has no
/// string id. Groups 1 (administrators) and 2 (everyone) are **always
/// active**: [`with_active(false)`](Self::with_active) leaves them active,
/// as Bitrix's own admin page cannot switch them off.
///
/// ```
/// use module_settings::groups::Group;
/// use module_settings::GroupId;
///
/// let editors = Group::new(GroupId::from_static(5), "Editors")
///     .with_sort(50)
///     .with_string_id("content_editors")
///     .with_active(false);
/// assert_eq!(editors.name(), "Editors");
/// assert!(!editors.is_active());
/// assert_eq!((editors.sort(), editors.string_id()), (50, Some("content_editors")));
///
/// // The administrators group cannot be switched off.
/// let admins = Group::new(GroupId::ADMINISTRATORS, "Administrators").with_active(false);
/// assert!(admins.is_active());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    id: GroupId,
    name: String,
    active: bool,
    sort: u32,
    string_id: Option<String>,
}

impl Group {
    /// An active group `id` named `name`, sorting at 100, without a string
    /// id.
    pub fn new(id: GroupId, name: impl Into<String>) -> Self {
        Group {
            id,
            name: name.into(),
            active: true,
            sort: DEFAULT_SORT,
            string_id: None,
        }
    }

    /// The same group, switched on or off (Bitrix's `ACTIVE` `Y`/`N`).
    /// Groups 1 and 2 stay active whatever `on` says.
    #[must_use]
    pub fn with_active(mut self, on: bool) -> Self {
        self.active = on || always_active(self.id);
        self
    }

    /// The same group with sort order `sort` (Bitrix's `C_SORT`; lower
    /// sorts first).
    #[must_use]
    pub fn with_sort(mut self, sort: u32) -> Self {
        self.sort = sort;
        self
    }

    /// The same group with a string id (Bitrix's `STRING_ID`, such as
    /// `"RATING_VOTE"`).
    #[must_use]
    pub fn with_string_id(mut self, string_id: impl Into<String>) -> Self {
        self.string_id = Some(string_id.into());
        self
    }

    /// The group's id.
    pub fn id(&self) -> GroupId {
        self.id
    }

    /// The group's name, as its site shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the group counts in access checks: always for groups 1 and
    /// 2.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The sort order: lower first, ties by id.
    pub fn sort(&self) -> u32 {
        self.sort
    }

    /// The string id, if the group has one.
    pub fn string_id(&self) -> Option<&str> {
        self.string_id.as_deref()
    }
}

/// Whether Bitrix keeps `group` active whatever its row says: the
/// administrators and everyone.
pub(crate) fn always_active(group: GroupId) -> bool {
    group == GroupId::ADMINISTRATORS || group == GroupId::EVERYONE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_group_is_active_sorts_at_100_and_has_no_string_id() {
        let group = Group::new(GroupId::from_static(7), "Sales");
        assert_eq!(group.id(), GroupId::from_static(7));
        assert_eq!(group.name(), "Sales");
        assert!(group.is_active());
        assert_eq!(group.sort(), 100);
        assert_eq!(group.string_id(), None);
    }

    #[test]
    fn only_groups_other_than_1_and_2_can_be_switched_off() {
        for (id, stays_active) in [(1, true), (2, true), (3, false), (u32::MAX, false)] {
            let group = Group::new(GroupId::new(id).unwrap(), "g").with_active(false);
            assert_eq!(group.is_active(), stays_active, "group {id}");
            assert!(group.with_active(true).is_active(), "group {id} back on");
        }
    }
}
