//! Access rights: levels, each module's Access tab, and the resolver that
//! answers "what may this user do here, and why".
//!
//! # Examples
//!
//! ```
//! use module_settings::{AccessLevel, ModuleLevels};
//! assert!(ModuleLevels::B24_CONNECTOR.accepts(AccessLevel::M));
//! ```

mod catalog;
mod error;
mod level;

pub use catalog::{LevelInfo, ModuleLevels};
pub use error::AccessError;
pub use level::{AccessLevel, AccessLevels};
