//! What the macro can tell from a field's type as written: the types it
//! knows by name, `Option<…>` around them, and everything else.

use syn::{GenericArgument, PathArguments, Type};

/// A type the macro knows by the last segment of its path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Bool,
    /// An integer type with its range (`u64`'s is cut to `i64::MAX`: an
    /// option stores 64-bit signed numbers).
    Int {
        min: i128,
        max: i128,
    },
    /// `NonZeroU16` and the like: an integer from 1.
    NonZero {
        max: i128,
    },
    String,
    Secret,
    Host,
    Url,
}

/// A field's type as far as the macro can tell.
pub(crate) enum Class<'a> {
    /// A type the macro knows.
    Known(Known),
    /// Any other path: its `OptionField` implementation decides.
    Other,
    /// A type that cannot hold an option, with why.
    Unsupported(&'static str),
    /// `Option<T>`, with `T`.
    Optional(&'a Type, Box<Class<'a>>),
}

/// The largest number an option stores.
const I64_MAX: i128 = i64::MAX as i128;

fn int_range(name: &str) -> Option<(i128, i128)> {
    Some(match name {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, I64_MAX),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), I64_MAX),
        _ => return None,
    })
}

fn non_zero_max(name: &str) -> Option<i128> {
    Some(match name {
        "NonZeroU8" => u8::MAX.into(),
        "NonZeroU16" => u16::MAX.into(),
        "NonZeroU32" => u32::MAX.into(),
        "NonZeroU64" | "NonZeroUsize" => I64_MAX,
        _ => return None,
    })
}

/// The one type argument of a path segment, as in `Option<T>`.
fn single_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(ty)] => Some(ty),
        _ => None,
    }
}

/// Classifies `ty` by the last segment of its path: the types are known
/// by name, whatever path leads to them (`url::Host`, `Host`).
pub(crate) fn classify(ty: &Type) -> Class<'_> {
    let ty = match ty {
        Type::Group(group) => &*group.elem,
        Type::Paren(paren) => &*paren.elem,
        ty => ty,
    };
    let Type::Path(path) = ty else {
        return Class::Unsupported(match ty {
            Type::Reference(_) => "a reference cannot be read from a stored option",
            Type::Tuple(_) => "a tuple is not one option",
            Type::Array(_) | Type::Slice(_) => "a list is not one option",
            _ => "this type is not one option",
        });
    };
    let Some(last) = path.path.segments.last() else {
        return Class::Other;
    };
    let name = last.ident.to_string();
    if name == "Option" {
        return match single_argument(&last.arguments) {
            Some(inner) => Class::Optional(inner, Box::new(classify(inner))),
            None => Class::Other,
        };
    }
    if name == "NonZero" {
        let inner = single_argument(&last.arguments).map(classify);
        return match inner {
            Some(Class::Known(Known::Int { min: 0, max })) => Class::Known(Known::NonZero { max }),
            _ => Class::Unsupported("only unsigned NonZero integers are options"),
        };
    }
    if let Some((min, max)) = int_range(&name) {
        return Class::Known(Known::Int { min, max });
    }
    if let Some(max) = non_zero_max(&name) {
        return Class::Known(Known::NonZero { max });
    }
    Class::Known(match name.as_str() {
        "bool" => Known::Bool,
        "String" => Known::String,
        "Secret" => Known::Secret,
        "Host" => Known::Host,
        "Url" => Known::Url,
        "u128" | "i128" => {
            return Class::Unsupported("an option stores numbers of at most 64 bits")
        }
        "f32" | "f64" => {
            return Class::Unsupported("an option stores whole numbers, not floating point")
        }
        "char" | "str" => return Class::Unsupported("use String for text"),
        "NonZeroI8" | "NonZeroI16" | "NonZeroI32" | "NonZeroI64" | "NonZeroIsize" => {
            return Class::Unsupported("only unsigned NonZero integers are options")
        }
        "Vec" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
            return Class::Unsupported("a collection is not one option")
        }
        _ => return Class::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(ty: Type) -> Option<Known> {
        match classify(&ty) {
            Class::Known(known) => Some(known),
            _ => None,
        }
    }

    #[test]
    fn types_are_known_by_their_last_segment() {
        assert!(known(syn::parse_quote!(bool)) == Some(Known::Bool));
        assert!(known(syn::parse_quote!(url::Host)) == Some(Known::Host));
        assert!(known(syn::parse_quote!(::std::string::String)) == Some(Known::String));
        assert!(
            known(syn::parse_quote!(u64))
                == Some(Known::Int {
                    min: 0,
                    max: I64_MAX
                })
        );
        assert!(
            known(syn::parse_quote!(i8))
                == Some(Known::Int {
                    min: -128,
                    max: 127
                })
        );
        assert!(known(syn::parse_quote!(NonZeroU16)) == Some(Known::NonZero { max: 65535 }));
        assert!(
            known(syn::parse_quote!(std::num::NonZero<u8>)) == Some(Known::NonZero { max: 255 })
        );
        assert!(matches!(
            classify(&syn::parse_quote!(SyncMode)),
            Class::Other
        ));
        assert!(matches!(
            classify(&syn::parse_quote!(f64)),
            Class::Unsupported(_)
        ));
        assert!(matches!(
            classify(&syn::parse_quote!((u8, u8))),
            Class::Unsupported(_)
        ));
        assert!(matches!(
            classify(&syn::parse_quote!(NonZero<i32>)),
            Class::Unsupported(_)
        ));
        let optional = syn::parse_quote!(Option<Secret>);
        let Class::Optional(_, inner) = classify(&optional) else {
            panic!("an Option");
        };
        assert!(matches!(*inner, Class::Known(Known::Secret)));
    }
}
