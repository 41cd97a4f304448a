//! The values of an `INSERT` of a model and of a `SELECT` of a [`Query`](super::Query),
//! written in bind-marker order straight from the model row and the query (no list of binds
//! is built per call). The order is the one the statements' texts put their markers in
//! (`write.rs`, `query.rs`).

use cql_protocol::metadata::ColumnSpec;
use cql_protocol::serialize::{RowWriter, SerializeError, SerializeRow};

use super::column::Filter;
use super::model::{Model, RowSource};
use super::value::{Bind, count, named, write_bind};

/// An `INSERT`'s values: every column of the row (a `None` field unset), the discriminator of
/// a polymorphic variant, then the TTL and the timestamp when set.
pub(crate) struct InsertValues<'a, M> {
    pub(crate) row: &'a M,
    pub(crate) ttl: Option<i32>,
    pub(crate) timestamp: Option<i64>,
}

impl<M: Model> InsertValues<'_, M> {
    /// The number of values (of markers in the text).
    pub(crate) fn len(&self) -> usize {
        M::TABLE.columns.len()
            + usize::from(M::TABLE.discriminator.is_some())
            + usize::from(self.ttl.is_some())
            + usize::from(self.timestamp.is_some())
    }

    /// The same values as a list of binds (for a batch).
    pub(crate) fn to_binds(&self) -> Vec<Bind> {
        let mut binds: Vec<Bind> = (0..M::TABLE.columns.len())
            .map(|i| {
                if M::TABLE.columns[i].nullable {
                    Bind::ColumnOrUnset(i)
                } else {
                    Bind::Column(i)
                }
            })
            .collect();
        if let Some((_, value)) = M::TABLE.discriminator {
            binds.push(Bind::value(value.to_owned()));
        }
        binds.extend(self.ttl.map(Bind::value));
        binds.extend(self.timestamp.map(Bind::value));
        binds
    }
}

impl<M: Model> SerializeRow for InsertValues<'_, M> {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        count(specs, self.len())?;
        self.row.write_columns(specs, w)?;
        let mut i = M::TABLE.columns.len();
        if let Some((_, value)) = M::TABLE.discriminator {
            named(specs, i, |typ| w.value(&value, typ))?;
            i += 1;
        }
        if let Some(t) = self.ttl {
            named(specs, i, |typ| w.value(&t, typ))?;
            i += 1;
        }
        if let Some(t) = self.timestamp {
            named(specs, i, |typ| w.value(&t, typ))?;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `SELECT`'s values: each filter's, the discriminator of a polymorphic variant, then the
/// per-partition limit and the limit when set.
pub(crate) struct SelectValues<'a, M> {
    pub(crate) filters: &'a [Filter<M>],
    pub(crate) discriminator: Option<&'static str>,
    pub(crate) per_partition_limit: Option<i32>,
    pub(crate) limit: Option<i32>,
    /// The model row the filters' column values come from (a conditional write's re-read).
    pub(crate) row: Option<&'a dyn RowSource>,
}

impl<M> SelectValues<'_, M> {
    /// The number of values (of markers in the text).
    pub(crate) fn len(&self) -> usize {
        self.filters.len()
            + usize::from(self.discriminator.is_some())
            + usize::from(self.per_partition_limit.is_some())
            + usize::from(self.limit.is_some())
    }
}

impl<M> SerializeRow for SelectValues<'_, M> {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        count(specs, self.len())?;
        for (i, f) in self.filters.iter().enumerate() {
            named(specs, i, |typ| write_bind(&f.value, self.row, typ, w))?;
        }
        let mut i = self.filters.len();
        if let Some(value) = self.discriminator {
            named(specs, i, |typ| w.value(&value, typ))?;
            i += 1;
        }
        if let Some(n) = self.per_partition_limit {
            named(specs, i, |typ| w.value(&n, typ))?;
            i += 1;
        }
        if let Some(n) = self.limit {
            named(specs, i, |typ| w.value(&n, typ))?;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
