//! Polymorphic tables: variant models sharing one table, told apart by a discriminator
//! column (`#[cql(discriminator = "kind", variant = "dog")]`), and an enum of them
//! (`#[derive(cql::Polymorphic)]`) that reads each row as its variant. The helpers here
//! are what the derive's code calls.

use cql_protocol::deserialize::{ColumnIterator, DeserializeError, DeserializeValue};

use super::column::{Filter, Target};
use super::model::{Model, TableDef};
use super::query::Query;

/// The discriminator column of variant model `V`.
#[doc(hidden)]
pub fn discriminator<V: Model>() -> Result<&'static str, DeserializeError> {
    V::TABLE
        .discriminator
        .map(|(c, _)| c)
        .ok_or_else(|| DeserializeError::Malformed {
            cql_type: String::new(),
            reason: format!("{} has no #[cql(discriminator)]", V::TABLE.rust_name),
        })
}

/// The discriminator value of a row.
#[doc(hidden)]
pub fn value_of(
    row: ColumnIterator<'_, '_>,
    column: &str,
) -> Result<Option<String>, DeserializeError> {
    for c in row {
        let (spec, v) = c?;
        if spec.name == column {
            return <Option<String> as DeserializeValue<'_>>::deserialize(&spec.typ, v).map_err(
                |e| DeserializeError::Column {
                    name: spec.name.clone(),
                    source: Box::new(e),
                },
            );
        }
    }
    Err(DeserializeError::MissingColumn(column.to_owned()))
}

/// Whether `value` is variant `V`'s discriminator value.
#[doc(hidden)]
pub fn is_variant<V: Model>(value: Option<&str>) -> bool {
    V::TABLE.discriminator.map(|(_, v)| v) == value
}

/// The error for a row of no known variant.
#[doc(hidden)]
pub fn unknown(rust_name: &str, column: &str, value: Option<String>) -> DeserializeError {
    DeserializeError::Column {
        name: column.to_owned(),
        source: Box::new(DeserializeError::Malformed {
            cql_type: "text".to_owned(),
            reason: format!("{value:?} names no variant of {rust_name}"),
        }),
    }
}

/// The table of a polymorphic enum: the first variant's, read with `SELECT *`.
#[doc(hidden)]
pub const fn base_table<V: Model>(rust_name: &'static str) -> TableDef {
    let v = V::TABLE;
    TableDef {
        rust_name,
        name: v.name,
        keyspace: v.keyspace,
        columns: v.columns,
        default_ttl: v.default_ttl,
        options: v.options,
        discriminator: None,
        view: None,
        polymorphic: match v.discriminator {
            Some((c, _)) => Some(c),
            None => None,
        },
    }
}

impl<P: Model> Query<P> {
    /// Adds a restriction given on a variant model's column (`Dog::ID.eq(1)`) to a query of
    /// the polymorphic enum: the column is found by name in the enum's table (the first
    /// variant's columns; keys are shared by every variant). `None` when it has no such
    /// column.
    #[must_use]
    pub fn filter_variant<V: Model>(self, f: Filter<V>) -> Option<Self> {
        let target = match f.target {
            Target::Token => Target::Token,
            Target::Column(i) => Target::Column(P::TABLE.column_index(V::TABLE.columns[i].name)?),
        };
        if V::TABLE.name != P::TABLE.name {
            return None;
        }
        let mut g = Filter::new(target, f.op, f.value);
        g.function = f.function;
        Some(self.filter(g))
    }
}
