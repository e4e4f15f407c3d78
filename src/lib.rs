//! Typed module settings and Bitrix-style access rights.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod ids;
mod label;
pub mod modules;
pub mod options;
pub mod secret;
pub mod settings;
pub mod store;

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
