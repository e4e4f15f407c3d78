//! [`FieldProblem`]: why one option value was refused. Its own file, so
//! that the codec, which finds problems, does not depend on the errors
//! that carry them (nor, through them, on the option kinds that call the
//! codec).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::access::{AccessLevel, AccessLevels};
use crate::ids::OptionName;

/// Why one option value was refused, phrased as what is allowed instead.
///
/// The Display text completes the sentence `"…" is not allowed; …`.
///
/// Serialized (see [`FieldError`](super::FieldError) for where) as the variant's name in
/// snake_case under `problem`, and its fields, if it has any, as an object
/// under `details`; a URL parser's reason is its text:
///
/// ```
/// use module_settings::options::FieldProblem;
/// let problem = FieldProblem::NotInRange { min: 1, max: 65535, optional: true };
/// assert_eq!(
///     serde_json::to_value(&problem).unwrap(),
///     serde_json::json!({
///         "problem": "not_in_range",
///         "details": { "min": 1, "max": 65535, "optional": true }
///     })
/// );
/// let problem = FieldProblem::Required;
/// assert_eq!(serde_json::to_value(&problem).unwrap(), serde_json::json!({ "problem": "required" }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "problem", content = "details", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldProblem {
    /// A boolean that is not `Y`, `N` or empty.
    #[error("expected \"Y\" (yes) or \"N\" (no); an empty value reads as \"N\"")]
    NotABool,
    /// Not a whole number, or one outside the range.
    #[error("expected a whole number from {min} to {max}{}", unset_hint(*optional))]
    NotInRange {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
        /// Whether an empty value (unset) is allowed too.
        optional: bool,
    },
    /// Not a host name or IP address.
    #[error(
        "{reason}; expected a domain name, an IPv4 address or an IPv6 address \
         (brackets optional), without scheme, port or path"
    )]
    NotAHost {
        /// What the URL parser found wrong.
        #[serde(serialize_with = "as_text")]
        reason: url::ParseError,
    },
    /// A domain name longer than DNS allows (253 characters, not counting
    /// the final dot of a fully qualified name, after international names
    /// are converted to their ASCII form).
    #[error(
        "expected a domain name of at most {max} characters, an IPv4 address or an IPv6 address"
    )]
    DomainTooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// A domain name with a label (a part between dots) DNS does not allow.
    #[error(
        "expected a domain name whose dot-separated labels have 1 to 63 letters, digits, \
         hyphens or underscores and neither start nor end with a hyphen, \
         an IPv4 address or an IPv6 address"
    )]
    BadDomainLabel,
    /// Not an absolute URL.
    #[error("{reason}; expected an absolute URL such as https://example.com/")]
    NotAUrl {
        /// What the URL parser found wrong.
        #[serde(serialize_with = "as_text")]
        reason: url::ParseError,
    },
    /// An origin URL whose scheme is not `https`.
    #[error(
        "the scheme is not https; expected an https origin such as https://example.bitrix24.ru"
    )]
    NotHttps,
    /// An origin URL with port 0, which no server listens on.
    #[error(
        "the port is 0; expected an https origin such as https://example.bitrix24.ru, \
         with a port from 1 to 65535 if one is given"
    )]
    ZeroPort,
    /// An origin URL with a user name or password in it.
    #[error(
        "the URL holds credentials; expected an https origin such as \
         https://example.bitrix24.ru, without user name or password"
    )]
    HasCredentials,
    /// An origin URL with a path other than `/`.
    #[error("the URL has a path; expected an https origin such as https://example.bitrix24.ru")]
    HasPath,
    /// An origin URL with a query (`?…`).
    #[error("the URL has a query; expected an https origin such as https://example.bitrix24.ru")]
    HasQuery,
    /// An origin URL with a fragment (`#…`).
    #[error(
        "the URL has a fragment; expected an https origin such as https://example.bitrix24.ru"
    )]
    HasFragment,
    /// An https URL whose scheme is not `https` (plain `http` included).
    #[error(
        "the scheme is not https; expected an https URL such as https://crm.example.com/rest/"
    )]
    NotHttpsUrl,
    /// An https URL with a user name or password in it.
    #[error(
        "the URL holds credentials; expected an https URL such as \
         https://crm.example.com/rest/, without user name or password"
    )]
    UrlHasCredentials,
    /// An https URL with port 0, which no server listens on.
    #[error(
        "the port is 0; expected an https URL such as https://crm.example.com/rest/, \
         with a port from 1 to 65535 if one is given"
    )]
    UrlZeroPort,
    /// Text longer than allowed.
    #[error("expected at most {max} characters")]
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// A value outside a fixed list.
    #[error("expected one of: {}", allowed.join(", "))]
    NotAChoice {
        /// The allowed values.
        allowed: &'static [&'static str],
    },
    /// An empty value where one is required.
    #[error("expected a value; this option cannot be empty")]
    Required,
    /// Empty, although another option that needs it is set.
    #[error("expected a value, because {other} is set")]
    RequiredBecause {
        /// The option that needs this one.
        other: OptionName,
    },
    /// Set, although the option it belongs with is empty.
    #[error("expected no value, because {other} is empty")]
    EmptyBecause {
        /// The option this one belongs with.
        other: OptionName,
    },
    /// A name the module's schema does not list.
    #[error("the module has no option of this name; expected one of: {known}")]
    UnknownOption {
        /// The module's option names, comma-separated, in page order; a
        /// long list is cut after whole names and ends in `…`.
        known: String,
    },
    /// The schema lists the name twice.
    #[error("the schema lists this option more than once; expected each option name once")]
    DuplicateOption,
    /// The module's code reads an option as another kind than its schema
    /// declares: a bug in the module, reported instead of a panic.
    #[error(
        "the schema declares a {declared} but the module reads it as a {read_as}; \
         expected the module to read it as a {declared}"
    )]
    KindMismatch {
        /// The kind in the schema.
        declared: &'static str,
        /// The kind the code asked for.
        read_as: &'static str,
    },
    /// The schema's default of the option is not the text the module's
    /// `Default` value encodes it as (a checkbox left without a default
    /// reads `""` from the schema while `Default` writes `"N"`): a bug in
    /// the module, found when it is registered. A secret's text is masked.
    #[error("expected \"{encoded}\", the text the module's Default value encodes it as")]
    DefaultDisagrees {
        /// What encoding the module's `Default` value gives.
        encoded: String,
    },
    /// The option's view or edit level is one the guarding module does not
    /// list, so no grant can give exactly that level: a bug in the module,
    /// found when it is registered.
    #[error(
        "its {which} level {level} is not a level of the guarding module; expected one of: \
         {accepted}"
    )]
    LevelNotListed {
        /// `"view"` or `"edit"`.
        which: &'static str,
        /// The level the option asks for.
        level: AccessLevel,
        /// The levels the guarding module lists.
        accepted: AccessLevels,
    },
    /// A module's own rule, for checks the kinds cannot express.
    #[error("expected {expected}")]
    Custom {
        /// What is allowed, completing "expected …".
        expected: String,
    },
}

fn as_text<S: Serializer>(value: &impl fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn unset_hint(optional: bool) -> &'static str {
    if optional {
        ", or empty for unset"
    } else {
        ""
    }
}
