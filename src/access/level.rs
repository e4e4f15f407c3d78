//! [`AccessLevel`] and the set type [`AccessLevels`].

use std::fmt;
use std::str::FromStr;

use super::error::AccessError;

/// How much a user may do with a module: Bitrix's access letters, ordered by
/// privilege, **D < M < R < W** (rule 5).
///
/// The order is also the letters' alphabetical order, which is how Bitrix
/// compares them. Display and serde use the letter; parsing takes exactly
/// one upper-case letter. More letters may be added (Bitrix modules use
/// others), so the enum is `#[non_exhaustive]`.
///
/// ```
/// use module_settings::AccessLevel;
/// assert!(AccessLevel::D < AccessLevel::M && AccessLevel::R < AccessLevel::W);
/// assert_eq!("R".parse::<AccessLevel>().unwrap(), AccessLevel::R);
/// assert_eq!(AccessLevel::W.to_string(), "W");
/// assert!("RW".parse::<AccessLevel>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
#[repr(u8)]
pub enum AccessLevel {
    /// No access ("closed").
    #[default]
    D,
    /// Limited viewing (Bitrix24 integration: statistics without financial
    /// figures).
    M,
    /// View everything.
    R,
    /// Full access: change settings and edit.
    W,
}

impl AccessLevel {
    /// Every level, lowest first.
    pub const ALL: [AccessLevel; 4] = [
        AccessLevel::D,
        AccessLevel::M,
        AccessLevel::R,
        AccessLevel::W,
    ];

    /// The level's letter.
    pub const fn letter(self) -> char {
        match self {
            AccessLevel::D => 'D',
            AccessLevel::M => 'M',
            AccessLevel::R => 'R',
            AccessLevel::W => 'W',
        }
    }

    /// The level for an upper-case letter.
    pub const fn from_letter(letter: char) -> Option<Self> {
        match letter {
            'D' => Some(AccessLevel::D),
            'M' => Some(AccessLevel::M),
            'R' => Some(AccessLevel::R),
            'W' => Some(AccessLevel::W),
            _ => None,
        }
    }

    /// A dense index, 0 for D up to 3 for W, for tables.
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// The level with this [`rank`](Self::rank).
    pub const fn from_rank(rank: u8) -> Option<Self> {
        match rank {
            0 => Some(AccessLevel::D),
            1 => Some(AccessLevel::M),
            2 => Some(AccessLevel::R),
            3 => Some(AccessLevel::W),
            _ => None,
        }
    }

    /// This level alone, as a set.
    pub const fn as_set(self) -> AccessLevels {
        AccessLevels::from_bits_truncate(1 << self.rank())
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 4];
        f.pad(self.letter().encode_utf8(&mut buf))
    }
}

impl FromStr for AccessLevel {
    type Err = AccessError;
    fn from_str(s: &str) -> Result<Self, AccessError> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => AccessLevel::from_letter(c),
            _ => None,
        }
        .ok_or_else(|| AccessError::BadLevel {
            value: crate::text::shown(s, 16),
        })
    }
}

impl TryFrom<&str> for AccessLevel {
    type Error = AccessError;
    fn try_from(s: &str) -> Result<Self, AccessError> {
        s.parse()
    }
}

impl serde::Serialize for AccessLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.letter())
    }
}

impl<'de> serde::Deserialize<'de> for AccessLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

bitflags::bitflags! {
    /// A set of [`AccessLevel`]s, such as the levels a module accepts or the
    /// roles a user holds (Bitrix `GetUserRoles`).
    ///
    /// Human-readable serde writes `"D | R | W"`.
    ///
    /// ```
    /// use module_settings::{AccessLevel, AccessLevels};
    /// let video = AccessLevels::D | AccessLevels::R | AccessLevels::W;
    /// assert!(video.has(AccessLevel::R) && !video.has(AccessLevel::M));
    /// assert_eq!(video.levels().collect::<Vec<_>>(), [AccessLevel::D, AccessLevel::R, AccessLevel::W]);
    /// assert_eq!(video.to_string(), "D, R, W");
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
    pub struct AccessLevels: u8 {
        /// [`AccessLevel::D`].
        const D = 1 << 0;
        /// [`AccessLevel::M`].
        const M = 1 << 1;
        /// [`AccessLevel::R`].
        const R = 1 << 2;
        /// [`AccessLevel::W`].
        const W = 1 << 3;
    }
}

impl AccessLevels {
    /// Whether `level` is in the set.
    pub const fn has(self, level: AccessLevel) -> bool {
        self.contains(level.as_set())
    }

    /// The set with `level` added.
    pub const fn with(self, level: AccessLevel) -> Self {
        self.union(level.as_set())
    }

    /// The levels in the set, lowest first.
    pub fn levels(self) -> impl Iterator<Item = AccessLevel> + Clone {
        AccessLevel::ALL.into_iter().filter(move |l| self.has(*l))
    }

    /// The highest level in the set.
    pub fn highest(self) -> Option<AccessLevel> {
        self.levels().last()
    }
}

impl From<AccessLevel> for AccessLevels {
    fn from(level: AccessLevel) -> Self {
        level.as_set()
    }
}

impl FromIterator<AccessLevel> for AccessLevels {
    fn from_iter<I: IntoIterator<Item = AccessLevel>>(iter: I) -> Self {
        iter.into_iter()
            .fold(AccessLevels::empty(), AccessLevels::with)
    }
}

/// Lists the letters, `"D, R, W"`; the empty set is `"none"`.
impl fmt::Display for AccessLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, level) in self.levels().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{level}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_levels_are_quoted_escaped_and_cut() {
        let err = "r\"\nwwwwwwwwwwwwwwwwwwwwwwww"
            .parse::<AccessLevel>()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid access level "r\"\nwwwwwwwwwwwww…": expected one of the letters D, M, R, W"#
        );
        let err = "".parse::<AccessLevel>().unwrap_err();
        assert_eq!(
            err,
            AccessError::BadLevel {
                value: String::new()
            }
        );
    }
}
