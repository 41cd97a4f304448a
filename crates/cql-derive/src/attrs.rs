//! Reading the derive input: the struct's named fields and their `#[cql(...)]` attributes.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, LitStr};

/// One field of the struct.
pub(crate) struct Field {
    /// The Rust field name.
    pub(crate) ident: syn::Ident,
    /// The field's type.
    pub(crate) ty: syn::Type,
    /// The column (or UDT field) name: the Rust name without `r#`, or `#[cql(rename = "..")]`.
    pub(crate) name: String,
    /// `#[cql(skip)]`: never read nor written; `Default::default()` when reading.
    pub(crate) skip: bool,
    /// `#[cql(default)]`: `Default::default()` when the column (or UDT field) is absent.
    pub(crate) default: bool,
}

/// Reads the named fields of a struct; an error for enums, unions and tuple structs.
pub(crate) fn fields(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            Fields::Unit => return Ok(Vec::new()),
            Fields::Unnamed(_) => {
                return Err(syn::Error::new_spanned(
                    &input.ident,
                    "cql derives need a struct with named fields (columns are matched by name)",
                ));
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "cql derives support only structs with named fields",
            ));
        }
    };
    let mut out: Vec<Field> = Vec::with_capacity(named.len());
    for f in named {
        let Some(ident) = f.ident.clone() else {
            return Err(syn::Error::new_spanned(f, "unnamed field"));
        };
        let mut field = Field {
            name: ident.unraw().to_string(),
            ident,
            ty: f.ty.clone(),
            skip: false,
            default: false,
        };
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("cql")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        return Err(syn::Error::new_spanned(lit, "the name must not be empty"));
                    }
                    field.name = lit.value();
                } else if meta.path.is_ident("skip") {
                    field.skip = true;
                } else if meta.path.is_ident("default") {
                    field.default = true;
                } else {
                    return Err(meta.error(
                        "unknown cql attribute; expected `rename = \"..\"`, `skip` or `default`",
                    ));
                }
                Ok(())
            })?;
        }
        if !field.skip {
            if let Some(prev) = out.iter().find(|p| !p.skip && p.name == field.name) {
                return Err(syn::Error::new_spanned(
                    &f.ident,
                    format!(
                        "fields `{}` and `{}` both map to the name \"{}\"",
                        prev.ident, field.ident, field.name
                    ),
                ));
            }
        }
        out.push(field);
    }
    Ok(out)
}
