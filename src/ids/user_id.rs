//! [`UserId`]: a user of the site, as Bitrix's `b_user_group` and
//! `b_event_log` name one.

use std::num::NonZeroU32;

use super::error::IdKind;

/// A user's id: a non-zero `u32` (Bitrix's `b_user.ID`).
///
/// ```
/// use module_settings::UserId;
/// let anna: UserId = "42".parse().unwrap();
/// assert_eq!(anna.get(), 42);
/// assert_eq!(anna.to_string(), "42");
/// assert!(UserId::new(0).is_none());
/// assert!("-1".parse::<UserId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(NonZeroU32);

impl UserId {
    /// The user with this id, or `None` for 0.
    pub const fn new(id: u32) -> Option<Self> {
        match NonZeroU32::new(id) {
            Some(id) => Some(UserId(id)),
            None => None,
        }
    }

    /// A known-good id written in the source.
    ///
    /// # Panics
    ///
    /// If `id` is 0 (in a `const` item that is a compile error).
    pub const fn from_static(id: u32) -> Self {
        match UserId::new(id) {
            Some(user) => user,
            None => panic!("0 is not a user id"),
        }
    }

    /// The numeric id.
    pub const fn get(self) -> u32 {
        self.0.get()
    }
}

crate::ids::numeric_id_impls!(UserId, IdKind::User);
