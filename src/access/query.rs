//! [`ScopeQuery`]: which grants and which default a check looks at.

use crate::ids::{Scope, SiteId};

/// Where an access check is asked: which scopes' grants count, and whose
/// default applies when none of the user's groups has a grant.
///
/// | query | grants that count | default |
/// |---|---|---|
/// | [`Common`](Self::Common) | common grants | the common default, else D |
/// | [`Site(s)`](Self::Site) | common grants **and** grants of site `s` (max wins) | the default of site `s`, else the common default, else D |
/// | [`Exact(list)`](Self::Exact) | grants of the listed scopes only | the first listed site that has a site default, else the common default, else D |
///
/// `Exact` is Bitrix's own behaviour: `GetUserRight($module, $groups, "Y",
/// "Y", "s1")` counts the grants of site `s1` only, not the common ones.
/// An empty list counts no grants at all. Listing a scope twice changes
/// nothing.
///
/// A [`Scope`] or a [`SiteId`] converts into the matching query, so checks
/// can be written `compiled.resolve(&groups, Scope::Common)`.
///
/// ```
/// use module_settings::access::ScopeQuery;
/// use module_settings::{Scope, SiteId};
/// let s1 = SiteId::from_static("s1");
/// assert_eq!(ScopeQuery::from(Scope::Site(s1)), ScopeQuery::Site(s1));
/// let bitrix_exact = [Scope::Site(s1)];
/// let query = ScopeQuery::Exact(&bitrix_exact);
/// assert_eq!(query.to_string(), "exactly [s1]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ScopeQuery<'a> {
    /// The common scope alone.
    #[default]
    Common,
    /// One site, seen through the common scope: the union of common and
    /// site grants.
    Site(SiteId),
    /// Exactly the listed scopes (Bitrix-exact).
    Exact(&'a [Scope]),
}

impl From<Scope> for ScopeQuery<'_> {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Common => ScopeQuery::Common,
            Scope::Site(site) => ScopeQuery::Site(site),
        }
    }
}

impl From<SiteId> for ScopeQuery<'_> {
    fn from(site: SiteId) -> Self {
        ScopeQuery::Site(site)
    }
}

impl<'a> From<&'a [Scope]> for ScopeQuery<'a> {
    fn from(scopes: &'a [Scope]) -> Self {
        ScopeQuery::Exact(scopes)
    }
}

/// `common`, `site s1`, or `exactly [common, s1]`.
impl std::fmt::Display for ScopeQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScopeQuery::Common => f.write_str("common"),
            ScopeQuery::Site(site) => write!(f, "site {site}"),
            ScopeQuery::Exact(scopes) => {
                f.write_str("exactly [")?;
                for (i, scope) in scopes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{scope}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_display() {
        let s1 = SiteId::from_static("s1");
        assert_eq!(ScopeQuery::from(Scope::Common), ScopeQuery::Common);
        assert_eq!(ScopeQuery::from(s1), ScopeQuery::Site(s1));
        let list = [Scope::Common, Scope::Site(s1)];
        assert_eq!(ScopeQuery::from(&list[..]), ScopeQuery::Exact(&list));
        assert_eq!(ScopeQuery::Common.to_string(), "common");
        assert_eq!(ScopeQuery::Site(s1).to_string(), "site s1");
        assert_eq!(ScopeQuery::Exact(&list).to_string(), "exactly [common, s1]");
        assert_eq!(ScopeQuery::Exact(&[]).to_string(), "exactly []");
    }
}
