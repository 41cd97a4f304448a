//! Builds [`KeyspaceMetadata`] from the rows of `system_schema`'s tables. A row that cannot
//! be understood is logged and skipped; the rest of the keyspace is kept.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use cql_protocol::types::{CqlValue, UserDefinedType};

use super::cql_type::{TypeParseError, parse_cql_type};
use super::quoting::quote_string;
use super::schema::{
    AggregateMetadata, ClusteringOrder, ColumnKind, ColumnMetadata, FunctionMetadata, IndexKind,
    IndexMetadata, MaterializedViewMetadata, TableMetadata, TriggerMetadata, UserTypeField,
    UserTypeMetadata,
};
use super::{KeyspaceMetadata, ReplicationStrategy};
use crate::result::Row;

/// The rows of `system_schema.{keyspaces, tables, columns, indexes, views, types, functions,
/// aggregates}`.
#[derive(Debug, Default)]
pub(crate) struct SchemaRows {
    pub(crate) keyspaces: Vec<Row>,
    pub(crate) tables: Vec<Row>,
    pub(crate) columns: Vec<Row>,
    pub(crate) indexes: Vec<Row>,
    pub(crate) views: Vec<Row>,
    pub(crate) types: Vec<Row>,
    pub(crate) functions: Vec<Row>,
    pub(crate) aggregates: Vec<Row>,
    pub(crate) triggers: Vec<Row>,
}

/// The queries that read [`SchemaRows`], in field order.
pub(crate) const SCHEMA_QUERIES: [&str; 9] = [
    "SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces",
    "SELECT * FROM system_schema.tables",
    "SELECT * FROM system_schema.columns",
    "SELECT * FROM system_schema.indexes",
    "SELECT * FROM system_schema.views",
    "SELECT * FROM system_schema.types",
    "SELECT * FROM system_schema.functions",
    "SELECT * FROM system_schema.aggregates",
    "SELECT * FROM system_schema.triggers",
];

impl SchemaRows {
    /// Takes the results of [`SCHEMA_QUERIES`], in order.
    pub(crate) fn from_results(mut r: Vec<Vec<Row>>) -> Self {
        let mut next = || {
            if r.is_empty() {
                Vec::new()
            } else {
                r.remove(0)
            }
        };
        SchemaRows {
            keyspaces: next(),
            tables: next(),
            columns: next(),
            indexes: next(),
            views: next(),
            types: next(),
            functions: next(),
            aggregates: next(),
            triggers: next(),
        }
    }
}

/// Options that are not table options (identity and view definition columns).
const NOT_OPTIONS: &[&str] = &[
    "keyspace_name",
    "table_name",
    "view_name",
    "id",
    "flags",
    "base_table_id",
    "base_table_name",
    "include_all_columns",
    "where_clause",
];

pub(crate) fn text(row: &Row, name: &str) -> Option<String> {
    match row.get(name)? {
        CqlValue::Text(s) | CqlValue::Ascii(s) => Some(s.clone()),
        _ => None,
    }
}

fn boolean(row: &Row, name: &str) -> Option<bool> {
    match row.get(name)? {
        CqlValue::Boolean(b) => Some(*b),
        _ => None,
    }
}

