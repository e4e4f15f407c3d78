//! Writes `#[derive(ModuleOptions)]`: one `OptionSpec` constant per option,
//! the `ModuleOptions` implementation and `Default`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DataStruct, DeriveInput, Field, Fields, Ident, LitStr, Path, Type};

use crate::crate_path;
use crate::errors::Errors;
use crate::kind;
use crate::module_attr::ModuleAttr;
use crate::option_attr::OptionAttr;
use crate::value::{option_name_problem, without_self};

/// Where a field's options come from.
enum Source {
    /// One option, described by a constant on the struct.
    Spec { constant: Ident },
    /// One checkbox per flag of a `&[(Flag, OptionSpec)]` table.
    Flags(Path),
}

/// One field and its options.
struct FieldPlan<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    source: Source,
}

/// Everything generated for the fields, in declaration order.
#[derive(Default)]
struct Generated {
    constants: Vec<TokenStream>,
    checks: Vec<TokenStream>,
}

/// Names already taken by a field, with the field, for duplicate errors.
type Seen = Vec<(String, Ident)>;

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Struct(DataStruct {
        fields: Fields::Named(named),
        ..
    }) = &input.data
    else {
        return Err(syn::Error::new(
            input.ident.span(),
            "ModuleOptions is derived for a struct with named fields",
        ));
    };
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a module's options struct cannot be generic",
        ));
    }
    if named.named.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "a module has at least one option",
        ));
    }
    let private = crate_path::private();
    let mut errors = Errors::default();
    let module = ModuleAttr::parse(input);
    if let Err(error) = &module {
        errors.push(error.clone());
    }
    let mut seen = Seen::new();
    let mut generated = Generated::default();
    let mut fields = Vec::new();
    for field in &named.named {
        let Some(attr) = errors.ok(OptionAttr::parse(field)) else {
            continue;
        };
        let plan = plan_field(
            field,
            attr,
            input,
            module.as_ref().ok(),
            &private,
            &mut seen,
            &mut generated,
        );
        if let Some(plan) = errors.ok(plan) {
            fields.push(plan);
        }
    }
    match module {
        Ok(module) => errors
            .finish(())
            .map(|()| write(input, &module, &fields, generated, &private)),
        // Recorded above: `finish` returns it with the rest.
        Err(_) => errors.finish(TokenStream::new()),
    }
}

