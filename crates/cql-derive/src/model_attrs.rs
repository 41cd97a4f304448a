//! Reading the input of `#[derive(Model)]`: the table attributes of the struct and the column
//! attributes of its fields (key roles, static, index, counter, explicit CQL type), on top of
//! the `rename`/`skip`/`default` the row derives know.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr};

/// A field's role in the table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Partition,
    Clustering { desc: bool },
    Static,
    Regular,
}

/// One column (or skipped field) of the model.
pub(crate) struct ModelField {
    pub(crate) ident: syn::Ident,
    pub(crate) ty: syn::Type,
    pub(crate) name: String,
    pub(crate) rename: Option<String>,
    pub(crate) skip: bool,
    pub(crate) default: bool,
    pub(crate) role: Role,
    pub(crate) index: bool,
    pub(crate) counter: bool,
    pub(crate) cql_type: Option<String>,
}

/// The struct-level `#[cql(...)]` of a model.
#[derive(Default)]
pub(crate) struct TableAttrs {
    pub(crate) table: Option<String>,
    pub(crate) keyspace: Option<String>,
    pub(crate) default_ttl: Option<u32>,
    /// `option = "name = cql literal"`, in the order given.
    pub(crate) options: Vec<(String, String)>,
    /// `discriminator = "column"`, `variant = "value"`: one variant of a polymorphic table.
    pub(crate) discriminator: Option<String>,
    pub(crate) variant: Option<String>,
    /// `view_of = "Base"`-less marker: a materialized view model (`view`, `where = ".."`).
    pub(crate) view_base: Option<String>,
    pub(crate) view_where: Option<String>,
}

pub(crate) fn table_attrs(input: &DeriveInput) -> syn::Result<TableAttrs> {
    let mut t = TableAttrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("cql")) {
        attr.parse_nested_meta(|meta| {
            let text = |meta: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<String> {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new_spanned(lit, "must not be empty"));
                }
                Ok(lit.value())
            };
            if meta.path.is_ident("table") {
                t.table = Some(text(&meta)?);
            } else if meta.path.is_ident("keyspace") {
                t.keyspace = Some(text(&meta)?);
            } else if meta.path.is_ident("default_ttl") {
                let lit: LitInt = meta.value()?.parse()?;
                t.default_ttl = Some(lit.base10_parse()?);
            } else if meta.path.is_ident("option") {
                let lit: LitStr = meta.value()?.parse()?;
                let v = lit.value();
                let Some((name, value)) = v.split_once('=') else {
                    return Err(syn::Error::new_spanned(
                        lit,
                        "expected `option = \"name = value\"` (the value a CQL literal)",
                    ));
                };
                let (name, value) = (name.trim(), value.trim());
                if name.is_empty() || value.is_empty() {
                    return Err(syn::Error::new_spanned(lit, "option name and value needed"));
                }
                t.options.push((name.to_owned(), value.to_owned()));
            } else if meta.path.is_ident("discriminator") {
                t.discriminator = Some(text(&meta)?);
            } else if meta.path.is_ident("variant") {
                t.variant = Some(text(&meta)?);
            } else if meta.path.is_ident("view_of") {
                t.view_base = Some(text(&meta)?);
            } else if meta.path.is_ident("view_where") {
                t.view_where = Some(text(&meta)?);
            } else {
                return Err(meta.error(
                    "unknown model attribute; expected table, keyspace, default_ttl, option, \
                     discriminator, variant, view_of or view_where",
                ));
            }
            Ok(())
        })?;
    }
    if t.discriminator.is_some() != t.variant.is_some() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a polymorphic model needs both `discriminator = \"column\"` and `variant = \"value\"`",
        ));
    }
    if t.view_base.is_some() != t.view_where.is_some() {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a materialized view model needs both `view_of = \"table\"` and `view_where = \"..\"`",
        ));
    }
    Ok(t)
}

pub(crate) fn model_fields(input: &DeriveInput) -> syn::Result<Vec<ModelField>> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    if input.generics.params.iter().next().is_some() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic structs",
        ));
    }
    let mut out: Vec<ModelField> = Vec::new();
    for f in &named.named {
        let Some(ident) = f.ident.clone() else {
            return Err(syn::Error::new_spanned(f, "unnamed field"));
        };
        let mut m = ModelField {
            name: ident.unraw().to_string(),
            ident,
            ty: f.ty.clone(),
            rename: None,
            skip: false,
            default: false,
            role: Role::Regular,
            index: false,
            counter: false,
            cql_type: None,
        };
        let mut roles = 0;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("cql")) {
            attr.parse_nested_meta(|meta| {
                let p = &meta.path;
                if p.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new_spanned(lit, "the name must not be empty"));
                    }
                    m.name = lit.value();
                    m.rename = Some(lit.value());
                } else if p.is_ident("skip") {
                    m.skip = true;
                } else if p.is_ident("default") {
                    m.default = true;
                } else if p.is_ident("partition_key") {
                    m.role = Role::Partition;
                    roles += 1;
                } else if p.is_ident("clustering") {
                    let mut desc = false;
                    if meta.input.peek(syn::Token![=]) {
                        let lit: LitStr = meta.value()?.parse()?;
                        desc = match lit.value().to_ascii_lowercase().as_str() {
                            "asc" => false,
                            "desc" => true,
                            _ => {
                                return Err(syn::Error::new_spanned(
                                    lit,
                                    "clustering order is \"asc\" or \"desc\"",
                                ));
                            }
                        };
                    }
                    m.role = Role::Clustering { desc };
                    roles += 1;
                } else if p.is_ident("static_column") {
                    m.role = Role::Static;
                    roles += 1;
                } else if p.is_ident("index") {
                    m.index = true;
                } else if p.is_ident("counter") {
                    m.counter = true;
                } else if p.is_ident("cql_type") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().trim().is_empty() {
                        return Err(syn::Error::new_spanned(lit, "the type must not be empty"));
                    }
                    m.cql_type = Some(lit.value());
                } else {
                    return Err(meta.error(
                        "unknown column attribute; expected partition_key, clustering, \
                         static_column, index, counter, cql_type, rename, skip or default",
                    ));
                }
                Ok(())
            })?;
        }
        if roles > 1 {
            return Err(syn::Error::new_spanned(
                &m.ident,
                "a column is one of partition_key, clustering or static_column",
            ));
        }
        if m.skip && (roles > 0 || m.index || m.counter) {
            return Err(syn::Error::new_spanned(
                &m.ident,
                "a skipped field is not a column",
            ));
        }
        if matches!(m.role, Role::Partition | Role::Clustering { .. })
            && option_inner(&m.ty).is_some()
        {
            return Err(syn::Error::new_spanned(
                &m.ident,
                "a key column always has a value: its field cannot be an Option",
            ));
        }
        if m.counter && m.cql_type.is_some() {
            return Err(syn::Error::new_spanned(
                &m.ident,
                "`counter` already gives the type",
            ));
        }
        if !m.skip {
            if let Some(prev) = out.iter().find(|p| !p.skip && p.name == m.name) {
                return Err(syn::Error::new_spanned(
                    &m.ident,
                    format!(
                        "fields `{}` and `{}` both map to the column \"{}\"",
                        prev.ident, m.ident, m.name
                    ),
                ));
            }
        }
        out.push(m);
    }
    if !out.iter().any(|f| f.role == Role::Partition) {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "a model needs at least one `#[cql(partition_key)]` field",
        ));
    }
    Ok(out)
}

/// `Some(inner)` when the type is spelled `Option<inner>` (the column is nullable).
pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// `UserProfile` -> `user_profile`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}
