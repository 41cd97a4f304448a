//! Schema metadata (read from `system_schema`): tables with their columns, keys, options and
//! indexes, materialized views, user-defined types, functions and aggregates; and their
//! rendering back to CQL (`as_cql_query`, [`KeyspaceMetadata::export_as_string`]).
//!
//! [`KeyspaceMetadata::export_as_string`]: super::KeyspaceMetadata::export_as_string

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use cql_protocol::types::{ColumnType, UserDefinedType};

use super::quoting::{
    quote_function_name, quote_identifier, quote_string, quote_type_name, requote_index_target,
    requote_type, requote_where_clause,
};

/// What part of the primary key a column is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnKind {
    /// A partition key column.
    PartitionKey,
    /// A clustering column.
    Clustering,
    /// A regular column.
    Regular,
    /// A static column (one value per partition).
    Static,
}

/// The order of a clustering column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusteringOrder {
    /// Ascending (the default).
    Asc,
    /// Descending.
    Desc,
}

/// A column of a table or materialized view.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ColumnMetadata {
    /// Its name, as stored (case-sensitive, unquoted).
    pub name: String,
    /// Its type (user types resolved against the keyspace's types; `frozen` is not kept here).
    pub cql_type: ColumnType,
    /// The type as the schema spells it, e.g. `frozen<map<text, int>>`.
    pub type_text: String,
    /// Key part or regular/static.
    pub kind: ColumnKind,
    /// For clustering columns, their order.
    pub clustering_order: Option<ClusteringOrder>,
    /// Position within the partition or clustering key; `-1` for other columns.
    pub position: i32,
}

/// The kind of a secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IndexKind {
    /// `KEYS` (indexes of legacy thrift tables).
    Keys,
    /// `COMPOSITES`: a built-in secondary index.
    Composites,
    /// `CUSTOM`: an index class (e.g. SAI, SASI), named by the `class_name` option.
    Custom,
    /// Any other kind the server reports.
    Other(String),
}

/// A secondary index of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The indexed table.
    pub table: String,
    /// The index name.
    pub name: String,
    /// Its kind.
    pub kind: IndexKind,
    /// Its options, including `target` (e.g. `v`, `keys(m)`, `full(f)`) and, for custom
    /// indexes, `class_name`.
    pub options: BTreeMap<String, String>,
}

impl IndexMetadata {
    /// What is indexed: the `target` option, in CQL (e.g. `values(l)`).
    pub fn target(&self) -> Option<&str> {
        self.options.get("target").map(String::as_str)
    }

    /// The `CREATE INDEX` statement that makes this index (without the final `;`).
    pub fn as_cql_query(&self) -> String {
        let target = requote_index_target(self.target().unwrap_or_default());
        let on = format!(
            "{} ON {}.{} ({target})",
            quote_identifier(&self.name),
            quote_identifier(&self.keyspace),
            quote_identifier(&self.table),
        );
        match (&self.kind, self.options.get("class_name")) {
            (IndexKind::Custom, Some(class)) => {
                let mut s = format!("CREATE CUSTOM INDEX {on} USING {}", quote_string(class));
                let rest: BTreeMap<&String, &String> = self
                    .options
                    .iter()
                    .filter(|(k, _)| k.as_str() != "target" && k.as_str() != "class_name")
                    .collect();
                if !rest.is_empty() {
                    let pairs: Vec<String> = rest
                        .iter()
                        .map(|(k, v)| format!("{}: {}", quote_string(k), quote_string(v)))
                        .collect();
                    let _ = write!(s, " WITH OPTIONS = {{{}}}", pairs.join(", "));
                }
                s
            }
            _ => format!("CREATE INDEX {on}"),
        }
    }
}

/// A trigger of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TriggerMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The table it is on.
    pub table: String,
    /// The trigger name.
    pub name: String,
    /// Its options; `class` names the trigger's Java class.
    pub options: BTreeMap<String, String>,
}

