//! What was wrong with an option value: one [`FieldError`] per bad
//! option, and [`ValidationErrors`] that carries them all.

use std::fmt;

use serde::{Serialize, Serializer};

use super::kind::OptionKind;
use super::problem::FieldProblem;
use super::spec::OptionSpec;
use crate::ids::{ModuleId, OptionName};
use crate::secret::MASK;

/// The most characters of a refused value that an error keeps.
const SHOWN_CHARS: usize = 64;

/// One refused option: the module, the option's name, the value (masked for
/// secrets, else escaped like a Rust string and cut to 64 characters) and
/// what is allowed.
///
/// Display: `{module} option {name}: "{value}" is not allowed; {problem}`,
/// or `{module} option {name}: {problem}` when the value is withheld — for
/// a name the module's schema does not list, whose value may be a mistyped
/// secret and is never kept.
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::options::{FieldError, FieldProblem};
/// use module_settings::ModuleId;
///
/// let videoport = ModuleId::from_static("videoport");
/// let err = FieldError::new(
///     videoport,
///     &VideoPort::SERVER_PORT,
///     "70000",
///     FieldProblem::NotInRange { min: 1, max: 65535, optional: true },
/// );
/// assert_eq!(
///     err.to_string(),
///     "videoport option ServerPort: \"70000\" is not allowed; \
///      expected a whole number from 1 to 65535, or empty for unset"
/// );
/// // The spec says the secret word is a secret: its value is never kept.
/// let err = FieldError::new(videoport, &VideoPort::SECRET_CODE, "hunter2", FieldProblem::Required);
/// assert_eq!(err.value(), Some("******"));
/// ```
///
/// # Serialized
///
/// One object, for a JSON API to hand on as it is: `module`, `option`, the
/// `value` as shown above (masked for secrets, escaped and cut; `null` when
/// withheld), the problem's snake_case name under `problem` and its fields
/// under `details` (see [`FieldProblem`]; no `details` when it has none),
/// the problem in words under `allowed` (its Display: what is allowed
/// instead), and the whole Display text under `message`. Only what the
/// error holds is written, so a secret's value never is.
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::options::{FieldError, FieldProblem};
/// use module_settings::ModuleId;
///
/// let problem = FieldProblem::TooLong { max: 8 };
/// let err = FieldError::new(ModuleId::from_static("videoport"), &VideoPort::SECRET_CODE, "hunter2hunter2", problem);
/// assert_eq!(
///     serde_json::to_value(&err).unwrap(),
///     serde_json::json!({
///         "module": "videoport",
///         "option": "SecretCode",
///         "value": "******",
///         "problem": "too_long",
///         "details": { "max": 8 },
///         "allowed": "expected at most 8 characters",
///         "message": "videoport option SecretCode: \"******\" is not allowed; expected at most 8 characters"
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    module: ModuleId,
    option: OptionName,
    /// `None` when the value is withheld (an option the schema does not
    /// list: its value may be a mistyped secret).
    value: Option<String>,
    problem: FieldProblem,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FieldError {
            module,
            option,
            value,
            problem,
        } = self;
        match value {
            Some(value) => write!(
                f,
                "{module} option {option}: \"{value}\" is not allowed; {problem}"
            ),
            None => write!(f, "{module} option {option}: {problem}"),
        }
    }
}

impl std::error::Error for FieldError {}

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// The serialized form, in this order.
        #[derive(Serialize)]
        struct Shown<'a> {
            module: &'a ModuleId,
            option: &'a OptionName,
            value: Option<&'a str>,
            #[serde(flatten)]
            problem: &'a FieldProblem,
            allowed: String,
            message: String,
        }
        Shown {
            module: &self.module,
            option: &self.option,
            value: self.value(),
            problem: &self.problem,
            allowed: self.problem.to_string(),
            message: self.to_string(),
        }
        .serialize(s)
    }
}

impl FieldError {
    /// An error about `value` of the option `spec` describes. How much of
    /// the value is kept follows from the spec's kind, so no caller can
    /// get it wrong, and it is decided before the value is stored anywhere:
    /// - a secret's value is replaced by the mask `******`;
    /// - in a host, URL, https origin or https URL, anything that may be credentials
    ///   (`user:password@`) is masked: `https://******@example.com`;
    /// - any other value is kept escaped and cut to 64 characters.
    pub fn new(module: ModuleId, spec: &OptionSpec, value: &str, problem: FieldProblem) -> Self {
        let value = match spec.kind() {
            OptionKind::Secret { .. } => MASK.to_owned(),
            OptionKind::Host | OptionKind::Url | OptionKind::HttpsOrigin | OptionKind::HttpsUrl => {
                crate::text::shown(&crate::text::without_userinfo(value), SHOWN_CHARS)
            }
            _ => crate::text::shown(value, SHOWN_CHARS),
        };
        FieldError {
            module,
            option: spec.name().clone(),
            value: Some(value),
            problem,
        }
    }

