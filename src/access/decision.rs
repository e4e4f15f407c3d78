//! [`Decision`] and [`Reason`]: an access level with the reason it was
//! given.

use std::fmt;

use serde::Serialize;

use super::error::AccessError;
use super::level::AccessLevel;
use crate::ids::{GroupId, ModuleId, Scope};

/// Why a user got the level they got.
///
/// Exactly one reason applies to a decision, checked in this order:
/// an administrator group (when the bypass is on), else the highest grant
/// among the user's groups, else — with defaults on — the default of the
/// scope, else D because defaults are off. When several groups give the
/// same winning level, the **lowest group id** is named; when one group has
/// equal grants in the common scope and in the asked site, the site grant
/// is named.
///
/// Display texts read after the level: `"R: grant of group 5 in site s1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The user is in this administrator group and the bypass is on: W.
    Administrator {
        /// The lowest administrator group the user is in.
        group: GroupId,
    },
    /// The highest grant among the user's groups.
    Grant {
        /// The group holding the grant.
        group: GroupId,
        /// Where the grant was made.
        scope: Scope,
    },
    /// None of the user's groups has a grant; the default set for this
    /// scope applies.
    Default {
        /// The scope whose default level was used.
        scope: Scope,
    },
    /// None of the user's groups has a grant and no default level is set
    /// anywhere that applies: the built-in D.
    BuiltInDefault,
    /// None of the user's groups has a grant and the resolver was told not
    /// to use defaults: D.
    DefaultsOff,
}

/// Names a scope in a sentence: "the common scope" or "site s1".
struct ScopeWords(Scope);

impl fmt::Display for ScopeWords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Scope::Common => f.write_str("the common scope"),
            Scope::Site(site) => write!(f, "site {site}"),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::Administrator { group } => {
                write!(f, "member of administrator group {group}")
            }
            Reason::Grant { group, scope } => {
                write!(f, "grant of group {group} in {}", ScopeWords(scope))
            }
            Reason::Default { scope } => write!(f, "default of {}", ScopeWords(scope)),
            Reason::BuiltInDefault => f.write_str("built-in default (no default level set)"),
            Reason::DefaultsOff => f.write_str("no grant, and defaults are off"),
        }
    }
}

/// The answer to "what may this user do with this module": the module, the
/// level, and the [`Reason`].
///
/// Only the resolver makes decisions, so a decision's level is always the
/// level [`resolve`](crate::access::CompiledRights::resolve) gives for the same
/// question.
///
/// ```
/// use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
/// # fn main() -> Result<(), module_settings::access::AccessError> {
/// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
/// rights.grant(Scope::Common, GroupId::from_static(5), AccessLevel::R)?;
/// let compiled = rights.compile(ResolveOptions::new());
///
/// let decision = compiled.explain(&[GroupId::EVERYONE, GroupId::from_static(5)], Scope::Common);
/// assert_eq!(decision.to_string(), "R: grant of group 5 in the common scope");
/// assert!(decision.can(AccessLevel::R));
/// let err = decision.require(AccessLevel::W).unwrap_err();
/// assert_eq!(err.to_string(), "access denied to module video: needs W, holds R");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Decision {
    module: ModuleId,
    level: AccessLevel,
    reason: Reason,
}

impl Decision {
    pub(crate) fn new(module: ModuleId, level: AccessLevel, reason: Reason) -> Self {
        Decision {
            module,
            level,
            reason,
        }
    }

    /// The module the decision is about.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The level the user holds.
    pub fn level(&self) -> AccessLevel {
        self.level
    }

    /// Why.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Whether the level held is at least `needed`.
    pub fn can(&self, needed: AccessLevel) -> bool {
        self.level >= needed
    }

    /// The decision itself if the level held is at least `needed`, else
    /// [`AccessError::Denied`] naming the module, the level needed and the
    /// level held.
    pub fn require(self, needed: AccessLevel) -> Result<Decision, AccessError> {
        if self.can(needed) {
            Ok(self)
        } else {
            Err(AccessError::Denied {
                module: self.module,
                needed,
                held: self.level,
            })
        }
    }
}

/// `"{level}: {reason}"`, such as `"R: grant of group 5 in site s1"`.
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.level, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    const VIDEO: ModuleId = ModuleId::from_static("video");

    #[track_caller]
    fn shows(level: AccessLevel, reason: Reason, text: &str) {
        assert_eq!(Decision::new(VIDEO, level, reason).to_string(), text);
    }

    #[test]
    fn every_reason_reads_well() {
        let g5 = GroupId::from_static(5);
        let s1 = Scope::Site(SiteId::from_static("s1"));
        shows(
            AccessLevel::W,
            Reason::Administrator {
                group: GroupId::ADMINISTRATORS,
            },
            "W: member of administrator group 1",
        );
        shows(
            AccessLevel::R,
            Reason::Grant {
                group: g5,
                scope: s1,
            },
            "R: grant of group 5 in site s1",
        );
        shows(
            AccessLevel::D,
            Reason::Grant {
                group: g5,
                scope: Scope::Common,
            },
            "D: grant of group 5 in the common scope",
        );
        shows(
            AccessLevel::R,
            Reason::Default { scope: s1 },
            "R: default of site s1",
        );
        shows(
            AccessLevel::R,
            Reason::Default {
                scope: Scope::Common,
            },
            "R: default of the common scope",
        );
        shows(
            AccessLevel::D,
            Reason::BuiltInDefault,
            "D: built-in default (no default level set)",
        );
        shows(
            AccessLevel::D,
            Reason::DefaultsOff,
            "D: no grant, and defaults are off",
        );
    }

    #[test]
    fn require_names_needed_and_held() {
        let decision = Decision::new(VIDEO, AccessLevel::R, Reason::BuiltInDefault);
        assert!(decision.can(AccessLevel::D) && decision.can(AccessLevel::R));
        assert!(!decision.can(AccessLevel::W));
        assert_eq!(decision.require(AccessLevel::R), Ok(decision));
        let err = decision.require(AccessLevel::W).unwrap_err();
        assert_eq!(
            err,
            AccessError::Denied {
                module: VIDEO,
                needed: AccessLevel::W,
                held: AccessLevel::R
            }
        );
        assert_eq!(
            err.to_string(),
            "access denied to module video: needs W, holds R"
        );
    }

    #[test]
    fn serializes_with_a_kind_tag() {
        let decision = Decision::new(
            VIDEO,
            AccessLevel::R,
            Reason::Grant {
                group: GroupId::from_static(5),
                scope: Scope::Common,
            },
        );
        assert_eq!(
            serde_json::to_string(&decision).unwrap(),
            r#"{"module":"video","level":"R","reason":{"kind":"grant","group":5,"scope":"common"}}"#
        );
    }
}
