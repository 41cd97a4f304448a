//! `#[derive(Model)]`: a struct mapped to a table. Generates `cql::mapper::Model` (the table
//! description, binding a column's value), `DeserializeRow` (rows read by column name), and
//! one typed column reference per column (`User::EMAIL: Column<User, String>`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::model_attrs::{ModelField, Role, model_fields, option_inner, snake_case, table_attrs};

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let table = table_attrs(input)?;
    let fields = model_fields(input)?;
    let name = &input.ident;
    let m = quote!(::cql::mapper);
    let p = quote!(::cql::protocol);

    let table_name = table
        .table
        .clone()
        .unwrap_or_else(|| snake_case(&name.to_string()));
    let keyspace = opt_str(table.keyspace.as_deref());
    let ttl = match table.default_ttl {
        Some(t) => quote!(::std::option::Option::Some(#t)),
        None => quote!(::std::option::Option::None),
    };
    let opt_names: Vec<&str> = table.options.iter().map(|(k, _)| k.as_str()).collect();
    let opt_values: Vec<&str> = table.options.iter().map(|(_, v)| v.as_str()).collect();
    let discriminator = match (&table.discriminator, &table.variant) {
        (Some(c), Some(v)) => quote!(::std::option::Option::Some((#c, #v))),
        _ => quote!(::std::option::Option::None),
    };
    let view = match (&table.view_base, &table.view_where) {
        (Some(b), Some(w)) => quote!(::std::option::Option::Some(#m::ViewDef {
            base_table: #b,
            where_clause: #w,
        })),
        _ => quote!(::std::option::Option::None),
    };

    let cols: Vec<&ModelField> = fields.iter().filter(|f| !f.skip).collect();
    let mut defs = Vec::new();
    let mut consts = Vec::new();
    let mut binds = Vec::new();
    let mut nulls = Vec::new();
    let mut writes = Vec::new();
    for (i, f) in cols.iter().enumerate() {
        let col = &f.name;
        let field = f.ident.to_string();
        let inner = option_inner(&f.ty);
        let nullable = inner.is_some();
        let value_ty = inner.unwrap_or(&f.ty);
        let role = match f.role {
            Role::Partition => quote!(#m::Role::PartitionKey),
            Role::Clustering { desc: false } => quote!(#m::Role::Clustering(#m::Order::Asc)),
            Role::Clustering { desc: true } => quote!(#m::Role::Clustering(#m::Order::Desc)),
            Role::Static => quote!(#m::Role::Static),
            Role::Regular => quote!(#m::Role::Regular),
        };
        let typ = if f.counter {
            quote!(|| #m::TypeDesc::Native("counter"))
        } else if let Some(t) = &f.cql_type {
            quote!(|| #m::TypeDesc::Text(#t))
        } else {
            quote!(<#value_ty as #m::CqlType>::cql_type)
        };
        let indexed = f.index;
        let counter = f.counter;
        let default = f.default;
        let field_ty = &f.ty;
        defs.push(quote! {
            #m::ColumnDef {
                name: #col,
                field: #field,
                role: #role,
                indexed: #indexed,
                nullable: #nullable,
                counter: #counter,
                default: #default,
                cql_type: #typ,
            }
        });
        let const_name = format_ident!(
            "{}",
            f.ident.to_string().trim_start_matches("r#").to_uppercase()
        );
        let doc = format!("The column `{col}` (field `{field}`).");
        consts.push(quote! {
            #[doc = #doc]
            pub const #const_name: #m::Column<#name, #value_ty, #field_ty> = #m::Column::new(#i);
        });
        let ident = &f.ident;
        binds.push(quote!(#i => w.value(&self.#ident, typ),));
        if nullable {
            nulls.push(quote!(#i => self.#ident.is_none(),));
            writes.push(quote! {
                #m::__named(specs, #i, |typ| match &self.#ident {
                    ::std::option::Option::None => w.value(&#p::serialize::Unset, typ),
                    ::std::option::Option::Some(v) => w.value(v, typ),
                })?;
            });
        } else {
            writes.push(quote!(#m::__named(specs, #i, |typ| w.value(&self.#ident, typ))?;));
        }
    }
    let rust_name = name.to_string();

    let de_input = row_input(input, &fields);
    let de = crate::de_row::expand(&de_input)?;
    let unknown = quote! {
        ::std::result::Result::Err(#p::serialize::SerializeError::InvalidValue {
            cql_type: ::std::string::String::new(),
            reason: ::std::format!("{} has no column number {}", #rust_name, index),
        })
    };
    Ok(quote! {
        #de

        #[automatically_derived]
        impl #m::Model for #name {
            const TABLE: &'static #m::TableDef = &#m::TableDef {
                    rust_name: #rust_name,
                    name: #table_name,
                    keyspace: #keyspace,
                    columns: &[#(#defs),*],
                    default_ttl: #ttl,
                    options: &[#((#opt_names, #opt_values)),*],
                    discriminator: #discriminator,
                    view: #view,
                    polymorphic: ::std::option::Option::None,
            };

            fn bind_column(
                &self,
                index: usize,
                typ: ::std::option::Option<&#p::types::ColumnType>,
                w: &mut #p::serialize::RowWriter<'_>,
            ) -> ::std::result::Result<(), #p::serialize::SerializeError> {
                match index {
                    #(#binds)*
                    _ => #unknown,
                }
            }

            fn is_null(&self, index: usize) -> bool {
                match index {
                    #(#nulls)*
                    _ => false,
                }
            }

            fn write_columns(
                &self,
                specs: ::std::option::Option<&[#p::metadata::ColumnSpec]>,
                w: &mut #p::serialize::RowWriter<'_>,
            ) -> ::std::result::Result<(), #p::serialize::SerializeError> {
                #(#writes)*
                ::std::result::Result::Ok(())
            }

            fn slot() -> ::std::option::Option<&'static #m::ModelSlot> {
                static SLOT: #m::ModelSlot = #m::ModelSlot::new();
                ::std::option::Option::Some(&SLOT)
            }
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            #(#consts)*
        }
    })
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    }
}

/// The input with only the attributes `DeserializeRow` knows (`rename`, `skip`, `default`),
/// so that the row derive reads the same columns as the model.
fn row_input(input: &DeriveInput, fields: &[ModelField]) -> DeriveInput {
    let mut out = input.clone();
    out.attrs.retain(|a| !a.path().is_ident("cql"));
    if let syn::Data::Struct(data) = &mut out.data {
        for (f, m) in data.fields.iter_mut().zip(fields) {
            f.attrs.retain(|a| !a.path().is_ident("cql"));
            if let Some(r) = &m.rename {
                f.attrs.push(syn::parse_quote!(#[cql(rename = #r)]));
            }
            if m.skip {
                f.attrs.push(syn::parse_quote!(#[cql(skip)]));
            }
            if m.default {
                f.attrs.push(syn::parse_quote!(#[cql(default)]));
            }
        }
    }
    out
}
