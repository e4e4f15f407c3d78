//! [`OptionField`] and [`OptionalField`]: how a Rust type is read from one
//! option's stored text and written back — what `#[derive(ModuleOptions)]`
//! calls for every field.

use std::num::{NonZeroU16, NonZeroU32, NonZeroU64, NonZeroU8, NonZeroUsize};

use url::{Host, Url};

use super::decoder::Decoder;
use super::encoder::Encoder;
use super::kind::OptionKind;
use super::spec::OptionSpec;
use crate::secret::Secret;

/// The most characters of text or of a secret when a field's attribute
/// sets no `max_chars`.
pub const DEFAULT_MAX_CHARS: usize = 255;

/// A type one option is read into and written from: the type of a field of
/// a `#[derive(ModuleOptions)]` struct.
///
/// | type | kind | natural empty value |
/// |---|---|---|
/// | `bool` | [`OptionKind::Bool`] | `false` (`N`) |
/// | `u8` … `u64`, `usize`, `i8` … `i64`, `isize` | [`OptionKind::Integer`] over the type's range (at most `i64`'s) | `0` |
/// | `String` | [`OptionKind::Text`] of at most [`DEFAULT_MAX_CHARS`] | `""` |
/// | `Option<T>` for every [`OptionalField`] `T` | `T`'s, unset allowed | `None` (`""`) |
/// | a `#[derive(OptionChoice)]` enum | [`OptionKind::Choice`] | its first variant |
///
/// The derive builds each option's kind from the field's type and
/// attributes (a `range`, a `max_chars`) and reads and writes the field
/// through this trait; [`KIND`](Self::KIND) and [`EMPTY`](Self::EMPTY) are
/// what it uses for a type it does not know by name.
///
/// # Contract
///
/// - `read` uses the kind of `spec`, not [`KIND`](Self::KIND): the spec's
///   limits decide. It records a refused value in the decoder (at most one
///   error per option) and returns the natural empty value, so decoding
///   goes on.
/// - `write` then `read` gives back every value the spec's kind accepts.
///
/// ```
/// use module_settings::options::{Decoder, Encoder, OptionField, OptionKind, OptionSpec};
/// use module_settings::{Label, ModuleId};
///
/// const PORT: OptionSpec = OptionSpec::new("port", <u16 as OptionField>::KIND, Label::new("Порт", "Port"));
/// let mut e = Encoder::new();
/// 8000u16.write(&mut e, &PORT);
/// let raw = e.finish();
/// let mut d = Decoder::new(ModuleId::from_static("demo"), &raw);
/// assert_eq!(<u16 as OptionField>::read(&mut d, &PORT), 8000);
/// assert_eq!(<u16 as OptionField>::KIND, OptionKind::Integer { min: 0, max: 65535, optional: false });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no option kind",
    label = "not an option field",
    note = "a field is a bool, an integer, a String, an Option of an OptionalField \
            (an integer, a NonZero integer, url::Host, url::Url, Secret), \
            a #[derive(OptionChoice)] enum, or a type implementing OptionField"
)]
pub trait OptionField: Sized {
    /// The kind of an option holding this type when the field's attribute
    /// gives no limits of its own.
    const KIND: OptionKind;
    /// The stored text of the natural empty value: the option's default
    /// when the field's attribute gives none.
    const EMPTY: &'static str;

    /// Reads the field from the option `spec` describes; a missing option
    /// reads its spec's default. A refused value is recorded in `d` and
    /// gives the natural empty value.
    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Self;

    /// Writes the field as the option `spec` describes.
    fn write(&self, e: &mut Encoder, spec: &OptionSpec);
}

