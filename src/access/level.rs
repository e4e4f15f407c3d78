//! [`AccessLevel`] and the set type [`AccessLevels`].

use std::fmt;
use std::str::FromStr;

use super::error::AccessError;

/// How much a user may do with a module: Bitrix's access letters, ordered by
/// privilege, **D < M < R < W**.
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

    /// The level's letter as a string: `"D"`, `"M"`, `"R"` or `"W"` — the
    /// stored and serialized form.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessLevel::D => "D",
            AccessLevel::M => "M",
            AccessLevel::R => "R",
            AccessLevel::W => "W",
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
        f.pad(self.as_str())
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

/// A one-letter string, the same form `Deserialize` reads — also in
/// formats that are not self-describing, where a `char` and a string are
/// written differently.
impl serde::Serialize for AccessLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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
    /// use module_settings::access::AccessLevels;
    /// use module_settings::AccessLevel;
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

    /// A serializer that accepts a string and nothing else: it tells a
    /// string from a `char`, as formats that are not self-describing do.
    struct OnlyStr;

    #[derive(Debug)]
    struct NotAStr(String);

    impl fmt::Display for NotAStr {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for NotAStr {}

    impl serde::ser::Error for NotAStr {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            NotAStr(msg.to_string())
        }
    }

    macro_rules! refuse {
        ($($method:ident($($arg:ty),*) -> $out:ty;)*) => {$(
            fn $method(self, $(_: $arg),*) -> Result<$out, NotAStr> {
                Err(NotAStr(stringify!($method).into()))
            }
        )*};
    }

    impl serde::Serializer for OnlyStr {
        type Ok = String;
        type Error = NotAStr;
        type SerializeSeq = serde::ser::Impossible<String, NotAStr>;
        type SerializeTuple = serde::ser::Impossible<String, NotAStr>;
        type SerializeTupleStruct = serde::ser::Impossible<String, NotAStr>;
        type SerializeTupleVariant = serde::ser::Impossible<String, NotAStr>;
        type SerializeMap = serde::ser::Impossible<String, NotAStr>;
        type SerializeStruct = serde::ser::Impossible<String, NotAStr>;
        type SerializeStructVariant = serde::ser::Impossible<String, NotAStr>;

        fn serialize_str(self, v: &str) -> Result<String, NotAStr> {
            Ok(v.to_owned())
        }

        refuse! {
            serialize_bool(bool) -> String;
            serialize_i8(i8) -> String;
            serialize_i16(i16) -> String;
            serialize_i32(i32) -> String;
            serialize_i64(i64) -> String;
            serialize_u8(u8) -> String;
            serialize_u16(u16) -> String;
            serialize_u32(u32) -> String;
            serialize_u64(u64) -> String;
            serialize_f32(f32) -> String;
            serialize_f64(f64) -> String;
            serialize_char(char) -> String;
            serialize_bytes(&[u8]) -> String;
            serialize_none() -> String;
            serialize_unit() -> String;
            serialize_unit_struct(&'static str) -> String;
            serialize_unit_variant(&'static str, u32, &'static str) -> String;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
            serialize_map(Option<usize>) -> Self::SerializeMap;
            serialize_struct(&'static str, usize) -> Self::SerializeStruct;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
        }

        fn serialize_some<T: serde::Serialize + ?Sized>(self, _: &T) -> Result<String, NotAStr> {
            Err(NotAStr("serialize_some".into()))
        }

        fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<String, NotAStr> {
            Err(NotAStr("serialize_newtype_struct".into()))
        }

        fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, NotAStr> {
            Err(NotAStr("serialize_newtype_variant".into()))
        }
    }

    #[test]
    fn serializes_as_a_one_letter_string() {
        for level in AccessLevel::ALL {
            let written = serde::Serialize::serialize(&level, OnlyStr);
            assert_eq!(written.map_err(|e| e.0), Ok(level.as_str().to_owned()));
            assert_eq!(level.as_str(), level.to_string());
            assert_eq!(level.as_str().chars().collect::<Vec<_>>(), [level.letter()]);
        }
    }

    #[test]
    fn serde_json_round_trips() {
        for level in AccessLevel::ALL {
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{level}\""));
            assert_eq!(serde_json::from_str::<AccessLevel>(&json).unwrap(), level);
        }
        let err = serde_json::from_str::<AccessLevel>(r#""RW""#).unwrap_err();
        assert!(
            err.to_string().contains("invalid access level \"RW\""),
            "{err}"
        );
        assert!(serde_json::from_str::<AccessLevel>("82").is_err());
    }

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

    proptest::proptest! {
        /// Any text parses or is refused without a panic; exactly the four
        /// letters parse, and serde reads what `FromStr` reads.
        #[test]
        fn parsing_arbitrary_text_is_total(text in proptest::prelude::any::<String>()) {
            let parsed = text.parse::<AccessLevel>();
            let letter = AccessLevel::ALL.into_iter().find(|l| l.as_str() == text);
            proptest::prop_assert_eq!(parsed.clone().ok(), letter);
            let json = serde_json::to_string(&text).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<AccessLevel>(&json).ok(), letter);
            if let Err(err) = parsed {
                // At most 16 characters quoted, each escaped to at most 10
                // (`\u{10ffff}`), plus the cut mark and the fixed text.
                proptest::prop_assert!(err.to_string().chars().count() < 240, "{}", err);
            }
        }
    }
}
