//! Validated identifiers: modules, sites, user groups, users, option names, and the
//! scope a value or grant applies to.
//!
//! Every constructor, `FromStr`, `TryFrom` and `Deserialize` goes through one
//! check per type, and a rejected value gives an [`IdError`] that names the
//! value and the rule.
//!
//! # Examples
//!
//! ```
//! use module_settings::{GroupId, ModuleId, OptionName, Scope, SiteId};
//!
//! # fn main() -> Result<(), module_settings::ids::IdError> {
//! let video: ModuleId = "Video".parse()?;
//! assert_eq!(video, ModuleId::from_static("video")); // stored in lower case
//! let site = SiteId::try_from("s1")?;
//! let scope = Scope::Site(site);
//! assert_eq!(scope.to_string(), "s1");
//! assert_eq!(GroupId::try_from(1u32)?, GroupId::ADMINISTRATORS);
//! assert!("0".parse::<GroupId>().is_err());
//! assert_eq!(OptionName::new("ServerHost")?.as_str(), "ServerHost");
//! # Ok(()) }
//! ```

mod error;
mod group_id;
mod inline;
mod module_id;
mod option_name;
mod scope;
mod site_id;
mod user_id;

pub use error::{IdError, IdKind, IdProblem};
pub use group_id::GroupId;
pub use module_id::ModuleId;
pub use option_name::{OptionName, GROUP_DEFAULT_RIGHT};
pub use scope::Scope;
pub use site_id::SiteId;
pub use user_id::UserId;

/// The trait impls every numeric identifier shares, written once: the type
/// is a tuple struct around a `NonZeroU32` with `const fn new(u32) ->
/// Option<Self>` and `const fn get(self) -> u32`; `$kind` names it in errors.
macro_rules! numeric_id_impls {
    ($ty:ident, $kind:expr) => {
        impl TryFrom<u32> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(id: u32) -> Result<Self, Self::Error> {
                $ty::new(id).ok_or_else(|| {
                    $crate::ids::IdError::new($kind, "0", $crate::ids::IdProblem::Zero)
                })
            }
        }

        impl From<$ty> for u32 {
            fn from(id: $ty) -> u32 {
                id.get()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                use $crate::ids::{IdError, IdProblem};
                if s.is_empty() {
                    return Err(IdError::new($kind, s, IdProblem::Empty));
                }
                // `u32::from_str` accepts a leading '+'; ids are plain digits.
                if !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(IdError::new($kind, s, IdProblem::NotANumber));
                }
                let n: u32 = s
                    .parse()
                    .map_err(|_| IdError::new($kind, s, IdProblem::NotANumber))?;
                $ty::new(n).ok_or_else(|| IdError::new($kind, s, IdProblem::Zero))
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.get(), f)
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self.get())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u32(self.get())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = <u32 as ::serde::Deserialize>::deserialize(d)?;
                $ty::try_from(n).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use numeric_id_impls;

