//! The one error type for identifiers.

use std::fmt;

/// Which kind of identifier failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// A [`ModuleId`](crate::ModuleId).
    Module,
    /// A [`SiteId`](crate::SiteId).
    Site,
    /// A [`GroupId`](crate::GroupId).
    Group,
    /// A [`UserId`](crate::UserId).
    User,
    /// An [`OptionName`](crate::OptionName).
    OptionName,
}

impl IdKind {
    /// The rule every value of this kind must follow, in words.
    pub const fn rule(self) -> &'static str {
        match self {
            IdKind::Module => "a module id is 1 to 50 ASCII letters, digits, '.' or '_'",
            IdKind::Site => {
                "a site id is 1 to 32 ASCII letters, digits, '_' or '-', and not \"common\""
            }
            IdKind::Group => "a group id is a whole number from 1 to 4294967295",
            IdKind::User => "a user id is a whole number from 1 to 4294967295",
            IdKind::OptionName => {
                "an option name is 1 to 100 characters without control characters, \
                 and GROUP_DEFAULT_RIGHT is reserved for the Access tab's default level"
            }
        }
    }

    const fn noun(self) -> &'static str {
        match self {
            IdKind::Module => "module id",
            IdKind::Site => "site id",
            IdKind::Group => "group id",
            IdKind::User => "user id",
            IdKind::OptionName => "option name",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// What exactly is wrong with a rejected identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdProblem {
    /// The value is empty.
    Empty,
    /// The value has more characters than allowed.
    TooLong {
        /// Characters in the value.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// A character that the rule does not allow.
    BadChar {
        /// The character.
        ch: char,
        /// Its position, counted in characters from 1.
        position: usize,
    },
    /// Zero, which is not a group id.
    Zero,
    /// Not a whole number in range.
    NotANumber,
    /// A name the crate keeps for itself.
    Reserved,
}

impl fmt::Display for IdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IdProblem::Empty => f.write_str("it is empty"),
            IdProblem::TooLong { len, max } => {
                write!(f, "it has {len} characters, at most {max} are allowed")
            }
            IdProblem::BadChar { ch, position } => {
                write!(
                    f,
                    "character {:?} at position {position} is not allowed",
                    ch
                )
            }
            IdProblem::Zero => f.write_str("0 is not a group id"),
            IdProblem::NotANumber => f.write_str("it is not a whole number in range"),
            IdProblem::Reserved => f.write_str("the name is reserved"),
        }
    }
}

/// An identifier failed validation: which kind, the value, and what is wrong.
///
/// The Display form is `invalid {kind} "{value}": {problem}; {rule}`, with the
/// value escaped and cut to 64 characters.
///
/// ```
/// use module_settings::ModuleId;
/// let err = "video conf".parse::<ModuleId>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid module id \"video conf\": character ' ' at position 6 is not allowed; \
///      a module id is 1 to 50 ASCII letters, digits, '.' or '_'"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} \"{}\": {problem}; {}", shown(value), kind.rule())]
pub struct IdError {
    kind: IdKind,
    value: String,
    problem: IdProblem,
}

/// The most characters of a rejected value that the Display form quotes.
const SHOWN_CHARS: usize = 64;

fn shown(value: &str) -> String {
    crate::text::shown(value, SHOWN_CHARS)
}

impl IdError {
    pub(crate) fn new(kind: IdKind, value: &str, problem: IdProblem) -> Self {
        IdError {
            kind,
            value: value.to_owned(),
            problem,
        }
    }

    /// Which kind of identifier was rejected.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The rejected value, as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong with it.
    pub fn problem(&self) -> IdProblem {
        self.problem
    }
}
