//! RESULT: void, rows, set keyspace, prepared, schema change.

use bytes::{BufMut, Bytes, BytesMut};

use super::event::SchemaChange;
use crate::deserialize::{DeserializeError, DeserializeRow, RowIterator, TypedRowIterator};
use crate::error::{ProtocolError, Result};
use crate::frame::ProtocolVersion;
use crate::metadata::{ColumnSpec, PreparedMetadata, ResultMetadata};
use crate::wire::{Reader, put_short_bytes, put_string, slice_of};

/// A Rows result: metadata and the rows, kept as received until deserialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// Result metadata (columns, paging state, new metadata id).
    pub metadata: ResultMetadata,
    /// The number of rows.
    pub rows_count: usize,
    /// The rows' bytes, a slice of the frame body.
    pub raw_rows: Bytes,
}

impl Rows {
    /// Iterates over the rows as `R`, using the columns of this result's metadata.
    ///
    /// Type-checks `R` against the columns first; the error names the mismatching column.
    pub fn rows<'f, R: DeserializeRow<'f>>(
        &'f self,
    ) -> Result<TypedRowIterator<'f, 'f, R>, DeserializeError> {
        self.rows_with(&self.metadata.columns)
    }

    /// Iterates over the rows as `R` with the given columns (for results sent without
    /// metadata, use the prepared statement's result columns).
    pub fn rows_with<'f, 'm, R: DeserializeRow<'f>>(
        &'f self,
        columns: &'m [ColumnSpec],
    ) -> Result<TypedRowIterator<'f, 'm, R>, DeserializeError> {
        TypedRowIterator::new(self.raw_iter(columns))
    }

    /// Iterates over raw rows (each a sequence of column values).
    pub fn raw_iter<'f, 'm>(&'f self, columns: &'m [ColumnSpec]) -> RowIterator<'f, 'm> {
        RowIterator::new(&self.raw_rows, self.rows_count, columns)
    }
}

/// A Prepared result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The statement id to EXECUTE.
    pub id: Bytes,
    /// (v5) The id of the result metadata, sent back with EXECUTE.
    pub result_metadata_id: Option<Bytes>,
    /// Bind markers and partition key indexes.
    pub metadata: PreparedMetadata,
    /// The columns the statement returns.
    pub result_metadata: ResultMetadata,
}

/// A RESULT message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultMessage {
    /// Void.
    Void,
    /// Rows.
    Rows(Rows),
    /// The keyspace now in use.
    SetKeyspace(String),
    /// A prepared statement. Boxed: it is the largest variant, and results are moved through
    /// several layers of a driver on every request, while PREPARE answers are rare.
    Prepared(Box<Prepared>),
    /// A schema change.
    SchemaChange(SchemaChange),
}

impl ResultMessage {
    /// Decodes a RESULT body; row data and ids are sliced from `body` without copying.
    pub fn decode(body: &Bytes, version: ProtocolVersion) -> Result<Self> {
        let mut rd = Reader::new(body);
        let r = &mut rd;
        let kind = r.int("result kind")?;
        Ok(match kind {
            0x0001 => ResultMessage::Void,
            0x0002 => {
                let metadata = ResultMetadata::decode(r, body, version)?;
                let rows_count = r.count("rows count")?;
                // Every row takes at least 4 bytes per column; more rows than that is malformed.
                let min_row = 4 * metadata.columns_count;
                if min_row > 0 && rows_count > r.remaining().len() / min_row {
                    return Err(ProtocolError::InvalidLength {
                        what: "rows count",
                        len: rows_count as i64,
                    });
                }
                ResultMessage::Rows(Rows {
                    metadata,
                    rows_count,
                    raw_rows: slice_of(body, r.remaining()),
                })
            }
            0x0003 => ResultMessage::SetKeyspace(r.string("keyspace")?.to_owned()),
            0x0004 => {
                let id = slice_of(body, r.short_bytes("prepared id")?);
                let result_metadata_id = if version.is_v5_or_later() {
                    Some(slice_of(body, r.short_bytes("result metadata id")?))
                } else {
                    None
                };
                let metadata = PreparedMetadata::decode(r)?;
                let result_metadata = ResultMetadata::decode(r, body, version)?;
                ResultMessage::Prepared(Box::new(Prepared {
                    id,
                    result_metadata_id,
                    metadata,
                    result_metadata,
                }))
            }
            0x0005 => ResultMessage::SchemaChange(SchemaChange::decode(r)?),
            other => return Err(ProtocolError::UnknownResultKind(other)),
        })
    }

    /// Writes a RESULT body (for fake servers and tests).
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        match self {
            ResultMessage::Void => dst.put_i32(1),
            ResultMessage::Rows(rows) => {
                dst.put_i32(2);
                rows.metadata.encode(dst, version)?;
                dst.put_i32(i32::try_from(rows.rows_count).map_err(|_| {
                    ProtocolError::TooLargeToEncode {
                        what: "rows",
                        len: rows.rows_count,
                    }
                })?);
                dst.put_slice(&rows.raw_rows);
            }
            ResultMessage::SetKeyspace(k) => {
                dst.put_i32(3);
                put_string(dst, k)?;
            }
            ResultMessage::Prepared(p) => {
                dst.put_i32(4);
                put_short_bytes(dst, &p.id)?;
                if version.is_v5_or_later() {
                    put_short_bytes(dst, p.result_metadata_id.as_deref().unwrap_or_default())?;
                }
                p.metadata.encode(dst)?;
                p.result_metadata.encode(dst, version)?;
            }
            ResultMessage::SchemaChange(s) => {
                dst.put_i32(5);
                s.encode(dst)?;
            }
        }
        Ok(())
    }
}
