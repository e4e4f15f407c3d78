//! [`RawOptions`] and [`OptionsPatch`]: one scope's stored records, and a
//! change to them — maps keyed by option name whose `Debug` never shows a
//! value.
//!
//! Both hold stored text, secrets included in plain text (the store must
//! keep them). They are newtypes rather than `BTreeMap` aliases so that a
//! stray `{:?}` in a log line cannot print a secret: `Debug` lists the
//! option names and writes every value as `"…"`. Their API is the part of
//! `BTreeMap`'s that option code uses, so they read like maps.

use std::borrow::Borrow;
use std::collections::btree_map;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Index;

use serde::{Deserialize, Serialize};

use crate::ids::OptionName;

/// Stands for a value in `Debug` output.
struct Hidden;

impl fmt::Debug for Hidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"…\"")
    }
}

/// A stored value's stand-in for `Debug`: whether it is there, never what.
trait Hide {
    type Shown: fmt::Debug;
    fn hide(&self) -> Self::Shown;
}

impl Hide for String {
    type Shown = Hidden;
    fn hide(&self) -> Hidden {
        Hidden
    }
}

/// A deletion (`None`) shows as such: it holds nothing to hide.
impl Hide for Option<String> {
    type Shown = Option<Hidden>;
    fn hide(&self) -> Option<Hidden> {
        self.as_ref().map(|_| Hidden)
    }
}

/// The map API both types share, written once.
macro_rules! option_map {
    ($name:ident, $value:ty) => {
        impl $name {
            /// No records.
            pub fn new() -> Self {
                $name(BTreeMap::new())
            }

            /// The record of `name`, if any.
            pub fn get<Q>(&self, name: &Q) -> Option<&$value>
            where
                OptionName: Borrow<Q>,
                Q: Ord + ?Sized,
            {
                self.0.get(name)
            }

            /// Whether there is a record of `name`.
            pub fn contains_key<Q>(&self, name: &Q) -> bool
            where
                OptionName: Borrow<Q>,
                Q: Ord + ?Sized,
            {
                self.0.contains_key(name)
            }

            /// Sets the record of `name`, returning the one it replaces.
            pub fn insert(&mut self, name: OptionName, value: $value) -> Option<$value> {
                self.0.insert(name, value)
            }

            /// Removes the record of `name`, returning it.
            pub fn remove<Q>(&mut self, name: &Q) -> Option<$value>
            where
                OptionName: Borrow<Q>,
                Q: Ord + ?Sized,
            {
                self.0.remove(name)
            }

            /// The records, ordered by option name.
            pub fn iter(&self) -> btree_map::Iter<'_, OptionName, $value> {
                self.0.iter()
            }

            /// The option names, in order.
            pub fn keys(&self) -> btree_map::Keys<'_, OptionName, $value> {
                self.0.keys()
            }

            /// The values, in the order of their names.
            pub fn values(&self) -> btree_map::Values<'_, OptionName, $value> {
                self.0.values()
            }

            /// How many records there are.
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether there are no records.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        /// The option names, each value written as `"…"`: the records may
        /// hold a secret.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(name, value)| (name, value.hide())))
                    .finish()
            }
        }

        /// The record of `name`.
        ///
        /// # Panics
        ///
        /// If there is none, as with a map; use [`get`](Self::get) for
        /// names that came from outside.
        impl<Q> Index<&Q> for $name
        where
            OptionName: Borrow<Q>,
            Q: Ord + ?Sized,
        {
            type Output = $value;
            fn index(&self, name: &Q) -> &$value {
                &self.0[name]
            }
        }

        impl IntoIterator for $name {
            type Item = (OptionName, $value);
            type IntoIter = btree_map::IntoIter<OptionName, $value>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.into_iter()
            }
        }

        impl<'a> IntoIterator for &'a $name {
            type Item = (&'a OptionName, &'a $value);
            type IntoIter = btree_map::Iter<'a, OptionName, $value>;
            fn into_iter(self) -> Self::IntoIter {
                self.0.iter()
            }
        }

        /// A later record of the same name replaces an earlier one.
        impl FromIterator<(OptionName, $value)> for $name {
            fn from_iter<I: IntoIterator<Item = (OptionName, $value)>>(iter: I) -> Self {
                $name(iter.into_iter().collect())
            }
        }

        /// A record of a name already present replaces it.
        impl Extend<(OptionName, $value)> for $name {
            fn extend<I: IntoIterator<Item = (OptionName, $value)>>(&mut self, iter: I) {
                self.0.extend(iter);
            }
        }

        impl<const N: usize> From<[(OptionName, $value); N]> for $name {
            fn from(records: [(OptionName, $value); N]) -> Self {
                $name(BTreeMap::from(records))
            }
        }
    };
}

