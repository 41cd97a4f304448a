//! What `#[derive(Model)]` and `#[derive(UserType)]` describe: the table (name, keyspace,
//! columns with their key roles, options) and the user types, as static data.

use cql_protocol::deserialize::DeserializeRow;
use cql_protocol::metadata::ColumnSpec;
use cql_protocol::serialize::{RowWriter, SerializeError, Unset};
use cql_protocol::types::ColumnType;

use super::slots::ModelSlot;
use super::types::TypeFn;
use super::value::named;

/// A struct mapped to a table; derive it with `#[derive(cql::Model)]`.
pub trait Model: for<'f> DeserializeRow<'f> + Send + Sync + Sized + 'static {
    /// The table.
    const TABLE: &'static TableDef;

    /// Writes the value of column `index` (into [`TableDef::columns`]).
    fn bind_column(
        &self,
        index: usize,
        typ: Option<&ColumnType>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError>;

    /// Whether column `index` is an `Option` field holding `None`.
    fn is_null(&self, index: usize) -> bool;

    /// Writes every column in [`TableDef::columns`] order as values `0..` of `specs` (a
    /// `None` field unset): the values of an `INSERT` of the row. The derive writes each
    /// field directly.
    #[doc(hidden)]
    fn write_columns(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        for (i, col) in Self::TABLE.columns.iter().enumerate() {
            named(specs, i, |typ| {
                if col.nullable && self.is_null(i) {
                    w.value(&Unset, typ)
                } else {
                    self.bind_column(i, typ, w)
                }
            })?;
        }
        Ok(())
    }

    /// The model's number in each session's cells of common statements; the derive gives
    /// every model one.
    #[doc(hidden)]
    fn slot() -> Option<&'static ModelSlot> {
        None
    }
}

/// A model's row as an object (what a bound statement reads column values from).
pub(crate) trait RowSource: Sync {
    fn bind(
        &self,
        index: usize,
        typ: Option<&ColumnType>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError>;
    fn null(&self, index: usize) -> bool;
}

impl<M: Model> RowSource for M {
    fn bind(
        &self,
        index: usize,
        typ: Option<&ColumnType>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        self.bind_column(index, typ, w)
    }
    fn null(&self, index: usize) -> bool {
        self.is_null(index)
    }
}

/// A table as a model describes it.
#[derive(Debug)]
pub struct TableDef {
    /// The Rust type's name (for messages).
    pub rust_name: &'static str,
    /// The table name (`#[cql(table = "..")]`, else the type's name in snake case).
    pub name: &'static str,
    /// The keyspace (`#[cql(keyspace = "..")]`), else the session's.
    pub keyspace: Option<&'static str>,
    /// The columns, in field order.
    pub columns: &'static [ColumnDef],
    /// `default_time_to_live`, in seconds.
    pub default_ttl: Option<u32>,
    /// Table options: name and value as a CQL literal.
    pub options: &'static [(&'static str, &'static str)],
    /// For one variant of a polymorphic table: the discriminator column and this variant's
    /// value of it.
    pub discriminator: Option<(&'static str, &'static str)>,
    /// For a materialized view model: its base table and `WHERE` clause.
    pub view: Option<ViewDef>,
    /// For the enum of a polymorphic table's variants: the discriminator column (rows are
    /// read with `SELECT *` and each as its variant).
    pub polymorphic: Option<&'static str>,
}

/// The definition of a materialized view model.
#[derive(Debug, Clone, Copy)]
pub struct ViewDef {
    /// The base table's name (same keyspace).
    pub base_table: &'static str,
    /// The view's `WHERE` clause (without `WHERE`).
    pub where_clause: &'static str,
}

/// A column's part in the primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Partition key (in field order).
    PartitionKey,
    /// Clustering key (in field order) with its order.
    Clustering(Order),
    /// Static column.
    Static,
    /// Regular column.
    Regular,
}

/// A clustering order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// A column of a model.
#[derive(Debug)]
pub struct ColumnDef {
    /// The column name.
    pub name: &'static str,
    /// The Rust field.
    pub field: &'static str,
    /// Its part in the key.
    pub role: Role,
    /// `#[cql(index)]`: a secondary index on it.
    pub indexed: bool,
    /// The field is an `Option`.
    pub nullable: bool,
    /// `#[cql(counter)]`.
    pub counter: bool,
    /// `#[cql(default)]`: reading without this column gives `Default::default()`.
    pub default: bool,
    /// Its CQL type.
    pub cql_type: TypeFn,
}

impl TableDef {
    /// The partition key columns' indexes, in order.
    pub fn partition_key(&self) -> Vec<usize> {
        self.indexes(|r| r == Role::PartitionKey)
    }

    /// The number of partition key columns; `const`, so that a model's is known when it
    /// is compiled (`Query::is_key_lookup`).
    pub const fn partition_key_len(&self) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < self.columns.len() {
            if matches!(self.columns[i].role, Role::PartitionKey) {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The clustering columns' indexes, in order.
    pub fn clustering_key(&self) -> Vec<usize> {
        self.indexes(|r| matches!(r, Role::Clustering(_)))
    }

    fn indexes(&self, f: impl Fn(Role) -> bool) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|i| f(self.columns[*i].role))
            .collect()
    }

    /// Whether the table is a counter table; `const`, so that a model's is known when it is
    /// compiled (every insert asks).
    pub const fn is_counter(&self) -> bool {
        let mut i = 0;
        while i < self.columns.len() {
            if self.columns[i].counter {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The column index of `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
