//! A field's option kind and stored default, from its type and attribute —
//! with the checks a compiler can make before anything runs: a default
//! inside its range and length, attributes that fit the type.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, Type};

use crate::field_type::{classify, Class, Known};
use crate::option_attr::{MaxChars, OptionAttr, Range};
use crate::value::DefaultValue;

/// The most characters of text or of a secret without `max_chars`
/// (the main crate's `DEFAULT_MAX_CHARS`).
const DEFAULT_MAX_CHARS: usize = 255;

/// What the spec of one option gets.
pub(crate) struct Plan {
    /// An `OptionKind` expression.
    pub(crate) kind: TokenStream,
    /// A `&'static str` expression: the stored default.
    pub(crate) default: TokenStream,
}

/// Why a type has no kind, and what has one.
fn no_kind(ty: &Type, why: &str) -> syn::Error {
    syn::Error::new(
        ty.span(),
        format!(
            "this field's type has no option kind: {why}; expected bool, an integer type, \
             String, Option of an integer, NonZero integer, url::Host, url::Url or Secret, \
             a #[derive(OptionChoice)] enum, a bitflags set with `flags = TABLE`, \
             or a type implementing OptionField"
        ),
    )
}

fn not_for(span: Span, key: &str, applies_to: &str) -> syn::Error {
    syn::Error::new(span, format!("`{key}` applies to {applies_to} only"))
}

