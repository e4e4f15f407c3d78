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
    /// read straight from the zero-padded buffer: for comparing without a
    /// call to `memcmp`.
    #[inline]
    pub(crate) fn words(&self) -> impl Iterator<Item = u64> + '_ {
        let len = usize::from(self.len).min(N);
        (0..len.div_ceil(8)).map(move |i| match self.bytes.get(i * 8..i * 8 + 8) {
            // One 8-byte load for every word but the last of a full buffer.
            Some(word) => u64::from_le_bytes(word.try_into().unwrap_or_default()),
            None => self.word(i * 8),
        })
    }

    /// Whether two texts are the same, a word at a time: the derived `==`
    /// compares the whole buffer through a `memcmp` call.
    #[inline]
    pub(crate) fn same_text(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut words = self.words().zip(other.words());
        words.all(|(a, b)| a == b)
    }

    /// The 8 bytes from `start` as a little-endian word, zero past the end
    /// of the buffer (the bytes past the text are zero already).
    #[inline]
    fn word(&self, start: usize) -> u64 {
        let mut word = 0u64;
        let mut i = 0;
        while i < 8 && start + i < N {
            word |= (self.bytes[start + i] as u64) << (8 * i);
            i += 1;
        }
        word
    }

    /// A hash of the whole text: a multiply-rotate step per word.
    #[inline]
    pub(crate) fn hash32(&self) -> u32 {
        /// The golden-ratio multiplier: spreads consecutive words over the
        /// high bits.
        const MIX: u64 = 0x9E37_79B9_7F4A_7C15;
        let hash = self.words().fold(u64::from(self.len), |hash, word| {
            (hash.rotate_left(29) ^ word).wrapping_mul(MIX)
        });
        (hash >> 32) as u32
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only checked ASCII is ever stored, so this cannot fail; an empty
        // string is the harmless answer if that invariant were ever broken.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}