impl TriggerMetadata {
    /// The `CREATE TRIGGER` statement that makes this trigger (without `;`).
    pub fn as_cql_query(&self) -> String {
        format!(
            "CREATE TRIGGER {} ON {}.{} USING {}",
            quote_identifier(&self.name),
            quote_identifier(&self.keyspace),
            quote_identifier(&self.table),
            quote_string(
                self.options
                    .get("class")
                    .map(String::as_str)
                    .unwrap_or_default()
            ),
        )
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The table name.
    pub name: String,
    /// Every column: the partition key, then the clustering columns (both in key order),
    /// then the other columns ordered by name.
    pub columns: Vec<ColumnMetadata>,
    /// The partition key columns' names, in order.
    pub partition_key: Vec<String>,
    /// The clustering columns' names, in order.
    pub clustering_key: Vec<String>,
    /// Table options by name (`comment`, `default_time_to_live`, `gc_grace_seconds`,
    /// `compaction`, `compression`, `caching`, ...), each as CQL literal text such as `'x'`,
    /// `864000` or `{'class': '...'}`.
    pub options: BTreeMap<String, String>,
    /// Secondary indexes by name.
    pub indexes: BTreeMap<String, IndexMetadata>,
    /// Triggers by name.
    pub triggers: BTreeMap<String, TriggerMetadata>,
}

impl TableMetadata {
    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnMetadata> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The `CREATE TABLE` statement that makes this table (without indexes, without `;`).
    pub fn as_cql_query(&self) -> String {
        let mut s = format!(
            "CREATE TABLE {}.{} (\n",
            quote_identifier(&self.keyspace),
            quote_identifier(&self.name)
        );
        for c in &self.columns {
            let _ = write!(
                s,
                "    {} {}",
                quote_identifier(&c.name),
                requote_type(&c.type_text)
            );
            if c.kind == ColumnKind::Static {
                s.push_str(" static");
            }
            s.push_str(",\n");
        }
        let _ = write!(
            s,
            "    {}\n)",
            primary_key(&self.partition_key, &self.clustering_key)
        );
        s.push_str(&with_options(&self.columns, &self.options));
        s
    }

    /// The table, its indexes and its triggers as CQL statements, each ending with `;`, separated by blank
    /// lines.
    pub fn export_as_string(&self) -> String {
        self.statements().join("\n\n")
    }

    pub(crate) fn statements(&self) -> Vec<String> {
        let mut out = vec![format!("{};", self.as_cql_query())];
        out.extend(
            self.indexes
                .values()
                .map(|i| format!("{};", i.as_cql_query())),
        );
        out.extend(
            self.triggers
                .values()
                .map(|t| format!("{};", t.as_cql_query())),
        );
        out
    }
}

/// A materialized view.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MaterializedViewMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The view name.
    pub name: String,
    /// The table it selects from.
    pub base_table: String,
    /// Its `WHERE` clause (as stored, e.g. `a IS NOT NULL AND b IS NOT NULL`).
    pub where_clause: String,
    /// Whether it was created with `SELECT *`.
    pub include_all_columns: bool,
    /// Its columns, ordered like a table's.
    pub columns: Vec<ColumnMetadata>,
    /// The partition key columns' names, in order.
    pub partition_key: Vec<String>,
    /// The clustering columns' names, in order.
    pub clustering_key: Vec<String>,
    /// Options by name, as CQL literal text (see [`TableMetadata::options`]).
    pub options: BTreeMap<String, String>,
}

impl MaterializedViewMetadata {
    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnMetadata> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The `CREATE MATERIALIZED VIEW` statement that makes this view (without `;`).
    pub fn as_cql_query(&self) -> String {
        let selected = if self.include_all_columns {
            "*".to_owned()
        } else {
            self.columns
                .iter()
                .map(|c| quote_identifier(&c.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ks = quote_identifier(&self.keyspace);
        let mut s = format!(
            "CREATE MATERIALIZED VIEW {ks}.{} AS\n    SELECT {selected}\n    FROM {ks}.{}\n    WHERE {}\n    {}",
            quote_identifier(&self.name),
            quote_identifier(&self.base_table),
            requote_where_clause(&self.where_clause),
            primary_key(&self.partition_key, &self.clustering_key),
        );
        s.push_str(&with_options(&self.columns, &self.options));
        s
    }
}

/// A field of a user-defined type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserTypeField {
    /// The field name.
    pub name: String,
    /// Its type.
    pub cql_type: ColumnType,
    /// The type as the schema spells it.
    pub type_text: String,
}

/// A user-defined type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserTypeMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The type name.
    pub name: String,
    /// Its fields, in order.
    pub fields: Vec<UserTypeField>,
}

impl UserTypeMetadata {
    /// The type as a [`ColumnType::Udt`].
    pub fn to_column_type(&self) -> ColumnType {
        ColumnType::Udt(Arc::new(UserDefinedType {
            keyspace: self.keyspace.clone(),
            name: self.name.clone(),
            fields: self
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.cql_type.clone()))
                .collect(),
        }))
    }

    /// The `CREATE TYPE` statement that makes this type (without `;`).
    pub fn as_cql_query(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                format!(
                    "    {} {}",
                    quote_identifier(&f.name),
                    requote_type(&f.type_text)
                )
            })
            .collect();
        format!(
            "CREATE TYPE {}.{} (\n{}\n)",
            quote_identifier(&self.keyspace),
            quote_type_name(&self.name),
            fields.join(",\n")
        )
    }
}

/// A user-defined function.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The function name.
    pub name: String,
    /// Argument names, in order.
    pub argument_names: Vec<String>,
    /// Argument types as CQL text, in order.
    pub argument_types: Vec<String>,
    /// The return type as CQL text.
    pub return_type: String,
    /// The language, e.g. `java`.
    pub language: String,
    /// The body.
    pub body: String,
    /// `CALLED ON NULL INPUT` (true) or `RETURNS NULL ON NULL INPUT` (false).
    pub called_on_null_input: bool,
    /// `deterministic`, on servers whose schema has it.
    pub deterministic: Option<bool>,
    /// `monotonic`, on servers whose schema has it.
    pub monotonic: Option<bool>,
}