/// A type an option may also leave unset (stored `""`): `Option<T>` of it
/// is an [`OptionField`].
///
/// Implemented for the integer types (unset is not `0`), the non-zero
/// unsigned integers, [`url::Host`] ([`OptionKind::Host`]), [`url::Url`]
/// ([`OptionKind::Url`]), [`Secret`] ([`OptionKind::Secret`] of at most
/// [`DEFAULT_MAX_CHARS`]), [`Portal`](crate::modules::Portal)
/// ([`OptionKind::HttpsOrigin`]) and every `#[derive(OptionChoice)]` enum.
/// Implement it for a type of your own to make `Option<YourType>` a field.
///
/// # Contract
///
/// `read` gives `None` for an unset option and for a refused one (recorded
/// in the decoder); `write(None)` writes `""`, and `write` then `read`
/// gives back every value the spec's kind accepts.
///
/// ```
/// use module_settings::options::{Decoder, Encoder, OptionKind, OptionSpec, OptionalField};
/// use module_settings::{Label, ModuleId};
///
/// /// A colour stored as `#rrggbb`.
/// #[derive(Debug, PartialEq)]
/// struct Colour(String);
///
/// impl OptionalField for Colour {
///     const KIND: OptionKind = OptionKind::Text { max_chars: 7 };
///     fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
///         Some(d.text(spec)).filter(|t| !t.is_empty()).map(Colour)
///     }
///     fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
///         e.text(spec, value.map_or("", |c| c.0.as_str()));
///     }
/// }
///
/// const ACCENT: OptionSpec = OptionSpec::new("accent", Colour::KIND, Label::new("Цвет", "Colour"));
/// let mut e = Encoder::new();
/// Colour::write(Some(&Colour("#ff8800".into())), &mut e, &ACCENT);
/// let raw = e.finish();
/// let mut d = Decoder::new(ModuleId::from_static("demo"), &raw);
/// assert_eq!(Colour::read(&mut d, &ACCENT), Some(Colour("#ff8800".into())));
/// ```
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` has no option kind",
    label = "not an OptionalField",
    note = "an Option holds an integer, a NonZero integer, url::Host, url::Url, Secret, \
            a #[derive(OptionChoice)] enum, or a type implementing OptionalField"
)]
pub trait OptionalField: Sized {
    /// The kind of an option holding `Option<Self>`; unset is allowed.
    const KIND: OptionKind;

    /// Reads the value; `None` when unset, or refused (recorded in `d`).
    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self>;

    /// Writes the value; `None` as `""`.
    fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec);
}

impl<T: OptionalField> OptionField for Option<T> {
    const KIND: OptionKind = T::KIND;
    const EMPTY: &'static str = "";

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Self {
        T::read(d, spec)
    }

    fn write(&self, e: &mut Encoder, spec: &OptionSpec) {
        T::write(self.as_ref(), e, spec);
    }
}

impl OptionField for bool {
    const KIND: OptionKind = OptionKind::Bool;
    const EMPTY: &'static str = super::codec::NO;

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Self {
        d.bool(spec)
    }

    fn write(&self, e: &mut Encoder, spec: &OptionSpec) {
        e.bool(spec, *self);
    }
}

impl OptionField for String {
    const KIND: OptionKind = OptionKind::Text {
        max_chars: DEFAULT_MAX_CHARS,
    };
    const EMPTY: &'static str = "";

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Self {
        d.text(spec)
    }

    fn write(&self, e: &mut Encoder, spec: &OptionSpec) {
        e.text(spec, self);
    }
}

/// `n` as an `i64`, or `i64::MAX` when it does not fit: the largest number
/// an option stores.
const fn clamp_to_i64(n: u128) -> i64 {
    if n > i64::MAX as u128 {
        i64::MAX
    } else {
        n as i64
    }
}

macro_rules! integer_fields {
    ($($int:ty),*) => {$(
        impl OptionField for $int {
            const KIND: OptionKind = OptionKind::Integer {
                min: <$int>::MIN as i64,
                max: clamp_to_i64(<$int>::MAX as u128),
                optional: false,
            };
            const EMPTY: &'static str = "0";

            fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Self {
                d.integer(spec)
            }

            fn write(&self, e: &mut Encoder, spec: &OptionSpec) {
                e.integer(spec, self);
            }
        }

        impl OptionalField for $int {
            const KIND: OptionKind = OptionKind::Integer {
                min: <$int>::MIN as i64,
                max: clamp_to_i64(<$int>::MAX as u128),
                optional: true,
            };

            fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
                d.optional_integer(spec)
            }

            fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
                e.optional_integer(spec, value);
            }
        }
    )*};
}

integer_fields!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

macro_rules! non_zero_fields {
    ($($non_zero:ty => $int:ty),*) => {$(
        /// A whole number from 1; `0` is refused by the kind's range, which
        /// starts at 1.
        impl OptionalField for $non_zero {
            const KIND: OptionKind = OptionKind::Integer {
                min: 1,
                max: clamp_to_i64(<$int>::MAX as u128),
                optional: true,
            };

            fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
                // A range that starts at 1 never lets 0 through to `new`.
                d.optional_integer::<$int>(spec).and_then(<$non_zero>::new)
            }

            fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
                e.optional_integer(spec, value);
            }
        }
    )*};
}

non_zero_fields!(
    NonZeroU8 => u8,
    NonZeroU16 => u16,
    NonZeroU32 => u32,
    NonZeroU64 => u64,
    NonZeroUsize => usize
);

impl OptionalField for Host {
    const KIND: OptionKind = OptionKind::Host;

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
        d.host(spec)
    }

    fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
        e.host(spec, value);
    }
}

/// Any absolute URL by default; the derive's `https_url` and
/// `https_origin` attributes narrow the kind.
impl OptionalField for Url {
    const KIND: OptionKind = OptionKind::Url;

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
        d.url(spec)
    }

    fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
        e.url(spec, value);
    }
}

impl OptionalField for Secret {
    const KIND: OptionKind = OptionKind::Secret {
        max_chars: DEFAULT_MAX_CHARS,
    };

    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
        d.secret(spec)
    }

    fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
        e.secret(spec, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ModuleId;
    use crate::label::Label;
    use crate::options::RawOptions;

    fn spec(kind: OptionKind) -> OptionSpec {
        OptionSpec::new("x", kind, Label::new("x", "x"))
    }

    /// Writes `value` and reads it back with the type's own kind.
    #[track_caller]
    fn round_trip<T: OptionField + PartialEq + std::fmt::Debug>(value: T) {
        let spec = spec(T::KIND);
        let mut e = Encoder::new();
        value.write(&mut e, &spec);
        let raw = e.finish();
        let mut d = Decoder::new(ModuleId::from_static("m"), &raw);
        assert_eq!(T::read(&mut d, &spec), value);
        d.finish(()).unwrap();
    }

    #[test]
    fn every_type_reads_back_what_it_wrote() {
        round_trip(true);
        round_trip(false);
        round_trip(u8::MAX);
        round_trip(i8::MIN);
        round_trip(u64::try_from(i64::MAX).unwrap());
        round_trip(i64::MIN);
        round_trip(usize::MIN);
        round_trip(String::from("текст"));
        round_trip(Some(-5i32));
        round_trip(None::<u16>);
        round_trip(NonZeroU16::new(443));
        round_trip(NonZeroU64::new(u64::try_from(i64::MAX).unwrap()));
        round_trip(Some(Host::parse("video.example.com").unwrap()));
        round_trip(Some(Url::parse("ftp://files.example.com/a").unwrap()));
        round_trip(None::<Url>);
    }

    #[test]
    fn kinds_follow_the_types_range() {
        assert_eq!(
            <u64 as OptionField>::KIND,
            OptionKind::Integer {
                min: 0,
                max: i64::MAX,
                optional: false
            }
        );
        assert_eq!(
            <Option<i8> as OptionField>::KIND,
            OptionKind::Integer {
                min: -128,
                max: 127,
                optional: true
            }
        );
        assert_eq!(
            <Option<NonZeroU16> as OptionField>::KIND,
            OptionKind::Integer {
                min: 1,
                max: 65535,
                optional: true
            }
        );
        assert_eq!(<Option<Secret> as OptionField>::EMPTY, "");
        assert_eq!(<bool as OptionField>::EMPTY, "N");
    }

    #[test]
    fn a_refused_value_reads_as_empty_and_is_recorded() {
        let port = spec(<u16 as OptionField>::KIND);
        let mut raw = RawOptions::new();
        raw.insert(port.name().clone(), "70000".into());
        let mut d = Decoder::new(ModuleId::from_static("m"), &raw);
        assert_eq!(<u16 as OptionField>::read(&mut d, &port), 0);
        assert!(d.has_error(&port));
        let secret = spec(<Secret as OptionalField>::KIND);
        raw.insert(secret.name().clone(), "k".repeat(256));
        let mut d = Decoder::new(ModuleId::from_static("m"), &raw);
        assert!(<Option<Secret> as OptionField>::read(&mut d, &secret).is_none());
        assert_eq!(d.finish(()).unwrap_err().len(), 1);
    }

    #[test]
    fn secrets_are_written_for_storage_and_never_shown() {
        let spec = spec(<Secret as OptionalField>::KIND);
        let mut e = Encoder::new();
        Some(Secret::new("hunter2")).write(&mut e, &spec);
        assert!(!format!("{e:?}").contains("hunter2"));
        assert_eq!(e.finish()["x"], "hunter2");
    }
}
