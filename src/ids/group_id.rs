//! [`GroupId`]: a user group, the unit access rights are granted to.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use super::error::{IdError, IdKind, IdProblem};

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

impl TryFrom<u32> for GroupId {
    type Error = IdError;
    fn try_from(id: u32) -> Result<Self, IdError> {
        GroupId::new(id).ok_or_else(|| IdError::new(IdKind::Group, "0", IdProblem::Zero))
    }
}

impl From<GroupId> for u32 {
    fn from(id: GroupId) -> u32 {
        id.get()
    }
}

impl FromStr for GroupId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::new(IdKind::Group, s, IdProblem::Empty));
        }
        // `u32::from_str` accepts a leading '+'; ids are plain digits.
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::new(IdKind::Group, s, IdProblem::NotANumber));
        }
        let n: u32 = s
            .parse()
            .map_err(|_| IdError::new(IdKind::Group, s, IdProblem::NotANumber))?;
        GroupId::new(n).ok_or_else(|| IdError::new(IdKind::Group, s, IdProblem::Zero))
    }
}

impl TryFrom<&str> for GroupId {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, IdError> {
        s.parse()
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupId({})", self.0)
    }
}

impl serde::Serialize for GroupId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.get())
    }
}

impl<'de> serde::Deserialize<'de> for GroupId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        GroupId::try_from(n).map_err(serde::de::Error::custom)
    }
}
