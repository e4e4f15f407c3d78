//! [`OptionChoice`]: an enum whose variants are the stored texts of a
//! choice option.

/// An enum stored as one of a fixed list of texts ([`OptionKind::Choice`](super::OptionKind::Choice)).
///
/// `#[derive(OptionChoice)]` (feature `derive`) implements it for an enum
/// of unit variants, each stored as its name in snake_case (`Push` →
/// `push`, `SelfCamera` → `self_camera`) unless `#[choice(value = "…")]`
/// says otherwise, and also makes the enum an
/// [`OptionField`](super::OptionField) (a required choice, whose natural
/// empty value is the first variant) and an
/// [`OptionalField`](super::OptionalField) (`Option<Enum>`: unset is
/// `""`).
///
/// # Contract
///
/// - [`CHOICES`](Self::CHOICES) holds each variant's stored text once, in
///   declaration order, so `CHOICES[variant as usize]` is the variant's
///   text: the derive refuses explicit discriminants, and a `default = …`
///   of a `#[derive(ModuleOptions)]` field is turned into stored text that
///   way, at compile time.
/// - `from_stored(to_stored(v)) == Some(v)`, and `from_stored` accepts
///   exactly the texts in `CHOICES`.
///
/// ```
/// use module_settings::modules::ConnectMode;
/// use module_settings::options::OptionChoice;
/// assert_eq!(ConnectMode::CHOICES, ["new", "existing"]);
/// assert_eq!(ConnectMode::Existing.to_stored(), "existing");
/// assert_eq!(ConnectMode::from_stored("new"), Some(ConnectMode::New));
/// assert_eq!(ConnectMode::from_stored("New"), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a choice enum",
    note = "derive OptionChoice for it, or give the default as its stored text in a string literal"
)]
pub trait OptionChoice: Sized + 'static {
    /// Every variant's stored text, in declaration order.
    const CHOICES: &'static [&'static str];

    /// The variant's stored text.
    fn to_stored(&self) -> &'static str;

    /// The variant stored as `text`, compared exactly; `None` for any other
    /// text.
    fn from_stored(text: &str) -> Option<Self>;
}
