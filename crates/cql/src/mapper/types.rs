//! The CQL type of a model column, from its Rust type: [`CqlType`] and the [`TypeDesc`] it
//! gives, rendered as the CQL `CREATE TABLE` takes and `system_schema` stores.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use cql_protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use uuid::Uuid;

/// How a model names a CQL type: a function, so that descriptions can refer to each other.
pub type TypeFn = fn() -> TypeDesc;

/// A struct mapped to a user-defined type; derive it with `#[derive(cql::UserType)]`.
pub trait UserType {
    /// The type.
    const TYPE: &'static UserTypeDef;
}

/// A user-defined type as the mapper creates it.
#[derive(Debug)]
pub struct UserTypeDef {
    /// The type name (`#[cql(name = "..")]`, else the Rust name in snake case).
    pub name: &'static str,
    /// Its keyspace, else the model's.
    pub keyspace: Option<&'static str>,
    /// Field names and types, in order.
    pub fields: &'static [(&'static str, TypeFn)],
}

/// The CQL type of a column, as the mapper creates and compares it.
#[derive(Debug, Clone, Copy)]
pub enum TypeDesc {
    /// A native type by its CQL name (`int`, `text`, `counter`...).
    Native(&'static str),
    /// `list<T>`.
    List(fn() -> TypeDesc),
    /// `set<T>`.
    Set(fn() -> TypeDesc),
    /// `map<K, V>`.
    Map(fn() -> TypeDesc, fn() -> TypeDesc),
    /// `tuple<...>` (always frozen).
    Tuple(&'static [fn() -> TypeDesc]),
    /// A user-defined type (frozen, as a column or inside a collection).
    Udt(&'static UserTypeDef),
    /// The type as CQL text, given by `#[cql(cql_type = "...")]`.
    Text(&'static str),
}

impl TypeDesc {
    /// The type as a column's CQL: collections and user types nested in a collection are
    /// frozen, a user type or tuple column is frozen, a collection column is not.
    pub fn to_cql(&self) -> String {
        self.render(false)
    }

    fn render(&self, nested: bool) -> String {
        let frozen = |s: String| format!("frozen<{s}>");
        match self {
            TypeDesc::Native(n) => (*n).to_owned(),
            TypeDesc::Text(t) => (*t).to_owned(),
            TypeDesc::List(e) => {
                let s = format!("list<{}>", e().render(true));
                if nested { frozen(s) } else { s }
            }
            TypeDesc::Set(e) => {
                let s = format!("set<{}>", e().render(true));
                if nested { frozen(s) } else { s }
            }
            TypeDesc::Map(k, v) => {
                let s = format!("map<{}, {}>", k().render(true), v().render(true));
                if nested { frozen(s) } else { s }
            }
            TypeDesc::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(|t| t().render(true)).collect();
                frozen(format!("tuple<{}>", inner.join(", ")))
            }
            TypeDesc::Udt(u) => frozen(crate::metadata::quote_identifier(u.name)),
        }
    }

    /// The user types this type refers to, at any depth.
    pub fn user_types(&self, out: &mut Vec<&'static UserTypeDef>) {
        match self {
            TypeDesc::Native(_) | TypeDesc::Text(_) => {}
            TypeDesc::List(e) | TypeDesc::Set(e) => e().user_types(out),
            TypeDesc::Map(k, v) => {
                k().user_types(out);
                v().user_types(out);
            }
            TypeDesc::Tuple(items) => items.iter().for_each(|t| t().user_types(out)),
            TypeDesc::Udt(u) => {
                for (_, f) in u.fields {
                    f().user_types(out);
                }
                if !out.iter().any(|o| std::ptr::eq(*o, *u)) {
                    out.push(u);
                }
            }
        }
    }
}

/// Normalizes CQL type text for comparison: no spaces, no quotes, lower case outside quoted
/// names, `varchar` is `text`.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {}
            c if quoted => out.push(c),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.replace("varchar", "text")
}

/// A Rust type a model column can have, and its CQL type (`Option<T>` columns use `T`'s).
/// Another CQL type for the same Rust type (`timeuuid` for a `Uuid`, `ascii` for a `String`,
/// `vector<float, 3>` for a `Vec<f32>`) is given with `#[cql(cql_type = "...")]`.
pub trait CqlType {
    /// The CQL type.
    fn cql_type() -> TypeDesc;
}

macro_rules! native {
    ($($t:ty => $n:literal),* $(,)?) => {
        $(impl CqlType for $t {
            fn cql_type() -> TypeDesc {
                TypeDesc::Native($n)
            }
        })*
    };
}

native! {
    bool => "boolean", i8 => "tinyint", i16 => "smallint", i32 => "int", i64 => "bigint",
    f32 => "float", f64 => "double", String => "text", Uuid => "uuid",
    IpAddr => "inet", CqlDate => "date", CqlTime => "time", CqlTimestamp => "timestamp",
    CqlDuration => "duration", CqlVarint => "varint", CqlDecimal => "decimal",
    Vec<u8> => "blob", bytes::Bytes => "blob",
}

impl<T: CqlType> CqlType for Vec<T> {
    fn cql_type() -> TypeDesc {
        TypeDesc::List(T::cql_type)
    }
}
impl<T: CqlType, S> CqlType for HashSet<T, S> {
    fn cql_type() -> TypeDesc {
        TypeDesc::Set(T::cql_type)
    }
}
impl<T: CqlType> CqlType for BTreeSet<T> {
    fn cql_type() -> TypeDesc {
        TypeDesc::Set(T::cql_type)
    }
}
impl<K: CqlType, V: CqlType, S> CqlType for HashMap<K, V, S> {
    fn cql_type() -> TypeDesc {
        TypeDesc::Map(K::cql_type, V::cql_type)
    }
}
impl<K: CqlType, V: CqlType> CqlType for BTreeMap<K, V> {
    fn cql_type() -> TypeDesc {
        TypeDesc::Map(K::cql_type, V::cql_type)
    }
}
impl<T: CqlType> CqlType for Option<T> {
    fn cql_type() -> TypeDesc {
        T::cql_type()
    }
}

macro_rules! tuple {
    ($($T:ident),+) => {
        impl<$($T: CqlType),+> CqlType for ($($T,)+) {
            fn cql_type() -> TypeDesc {
                TypeDesc::Tuple(&[$($T::cql_type),+])
            }
        }
    };
}
tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
tuple!(A, B, C, D, E);
tuple!(A, B, C, D, E, F);
tuple!(A, B, C, D, E, F, G);
tuple!(A, B, C, D, E, F, G, H);