impl FunctionMetadata {
    /// `name(type1,type2)`: the key of the keyspace's `functions` map (functions may be
    /// overloaded).
    pub fn signature(&self) -> String {
        signature(&self.name, &self.argument_types)
    }

    /// The `CREATE FUNCTION` statement that makes this function (without `;`).
    pub fn as_cql_query(&self) -> String {
        let args: Vec<String> = self
            .argument_names
            .iter()
            .zip(&self.argument_types)
            .map(|(n, t)| format!("{} {}", quote_identifier(n), requote_type(t)))
            .collect();
        // A `$$` body cannot contain `$$`; a quoted string can hold anything.
        let body = if self.body.contains("$$") {
            quote_string(&self.body)
        } else {
            format!("$${}$$", self.body)
        };
        format!(
            "CREATE FUNCTION {}.{}({})\n    {} ON NULL INPUT\n    RETURNS {}\n    LANGUAGE {}\n    AS {body}",
            quote_identifier(&self.keyspace),
            quote_function_name(&self.name),
            args.join(", "),
            if self.called_on_null_input {
                "CALLED"
            } else {
                "RETURNS NULL"
            },
            requote_type(&self.return_type),
            quote_identifier(&self.language),
        )
    }
}

/// A user-defined aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AggregateMetadata {
    /// The keyspace.
    pub keyspace: String,
    /// The aggregate name.
    pub name: String,
    /// Argument types as CQL text, in order.
    pub argument_types: Vec<String>,
    /// The state function's name (in the same keyspace).
    pub state_func: String,
    /// The state type as CQL text.
    pub state_type: String,
    /// The final function's name, if any.
    pub final_func: Option<String>,
    /// The initial state as a CQL literal, if any.
    pub initcond: Option<String>,
    /// The return type as CQL text.
    pub return_type: String,
    /// `deterministic`, on servers whose schema has it.
    pub deterministic: Option<bool>,
}

impl AggregateMetadata {
    /// `name(type1,type2)`: the key of the keyspace's `aggregates` map.
    pub fn signature(&self) -> String {
        signature(&self.name, &self.argument_types)
    }

    /// The `CREATE AGGREGATE` statement that makes this aggregate (without `;`).
    pub fn as_cql_query(&self) -> String {
        let mut s = format!(
            "CREATE AGGREGATE {}.{}({})\n    SFUNC {}\n    STYPE {}",
            quote_identifier(&self.keyspace),
            quote_function_name(&self.name),
            self.argument_types
                .iter()
                .map(|t| requote_type(t))
                .collect::<Vec<_>>()
                .join(", "),
            quote_function_name(&self.state_func),
            requote_type(&self.state_type),
        );
        if let Some(f) = &self.final_func {
            let _ = write!(s, "\n    FINALFUNC {}", quote_function_name(f));
        }
        if let Some(i) = &self.initcond {
            let _ = write!(s, "\n    INITCOND {i}");
        }
        s
    }
}

fn signature(name: &str, types: &[String]) -> String {
    format!("{name}({})", types.join(","))
}

/// `PRIMARY KEY ((a, b), c, d)`.
fn primary_key(partition_key: &[String], clustering_key: &[String]) -> String {
    let pk: Vec<String> = partition_key.iter().map(|c| quote_identifier(c)).collect();
    let mut parts = vec![if pk.len() == 1 {
        pk.concat()
    } else {
        format!("({})", pk.join(", "))
    }];
    parts.extend(clustering_key.iter().map(|c| quote_identifier(c)));
    format!("PRIMARY KEY ({})", parts.join(", "))
}

/// Options Cassandra 4.0+ still lists in `system_schema` (always `0.0`) but rejects in DDL;
/// rendered only when set (by an older server).
const OBSOLETE_OPTIONS: &[&str] = &["read_repair_chance", "dclocal_read_repair_chance"];

/// ` WITH CLUSTERING ORDER BY (...) AND option = value ...` (empty without either).
fn with_options(columns: &[ColumnMetadata], options: &BTreeMap<String, String>) -> String {
    let mut clauses = Vec::new();
    let order: Vec<String> = columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Clustering)
        .map(|c| {
            let dir = match c.clustering_order {
                Some(ClusteringOrder::Desc) => "DESC",
                _ => "ASC",
            };
            format!("{} {dir}", quote_identifier(&c.name))
        })
        .collect();
    if !order.is_empty() {
        clauses.push(format!("CLUSTERING ORDER BY ({})", order.join(", ")));
    }
    clauses.extend(
        options
            .iter()
            .filter(|(k, v)| !(OBSOLETE_OPTIONS.contains(&k.as_str()) && v.as_str() == "0.0"))
            .map(|(k, v)| format!("{k} = {v}")),
    );
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WITH {}", clauses.join("\n    AND "))
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
