//! [`OptionSpec`]: everything known about one option before any value is
//! read — name, kind, default, labels, who may see and change it, and
//! whether only an operation of its module may write it.

use serde::Serialize;

use super::kind::OptionKind;
use crate::access::AccessLevel;
use crate::ids::OptionName;
use crate::label::Label;

/// One option of a module's settings page, built in `const` context.
///
/// Defaults: no help text, the default value `""` (unset, or `false` for a
/// checkbox), viewing needs [`AccessLevel::R`] and editing
/// [`AccessLevel::W`], and any write with W may change it. A secret is
/// never shown, so viewing whether it is set needs W too, and it cannot
/// have a default.
///
/// # Field levels
///
/// The levels are held on the module that guards the options (its
/// [`ModuleSchema::guard`](super::ModuleSchema::guard)) and are independent
/// of each other:
///
/// - an actor who holds less than the **view** level does not see the
///   option at all: reads for that actor leave it out, rather than show a
///   default in its place ([`viewable_by`](Self::viewable_by));
/// - a write that sets or resets the option needs the **edit** level
///   ([`editable_by`](Self::editable_by)), whatever the actor holds on the
///   module as a whole — so a module can let M holders switch a flag with
///   `.with_view(AccessLevel::M).with_edit(AccessLevel::M)`. An edit level
///   below the view level makes a write-only field: a secret an operator
///   may replace but not see is one.
///
/// A level other than these defaults must be one the guarding module lists
/// ([`ModuleSchema::self_check`](super::ModuleSchema::self_check)).
///
/// Serialized for admin pages as `{"name", "kind", "default", "label",
/// "help", "view", "edit", "operation_only"}`; the default is the stored
/// (encoded) text. An admin page shows an `operation_only` field read-only.
///
/// ```
/// use module_settings::options::{OptionKind, OptionSpec};
/// use module_settings::{AccessLevel, Label};
///
/// const MAX_LEN: OptionSpec = OptionSpec::new(
///     "max_message_len",
///     OptionKind::Integer { min: 1, max: 10_000, optional: false },
///     Label::new("Длина сообщения", "Message length"),
/// )
/// .with_default("500")
/// .with_help(Label::new("Не больше 10000 символов", "At most 10000 characters"));
///
/// assert_eq!(MAX_LEN.name().as_str(), "max_message_len");
/// assert_eq!(MAX_LEN.default_value(), "500");
/// assert_eq!(MAX_LEN.edit(), AccessLevel::W);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionSpec {
    name: OptionName,
    kind: OptionKind,
    default: &'static str,
    label: Label,
    help: Option<Label>,
    view: AccessLevel,
    edit: AccessLevel,
    operation_only: bool,
}

impl OptionSpec {
    /// An option with a stored name, a kind and a label.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid option name: 1–100 characters without
    /// control characters, not `GROUP_DEFAULT_RIGHT` (in a `const` item that
    /// is a compile error).
    pub const fn new(name: &'static str, kind: OptionKind, label: Label) -> Self {
        OptionSpec {
            name: OptionName::from_static(name),
            kind,
            default: "",
            label,
            help: None,
            view: Self::default_view(kind),
            edit: Self::DEFAULT_EDIT,
            operation_only: false,
        }
    }

    /// The edit level of an option that does not set one.
    pub(crate) const DEFAULT_EDIT: AccessLevel = AccessLevel::W;

    /// The view level of an option of `kind` that does not set one: a
    /// secret's is W, any other's R.
    pub(crate) const fn default_view(kind: OptionKind) -> AccessLevel {
        if kind.is_secret() {
            AccessLevel::W
        } else {
            AccessLevel::R
        }
    }

    /// The stored text used when no scope has a value.
    ///
    /// # Panics
    ///
    /// On a secret: secrets have no default (in a `const` item that is a
    /// compile error). [`ModuleSchema::self_check`](super::ModuleSchema::self_check)
    /// checks that the default decodes.
    pub const fn with_default(mut self, default: &'static str) -> Self {
        if self.kind.is_secret() {
            panic!("a secret option cannot have a default");
        }
        self.default = default;
        self
    }

    /// Help text shown under the field.
    pub const fn with_help(mut self, help: Label) -> Self {
        self.help = Some(help);
        self
    }

    /// The level needed to see the value.
    pub const fn with_view(mut self, level: AccessLevel) -> Self {
        self.view = level;
        self
    }

    /// The level needed to change the value.
    pub const fn with_edit(mut self, level: AccessLevel) -> Self {
        self.edit = level;
        self
    }

