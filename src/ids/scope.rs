//! [`Scope`]: where a value, default or grant applies.

use std::fmt;
use std::str::FromStr;

use super::error::IdError;
use super::site_id::SiteId;

/// Where an option value, a default level or a grant applies: the whole
/// installation (*common*) or one site.
///
/// Common sorts before every site. In text (Display, `FromStr`, serde) the
/// common scope is `common` and a site scope is its site id, so `common` is
/// not usable as a site id here.
///
/// ```
/// use module_settings::{Scope, SiteId};
/// let s1 = Scope::Site(SiteId::from_static("s1"));
/// assert!(Scope::Common < s1);
/// assert_eq!("common".parse::<Scope>().unwrap(), Scope::Common);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum Scope {
    /// Every site: Bitrix's rows with an empty `SITE_ID`.
    #[default]
    Common,
    /// One site.
    Site(SiteId),
}

impl Scope {
    /// The text used for the common scope.
    pub const COMMON: &'static str = "common";

    /// The site, for a site scope.
    pub const fn site(self) -> Option<SiteId> {
        match self {
            Scope::Common => None,
            Scope::Site(site) => Some(site),
        }
    }
}

impl From<SiteId> for Scope {
    fn from(site: SiteId) -> Self {
        Scope::Site(site)
    }
}

impl From<Option<SiteId>> for Scope {
    fn from(site: Option<SiteId>) -> Self {
        site.map_or(Scope::Common, Scope::Site)
    }
}

impl FromStr for Scope {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s == Scope::COMMON {
            Ok(Scope::Common)
        } else {
            SiteId::new(s).map(Scope::Site)
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Common => f.write_str(Scope::COMMON),
            Scope::Site(site) => f.write_str(site.as_str()),
        }
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
