//! [`ModuleSchema`]: a module's settings page and Access tab as data,
//! usable without knowing the module's Rust type.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::errors::{FieldError, ValidationErrors};
use super::problem::FieldProblem;
use super::spec::OptionSpec;
use super::traits::ModuleOptions;
use super::value::{ShownOption, Value};
use super::{OptionsPatch, RawOptions};
use crate::access::{AccessLevel, ModuleLevels};
use crate::ids::{ModuleId, OptionName};
use crate::label::Label;
use crate::secret::MASK;

/// Everything an admin page needs to draw a module's settings and Access
/// tab: the module, the module whose rights guard it, a title, every
/// option's [`OptionSpec`], and the accepted access levels with labels —
/// plus the module's own rules across options, so that generic code can
/// check a scope's records as a whole ([`check_module`](Self::check_module)).
///
/// It is `Copy` and `'static`, so a facade can keep schemas of many modules
/// in one list and check or show raw records of any of them.
///
/// Serialized as `{"module", "guard", "title", "options", "access_levels"}`;
/// each option says, among the rest, whether only an operation of the
/// module writes it ([`OptionSpec::operation_only`]: an admin page shows
/// it read-only). It holds no values, so no secret can reach it.
///
/// Two schemas are equal when they describe the same module, options and
/// levels and either both or neither have rules of their own: rules are
/// functions, which cannot be compared reliably.
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::options::{ModuleSchema, RawOptions};
/// use module_settings::ModuleId;
///
/// let schema = ModuleSchema::of::<VideoPort>();
/// assert_eq!(schema.module(), ModuleId::from_static("videoport"));
/// assert_eq!(schema.guard(), ModuleId::from_static("video"));
/// assert_eq!(schema.options().len(), 10);
/// let shown = schema.show(&RawOptions::new())?;
/// assert_eq!(shown[0].name.as_str(), "ServerHost");
/// # Ok::<(), module_settings::options::ValidationErrors>(())
/// ```
#[derive(Clone, Copy, Serialize)]
pub struct ModuleSchema {
    module: ModuleId,
    guard: ModuleId,
    title: Label,
    options: &'static [OptionSpec],
    access_levels: ModuleLevels,
    #[serde(skip)]
    rules: Option<ModuleRules>,
    /// A typed module's `Default` value, encoded: what the defaults of the
    /// options must be ([`self_check`](Self::self_check)).
    #[serde(skip)]
    encoded_default: Option<fn() -> RawOptions>,
}

/// About how many characters of option names an unknown-option error
/// lists before it cuts the list.
const LISTED_CHARS: usize = 200;

/// How many characters of a `Default` value's encoding a
/// [`FieldProblem::DefaultDisagrees`] keeps, as a [`FieldError`] keeps of a
/// value.
const SHOWN_DEFAULT_CHARS: usize = 64;

/// A module's own check of a scope's effective records as a whole: the
/// rules across options that per-field kinds cannot express. For a typed
/// module it is its [`ModuleOptions::decode`].
pub type ModuleRules = fn(&RawOptions) -> Result<(), ValidationErrors>;

/// The rules of a typed module: its `decode`, every check it makes.
fn decodes<T: ModuleOptions>(raw: &RawOptions) -> Result<(), ValidationErrors> {
    T::decode(raw).map(drop)
}

/// A typed module's `Default` value as raw records.
fn encoded_default<T: ModuleOptions>() -> RawOptions {
    T::default().encode()
}

impl PartialEq for ModuleSchema {
    fn eq(&self, other: &Self) -> bool {
        self.module == other.module
            && self.guard == other.guard
            && self.title == other.title
            && self.options == other.options
            && self.access_levels == other.access_levels
            && self.rules.is_some() == other.rules.is_some()
    }
}

impl Eq for ModuleSchema {}

impl fmt::Debug for ModuleSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleSchema")
            .field("module", &self.module)
            .field("guard", &self.guard)
            .field("title", &self.title)
            .field("options", &self.options)
            .field("access_levels", &self.access_levels)
            .field("has_rules", &self.rules.is_some())
            .finish()
    }
}

impl ModuleSchema {
    /// A schema from its parts, for modules without a Rust type. It has no
    /// rules across options until [`with_rules`](Self::with_rules) adds
    /// some.
    pub const fn new(
        module: ModuleId,
        guard: ModuleId,
        title: Label,
        options: &'static [OptionSpec],
        access_levels: ModuleLevels,
    ) -> Self {
        ModuleSchema {
            module,
            guard,
            title,
            options,
            access_levels,
            rules: None,
            encoded_default: None,
        }
    }

