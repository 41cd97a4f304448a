//! BATCH: several modifications in one request.

use bytes::{BufMut, BytesMut};

use super::query::{
    FLAG_DEFAULT_TIMESTAMP, FLAG_KEYSPACE, FLAG_NOW_IN_SECONDS, FLAG_SERIAL_CONSISTENCY,
    patch_flags, reserve_flags,
};
use crate::error::{ProtocolError, Result};
use crate::frame::ProtocolVersion;
use crate::metadata::ColumnSpec;
use crate::serialize::{RowWriter, SerializeError, SerializeRow};
use crate::types::Consistency;
use crate::wire::{put_long_string, put_short_bytes, put_string};

/// The kind of batch.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BatchType {
    /// Atomic through the batch log.
    #[default]
    Logged = 0,
    /// No batch log.
    Unlogged = 1,
    /// Counter updates.
    Counter = 2,
}

impl BatchType {
    /// The type for its wire byte.
    pub fn from_u8(b: u8) -> Result<Self> {
        match b {
            0 => Ok(BatchType::Logged),
            1 => Ok(BatchType::Unlogged),
            2 => Ok(BatchType::Counter),
            other => Err(ProtocolError::InvalidValue {
                what: "batch type",
                reason: format!("{other}"),
            }),
        }
    }
}

/// What a batch entry runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatementKind<'a> {
    /// A CQL string.
    Query(&'a str),
    /// A prepared statement id.
    Prepared(&'a [u8]),
}

/// One statement of a batch with its (positional) values.
#[derive(Clone, Copy)]
pub struct BatchStatement<'a> {
    /// The statement.
    pub kind: BatchStatementKind<'a>,
    /// Its values (`&()` for none). Named values are only allowed with `value_specs`.
    pub values: &'a dyn SerializeRow,
    /// The bind markers of the prepared statement, to type-check and order `values`.
    pub value_specs: Option<&'a [ColumnSpec]>,
}

impl std::fmt::Debug for BatchStatement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStatement")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// BATCH.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// Logged, unlogged or counter.
    pub batch_type: BatchType,
    /// The statements.
    pub statements: &'a [BatchStatement<'a>],
    /// Consistency level.
    pub consistency: Consistency,
    /// Serial consistency (conditional batches).
    pub serial_consistency: Option<Consistency>,
    /// Client-side timestamp in microseconds.
    pub default_timestamp: Option<i64>,
    /// (v5) Keyspace.
    pub keyspace: Option<&'a str>,
    /// (v5) now_in_seconds.
    pub now_in_seconds: Option<i32>,
}

impl Batch<'_> {
    /// Writes the body.
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        if !version.is_v5_or_later() && (self.keyspace.is_some() || self.now_in_seconds.is_some()) {
            return Err(ProtocolError::InvalidValue {
                what: "batch keyspace/now_in_seconds",
                reason: "requires protocol v5".into(),
            });
        }
        dst.put_u8(self.batch_type as u8);
        let n =
            u16::try_from(self.statements.len()).map_err(|_| ProtocolError::TooLargeToEncode {
                what: "batch statements",
                len: self.statements.len(),
            })?;
        dst.put_u16(n);
        for (i, s) in self.statements.iter().enumerate() {
            match s.kind {
                BatchStatementKind::Query(q) => {
                    dst.put_u8(0);
                    put_long_string(dst, q)?;
                }
                BatchStatementKind::Prepared(id) => {
                    dst.put_u8(1);
                    put_short_bytes(dst, id)?;
                }
            }
            let mut w = RowWriter::new(dst);
            s.values
                .serialize_row(s.value_specs, &mut w)
                .map_err(|e| e.in_column(format!("batch statement {i}")))?;
            let (count, named) = w.finish()?;
            if named {
                return Err(SerializeError::invalid(
                    None,
                    "named values in a batch need the prepared bind markers",
                )
                .into());
            }
            if count == 0 {
                dst.put_u16(0);
            }
        }
        dst.put_u16(self.consistency.code());
        let flags_pos = reserve_flags(dst, version);
        let mut flags = 0;
        if let Some(c) = self.serial_consistency {
            flags |= FLAG_SERIAL_CONSISTENCY;
            dst.put_u16(c.code());
        }
        if let Some(t) = self.default_timestamp {
            flags |= FLAG_DEFAULT_TIMESTAMP;
            dst.put_i64(t);
        }
        if let Some(k) = self.keyspace {
            flags |= FLAG_KEYSPACE;
            put_string(dst, k)?;
        }
        if let Some(n) = self.now_in_seconds {
            flags |= FLAG_NOW_IN_SECONDS;
            dst.put_i32(n);
        }
        patch_flags(dst, flags_pos, flags, version)
    }
}
