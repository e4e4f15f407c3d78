//! Typed module settings and Bitrix-style access rights.
//!
//! A portal is made of *modules*; every module has a settings page with typed
//! options and an **Access** tab: a default access level plus a level per
//! user group. This crate is that system as a library, modelled on the
//! 1C-Bitrix module settings pages and on Bitrix's `GetUserRight`.
//!
//! # Contents
//!
//! - [Reading settings](#reading-settings)
//! - [Checking access](#checking-access)
//! - [Administering: the Access tab and the audit trail](#administering-the-access-tab-and-the-audit-trail)
//! - [Defining your own module](#defining-your-own-module)
//! - [Writing a backend](#writing-a-backend)
//! - [Identifiers](#identifiers)
//! - [Cargo features](#cargo-features)
//!
//! What the crate promises — identifiers, levels, resolution, options,
//! concurrency, security — is stated once, in [`semantics`].
//!
//! The layers, top to bottom: the [`settings`] facade (cache, actor checks,
//! events, audit) over the pure [`options`] and [`access`] layers, over a
//! [`Store`] ([`MemoryStore`], `FileStore`, `SqliteStore`, `MysqlStore`,
//! `PostgresStore`).
//!
//! # Reading settings
//!
//! An application holds one [`Settings`]. A module's options are a typed
//! struct implementing [`ModuleOptions`] ([`VideoPort`] and
//! [`B24Connector`] come built in); a read returns the decoded, validated
//! value of one scope — a site's values over the common ones over the
//! defaults — as a shared `Arc`, from a cache, without allocating.
//!
//! ```
//! use module_settings::settings::{Actor, Settings};
//! use module_settings::{GroupId, Scope, SiteId, VideoPort};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = Settings::in_memory();
//! let admin = Actor::new([GroupId::ADMINISTRATORS]);
//! let s1 = Scope::Site(SiteId::from_static("s1"));
//!
//! let mut form = settings.edit::<VideoPort>(Scope::Common)?;
//! form.value_mut().server_host = Some(url::Host::parse("video.example.com")?);
//! form.value_mut().server_port = std::num::NonZeroU16::new(8000);
//! settings.save(&admin, form)?;
//! let mut form = settings.edit::<VideoPort>(s1)?;
//! form.value_mut().server_port = std::num::NonZeroU16::new(9000);
//! settings.save(&admin, form)?;
//!
//! let common = settings.options::<VideoPort>(Scope::Common)?;
//! let site = settings.options::<VideoPort>(s1)?;
//! assert_eq!(site.server_host, common.server_host); // inherited
//! assert_eq!(site.server_url().unwrap().as_str(), "https://video.example.com:9000/");
//! # Ok(()) }
//! ```
//!
//! # Checking access
//!
//! [`AccessLevel`] orders Bitrix's letters D < M < R < W; [`ModuleLevels`]
//! says which a module accepts. [`ModuleRights`] is one module's Access tab;
//! compiled into [`CompiledRights`], it answers in time proportional to the
//! user's groups, without allocating, and [`CompiledRights::explain`] says
//! why. [`Settings::check`] does the same from the facade's cache, and
//! fails closed when rights cannot be loaded. See [`access`] for the rules.
//!
//! ```
//! use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
//! use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
//! # fn main() -> Result<(), module_settings::access::AccessError> {
//! let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
//! rights.set_default(Scope::Common, AccessLevel::R)?;
//! rights.grant(Scope::Common, GroupId::from_static(6), AccessLevel::D)?;
//! let rights = rights.compile(ResolveOptions::new());
//! // The default is not applied per group: one group with a grant decides.
//! let user = [GroupId::EVERYONE, GroupId::from_static(6)];
//! assert_eq!(rights.explain(&user, Scope::Common).to_string(), "D: grant of group 6 in the common scope");
//! # Ok(()) }
//! ```
//!
//! # Administering: the Access tab and the audit trail
//!
//! [`Settings::access_tab`] renders a module's Access tab (default row,
//! per-site defaults, one row per granted group, level labels);
//! [`Settings::apply_access_tab`] commits only the rows the admin changed,
//! so a concurrent edit of another group survives. Every committed write
//! sends one [`SettingsEvent`] and one [`AuditRecord`] per changed record,
//! in Bitrix's form `"{module}[/{site}]: ({old}) => ({new})"`.
//!
//! ```
//! use std::sync::Arc;
//! use module_settings::settings::{Actor, MemoryAuditSink, Settings};
//! use module_settings::{AccessLevel, GroupId, MemoryStore, ModuleId, Scope};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let audit = Arc::new(MemoryAuditSink::new());
//! let settings = Settings::builder(MemoryStore::new()).audit(audit.clone()).build()?;
//! let video = ModuleId::from_static("video");
//!
//! let mut tab = settings.access_tab(video)?;
//! tab.set_grant(Scope::Common, GroupId::from_static(5), AccessLevel::W)?;
//! settings.apply_access_tab(&Actor::new([GroupId::ADMINISTRATORS]), tab)?;
//!
//! let tab = settings.access_tab(video)?;
//! assert_eq!(tab.grant_rows().len(), 1);
//! assert_eq!(audit.texts(), ["video: group 5 () => (W)"]);
//! # Ok(()) }
//! ```
//!
//! # Defining your own module
//!
//! Declare it once with `#[derive(ModuleOptions)]` (feature `derive`): the
//! struct's fields are the options, their types give the kinds, and the
//! attributes give names, labels, defaults, limits and levels. The derive
//! writes the specs, `decode`, `encode` and `Default` — the same
//! validation, codec and schema metadata as the built-in modules, which
//! use it too — and
//! [`SettingsBuilder::register`](settings::SettingsBuilder::register) puts
//! the module in the facade. Its documentation describes every attribute;
//! `examples/crm.rs` and `examples/custom_module.rs` are complete programs.
//!
//! ```
//! # #[cfg(feature = "derive")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use module_settings::settings::{Actor, Settings};
//! use module_settings::{GroupId, MemoryStore, ModuleOptions, OptionChoice, Scope};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, OptionChoice)]
//! enum Layout { List, Grid }
//!
//! #[derive(Debug, Clone, PartialEq, ModuleOptions)]
//! #[module(id = "board", title(ru = "Доска", en = "Board"),
//!          levels(D(ru = "закрыт", en = "closed"), W(ru = "запись", en = "write")))]
//! struct Board {
//!     #[option(label(ru = "Сообщение дня", en = "Message of the day"), max_chars = 200)]
//!     motd: String,
//!     #[option(label(ru = "Вид", en = "Layout"), default = Layout::Grid)]
//!     layout: Layout,
//! }
//!
//! let settings = Settings::builder(MemoryStore::new()).register::<Board>().build()?;
//! let mut form = settings.edit::<Board>(Scope::Common)?;
//! form.value_mut().motd = "hello".into();
//! settings.save(&Actor::new([GroupId::ADMINISTRATORS]), form)?;
//! let board = settings.options::<Board>(Scope::Common)?;
//! assert_eq!((board.motd.as_str(), board.layout), ("hello", Layout::Grid));
//! # Ok(()) }
//! # #[cfg(not(feature = "derive"))]
//! # fn main() {}
//! ```
//!
//! By hand, implement [`ModuleOptions`] with an [`options::Decoder`] and
//! an [`options::Encoder`]; the trait's documentation has a complete
//! example.
//!
//! # Writing a backend
//!
//! Implement the four methods of [`Store`] following its `# Contract` — a
//! store only moves records and revisions; validation, merging and
//! resolution live above it, once. Then run the conformance suite (feature
//! `testing`) against it with one line,
//! `module_settings::store_conformance_tests!(...)`; see
//! [`store`](crate::store#writing-a-backend). A wrapper is a backend too:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use module_settings::store::Precondition;
//! use module_settings::store::{Change, Revision, Snapshot};
//! use module_settings::{MemoryStore, ModuleId, Store, StoreError};
//!
//! /// Counts loads, forwards everything.
//! #[derive(Debug, Default)]
//! struct CountingStore { inner: MemoryStore, loads: AtomicU64 }
//!
//! impl Store for CountingStore {
//!     fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
//!         self.loads.fetch_add(1, Ordering::Relaxed);
//!         self.inner.load(module)
//!     }
//!     fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
//!         self.inner.revision(module)
//!     }
//!     fn commit_guarded(
//!         &self,
//!         module: &ModuleId,
//!         expected: Revision,
//!         changes: &[Change],
//!         preconditions: &[Precondition],
//!     ) -> Result<Revision, StoreError> {
//!         self.inner.commit_guarded(module, expected, changes, preconditions)
//!     }
//!     fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
//!         self.inner.modules()
//!     }
//! }
//!
//! let settings = module_settings::settings::Settings::new(CountingStore::default());
//! settings.options::<module_settings::VideoPort>(module_settings::Scope::Common)?;
//! assert!(settings.store().loads.load(Ordering::Relaxed) >= 1);
//! # Ok::<(), module_settings::settings::SettingsError>(())
//! ```
//!
//! # Identifiers
//!
//! [`ModuleId`], [`SiteId`], [`GroupId`] and [`OptionName`] validate on
//! construction (and in serde), and a [`Scope`] is the common scope or one
//! site. A rejected value gives an [`IdError`] naming the value and the rule.
//! See [`ids`].
//!
//! # Cargo features
//!
//! | feature   | adds |
//! |-----------|------|
//! | `json`    | `FileStore` (serde_json) |
//! | `sqlite`  | `SqliteStore` (rusqlite, bundled SQLite) |
//! | `mysql`   | `MysqlStore` (the `mysql` client, pure Rust, no TLS) |
//! | `postgres` | `PostgresStore` (the sync `postgres` client, without TLS) |
//! | `testing` | `store::conformance`, not semver-stable |
//! | `derive`  | `#[derive(ModuleOptions)]` and `#[derive(OptionChoice)]` |
//!
//! [`ModuleLevels`]: access::ModuleLevels
//! [`ModuleRights`]: access::ModuleRights
//! [`CompiledRights`]: access::CompiledRights
//! [`CompiledRights::explain`]: access::CompiledRights::explain
//! [`SettingsEvent`]: settings::SettingsEvent
//! [`AuditRecord`]: settings::AuditRecord
//! [`IdError`]: ids::IdError
#![cfg_attr(docsrs, feature(doc_cfg))]

// The derives write `::module_settings::…`; this makes that path work in
// the crate's own modules too.
extern crate self as module_settings;

#[doc(hidden)]
pub mod __private;
pub mod access;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
pub mod groups;
pub mod ids;
mod label;
pub mod modules;
pub mod options;
pub mod secret;
pub mod semantics;
pub mod settings;
pub mod store;
mod sync;
mod text;

// Shortcuts at the root for the names a newcomer needs in the first hour;
// they live in their modules too. Nothing else is re-exported here: every
// other name has one path, in its module.
pub use access::AccessLevel;
pub use ids::{GroupId, ModuleId, OptionName, Scope, SiteId, UserId};
pub use label::Label;
pub use modules::{B24Connector, VideoPort};
pub use options::{ModuleOptions, OptionChoice};
pub use secret::Secret;
pub use settings::{Actor, Settings, SettingsError};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use store::FileStore;
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use store::MysqlStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::SqliteStore;
pub use store::{MemoryStore, Store, StoreError};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
