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

    /// A hash of the whole id (ids often share long prefixes, such as
    /// `crm_1`, `crm_2`, …, so every byte counts): what the facade's module
    /// index finds entries by.
    #[inline]
    pub(crate) fn hash32(&self) -> u32 {
        self.0.hash32()
    }

    /// Whether two ids with equal [`hash32`](Self::hash32)es are the same,
    /// comparing their text a word at a time: `==` compares the whole
    /// 51-byte buffer through a `memcmp` call, a good part of a facade
    /// check's time.
    #[inline]
    pub(crate) fn same_text(&self, other: &Self) -> bool {
        self.0.same_text(&other.0)
    }
}

super::string_id_impls!(ModuleId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_same_only_byte_for_byte_and_hash_every_byte() {
        let id = |text: &str| ModuleId::new(text).unwrap();
        let same = |a: ModuleId, b: ModuleId| {
            assert_eq!(a.same_text(&b), a == b, "{a} {b}");
            a.same_text(&b)
        };
        assert!(same(id("video"), id("VIDEO")));
        assert_eq!(id("video").hash32(), id("VIDEO").hash32());
        let longer = id("a_module_longer_than_eight");
        assert!(same(longer, id("a_module_longer_than_eight")));
        assert!(!same(longer, id("a_module_longer_than_eighT1")));
        assert!(!same(longer, id("a_module_longer_than_fight")));
        assert!(!same(id("video"), id("videoport")));
        // The last byte of the longest id, past the last full word.
        let longest = "m".repeat(49);
        let (a, b) = (id(&format!("{longest}a")), id(&format!("{longest}b")));
        assert!(same(a, id(&format!("{longest}A"))));
        assert!(!same(a, b));
        assert_ne!(a.hash32(), b.hash32());
    }

    #[test]
    fn order_and_equality_agree_with_the_text() {
        let ids =
            ["a", "ab", "b", "video", "video_1", "videoport"].map(|t| ModuleId::new(t).unwrap());
        for x in &ids {
            for y in &ids {
                assert_eq!(x == y, x.as_str() == y.as_str(), "{x} {y}");
                assert_eq!(x.cmp(y), x.as_str().cmp(y.as_str()), "{x} {y}");
            }
        }
    }
}
