//! The CQL of a model's schema: `CREATE TABLE`, `CREATE TYPE`, `CREATE INDEX`,
//! `CREATE MATERIALIZED VIEW`, as the mapper runs them and prints them in a plan.

use crate::metadata::quote_identifier;

use super::super::model::{Order, Role, TableDef};
use super::super::types::{TypeDesc, UserTypeDef};

/// The table's option assignments: the model's options and its default TTL.
pub(crate) fn options(def: &TableDef) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = def
        .options
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(ttl) = def.default_ttl {
        out.retain(|(k, _)| k != "default_time_to_live");
        out.push(("default_time_to_live".to_owned(), ttl.to_string()));
    }
    out
}

/// The discriminator column of a polymorphic table: its name and type.
const DISCRIMINATOR_TYPE: &str = "text";

/// `CREATE TABLE IF NOT EXISTS ks.t (...) WITH ...`.
pub(crate) fn create_table(def: &TableDef, ks: &str) -> String {
    let mut cols: Vec<String> = def
        .columns
        .iter()
        .map(|c| {
            let st = if c.role == Role::Static {
                " static"
            } else {
                ""
            };
            format!(
                "{} {}{st}",
                quote_identifier(c.name),
                (c.cql_type)().to_cql()
            )
        })
        .collect();
    if let Some((d, _)) = def.discriminator {
        cols.push(format!("{} {DISCRIMINATOR_TYPE}", quote_identifier(d)));
    }
    let names = |idx: Vec<usize>| -> Vec<String> {
        idx.iter()
            .map(|i| quote_identifier(def.columns[*i].name))
            .collect()
    };
    let pk = names(def.partition_key());
    let ck = names(def.clustering_key());
    let mut key = format!("({})", pk.join(", "));
    if !ck.is_empty() {
        key.push_str(", ");
        key.push_str(&ck.join(", "));
    }
    cols.push(format!("PRIMARY KEY ({key})"));
    let mut with = Vec::new();
    let order: Vec<String> = def
        .clustering_key()
        .iter()
        .map(|i| {
            let c = &def.columns[*i];
            let o = match c.role {
                Role::Clustering(Order::Desc) => "DESC",
                _ => "ASC",
            };
            format!("{} {o}", quote_identifier(c.name))
        })
        .collect();
    if !order.is_empty() {
        with.push(format!("CLUSTERING ORDER BY ({})", order.join(", ")));
    }
    for (k, v) in options(def) {
        with.push(format!("{k} = {v}"));
    }
    let mut q = format!(
        "CREATE TABLE IF NOT EXISTS {}.{} ({})",
        quote_identifier(ks),
        quote_identifier(def.name),
        cols.join(", ")
    );
    if !with.is_empty() {
        q.push_str(" WITH ");
        q.push_str(&with.join(" AND "));
    }
    q
}

/// `CREATE INDEX IF NOT EXISTS ON ks.t (target)` for an indexed column (a frozen
/// collection is indexed as a whole).
pub(crate) fn create_index(def: &TableDef, ks: &str, column: &str, typ: &TypeDesc) -> String {
    let cql = typ.to_cql();
    let target = if cql.starts_with("frozen<") && !matches!(typ, TypeDesc::Udt(_)) {
        format!("FULL({})", quote_identifier(column))
    } else {
        quote_identifier(column)
    };
    format!(
        "CREATE INDEX IF NOT EXISTS ON {}.{} ({target})",
        quote_identifier(ks),
        quote_identifier(def.name)
    )
}

/// The index target the server stores for an index [`create_index`] makes.
pub(crate) fn index_target(column: &str, typ: &TypeDesc) -> String {
    let cql = typ.to_cql();
    let q = quote_identifier(column);
    if cql.starts_with("frozen<") && !matches!(typ, TypeDesc::Udt(_)) {
        format!("full({q})")
    } else if cql.starts_with("list<") || cql.starts_with("set<") || cql.starts_with("map<") {
        format!("values({q})")
    } else {
        q
    }
}

/// `CREATE TYPE IF NOT EXISTS ks.name (...)`.
pub(crate) fn create_type(u: &UserTypeDef, ks: &str) -> String {
    let fields: Vec<String> = u
        .fields
        .iter()
        .map(|(n, t)| format!("{} {}", quote_identifier(n), field_type(t())))
        .collect();
    format!(
        "CREATE TYPE IF NOT EXISTS {}.{} ({})",
        quote_identifier(ks),
        quote_identifier(u.name),
        fields.join(", ")
    )
}

/// A user type field's type, as a column's (a collection field is not frozen: the type is
/// frozen where it is used).
pub(crate) fn field_type(t: TypeDesc) -> String {
    t.to_cql()
}

/// `CREATE MATERIALIZED VIEW IF NOT EXISTS ks.v AS SELECT ... FROM ks.base WHERE ...
/// PRIMARY KEY (...)`.
pub(crate) fn create_view(def: &TableDef, ks: &str, base: &str, where_clause: &str) -> String {
    let cols: Vec<String> = def
        .columns
        .iter()
        .map(|c| quote_identifier(c.name))
        .collect();
    let names = |idx: Vec<usize>| -> Vec<String> {
        idx.iter()
            .map(|i| quote_identifier(def.columns[*i].name))
            .collect()
    };
    let mut key = format!("({})", names(def.partition_key()).join(", "));
    let ck = names(def.clustering_key());
    if !ck.is_empty() {
        key.push_str(", ");
        key.push_str(&ck.join(", "));
    }
    let order: Vec<String> = def
        .clustering_key()
        .iter()
        .map(|i| {
            let c = &def.columns[*i];
            let o = match c.role {
                Role::Clustering(Order::Desc) => "DESC",
                _ => "ASC",
            };
            format!("{} {o}", quote_identifier(c.name))
        })
        .collect();
    let mut q = format!(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {ksq}.{} AS SELECT {} FROM {ksq}.{} WHERE {where_clause} PRIMARY KEY ({key})",
        quote_identifier(def.name),
        cols.join(", "),
        quote_identifier(base),
        ksq = quote_identifier(ks),
    );
    if !order.is_empty() {
        q.push_str(&format!(" WITH CLUSTERING ORDER BY ({})", order.join(", ")));
    }
    q
}
