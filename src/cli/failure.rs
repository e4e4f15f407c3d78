//! [`Failure`]: why the command failed, as the exit status and the one
//! line printed on stderr.

use std::fmt;

use crate::access::AccessError;
use crate::settings::SettingsError;

/// Anything not listed below: a store that failed, a database that needs
/// repair.
pub const OTHER: u8 = 1;
/// Bad usage or bad input; nothing was written.
pub const BAD_INPUT: u8 = 2;
/// The acting groups lack the level the write needs; nothing was written.
pub const DENIED: u8 = 3;
/// Another writer changed the same records; nothing was written.
pub const CONFLICT: u8 = 4;

/// A failed command: the exit status and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    code: u8,
    /// For `--json`: `usage`, `input`, `denied`, `conflict` or `other`.
    kind: &'static str,
    message: String,
}

impl Failure {
    /// The command line itself is wrong: the message points to `--help`.
    pub fn usage(message: impl fmt::Display) -> Self {
        Failure {
            code: BAD_INPUT,
            kind: "usage",
            message: format!("{message}; run with --help for usage"),
        }
    }

    /// A value on the command line is wrong (the message says what is
    /// allowed).
    pub fn input(message: impl fmt::Display) -> Self {
        Failure {
            code: BAD_INPUT,
            kind: "input",
            message: message.to_string(),
        }
    }

    /// Anything else, such as output that could not be written.
    pub fn other(message: impl fmt::Display) -> Self {
        Failure {
            code: OTHER,
            kind: "other",
            message: message.to_string(),
        }
    }

    /// The exit status.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// The error as one JSON object on one line, `{"error": {"kind": …,
    /// "message": …}}`, for `--json`.
    pub fn json_line(&self) -> String {
        let shape = crate::cli::shapes::ErrorShape {
            error: crate::cli::shapes::ErrorBody {
                kind: self.kind,
                message: &self.message,
            },
        };
        serde_json::to_string(&shape).unwrap_or_else(|_| self.line())
    }

    /// `error: …` on one line: multi-line texts (every bad field of a
    /// form, one per line) are joined with ` | `.
    pub fn line(&self) -> String {
        let text: Vec<&str> = self.message.lines().filter(|l| !l.is_empty()).collect();
        format!("error: {}", text.join(" | "))
    }
}

/// The exit status of a facade error. The facade's error is
/// `#[non_exhaustive]`: kinds added later count as "anything else".
pub fn exit_code(err: &SettingsError) -> u8 {
    if err.is_denied() {
        return DENIED;
    }
    if err.is_conflict() {
        return CONFLICT;
    }
    match err {
        SettingsError::UnknownModule { .. }
        | SettingsError::UnknownOption { .. }
        | SettingsError::Invalid(_)
        | SettingsError::Access(_)
        // `set`/`reset` of the Bitrix24 connection, which only
        // `connect-b24`/`disconnect-b24` may write.
        | SettingsError::OperationOnly { .. }
        // A site the database does not list; a user looked up where the
        // database lists no users.
        | SettingsError::Site(_)
        | SettingsError::NoUserDirectory { .. }
        // A bad portal address, or connect while connected / disconnect
        // while not: the request does not fit, retrying will not help.
        | SettingsError::B24(_) => BAD_INPUT,
        SettingsError::Store(store) if store.is_conflict() => CONFLICT,
        _ => OTHER,
    }
}

impl From<SettingsError> for Failure {
    fn from(err: SettingsError) -> Self {
        let mut message = err.to_string();
        // The library names the options; this command line knows which of
        // its commands are the module's operations.
        if let SettingsError::OperationOnly { module, .. } = &err {
            if module.as_str() == "b24connector" {
                message.push_str("; use connect-b24 or disconnect-b24");
            }
        }
        let code = exit_code(&err);
        Failure {
            code,
            kind: match code {
                DENIED => "denied",
                CONFLICT => "conflict",
                BAD_INPUT => "input",
                _ => "other",
            },
            message,
        }
    }
}

/// A store that failed outside the facade (the event log read by `audit`).
impl From<crate::StoreError> for Failure {
    fn from(err: crate::StoreError) -> Self {
        Failure::from(SettingsError::from(err))
    }
}

/// A level the module does not accept, found on the Access tab.
impl From<AccessError> for Failure {
    fn from(err: AccessError) -> Self {
        Failure::from(SettingsError::from(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::ConnectionError;
    use crate::options::{FieldError, FieldProblem, ValidationErrors};
    use crate::settings::RecordKey;
    use crate::store::Revision;
    use crate::{AccessLevel, ModuleId, Scope, StoreError};
    use crate::{GroupId, VideoPort};

    const VIDEO: ModuleId = ModuleId::from_static("video");

    #[test]
    fn every_kind_of_facade_error_has_its_status() {
        let conflict = SettingsError::Conflict {
            module: VIDEO,
            expected: Revision::new(3),
            current: Revision::new(4),
            ours: vec![RecordKey::Grant {
                scope: Scope::Common,
                group: GroupId::from_static(5),
            }],
            theirs: vec![RecordKey::Grant {
                scope: Scope::Common,
                group: GroupId::from_static(5),
            }],
        };
        let outdated = SettingsError::Outdated {
            module: VIDEO,
            based_on: Revision::new(1),
            current: Revision::new(9),
        };
        let denied = SettingsError::Denied {
            module: VIDEO,
            needed: AccessLevel::W,
            held: AccessLevel::R,
        };
        let invalid = SettingsError::Invalid(ValidationErrors::from(FieldError::new(
            ModuleId::from_static("videoport"),
            &VideoPort::SERVER_PORT,
            "0",
            FieldProblem::Required,
        )));
        let not_accepted = SettingsError::Access(AccessError::LevelNotAccepted {
            module: VIDEO,
            level: AccessLevel::M,
            allowed: crate::access::ModuleLevels::VIDEO.accepted(),
        });
        let unavailable = SettingsError::from(StoreError::Unavailable {
            backend: "sqlite",
            reason: "database is locked".into(),
        });
        let store_conflict = SettingsError::from(StoreError::Conflict {
            module: VIDEO,
            expected: Revision::new(1),
            current: Revision::new(2),
        });
        let cases = [
            (conflict, CONFLICT),
            (outdated, CONFLICT),
            (store_conflict, CONFLICT),
            (denied, DENIED),
            (invalid, BAD_INPUT),
            (not_accepted, BAD_INPUT),
            (SettingsError::B24(ConnectionError::NotConnected), BAD_INPUT),
            (
                SettingsError::UnknownModule {
                    module: VIDEO,
                    role: "as an options module",
                },
                BAD_INPUT,
            ),
            (unavailable, OTHER),
        ];
        for (err, code) in cases {
            assert_eq!(exit_code(&err), code, "{err}");
            assert_eq!(Failure::from(err).code(), code);
        }
    }

    #[test]
    fn messages_are_one_line() {
        let failure = Failure::input("first problem\nsecond problem\n");
        assert_eq!(failure.line(), "error: first problem | second problem");
        let usage = Failure::usage("unknown command \"frob\"");
        assert_eq!(
            usage.line(),
            "error: unknown command \"frob\"; run with --help for usage"
        );
        assert_eq!(usage.code(), BAD_INPUT);
    }
}
