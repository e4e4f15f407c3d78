//! Scope merging: the effective value of every option in a scope,
//! where each value came from, and the minimal patch that saves a value.
//!
//! Everything here is a pure function of the raw records passed in: reads
//! never write, and writes come out as an [`OptionsPatch`] for the caller to
//! commit in one batch.
//!
//! # What a scope stores
//!
//! A site inherits from the common scope, and the common scope from the
//! module's defaults. Saving a value stores **only the options that differ
//! from what the scope would inherit**, and deletes from the scope the
//! options that now equal the inherited value. So a site keeps only its
//! real overrides, and a later change to the common value (or to a default
//! in a new version of the module) reaches every scope that did not
//! override it. Bitrix's own pages store every field in the common scope;
//! records written that way read the same here, and the next save through
//! this module drops the redundant ones.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::errors::ValidationErrors;
use super::schema::ModuleSchema;
use super::traits::ModuleOptions;
use super::{OptionsPatch, RawOptions};
use crate::ids::{OptionName, Scope};

/// Where an effective value came from. More layers may come (a value set
/// for one user group, say), so match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// The site's own value.
    Site,
    /// The common value.
    Common,
    /// The module's default.
    Default,
}

/// `Source` is `#[non_exhaustive]`: outside the crate a `match` without a
/// wildcard arm must not compile.
///
/// ```compile_fail,E0004
/// use module_settings::options::Source;
/// fn name(source: Source) -> &'static str {
///     match source {
///         Source::Site => "site",
///         Source::Common => "common",
///         Source::Default => "default",
///     }
/// }
/// ```
#[cfg(doctest)]
struct NonExhaustiveSource;

/// The three layers seen from one scope: the module's defaults, the common
/// records, and — when the scope is a site — the site's records.
///
/// ```
/// use module_settings::options::{RawOptions, ScopeLayers, Source};
/// use module_settings::OptionName;
///
/// let host = OptionName::from_static("ServerHost");
/// let defaults = RawOptions::from([(host.clone(), String::new())]);
/// let common = RawOptions::from([(host.clone(), "video.example.com".to_owned())]);
/// let site = RawOptions::new();
///
/// let merged = ScopeLayers::site(&defaults, &common, &site).effective();
/// assert_eq!(merged.value("ServerHost"), Some("video.example.com"));
/// assert_eq!(merged.source("ServerHost"), Some(Source::Common));
/// ```
#[derive(Clone, Copy)]
pub struct ScopeLayers<'a> {
    defaults: &'a RawOptions,
    common: &'a RawOptions,
    site: Option<&'a RawOptions>,
}

/// Shows which option names each layer holds, never the values: they may
/// hold a secret.
impl fmt::Debug for ScopeLayers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |layer: &RawOptions| layer.keys().cloned().collect::<Vec<_>>();
        f.debug_struct("ScopeLayers")
            .field("defaults", &names(self.defaults))
            .field("common", &names(self.common))
            .field("site", &self.site.map(names))
            .finish()
    }
}

impl<'a> ScopeLayers<'a> {
    /// The common scope: its records over the defaults.
    pub fn common(defaults: &'a RawOptions, common: &'a RawOptions) -> Self {
        ScopeLayers {
            defaults,
            common,
            site: None,
        }
    }

    /// A site scope: its records over the common records over the defaults.
    pub fn site(defaults: &'a RawOptions, common: &'a RawOptions, site: &'a RawOptions) -> Self {
        ScopeLayers {
            defaults,
            common,
            site: Some(site),
        }
    }

