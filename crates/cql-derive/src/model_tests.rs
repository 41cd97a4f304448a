//! Code-generation tests of `#[derive(Model)]` and `#[derive(UserType)]`: attribute parsing,
//! the refused inputs, and the shape of the generated items. Behaviour against a real server
//! is tested in `crates/cql/tests/integration/mapper`.

use syn::{DeriveInput, parse_quote};

use crate::model_attrs::snake_case;
use crate::{model, user_type};

fn err(input: &DeriveInput) -> String {
    match model::expand(input) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_model_expands_to_a_row_impl_a_model_impl_and_column_consts() {
    let input: DeriveInput = parse_quote! {
        #[cql(table = "users", default_ttl = 60, option = "comment = 'c'")]
        struct User {
            #[cql(partition_key)]
            id: i32,
            #[cql(clustering = "desc")]
            at: i64,
            #[cql(rename = "mail", index)]
            email: Option<String>,
        }
    };
    let tokens = model::expand(&input).expect("expands");
    let file: syn::File = syn::parse2(tokens).expect("parses");
    assert_eq!(file.items.len(), 3, "DeserializeRow, Model, column consts");
    let text = quote::quote!(#file).to_string();
    assert!(text.contains("\"users\""), "{text}");
    assert!(text.contains("\"mail\""), "{text}");
    assert!(text.contains("Order :: Desc"), "{text}");
    assert!(
        text.contains(
            "pub const EMAIL : :: cql :: mapper :: Column < User , String , Option < String > >"
        ),
        "{text}"
    );
    assert!(text.contains("(\"comment\" , \"'c'\")"), "{text}");
}

#[test]
fn refused_models_say_why() {
    let no_key: DeriveInput = parse_quote! { struct T { a: i32 } };
    assert!(err(&no_key).contains("partition_key"));
    let two_roles: DeriveInput = parse_quote! {
        struct T { #[cql(partition_key, clustering)] a: i32 }
    };
    assert!(err(&two_roles).contains("one of"));
    let bad_order: DeriveInput = parse_quote! {
        struct T { #[cql(partition_key)] a: i32, #[cql(clustering = "up")] b: i32 }
    };
    assert!(err(&bad_order).contains("asc"));
    let unknown: DeriveInput = parse_quote! {
        struct T { #[cql(partition_key, primary)] a: i32 }
    };
    assert!(err(&unknown).contains("unknown column attribute"));
    let generic: DeriveInput = parse_quote! {
        struct T<X> { #[cql(partition_key)] a: X }
    };
    assert!(err(&generic).contains("generic"));
    let dup: DeriveInput = parse_quote! {
        struct T { #[cql(partition_key)] a: i32, #[cql(rename = "a")] b: i32 }
    };
    assert!(err(&dup).contains("both map"));
    let half_poly: DeriveInput = parse_quote! {
        #[cql(discriminator = "kind")]
        struct T { #[cql(partition_key)] a: i32 }
    };
    assert!(err(&half_poly).contains("variant"));
    let optional_key: DeriveInput = parse_quote! {
        struct T { #[cql(partition_key)] a: Option<i32> }
    };
    assert!(err(&optional_key).contains("cannot be an Option"));
}

#[test]
fn default_names_are_snake_case() {
    assert_eq!(snake_case("UserProfile"), "user_profile");
    assert_eq!(snake_case("HTTPLog"), "http_log");
    assert_eq!(snake_case("Log2Entry"), "log2_entry");
    assert_eq!(snake_case("user"), "user");
}

#[test]
fn a_user_type_expands_to_value_impls_and_its_schema() {
    let input: DeriveInput = parse_quote! {
        #[cql(name = "addr")]
        struct Address { street: String, #[cql(rename = "zip_code")] zip: Option<i32> }
    };
    let tokens = user_type::expand(&input).expect("expands");
    let file: syn::File = syn::parse2(tokens).expect("parses");
    assert_eq!(file.items.len(), 4);
    let text = quote::quote!(#file).to_string();
    assert!(text.contains("\"addr\""), "{text}");
    assert!(text.contains("\"zip_code\""), "{text}");
}