/// The stored records of one module in one scope: option name → text, as
/// in Bitrix's `b_option`.
///
/// This is the storage form: a secret is in it as plain text, because the
/// store has to keep it, and serde writes it as a plain map for the same
/// reason. Do not log it: show values through
/// [`ModuleSchema::show`](super::ModuleSchema::show), and mask records for
/// logs, events and audit records with
/// [`ModuleSchema::redacted`](super::ModuleSchema::redacted). `Debug` lists
/// the option names only.
///
/// ```
/// use module_settings::options::RawOptions;
/// use module_settings::OptionName;
///
/// let mut raw = RawOptions::from([(OptionName::from_static("ServerPort"), "8000".to_owned())]);
/// raw.insert(OptionName::from_static("SecretCode"), "guest-key-42".to_owned());
/// assert_eq!(raw.get("ServerPort").map(String::as_str), Some("8000"));
/// assert_eq!(format!("{raw:?}"), r#"{OptionName("SecretCode"): "…", OptionName("ServerPort"): "…"}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawOptions(BTreeMap<OptionName, String>);

option_map!(RawOptions, String);

/// A change to one scope's records: `Some(text)` sets an option, `None`
/// deletes it from that scope (so it inherits again).
///
/// Like [`RawOptions`] it may carry a secret being set: `Debug` shows each
/// option name with `Some("…")` or `None`, and
/// [`ModuleSchema::redacted_patch`](super::ModuleSchema::redacted_patch)
/// masks one for logs.
///
/// ```
/// use module_settings::options::OptionsPatch;
/// use module_settings::OptionName;
///
/// let patch = OptionsPatch::from([
///     (OptionName::from_static("SecretCode"), Some("guest-key-42".to_owned())),
///     (OptionName::from_static("ServerPort"), None),
/// ]);
/// assert_eq!(
///     format!("{patch:?}"),
///     r#"{OptionName("SecretCode"): Some("…"), OptionName("ServerPort"): None}"#
/// );
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OptionsPatch(BTreeMap<OptionName, Option<String>>);

option_map!(OptionsPatch, Option<String>);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(text: &'static str) -> OptionName {
        OptionName::from_static(text)
    }

    #[test]
    fn reads_like_a_map() {
        let mut raw = RawOptions::new();
        assert!(raw.is_empty());
        assert_eq!(raw.insert(name("b"), "2".into()), None);
        assert_eq!(raw.insert(name("a"), "1".into()), None);
        assert_eq!(raw.insert(name("a"), "3".into()), Some("1".into()));
        assert_eq!(raw.len(), 2);
        assert!(raw.contains_key("a") && raw.contains_key(&name("b")));
        assert_eq!(raw.get("a").map(String::as_str), Some("3"));
        assert_eq!(raw["b"], "2");
        assert_eq!(
            raw.keys().map(OptionName::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(raw.values().cloned().collect::<Vec<_>>(), ["3", "2"]);
        assert_eq!((&raw).into_iter().count(), 2);
        raw.extend([(name("c"), "4".to_owned())]);
        assert_eq!(raw.remove("b"), Some("2".into()));
        assert_eq!(raw.remove("b"), None);
        let pairs: Vec<(OptionName, String)> = raw.clone().into_iter().collect();
        assert_eq!(pairs.into_iter().collect::<RawOptions>(), raw);
        assert_eq!(RawOptions::default(), RawOptions::new());
    }

    #[test]
    fn debug_names_options_and_hides_values() {
        let raw = RawOptions::from([(name("SecretCode"), "hunter2".to_owned())]);
        assert_eq!(format!("{raw:?}"), r#"{OptionName("SecretCode"): "…"}"#);
        assert!(!format!("{raw:#?}").contains("hunter2"));
        let patch = OptionsPatch::from([
            (name("SecretCode"), Some("hunter2".to_owned())),
            (name("ServerPort"), None),
        ]);
        assert_eq!(
            format!("{patch:?}"),
            r#"{OptionName("SecretCode"): Some("…"), OptionName("ServerPort"): None}"#
        );
        assert!(!format!("{patch:#?}").contains("hunter2"));
    }

    #[test]
    fn serde_is_a_plain_map() {
        let patch = OptionsPatch::from([(name("a"), Some("1".to_owned())), (name("b"), None)]);
        let json = serde_json::to_string(&patch).unwrap();
        assert_eq!(json, r#"{"a":"1","b":null}"#);
        assert_eq!(serde_json::from_str::<OptionsPatch>(&json).unwrap(), patch);
        let raw: RawOptions = serde_json::from_str(r#"{"ServerPort":"8000"}"#).unwrap();
        assert_eq!(raw["ServerPort"], "8000");
        // Names go through the option name check.
        assert!(serde_json::from_str::<RawOptions>(r#"{"":"1"}"#).is_err());
        assert!(serde_json::from_str::<RawOptions>(r#"{"GROUP_DEFAULT_RIGHT":"R"}"#).is_err());
    }

    proptest! {
        /// Decoding any JSON object of strings never panics, and what it
        /// accepts writes back the same.
        #[test]
        fn decoding_arbitrary_maps_is_total(
            entries in proptest::collection::vec((any::<String>(), any::<String>()), 0..6),
        ) {
            let object: serde_json::Map<String, serde_json::Value> = entries
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            let json = serde_json::Value::Object(object).to_string();
            if let Ok(raw) = serde_json::from_str::<RawOptions>(&json) {
                let again = serde_json::to_string(&raw).unwrap();
                prop_assert_eq!(serde_json::from_str::<RawOptions>(&again).unwrap(), raw);
            }
        }
    }
}
