//! Bound values of mapper statements: a value given in a filter or assignment, or a column
//! of the model being written; bound against the prepared statement's bind markers.

use std::any::Any;
use std::sync::Arc;

use cql_protocol::metadata::ColumnSpec;
use cql_protocol::serialize::{RowWriter, SerializeError, SerializeRow, SerializeValue, Unset};
use cql_protocol::types::ColumnType;

use super::model::RowSource;

/// A value the mapper holds until the statement is bound.
pub(crate) type Value = Arc<dyn SerializeValue + Send + Sync>;

/// Where a bind marker's value comes from.
#[derive(Clone)]
pub(crate) enum Bind {
    /// A value given by the caller.
    Value(Value),
    /// A value given by the caller of one of the common key types, held inline (no
    /// allocation per filter); written by the same `SerializeValue` impl as the others.
    Small(Small),
    /// A column of the model being written.
    Column(usize),
    /// A column of the model, unset (left as it is) when the field is `None`.
    ColumnOrUnset(usize),
}

/// The common key types a [`Bind::Small`] holds.
#[derive(Clone, Copy)]
pub(crate) enum Small {
    Int(i32),
    BigInt(i64),
    Uuid(uuid::Uuid),
}

impl Bind {
    pub(crate) fn value<T: SerializeValue + Send + Sync + 'static>(v: T) -> Bind {
        let any: &dyn Any = &v;
        if let Some(n) = any.downcast_ref::<i32>() {
            return Bind::Small(Small::Int(*n));
        }
        if let Some(n) = any.downcast_ref::<i64>() {
            return Bind::Small(Small::BigInt(*n));
        }
        if let Some(u) = any.downcast_ref::<uuid::Uuid>() {
            return Bind::Small(Small::Uuid(*u));
        }
        Bind::Value(Arc::new(v))
    }
}

impl std::fmt::Debug for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bind::Value(_) | Bind::Small(_) => f.write_str("value"),
            Bind::Column(i) => write!(f, "column #{i}"),
            Bind::ColumnOrUnset(i) => write!(f, "column #{i} or unset"),
        }
    }
}

/// The values of one statement, in bind-marker order.
pub(crate) struct Binds<'a> {
    pub(crate) items: &'a [Bind],
    pub(crate) row: Option<&'a dyn RowSource>,
}

impl SerializeRow for Binds<'_> {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        count(specs, self.items.len())?;
        for (i, item) in self.items.iter().enumerate() {
            named(specs, i, |typ| write_bind(item, self.row, typ, w))?;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Refuses `got` values for a statement of `specs.len()` markers.
#[inline]
pub(crate) fn count(specs: Option<&[ColumnSpec]>, got: usize) -> Result<(), SerializeError> {
    match specs {
        Some(s) if s.len() != got => Err(SerializeError::WrongValueCount {
            expected: s.len(),
            got,
        }),
        _ => Ok(()),
    }
}

/// Writes value `i` with `write` (given its marker's type), an error naming the marker.
#[inline]
pub fn named(
    specs: Option<&[ColumnSpec]>,
    i: usize,
    write: impl FnOnce(Option<&ColumnType>) -> Result<(), SerializeError>,
) -> Result<(), SerializeError> {
    let spec = specs.and_then(|s| s.get(i));
    write(spec.map(|s| &s.typ)).map_err(|e| SerializeError::Column {
        name: spec.map_or_else(|| format!("#{i}"), |s| s.name.clone()),
        source: Box::new(e),
    })
}

/// Writes one bind: the caller's value, or the model row's column.
#[inline(always)]
pub(crate) fn write_bind(
    item: &Bind,
    row: Option<&dyn RowSource>,
    typ: Option<&ColumnType>,
    w: &mut RowWriter<'_>,
) -> Result<(), SerializeError> {
    match item {
        Bind::Value(v) => w.value(&**v, typ),
        Bind::Small(Small::Int(n)) => w.value(n, typ),
        Bind::Small(Small::BigInt(n)) => w.value(n, typ),
        Bind::Small(Small::Uuid(u)) => w.value(u, typ),
        Bind::Column(c) | Bind::ColumnOrUnset(c) => match row {
            Some(row) if matches!(item, Bind::ColumnOrUnset(_)) && row.null(*c) => {
                w.value(&Unset, typ)
            }
            Some(row) => row.bind(*c, typ, w),
            None => Err(SerializeError::InvalidValue {
                cql_type: String::new(),
                reason: "no model row to read the column from".to_owned(),
            }),
        },
    }
}
