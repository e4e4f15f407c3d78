//! [`SiteId`]: one site of a multi-site installation.

use super::error::{IdError, IdKind, IdProblem};
use super::inline::{check_ascii, CharClass, InlineAscii};

const MAX_LEN: usize = 32;

/// A site's id, such as Bitrix's `s1`.
///
/// 1–32 ASCII letters, digits, `_` and `-`, **stored in lower case**:
/// `S1` and `s1` are one site, on every path and in every store — as
/// Bitrix on MySQL, whose default collation ignores case, treats them.
/// `common` (in any case) is reserved: it names the common
/// [`Scope`](crate::Scope) in text. `Copy`, never allocates.
///
/// ```
/// use module_settings::SiteId;
/// const MAIN: SiteId = SiteId::from_static("s1");
/// assert_eq!(MAIN.as_str(), "s1");
/// assert_eq!("S1".parse::<SiteId>().unwrap(), MAIN);
/// assert!("s 1".parse::<SiteId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteId(InlineAscii<MAX_LEN>);

impl SiteId {
    /// Validates a site id.
    pub fn new(id: &str) -> Result<Self, IdError> {
        let site = InlineAscii::parse(IdKind::Site, id, CharClass::Site, true).map(SiteId)?;
        if is_reserved(id.as_bytes()) {
            return Err(IdError::new(IdKind::Site, id, IdProblem::Reserved));
        }
        Ok(site)
    }

    /// A known-good id written in the source.
    ///
    /// # Panics
    ///
    /// If `id` is not a valid site id: 1–32 ASCII letters, digits, `_` or
    /// `-`, not `common` (in a `const` item that is a compile error).
    pub const fn from_static(id: &'static str) -> Self {
        match check_ascii(id.as_bytes(), MAX_LEN, CharClass::Site) {
            Ok(()) if !is_reserved(id.as_bytes()) => {
                SiteId(InlineAscii::from_checked(id.as_bytes(), true))
            }
            _ => panic!("invalid site id: 1 to 32 ASCII letters, digits, '_' or '-'"),
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

super::string_id_impls!(SiteId);

/// `common` in any case: the text form of the common scope.
const fn is_reserved(id: &[u8]) -> bool {
    let word = b"common";
    if id.len() != word.len() {
        return false;
    }
    let mut i = 0;
    while i < word.len() {
        if id[i].to_ascii_lowercase() != word[i] {
            return false;
        }
        i += 1;
    }
    true
}