/// Checks one field's attribute against its type and the module, and
/// writes its constant.
fn plan_field<'a>(
    field: &'a Field,
    attr: OptionAttr,
    input: &DeriveInput,
    module: Option<&ModuleAttr>,
    private: &TokenStream,
    seen: &mut Seen,
    generated: &mut Generated,
) -> syn::Result<FieldPlan<'a>> {
    let Some(ident) = field.ident.as_ref() else {
        return Err(syn::Error::new(field.span(), "expected a named field"));
    };
    if let Some(table) = &attr.flags {
        if let Some((key, span)) = attr.keys.iter().find(|(key, _)| key != "flags") {
            return Err(syn::Error::new(
                *span,
                format!(
                    "`{key}` does not apply to a flags field: its table names, labels and \
                     sets the levels of every flag's option"
                ),
            ));
        }
        return Ok(FieldPlan {
            ident,
            ty: &field.ty,
            source: Source::Flags(without_self(table, &input.ident)),
        });
    }
    let name = attr
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(&ident.unraw().to_string(), ident.span()));
    if let Some(problem) = option_name_problem(&name.value()) {
        return Err(syn::Error::new(name.span(), problem));
    }
    if let Some((_, first)) = seen.iter().find(|(taken, _)| *taken == name.value()) {
        return Err(syn::Error::new(
            name.span(),
            format!(
                "option name `{}` is taken by field `{first}` already; \
                 expected each option name once",
                name.value()
            ),
        ));
    }
    seen.push((name.value(), ident.clone()));
    let Some(label) = &attr.label else {
        return Err(syn::Error::new(
            attr.span,
            "#[option(…)] needs label(ru = \"…\", en = \"…\")",
        ));
    };
    let kind::Plan { kind, default } = kind::plan(&attr, &field.ty, private)?;
    let label_tokens = label.tokens(private);
    let mut spec = quote_spanned! {name.span()=>
        #private::with_default(#private::OptionSpec::new(#name, #kind, #label_tokens), #default)
    };
    if let Some(help) = &attr.help {
        let help = help.tokens(private);
        spec = quote!(#spec.with_help(#help));
    }
    for (level, setter, what) in [
        (attr.view, quote!(with_view), "view"),
        (attr.edit, quote!(with_edit), "edit"),
    ] {
        let Some(level) = level else { continue };
        if let Some(module) = module {
            if let Some(check) = module.levels.check(level, private, what)? {
                generated.checks.push(check);
            }
        }
        let level = level.tokens(private);
        spec = quote!(#spec.#setter(#level));
    }
    if attr.operation_only.is_some() {
        spec = quote!(#spec.operation_only());
    }
    let constant = format_ident!(
        "{}",
        ident.unraw().to_string().to_uppercase(),
        span = ident.span()
    );
    let doc = format!("The `{}` option: {}.", name.value(), label.en.value());
    let vis = &input.vis;
    generated.constants.push(quote! {
        #[doc = #doc]
        #vis const #constant: #private::OptionSpec = #spec;
    });
    Ok(FieldPlan {
        ident,
        ty: &field.ty,
        source: Source::Spec { constant },
    })
}

/// The `OPTIONS` list: an array of the constants, or, with a flags table
/// among them, one built in `const` context at the tables' lengths.
fn options(fields: &[FieldPlan], private: &TokenStream) -> TokenStream {
    let has_flags = fields.iter().any(|f| matches!(f.source, Source::Flags(_)));
    if !has_flags {
        let constants = fields.iter().map(|f| match &f.source {
            Source::Spec { constant } => quote!(Self::#constant),
            Source::Flags(_) => TokenStream::new(),
        });
        return quote!(&[#(#constants),*]);
    }
    let mut at = quote!(0usize);
    let mut steps = Vec::new();
    for field in fields {
        match &field.source {
            Source::Spec { constant } => {
                steps.push(quote!(let specs = #private::put(specs, #at, Self::#constant);));
                at = quote!(#at + 1);
            }
            Source::Flags(table) => {
                steps.push(quote!(let specs = #private::put_flags(specs, #at, #table);));
                at = quote!(#at + #table.len());
            }
        }
    }
    quote!(&{
        let specs = #private::blank::<{ #at }>();
        #(#steps)*
        specs
    })
}

/// Reads every field with the decoder `d`, as a struct literal.
fn read_fields(fields: &[FieldPlan], private: &TokenStream) -> TokenStream {
    let reads = fields.iter().map(|FieldPlan { ident, ty, source }| {
        let read = match source {
            Source::Spec { constant } => quote_spanned! {ty.span()=>
                <#ty as #private::OptionField>::read(d, &Self::#constant)
            },
            Source::Flags(table) => quote_spanned! {ty.span()=>
                #private::read_flags::<#ty>(d, #table)
            },
        };
        quote!(#ident: #read)
    });
    quote!(Self { #(#reads),* })
}

/// Writes every field with the encoder `e`.
fn write_fields(fields: &[FieldPlan], private: &TokenStream) -> TokenStream {
    let writes = fields
        .iter()
        .map(|FieldPlan { ident, ty, source }| match source {
            Source::Spec { constant } => quote_spanned! {ty.span()=>
                <#ty as #private::OptionField>::write(&self.#ident, &mut e, &Self::#constant);
            },
            Source::Flags(table) => quote_spanned! {ty.span()=>
                #private::write_flags::<#ty>(&mut e, #table, self.#ident);
            },
        });
    quote!(#(#writes)*)
}

fn write(
    input: &DeriveInput,
    module: &ModuleAttr,
    fields: &[FieldPlan],
    generated: Generated,
    private: &TokenStream,
) -> TokenStream {
    let ty = &input.ident;
    let Generated { constants, checks } = generated;
    let id = &module.id;
    let module_id = quote_spanned!(id.span()=> #private::ModuleId::from_static(#id));
    let guard = module.guard.as_ref().map(|guard| {
        quote_spanned! {guard.span()=>
            const GUARD: #private::ModuleId = #private::ModuleId::from_static(#guard);
        }
    });
    let title = module.title.tokens(private);
    let levels = module.levels.tokens(private);
    let options = options(fields, private);
    let read = read_fields(fields, private);
    let write = write_fields(fields, private);
    let validate = module
        .validate
        .as_ref()
        .map(|path| quote_spanned!(path.span()=> #path(&value, d);));
    let module_of = quote!(<Self as #private::ModuleOptions>::MODULE);
    quote! {
        impl #ty {
            #(#constants)*
        }

        #[automatically_derived]
        impl #private::ModuleOptions for #ty {
            const MODULE: #private::ModuleId = #module_id;
            #guard
            const TITLE: #private::Label = #title;
            const LEVELS: #private::ModuleLevels = #levels;
            const OPTIONS: &'static [#private::OptionSpec] = #options;

            fn decode(
                raw: &#private::RawOptions,
            ) -> ::core::result::Result<Self, #private::ValidationErrors> {
                let mut decoder = #private::Decoder::new(#module_of, raw);
                let d = &mut decoder;
                let value = #read;
                #validate
                decoder.finish(value)
            }

            fn encode(&self) -> #private::RawOptions {
                let mut e = #private::Encoder::new();
                #write
                e.finish()
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #ty {
            fn default() -> Self {
                #private::from_defaults(#module_of, |d| #read)
            }
        }

        #(#checks)*
    }
}
