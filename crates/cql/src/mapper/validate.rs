//! Filters the server would refuse, refused before sending with an error that names the
//! column and the rule.

use super::column::{Filter, Op, OrderBy, Target};
use super::error::Error;
use super::model::{Model, Order, Role, TableDef};

fn refuse(column: &str, rule: impl Into<String>) -> Error {
    Error::InvalidFilter {
        column: column.to_owned(),
        rule: rule.into(),
    }
}

/// Checks the `WHERE` and `ORDER BY` of a `SELECT`.
pub(crate) fn select<M: Model>(
    filters: &[Filter<M>],
    order: &[OrderBy<M>],
    allow_filtering: bool,
) -> Result<(), Error> {
    let def = M::TABLE;
    let pk = def.partition_key();
    let ck = def.clustering_key();
    let has_token = filters.iter().any(|f| f.target == Target::Token);
    let mut indexed_filter = false;
    for f in filters {
        let Target::Column(i) = f.target else {
            if !matches!(f.op, Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge) {
                return Err(refuse(
                    &super::cql_text::token_of(def),
                    "token() takes =, <, <=, > or >=",
                ));
            }
            continue;
        };
        let c = &def.columns[i];
        match c.role {
            Role::PartitionKey => {
                if !matches!(f.op, Op::Eq | Op::In) && !allow_filtering {
                    return Err(refuse(
                        c.name,
                        "a partition key column is restricted only by = or IN \
                         (filter on token() for a range, or allow_filtering)",
                    ));
                }
            }
            Role::Clustering(_) => {
                if f.op == Op::In && ck.last() != Some(&i) {
                    return Err(refuse(
                        c.name,
                        "IN is allowed only on the last clustering column",
                    ));
                }
                if matches!(f.op, Op::Contains | Op::ContainsKey) && !allow_filtering {
                    return Err(refuse(
                        c.name,
                        "CONTAINS on a clustering column needs allow_filtering",
                    ));
                }
            }
            Role::Static | Role::Regular => {
                let by_index = c.indexed && matches!(f.op, Op::Eq | Op::Contains | Op::ContainsKey);
                indexed_filter |= by_index;
                if !by_index && !allow_filtering {
                    return Err(refuse(
                        c.name,
                        if c.indexed {
                            "an indexed column is restricted only by =, CONTAINS or CONTAINS KEY \
                             without allow_filtering"
                        } else {
                            "a column that is neither a key nor indexed needs allow_filtering"
                        },
                    ));
                }
            }
        }
    }
    let restricted = |i: usize| filters.iter().any(|f| f.target == Target::Column(i));
    let by_key_eq = |i: usize| {
        filters
            .iter()
            .any(|f| f.target == Target::Column(i) && matches!(f.op, Op::Eq | Op::In))
    };
    let pk_full = pk.iter().all(|i| by_key_eq(*i));
    if !allow_filtering && !has_token {
        if let (Some(first), Some(missing)) = (
            pk.iter().find(|i| restricted(**i)),
            pk.iter().find(|i| !restricted(**i)),
        ) {
            let _ = first;
            return Err(refuse(
                def.columns[*missing].name,
                "every partition key column must be restricted when one is",
            ));
        }
    }
    if !allow_filtering && !indexed_filter {
        // Clustering restrictions: a prefix, = before the last one, under a whole key.
        let mut open = true;
        for (n, i) in ck.iter().enumerate() {
            let fs: Vec<&Filter<M>> = filters
                .iter()
                .filter(|f| f.target == Target::Column(*i))
                .collect();
            if fs.is_empty() {
                open = false;
                continue;
            }
            let name = def.columns[*i].name;
            if !pk_full {
                return Err(refuse(
                    name,
                    "a clustering column is restricted only when the whole partition key is \
                     (by = or IN), else use allow_filtering",
                ));
            }
            if !open {
                let prev = def.columns[ck[n - 1]].name;
                return Err(refuse(
                    name,
                    format!(
                        "clustering column {name} is restricted but the preceding {prev} is not \
                         restricted by =, so allow_filtering is needed"
                    ),
                ));
            }
            if fs.iter().any(|f| f.op.is_range()) {
                open = false;
            }
        }
    }
    order_by(def, filters, order)
}

fn order_by<M: Model>(
    def: &TableDef,
    filters: &[Filter<M>],
    order: &[OrderBy<M>],
) -> Result<(), Error> {
    if order.is_empty() {
        return Ok(());
    }
    let ck = def.clustering_key();
    let pk_eq = def.partition_key().iter().all(|i| {
        filters
            .iter()
            .any(|f| f.target == Target::Column(*i) && matches!(f.op, Op::Eq | Op::In))
    });
    let mut reversed = None;
    for (n, o) in order.iter().enumerate() {
        let c = &def.columns[o.column];
        let Role::Clustering(declared) = c.role else {
            return Err(refuse(c.name, "order_by is only on clustering columns"));
        };
        if !pk_eq {
            return Err(refuse(
                c.name,
                "order_by needs the whole partition key restricted by = or IN",
            ));
        }
        if ck.get(n) != Some(&o.column) {
            return Err(refuse(
                c.name,
                "order_by takes the clustering columns in their declared order, from the first",
            ));
        }
        let rev = o.desc != (declared == Order::Desc);
        if *reversed.get_or_insert(rev) != rev {
            return Err(refuse(
                c.name,
                "order_by is the clustering order or its exact reverse, for every column",
            ));
        }
    }
    Ok(())
}

/// Checks the `WHERE` of an `UPDATE` or a `DELETE` of whole rows (`row_level`) or of
/// partitions' static columns; `range_ok` allows a clustering range (row deletes).
pub(crate) fn write<M: Model>(
    filters: &[Filter<M>],
    needs_full_clustering: bool,
    range_ok: bool,
) -> Result<(), Error> {
    let def = M::TABLE;
    for f in filters {
        let name = match f.target {
            Target::Token => return Err(refuse("token()", "writes are by key, not by token")),
            Target::Column(i) => def.columns[i].name,
        };
        let Target::Column(i) = f.target else {
            continue;
        };
        match def.columns[i].role {
            Role::PartitionKey if !matches!(f.op, Op::Eq | Op::In) => {
                return Err(refuse(
                    name,
                    "a write restricts the partition key by = or IN",
                ));
            }
            Role::Clustering(_) if f.op.is_range() && !range_ok => {
                return Err(refuse(
                    name,
                    "this write restricts clustering columns by = or IN",
                ));
            }
            Role::Clustering(_) if matches!(f.op, Op::Contains | Op::ContainsKey) => {
                return Err(refuse(name, "a write's WHERE has no CONTAINS"));
            }
            Role::Static | Role::Regular => {
                return Err(refuse(
                    name,
                    "a write's WHERE restricts key columns only (use a condition for others)",
                ));
            }
            _ => {}
        }
    }
    let has = |i: usize| filters.iter().any(|f| f.target == Target::Column(i));
    for i in def.partition_key() {
        if !has(i) {
            return Err(refuse(
                def.columns[i].name,
                "a write restricts every partition key column",
            ));
        }
    }
    if needs_full_clustering {
        for i in def.clustering_key() {
            if !has(i) {
                return Err(refuse(
                    def.columns[i].name,
                    "this write restricts every clustering column",
                ));
            }
        }
    }
    Ok(())
}