    /// The layers `scope` reads: [`common`](Self::common) for the common
    /// scope, [`site`](Self::site) for a site. `site` holds the records
    /// stored in that site; for the common scope it is not read.
    ///
    /// ```
    /// use module_settings::options::{RawOptions, ScopeLayers, Source};
    /// use module_settings::{OptionName, Scope, SiteId};
    ///
    /// let host = OptionName::from_static("ServerHost");
    /// let defaults = RawOptions::from([(host.clone(), String::new())]);
    /// let common = RawOptions::from([(host.clone(), "video.example.com".to_owned())]);
    /// let site = RawOptions::from([(host, "s1.example.com".to_owned())]);
    ///
    /// let s1 = Scope::Site(SiteId::from_static("s1"));
    /// let merged = ScopeLayers::of(s1, &defaults, &common, &site).effective();
    /// assert_eq!(merged.source("ServerHost"), Some(Source::Site));
    /// let merged = ScopeLayers::of(Scope::Common, &defaults, &common, &site).effective();
    /// assert_eq!(merged.value("ServerHost"), Some("video.example.com"));
    /// ```
    pub fn of(
        scope: Scope,
        defaults: &'a RawOptions,
        common: &'a RawOptions,
        site: &'a RawOptions,
    ) -> Self {
        match scope {
            Scope::Common => ScopeLayers::common(defaults, common),
            Scope::Site(_) => ScopeLayers::site(defaults, common, site),
        }
    }

    /// The same layers with `stored` in place of this scope's own records.
    fn with_stored<'b>(&self, stored: &'b RawOptions) -> ScopeLayers<'b>
    where
        'a: 'b,
    {
        match self.site {
            Some(_) => ScopeLayers::site(self.defaults, self.common, stored),
            None => ScopeLayers::common(self.defaults, stored),
        }
    }

    /// The records stored in this scope itself.
    pub fn stored(&self) -> &'a RawOptions {
        self.site.unwrap_or(self.common)
    }

    /// Every option's effective value with its source: the site's value,
    /// else the common value, else the default. Names from every layer
    /// are included.
    pub fn effective(&self) -> Merged {
        let mut merged = Merged::default();
        merged.overlay(self.defaults, Source::Default);
        merged.overlay(self.common, Source::Common);
        if let Some(site) = self.site {
            merged.overlay(site, Source::Site);
        }
        merged
    }

    /// What this scope would see if it stored nothing: the defaults for the
    /// common scope; the common records over the defaults for a site.
    pub fn inherited(&self) -> RawOptions {
        let mut inherited = self.defaults.clone();
        if self.site.is_some() {
            inherited.extend(self.common.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        inherited
    }

    /// The effective records decoded as `T`.
    pub fn decode<T: ModuleOptions>(&self) -> Result<T, ValidationErrors> {
        T::decode(self.effective().raw())
    }

    /// The smallest patch to this scope after which every option in `new`
    /// has exactly that effective value: an option equal to the inherited
    /// value is deleted from the scope (if stored), any other is set (if not
    /// already stored as such). Options not in `new` are left alone.
    pub fn save_patch(&self, new: &RawOptions) -> OptionsPatch {
        let inherited = self.inherited();
        let stored = self.stored();
        let mut patch = OptionsPatch::new();
        for (name, value) in new {
            let stored_value = stored.get(name);
            if inherited.get(name) == Some(value) {
                if stored_value.is_some() {
                    patch.insert(name.clone(), None);
                }
            } else if stored_value != Some(value) {
                patch.insert(name.clone(), Some(value.clone()));
            }
        }
        patch
    }
}

/// Effective raw records of one scope, each with its [`Source`].
///
/// Holds stored text, secrets included, like [`RawOptions`]: use
/// [`ModuleSchema::show`] to display it. `Debug` shows each option's source
/// only, never its value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Merged {
    values: RawOptions,
    sources: BTreeMap<OptionName, Source>,
}

impl fmt::Debug for Merged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(&self.sources).finish()
    }
}

impl Merged {
    fn overlay(&mut self, layer: &RawOptions, source: Source) {
        for (name, value) in layer {
            self.values.insert(name.clone(), value.clone());
            self.sources.insert(name.clone(), source);
        }
    }

    /// The effective records, ready for [`ModuleOptions::decode`].
    pub fn raw(&self) -> &RawOptions {
        &self.values
    }

    /// The effective records, taken out.
    pub fn into_raw(self) -> RawOptions {
        self.values
    }

