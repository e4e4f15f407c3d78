//! [`ModuleOptions`]: the trait that ties a Rust struct to a module's
//! stored options.

use super::errors::ValidationErrors;
use super::schema::ModuleSchema;
use super::spec::OptionSpec;
use super::RawOptions;
use crate::access::ModuleLevels;
use crate::ids::ModuleId;
use crate::label::Label;

/// A module's settings as a typed struct.
///
/// The crate's own modules ([`VideoPort`](crate::modules::VideoPort),
/// [`B24Connector`](crate::modules::B24Connector)) derive it, as a
/// downstream crate can with `#[derive(ModuleOptions)]` (feature `derive`,
/// which also documents the attributes). By hand: declare the constants,
/// then write `decode` with a [`Decoder`](super::Decoder) and `encode` with
/// an [`Encoder`](super::Encoder).
///
/// # Contract
///
/// - `decode` is total and reports **every** bad field, at most one
///   error per option; an option missing from `raw` takes its default, and
///   names not in [`OPTIONS`](Self::OPTIONS) are ignored.
/// - `encode` writes every option in `OPTIONS`, unset ones as `""`, so that
///   saving a value can override what a scope would inherit.
/// - `decode(&encode(v)) == Ok(v)` for every valid `v`, and
///   `encode(&Default::default())` equals
///   [`ModuleSchema::defaults`] of the module.
/// - `validate` finds every problem of a value built in code. The default
///   decodes the value's encoded form, so every check `decode` makes —
///   the kinds' limits and the module's own rules across fields — applies
///   to built values too.
///
/// # Examples
///
/// A downstream module in a few dozen lines:
///
/// ```
/// use module_settings::options::{Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors};
/// use module_settings::access::{LevelInfo, ModuleLevels};
/// use module_settings::{AccessLevel, Label, ModuleId};
///
/// const MOTD: OptionSpec = OptionSpec::new(
///     "motd",
///     OptionKind::Text { max_chars: 200 },
///     Label::new("Сообщение дня", "Message of the day"),
/// );
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Board { motd: String }
///
/// impl ModuleOptions for Board {
///     const MODULE: ModuleId = ModuleId::from_static("board");
///     const TITLE: Label = Label::new("Доска", "Board");
///     const LEVELS: ModuleLevels = ModuleLevels::new(&[
///         LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
///         LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
///     ]);
///     const OPTIONS: &'static [OptionSpec] = &[MOTD];
///
///     fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
///         let mut d = Decoder::new(Self::MODULE, raw);
///         let motd = d.text(&MOTD);
///         d.finish(Board { motd })
///     }
///
///     fn encode(&self) -> RawOptions {
///         let mut e = Encoder::new();
///         e.text(&MOTD, &self.motd);
///         e.finish()
///     }
/// }
///
/// let board = Board { motd: "hello".into() };
/// assert_eq!(Board::decode(&board.encode())?, board);
/// assert!(Board { motd: "x".repeat(201) }.validate().is_err());
/// # Ok::<(), ValidationErrors>(())
/// ```
pub trait ModuleOptions: Default + Send + Sync + Sized + 'static {
    /// The module the options are stored under.
    const MODULE: ModuleId;
    /// The module whose access rights guard the options; the same module
    /// unless overridden (`videoport` is guarded by `video`).
    const GUARD: ModuleId = Self::MODULE;
    /// The settings page's title.
    const TITLE: Label;
    /// The guarding module's Access tab: accepted levels with labels.
    const LEVELS: ModuleLevels;
    /// Every option, in page order.
    const OPTIONS: &'static [OptionSpec];

    /// Reads the struct from the effective raw records of one scope.
    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors>;

    /// Writes the struct as raw records, one per option.
    fn encode(&self) -> RawOptions;

    /// Every problem with the value, at once.
    fn validate(&self) -> Result<(), ValidationErrors> {
        Self::decode(&self.encode()).map(drop)
    }

    /// The module's schema; the same as [`ModuleSchema::of`].
    fn schema() -> ModuleSchema {
        ModuleSchema::of::<Self>()
    }
}
