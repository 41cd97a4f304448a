//! `sync_table`'s plan: the model compared with the table the server has (through the
//! driver's schema metadata). Missing columns are added, missing indexes created, differing
//! options altered; a column of another type, another key, or a column the model does not
//! have in its key are differences `sync_table` never resolves (it never drops nor retypes).

use std::fmt;

use crate::metadata::{ClusteringOrder, ColumnKind, TableMetadata, quote_identifier};

use super::super::model::{Order, Role, TableDef};
use super::super::types::{TypeDesc, normalize};
use super::ddl;

/// What `sync_table` runs (or would run) for a model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The table, `ks.name`.
    pub table: String,
    /// The statements, in order.
    pub statements: Vec<String>,
}

impl Plan {
    /// Whether the table already matches the model.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

impl fmt::Display for Plan {
    /// The plan as a CQL script (one statement a line), or a comment when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.statements.is_empty() {
            return writeln!(f, "-- {} matches the model", self.table);
        }
        for s in &self.statements {
            writeln!(f, "{s};")?;
        }
        Ok(())
    }
}

/// The plan for a new table: create it and its indexes.
pub(crate) fn create(def: &TableDef, ks: &str) -> Plan {
    let mut statements = vec![ddl::create_table(def, ks)];
    statements.extend(indexes(def, ks, None));
    if let Some((d, _)) = def.discriminator {
        statements.push(ddl::create_index(def, ks, d, &TypeDesc::Native("text")));
    }
    Plan {
        table: format!("{ks}.{}", def.name),
        statements,
    }
}

/// The `CREATE INDEX` of each indexed column that `existing` lacks.
fn indexes(def: &TableDef, ks: &str, existing: Option<&TableMetadata>) -> Vec<String> {
    def.columns
        .iter()
        .filter(|c| c.indexed)
        .filter(|c| {
            let typ = (c.cql_type)();
            let target = ddl::index_target(c.name, &typ);
            !existing.is_some_and(|t| {
                t.indexes.values().any(|i| {
                    i.target().is_some_and(|x| {
                        normalize(x) == normalize(&target) || normalize(x) == normalize(c.name)
                    })
                })
            })
        })
        .map(|c| ddl::create_index(def, ks, c.name, &(c.cql_type)()))
        .collect()
}

fn kind_name(k: ColumnKind) -> &'static str {
    match k {
        ColumnKind::PartitionKey => "partition key",
        ColumnKind::Clustering => "clustering",
        ColumnKind::Static => "static",
        _ => "regular",
    }
}

/// The plan for an existing table, or every difference it cannot resolve.
pub(crate) fn diff(def: &TableDef, ks: &str, t: &TableMetadata) -> Result<Plan, Vec<String>> {
    let mut problems = Vec::new();
    let mut statements = Vec::new();
    let table = format!("{}.{}", quote_identifier(ks), quote_identifier(def.name));
    let want_pk: Vec<&str> = def
        .partition_key()
        .iter()
        .map(|i| def.columns[*i].name)
        .collect();
    let want_ck: Vec<&str> = def
        .clustering_key()
        .iter()
        .map(|i| def.columns[*i].name)
        .collect();
    if want_pk
        != t.partition_key
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    {
        problems.push(format!(
            "partition key is ({}) in the model but ({}) on the server",
            want_pk.join(", "),
            t.partition_key.join(", ")
        ));
    }
    if want_ck
        != t.clustering_key
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    {
        problems.push(format!(
            "clustering key is ({}) in the model but ({}) on the server",
            want_ck.join(", "),
            t.clustering_key.join(", ")
        ));
    }
    let mut want: Vec<(&str, String, Role)> = def
        .columns
        .iter()
        .map(|c| (c.name, (c.cql_type)().to_cql(), c.role))
        .collect();
    if let Some((d, _)) = def.discriminator {
        want.push((d, "text".to_owned(), Role::Regular));
    }
    for (name, typ, role) in want {
        let Some(have) = t.column(name) else {
            match role {
                Role::Regular | Role::Static => {
                    let st = if role == Role::Static { " static" } else { "" };
                    statements.push(format!(
                        "ALTER TABLE {table} ADD {} {typ}{st}",
                        quote_identifier(name)
                    ));
                }
                _ => problems.push(format!(
                    "column {name}: a key column of the model is not in the table (keys are not added)"
                )),
            }
            continue;
        };
        if normalize(&have.type_text) != normalize(&typ) {
            problems.push(format!(
                "column {name}: type {typ} in the model but {} on the server",
                have.type_text
            ));
        }
        let want_kind = match role {
            Role::PartitionKey => ColumnKind::PartitionKey,
            Role::Clustering(_) => ColumnKind::Clustering,
            Role::Static => ColumnKind::Static,
            Role::Regular => ColumnKind::Regular,
        };
        if have.kind != want_kind {
            problems.push(format!(
                "column {name}: {} in the model but {} on the server",
                kind_name(want_kind),
                kind_name(have.kind)
            ));
        }
        if let Role::Clustering(o) = role {
            let server = match have.clustering_order {
                Some(ClusteringOrder::Desc) => Order::Desc,
                _ => Order::Asc,
            };
            if server != o {
                problems.push(format!(
                    "column {name}: clustering order {o:?} in the model but {server:?} on the server"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let changed: Vec<String> = ddl::options(def)
        .into_iter()
        .filter(|(k, v)| !option_matches(t.options.get(k).map(String::as_str), v))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if !changed.is_empty() {
        statements.push(format!(
            "ALTER TABLE {table} WITH {}",
            changed.join(" AND ")
        ));
    }
    statements.extend(indexes(def, ks, Some(t)));
    if let Some((d, _)) = def.discriminator {
        let has = t
            .indexes
            .values()
            .any(|i| i.target().is_some_and(|x| normalize(x) == normalize(d)));
        if !has {
            statements.push(ddl::create_index(def, ks, d, &TypeDesc::Native("text")));
        }
    }
    Ok(Plan {
        table: format!("{ks}.{}", def.name),
        statements,
    })
}

/// Whether the server's option value (a CQL literal) has the model's: maps compare the
/// entries the model gives (a compaction class by its short name too), numbers by value.
pub(crate) fn option_matches(server: Option<&str>, model: &str) -> bool {
    let Some(server) = server else { return false };
    let (s, m) = (server.trim(), model.trim());
    if m.starts_with('{') {
        let (Some(sm), Some(mm)) = (map_literal(s), map_literal(m)) else {
            return false;
        };
        return mm.iter().all(|(k, v)| {
            sm.iter().any(|(sk, sv)| {
                sk == k && (sv == v || (k == "class" && sv.rsplit('.').next() == Some(v.as_str())))
            })
        });
    }
    if let (Ok(a), Ok(b)) = (s.parse::<f64>(), m.parse::<f64>()) {
        return a == b;
    }
    unquote(s) == unquote(m)
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        s.to_owned()
    }
}

/// `{'a': 'b', 'c': 1}` as pairs of unquoted texts.
fn map_literal(s: &str) -> Option<Vec<(String, String)>> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let (mut cur, mut quoted) = (String::new(), false);
    for c in inner.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    for p in parts {
        let (k, v) = split_colon(&p)?;
        out.push((unquote(k), unquote(v)));
    }
    Some(out)
}

fn split_colon(p: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in p.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ':' if !quoted => return Some((&p[..i], &p[i + 1..])),
            _ => {}
        }
    }
    None
}
