//! [`ResolveOptions`]: the switches of `GetUserRight`.

use std::fmt;
use std::sync::Arc;

use crate::ids::GroupId;

/// How access is resolved: the administrator bypass, which groups are
/// administrators, whether the module's default level applies, and whether
/// every user counts as a member of group 2.
///
/// The defaults match Bitrix: bypass **on**, administrators = group 1,
/// defaults **on**, group 2 ([`GroupId::EVERYONE`]) **implicit**.
/// Builder-style; cloning is cheap (the administrator list is shared, never
/// copied).
///
/// ```
/// use module_settings::access::ResolveOptions;
/// use module_settings::GroupId;
/// let options = ResolveOptions::new()
///     .admin_groups([GroupId::ADMINISTRATORS, GroupId::from_static(9)])
///     .use_default(false);
/// assert!(options.has_admin_bypass());
/// assert!(options.is_admin_group(GroupId::from_static(9)));
/// assert!(!options.uses_default());
/// assert!(options.has_implicit_everyone());
/// // Bitrix's "controller-limited admin": administrators get no bypass.
/// assert!(!ResolveOptions::new().admin_bypass(false).has_admin_bypass());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    admin_bypass: bool,
    use_default: bool,
    implicit_everyone: bool,
    admin_groups: AdminGroups,
}

/// The administrator groups, sorted and without duplicates. The usual list
/// is a static slice, so building default options allocates nothing.
#[derive(Clone)]
enum AdminGroups {
    Static(&'static [GroupId]),
    Shared(Arc<[GroupId]>),
}

impl AdminGroups {
    fn as_slice(&self) -> &[GroupId] {
        match self {
            AdminGroups::Static(groups) => groups,
            AdminGroups::Shared(groups) => groups,
        }
    }
}

/// Equal when they hold the same groups, however each was built.
impl PartialEq for AdminGroups {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for AdminGroups {}

impl ResolveOptions {
    /// The Bitrix defaults: bypass on, administrators = group 1, defaults
    /// on, group 2 implicit.
    pub const fn new() -> Self {
        ResolveOptions {
            admin_bypass: true,
            use_default: true,
            implicit_everyone: true,
            admin_groups: AdminGroups::Static(&[GroupId::ADMINISTRATORS]),
        }
    }

    /// Turns the administrator bypass on or off. Off is Bitrix's
    /// "controller-limited admin": administrators then get only what their
    /// groups are granted.
    #[must_use]
    pub fn admin_bypass(mut self, on: bool) -> Self {
        self.admin_bypass = on;
        self
    }

    /// Replaces the administrator groups. Order and duplicates do not
    /// matter; an empty list means nobody is an administrator.
    #[must_use]
    pub fn admin_groups(mut self, groups: impl IntoIterator<Item = GroupId>) -> Self {
        let mut groups: Vec<GroupId> = groups.into_iter().collect();
        groups.sort_unstable();
        groups.dedup();
        self.admin_groups = AdminGroups::Shared(groups.into());
        self
    }

    /// Whether a user's groups without a grant fall back to the module's
    /// default level (on), or resolve to D (off).
    #[must_use]
    pub fn use_default(mut self, on: bool) -> Self {
        self.use_default = on;
        self
    }

    /// Whether every user counts as a member of group 2
    /// ([`GroupId::EVERYONE`]) whatever groups a check is given (on), or only
    /// when the list names it (off).
    ///
    /// On is Bitrix's rule: every user is in group 2, and a caller that
    /// forgets it in a user's group list must not get another answer —
    /// with "everyone: D" and default R, `[5]` and `[2, 5]` both resolve to
    /// D. Turn it off only when the lists always come complete and group 2
    /// means something narrower in your system.
    #[must_use]
    pub fn implicit_everyone(mut self, on: bool) -> Self {
        self.implicit_everyone = on;
        self
    }

    /// Whether the administrator bypass is on.
    pub fn has_admin_bypass(&self) -> bool {
        self.admin_bypass
    }

    /// Whether the default level applies to users without a grant.
    pub fn uses_default(&self) -> bool {
        self.use_default
    }

    /// Whether every user counts as a member of group 2.
    pub fn has_implicit_everyone(&self) -> bool {
        self.implicit_everyone
    }

    /// The administrator groups, lowest id first.
    pub fn administrator_groups(&self) -> &[GroupId] {
        self.admin_groups.as_slice()
    }

    /// Whether `group` is one of the administrator groups.
    #[inline]
    pub fn is_admin_group(&self, group: GroupId) -> bool {
        let admins = self.admin_groups.as_slice();
        // The list is nearly always one or two groups: a linear scan beats
        // a binary search there.
        if admins.len() <= 8 {
            admins.contains(&group)
        } else {
            admins.binary_search(&group).is_ok()
        }
    }
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions::new()
    }
}

impl fmt::Debug for ResolveOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveOptions")
            .field("admin_bypass", &self.admin_bypass)
            .field("admin_groups", &self.administrator_groups())
            .field("use_default", &self.use_default)
            .field("implicit_everyone", &self.implicit_everyone)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_bitrix() {
        let options = ResolveOptions::default();
        assert!(options.has_admin_bypass());
        assert!(options.uses_default());
        assert!(options.has_implicit_everyone());
        assert_eq!(options.administrator_groups(), [GroupId::ADMINISTRATORS]);
        assert_eq!(options, ResolveOptions::new());
        // Equality looks at the groups, not at how the list was built.
        assert_eq!(
            ResolveOptions::new().admin_groups([GroupId::ADMINISTRATORS]),
            ResolveOptions::new()
        );
        assert_ne!(
            ResolveOptions::new().admin_groups([]),
            ResolveOptions::new()
        );
        assert_ne!(
            ResolveOptions::new().use_default(false),
            ResolveOptions::new()
        );
        assert_ne!(
            ResolveOptions::new().implicit_everyone(false),
            ResolveOptions::new()
        );
        assert!(!ResolveOptions::new()
            .implicit_everyone(false)
            .has_implicit_everyone());
    }

    #[test]
    fn admin_groups_are_sorted_and_deduplicated() {
        let ids =
            |v: &[u32]| -> Vec<GroupId> { v.iter().map(|&i| GroupId::new(i).unwrap()).collect() };
        let options = ResolveOptions::new().admin_groups(ids(&[9, 3, 9, 1]));
        assert_eq!(options.administrator_groups(), ids(&[1, 3, 9]).as_slice());
        assert_eq!(options, ResolveOptions::new().admin_groups(ids(&[1, 9, 3])));
        // Many administrator groups take the binary-search path.
        let many =
            ResolveOptions::new().admin_groups(ids(&(1..=40).map(|i| i * 3).collect::<Vec<_>>()));
        assert!(many.is_admin_group(GroupId::new(39).unwrap()));
        assert!(!many.is_admin_group(GroupId::new(40).unwrap()));
        assert!(!ResolveOptions::new()
            .admin_groups([])
            .is_admin_group(GroupId::ADMINISTRATORS));
    }

    #[test]
    fn debug_lists_the_switches() {
        let text = format!("{:?}", ResolveOptions::new());
        assert_eq!(
            text,
            "ResolveOptions { admin_bypass: true, admin_groups: [GroupId(1)], use_default: true, \
             implicit_everyone: true }"
        );
    }
}
