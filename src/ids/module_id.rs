//! [`ModuleId`]: which module a setting or right belongs to.

use super::error::{IdError, IdKind};
use super::inline::{check_ascii, CharClass, InlineAscii};

const MAX_LEN: usize = 50;

/// A module's id, such as `video`, `videoport` or `b24connector`.
///
/// 1–50 ASCII letters, digits, `.` and `_`, compared and stored in lower case,
/// so `"Video"` and `"video"` name one module. The id is `Copy` and never
/// allocates.
///
/// ```
/// use module_settings::ModuleId;
/// const VIDEO: ModuleId = ModuleId::from_static("video");
/// assert_eq!("VIDEO".parse::<ModuleId>().unwrap(), VIDEO);
/// assert!("video conf".parse::<ModuleId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId(InlineAscii<MAX_LEN>);

impl ModuleId {
    /// Validates a module id, lower-casing it.
    pub fn new(id: &str) -> Result<Self, IdError> {
        InlineAscii::parse(IdKind::Module, id, CharClass::Module, true).map(ModuleId)
    }

    /// A known-good id written in the source, checked at compile time when
    /// used in a `const`.
    ///
    /// # Panics
    ///
    /// If `id` is not a valid module id: 1–50 ASCII letters, digits, `.` or
    /// `_` (in a `const` item that is a compile error).
    /// For input from outside use [`ModuleId::new`] or `parse`.
    pub const fn from_static(id: &'static str) -> Self {
        match check_ascii(id.as_bytes(), MAX_LEN, CharClass::Module) {
            Ok(()) => ModuleId(InlineAscii::from_checked(id.as_bytes(), true)),
            Err(_) => panic!("invalid module id: 1 to 50 ASCII letters, digits, '.' or '_'"),
        }
    }

    /// The id, in lower case.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// A number that tells most module ids apart with one comparison
    /// (equal keys still need `==`); for lookups in small tables.
    /// The id as 8-byte words and its length: what the facade's module
    /// index hashes and compares.
    #[inline]
    pub(crate) fn words(&self) -> (usize, impl Iterator<Item = u64> + '_) {
        (self.0.len(), self.0.words())
    }
}

super::string_id_impls!(ModuleId);
