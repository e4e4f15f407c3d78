//! [`ConnectionError`]: why a Bitrix24 connect or disconnect was refused.

use super::portal::Portal;
use crate::options::FieldProblem;

/// Why connecting or disconnecting a Bitrix24 portal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The portal address is not an https origin.
    #[error("bitrix24 portal address \"{value}\" is not allowed; {problem}")]
    BadPortal {
        /// The refused address as shown: credentials masked, escaped like a
        /// Rust string, at most 64 characters of it (a cut ends in `…`).
        value: String,
        /// What is wrong and what is allowed.
        problem: FieldProblem,
    },
    /// `connect` while a portal is connected.
    #[error("already connected to the bitrix24 portal {portal}; disconnect it first")]
    AlreadyConnected {
        /// The portal that is connected.
        portal: Portal,
    },
    /// `disconnect` while no portal is connected.
    #[error("no bitrix24 portal is connected")]
    NotConnected,
}
