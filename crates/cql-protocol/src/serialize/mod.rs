//! Writing bound values straight into the frame buffer.
//!
//! [`SerializeValue`] writes one `[value]` (4-byte length prefix and contents) for a Rust value,
//! type-checked against the column's [`ColumnType`] when it is known (prepared statements), or in
//! the Rust type's natural encoding when it is not (unprepared QUERY with values).
//! [`SerializeRow`] writes the values of a statement: positional (tuples, slices, `Vec`) or named
//! (`HashMap`/`BTreeMap` of names to values), with [`Unset`]/[`MaybeUnset`] for unset values and
//! `Option` for null.

mod impls;
mod row;

pub use row::{RowWriter, SerializeRow, SerializedValues};

use bytes::{BufMut, BytesMut};

use crate::types::ColumnType;

/// Why a value could not be serialized.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SerializeError {
    /// The Rust type cannot represent the column's CQL type.
    #[error("cannot serialize Rust type {rust_type} as CQL type {cql_type}")]
    TypeMismatch {
        /// The Rust type's name.
        rust_type: &'static str,
        /// The column's CQL type.
        cql_type: String,
    },
    /// The value does not fit the encoding (too long, wrong vector length, no bytes for a
    /// varint, ...).
    #[error("invalid value for CQL type {cql_type}: {reason}")]
    InvalidValue {
        /// The CQL type being written.
        cql_type: String,
        /// What was wrong.
        reason: String,
    },
    /// The value is outside the range the native protocol defines for its CQL type: a `time`
    /// below 0 or past the day's last nanosecond, a `duration` whose months, days and
    /// nanoseconds differ in sign. (Cassandra stores such a `time`, which readers then fail
    /// to read.)
    #[error("{cql_type} value {value} is out of range: {allowed}")]
    ValueOutOfRange {
        /// The CQL type, e.g. `time`.
        cql_type: &'static str,
        /// The value, as Rust debug-prints it (e.g. `CqlTime(-1)`).
        value: String,
        /// The values the type allows.
        allowed: &'static str,
    },
    /// An error in a specific bind marker; names the column.
    #[error("column {name}: {source}")]
    Column {
        /// The bind marker / column name (or its position if unnamed).
        name: String,
        /// The error.
        #[source]
        source: Box<SerializeError>,
    },
    /// The number of values differs from the number of bind markers.
    #[error("statement has {expected} bind markers but {got} values were given")]
    WrongValueCount {
        /// Bind markers of the prepared statement.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// A named bind marker has no value.
    #[error("no value given for bind marker {0}")]
    MissingNamedValue(String),
    /// A named value matches no bind marker.
    #[error("value {0} matches no bind marker")]
    UnknownNamedValue(String),
    /// More than 65535 values.
    #[error("too many values: {0}")]
    TooManyValues(usize),
}

impl SerializeError {
    pub(crate) fn mismatch<T: ?Sized>(typ: &ColumnType) -> Self {
        SerializeError::TypeMismatch {
            rust_type: std::any::type_name::<T>(),
            cql_type: typ.to_string(),
        }
    }

    pub(crate) fn invalid(typ: Option<&ColumnType>, reason: impl Into<String>) -> Self {
        SerializeError::InvalidValue {
            cql_type: typ.map_or_else(|| "(untyped)".to_owned(), ToString::to_string),
            reason: reason.into(),
        }
    }

    pub(crate) fn out_of_range(
        cql_type: &'static str,
        value: &impl std::fmt::Debug,
        allowed: &'static str,
    ) -> Self {
        SerializeError::ValueOutOfRange {
            cql_type,
            value: format!("{value:?}"),
            allowed,
        }
    }

    pub(crate) fn in_column(self, name: impl Into<String>) -> Self {
        SerializeError::Column {
            name: name.into(),
            source: Box::new(self),
        }
    }
}

/// A Rust value that can be written as a CQL `[value]`.
///
/// Implementations write the 4-byte length prefix and the contents (or -1 for null, -2 for
/// unset) to the end of `out`. `typ` is the column type when known; implementations must return
/// [`SerializeError::TypeMismatch`] for types they cannot represent. With `None` they write their
/// natural encoding (e.g. a `Vec` as a `list`).
pub trait SerializeValue {
    /// Writes the `[value]`.
    fn serialize(&self, typ: Option<&ColumnType>, out: &mut BytesMut)
    -> Result<(), SerializeError>;
}

/// A bind marker left unset (protocol v4+): the server keeps the column as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unset;

/// A value or [`Unset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaybeUnset<T> {
    /// Leave the bind marker unset.
    Unset,
    /// Bind this value.
    Set(T),
}

/// Writes a `[value]` whose contents are produced by `f`, back-patching the length prefix.
pub fn write_with_len<F>(out: &mut BytesMut, f: F) -> Result<(), SerializeError>
where
    F: FnOnce(&mut BytesMut) -> Result<(), SerializeError>,
{
    let pos = out.len();
    out.put_i32(0);
    f(out)?;
    let len = out.len() - pos - 4;
    let len = i32::try_from(len)
        .map_err(|_| SerializeError::invalid(None, format!("value of {len} bytes is too long")))?;
    crate::wire::patch_i32(out, pos, len);
    Ok(())
}

/// Writes a `[value]` with the given contents.
#[inline]
pub fn write_bytes(out: &mut BytesMut, contents: &[u8]) -> Result<(), SerializeError> {
    let len = i32::try_from(contents.len()).map_err(|_| {
        SerializeError::invalid(
            None,
            format!("value of {} bytes is too long", contents.len()),
        )
    })?;
    out.reserve(4 + contents.len());
    out.put_i32(len);
    out.put_slice(contents);
    Ok(())
}

/// Writes a null `[value]` (length -1).
pub fn write_null(out: &mut BytesMut) {
    out.put_i32(-1);
}

/// Writes an unset `[value]` (length -2).
pub fn write_unset(out: &mut BytesMut) {
    out.put_i32(-2);
}

#[cfg(test)]
#[path = "serialize_tests.rs"]
mod tests;
