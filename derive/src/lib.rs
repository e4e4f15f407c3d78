//! `#[derive(ModuleOptions)]` and `#[derive(OptionChoice)]` for the
//! `module-settings` crate.
//!
//! Use them through `module-settings` with its `derive` feature, which
//! re-exports both; its documentation of `ModuleOptions` describes every
//! attribute. This crate's version always equals `module-settings`' own:
//! the code the macros write calls that crate's hidden, unstable
//! `__private` module.

// The files, one job each: `crate_path` finds what the application calls
// `module-settings`; `label`, `level`, `value`, `module_attr` and
// `option_attr` parse the attributes; `field_type` recognises a field's
// type and `kind` turns type and attributes into the option's kind and
// default; `module` and `choice` write the code; `errors` collects what
// went wrong.

mod choice;
mod crate_path;
mod errors;
mod field_type;
mod kind;
mod label;
mod level;
mod module;
mod module_attr;
mod option_attr;
mod value;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Implements `ModuleOptions`, `Default` and one `OptionSpec` constant per
/// option for a struct with named fields, from `#[module(…)]` on the
/// struct and `#[option(…)]` on every field; `module-settings` documents
/// the attributes where it re-exports this derive.
#[proc_macro_derive(ModuleOptions, attributes(module, option))]
pub fn derive_module_options(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    module::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `OptionChoice`, `OptionField` and `OptionalField` for an enum
/// of unit variants, each stored as its name in snake_case unless
/// `#[choice(value = "…")]` names its stored text.
#[proc_macro_derive(OptionChoice, attributes(choice))]
pub fn derive_option_choice(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    choice::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
