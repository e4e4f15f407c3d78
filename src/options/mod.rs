//! Typed module options: schema, codec, validation and scope merging.
//!
//! This layer is pure — no I/O, no clocks, no globals — and knows nothing of
//! storage. It works on the raw records of one scope ([`RawOptions`], option
//! name → stored text, as in Bitrix's `b_option`) and produces writes as an
//! [`OptionsPatch`] for a store to commit in one batch.
//!
//! - A module's settings are a struct implementing [`ModuleOptions`]; its
//!   options are described by [`OptionSpec`]s, gathered in a
//!   [`ModuleSchema`] that admin pages and generic code use without knowing
//!   the type.
//! - Stored text goes through the [`codec`]: booleans `Y`/`N`, numbers with
//!   ranges, hosts, URLs, text, secrets. Every decoder is total.
//! - Decoding reports every bad field at once as [`ValidationErrors`];
//!   secrets are masked in every error.
//! - [`ScopeLayers`] merges defaults, common and site records and
//!   plans minimal saves.
//!
//! # Public types
//!
//! - [`ModuleOptions`] — the trait tying a struct to its module's options.
//! - [`ModuleSchema`] — a module's options and Access tab levels as data,
//!   with its [`ModuleRules`] across options.
//! - [`OptionSpec`] — one option: name, kind, default, labels, view/edit levels.
//! - [`OptionKind`] — what sort of value an option holds, with its limits.
//! - [`Decoder`] / [`Encoder`] — typed reads and writes of raw records.
//! - [`Value`] — a decoded value for generic code; [`ShownValue`] and
//!   [`ShownOption`] — the secret-free form for display.
//! - [`FieldProblem`] — why a value was refused; [`FieldError`] — one bad
//!   option; [`ValidationErrors`] — all of them.
//! - [`ScopeLayers`] — defaults, common and site records seen from one
//!   scope; [`Merged`] — effective records with their [`Source`].
//! - [`RawOptions`] / [`OptionsPatch`] — stored records of one scope, and a
//!   change to them: maps by option name whose `Debug` never shows a value.
//!
//! # Examples
//!
//! ```
//! use module_settings::modules::{VideoPort, Windows};
//! use module_settings::options::{plan_save, ModuleOptions, ModuleSchema, RawOptions, ScopeLayers};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let defaults = ModuleSchema::of::<VideoPort>().defaults();
//! let common = RawOptions::new(); // nothing stored yet
//!
//! let layers = ScopeLayers::common(&defaults, &common);
//! let mut video: VideoPort = layers.decode()?;
//! assert_eq!(video, VideoPort::default());
//!
//! video.server_host = Some(url::Host::parse("video.example.com")?);
//! video.windows.insert(Windows::CHAT);
//! let patch = plan_save(&layers, &video)?;
//! // Only what differs from the defaults is written.
//! assert_eq!(patch.len(), 2);
//! assert_eq!(patch["window_chat"].as_deref(), Some("Y"));
//! # Ok(()) }
//! ```

mod choice;
pub mod codec;
mod decoder;
mod encoder;
mod errors;
mod field;
mod kind;
mod problem;
mod raw;
mod schema;
mod scope_merge;
mod spec;
mod traits;
mod value;

pub use choice::OptionChoice;
pub use decoder::Decoder;
pub use encoder::Encoder;
pub use errors::{FieldError, ValidationErrors};
pub use field::{OptionField, OptionalField, DEFAULT_MAX_CHARS};
pub use kind::OptionKind;
pub use problem::FieldProblem;
pub use raw::{OptionsPatch, RawOptions};
pub use schema::{ModuleRules, ModuleSchema};
pub use scope_merge::{
    apply_patch, plan_save, plan_save_raw, reset_patch, Merged, ScopeLayers, Source,
};
pub use spec::OptionSpec;
pub use traits::ModuleOptions;
// The crate's own modules use the derives whether or not the feature makes
// them public.
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
#[doc = include_str!("derive.md")]
pub use module_settings_derive::ModuleOptions;
/// Implements [`OptionChoice`](trait@OptionChoice), [`OptionField`] and
/// [`OptionalField`] for an enum of unit variants without explicit
/// discriminants (feature `derive`): each variant is stored as its name in
/// snake_case (`SelfCamera` → `self_camera`), or as the text
/// `#[choice(value = "…")]` gives; texts are non-empty and distinct.
///
/// ```
/// use module_settings::options::OptionChoice;
///
/// #[derive(Debug, Clone, Copy, PartialEq, OptionChoice)]
/// enum Layout {
///     SideBySide,
///     #[choice(value = "grid-3x3")]
///     Grid,
/// }
/// assert_eq!(Layout::CHOICES, ["side_by_side", "grid-3x3"]);
/// assert_eq!(Layout::from_stored("grid-3x3"), Some(Layout::Grid));
/// ```
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use module_settings_derive::OptionChoice;
#[cfg(not(feature = "derive"))]
pub(crate) use module_settings_derive::{ModuleOptions, OptionChoice};
pub use value::{ShownOption, ShownValue, Value};

/// What the derives refuse at compile time beyond their own attribute
/// checks: a level missing from a `levels = PATH` constant, and a field
/// type without an [`OptionField`] implementation.
///
/// ```compile_fail
/// use module_settings::access::ModuleLevels;
/// use module_settings::ModuleOptions;
///
/// #[derive(ModuleOptions)]
/// #[module(id = "demo", title(ru = "Демо", en = "Demo"), levels = ModuleLevels::VIDEO)]
/// struct Demo {
///     #[option(label(ru = "Флаг", en = "Flag"), edit = M)]
///     flag: bool,
/// }
/// ```
///
/// ```compile_fail
/// use module_settings::ModuleOptions;
///
/// struct Colour;
///
/// #[derive(ModuleOptions)]
/// #[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
/// struct Demo {
///     #[option(label(ru = "Цвет", en = "Colour"))]
///     colour: Colour,
/// }
/// ```
///
/// The same modules compile with a level the constant lists and a type
/// that has a kind:
///
/// ```
/// use module_settings::access::ModuleLevels;
/// use module_settings::ModuleOptions;
///
/// #[derive(ModuleOptions)]
/// #[module(id = "demo", title(ru = "Демо", en = "Demo"), levels = ModuleLevels::VIDEO)]
/// struct Demo {
///     #[option(label(ru = "Флаг", en = "Flag"), edit = R)]
///     flag: bool,
///     #[option(label(ru = "Цвет", en = "Colour"))]
///     colour: String,
/// }
/// ```
#[cfg(all(doctest, feature = "derive"))]
struct DeriveCompileErrors;