    /// The effective text of one option.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Where one option's value came from.
    pub fn source(&self, name: &str) -> Option<Source> {
        self.sources.get(name).copied()
    }

    /// Every option with its text and source, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&OptionName, &str, Source)> + '_ {
        self.values.iter().filter_map(move |(name, value)| {
            self.sources
                .get(name)
                .map(|source| (name, value.as_str(), *source))
        })
    }
}

/// "Reset to inherited": a patch deleting one option in one scope.
pub fn reset_patch(name: OptionName) -> OptionsPatch {
    OptionsPatch::from([(name, None)])
}

/// Applies a patch to one scope's records: `Some` sets, `None` deletes.
/// What a store does when it commits the patch; handy for tests and
/// in-memory previews.
pub fn apply_patch(stored: &mut RawOptions, patch: &OptionsPatch) {
    for (name, change) in patch {
        match change {
            Some(value) => {
                stored.insert(name.clone(), value.clone());
            }
            None => {
                stored.remove(name);
            }
        }
    }
}

/// Plans saving a typed value in a scope: validates it whole first, then
/// returns the minimal patch. Either every changed field is in the patch or
/// there is no patch at all; the caller commits it in one batch.
pub fn plan_save<T: ModuleOptions>(
    layers: &ScopeLayers<'_>,
    value: &T,
) -> Result<OptionsPatch, ValidationErrors> {
    value.validate()?;
    Ok(layers.save_patch(&value.encode()))
}

/// Plans saving a submitted form (raw text per option, possibly only some
/// options) and returns the minimal patch — or every error and no patch.
/// Two checks, in order:
///
/// 1. every submitted field against the schema, unknown names included
///    ([`ModuleSchema::check_submitted`]);
/// 2. the scope's effective records as they would be *after* the patch,
///    as a whole ([`ModuleSchema::check_module`]): the module's rules
///    across options hold for what a later read would see, whichever
///    fields the form carried and whatever the scope already stores.
pub fn plan_save_raw(
    schema: &ModuleSchema,
    layers: &ScopeLayers<'_>,
    submitted: &RawOptions,
) -> Result<OptionsPatch, ValidationErrors> {
    schema.check_submitted(submitted)?;
    let patch = layers.save_patch(submitted);
    let mut stored = layers.stored().clone();
    apply_patch(&mut stored, &patch);
    schema.check_module(layers.with_stored(&stored).effective().raw())?;
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&'static str, &str)]) -> RawOptions {
        pairs
            .iter()
            .map(|(k, v)| (OptionName::from_static(k), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn common_scope_ignores_nothing_but_sites() {
        let defaults = raw(&[("a", "1"), ("b", "1")]);
        let common = raw(&[("b", "2")]);
        let merged = ScopeLayers::common(&defaults, &common).effective();
        assert_eq!(merged.value("a"), Some("1"));
        assert_eq!(merged.source("a"), Some(Source::Default));
        assert_eq!(merged.value("b"), Some("2"));
        assert_eq!(merged.source("b"), Some(Source::Common));
        assert_eq!(merged.iter().count(), 2);
    }

    #[test]
    fn saving_the_inherited_value_deletes_the_override() {
        let defaults = raw(&[("a", "1")]);
        let common = raw(&[("a", "2")]);
        let site = raw(&[("a", "3")]);
        let layers = ScopeLayers::site(&defaults, &common, &site);
        assert_eq!(
            layers.save_patch(&raw(&[("a", "2")])),
            OptionsPatch::from([(OptionName::from_static("a"), None)])
        );
        assert_eq!(layers.save_patch(&raw(&[("a", "3")])), OptionsPatch::new());
        assert_eq!(
            layers.save_patch(&raw(&[("a", "4")])),
            OptionsPatch::from([(OptionName::from_static("a"), Some("4".to_owned()))])
        );
    }

    #[test]
    fn apply_and_reset() {
        let mut stored = raw(&[("a", "1"), ("b", "2")]);
        apply_patch(&mut stored, &reset_patch(OptionName::from_static("a")));
        assert_eq!(stored, raw(&[("b", "2")]));
    }
}
