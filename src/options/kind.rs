//! [`OptionKind`]: what sort of value an option holds, with its limits.

use serde::Serialize;

use super::codec;
use super::problem::FieldProblem;
use super::value::Value;

/// What sort of value an option holds and its limits — what an admin page
/// needs to draw the right control and what the codec checks.
///
/// Serialized with a `type` tag: `{"type":"integer","min":1,"max":65535,"optional":true}`.
///
/// ```
/// use module_settings::options::{OptionKind, Value};
/// let port = OptionKind::Integer { min: 1, max: 65535, optional: true };
/// assert_eq!(port.decode("8000"), Ok(Value::Integer(Some(8000))));
/// assert!(port.decode("0").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OptionKind {
    /// A checkbox stored as `Y`/`N` (`""` reads as `N`).
    Bool,
    /// A whole number in `min..=max`.
    Integer {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
        /// Whether `""` (unset) is allowed.
        optional: bool,
    },
    /// A domain, IPv4 or IPv6 address; `""` is unset. A domain keeps to
    /// the limits of DNS (see [`codec::decode_host`]).
    Host,
    /// An absolute URL; `""` is unset.
    Url,
    /// An `https` origin (scheme, host, port 1–65535 only); `""` is unset.
    HttpsOrigin,
    /// An absolute `https` URL that keeps its path, query and fragment
    /// (an API's base address, say); `""` is unset. No user name or
    /// password, port 1–65535, at most 2048 characters (see
    /// [`codec::decode_https_url`]).
    HttpsUrl,
    /// Free text of at most `max_chars` characters.
    Text {
        /// The most characters allowed.
        max_chars: usize,
    },
    /// A [`Secret`](crate::secret::Secret) of at most `max_chars` characters;
    /// `""` is unset. Never shown: admin pages say only whether it is set.
    Secret {
        /// The most characters allowed.
        max_chars: usize,
    },
    /// One value from a fixed list.
    Choice {
        /// The allowed values.
        allowed: &'static [&'static str],
        /// Whether `""` (unset) is allowed.
        optional: bool,
    },
}

impl OptionKind {
    /// Decodes stored text into a value of this kind.
    pub fn decode(&self, text: &str) -> Result<Value, FieldProblem> {
        Ok(match *self {
            OptionKind::Bool => Value::Bool(codec::decode_bool(text)?),
            OptionKind::Integer { min, max, optional } => {
                Value::Integer(codec::decode_integer(text, min, max, optional)?)
            }
            OptionKind::Host => Value::Host(codec::decode_host(text)?),
            OptionKind::Url => Value::Url(codec::decode_url(text)?),
            OptionKind::HttpsOrigin => Value::Url(codec::decode_https_origin(text)?),
            OptionKind::HttpsUrl => Value::Url(codec::decode_https_url(text)?),
            OptionKind::Text { max_chars } => Value::Text(codec::decode_text(text, max_chars)?),
            OptionKind::Secret { max_chars } => {
                Value::Secret(codec::decode_secret(text, max_chars)?)
            }
            OptionKind::Choice { allowed, optional } => {
                Value::Choice(codec::decode_choice(text, allowed, optional)?)
            }
        })
    }

    /// The most characters a value of this kind can have: any longer text
    /// is refused by [`decode`](Self::decode). `None` when length alone
    /// refuses nothing (a URL; a number, which may have leading zeros).
    ///
    /// For an input field's length limit, or to stop reading input that can
    /// no longer be accepted.
    ///
    /// ```
    /// use module_settings::options::OptionKind;
    /// assert_eq!(OptionKind::Secret { max_chars: 255 }.max_chars(), Some(255));
    /// assert_eq!(OptionKind::Host.max_chars(), Some(254)); // 253 and a final dot
    /// assert_eq!(OptionKind::Url.max_chars(), None);
    /// ```
    pub fn max_chars(&self) -> Option<usize> {
        match *self {
            OptionKind::Bool => Some(codec::YES.len().max(codec::NO.len())),
            OptionKind::Integer { .. } | OptionKind::Url => None,
            OptionKind::Host => Some(codec::HOST_MAX_CHARS),
            OptionKind::HttpsOrigin => Some(codec::ORIGIN_MAX_CHARS),
            OptionKind::HttpsUrl => Some(codec::URL_MAX_CHARS),
            OptionKind::Text { max_chars } | OptionKind::Secret { max_chars } => Some(max_chars),
            OptionKind::Choice { allowed, .. } => {
                Some(allowed.iter().map(|c| c.chars().count()).max().unwrap_or(0))
            }
        }
    }