    /// An error about an option the module's schema does not list. Its
    /// value is not taken at all: with no spec to say what the option
    /// holds, it may be a secret under a mistyped name (`secretcode`).
    pub fn unlisted(module: ModuleId, option: OptionName, problem: FieldProblem) -> Self {
        FieldError {
            module,
            option,
            value: None,
            problem,
        }
    }

    /// The same error without the value: for a reader who may not see the
    /// option ([`OptionSpec::viewable_by`]), or for a problem with the
    /// option itself rather than a value. Displayed as
    /// `{module} option {name}: {problem}`.
    #[must_use]
    pub fn withheld(mut self) -> Self {
        self.value = None;
        self
    }

    /// The module the option belongs to.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The option's stored name.
    pub fn option(&self) -> &OptionName {
        &self.option
    }

    /// The refused value as shown: masked for secrets, else escaped like a
    /// Rust string and cut to 64 characters (a cut value ends in `…`);
    /// `None` when withheld (see [`unlisted`](Self::unlisted)).
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// What is wrong and what is allowed.
    pub fn problem(&self) -> &FieldProblem {
        &self.problem
    }
}

/// Every problem found in one go: at most one [`FieldError`] per
/// option, in the order found — not sorted:
/// - [`ModuleSchema::check`](super::ModuleSchema::check): schema (page)
///   order;
/// - a module's `decode` (and so `validate`): the order it reads its
///   fields, then its rules across fields;
/// - [`ModuleSchema::check_submitted`](super::ModuleSchema::check_submitted):
///   schema order, then unknown names by name;
/// - [`ModuleSchema::check_module`](super::ModuleSchema::check_module):
///   schema order, then what the module's rules add.
///
/// Display: one line per field error (see [`FieldError`]), separated by
/// `\n`, no trailing newline. Serialized: `{"errors": [...]}`, one object
/// per field error in the same order (see [`FieldError`] for its keys).
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::options::{ModuleOptions, RawOptions};
/// use module_settings::OptionName;
///
/// let mut raw = RawOptions::new();
/// raw.insert(OptionName::from_static("ServerPort"), "70000".into());
/// raw.insert(OptionName::from_static("window_chat"), "yes".into());
/// let errors = VideoPort::decode(&raw).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// assert_eq!(
///     errors.to_string(),
///     "videoport option ServerPort: \"70000\" is not allowed; expected a whole number from 1 to 65535, or empty for unset\n\
///      videoport option window_chat: \"yes\" is not allowed; expected \"Y\" (yes) or \"N\" (no); an empty value reads as \"N\""
/// );
/// let json = serde_json::to_value(&errors).unwrap();
/// assert_eq!(json["errors"][0]["option"], "ServerPort");
/// assert_eq!(json["errors"][1]["problem"], "not_a_bool");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        ValidationErrors::default()
    }

    /// Adds an error, unless the same option already has one: one error per
    /// bad field.
    pub fn push(&mut self, error: FieldError) {
        if !self.has(error.option().as_str()) {
            self.errors.push(error);
        }
    }

    /// Whether `option` has an error.
    pub fn has(&self, option: &str) -> bool {
        self.field(option).is_some()
    }

    /// The error of `option`, if any.
    pub fn field(&self, option: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.option() == option)
    }

    /// How many options are bad.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, in the order they were found (see the type's
    /// documentation for what that order is).
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.errors.iter()
    }

    /// `Ok(value)` when nothing is wrong, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(error, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// Collects errors as [`push`](ValidationErrors::push) adds them: one per
