//! `#[derive(UserType)]`: a struct as a user-defined type of the mapper. The value derives
//! (`SerializeValue`, `DeserializeValue`, fields matched by name) plus `cql::mapper::UserType`
//! (the type's name and fields, for `sync_type`) and `cql::mapper::CqlType` (so a model column
//! of this type is `frozen<name>`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, LitStr};

use crate::attrs::fields;
use crate::model_attrs::{option_inner, snake_case};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut type_name = None;
    let mut keyspace = None;
    let mut rest = input.clone();
    rest.attrs.clear();
    for attr in &input.attrs {
        if !attr.path().is_ident("cql") {
            rest.attrs.push(attr.clone());
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().trim().is_empty() {
                return Err(syn::Error::new_spanned(lit, "must not be empty"));
            }
            if meta.path.is_ident("name") {
                type_name = Some(lit.value());
            } else if meta.path.is_ident("keyspace") {
                keyspace = Some(lit.value());
            } else {
                return Err(meta.error("unknown user type attribute; expected name or keyspace"));
            }
            Ok(())
        })?;
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(UserType)] does not support generic structs",
        ));
    }
    let fs = fields(&rest)?;
    let ser = crate::udt::expand_serialize(&rest)?;
    let de = crate::udt::expand_deserialize(&rest)?;
    let name = &input.ident;
    let m = quote!(::cql::mapper);
    let type_name = type_name.unwrap_or_else(|| snake_case(&name.to_string()));
    let keyspace = match keyspace {
        Some(k) => quote!(::std::option::Option::Some(#k)),
        None => quote!(::std::option::Option::None),
    };
    let mapped: Vec<_> = fs.iter().filter(|f| !f.skip).collect();
    let names: Vec<&str> = mapped.iter().map(|f| f.name.as_str()).collect();
    let tys: Vec<&syn::Type> = mapped
        .iter()
        .map(|f| option_inner(&f.ty).unwrap_or(&f.ty))
        .collect();
    Ok(quote! {
        #ser
        #de

        #[automatically_derived]
        impl #m::UserType for #name {
            const TYPE: &'static #m::UserTypeDef = &#m::UserTypeDef {
                name: #type_name,
                keyspace: #keyspace,
                fields: &[#( (#names, <#tys as #m::CqlType>::cql_type as #m::TypeFn) ),*],
            };
        }

        #[automatically_derived]
        impl #m::CqlType for #name {
            fn cql_type() -> #m::TypeDesc {
                #m::TypeDesc::Udt(<Self as #m::UserType>::TYPE)
            }
        }
    })
}