    /// Whether values of this kind must be masked.
    pub const fn is_secret(&self) -> bool {
        matches!(self, OptionKind::Secret { .. })
    }

    /// A short name for messages: `bool`, `integer`, `host`, `url`,
    /// `https origin`, `https url`, `text`, `secret`, `choice`.
    pub const fn name(&self) -> &'static str {
        match self {
            OptionKind::Bool => "bool",
            OptionKind::Integer { .. } => "integer",
            OptionKind::Host => "host",
            OptionKind::Url => "url",
            OptionKind::HttpsOrigin => "https origin",
            OptionKind::HttpsUrl => "https url",
            OptionKind::Text { .. } => "text",
            OptionKind::Secret { .. } => "secret",
            OptionKind::Choice { .. } => "choice",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_type_tag() {
        let kind = OptionKind::Choice {
            allowed: &["new", "existing"],
            optional: true,
        };
        assert_eq!(
            serde_json::to_string(&kind).unwrap(),
            r#"{"type":"choice","allowed":["new","existing"],"optional":true}"#
        );
        assert_eq!(
            serde_json::to_string(&OptionKind::HttpsOrigin).unwrap(),
            r#"{"type":"https_origin"}"#
        );
        assert_eq!(
            serde_json::to_string(&OptionKind::HttpsUrl).unwrap(),
            r#"{"type":"https_url"}"#
        );
    }

    #[test]
    fn text_longer_than_max_chars_is_refused() {
        let kinds = [
            OptionKind::Bool,
            OptionKind::Host,
            OptionKind::HttpsOrigin,
            OptionKind::HttpsUrl,
            OptionKind::Text { max_chars: 3 },
            OptionKind::Secret { max_chars: 255 },
            OptionKind::Choice {
                allowed: &["new", "existing"],
                optional: true,
            },
        ];
        let widest = [
            "Y".to_owned(),
            format!("{}.", ["a"; 127].join(".")),
            format!("https://{}.:65535/", ["a"; 127].join(".")),
            format!("https://a.example/{}", "p".repeat(2048 - 18)),
            "abc".to_owned(),
            "k".repeat(255),
            "existing".to_owned(),
        ];
        for (kind, widest) in kinds.iter().zip(widest) {
            let max = kind.max_chars().expect("a limit");
            assert_eq!(widest.chars().count(), max, "{kind:?}");
            assert!(kind.decode(&widest).is_ok(), "{kind:?}: {widest}");
            for longer in [
                format!("{widest}a"),
                format!("a{widest}"),
                "a".repeat(max + 1),
            ] {
                assert!(kind.decode(&longer).is_err(), "{kind:?}: {longer}");
            }
        }
        let port = OptionKind::Integer {
            min: 1,
            max: 65535,
            optional: true,
        };
        assert_eq!(port.max_chars(), None);
        assert_eq!(port.decode("0008000"), Ok(Value::Integer(Some(8000))));
        assert_eq!(OptionKind::Url.max_chars(), None);
    }

    #[test]
    fn origin_and_url_decode_to_urls() {
        assert!(matches!(
            OptionKind::HttpsOrigin.decode("https://a.example"),
            Ok(Value::Url(Some(_)))
        ));
        assert!(OptionKind::HttpsOrigin.decode("http://a.example").is_err());
        assert!(OptionKind::Url.decode("http://a.example/x?y").is_ok());
        assert!(matches!(
            OptionKind::HttpsUrl.decode("https://a.example/x?y"),
            Ok(Value::Url(Some(url))) if url.path() == "/x"
        ));
        assert!(OptionKind::HttpsUrl.decode("http://a.example/x").is_err());
    }
}