/// `n` as an `i64` literal (or `i64::MIN`, which has no literal).
fn i64_tokens(n: i128) -> TokenStream {
    if n == i128::from(i64::MIN) {
        quote!(::core::primitive::i64::MIN)
    } else {
        let literal = Literal::i128_unsuffixed(n);
        quote!(#literal)
    }
}

fn text(value: &str, span: Span) -> TokenStream {
    let lit = LitStr::new(value, span);
    quote!(#lit)
}

/// Refuses every attribute that does not apply to `class`'s kind.
fn refuse_foreign_keys(attr: &OptionAttr, class: Known) -> syn::Result<()> {
    if let Some(range) = &attr.range {
        if !matches!(class, Known::Int { .. } | Known::NonZero { .. }) {
            return Err(not_for(range.span, "range", "integer fields"));
        }
    }
    if let Some(max) = &attr.max_chars {
        if !matches!(class, Known::String | Known::Secret) {
            return Err(not_for(max.span, "max_chars", "String and Secret fields"));
        }
    }
    for (key, span) in [
        ("https_url", attr.https_url),
        ("https_origin", attr.https_origin),
    ] {
        if let (Some(span), false) = (span, class == Known::Url) {
            return Err(not_for(span, key, "url::Url fields"));
        }
    }
    Ok(())
}

/// The range of an integer field: the attribute's, inside the type's.
fn range_of(attr: Option<Range>, min: i128, max: i128, ty: &Type) -> syn::Result<(i128, i128)> {
    let Some(range) = attr else {
        return Ok((min, max));
    };
    let (lo, hi) = (range.min.value, range.max.value);
    if lo > hi {
        return Err(syn::Error::new(
            range.span,
            format!("empty range {lo}..={hi}"),
        ));
    }
    if lo < min || hi > max {
        let ty = quote!(#ty).to_string();
        return Err(syn::Error::new(
            range.span,
            format!("range {lo}..={hi} does not fit `{ty}`, whose values are {min}..={max}"),
        ));
    }
    Ok((lo, hi))
}

/// The value of `min..=max` closest to zero: a required integer's default
/// when none is given.
fn closest_to_zero(min: i128, max: i128) -> i128 {
    0.clamp(min, max)
}

fn integer(
    attr: &OptionAttr,
    ty: &Type,
    (min, max): (i128, i128),
    optional: bool,
) -> syn::Result<Plan> {
    let (min, max) = range_of(attr.range, min, max, ty)?;
    let default = match &attr.default {
        Some(DefaultValue::Int(int)) => {
            if !(min..=max).contains(&int.value) {
                return Err(syn::Error::new(
                    int.span,
                    format!("default {} is outside the range {min}..={max}", int.value),
                ));
            }
            text(&int.value.to_string(), int.span)
        }
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "an integer's default is a number",
            ))
        }
        None if optional => text("", Span::call_site()),
        None => text(&closest_to_zero(min, max).to_string(), Span::call_site()),
    };
    let (min, max) = (i64_tokens(min), i64_tokens(max));
    Ok(Plan {
        kind: quote!(Integer { min: #min, max: #max, optional: #optional }),
        default,
    })
}

fn text_kind(attr: &OptionAttr, variant: &str) -> (TokenStream, usize) {
    let max = attr
        .max_chars
        .map_or(DEFAULT_MAX_CHARS, |MaxChars { value, .. }| value);
    let variant = syn::Ident::new(variant, Span::call_site());
    (quote!(#variant { max_chars: #max }), max)
}

/// A default given as its stored text, for types whose default the macro
/// cannot write itself (a host, a URL).
fn stored_text(attr: &OptionAttr, what: &str) -> syn::Result<TokenStream> {
    match &attr.default {
        Some(DefaultValue::Str(lit)) => Ok(quote!(#lit)),
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!("{what}'s default is its stored text, as a string literal"),
        )),
        None => Ok(text("", Span::call_site())),
    }
}

/// Builds the kind and default of a type the macro knows.
fn known(attr: &OptionAttr, ty: &Type, class: Known, optional: bool) -> syn::Result<Plan> {
    refuse_foreign_keys(attr, class)?;
    let required_only =
        |what: &str| no_kind(ty, &format!("{what} is never unset, so not an Option"));
    let optional_only = |what: &str| {
        syn::Error::new(
            ty.span(),
            format!("{what} may be unset: make the field an Option<…>"),
        )
    };
    match class {
        Known::Bool if optional => Err(required_only("a checkbox")),
        Known::Bool => {
            let default = match &attr.default {
                Some(DefaultValue::Bool(lit)) => text(if lit.value { "Y" } else { "N" }, lit.span),
                Some(other) => {
                    return Err(syn::Error::new(
                        other.span(),
                        "a bool's default is true or false",
                    ))
                }
                None => text("N", Span::call_site()),
            };
            Ok(Plan {
                kind: quote!(Bool),
                default,
            })
        }
        Known::Int { min, max } => integer(attr, ty, (min, max), optional),
        Known::NonZero { .. } if !optional => Err(syn::Error::new(
            ty.span(),
            "a NonZero integer has no empty value to fall back on when the stored one is \
             refused: make the field an Option<…>, or use an integer type with a `range`",
        )),
        Known::NonZero { max } => integer(attr, ty, (1, max), true),
        Known::String if optional => Err(required_only("text (empty is \"\")")),
        Known::String => {
            let (kind, max) = text_kind(attr, "Text");
            let default = match &attr.default {
                Some(DefaultValue::Str(lit)) => {
                    let chars = lit.value().chars().count();
                    if chars > max {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!(
                                "default of {chars} characters is longer than max_chars ({max})"
                            ),
                        ));
                    }
                    quote!(#lit)
                }
                Some(other) => {
                    return Err(syn::Error::new(
                        other.span(),
                        "a String's default is a string literal",
                    ))
                }
                None => text("", Span::call_site()),
            };
            Ok(Plan { kind, default })
        }
        Known::Secret if !optional => Err(optional_only("a secret")),
        Known::Secret => {
            if let Some(default) = &attr.default {
                return Err(syn::Error::new(
                    default.span(),
                    "a secret cannot have a default",
                ));
            }
            let (kind, _) = text_kind(attr, "Secret");
            Ok(Plan {
                kind,
                default: text("", Span::call_site()),
            })
        }
        Known::Host if !optional => Err(optional_only("a host")),
        Known::Host => Ok(Plan {
            kind: quote!(Host),
            default: stored_text(attr, "a host")?,
        }),
        Known::Url if !optional => Err(optional_only("a URL")),
        Known::Url => {
            let kind = match (attr.https_url, attr.https_origin) {
                (Some(_), Some(span)) => {
                    return Err(syn::Error::new(
                        span,
                        "`https_url` and `https_origin` exclude each other",
                    ))
                }
                (Some(_), None) => quote!(HttpsUrl),
                (None, Some(_)) => quote!(HttpsOrigin),
                (None, None) => quote!(Url),
            };
            Ok(Plan {
                kind,
                default: stored_text(attr, "a URL")?,
            })
        }
    }
}

/// A type the macro does not know: kind and natural default from its
/// `OptionField` implementation, a typed default from its `OptionChoice`
/// one.
fn other(attr: &OptionAttr, ty: &Type, inner: &Type, private: &TokenStream) -> syn::Result<Plan> {
    let applies = "integer, String, Secret or url::Url fields; this type's kind comes from its \
                   OptionField implementation";
    let keys = [
        ("range", attr.range.map(|r| r.span)),
        ("max_chars", attr.max_chars.map(|m| m.span)),
        ("https_url", attr.https_url),
        ("https_origin", attr.https_origin),
    ];
    if let Some((key, Some(span))) = keys.into_iter().find(|(_, span)| span.is_some()) {
        return Err(not_for(span, key, applies));
    }
    let span = ty.span();
    let default = match &attr.default {
        Some(DefaultValue::Str(lit)) => quote!(#lit),
        Some(DefaultValue::Path(path)) => quote_spanned! {span=>
            <#inner as #private::OptionChoice>::CHOICES[(#path) as usize]
        },
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "this type's default is a variant of its choice enum, \
                 or its stored text as a string literal",
            ))
        }
        None => quote_spanned!(span=> <#ty as #private::OptionField>::EMPTY),
    };
    Ok(Plan {
        kind: quote_spanned!(span=> <#ty as #private::OptionField>::KIND),
        default,
    })
}

/// The kind and default of a field of type `ty` (not a flags field).
pub(crate) fn plan(attr: &OptionAttr, ty: &Type, private: &TokenStream) -> syn::Result<Plan> {
    let kind = |plan: Plan| Plan {
        kind: {
            let kind = plan.kind;
            quote!(#private::OptionKind::#kind)
        },
        default: plan.default,
    };
    match classify(ty) {
        Class::Known(class) => known(attr, ty, class, false).map(kind),
        Class::Other => other(attr, ty, ty, private),
        Class::Unsupported(why) => Err(no_kind(ty, why)),
        Class::Optional(inner, class) => match *class {
            Class::Known(class) => known(attr, ty, class, true).map(kind),
            Class::Other => other(attr, ty, inner, private),
            Class::Unsupported(why) => Err(no_kind(inner, why)),
            Class::Optional(..) => Err(no_kind(ty, "an Option of an Option is not one option")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::closest_to_zero;

    #[test]
    fn a_required_integer_defaults_to_the_number_closest_to_zero() {
        assert_eq!(closest_to_zero(1, 300), 1);
        assert_eq!(closest_to_zero(-10, -5), -5);
        assert_eq!(closest_to_zero(-5, 5), 0);
        assert_eq!(closest_to_zero(0, 65535), 0);
    }
}