    /// Only an operation of the module may write this option: a state its
    /// module changes by its own rules (a connection made, a job run) rather
    /// than a value typed into a form. A settings form, a raw save, setting
    /// it or resetting it to the inherited value is refused; only
    /// [`Settings::operate`](crate::settings::Settings::operate) writes it
    /// — still with W on the guarding module, through the same checks,
    /// conflict handling, events and audit as any other write.
    pub const fn operation_only(mut self) -> Self {
        self.operation_only = true;
        self
    }

    /// A copy made in `const` context, where `Clone` cannot run (see
    /// `OptionName::static_copy`).
    pub(crate) const fn static_copy(&self) -> OptionSpec {
        OptionSpec {
            name: self.name.static_copy(),
            kind: self.kind,
            default: self.default,
            label: self.label,
            help: self.help,
            view: self.view,
            edit: self.edit,
            operation_only: self.operation_only,
        }
    }

    /// The stored name.
    pub const fn name(&self) -> &OptionName {
        &self.name
    }

    /// The kind and its limits.
    pub const fn kind(&self) -> OptionKind {
        self.kind
    }

    /// The default as stored text (`""` when unset).
    pub const fn default_value(&self) -> &'static str {
        self.default
    }

    /// The field's label.
    pub const fn label(&self) -> Label {
        self.label
    }

    /// The field's help text, if any.
    pub const fn help(&self) -> Option<Label> {
        self.help
    }

    /// The level needed to see the value.
    pub const fn view(&self) -> AccessLevel {
        self.view
    }

    /// The level needed to change the value.
    pub const fn edit(&self) -> AccessLevel {
        self.edit
    }

    /// Whether only an operation of the module may write the option (see
    /// [`operation_only`](Self::operation_only)).
    pub const fn is_operation_only(&self) -> bool {
        self.operation_only
    }

    /// Whether an actor holding `held` on the guarding module may see the
    /// option: `held` is at least the [view](Self::view) level.
    ///
    /// ```
    /// use module_settings::options::{OptionKind, OptionSpec};
    /// use module_settings::{AccessLevel, Label};
    ///
    /// const TOKEN: OptionSpec =
    ///     OptionSpec::new("token", OptionKind::Secret { max_chars: 64 }, Label::new("Токен", "Token"));
    /// const SYNC: OptionSpec = OptionSpec::new("sync", OptionKind::Bool, Label::new("Синхр.", "Sync"))
    ///     .with_default("N")
    ///     .with_view(AccessLevel::M)
    ///     .with_edit(AccessLevel::M);
    ///
    /// assert!(!TOKEN.viewable_by(AccessLevel::R)); // a secret needs W
    /// assert!(SYNC.viewable_by(AccessLevel::M) && SYNC.editable_by(AccessLevel::M));
    /// assert!(!SYNC.editable_by(AccessLevel::D));
    /// ```
    pub fn viewable_by(&self, held: AccessLevel) -> bool {
        held >= self.view
    }

    /// Whether an actor holding `held` on the guarding module may set or
    /// reset the option: `held` is at least the [edit](Self::edit) level.
    /// (An [operation-only](Self::operation_only) option is still written
    /// by operations alone.)
    pub fn editable_by(&self, held: AccessLevel) -> bool {
        held >= self.edit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: OptionSpec = OptionSpec::new(
        "SecretCode",
        OptionKind::Secret { max_chars: 255 },
        Label::new("Секретное слово", "Secret word"),
    );

    #[test]
    fn secrets_need_w_to_view() {
        assert_eq!(SECRET.view(), AccessLevel::W);
        assert_eq!(SECRET.edit(), AccessLevel::W);
        assert_eq!(SECRET.default_value(), "");
    }

    #[test]
    #[should_panic(expected = "cannot have a default")]
    fn secrets_have_no_default() {
        let _ = SECRET.with_default("x");
    }

    #[test]
    fn serializes_for_admin_pages() {
        let spec = OptionSpec::new("window_chat", OptionKind::Bool, Label::new("чат", "chat"))
            .with_default("N");
        let json = serde_json::to_value(&spec).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "window_chat",
                "kind": {"type": "bool"},
                "default": "N",
                "label": {"ru": "чат", "en": "chat"},
                "help": null,
                "view": "R",
                "edit": "W",
                "operation_only": false,
            })
        );
        let json = serde_json::to_value(spec.operation_only()).unwrap();
        assert_eq!(json["operation_only"], true);
    }
}