    /// The schema of a typed module; its rules are `T::decode`, and its
    /// [`self_check`](Self::self_check) compares the options' defaults
    /// with what `T::default()` encodes.
    pub const fn of<T: ModuleOptions>() -> Self {
        let mut schema = ModuleSchema::new(T::MODULE, T::GUARD, T::TITLE, T::OPTIONS, T::LEVELS)
            .with_rules(decodes::<T>);
        schema.encoded_default = Some(encoded_default::<T>);
        schema
    }

    /// The schema with `rules` as the module's check across options,
    /// replacing any it had.
    pub const fn with_rules(mut self, rules: ModuleRules) -> Self {
        self.rules = Some(rules);
        self
    }

    /// The module the options are stored under.
    pub const fn module(&self) -> ModuleId {
        self.module
    }

    /// The module whose access rights guard these options.
    pub const fn guard(&self) -> ModuleId {
        self.guard
    }

    /// The settings page's title.
    pub const fn title(&self) -> Label {
        self.title
    }

    /// The options, in page order.
    pub const fn options(&self) -> &'static [OptionSpec] {
        self.options
    }

    /// The Access tab's levels with labels (of the guarding module).
    pub const fn levels(&self) -> ModuleLevels {
        self.access_levels
    }

    /// The option stored under `name`.
    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        let options: &'static [OptionSpec] = self.options;
        options.iter().find(|spec| spec.name() == name)
    }

    /// Every option's default as raw records: the bottom layer of scope
    /// merging.
    pub fn defaults(&self) -> RawOptions {
        self.options
            .iter()
            .map(|spec| (spec.name().clone(), spec.default_value().to_owned()))
            .collect()
    }

    /// Decodes every option of the schema from `raw` (a missing option takes
    /// its default), collecting every problem. Names the schema
    /// does not list are ignored: stores keep other records beside options.
    pub fn decode_all(
        &self,
        raw: &RawOptions,
    ) -> Result<Vec<(&'static OptionSpec, Value)>, ValidationErrors> {
        self.decode_where(raw, |_| true)
    }

    /// Like [`decode_all`](Self::decode_all), for the options `keep`
    /// selects only (in page order): the others are neither decoded nor
    /// reported — for a reader who may see some options only
    /// ([`OptionSpec::viewable_by`]).
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::options::{ModuleSchema, RawOptions};
    /// use module_settings::{AccessLevel, OptionName};
    ///
    /// let schema = ModuleSchema::of::<VideoPort>();
    /// let raw = RawOptions::from([(OptionName::from_static("SecretCode"), "x".repeat(300))]);
    /// assert!(schema.decode_all(&raw).is_err()); // too long a secret
    /// // A reader holding R does not see the secret, nor its problem.
    /// let shown = schema.decode_where(&raw, |spec| spec.viewable_by(AccessLevel::R))?;
    /// assert!(shown.iter().all(|(spec, _)| spec.name() != "SecretCode"));
    /// # Ok::<(), module_settings::options::ValidationErrors>(())
    /// ```
    pub fn decode_where(
        &self,
        raw: &RawOptions,
        keep: impl Fn(&OptionSpec) -> bool,
    ) -> Result<Vec<(&'static OptionSpec, Value)>, ValidationErrors> {
        let options: &'static [OptionSpec] = self.options;
        let mut errors = ValidationErrors::new();
        let mut values = Vec::with_capacity(options.len());
        for spec in options.iter().filter(|spec| keep(spec)) {
            let text = raw
                .get(spec.name())
                .map_or(spec.default_value(), String::as_str);
            match spec.kind().decode(text) {
                Ok(value) => values.push((spec, value)),
                Err(problem) => errors.push(self.error(spec, text, problem)),
            }
        }
        errors.into_result(values)
    }

    /// Checks `raw` against every option's kind, reporting every bad field.
    pub fn check(&self, raw: &RawOptions) -> Result<(), ValidationErrors> {
        self.decode_all(raw).map(|_| ())
    }

    /// Checks the **effective** records of one scope as a whole — what
    /// [`ScopeLayers::effective`](super::ScopeLayers::effective) gives, every
    /// option present: every option's kind, as [`check`](Self::check)
    /// does, and then the module's own rules across options (for a typed
    /// module, its `decode`: B24Connector's "portal, mode and time all set
    /// or all empty", say). Every problem is reported, one per option.
    ///
    /// Run it on the records as they would be *after* a change, never on a
    /// partial form: a missing option would be judged by its default.
    pub fn check_module(&self, effective: &RawOptions) -> Result<(), ValidationErrors> {
        let mut errors = match self.check(effective) {
            Ok(()) => ValidationErrors::new(),
            Err(errors) => errors,
        };
        if let Some(rules) = self.rules {
            if let Err(found) = rules(effective) {
                for error in found {
                    errors.push(error);
                }
            }
        }
        errors.into_result(())
    }

    /// Checks a submitted form: like [`check`](Self::check), and a name the
    /// schema does not list is an error too — one that names the option but
    /// never quotes its value, which may be a secret under a mistyped name.
    pub fn check_submitted(&self, submitted: &RawOptions) -> Result<(), ValidationErrors> {
        let mut errors = match self.check(submitted) {
            Ok(()) => ValidationErrors::new(),
            Err(errors) => errors,
        };
        if let Err(unknown) = self.check_names(submitted) {
            for error in unknown {
                errors.push(error);
            }
        }
        errors.into_result(())
    }

    /// The names of a submitted form alone: an error for each name the
    /// schema does not list, naming the option but never quoting its
    /// value; the values are not looked at.
    pub fn check_names(&self, submitted: &RawOptions) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for name in submitted.keys() {
            if self.option(name.as_str()).is_none() {
                errors.push(FieldError::unlisted(
                    self.module,
                    name.clone(),
                    FieldProblem::UnknownOption {
                        known: self.option_names(),
                    },
                ));
            }
        }
        errors.into_result(())
    }

    /// The option names for an error message: comma-separated in page
    /// order, cut after whole names once the list passes
    /// [`LISTED_CHARS`] characters.
    fn option_names(&self) -> String {
        let mut list = String::new();
        for (i, spec) in self.options.iter().enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            if list.chars().count() >= LISTED_CHARS {
                list.push('…');
                break;
            }
            list.push_str(&crate::text::shown(spec.name().as_str(), LISTED_CHARS));
        }
        list
    }

    /// The effective raw records decoded for display: every option in
    /// schema order, secrets only as set or not set.
    pub fn show(&self, raw: &RawOptions) -> Result<Vec<ShownOption>, ValidationErrors> {
        Ok(self
            .decode_all(raw)?
            .into_iter()
            .map(|(spec, value)| ShownOption {
                name: spec.name().clone(),
                value: value.shown(),
            })
            .collect())
    }

    /// A copy of raw records safe to log, put in an event or an audit
    /// record: every non-empty secret is replaced by the mask `******`.
    pub fn redacted(&self, raw: &RawOptions) -> RawOptions {
        raw.iter()
            .map(|(name, text)| (name.clone(), self.redact(name, text)))
            .collect()
    }

    /// Like [`redacted`](Self::redacted), for a patch: a secret being set
    /// shows as `Some("******")`, a deletion stays `None`.
    pub fn redacted_patch(&self, patch: &OptionsPatch) -> OptionsPatch {
        patch
            .iter()
            .map(|(name, change)| {
                let change = change.as_deref().map(|text| self.redact(name, text));
                (name.clone(), change)
            })
            .collect()
    }

    fn redact(&self, name: &OptionName, text: &str) -> String {
        let secret = self
            .option(name.as_str())
            .is_some_and(|spec| spec.kind().is_secret());
        if secret && !text.is_empty() {
            MASK.to_owned()
        } else {
            text.to_owned()
        }
    }

    /// Checks the schema itself, one error per bad option (see
    /// [`problems`](Self::problems) for every problem of every option).
    /// [`SettingsBuilder::build`](crate::settings::SettingsBuilder::build)
    /// runs it for every module registered; a module's tests may call it
    /// too.
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::options::{FieldProblem, ModuleSchema, OptionKind, OptionSpec};
    /// use module_settings::access::ModuleLevels;
    /// use module_settings::{AccessLevel, Label, ModuleId};
    ///
    /// assert_eq!(ModuleSchema::of::<VideoPort>().self_check(), Ok(()));
    ///
    /// const BROKEN: &[OptionSpec] = &[
    ///     OptionSpec::new("port", OptionKind::Integer { min: 1, max: 9, optional: false }, Label::new("Порт", "Port")),
    ///     OptionSpec::new("flag", OptionKind::Bool, Label::new("Флаг", "Flag")).with_edit(AccessLevel::M),
    /// ];
    /// let id = ModuleId::from_static("broken");
    /// let schema = ModuleSchema::new(id, id, Label::new("", ""), BROKEN, ModuleLevels::VIDEO);
    /// let errors = schema.self_check().unwrap_err();
    /// assert!(matches!(errors.field("port").unwrap().problem(), FieldProblem::NotInRange { .. }));
    /// assert!(matches!(errors.field("flag").unwrap().problem(), FieldProblem::LevelNotListed { .. }));
    /// ```
    pub fn self_check(&self) -> Result<(), ValidationErrors> {
        self.problems()
            .into_iter()
            .collect::<ValidationErrors>()
            .into_result(())
    }

    /// Every problem of the schema itself, several per option where it has
    /// several, in this order:
    ///
    /// 1. every default decodes by its kind, and the defaults together
    ///    pass the module's rules (a default that does not would make
    ///    every read fail although nothing is stored);
    /// 2. for a typed schema ([`of`](Self::of)), each default is the text
    ///    the type's `Default` value encodes
    ///    ([`FieldProblem::DefaultDisagrees`]: a checkbox without a
    ///    default reads `""` from the schema while `Default` writes `"N"`);
    /// 3. no name appears twice;
    /// 4. a view or edit level other than the defaults (view R — W for a
    ///    secret — and edit W) is one the guarding module lists
    ///    ([`FieldProblem::LevelNotListed`]); the defaults are accepted
    ///    whatever it lists (with only D and W, seeing then needs W).
    pub fn problems(&self) -> Vec<FieldError> {
        let defaults = self.defaults();
        let mut problems: Vec<FieldError> = match self.check_module(&defaults) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().collect(),
        };
        if let Some(encoded_default) = self.encoded_default {
            let encoded = encoded_default();
            for spec in self.options {
                let text = encoded.get(spec.name()).map_or("", String::as_str);
                if text != spec.default_value() {
                    let encoded = if spec.kind().is_secret() && !text.is_empty() {
                        MASK.to_owned()
                    } else {
                        crate::text::shown(text, SHOWN_DEFAULT_CHARS)
                    };
                    let problem = FieldProblem::DefaultDisagrees { encoded };
                    problems.push(self.error(spec, spec.default_value(), problem));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for spec in self.options {
            if !seen.insert(spec.name()) {
                problems.push(self.error(
                    spec,
                    spec.default_value(),
                    FieldProblem::DuplicateOption,
                ));
            }
        }
        for spec in self.options {
            let levels = [
                ("view", spec.view(), OptionSpec::default_view(spec.kind())),
                ("edit", spec.edit(), OptionSpec::DEFAULT_EDIT),
            ];
            for (which, level, default) in levels {
                if level != default && !self.access_levels.accepts(level) {
                    let problem = FieldProblem::LevelNotListed {
                        which,
                        level,
                        accepted: self.access_levels.accepted(),
                    };
                    problems.push(self.error(spec, "", problem).withheld());
                }
            }
        }
        problems
    }

    /// `errors` as a reader holding `held` on the guard may see them: the
    /// value of every option it may not view ([`OptionSpec::viewable_by`])
    /// is withheld, the problem kept. Errors about names the schema does
    /// not list are kept as they are (they hold no value).
    pub fn errors_for(&self, errors: ValidationErrors, held: AccessLevel) -> ValidationErrors {
        errors
            .into_iter()
            .map(|error| match self.option(error.option().as_str()) {
                Some(spec) if !spec.viewable_by(held) => error.withheld(),
                _ => error,
            })
            .collect()
    }

    /// An error about `text` of `spec` in this module, masked if the option
    /// is a secret (see [`FieldError::new`]).
    pub fn error(&self, spec: &OptionSpec, text: &str, problem: FieldProblem) -> FieldError {
        FieldError::new(self.module, spec, text, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ModuleLevels;
    use crate::options::{FieldProblem, OptionKind};

    const A: OptionSpec = OptionSpec::new("a", OptionKind::Bool, Label::new("а", "a"));
    const B: OptionSpec = OptionSpec::new("b", OptionKind::Bool, Label::new("б", "b"));
    const OPTIONS: &[OptionSpec] = &[A, B];

    /// "b needs a": a rule no kind can express.
    fn b_needs_a(raw: &RawOptions) -> Result<(), ValidationErrors> {
        let on = |name: &str| raw.get(name).is_some_and(|v| v == "Y");
        if on("b") && !on("a") {
            let problem = FieldProblem::Custom {
                expected: "N while a is N".into(),
            };
            return Err(FieldError::new(ModuleId::from_static("demo"), &B, "Y", problem).into());
        }
        Ok(())
    }

    fn schema() -> ModuleSchema {
        ModuleSchema::new(
            ModuleId::from_static("demo"),
            ModuleId::from_static("demo"),
            Label::new("Демо", "Demo"),
            OPTIONS,
            ModuleLevels::VIDEO,
        )
    }

    fn raw(pairs: &[(&'static str, &str)]) -> RawOptions {
        pairs
            .iter()
            .map(|(k, v)| (OptionName::from_static(k), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn check_module_runs_kinds_then_rules() {
        let plain = schema();
        let ruled = schema().with_rules(b_needs_a);
        let b_alone = raw(&[("a", "N"), ("b", "Y")]);
        assert_eq!(plain.check_module(&b_alone), Ok(()));
        let errors = ruled.check_module(&b_alone).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors.has("b"));
        assert_eq!(ruled.check_module(&raw(&[("a", "Y"), ("b", "Y")])), Ok(()));
        // A bad kind and a broken rule are reported together, once per option.
        let errors = ruled
            .check_module(&raw(&[("a", "yes"), ("b", "Y")]))
            .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(matches!(
            errors.field("a").unwrap().problem(),
            FieldProblem::NotABool
        ));
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let errors = schema().check_submitted(&raw(&[("c", "Y")])).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "demo option c: the module has no option of this name; expected one of: a, b"
        );
        // A long list is cut after whole names.
        const MANY: &[OptionSpec] = &[
            OptionSpec::new(
                "option_number_one_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_two_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_three_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_four_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_five_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_six_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_seven_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_eight_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_nine_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
            OptionSpec::new(
                "option_number_ten_of_many",
                OptionKind::Bool,
                Label::new("", ""),
            ),
        ];
        let id = ModuleId::from_static("many");
        let many = ModuleSchema::new(id, id, Label::new("", ""), MANY, ModuleLevels::VIDEO);
        let list = many.option_names();
        assert!(list.ends_with(", …"), "{list}");
        assert!(list.chars().count() < LISTED_CHARS + 40, "{list}");
        assert!(list.starts_with("option_number_one_of_many, option_number_two_of_many"));
        assert!(!list.contains("option_number_ten_of_many"));
    }

    #[test]
    fn errors_for_a_reader_withhold_what_it_may_not_see() {
        const SEEN: OptionSpec = OptionSpec::new("seen", OptionKind::Bool, Label::new("", ""));
        const UNSEEN: OptionSpec = OptionSpec::new("unseen", OptionKind::Bool, Label::new("", ""))
            .with_view(crate::AccessLevel::W);
        const BOTH: &[OptionSpec] = &[SEEN, UNSEEN];
        let id = ModuleId::from_static("demo");
        let schema = ModuleSchema::new(id, id, Label::new("", ""), BOTH, ModuleLevels::VIDEO);
        let errors = schema
            .check(&raw(&[("seen", "maybe"), ("unseen", "perhaps")]))
            .unwrap_err();
        let shown = schema.errors_for(errors.clone(), crate::AccessLevel::R);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown.field("seen").unwrap().value(), Some("maybe"));
        assert_eq!(shown.field("unseen").unwrap().value(), None);
        assert!(!shown.to_string().contains("perhaps"));
        assert_eq!(
            schema.errors_for(errors.clone(), crate::AccessLevel::W),
            errors
        );
    }

    #[test]
    fn equality_and_debug_see_whether_there_are_rules() {
        assert_eq!(schema(), schema());
        assert_ne!(schema(), schema().with_rules(b_needs_a));
        assert_eq!(
            schema().with_rules(b_needs_a),
            schema().with_rules(b_needs_a)
        );
        let text = format!("{:?}", schema().with_rules(b_needs_a));
        assert!(text.ends_with("has_rules: true }"), "{text}");
    }
}
