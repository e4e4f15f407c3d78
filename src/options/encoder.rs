//! [`Encoder`]: writes typed fields as raw records, the inverse of
//! [`Decoder`](super::Decoder).

use std::fmt::Display;

use url::{Host, Url};

use super::codec;
use super::kind::OptionKind;
use super::spec::OptionSpec;
use super::RawOptions;
use crate::secret::Secret;

/// Builds the raw records of one module, one per option; unset values are
/// written as `""` so they can override an inherited value.
///
/// Encoding never fails: a value that breaks its spec's limits is written
/// as it is and caught by [`ModuleOptions::validate`](super::ModuleOptions::validate).
///
/// ```
/// use module_settings::options::{Encoder, OptionKind, OptionSpec};
/// use module_settings::Label;
///
/// const TLS: OptionSpec = OptionSpec::new("tls", OptionKind::Bool, Label::new("TLS", "TLS"));
/// let mut e = Encoder::new();
/// e.bool(&TLS, true);
/// assert_eq!(e.finish().get("tls").map(String::as_str), Some("Y"));
/// ```
#[derive(Default)]
pub struct Encoder {
    raw: RawOptions,
}

/// Shows the option names written so far, never the values: one may be a
/// secret.
impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("options", &self.raw.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Encoder {
    /// An empty set of records.
    pub fn new() -> Self {
        Encoder::default()
    }

    fn put(&mut self, spec: &OptionSpec, text: String) {
        self.raw.insert(spec.name().clone(), text);
    }

    /// A checkbox: `Y` or `N`.
    pub fn bool(&mut self, spec: &OptionSpec, value: bool) {
        self.put(spec, codec::encode_bool(value).to_owned());
    }

    /// A whole number in decimal.
    pub fn integer(&mut self, spec: &OptionSpec, value: impl Display) {
        self.put(spec, value.to_string());
    }

    /// A whole number in decimal, or `""` when unset.
    pub fn optional_integer(&mut self, spec: &OptionSpec, value: Option<impl Display>) {
        self.put(spec, value.map(|n| n.to_string()).unwrap_or_default());
    }

    /// A host (IPv6 in brackets), or `""`.
    pub fn host(&mut self, spec: &OptionSpec, value: Option<&Host>) {
        self.put(spec, value.map(codec::encode_host).unwrap_or_default());
    }

    /// A URL, or `""`; for an [`OptionKind::HttpsOrigin`] spec the origin
    /// without a trailing slash, for any other kind the whole URL.
    pub fn url(&mut self, spec: &OptionSpec, value: Option<&Url>) {
        let text = match (value, spec.kind()) {
            (None, _) => String::new(),
            (Some(url), OptionKind::HttpsOrigin) => codec::encode_https_origin(url),
            (Some(url), _) => codec::encode_url(url),
        };
        self.put(spec, text);
    }

    /// Text as it is.
    pub fn text(&mut self, spec: &OptionSpec, value: &str) {
        self.put(spec, value.to_owned());
    }

    /// A secret's plain value, or `""`: the stored form has to hold it.
    pub fn secret(&mut self, spec: &OptionSpec, value: Option<&Secret>) {
        self.put(
            spec,
            value.map(|s| s.expose().to_owned()).unwrap_or_default(),
        );
    }

    /// One of a fixed list, or `""`.
    pub fn choice(&mut self, spec: &OptionSpec, value: Option<&str>) {
        self.put(spec, value.unwrap_or_default().to_owned());
    }

    /// A `bitflags` set as one checkbox per flag.
    pub fn flags<F: bitflags::Flags + Copy>(&mut self, table: &[(F, OptionSpec)], value: F) {
        for (flag, spec) in table {
            self.bool(spec, value.contains(*flag));
        }
    }

    /// The records.
    pub fn finish(self) -> RawOptions {
        self.raw
    }
}
