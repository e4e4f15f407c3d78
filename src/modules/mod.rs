//! The two seed modules, written as ordinary users
//! of the public [`ModuleOptions`](crate::options::ModuleOptions) trait:
//!
//! - [`VideoPort`] — the video server connection and conference windows,
//!   stored under `videoport`, guarded by the rights of `video`;
//! - [`B24Connector`] — the Bitrix24 integration's connection state, with
//!   the pure transitions [`B24Connector::connect`] and
//!   [`B24Connector::disconnect`].
//!
//! # Examples
//!
//! ```
//! use module_settings::modules::{B24Connector, ConnectMode, Portal, VideoPort, Windows};
//! use module_settings::options::ModuleOptions;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let video = VideoPort::default();
//! assert!(!video.is_ready());
//! assert!(video.windows.contains(Windows::MAIN));
//!
//! let mut b24 = B24Connector::default();
//! let portal: Portal = "https://example.bitrix24.ru/".parse()?;
//! b24.connect(portal, ConnectMode::Existing, 1_700_000_000)?;
//! let stored = b24.encode();
//! assert_eq!(stored["portal_url"], "https://example.bitrix24.ru");
//! assert_eq!(B24Connector::decode(&stored)?, b24);
//! # Ok(()) }
//! ```

mod b24connector;
mod connection_error;
mod portal;
mod videoport;
mod window_flags;

pub use b24connector::{B24Connector, ConnectMode, Connection};
pub use connection_error::ConnectionError;
pub use portal::Portal;
pub use videoport::VideoPort;
pub use window_flags::{Windows, WINDOW_OPTIONS};

/// `Connection` and `ConnectMode` are `#[non_exhaustive]`: outside the
/// crate a `match` without a wildcard arm must not compile.
///
/// ```compile_fail,E0004
/// use module_settings::modules::ConnectMode;
/// fn stored(mode: ConnectMode) -> &'static str {
///     match mode {
///         ConnectMode::New => "new",
///         ConnectMode::Existing => "existing",
///     }
/// }
/// ```
///
/// ```compile_fail,E0004
/// use module_settings::modules::Connection;
/// fn connected(state: &Connection) -> bool {
///     match state {
///         Connection::NotConnected => false,
///         Connection::Connected { .. } => true,
///     }
/// }
/// ```
#[cfg(doctest)]
struct NonExhaustiveEnums;
