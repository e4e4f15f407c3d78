//! Decoded values without a module type: [`Value`] for code, and the
//! secret-free [`ShownValue`]/[`ShownOption`] for admin pages.

use serde::Serialize;
use url::{Host, Url};

use crate::ids::OptionName;
use crate::secret::Secret;

/// One decoded option value, for code that handles modules generically.
///
/// `Debug` is safe to log: a secret shows as `Secret("******")`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// A checkbox.
    Bool(bool),
    /// A whole number, or unset.
    Integer(Option<i64>),
    /// A host, or unset.
    Host(Option<Host>),
    /// A URL (or an https origin, whose path is `/`), or unset.
    Url(Option<Url>),
    /// Text.
    Text(String),
    /// A secret, or unset.
    Secret(Option<Secret>),
    /// One of a fixed list, or unset.
    Choice(Option<&'static str>),
}

impl Value {
    /// The value as an admin page may show it: secrets only as set or not set.
    pub fn shown(&self) -> ShownValue {
        match self {
            Value::Bool(b) => ShownValue::Bool(*b),
            Value::Integer(Some(n)) => ShownValue::Integer(*n),
            Value::Host(Some(host)) => ShownValue::Text(host.to_string()),
            Value::Url(Some(url)) => ShownValue::Text(url.to_string()),
            Value::Text(text) => ShownValue::Text(text.clone()),
            Value::Choice(Some(choice)) => ShownValue::Text((*choice).to_owned()),
            Value::Secret(secret) => ShownValue::Secret {
                set: secret.is_some(),
            },
            Value::Integer(None) | Value::Host(None) | Value::Url(None) | Value::Choice(None) => {
                ShownValue::Unset
            }
        }
    }
}

/// An option value as an admin page shows it. Holds no secret, so it can
/// be serialized and logged.
///
/// Serialized untagged: unset is `null`, then a JSON boolean, number or
/// string, and a secret is `{"set": true}` or `{"set": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ShownValue {
    /// No value.
    Unset,
    /// A checkbox.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// Text, a host, a URL or a choice.
    Text(String),
    /// A secret: only whether it is set.
    Secret {
        /// Whether a secret is stored.
        set: bool,
    },
}

/// One option of a module with its shown value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownOption {
    /// The option's stored name.
    pub name: OptionName,
    /// Its value, secret-free.
    pub value: ShownValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_serialize_plainly() {
        let json = |v: ShownValue| serde_json::to_string(&v).unwrap();
        assert_eq!(json(ShownValue::Unset), "null");
        assert_eq!(json(ShownValue::Bool(true)), "true");
        assert_eq!(json(ShownValue::Integer(8000)), "8000");
        assert_eq!(json(ShownValue::Text("a".into())), "\"a\"");
        assert_eq!(json(ShownValue::Secret { set: true }), r#"{"set":true}"#);
    }

    #[test]
    fn secrets_show_as_set_or_not() {
        let set = Value::Secret(Some(Secret::new("hunter2")));
        assert_eq!(set.shown(), ShownValue::Secret { set: true });
        assert_eq!(
            Value::Secret(None).shown(),
            ShownValue::Secret { set: false }
        );
        assert!(!format!("{set:?}").contains("hunter2"));
    }
}
