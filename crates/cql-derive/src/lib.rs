//! Derive macros for the `cql` driver: structs mapped to rows and to user-defined types by
//! name, never by position.
//!
//! - `#[derive(DeserializeRow)]`: read rows into the struct. Each field's column is found by
//!   name and type-checked once per result (an error names the missing or mistyped column);
//!   result columns without a field are ignored. Fields may borrow from the response
//!   (`struct R<'a> { name: &'a str }`: the struct's first lifetime parameter is taken as the
//!   lifetime of the response frame).
//! - `#[derive(SerializeRow)]`: bind the fields by name: to a prepared statement's bind
//!   markers (in the statement's order, type-checked), or as named values of an unprepared
//!   statement. Every bind marker needs a field and every field a bind marker.
//! - `#[derive(DeserializeValue, SerializeValue)]`: the struct is a value of a user-defined type
//!   (UDT), its fields matched to the type's fields by name. UDT fields the struct lacks are
//!   ignored when reading and written as null.
//!
//! Field attributes, `#[cql(...)]`:
//! - `rename = "name"`: the column (or UDT field) name, when it differs from the Rust name;
//! - `skip`: the field is neither read nor written; reading fills it with `Default::default()`;
//! - `default`: reading fills the field with `Default::default()` when the result (or UDT) has
//!   no such column (a column that is there but null still needs an `Option`).
//!
//! The generated code refers to `::cql::protocol`, so use the macros through the `cql` crate
//! (`cql::DeserializeRow`, ...). `SerializeValue` implementations also name `::bytes::BytesMut`
//! (the trait's buffer type), so a crate deriving it depends on `bytes = "1"` as well.

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod attrs;
mod common;
mod de_row;
mod model;
mod model_attrs;
mod polymorphic;
mod ser_row;
mod udt;
mod user_type;

fn run(
    input: TokenStream,
    f: fn(&DeriveInput) -> syn::Result<proc_macro2::TokenStream>,
) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    f(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `cql::protocol::deserialize::DeserializeRow`, matching columns by name.
#[proc_macro_derive(DeserializeRow, attributes(cql))]
pub fn derive_deserialize_row(input: TokenStream) -> TokenStream {
    run(input, de_row::expand)
}

/// Derives `cql::protocol::serialize::SerializeRow`, binding fields by name.
#[proc_macro_derive(SerializeRow, attributes(cql))]
pub fn derive_serialize_row(input: TokenStream) -> TokenStream {
    run(input, ser_row::expand)
}

/// Derives `cql::protocol::deserialize::DeserializeValue` for a user-defined type value.
#[proc_macro_derive(DeserializeValue, attributes(cql))]
pub fn derive_deserialize_value(input: TokenStream) -> TokenStream {
    run(input, udt::expand_deserialize)
}

/// Derives `cql::protocol::serialize::SerializeValue` for a user-defined type value.
#[proc_macro_derive(SerializeValue, attributes(cql))]
pub fn derive_serialize_value(input: TokenStream) -> TokenStream {
    run(input, udt::expand_serialize)
}

/// Derives `cql::mapper::Model` (a struct mapped to a table), its `DeserializeRow`, and typed
/// column references (`User::EMAIL`). See the `cql::mapper` documentation for the attributes.
#[proc_macro_derive(Model, attributes(cql))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    run(input, model::expand)
}

/// Derives `cql::mapper::UserType` (a struct as a user-defined type of the mapper) with its
/// `SerializeValue` and `DeserializeValue`.
#[proc_macro_derive(UserType, attributes(cql))]
pub fn derive_user_type(input: TokenStream) -> TokenStream {
    run(input, user_type::expand)
}

/// Derives `cql::mapper::Model` and `DeserializeRow` for an enum of the variant models of a
/// polymorphic table: each row is read as the variant its discriminator names.
#[proc_macro_derive(Polymorphic)]
pub fn derive_polymorphic(input: TokenStream) -> TokenStream {
    run(input, polymorphic::expand)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod model_tests;

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
