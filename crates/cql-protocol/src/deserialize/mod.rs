//! Reading values and rows out of a RESULT frame without copying.
//!
//! [`DeserializeValue<'frame>`] turns one column value into a Rust value; `&'frame str` and
//! `&'frame [u8]` borrow straight from the frame, `Bytes` shares it. [`DeserializeRow<'frame>`]
//! does the same for a whole row (tuples, [`Row`] of [`CqlValue`](crate::types::CqlValue)s).
//! Types are checked once per result before any row is read; a mismatch is a
//! [`DeserializeError`] naming the column.

pub(crate) mod impls;
mod row;

pub use row::{ColumnIterator, RawRow, Row, RowIterator, TypedRowIterator};

use bytes::Bytes;

use crate::types::ColumnType;

/// Why a value or row could not be deserialized.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeserializeError {
    /// The Rust type cannot hold the column's CQL type.
    #[error("cannot deserialize CQL type {cql_type} into Rust type {rust_type}")]
    TypeMismatch {
        /// The Rust type's name.
        rust_type: &'static str,
        /// The column's CQL type.
        cql_type: String,
    },
    /// A null where the Rust type has no null (use `Option`).
    #[error("unexpected null (use Option<T> for nullable columns)")]
    UnexpectedNull,
    /// The bytes do not encode a valid value of the type.
    #[error("malformed {cql_type} value: {reason}")]
    Malformed {
        /// The CQL type.
        cql_type: String,
        /// What was wrong.
        reason: String,
    },
    /// The error is about this column.
    #[error("column {name}: {source}")]
    Column {
        /// The column name.
        name: String,
        /// The error.
        #[source]
        source: Box<DeserializeError>,
    },
    /// The row has a different number of columns than the Rust type.
    #[error("row has {actual} columns but the Rust type expects {expected}")]
    WrongColumnCount {
        /// Columns the Rust type expects.
        expected: usize,
        /// Columns in the result.
        actual: usize,
    },
    /// The rows are shorter than announced.
    #[error("rows data truncated")]
    Truncated,
    /// The Rust type needs a column the result does not have.
    #[error("the result has no column {0}")]
    MissingColumn(String),
}

impl DeserializeError {
    pub(crate) fn mismatch<T: ?Sized>(typ: &ColumnType) -> Self {
        DeserializeError::TypeMismatch {
            rust_type: std::any::type_name::<T>(),
            cql_type: typ.to_string(),
        }
    }

    pub(crate) fn malformed(typ: &ColumnType, reason: impl Into<String>) -> Self {
        DeserializeError::Malformed {
            cql_type: typ.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn in_column(self, name: &str) -> Self {
        DeserializeError::Column {
            name: name.to_owned(),
            source: Box::new(self),
        }
    }
}

/// One value's bytes inside a frame: a slice plus the frame it came from (for zero-copy `Bytes`).
#[derive(Debug, Clone, Copy)]
pub struct RawValue<'frame> {
    frame: &'frame Bytes,
    data: &'frame [u8],
}

impl<'frame> RawValue<'frame> {
    /// A value whose bytes `data` lie inside `frame`.
    #[inline]
    pub fn new(frame: &'frame Bytes, data: &'frame [u8]) -> Self {
        RawValue { frame, data }
    }

    /// The value's bytes, borrowed from the frame.
    #[inline]
    pub fn as_slice(&self) -> &'frame [u8] {
        self.data
    }

    /// The value's bytes as `Bytes` sharing the frame's buffer.
    pub fn to_bytes(&self) -> Bytes {
        crate::wire::slice_of(self.frame, self.data)
    }

    /// The frame this value lies in.
    pub fn frame(&self) -> &'frame Bytes {
        self.frame
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the value has no bytes (an "empty" value, distinct from null).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A Rust type that can be read from a column value of a frame that lives for `'frame`.
pub trait DeserializeValue<'frame>: Sized {
    /// Whether this Rust type can hold values of `typ`.
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError>;

    /// Reads the value (`None` is null). Called only after `type_check` succeeded for `typ`.
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'frame>>)
    -> Result<Self, DeserializeError>;
}

/// A Rust type that can be read from a whole row.
pub trait DeserializeRow<'frame>: Sized {
    /// Whether this Rust type can hold rows with these columns.
    fn type_check(columns: &[crate::metadata::ColumnSpec]) -> Result<(), DeserializeError>;

    /// Reads the row. Called only after `type_check` succeeded.
    fn deserialize(row: ColumnIterator<'frame, '_>) -> Result<Self, DeserializeError>;
}

#[cfg(test)]
#[path = "deserialize_tests.rs"]
mod tests;
