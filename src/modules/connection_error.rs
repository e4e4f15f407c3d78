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
    /// `connect` with a time the store cannot hold: the `connected_at`
    /// option keeps whole seconds as a signed 64-bit number.
    #[error(
        "connection time {at} is out of range; expected seconds since the Unix epoch \
         from 0 to {max}"
    )]
    TimeOutOfRange {
        /// The refused time, in seconds since the Unix epoch.
        at: u64,
        /// The latest time that can be stored
        /// ([`B24Connector::MAX_CONNECTED_AT`](super::B24Connector::MAX_CONNECTED_AT)).
        max: u64,
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
