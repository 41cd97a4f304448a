//! `#[derive(Polymorphic)]`: an enum whose variants are the models of one polymorphic table
//! (`enum Pet { Dog(Dog), Cat(Cat) }`, each variant model with `discriminator`/`variant`).
//! Generates `DeserializeRow` (the row's discriminator value picks the variant) and
//! `cql::mapper::Model` (the table, read with `SELECT *`; writes go through the variants).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Polymorphic)] needs an enum of one-model variants",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Polymorphic)] does not support generic enums",
        ));
    }
    let mut variants = Vec::new();
    let mut tys = Vec::new();
    for v in &data.variants {
        let Fields::Unnamed(f) = &v.fields else {
            return Err(syn::Error::new_spanned(
                v,
                "each variant holds one model: `Dog(Dog)`",
            ));
        };
        if f.unnamed.len() != 1 {
            return Err(syn::Error::new_spanned(
                v,
                "each variant holds one model: `Dog(Dog)`",
            ));
        }
        variants.push(v.ident.clone());
        tys.push(f.unnamed[0].ty.clone());
    }
    let Some(first) = tys.first().cloned() else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "the enum needs a variant",
        ));
    };
    let name = &input.ident;
    let rust_name = name.to_string();
    let m = quote!(::cql::mapper);
    let p = quote!(::cql::protocol);
    let de = quote!(#p::deserialize);
    Ok(quote! {
        #[automatically_derived]
        impl<'__cql_frame> #de::DeserializeRow<'__cql_frame> for #name {
            fn type_check(
                columns: &[#p::metadata::ColumnSpec],
            ) -> ::std::result::Result<(), #de::DeserializeError> {
                let disc = #m::polymorphic::discriminator::<#first>()?;
                if !columns.iter().any(|c| c.name == disc) {
                    return ::std::result::Result::Err(
                        #de::DeserializeError::MissingColumn(disc.to_owned()),
                    );
                }
                #( <#tys as #de::DeserializeRow<'__cql_frame>>::type_check(columns)?; )*
                ::std::result::Result::Ok(())
            }

            fn deserialize(
                row: #de::ColumnIterator<'__cql_frame, '_>,
            ) -> ::std::result::Result<Self, #de::DeserializeError> {
                let disc = #m::polymorphic::discriminator::<#first>()?;
                let value = #m::polymorphic::value_of(row.clone(), disc)?;
                #(
                    if #m::polymorphic::is_variant::<#tys>(value.as_deref()) {
                        return <#tys as #de::DeserializeRow<'__cql_frame>>::deserialize(row)
                            .map(#name::#variants);
                    }
                )*
                ::std::result::Result::Err(#m::polymorphic::unknown(#rust_name, disc, value))
            }
        }

        #[automatically_derived]
        impl #m::Model for #name {
            const TABLE: &'static #m::TableDef = &#m::polymorphic::base_table::<#first>(#rust_name);

            fn bind_column(
                &self,
                _index: usize,
                _typ: ::std::option::Option<&#p::types::ColumnType>,
                _w: &mut #p::serialize::RowWriter<'_>,
            ) -> ::std::result::Result<(), #p::serialize::SerializeError> {
                ::std::result::Result::Err(#p::serialize::SerializeError::InvalidValue {
                    cql_type: ::std::string::String::new(),
                    reason: ::std::format!("{} is written through its variant models", #rust_name),
                })
            }

            fn is_null(&self, _index: usize) -> bool {
                false
            }
        }
    })
}
