//! Pieces of CQL text the mapper's statements share: the qualified table name, column names,
//! the `WHERE` clause.

use std::borrow::Cow;

use crate::Session;
use crate::metadata::quote_identifier;

use super::column::{Filter, Target};
use super::error::Error;
use super::model::{Model, TableDef};
use super::value::Bind;

/// The keyspace of a model's statements: the call's, else the model's, else the session's.
#[inline]
pub(crate) fn keyspace<'a>(
    def: &TableDef,
    over: Option<&'a str>,
    session: &Session,
) -> Result<Cow<'a, str>, Error> {
    if let Some(ks) = over {
        return Ok(Cow::Borrowed(ks));
    }
    if let Some(ks) = def.keyspace {
        return Ok(Cow::Borrowed(ks));
    }
    session
        .keyspace()
        .map(Cow::Owned)
        .ok_or(Error::NoKeyspace { table: def.name })
}

/// `ks.table`, quoted as needed.
pub(crate) fn table(def: &TableDef, ks: &str) -> String {
    format!("{}.{}", quote_identifier(ks), quote_identifier(def.name))
}

/// The quoted name of column `i`.
pub(crate) fn column(def: &TableDef, i: usize) -> String {
    quote_identifier(def.columns[i].name)
}

/// `a, b, c` for the given columns.
pub(crate) fn column_list(def: &TableDef, cols: &[usize]) -> String {
    let names: Vec<String> = cols.iter().map(|i| column(def, *i)).collect();
    names.join(", ")
}

/// `token(p1, p2)`.
pub(crate) fn token_of(def: &TableDef) -> String {
    format!("token({})", column_list(def, &def.partition_key()))
}

/// The relations of `filters` joined by `AND` (and the discriminator of a polymorphic
/// variant), their values pushed to `binds`; empty when there are none.
pub(crate) fn relations<M: Model>(
    filters: &[Filter<M>],
    discriminator: bool,
    binds: &mut Vec<Bind>,
) -> String {
    let def = M::TABLE;
    let mut parts = Vec::with_capacity(filters.len() + 1);
    for f in filters {
        let lhs = match f.target {
            Target::Column(i) => column(def, i),
            Target::Token => token_of(def),
        };
        match f.function {
            Some(func) => parts.push(format!("{lhs} {} {func}(?)", f.op.cql())),
            None => parts.push(format!("{lhs} {} ?", f.op.cql())),
        }
        binds.push(f.value.clone());
    }
    if discriminator {
        if let Some((col, value)) = def.discriminator {
            parts.push(format!("{} = ?", quote_identifier(col)));
            binds.push(Bind::value(value.to_owned()));
        }
    }
    parts.join(" AND ")
}
