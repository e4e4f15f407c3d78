//! [`OptionName`]: the stored name of one module option.

use std::borrow::Cow;

use super::error::{IdError, IdKind, IdProblem};

const MAX_CHARS: usize = 100;

/// The option name Bitrix uses for a module's default access level. It
/// belongs to the Access tab, so no ordinary option may take it.
pub const GROUP_DEFAULT_RIGHT: &str = "GROUP_DEFAULT_RIGHT";

/// The name an option is stored under, such as `ServerHost`.
///
/// 1–100 characters with no control characters; case preserved, because
/// Bitrix's own names are mixed case. [`GROUP_DEFAULT_RIGHT`] is reserved
/// (in any case): stores keep the default access level under it.
///
/// ```
/// use module_settings::OptionName;
/// const HOST: OptionName = OptionName::from_static("ServerHost");
/// assert_eq!(OptionName::new("ServerHost").unwrap(), HOST);
/// assert!(OptionName::new("GROUP_DEFAULT_RIGHT").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OptionName(Cow<'static, str>);

const fn check(name: &str) -> Result<(), IdProblem> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(IdProblem::Empty);
    }
    let mut chars = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Count characters by their leading bytes; control characters are
        // all ASCII (C0, DEL) or the two-byte C1 range U+0080..U+009F.
        if b & 0xC0 != 0x80 {
            chars += 1;
        }
        let c1 = b == 0xC2 && i + 1 < bytes.len() && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9F;
        if b < 0x20 || b == 0x7F || c1 {
            return Err(IdProblem::BadChar {
                ch: '\u{FFFD}',
                position: chars,
            });
        }
        i += 1;
    }
    if chars > MAX_CHARS {
        return Err(IdProblem::TooLong {
            len: chars,
            max: MAX_CHARS,
        });
    }
    if bytes.len() == GROUP_DEFAULT_RIGHT.len() {
        let reserved = GROUP_DEFAULT_RIGHT.as_bytes();
        let mut j = 0;
        while j < bytes.len() && bytes[j].to_ascii_uppercase() == reserved[j] {
            j += 1;
        }
        if j == bytes.len() {
            return Err(IdProblem::Reserved);
        }
    }
    Ok(())
}

impl OptionName {
    /// A copy made in `const` context, where `Clone` cannot run: for the
    /// option lists `#[derive(ModuleOptions)]` builds from `const` tables.
    ///
    /// # Panics
    ///
    /// On a name not made by [`from_static`](Self::from_static), which a
    /// `const` table cannot hold.
    pub(crate) const fn static_copy(&self) -> OptionName {
        match &self.0 {
            Cow::Borrowed(name) => OptionName(Cow::Borrowed(name)),
            Cow::Owned(_) => panic!("only a name made by from_static is copied in const context"),
        }
    }

    /// Validates an option name.
    pub fn new(name: &str) -> Result<Self, IdError> {
        match check(name) {
            Ok(()) => Ok(OptionName(Cow::Owned(name.to_owned()))),
            Err(IdProblem::BadChar { position, .. }) => {
                let ch = name
                    .chars()
                    .nth(position.saturating_sub(1))
                    .unwrap_or('\u{FFFD}');
                Err(IdError::new(
                    IdKind::OptionName,
                    name,
                    IdProblem::BadChar { ch, position },
                ))
            }
            Err(problem) => Err(IdError::new(IdKind::OptionName, name, problem)),
        }
    }

    /// A known-good name written in the source; no allocation.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid option name: 1–100 characters without
    /// control characters, not `GROUP_DEFAULT_RIGHT` (in a `const` item that
    /// is a compile error).
    pub const fn from_static(name: &'static str) -> Self {
        match check(name) {
            Ok(()) => OptionName(Cow::Borrowed(name)),
            Err(_) => panic!("invalid option name: 1 to 100 characters, no control characters"),
        }
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for OptionName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

super::string_id_impls!(OptionName);
