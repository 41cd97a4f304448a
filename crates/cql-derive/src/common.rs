//! Code generation shared by the derives: generics and the name -> field index lookup.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Generics, Lifetime};

use crate::attrs::Field;

/// Path of the protocol crate as seen from the user's crate.
pub(crate) fn protocol() -> TokenStream {
    quote!(::cql::protocol)
}

/// The generics of a deserialize impl: the frame lifetime is the struct's first lifetime
/// parameter (so fields can borrow from the frame), else a fresh `'__cql_frame`.
/// Type parameters get a `FieldType: bound` predicate for each field.
pub(crate) fn frame_generics(
    generics: &Generics,
    fields: &[Field],
    bound: impl Fn(&Lifetime) -> TokenStream,
) -> (Lifetime, Generics) {
    let mut g = generics.clone();
    let lt = match generics.lifetimes().next() {
        Some(lt) => lt.lifetime.clone(),
        None => {
            let lt: Lifetime = syn::parse_quote!('__cql_frame);
            g.params.insert(0, syn::parse_quote!(#lt));
            lt
        }
    };
    let b = bound(&lt);
    add_bounds(&mut g, fields, &b);
    (lt, g)
}

/// Adds `FieldType: bound` (and `Default` for skipped/defaulted fields) when the struct has
/// type parameters; concrete field types need no predicate.
pub(crate) fn add_bounds(g: &mut Generics, fields: &[Field], bound: &TokenStream) {
    if g.type_params().next().is_none() {
        return;
    }
    let wc = g.make_where_clause();
    for f in fields {
        let ty = &f.ty;
        if !f.skip {
            wc.predicates.push(syn::parse_quote!(#ty: #bound));
        }
        if f.skip || f.default {
            wc.predicates
                .push(syn::parse_quote!(#ty: ::std::default::Default));
        }
    }
}

/// The mapped (not skipped) fields with their slot variable names `__cql_f{i}`.
pub(crate) fn mapped(fields: &[Field]) -> Vec<(&Field, syn::Ident)> {
    fields
        .iter()
        .filter(|f| !f.skip)
        .enumerate()
        .map(|(i, f)| (f, format_ident!("__cql_f{}", i)))
        .collect()
}

/// Local items `__CQL_NAMES` (the names in field order) and `__cql_index(name)`.
pub(crate) fn index_items(mapped: &[(&Field, syn::Ident)]) -> TokenStream {
    let n = mapped.len();
    let names: Vec<&str> = mapped.iter().map(|(f, _)| f.name.as_str()).collect();
    let idx = 0..n;
    quote! {
        const __CQL_NAMES: [&str; #n] = [#(#names),*];
        fn __cql_index(name: &str) -> ::std::option::Option<usize> {
            match name {
                #( #names => ::std::option::Option::Some(#idx), )*
                _ => ::std::option::Option::None,
            }
        }
    }
}

/// An expression: the field index of `name`, trying `guess` first (the field after the
/// previous match), so names in field order cost one comparison each.
pub(crate) fn lookup(name: TokenStream, guess: &syn::Ident) -> TokenStream {
    quote! {
        (if __CQL_NAMES.get(#guess).is_some_and(|n| *n == #name) {
            ::std::option::Option::Some(#guess)
        } else {
            __cql_index(#name)
        })
    }
}

/// The struct literal filling every field: mapped fields from their slot (`missing` when the
/// slot is empty and the field has no `#[cql(default)]`), skipped fields from `Default`.
pub(crate) fn build_struct(fields: &[Field], missing: impl Fn(&str) -> TokenStream) -> TokenStream {
    let mut slot = 0usize;
    let inits = fields.iter().map(|f| {
        let ident = &f.ident;
        if f.skip {
            return quote!(#ident: ::std::default::Default::default());
        }
        let var = format_ident!("__cql_f{}", slot);
        slot += 1;
        let absent = if f.default {
            quote!(::std::default::Default::default())
        } else {
            let err = missing(&f.name);
            quote!(return ::std::result::Result::Err(#err))
        };
        quote!(#ident: match #var {
            ::std::option::Option::Some(v) => v,
            ::std::option::Option::None => #absent,
        })
    });
    let inits: Vec<TokenStream> = inits.collect();
    quote!(Self { #(#inits),* })
}
