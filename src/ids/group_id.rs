//! [`GroupId`]: a user group, the unit access rights are granted to.

use std::num::NonZeroU32;

use super::error::IdKind;

/// A user group's id: a non-zero `u32`.
///
/// ```
/// use module_settings::GroupId;
/// const EDITORS: GroupId = GroupId::from_static(5);
/// assert_eq!("5".parse::<GroupId>().unwrap(), EDITORS);
/// assert!(GroupId::new(0).is_none());
/// assert_eq!(GroupId::ADMINISTRATORS.get(), 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(NonZeroU32);

impl GroupId {
    /// Bitrix's administrators group, id 1.
    pub const ADMINISTRATORS: GroupId = GroupId::from_static(1);
    /// Bitrix's "everyone" group, id 2: every user, even anonymous, is in it.
    pub const EVERYONE: GroupId = GroupId::from_static(2);

    /// The group with this id, or `None` for 0.
    pub const fn new(id: u32) -> Option<Self> {
        match NonZeroU32::new(id) {
            Some(id) => Some(GroupId(id)),
            None => None,
        }
    }

    /// A known-good id written in the source — named like
    /// [`ModuleId::from_static`](crate::ModuleId::from_static) and the
    /// other ids' constructors of the same kind.
    ///
    /// # Panics
    ///
    /// If `id` is 0 (in a `const` item that is a compile error).
    pub const fn from_static(id: u32) -> Self {
        match GroupId::new(id) {
            Some(group) => group,
            None => panic!("0 is not a group id"),
        }
    }

    /// The numeric id.
    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

crate::ids::numeric_id_impls!(GroupId, IdKind::Group);
