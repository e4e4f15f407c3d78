//! Fixed-capacity ASCII strings: identifiers that are `Copy`, never allocate
//! and can be built in `const` context.

use super::error::{IdError, IdKind, IdProblem};

/// ASCII text of at most `N` bytes, zero-padded so that derived ordering is
/// the lexicographic order of the text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct InlineAscii<const N: usize> {
    bytes: [u8; N],
    len: u8,
}

/// The first byte that breaks the rule, found in `const` context.
pub(crate) const fn check_ascii(s: &[u8], max: usize, allowed: CharClass) -> Result<(), IdProblem> {
    if s.is_empty() {
        return Err(IdProblem::Empty);
    }
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if !allowed.accepts(b) {
            // Non-ASCII input is reported as the replacement character here;
            // `first_bad_char` below recovers the real character at runtime.
            return Err(IdProblem::BadChar {
                ch: if b.is_ascii() { b as char } else { '\u{FFFD}' },
                position: i + 1,
            });
        }
        i += 1;
    }
    if s.len() > max {
        return Err(IdProblem::TooLong { len: s.len(), max });
    }
    Ok(())
}

/// The characters an identifier may hold. An enum rather than a closure
/// because `const fn` cannot call closures.
#[derive(Clone, Copy)]
pub(crate) enum CharClass {
    /// Letters, digits, `.` and `_`.
    Module,
    /// Letters, digits, `_` and `-`.
    Site,
}

impl CharClass {
    pub(crate) const fn accepts(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                CharClass::Module => b == b'.' || b == b'_',
                CharClass::Site => b == b'_' || b == b'-',
            }
    }
}

impl<const N: usize> InlineAscii<N> {
    /// Builds from bytes already checked by [`check_ascii`], lower-casing
    /// them when asked.
    pub(crate) const fn from_checked(s: &[u8], lowercase: bool) -> Self {
        let mut bytes = [0u8; N];
        let mut i = 0;
        while i < s.len() {
            bytes[i] = if lowercase {
                s[i].to_ascii_lowercase()
            } else {
                s[i]
            };
            i += 1;
        }
        InlineAscii {
            bytes,
            len: s.len() as u8,
        }
    }

    /// Validates `value` and builds the identifier, or says what is wrong.
    pub(crate) fn parse(
        kind: IdKind,
        value: &str,
        allowed: CharClass,
        lowercase: bool,
    ) -> Result<Self, IdError> {
        match check_ascii(value.as_bytes(), N, allowed) {
            Ok(()) => Ok(Self::from_checked(value.as_bytes(), lowercase)),
            Err(IdProblem::BadChar { .. }) => {
                let (position, ch) = value
                    .chars()
                    .enumerate()
                    .find(|&(_, c)| !(c.is_ascii() && allowed.accepts(c as u8)))
                    .map_or((0, '\u{FFFD}'), |(i, c)| (i + 1, c));
                Err(IdError::new(
                    kind,
                    value,
                    IdProblem::BadChar { ch, position },
                ))
            }
            Err(problem) => Err(IdError::new(kind, value, problem)),
        }
    }

    /// The text as little-endian 8-byte words (the last one zero-padded),
    /// read straight from the zero-padded buffer: for hashing and comparing
    /// without a call to `memcpy` or `memcmp`.
    #[inline]
    pub(crate) fn words(&self) -> impl Iterator<Item = u64> + '_ {
        let len = usize::from(self.len).min(N);
        (0..len.div_ceil(8)).map(move |i| {
            let start = i * 8;
            match self.bytes.get(start..start + 8) {
                Some(word) => {
                    let mut buf = [0u8; 8];
                    buf.copy_from_slice(word);
                    u64::from_le_bytes(buf)
                }
                // The last word of a full buffer whose size is not a
                // multiple of 8: the bytes past the end are zero padding.
                None => self.bytes[start..]
                    .iter()
                    .rev()
                    .fold(0u64, |word, byte| (word << 8) | u64::from(*byte)),
            }
        })
    }

    /// The text's length in bytes.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only checked ASCII is ever stored, so this cannot fail; an empty
        // string is the harmless answer if that invariant were ever broken.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}
