//! `#[derive(DeserializeRow)]`: a row read into a struct by column name.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::fields;
use crate::common::{build_struct, frame_generics, index_items, lookup, mapped, protocol};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields = fields(input)?;
    let p = protocol();
    let de = quote!(#p::deserialize);
    let (lt, generics) = frame_generics(
        &input.generics,
        &fields,
        |lt| quote!(#de::DeserializeValue<#lt>),
    );
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let name = &input.ident;
    let m = mapped(&fields);
    let n = m.len();
    let items = index_items(&m);
    let idx: Vec<usize> = (0..n).collect();
    let tys: Vec<&syn::Type> = m.iter().map(|(f, _)| &f.ty).collect();
    let vars: Vec<&syn::Ident> = m.iter().map(|(_, v)| v).collect();
    let required: Vec<bool> = m.iter().map(|(f, _)| !f.default).collect();
    let guess = syn::Ident::new("__cql_guess", proc_macro2::Span::call_site());
    let find = lookup(quote!(spec.name.as_str()), &guess);
    let column_err = quote! {
        |e| #de::DeserializeError::Column {
            name: spec.name.clone(),
            source: ::std::boxed::Box::new(e),
        }
    };
    let build = build_struct(
        &fields,
        |col| quote!(#de::DeserializeError::MissingColumn(#col.to_owned())),
    );
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #de::DeserializeRow<#lt> for #name #ty_generics #where_clause {
            fn type_check(
                columns: &[#p::metadata::ColumnSpec],
            ) -> ::std::result::Result<(), #de::DeserializeError> {
                #items
                const __CQL_REQUIRED: [bool; #n] = [#(#required),*];
                let mut __cql_found = [false; #n];
                let mut #guess = 0usize;
                for spec in columns {
                    let ::std::option::Option::Some(i) = #find else { continue };
                    #guess = i + 1;
                    if let ::std::option::Option::Some(f) = __cql_found.get_mut(i) {
                        *f = true;
                    }
                    match i {
                        #( #idx => <#tys as #de::DeserializeValue<#lt>>::type_check(&spec.typ)
                            .map_err(#column_err)?, )*
                        _ => {}
                    }
                }
                for ((found, required), name) in
                    __cql_found.iter().zip(__CQL_REQUIRED).zip(__CQL_NAMES)
                {
                    if !*found && required {
                        return ::std::result::Result::Err(
                            #de::DeserializeError::MissingColumn(name.to_owned()),
                        );
                    }
                }
                ::std::result::Result::Ok(())
            }

            // Called once per row from the row iterators' loops: inlined there.
            #[inline]
            fn deserialize(
                row: #de::ColumnIterator<#lt, '_>,
            ) -> ::std::result::Result<Self, #de::DeserializeError> {
                #items
                #( let mut #vars: ::std::option::Option<#tys> = ::std::option::Option::None; )*
                let mut #guess = 0usize;
                for column in row {
                    let (spec, value) = column?;
                    let ::std::option::Option::Some(i) = #find else { continue };
                    #guess = i + 1;
                    match i {
                        #( #idx => {
                            #vars = ::std::option::Option::Some(
                                <#tys as #de::DeserializeValue<#lt>>::deserialize(&spec.typ, value)
                                    .map_err(#column_err)?,
                            );
                        } )*
                        _ => {}
                    }
                }
                ::std::result::Result::Ok(#build)
            }
        }
    })
}
