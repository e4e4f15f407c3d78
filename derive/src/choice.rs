//! Writes `#[derive(OptionChoice)]`: an enum of unit variants as a choice
//! option's stored texts.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Variant};

use crate::crate_path;
use crate::errors::Errors;
use crate::value::path_text;

/// `SelfCamera` → `self_camera`: an underscore before every upper-case
/// letter but the first, then lower case (serde's `snake_case`).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// A variant's stored text: `#[choice(value = "…")]` or its name in
/// snake_case.
fn stored_text(variant: &Variant) -> syn::Result<LitStr> {
    let mut value = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("choice")) {
        attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("value") {
                return Err(meta.error(format!(
                    "unknown choice attribute `{}`; expected `value`",
                    path_text(&meta.path)
                )));
            }
            if value.is_some() {
                return Err(meta.error("`value` is given twice"));
            }
            value = Some(meta.value()?.parse::<LitStr>()?);
            Ok(())
        })?;
    }
    let value = value.unwrap_or_else(|| {
        LitStr::new(
            &snake_case(&variant.ident.to_string()),
            variant.ident.span(),
        )
    });
    if value.value().is_empty() {
        return Err(syn::Error::new(
            value.span(),
            "a choice is never stored as \"\", which means unset",
        ));
    }
    Ok(value)
}

/// Checks one variant: a unit variant without an explicit discriminant.
fn check_variant(variant: &Variant) -> syn::Result<()> {
    if !matches!(variant.fields, Fields::Unit) {
        return Err(syn::Error::new(
            variant.fields.span(),
            "a choice variant holds no data: it is stored as one text",
        ));
    }
    if let Some((_, discriminant)) = &variant.discriminant {
        return Err(syn::Error::new(
            discriminant.span(),
            "a choice variant has no explicit discriminant: its position indexes the choices",
        ));
    }
    Ok(())
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "OptionChoice is derived for an enum of unit variants",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a choice enum cannot be generic",
        ));
    }
    let Some(first) = data.variants.first() else {
        return Err(syn::Error::new(
            input.ident.span(),
            "a choice enum has at least one variant",
        ));
    };
    let mut errors = Errors::default();
    let mut variants: Vec<(&Ident, LitStr)> = Vec::new();
    for variant in &data.variants {
        if errors.ok(check_variant(variant)).is_none() {
            continue;
        }
        let Some(text) = errors.ok(stored_text(variant)) else {
            continue;
        };
        if let Some((other, _)) = variants.iter().find(|(_, t)| t.value() == text.value()) {
            errors.push(syn::Error::new(
                text.span(),
                format!(
                    "`{}` is stored by `{other}` already; expected each text once",
                    text.value()
                ),
            ));
            continue;
        }
        variants.push((&variant.ident, text));
    }
    errors.finish(())?;
    Ok(write(&input.ident, &first.ident, &variants))
}

fn write(ty: &Ident, first: &Ident, variants: &[(&Ident, LitStr)]) -> TokenStream {
    let private = crate_path::private();
    let texts = variants.iter().map(|(_, text)| text);
    let to_stored = variants
        .iter()
        .map(|(ident, text)| quote!(Self::#ident => #text));
    let from_stored = variants
        .iter()
        .map(|(ident, text)| quote!(#text => ::core::option::Option::Some(Self::#ident)));
    quote! {
        #[automatically_derived]
        impl #private::OptionChoice for #ty {
            const CHOICES: &'static [&'static str] = &[#(#texts),*];

            fn to_stored(&self) -> &'static str {
                match self {
                    #(#to_stored,)*
                }
            }

            fn from_stored(text: &str) -> ::core::option::Option<Self> {
                match text {
                    #(#from_stored,)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        #[automatically_derived]
        impl #private::OptionField for #ty {
            const KIND: #private::OptionKind = #private::choice_kind::<Self>(false);
            const EMPTY: &'static str = <Self as #private::OptionChoice>::CHOICES[0];

            fn read(d: &mut #private::Decoder<'_>, spec: &#private::OptionSpec) -> Self {
                #private::read_required_choice(d, spec, Self::#first)
            }

            fn write(&self, e: &mut #private::Encoder, spec: &#private::OptionSpec) {
                #private::write_choice(e, spec, ::core::option::Option::Some(self));
            }
        }

        #[automatically_derived]
        impl #private::OptionalField for #ty {
            const KIND: #private::OptionKind = #private::choice_kind::<Self>(true);

            fn read(
                d: &mut #private::Decoder<'_>,
                spec: &#private::OptionSpec,
            ) -> ::core::option::Option<Self> {
                #private::read_choice(d, spec)
            }

            fn write(
                value: ::core::option::Option<&Self>,
                e: &mut #private::Encoder,
                spec: &#private::OptionSpec,
            ) {
                #private::write_choice(e, spec, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn variant_names_become_snake_case_as_serde_writes_them() {
        for (name, stored) in [
            ("New", "new"),
            ("Existing", "existing"),
            ("SelfCamera", "self_camera"),
            ("TwoWay2", "two_way2"),
            ("HTTPMode", "h_t_t_p_mode"),
        ] {
            assert_eq!(snake_case(name), stored);
        }
    }
}
