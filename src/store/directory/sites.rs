//! [`Sites`]: the sites a Bitrix installation lists in `b_lang`.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::ids::SiteId;

/// One site: a row of Bitrix's `b_lang`.
///
/// ```
/// use module_settings::store::directory::Site;
/// use module_settings::SiteId;
/// let s1 = Site::new(SiteId::from_static("s1"), "Main shop").with_default(true);
/// assert_eq!(s1.name(), "Main shop");
/// assert!(s1.is_active() && s1.is_default());
/// assert_eq!(s1.sort(), 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    id: SiteId,
    name: String,
    active: bool,
    sort: u32,
    default: bool,
}

impl Site {
    /// An active, non-default site with Bitrix's default sort order (100).
    pub fn new(id: SiteId, name: impl Into<String>) -> Self {
        Site {
            id,
            name: name.into(),
            active: true,
            sort: 100,
            default: false,
        }
    }

    /// The same site, switched on or off (`ACTIVE`).
    #[must_use]
    pub fn with_active(mut self, on: bool) -> Self {
        self.active = on;
        self
    }

    /// The same site with another sort order (`SORT`).
    #[must_use]
    pub fn with_sort(mut self, sort: u32) -> Self {
        self.sort = sort;
        self
    }

    /// The same site, marked as the installation's default site (`DEF`).
    #[must_use]
    pub fn with_default(mut self, default: bool) -> Self {
        self.default = default;
        self
    }

    /// The site id (`LID`), in lower case as [`SiteId`] holds it.
    pub fn id(&self) -> SiteId {
        self.id
    }

    /// The site's name (`NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the site is switched on (`ACTIVE = 'Y'`).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The sort order (`SORT`); lower comes first.
    pub fn sort(&self) -> u32 {
        self.sort
    }

    /// Whether this is the default site (`DEF = 'Y'`).
    pub fn is_default(&self) -> bool {
        self.default
    }
}

/// The sites of an installation, in Bitrix's order (sort order, then id):
/// cheap to clone, found by id.
///
/// A site that is switched off still exists — its settings can be edited,
/// as on Bitrix's own pages — so [`require`](Self::require) accepts it;
/// only an id the list does not hold is refused.
///
/// ```
/// use module_settings::store::directory::{Site, SiteError, Sites};
/// use module_settings::SiteId;
/// # fn main() -> Result<(), SiteError> {
/// let sites = Sites::new([
///     Site::new(SiteId::from_static("s2"), "Outlet").with_sort(200),
///     Site::new(SiteId::from_static("s1"), "Main shop").with_active(false),
/// ])?;
/// assert_eq!(sites.iter().map(|s| s.id().to_string()).collect::<Vec<_>>(), ["s1", "s2"]);
/// assert!(sites.require(SiteId::from_static("s1")).is_ok());
/// let err = sites.require(SiteId::from_static("s3")).unwrap_err();
/// assert_eq!(err.to_string(), "site s3 does not exist; the sites are s1, s2");
/// # Ok(()) }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sites {
    ordered: Arc<[Site]>,
}

impl Sites {
    /// The sites given, in any order.
    ///
    /// # Errors
    ///
    /// [`SiteError::Duplicate`] when two rows share an id (Bitrix's
    /// primary key forbids it, but ids that differ only in case are one
    /// [`SiteId`]).
    pub fn new(sites: impl IntoIterator<Item = Site>) -> Result<Self, SiteError> {
        let mut ordered: Vec<Site> = sites.into_iter().collect();
        ordered.sort_by_key(Site::id);
        if let Some(pair) = ordered.windows(2).find(|pair| pair[0].id == pair[1].id) {
            return Err(SiteError::Duplicate { site: pair[0].id });
        }
        // Stable: ties in sort order stay in id order.
        ordered.sort_by_key(Site::sort);
        Ok(Sites {
            ordered: ordered.into(),
        })
    }

    /// The site `id`, if listed.
    pub fn get(&self, id: SiteId) -> Option<&Site> {
        self.ordered.iter().find(|site| site.id == id)
    }

    /// `Ok` if `id` is listed (active or not), else
    /// [`SiteError::Unknown`] with every listed id.
    ///
    /// # Errors
    ///
    /// [`SiteError::Unknown`] as said.
    pub fn require(&self, id: SiteId) -> Result<&Site, SiteError> {
        self.get(id).ok_or_else(|| SiteError::Unknown {
            site: id,
            known: self.ordered.iter().map(Site::id).collect(),
        })
    }

    /// Every site, in Bitrix's order.
    pub fn iter(&self) -> std::slice::Iter<'_, Site> {
        self.ordered.iter()
    }

    /// How many sites there are.
    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }
}

impl fmt::Debug for Sites {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ordered.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Sites {
    type Item = &'a Site;
    type IntoIter = std::slice::Iter<'a, Site>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// What is wrong with a site id or a site list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// The installation does not list the site.
    #[error("site {site} does not exist; the sites are {}", list(known))]
    Unknown {
        /// The id asked for.
        site: SiteId,
        /// Every listed site id, in the list's order.
        known: Vec<SiteId>,
    },
    /// Two rows share one site id.
    #[error("site {site} is listed twice in the site list: each site id may appear once")]
    Duplicate {
        /// The id listed twice.
        site: SiteId,
    },
}

fn list(ids: &[SiteId]) -> String {
    if ids.is_empty() {
        return "none (the site list is empty)".to_owned();
    }
    ids.iter()
        .map(SiteId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