/// The trait impls every string identifier shares, written once: the type
/// must have `fn new(&str) -> Result<Self, IdError>` and `fn as_str(&self)`.
macro_rules! string_id_impls {
    ($ty:ty) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::new(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                <$ty>::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$ty>::new(&s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.as_str())
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$ty>::new(&text).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_id_impls;

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn rejects<T: std::str::FromStr<Err = IdError> + std::fmt::Debug>(
        value: &str,
        problem: IdProblem,
    ) {
        let err = value.parse::<T>().unwrap_err();
        assert_eq!(err.problem(), problem, "{value:?}");
        assert_eq!(err.value(), value);
        assert!(err.to_string().contains(err.kind().rule()));
    }

    #[test]
    fn module_ids_follow_rule_1() {
        for ok in [
            "video",
            "b24connector",
            "bitrix.xscan",
            "a_b",
            "A",
            "x".repeat(50).as_str(),
        ] {
            let id: ModuleId = ok.parse().unwrap();
            assert_eq!(id.as_str(), ok.to_ascii_lowercase());
        }
        rejects::<ModuleId>("", IdProblem::Empty);
        rejects::<ModuleId>(&"x".repeat(51), IdProblem::TooLong { len: 51, max: 50 });
        rejects::<ModuleId>(
            "vid-eo",
            IdProblem::BadChar {
                ch: '-',
                position: 4,
            },
        );
        rejects::<ModuleId>(
            "видео",
            IdProblem::BadChar {
                ch: 'в',
                position: 1,
            },
        );
        rejects::<ModuleId>(
            "a b",
            IdProblem::BadChar {
                ch: ' ',
                position: 2,
            },
        );
        assert_eq!(
            "Video".parse::<ModuleId>().unwrap(),
            "VIDEO".parse::<ModuleId>().unwrap()
        );
    }

    #[test]
    fn site_ids_are_checked_and_stored_in_lower_case() {
        for ok in ["s1", "S1", "my-Site_2", "x".repeat(32).as_str()] {
            assert_eq!(
                ok.parse::<SiteId>().unwrap().as_str(),
                ok.to_ascii_lowercase()
            );
        }
        assert_eq!(SiteId::from_static("S1"), SiteId::from_static("s1"));
        rejects::<SiteId>("", IdProblem::Empty);
        rejects::<SiteId>(&"x".repeat(33), IdProblem::TooLong { len: 33, max: 32 });
        rejects::<SiteId>(
            "s.1",
            IdProblem::BadChar {
                ch: '.',
                position: 2,
            },
        );
        rejects::<SiteId>("Common", IdProblem::Reserved);
        assert_eq!(
            "S1".parse::<SiteId>().unwrap(),
            "s1".parse::<SiteId>().unwrap()
        );
    }

    #[test]
    fn group_ids_follow_rule_3() {
        assert_eq!(GroupId::ADMINISTRATORS.get(), 1);
        assert_eq!(GroupId::EVERYONE.get(), 2);
        assert_eq!("42".parse::<GroupId>().unwrap().get(), 42);
        rejects::<GroupId>("0", IdProblem::Zero);
        rejects::<GroupId>("", IdProblem::Empty);
        rejects::<GroupId>("-1", IdProblem::NotANumber);
        rejects::<GroupId>("4294967296", IdProblem::NotANumber);
        rejects::<GroupId>("1.5", IdProblem::NotANumber);
        assert!(GroupId::try_from(0u32).is_err());
    }

    #[test]
    fn option_names_follow_rule_2() {
        for ok in [
            "ServerHost",
            "window_main",
            "имя опции",
            "x".repeat(100).as_str(),
        ] {
            assert_eq!(OptionName::new(ok).unwrap().as_str(), ok);
        }
        rejects::<OptionName>("", IdProblem::Empty);
        rejects::<OptionName>(&"я".repeat(101), IdProblem::TooLong { len: 101, max: 100 });
        rejects::<OptionName>(
            "a\nb",
            IdProblem::BadChar {
                ch: '\n',
                position: 2,
            },
        );
        rejects::<OptionName>("GROUP_DEFAULT_RIGHT", IdProblem::Reserved);
        rejects::<OptionName>("group_default_right", IdProblem::Reserved);
    }

    #[test]
    fn serde_goes_through_the_same_check() {
        let id: ModuleId = serde_json::from_str("\"Video\"").unwrap();
        assert_eq!(id.as_str(), "video");
        assert!(serde_json::from_str::<ModuleId>("\"vid eo\"").is_err());
        assert!(serde_json::from_str::<SiteId>("\"\"").is_err());
        assert!(serde_json::from_str::<GroupId>("0").is_err());
        assert_eq!(serde_json::from_str::<GroupId>("7").unwrap().get(), 7);
        assert!(serde_json::from_str::<OptionName>("\"GROUP_DEFAULT_RIGHT\"").is_err());
        let err = serde_json::from_str::<ModuleId>("\"a b\"").unwrap_err();
        assert!(
            err.to_string().contains("invalid module id \"a b\""),
            "{err}"
        );
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"video\"");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(500);
        let msg = long.parse::<ModuleId>().unwrap_err().to_string();
        assert!(msg.len() < 300, "{msg}");
        assert!(msg.contains('…'));
    }

    #[test]
    fn scope_orders_common_first_and_parses() {
        let s1 = SiteId::from_static("s1");
        assert!(Scope::Common < Scope::Site(s1));
        assert_eq!("common".parse::<Scope>().unwrap(), Scope::Common);
        assert_eq!("s1".parse::<Scope>().unwrap(), Scope::Site(s1));
        assert_eq!(Scope::Site(s1).site(), Some(s1));
        assert!("bad site".parse::<Scope>().is_err());
    }
}
