//! [`Decoder`]: pulls typed fields out of raw records while collecting every
//! problem, so a module's `decode` reads like a list of fields.

use url::{Host, Url};

use super::errors::ValidationErrors;
use super::kind::OptionKind;
use super::problem::FieldProblem;
use super::spec::OptionSpec;
use super::value::Value;
use super::RawOptions;
use crate::ids::ModuleId;
use crate::secret::Secret;

/// Reads typed fields from the raw records of one module, collecting every
/// problem instead of stopping at the first.
///
/// Each read returns a usable value even when the text is bad (the kind's
/// empty value), so decoding goes on; [`finish`](Self::finish) then returns
/// either the struct or all the errors, at most one per option, in the order
/// read. An option missing from the records takes its spec's default.
///
/// Reading an option as another kind than its spec declares is a bug in
/// the module; it is reported as [`FieldProblem::KindMismatch`], not a panic.
///
/// ```
/// use module_settings::options::{Decoder, OptionKind, OptionSpec, RawOptions};
/// use module_settings::{Label, ModuleId, OptionName};
///
/// const PORT: OptionSpec = OptionSpec::new(
///     "port",
///     OptionKind::Integer { min: 1, max: 65535, optional: true },
///     Label::new("Порт", "Port"),
/// );
/// const TLS: OptionSpec = OptionSpec::new("tls", OptionKind::Bool, Label::new("TLS", "TLS"));
///
/// let mut raw = RawOptions::new();
/// raw.insert(OptionName::from_static("port"), "0".into());
/// raw.insert(OptionName::from_static("tls"), "maybe".into());
/// let mut d = Decoder::new(ModuleId::from_static("demo"), &raw);
/// let port: Option<u16> = d.optional_integer(&PORT);
/// let tls = d.bool(&TLS);
/// let errors = d.finish((port, tls)).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
pub struct Decoder<'a> {
    module: ModuleId,
    raw: &'a RawOptions,
    errors: ValidationErrors,
}

/// Shows the module and the errors so far, never the records: they may
/// hold a secret.
impl std::fmt::Debug for Decoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("module", &self.module)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

impl<'a> Decoder<'a> {
    /// A decoder over the raw records of `module`.
    pub fn new(module: ModuleId, raw: &'a RawOptions) -> Self {
        Decoder {
            module,
            raw,
            errors: ValidationErrors::new(),
        }
    }

    /// The stored text of an option, or its default.
    pub fn text_of(&self, spec: &OptionSpec) -> &'a str {
        let raw: &'a RawOptions = self.raw;
        raw.get(spec.name())
            .map_or(spec.default_value(), String::as_str)
    }

    /// Records a problem with an option, such as a rule across fields. An
    /// option that already has an error keeps its first one.
    pub fn reject(&mut self, spec: &OptionSpec, problem: FieldProblem) {
        let text = self.text_of(spec);
        self.errors.push(super::errors::FieldError::new(
            self.module,
            spec,
            text,
            problem,
        ));
    }

    /// Whether an option has an error so far.
    pub fn has_error(&self, spec: &OptionSpec) -> bool {
        self.errors.has(spec.name().as_str())
    }

    fn read(&mut self, spec: &OptionSpec) -> Option<Value> {
        match spec.kind().decode(self.text_of(spec)) {
            Ok(value) => Some(value),
            Err(problem) => {
                self.reject(spec, problem);
                None
            }
        }
    }

    fn mismatch(&mut self, spec: &OptionSpec, read_as: &'static str) {
        self.reject(
            spec,
            FieldProblem::KindMismatch {
                declared: spec.kind().name(),
                read_as,
            },
        );
    }

    /// A checkbox ([`OptionKind::Bool`]); `false` on error.
    pub fn bool(&mut self, spec: &OptionSpec) -> bool {
        match self.read(spec) {
            Some(Value::Bool(b)) => b,
            Some(_) => {
                self.mismatch(spec, "bool");
                false
            }
            None => false,
        }
    }

    /// An optional whole number ([`OptionKind::Integer`]) converted to `N`;
    /// `None` when unset or on error. A number that does not fit `N` is an
    /// error naming the kind's range.
    pub fn optional_integer<N: TryFrom<i64>>(&mut self, spec: &OptionSpec) -> Option<N> {
        match self.read(spec) {
            Some(Value::Integer(Some(n))) => match N::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    if let OptionKind::Integer { min, max, optional } = spec.kind() {
                        self.reject(spec, FieldProblem::NotInRange { min, max, optional });
                    }
                    None
                }
            },
            Some(Value::Integer(None)) | None => None,
            Some(_) => {
                self.mismatch(spec, "integer");
                None
            }
        }
    }

    /// A required whole number converted to `N`; `N::default()` on error.
    /// An empty value is refused even if the kind allows it.
    pub fn integer<N: TryFrom<i64> + Default>(&mut self, spec: &OptionSpec) -> N {
        let value = self.optional_integer(spec);
        if value.is_none() && !self.has_error(spec) {
            self.reject(spec, FieldProblem::Required);
        }
        value.unwrap_or_default()
    }

    /// A host ([`OptionKind::Host`]); `None` when unset or on error.
    pub fn host(&mut self, spec: &OptionSpec) -> Option<Host> {
        match self.read(spec) {
            Some(Value::Host(host)) => host,
            Some(_) => {
                self.mismatch(spec, "host");
                None
            }
            None => None,
        }
    }

    /// A URL ([`OptionKind::Url`], [`OptionKind::HttpsOrigin`] or
    /// [`OptionKind::HttpsUrl`]); `None` when unset or on error.
    pub fn url(&mut self, spec: &OptionSpec) -> Option<Url> {
        match self.read(spec) {
            Some(Value::Url(url)) => url,
            Some(_) => {
                self.mismatch(spec, "url");
                None
            }
            None => None,
        }
    }

    /// Text ([`OptionKind::Text`]); empty on error.
    pub fn text(&mut self, spec: &OptionSpec) -> String {
        match self.read(spec) {
            Some(Value::Text(text)) => text,
            Some(_) => {
                self.mismatch(spec, "text");
                String::new()
            }
            None => String::new(),
        }
    }

    /// A secret ([`OptionKind::Secret`]); `None` when unset or on error.
    pub fn secret(&mut self, spec: &OptionSpec) -> Option<Secret> {
        match self.read(spec) {
            Some(Value::Secret(secret)) => secret,
            Some(_) => {
                self.mismatch(spec, "secret");
                None
            }
            None => None,
        }
    }

    /// One of a fixed list ([`OptionKind::Choice`]); `None` when unset or on
    /// error.
    pub fn choice(&mut self, spec: &OptionSpec) -> Option<&'static str> {
        match self.read(spec) {
            Some(Value::Choice(choice)) => choice,
            Some(_) => {
                self.mismatch(spec, "choice");
                None
            }
            None => None,
        }
    }

    /// A `bitflags` set stored as one checkbox per flag: the flags whose
    /// option reads as `Y`.
    pub fn flags<F: bitflags::Flags + Copy>(&mut self, table: &[(F, OptionSpec)]) -> F {
        let mut flags = F::empty();
        for (flag, spec) in table {
            if self.bool(spec) {
                flags.insert(*flag);
            }
        }
        flags
    }

    /// The decoded struct, or every problem found.
    pub fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        self.errors.into_result(value)
    }
}
