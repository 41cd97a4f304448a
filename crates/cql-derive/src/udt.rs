//! `#[derive(DeserializeValue, SerializeValue)]`: a struct as a user-defined type value, its
//! fields matched to the UDT's fields by name.
//!
//! A UDT value is the concatenation of its fields' `[bytes]` in the type's field order; a value
//! may end early (fields added to the type later), the missing fields are null.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::fields;
use crate::common::{
    add_bounds, build_struct, frame_generics, index_items, lookup, mapped, protocol,
};

pub(crate) fn expand_deserialize(input: &DeriveInput) -> syn::Result<TokenStream> {
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
    let find = lookup(quote!(fname.as_str()), &guess);
    let mismatch = quote! {
        #de::DeserializeError::TypeMismatch {
            rust_type: ::std::any::type_name::<Self>(),
            cql_type: ::std::string::ToString::to_string(typ),
        }
    };
    let field_err = quote! {
        |e| #de::DeserializeError::Column {
            name: fname.clone(),
            source: ::std::boxed::Box::new(e),
        }
    };
    let build = build_struct(&fields, |field| {
        quote!(#de::DeserializeError::Malformed {
            cql_type: ::std::string::ToString::to_string(typ),
            reason: ::std::format!("the value has no field {}", #field),
        })
    });
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #de::DeserializeValue<#lt> for #name #ty_generics #where_clause {
            fn type_check(
                typ: &#p::types::ColumnType,
            ) -> ::std::result::Result<(), #de::DeserializeError> {
                #items
                let #p::types::ColumnType::Udt(udt) = typ else {
                    return ::std::result::Result::Err(#mismatch);
                };
                const __CQL_REQUIRED: [bool; #n] = [#(#required),*];
                let mut __cql_found = [false; #n];
                let mut #guess = 0usize;
                for (fname, ftyp) in &udt.fields {
                    let ::std::option::Option::Some(i) = #find else { continue };
                    #guess = i + 1;
                    if let ::std::option::Option::Some(f) = __cql_found.get_mut(i) {
                        *f = true;
                    }
                    match i {
                        #( #idx => <#tys as #de::DeserializeValue<#lt>>::type_check(ftyp)
                            .map_err(#field_err)?, )*
                        _ => {}
                    }
                }
                for ((found, required), fname) in
                    __cql_found.iter().zip(__CQL_REQUIRED).zip(__CQL_NAMES)
                {
                    if !*found && required {
                        return ::std::result::Result::Err(#de::DeserializeError::TypeMismatch {
                            rust_type: ::std::any::type_name::<Self>(),
                            cql_type: ::std::format!("{typ} (it has no field {fname})"),
                        });
                    }
                }
                ::std::result::Result::Ok(())
            }

            fn deserialize(
                typ: &#p::types::ColumnType,
                v: ::std::option::Option<#de::RawValue<#lt>>,
            ) -> ::std::result::Result<Self, #de::DeserializeError> {
                #items
                let #p::types::ColumnType::Udt(udt) = typ else {
                    return ::std::result::Result::Err(#mismatch);
                };
                let ::std::option::Option::Some(v) = v else {
                    return ::std::result::Result::Err(#de::DeserializeError::UnexpectedNull);
                };
                let mut r = #p::wire::Reader::new(v.as_slice());
                #( let mut #vars: ::std::option::Option<#tys> = ::std::option::Option::None; )*
                let mut #guess = 0usize;
                for (fname, ftyp) in &udt.fields {
                    // A value that ends early leaves the remaining fields null.
                    let raw = if r.is_empty() {
                        ::std::option::Option::None
                    } else {
                        r.bytes("udt field")
                            .map_err(|e| #de::DeserializeError::Malformed {
                                cql_type: ::std::string::ToString::to_string(typ),
                                reason: ::std::string::ToString::to_string(&e),
                            })?
                            .map(|d| #de::RawValue::new(v.frame(), d))
                    };
                    let ::std::option::Option::Some(i) = #find else { continue };
                    #guess = i + 1;
                    match i {
                        #( #idx => {
                            #vars = ::std::option::Option::Some(
                                <#tys as #de::DeserializeValue<#lt>>::deserialize(ftyp, raw)
                                    .map_err(#field_err)?,
                            );
                        } )*
                        _ => {}
                    }
                }
                if !r.is_empty() {
                    return ::std::result::Result::Err(#de::DeserializeError::Malformed {
                        cql_type: ::std::string::ToString::to_string(typ),
                        reason: ::std::format!(
                            "{} bytes after the last field",
                            r.remaining().len()
                        ),
                    });
                }
                ::std::result::Result::Ok(#build)
            }
        }
    })
}

pub(crate) fn expand_serialize(input: &DeriveInput) -> syn::Result<TokenStream> {
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
    let find = lookup(quote!(fname.as_str()), &guess);
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #ser::SerializeValue for #name #ty_generics #where_clause {
            fn serialize(
                &self,
                typ: ::std::option::Option<&#p::types::ColumnType>,
                out: &mut ::bytes::BytesMut,
            ) -> ::std::result::Result<(), #ser::SerializeError> {
                #items
                let udt = match typ {
                    ::std::option::Option::Some(#p::types::ColumnType::Udt(udt)) => udt,
                    ::std::option::Option::Some(other) => {
                        return ::std::result::Result::Err(#ser::SerializeError::TypeMismatch {
                            rust_type: ::std::any::type_name::<Self>(),
                            cql_type: ::std::string::ToString::to_string(other),
                        });
                    }
                    ::std::option::Option::None => {
                        // Type unknown: the fields in declaration order.
                        return #ser::write_with_len(out, |o| {
                            #( #ser::SerializeValue::serialize(&self.#idents, ::std::option::Option::None, o)
                                .map_err(|e| #ser::SerializeError::Column {
                                    name: #names.to_owned(),
                                    source: ::std::boxed::Box::new(e),
                                })?; )*
                            ::std::result::Result::Ok(())
                        });
                    }
                };
                let mut __cql_used = [false; #n];
                #ser::write_with_len(out, |o| {
                    let mut #guess = 0usize;
                    for (fname, ftyp) in &udt.fields {
                        let ::std::option::Option::Some(i) = #find else {
                            // A field of the type the struct does not have: null.
                            #ser::write_null(o);
                            continue;
                        };
                        #guess = i + 1;
                        if let ::std::option::Option::Some(u) = __cql_used.get_mut(i) {
                            *u = true;
                        }
                        let t = ::std::option::Option::Some(ftyp);
                        match i {
                            #( #idx => #ser::SerializeValue::serialize(&self.#idents, t, o), )*
                            _ => ::std::result::Result::Ok(()),
                        }
                        .map_err(|e| #ser::SerializeError::Column {
                            name: fname.clone(),
                            source: ::std::boxed::Box::new(e),
                        })?;
                    }
                    ::std::result::Result::Ok(())
                })?;
                for (used, fname) in __cql_used.iter().zip(__CQL_NAMES) {
                    if !*used {
                        return ::std::result::Result::Err(#ser::SerializeError::InvalidValue {
                            cql_type: ::std::format!("{}.{}", udt.keyspace, udt.name),
                            reason: ::std::format!("the type has no field {fname}"),
                        });
                    }
                }
                ::std::result::Result::Ok(())
            }
        }
    })
}
