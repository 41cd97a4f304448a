//! Code-generation tests: attribute parsing, errors, and the shape of the generated impls.
//! Behaviour against real frames and a real server is tested in `crates/cql/tests`.

use quote::ToTokens;
use syn::{DeriveInput, parse_quote};

use crate::attrs::fields;
use crate::{de_row, ser_row, udt};

type Expand = fn(&DeriveInput) -> syn::Result<proc_macro2::TokenStream>;
const ALL: [Expand; 4] = [
    de_row::expand,
    ser_row::expand,
    udt::expand_deserialize,
    udt::expand_serialize,
];

/// Expands and parses the output back as one `impl` item.
fn impl_of(f: Expand, input: &DeriveInput) -> syn::ItemImpl {
    let tokens = f(input).expect("expands");
    let file: syn::File = syn::parse2(tokens).expect("generated code parses");
    assert_eq!(file.items.len(), 1);
    match file.items.into_iter().next() {
        Some(syn::Item::Impl(i)) => i,
        other => panic!("not an impl: {other:?}"),
    }
}

fn err(f: Expand, input: &DeriveInput) -> String {
    match f(input) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn trait_of(i: &syn::ItemImpl) -> String {
    let path = &i.trait_.as_ref().expect("trait impl").1;
    path.to_token_stream().to_string().replace(' ', "")
}

#[test]
fn names_rename_skip_default_and_raw_identifiers() {
    let input: DeriveInput = parse_quote! {
        struct S {
            id: i32,
            #[cql(rename = "email_address")]
            email: String,
            r#type: String,
            #[cql(skip)]
            cache: u8,
            #[cql(default, rename = "n")]
            nick: Option<String>,
        }
    };
    let f = fields(&input).expect("fields");
    let got: Vec<(&str, bool, bool)> = f
        .iter()
        .map(|f| (f.name.as_str(), f.skip, f.default))
        .collect();
    assert_eq!(
        got,
        [
            ("id", false, false),
            ("email_address", false, false),
            ("type", false, false),
            ("cache", true, false),
            ("n", false, true),
        ]
    );
}

#[test]
fn rejects_what_cannot_be_mapped_by_name() {
    let tuple: DeriveInput = parse_quote!(
        struct T(i32, String);
    );
    let en: DeriveInput = parse_quote!(
        enum E {
            A,
        }
    );
    let dup: DeriveInput = parse_quote! {
        struct D { a: i32, #[cql(rename = "a")] b: i32 }
    };
    let unknown: DeriveInput = parse_quote! {
        struct U { #[cql(flatten)] a: i32 }
    };
    let empty: DeriveInput = parse_quote! {
        struct U { #[cql(rename = "")] a: i32 }
    };
    for f in ALL {
        assert!(err(f, &tuple).contains("named fields"));
        assert!(err(f, &en).contains("only structs"));
        assert!(err(f, &dup).contains("both map to the name \"a\""));
        assert!(err(f, &unknown).contains("unknown cql attribute"));
        assert!(err(f, &empty).contains("must not be empty"));
    }
}

#[test]
fn skipped_field_may_share_a_name() {
    let input: DeriveInput = parse_quote! {
        struct S { a: i32, #[cql(skip, rename = "a")] b: i32 }
    };
    for f in ALL {
        impl_of(f, &input);
    }
}

#[test]
fn borrowing_struct_uses_its_own_lifetime_as_the_frame() {
    let input: DeriveInput = parse_quote!(
        struct R<'a> {
            name: &'a str,
        }
    );
    let i = impl_of(de_row::expand, &input);
    assert_eq!(
        trait_of(&i),
        "::cql::protocol::deserialize::DeserializeRow<'a>"
    );
    assert_eq!(i.generics.params.len(), 1);
    let i = impl_of(udt::expand_deserialize, &input);
    assert_eq!(
        trait_of(&i),
        "::cql::protocol::deserialize::DeserializeValue<'a>"
    );
    let i = impl_of(ser_row::expand, &input);
    assert_eq!(trait_of(&i), "::cql::protocol::serialize::SerializeRow");
    assert_eq!(
        i.self_ty.to_token_stream().to_string().replace(' ', ""),
        "R<'a>"
    );
}

#[test]
fn owned_struct_gets_a_fresh_frame_lifetime() {
    let input: DeriveInput = parse_quote!(
        struct R {
            id: i32,
        }
    );
    let i = impl_of(de_row::expand, &input);
    assert_eq!(
        trait_of(&i),
        "::cql::protocol::deserialize::DeserializeRow<'__cql_frame>"
    );
    assert_eq!(i.generics.params.len(), 1);
    assert!(i.generics.where_clause.is_none());
}

#[test]
fn type_parameters_are_bounded_per_field() {
    let input: DeriveInput = parse_quote! {
        struct G<T> { a: T, #[cql(skip)] b: Vec<T>, #[cql(default)] c: Option<T> }
    };
    let preds = |i: &syn::ItemImpl| -> Vec<String> {
        let wc = i.generics.where_clause.as_ref().expect("where clause");
        wc.predicates
            .iter()
            .map(|p| p.to_token_stream().to_string().replace(' ', ""))
            .collect()
    };
    let i = impl_of(de_row::expand, &input);
    assert_eq!(
        preds(&i),
        [
            "T:::cql::protocol::deserialize::DeserializeValue<'__cql_frame>",
            "Vec<T>:::std::default::Default",
            "Option<T>:::cql::protocol::deserialize::DeserializeValue<'__cql_frame>",
            "Option<T>:::std::default::Default",
        ]
    );
    let i = impl_of(udt::expand_serialize, &input);
    assert_eq!(
        preds(&i),
        [
            "T:::cql::protocol::serialize::SerializeValue",
            "Vec<T>:::std::default::Default",
            "Option<T>:::cql::protocol::serialize::SerializeValue",
            "Option<T>:::std::default::Default",
        ]
    );
}

#[test]
fn lookup_table_lists_mapped_names_in_field_order() {
    let input: DeriveInput = parse_quote! {
        struct S { b: i32, #[cql(skip)] x: u8, #[cql(rename = "z")] a: i32 }
    };
    let out = de_row::expand(&input).expect("expands").to_string();
    let table = out
        .split("__CQL_NAMES : [& str ; 2usize] = [")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .expect("names table");
    assert_eq!(table.trim(), "\"b\" , \"z\"");
    assert!(!out.contains("\"x\""), "skipped field is not mapped: {out}");
}

#[test]
fn unit_and_empty_structs_expand() {
    let unit: DeriveInput = parse_quote!(
        struct U;
    );
    let empty: DeriveInput = parse_quote!(
        struct E {}
    );
    for f in ALL {
        impl_of(f, &unit);
        impl_of(f, &empty);
    }
}
