//! `#[derive(SerializeRow)]`: a struct's fields bound to a statement by name.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::fields;
use crate::common::{add_bounds, index_items, lookup, mapped, protocol};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields = fields(input)?;
    let p = protocol();
    let ser = quote!(#p::serialize);
    let mut generics = input.generics.clone();
    add_bounds(&mut generics, &fields, &quote!(#ser::SerializeValue));
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let name = &input.ident;
    let m = mapped(&fields);
    let n = m.len();
    let items = index_items(&m);
    let idx: Vec<usize> = (0..n).collect();
    let idents: Vec<&syn::Ident> = m.iter().map(|(f, _)| &f.ident).collect();
    let names: Vec<&str> = m.iter().map(|(f, _)| f.name.as_str()).collect();
    let guess = syn::Ident::new("__cql_guess", proc_macro2::Span::call_site());
    let find = lookup(quote!(spec.name.as_str()), &guess);
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #ser::SerializeRow for #name #ty_generics #where_clause {
            fn serialize_row(
                &self,
                specs: ::std::option::Option<&[#p::metadata::ColumnSpec]>,
                w: &mut #ser::RowWriter<'_>,
            ) -> ::std::result::Result<(), #ser::SerializeError> {
                #items
                let ::std::option::Option::Some(specs) = specs else {
                    // No bind-marker metadata (unprepared statement): named values.
                    #( w.named_value(#names, &self.#idents, ::std::option::Option::None)
                        .map_err(|e| #ser::SerializeError::Column {
                            name: #names.to_owned(),
                            source: ::std::boxed::Box::new(e),
                        })?; )*
                    return ::std::result::Result::Ok(());
                };
                // Bind markers in the statement's order; a name may occur more than once.
                let mut __cql_used = [false; #n];
                let mut #guess = 0usize;
                for spec in specs {
                    let ::std::option::Option::Some(i) = #find else {
                        return ::std::result::Result::Err(
                            #ser::SerializeError::MissingNamedValue(spec.name.clone()),
                        );
                    };
                    #guess = i + 1;
                    if let ::std::option::Option::Some(u) = __cql_used.get_mut(i) {
                        *u = true;
                    }
                    let typ = ::std::option::Option::Some(&spec.typ);
                    match i {
                        #( #idx => w.value(&self.#idents, typ), )*
                        _ => ::std::result::Result::Ok(()),
                    }
                    .map_err(|e| #ser::SerializeError::Column {
                        name: spec.name.clone(),
                        source: ::std::boxed::Box::new(e),
                    })?;
                }
                for (used, name) in __cql_used.iter().zip(__CQL_NAMES) {
                    if !*used {
                        return ::std::result::Result::Err(
                            #ser::SerializeError::UnknownNamedValue(name.to_owned()),
                        );
                    }
                }
                ::std::result::Result::Ok(())
            }

            fn is_empty(&self) -> bool {
                #n == 0
            }
        }
    })
}