fn text_list(row: &Row, name: &str) -> Vec<String> {
    match row.get(name) {
        Some(CqlValue::List(v) | CqlValue::Set(v)) => v
            .iter()
            .filter_map(|v| match v {
                CqlValue::Text(s) | CqlValue::Ascii(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn text_map(row: &Row, name: &str) -> BTreeMap<String, String> {
    match row.get(name) {
        Some(CqlValue::Map(pairs)) => pairs
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (CqlValue::Text(k), CqlValue::Text(v)) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// A schema value as a CQL literal (for table options).
pub(crate) fn literal(v: &CqlValue) -> String {
    let join = |items: Vec<String>| items.join(", ");
    match v {
        CqlValue::Text(s) | CqlValue::Ascii(s) => quote_string(s),
        CqlValue::Boolean(b) => b.to_string(),
        CqlValue::Int(i) => i.to_string(),
        CqlValue::BigInt(i) | CqlValue::Counter(i) => i.to_string(),
        CqlValue::SmallInt(i) => i.to_string(),
        CqlValue::TinyInt(i) => i.to_string(),
        CqlValue::Double(d) if d.is_finite() && d.fract() == 0.0 => format!("{d:.1}"),
        CqlValue::Double(d) => d.to_string(),
        CqlValue::Float(f) if f.is_finite() && f.fract() == 0.0 => format!("{f:.1}"),
        CqlValue::Float(f) => f.to_string(),
        CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => u.to_string(),
        CqlValue::Blob(b) => {
            let mut s = String::from("0x");
            for x in b.iter() {
                let _ = write!(s, "{x:02x}");
            }
            s
        }
        CqlValue::List(v) => format!("[{}]", join(v.iter().map(literal).collect())),
        CqlValue::Set(v) => format!("{{{}}}", join(v.iter().map(literal).collect())),
        CqlValue::Map(pairs) => format!(
            "{{{}}}",
            join(
                pairs
                    .iter()
                    .map(|(k, v)| format!("{}: {}", literal(k), literal(v)))
                    .collect()
            )
        ),
        other => quote_string(&format!("{other:?}")),
    }
}

/// The options of a `system_schema.tables` or `.views` row.
fn options(row: &Row) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in row.column_names().iter().zip(row.values()) {
        if NOT_OPTIONS.contains(&name.as_str()) {
            continue;
        }
        let Some(value) = value else {
            continue;
        };
        // Extensions are opaque blobs of server plug-ins; an empty map says nothing.
        if name == "extensions" && matches!(value, CqlValue::Map(m) if m.is_empty()) {
            continue;
        }
        out.insert(name.clone(), literal(value));
    }
    out
}

/// Groups rows by (keyspace, `name_column`).
fn by_keyspace_and<'a>(
    rows: &'a [Row],
    name_column: &str,
) -> BTreeMap<(String, String), Vec<&'a Row>> {
    let mut out: BTreeMap<(String, String), Vec<&Row>> = BTreeMap::new();
    for row in rows {
        if let (Some(ks), Some(name)) = (text(row, "keyspace_name"), text(row, name_column)) {
            out.entry((ks, name)).or_default().push(row);
        }
    }
    out
}

fn rows_of<'a>(rows: &'a [Row], keyspace: &str) -> impl Iterator<Item = &'a Row> + 'a {
    let keyspace = keyspace.to_owned();
    rows.iter()
        .filter(move |r| text(r, "keyspace_name").as_deref() == Some(keyspace.as_str()))
}

/// Builds every keyspace with its schema.
pub(crate) fn build(rows: &SchemaRows) -> HashMap<String, KeyspaceMetadata> {
    let columns = by_keyspace_and(&rows.columns, "table_name");
    let indexes = by_keyspace_and(&rows.indexes, "table_name");
    let triggers = by_keyspace_and(&rows.triggers, "table_name");
    let mut out = HashMap::new();
    for row in &rows.keyspaces {
        let Some(name) = text(row, "keyspace_name") else {
            continue;
        };
        let replication = text_map(row, "replication");
        let durable_writes = boolean(row, "durable_writes") != Some(false);
        let mut ks = KeyspaceMetadata::new(
            name.clone(),
            durable_writes,
            ReplicationStrategy::from_options(&replication),
        );
        ks.replication = replication;
        ks.user_types = user_types(&name, rows_of(&rows.types, &name).collect());
        let resolve = |n: &str| -> Option<Arc<UserDefinedType>> {
            match ks.user_types.get(n)?.to_column_type() {
                cql_protocol::types::ColumnType::Udt(u) => Some(u),
                _ => None,
            }
        };
        let mut tables = BTreeMap::new();
        for row in rows_of(&rows.tables, &name) {
            let Some(table) = text(row, "table_name") else {
                continue;
            };
            let key = (name.clone(), table.clone());
            let cols = columns.get(&key).map(Vec::as_slice).unwrap_or_default();
            match table_columns(cols, &resolve) {
                Ok((columns, partition_key, clustering_key)) => {
                    let idx = indexes
                        .get(&key)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|r| index(&name, &table, r))
                        .map(|i| (i.name.clone(), i))
                        .collect();
                    let trg = triggers
                        .get(&key)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|r| trigger(&name, &table, r))
                        .map(|t| (t.name.clone(), t))
                        .collect();
                    tables.insert(
                        table.clone(),
                        TableMetadata {
                            keyspace: name.clone(),
                            name: table,
                            columns,
                            partition_key,
                            clustering_key,
                            options: options(row),
                            indexes: idx,
                            triggers: trg,
                        },
                    );
                }
                Err(e) => {
                    tracing::warn!(keyspace = %name, %table, error = %e, "table metadata skipped");
                }
            }
        }
        let mut views = BTreeMap::new();
        for row in rows_of(&rows.views, &name) {
            let Some(view) = text(row, "view_name") else {
                continue;
            };
            let cols = columns
                .get(&(name.clone(), view.clone()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let built = table_columns(cols, &resolve).and_then(|(c, p, k)| {
                let base = text(row, "base_table_name").ok_or("no base_table_name")?;
                Ok(MaterializedViewMetadata {
                    keyspace: name.clone(),
                    name: view.clone(),
                    base_table: base,
                    where_clause: text(row, "where_clause").unwrap_or_default(),
                    include_all_columns: boolean(row, "include_all_columns").unwrap_or(false),
                    columns: c,
                    partition_key: p,
                    clustering_key: k,
                    options: options(row),
                })
            });
            match built {
                Ok(v) => {
                    views.insert(view, v);
                }
                Err(e) => {
                    tracing::warn!(keyspace = %name, %view, error = %e, "view metadata skipped");
                }
            }
        }
        ks.tables = tables;
        ks.views = views;
        ks.functions = rows_of(&rows.functions, &name)
            .filter_map(|r| function(&name, r))
            .map(|f| (f.signature(), f))
            .collect();
        ks.aggregates = rows_of(&rows.aggregates, &name)
            .filter_map(|r| aggregate(&name, r))
            .map(|a| (a.signature(), a))
            .collect();
        out.insert(name, ks);
    }
    out
}

/// A table's or view's columns (keys first, in order; then the others by name), partition
/// key and clustering key.
type Columns = (Vec<ColumnMetadata>, Vec<String>, Vec<String>);

fn table_columns(
    rows: &[&Row],
    resolve: &dyn Fn(&str) -> Option<Arc<UserDefinedType>>,
) -> Result<Columns, String> {
    if rows.is_empty() {
        return Err("no columns (dropped or created while the schema was read)".into());
    }
    let mut cols = Vec::with_capacity(rows.len());
    for r in rows {
        let name = text(r, "column_name").ok_or("a column without a name")?;
        let type_text = text(r, "type").ok_or_else(|| format!("column {name:?} has no type"))?;
        let cql_type =
            parse_cql_type(&type_text, resolve).map_err(|e: TypeParseError| e.to_string())?;
        let kind = match text(r, "kind").as_deref() {
            Some("partition_key") => ColumnKind::PartitionKey,
            Some("clustering") => ColumnKind::Clustering,
            Some("static") => ColumnKind::Static,
            Some("regular") => ColumnKind::Regular,
            other => return Err(format!("column {name:?} has an unknown kind {other:?}")),
        };
        let clustering_order = match text(r, "clustering_order").as_deref() {
            Some("asc") if kind == ColumnKind::Clustering => Some(ClusteringOrder::Asc),
            Some("desc") if kind == ColumnKind::Clustering => Some(ClusteringOrder::Desc),
            _ if kind == ColumnKind::Clustering => Some(ClusteringOrder::Asc),
            _ => None,
        };
        let position = match r.get("position") {
            Some(CqlValue::Int(p)) => *p,
            _ => -1,
        };
        cols.push(ColumnMetadata {
            name,
            cql_type,
            type_text,
            kind,
            clustering_order,
            position,
        });
    }
    let rank = |k: ColumnKind| match k {
        ColumnKind::PartitionKey => 0,
        ColumnKind::Clustering => 1,
        _ => 2,
    };
    cols.sort_by(|a, b| {
        rank(a.kind).cmp(&rank(b.kind)).then_with(|| {
            if rank(a.kind) < 2 {
                a.position.cmp(&b.position)
            } else {
                a.name.as_bytes().cmp(b.name.as_bytes())
            }
        })
    });
    let names = |k: ColumnKind| -> Vec<String> {
        cols.iter()
            .filter(|c| c.kind == k)
            .map(|c| c.name.clone())
            .collect()
    };
    let pk = names(ColumnKind::PartitionKey);
    if pk.is_empty() {
        return Err("no partition key column".into());
    }
    let ck = names(ColumnKind::Clustering);
    Ok((cols, pk, ck))
}

fn trigger(keyspace: &str, table: &str, row: &Row) -> Option<TriggerMetadata> {
    Some(TriggerMetadata {
        keyspace: keyspace.to_owned(),
        table: table.to_owned(),
        name: text(row, "trigger_name")?,
        options: text_map(row, "options"),
    })
}

fn index(keyspace: &str, table: &str, row: &Row) -> Option<IndexMetadata> {
    let name = text(row, "index_name")?;
    let kind = match text(row, "kind").as_deref() {
        Some("KEYS") => IndexKind::Keys,
        Some("COMPOSITES") => IndexKind::Composites,
        Some("CUSTOM") => IndexKind::Custom,
        Some(other) => IndexKind::Other(other.to_owned()),
        None => IndexKind::Other(String::new()),
    };
    Some(IndexMetadata {
        keyspace: keyspace.to_owned(),
        table: table.to_owned(),
        name,
        kind,
        options: text_map(row, "options"),
    })
}

/// The keyspace's user types, each field type resolved against the types built before it
/// (so nested types resolve whatever order the rows come in).
fn user_types(keyspace: &str, rows: Vec<&Row>) -> BTreeMap<String, UserTypeMetadata> {
    let mut built: BTreeMap<String, UserTypeMetadata> = BTreeMap::new();
    let mut pending: Vec<&Row> = rows;
    loop {
        let mut failed = Vec::new();
        let mut errors = Vec::new();
        let before = built.len();
        for row in pending {
            let Some(name) = text(row, "type_name") else {
                continue;
            };
            let names = text_list(row, "field_names");
            let types = text_list(row, "field_types");
            let resolve = |n: &str| -> Option<Arc<UserDefinedType>> {
                match built.get(n)?.to_column_type() {
                    cql_protocol::types::ColumnType::Udt(u) => Some(u),
                    _ => None,
                }
            };
            let fields: Result<Vec<UserTypeField>, TypeParseError> = names
                .into_iter()
                .zip(types)
                .map(|(n, t)| {
                    Ok(UserTypeField {
                        name: n,
                        cql_type: parse_cql_type(&t, &resolve)?,
                        type_text: t,
                    })
                })
                .collect();
            match fields {
                Ok(fields) => {
                    built.insert(
                        name.clone(),
                        UserTypeMetadata {
                            keyspace: keyspace.to_owned(),
                            name,
                            fields,
                        },
                    );
                }
                Err(e) => {
                    failed.push(row);
                    errors.push((name, e));
                }
            }
        }
        if failed.is_empty() {
            break;
        }
        if built.len() == before {
            for (name, e) in errors {
                tracing::warn!(keyspace, user_type = %name, error = %e, "user type metadata skipped");
            }
            break;
        }
        pending = failed;
    }
    built
}

fn function(keyspace: &str, row: &Row) -> Option<FunctionMetadata> {
    let name = text(row, "function_name")?;
    Some(FunctionMetadata {
        keyspace: keyspace.to_owned(),
        name,
        argument_names: text_list(row, "argument_names"),
        argument_types: text_list(row, "argument_types"),
        return_type: text(row, "return_type").unwrap_or_default(),
        language: text(row, "language").unwrap_or_default(),
        body: text(row, "body").unwrap_or_default(),
        called_on_null_input: boolean(row, "called_on_null_input").unwrap_or(false),
        deterministic: boolean(row, "deterministic"),
        monotonic: boolean(row, "monotonic"),
    })
}

fn aggregate(keyspace: &str, row: &Row) -> Option<AggregateMetadata> {
    let name = text(row, "aggregate_name")?;
    Some(AggregateMetadata {
        keyspace: keyspace.to_owned(),
        name,
        argument_types: text_list(row, "argument_types"),
        state_func: text(row, "state_func").unwrap_or_default(),
        state_type: text(row, "state_type").unwrap_or_default(),
        final_func: text(row, "final_func"),
        initcond: text(row, "initcond"),
        return_type: text(row, "return_type").unwrap_or_default(),
        deterministic: boolean(row, "deterministic"),
    })
}

#[cfg(test)]
#[path = "schema_rows_tests.rs"]
mod tests;