/// option, the first found.
impl FromIterator<FieldError> for ValidationErrors {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        let mut errors = ValidationErrors::new();
        for error in iter {
            errors.push(error);
        }
        errors
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        ValidationErrors {
            errors: vec![error],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::label::Label;

    fn err(option: &'static str, value: &str, secret: bool) -> FieldError {
        let kind = if secret {
            OptionKind::Secret { max_chars: 255 }
        } else {
            OptionKind::Text { max_chars: 255 }
        };
        let spec = OptionSpec::new(option, kind, Label::new("поле", "field"));
        FieldError::new(
            ModuleId::from_static("m"),
            &spec,
            value,
            FieldProblem::Required,
        )
    }

    #[test]
    fn a_withheld_error_keeps_the_problem_only() {
        let e = err("Title", "draft", false).withheld();
        assert_eq!(e.value(), None);
        assert_eq!(
            e.to_string(),
            "m option Title: expected a value; this option cannot be empty"
        );
    }

    #[test]
    fn secrets_are_masked_before_they_are_stored() {
        let e = err("SecretCode", "hunter2", true);
        assert_eq!(e.value(), Some(MASK));
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }

    #[test]
    fn url_credentials_are_masked_before_they_are_stored() {
        for kind in [
            OptionKind::Url,
            OptionKind::HttpsOrigin,
            OptionKind::HttpsUrl,
            OptionKind::Host,
        ] {
            let spec = OptionSpec::new("address", kind, Label::new("адрес", "address"));
            let e = FieldError::new(
                ModuleId::from_static("m"),
                &spec,
                "https://admin:hunter2@example.com/x",
                FieldProblem::HasCredentials,
            );
            assert_eq!(e.value(), Some("https://******@example.com/x"));
            assert!(!format!("{e} {e:?}").contains("hunter2"));
        }
        // Text is not an address: an @ in it is kept.
        assert_eq!(err("x", "a:b@c", false).value(), Some("a:b@c"));
    }

    #[test]
    fn long_values_are_cut_and_escaped() {
        let e = err("x", &"a\"".repeat(100), false);
        // 64 characters of the value, 32 of them quotes escaped as `\"`.
        assert_eq!(e.value(), Some(&*format!("{}…", r#"a\""#.repeat(32))));
        assert!(e.to_string().contains(r#""a\"a\""#));
        let e = err("x", "line\nbreak", false);
        assert_eq!(e.value(), Some(r"line\nbreak"));
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn one_error_per_field() {
        let mut all = ValidationErrors::new();
        all.push(err("a", "1", false));
        all.push(err("a", "2", false));
        all.push(err("b", "3", false));
        assert_eq!(all.len(), 2);
        assert_eq!(all.field("a").and_then(FieldError::value), Some("1"));
        assert_eq!(all.to_string().lines().count(), 2);
        assert!(ValidationErrors::new().into_result(()).is_ok());
    }

    #[test]
    fn problems_about_the_schema_say_what_is_allowed() {
        let unknown = FieldProblem::UnknownOption {
            known: "ServerHost, ServerPort".into(),
        };
        assert_eq!(
            unknown.to_string(),
            "the module has no option of this name; expected one of: ServerHost, ServerPort"
        );
        assert_eq!(
            FieldProblem::DuplicateOption.to_string(),
            "the schema lists this option more than once; expected each option name once"
        );
        let mismatch = FieldProblem::KindMismatch {
            declared: "bool",
            read_as: "text",
        };
        assert_eq!(
            mismatch.to_string(),
            "the schema declares a bool but the module reads it as a text; \
             expected the module to read it as a bool"
        );
    }

    #[test]
    fn problems_say_what_is_allowed() {
        let choice = FieldProblem::NotAChoice {
            allowed: &["new", "existing"],
        };
        assert_eq!(choice.to_string(), "expected one of: new, existing");
        let range = FieldProblem::NotInRange {
            min: 1,
            max: 10,
            optional: false,
        };
        assert_eq!(range.to_string(), "expected a whole number from 1 to 10");
    }

    #[test]
    fn serialized_errors_hold_name_problem_words_and_the_shown_value() {
        let errors = ValidationErrors::from(err("Title", "a\nb", false));
        let json = serde_json::to_value(&errors).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"errors": [{
                "module": "m",
                "option": "Title",
                "value": "a\\nb",
                "problem": "required",
                "allowed": "expected a value; this option cannot be empty",
                "message": "m option Title: \"a\\nb\" is not allowed; \
                            expected a value; this option cannot be empty",
            }]})
        );
        let withheld = FieldError::unlisted(
            ModuleId::from_static("m"),
            OptionName::from_static("secretcode"),
            FieldProblem::UnknownOption {
                known: "SecretCode".into(),
            },
        );
        let json = serde_json::to_value(&withheld).unwrap();
        assert_eq!(json["value"], serde_json::Value::Null);
        assert_eq!(json["problem"], "unknown_option");
        assert_eq!(json["details"], serde_json::json!({"known": "SecretCode"}));
    }

    #[test]
    fn a_secret_never_reaches_the_serialized_form() {
        let mut all = ValidationErrors::new();
        all.push(err("SecretCode", "hunter2", true));
        let spec = OptionSpec::new("Portal", OptionKind::HttpsOrigin, Label::new("п", "p"));
        all.push(FieldError::new(
            ModuleId::from_static("m"),
            &spec,
            "https://admin:hunter2@example.com",
            FieldProblem::HasCredentials,
        ));
        let json = serde_json::to_string(&all).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(json.contains(MASK), "{json}");
    }

    #[test]
    fn every_problem_has_a_snake_case_name_and_its_details() {
        let other = OptionName::from_static("ServerHost");
        let url_error = url::ParseError::RelativeUrlWithoutBase;
        let cases = [
            (FieldProblem::NotABool, "not_a_bool", None),
            (
                FieldProblem::NotInRange {
                    min: 1,
                    max: 9,
                    optional: true,
                },
                "not_in_range",
                Some(serde_json::json!({"min": 1, "max": 9, "optional": true})),
            ),
            (
                FieldProblem::NotAHost { reason: url_error },
                "not_a_host",
                Some(serde_json::json!({"reason": "relative URL without a base"})),
            ),
            (
                FieldProblem::DomainTooLong { max: 253 },
                "domain_too_long",
                Some(serde_json::json!({"max": 253})),
            ),
            (FieldProblem::BadDomainLabel, "bad_domain_label", None),
            (
                FieldProblem::NotAUrl { reason: url_error },
                "not_a_url",
                Some(serde_json::json!({"reason": "relative URL without a base"})),
            ),
            (FieldProblem::NotHttps, "not_https", None),
            (FieldProblem::ZeroPort, "zero_port", None),
            (FieldProblem::HasCredentials, "has_credentials", None),
            (FieldProblem::HasPath, "has_path", None),
            (FieldProblem::HasQuery, "has_query", None),
            (FieldProblem::HasFragment, "has_fragment", None),
            (
                FieldProblem::TooLong { max: 5 },
                "too_long",
                Some(serde_json::json!({"max": 5})),
            ),
            (
                FieldProblem::NotAChoice {
                    allowed: &["a", "b"],
                },
                "not_a_choice",
                Some(serde_json::json!({"allowed": ["a", "b"]})),
            ),
            (FieldProblem::Required, "required", None),
            (
                FieldProblem::RequiredBecause {
                    other: other.clone(),
                },
                "required_because",
                Some(serde_json::json!({"other": "ServerHost"})),
            ),
            (
                FieldProblem::EmptyBecause { other },
                "empty_because",
                Some(serde_json::json!({"other": "ServerHost"})),
            ),
            (
                FieldProblem::UnknownOption {
                    known: "a, b".into(),
                },
                "unknown_option",
                Some(serde_json::json!({"known": "a, b"})),
            ),
            (FieldProblem::DuplicateOption, "duplicate_option", None),
            (
                FieldProblem::KindMismatch {
                    declared: "bool",
                    read_as: "text",
                },
                "kind_mismatch",
                Some(serde_json::json!({"declared": "bool", "read_as": "text"})),
            ),
            (
                FieldProblem::DefaultDisagrees {
                    encoded: "N".into(),
                },
                "default_disagrees",
                Some(serde_json::json!({"encoded": "N"})),
            ),
            (
                FieldProblem::LevelNotListed {
                    which: "view",
                    level: crate::AccessLevel::M,
                    accepted: crate::access::AccessLevels::D | crate::access::AccessLevels::W,
                },
                "level_not_listed",
                Some(serde_json::json!({"which": "view", "level": "M", "accepted": "D | W"})),
            ),
            (
                FieldProblem::Custom {
                    expected: "an even number".into(),
                },
                "custom",
                Some(serde_json::json!({"expected": "an even number"})),
            ),
        ];
        for (problem, name, details) in cases {
            let words = problem.to_string();
            let json = serde_json::to_value(&problem).unwrap();
            assert_eq!(json["problem"], name, "{problem:?}");
            assert_eq!(json.get("details").cloned(), details, "{problem:?}");
            let error = FieldError::unlisted(
                ModuleId::from_static("m"),
                OptionName::from_static("x"),
                problem,
            );
            let json = serde_json::to_value(&error).unwrap();
            assert_eq!(json["problem"], name);
            assert_eq!(json["allowed"], words);
        }
    }
}
