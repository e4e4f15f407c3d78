//! Typed module settings and Bitrix-style access rights.
//!
//! A portal is made of *modules*; every module has a settings page with typed
//! options and an **Access** tab: a default access level plus a level per
//! user group. This crate is that system as a library, modelled on the
//! 1C-Bitrix module settings pages and on Bitrix's `GetUserRight`.
//!
//! # Contents
//!
//! - [Identifiers](#identifiers)
//! - [Checking access](#checking-access)
//! - [Reading settings](#reading-settings)
//! - [Defining your own module](#defining-your-own-module)
//! - [Storing settings and rights](#storing-settings-and-rights)
//! - [Writing a backend](#writing-a-backend)
//! - [Cargo features](#cargo-features)
//!
//! # Identifiers
//!
//! [`ModuleId`], [`SiteId`], [`GroupId`] and [`OptionName`] validate on
//! construction (and in serde), and a [`Scope`] is the common scope or one
//! site. A rejected value gives an [`IdError`] naming the value and the rule.
//! See [`ids`].
//!
//! # Checking access
//!
//! [`AccessLevel`] orders Bitrix's letters D < M < R < W; [`ModuleLevels`]
//! says which a module accepts. [`ModuleRights`] is one module's Access tab;
//! compiled into [`CompiledRights`], it answers in time proportional to the
//! user's groups, without allocating, and [`CompiledRights::explain`] says
//! why. See [`access`] for the rules.
//!
//! ```
//! use module_settings::{AccessLevel, GroupId, ModuleId, ModuleLevels, ModuleRights, ResolveOptions, Scope};
//! # fn main() -> Result<(), module_settings::AccessError> {
//! let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
//! rights.set_default(Scope::Common, AccessLevel::R)?;
//! rights.grant(Scope::Common, GroupId::from_const(6), AccessLevel::D)?;
//! let rights = rights.compile(ResolveOptions::new());
//! // The default is not applied per group: one group with a grant decides.
//! let user = [GroupId::EVERYONE, GroupId::from_const(6)];
//! assert_eq!(rights.explain(&user, Scope::Common).to_string(), "D: grant of group 6 in the common scope");
//! # Ok(()) }
//! ```
//!
//! # Reading settings
//!
//! A module's options are a typed struct implementing
//! [`ModuleOptions`]: [`VideoPort`] and [`B24Connector`] come built in.
//! [`options::ScopeLayers`] merges a site's values over the common ones over
//! the defaults, and says where each value came from. Stored text travels as
//! [`RawOptions`], a map by option name whose `Debug` shows names only, since
//! it holds secrets in plain text.
//!
//! ```
//! use module_settings::options::{ModuleOptions, RawOptions, ScopeLayers, Source};
//! use module_settings::{OptionName, VideoPort};
//! # fn main() -> Result<(), module_settings::ValidationErrors> {
//! let port = OptionName::from_static("ServerPort");
//! let defaults = VideoPort::schema().defaults();
//! let common = RawOptions::from([(port.clone(), "8000".to_owned())]);
//! let site = RawOptions::from([(port, "9000".to_owned())]);
//!
//! let layers = ScopeLayers::site(&defaults, &common, &site);
//! let video: VideoPort = layers.decode()?;
//! assert_eq!(video.server_port.map(|p| p.get()), Some(9000));
//! assert_eq!(layers.effective().source("ServerPort"), Some(Source::Site));
//! # Ok(()) }
//! ```
//!
//! # Defining your own module
//!
//! Implement [`ModuleOptions`] with a [`options::Decoder`] and an
//! [`options::Encoder`]: a few dozen lines give the same validation, codec
//! and schema metadata as the built-in modules. The trait's documentation
//! has a complete example, and `examples/custom_module.rs` another.
//!
//! # Storing settings and rights
//!
//! The [`Store`] trait moves a module's records ([`ModuleRecords`]) and its
//! [`Revision`]; every commit names the revision it was based on, and a stale
//! one is a [`StoreError::Conflict`]. [`MemoryStore`] is the embedded
//! default; `FileStore` (feature `json`) and `SqliteStore` (feature `sqlite`,
//! on Bitrix's own tables) persist. See [`store`].
//!
//! # Writing a backend
//!
//! Implement the four methods of [`Store`] following its `# Contract`, then
//! run the conformance suite (feature `testing`) against it with one line:
//! `module_settings::store_conformance_tests!(...)`. See
//! [`store`](crate::store#writing-a-backend).
//!
//! # Cargo features
//!
//! | feature   | adds |
//! |-----------|------|
//! | `json`    | `FileStore` (serde_json) |
//! | `sqlite`  | `SqliteStore` (rusqlite, bundled SQLite) |
//! | `testing` | `store::conformance`, not semver-stable |
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod ids;
mod label;
pub mod modules;
pub mod options;
pub mod secret;
pub mod settings;
pub mod store;
mod text;

pub use access::{AccessError, AccessLevel, AccessLevels, LevelInfo, ModuleLevels};
pub use access::{
    CompiledRights, Decision, DecisionResultExt, Grant, ModuleRights, Reason, ResolveOptions,
    ScopeQuery,
};
pub use ids::{GroupId, IdError, ModuleId, OptionName, Scope, SiteId};
pub use label::Label;
pub use modules::{B24Connector, VideoPort};
pub use options::{ModuleOptions, ModuleSchema, OptionSpec, RawOptions, ValidationErrors};
pub use secret::Secret;
pub use settings::{
    AccessTab, Actor, AuditRecord, AuditSink, MemoryAuditSink, OptionsForm, RecordDiff, Settings,
    SettingsError, SettingsEvent,
};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use store::FileStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::SqliteStore;
pub use store::{Change, MemoryStore, ModuleRecords, Revision, Snapshot, Store, StoreError};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
