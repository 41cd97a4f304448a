//! Derive macros for the `cql` driver: map a struct to a row by column name.
//!
//! - `#[derive(DeserializeRow)]`: read rows into the struct. Columns are found by name (not
//!   position), the types are checked once per result, and fields may borrow from the
//!   response (`&'a str`, `&'a [u8]`). Result columns without a field are ignored; a field
//!   without a column is an error naming it.
//! - `#[derive(SerializeRow)]`: bind the struct's fields by name: to a prepared statement's
//!   bind markers (any order), or as named values of a simple statement.
//!
//! Field attribute: `#[cql(rename = "column_name")]`.
//!
//! The generated code refers to `::cql::protocol`, so use the macros through the `cql` crate
//! (`cql::DeserializeRow`, `cql::SerializeRow`).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, parse_macro_input};

struct Field {
    ident: syn::Ident,
    ty: syn::Type,
    column: String,
}

fn fields(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "only structs with named fields can be derived",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "only structs with named fields can be derived",
        ));
    };
    let mut out = Vec::new();
    for f in &named.named {
        let ident = f
            .ident
            .clone()
            .ok_or_else(|| syn::Error::new_spanned(f, "unnamed field"))?;
        let mut column = ident.to_string();
        for attr in &f.attrs {
            if !attr.path().is_ident("cql") {
                continue;
            }
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    column = lit.value();
                    Ok(())
                } else {
                    Err(meta.error("unknown cql attribute; expected rename = \"...\""))
                }
            })?;
        }
        out.push(Field {
            ident,
            ty: f.ty.clone(),
            column,
        });
    }
    Ok(out)
}

/// Derives `cql::protocol::deserialize::DeserializeRow`, matching columns by name.
#[proc_macro_derive(DeserializeRow, attributes(cql))]
pub fn derive_deserialize_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_deserialize_row(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand_deserialize_row(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let fields = fields(input)?;
    let name = &input.ident;
    let de = quote!(::cql::protocol::deserialize);
    // The frame lifetime: the struct's own lifetime parameter if it has one (borrowed fields),
    // else a fresh one.
    let (frame_lt, impl_generics) = match input.generics.lifetimes().next() {
        Some(lt) => {
            let lt = lt.lifetime.clone();
            let g = &input.generics;
            (lt, quote!(#g))
        }
        None => {
            let lt: syn::Lifetime = syn::parse_quote!('frame);
            let mut g = input.generics.clone();
            g.params.insert(0, syn::parse_quote!('frame));
            (lt, quote!(#g))
        }
    };
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    let tys: Vec<_> = fields.iter().map(|f| &f.ty).collect();
    let columns: Vec<_> = fields.iter().map(|f| &f.column).collect();
    let slots: Vec<_> = fields
        .iter()
        .map(|f| quote::format_ident!("__cql_{}", f.ident))
        .collect();
    Ok(quote! {
        impl #impl_generics #de::DeserializeRow<#frame_lt> for #name #ty_generics #where_clause {
            fn type_check(columns: &[::cql::protocol::metadata::ColumnSpec]) -> ::std::result::Result<(), #de::DeserializeError> {
                #(
                    let spec = columns
                        .iter()
                        .find(|c| c.name == #columns)
                        .ok_or_else(|| #de::DeserializeError::MissingColumn(#columns.to_owned()))?;
                    <#tys as #de::DeserializeValue<#frame_lt>>::type_check(&spec.typ).map_err(|e| {
                        #de::DeserializeError::Column { name: spec.name.clone(), source: ::std::boxed::Box::new(e) }
                    })?;
                )*
                Ok(())
            }

            fn deserialize(row: #de::ColumnIterator<#frame_lt, '_>) -> ::std::result::Result<Self, #de::DeserializeError> {
                #( let mut #slots: ::std::option::Option<#tys> = ::std::option::Option::None; )*
                for column in row {
                    let (spec, value) = column?;
                    match spec.name.as_str() {
                        #(
                            #columns => {
                                #slots = ::std::option::Option::Some(
                                    <#tys as #de::DeserializeValue<#frame_lt>>::deserialize(&spec.typ, value).map_err(|e| {
                                        #de::DeserializeError::Column { name: spec.name.clone(), source: ::std::boxed::Box::new(e) }
                                    })?,
                                );
                            }
                        )*
                        _ => {}
                    }
                }
                Ok(Self {
                    #( #idents: #slots.ok_or_else(|| #de::DeserializeError::MissingColumn(#columns.to_owned()))?, )*
                })
            }
        }
    })
}

/// Derives `cql::protocol::serialize::SerializeRow`, binding fields by name.
#[proc_macro_derive(SerializeRow, attributes(cql))]
pub fn derive_serialize_row(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_serialize_row(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand_serialize_row(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let fields = fields(input)?;
    let name = &input.ident;
    let ser = quote!(::cql::protocol::serialize);
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    let columns: Vec<_> = fields.iter().map(|f| &f.column).collect();
    let count = fields.len();
    Ok(quote! {
        impl #impl_generics #ser::SerializeRow for #name #ty_generics #where_clause {
            fn serialize_row(
                &self,
                specs: ::std::option::Option<&[::cql::protocol::metadata::ColumnSpec]>,
                w: &mut #ser::RowWriter<'_>,
            ) -> ::std::result::Result<(), #ser::SerializeError> {
                match specs {
                    ::std::option::Option::Some(specs) => {
                        if specs.len() != #count {
                            return Err(#ser::SerializeError::WrongValueCount { expected: specs.len(), got: #count });
                        }
                        for spec in specs {
                            match spec.name.as_str() {
                                #(
                                    #columns => w.value(&self.#idents, ::std::option::Option::Some(&spec.typ)).map_err(|e| {
                                        #ser::SerializeError::Column { name: spec.name.clone(), source: ::std::boxed::Box::new(e) }
                                    })?,
                                )*
                                other => return Err(#ser::SerializeError::MissingNamedValue(other.to_owned())),
                            }
                        }
                        Ok(())
                    }
                    ::std::option::Option::None => {
                        #( w.named_value(#columns, &self.#idents, ::std::option::Option::None)?; )*
                        Ok(())
                    }
                }
            }

            fn is_empty(&self) -> bool {
                #count == 0
            }
        }
    })
}
