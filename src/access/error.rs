//! [`AccessError`]: what can go wrong with levels, rights and checks.

use super::level::{AccessLevel, AccessLevels};
use crate::ids::ModuleId;

/// An error about access levels or rights.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// Text that is not one access letter.
    #[error("invalid access level \"{value}\": expected one of the letters D, M, R, W")]
    BadLevel {
        /// The rejected text as shown: escaped like a Rust string, at most
        /// 16 characters of it (a cut ends in `…`).
        value: String,
    },
    /// A level the module does not list.
    #[error("module {module} does not accept access level {level}: allowed are {allowed}")]
    LevelNotAccepted {
        /// The module.
        module: ModuleId,
        /// The level that was refused.
        level: AccessLevel,
        /// What the module accepts.
        allowed: AccessLevels,
    },
    /// A check found less than the level it needs.
    #[error("access denied to module {module}: needs {needed}, holds {held}")]
    Denied {
        /// The module checked.
        module: ModuleId,
        /// The level the action needs.
        needed: AccessLevel,
        /// The level the user holds.
        held: AccessLevel,
    },
}
