//! QUERY, PREPARE and EXECUTE, and the query parameters they share.

use bytes::{BufMut, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::frame::ProtocolVersion;
use crate::metadata::ColumnSpec;
use crate::serialize::{RowWriter, SerializeRow};
use crate::types::Consistency;
use crate::wire::{put_bytes, put_long_string, put_short_bytes, put_string};

/// Query flag: values follow.
pub const FLAG_VALUES: u32 = 0x01;
/// Query flag: skip result metadata.
pub const FLAG_SKIP_METADATA: u32 = 0x02;
/// Query flag: page size follows.
pub const FLAG_PAGE_SIZE: u32 = 0x04;
/// Query flag: paging state follows.
pub const FLAG_PAGING_STATE: u32 = 0x08;
/// Query flag: serial consistency follows.
pub const FLAG_SERIAL_CONSISTENCY: u32 = 0x10;
/// Query flag: default timestamp follows.
pub const FLAG_DEFAULT_TIMESTAMP: u32 = 0x20;
/// Query flag: values carry names.
pub const FLAG_NAMES_FOR_VALUES: u32 = 0x40;
/// Query flag (v5): keyspace follows.
pub const FLAG_KEYSPACE: u32 = 0x80;
/// Query flag (v5): now_in_seconds follows.
pub const FLAG_NOW_IN_SECONDS: u32 = 0x100;

/// The parameters of QUERY and EXECUTE.
///
/// `values` are written straight into the frame buffer; with `value_specs` (the bind markers of
/// a prepared statement) they are type-checked and named values are ordered by bind marker.
#[derive(Clone, Copy)]
pub struct QueryParameters<'a> {
    /// Consistency level.
    pub consistency: Consistency,
    /// Bound values (`&()` for none).
    pub values: &'a dyn SerializeRow,
    /// Bind-marker specs to type-check `values` against (prepared statements).
    pub value_specs: Option<&'a [ColumnSpec]>,
    /// Ask the server not to send result metadata (the client has it from PREPARE).
    pub skip_metadata: bool,
    /// Page size in rows.
    pub page_size: Option<i32>,
    /// Paging state from the previous page.
    pub paging_state: Option<&'a [u8]>,
    /// Serial consistency for lightweight transactions.
    pub serial_consistency: Option<Consistency>,
    /// Client-side timestamp in microseconds since the epoch.
    pub default_timestamp: Option<i64>,
    /// (v5) Keyspace to run the query in.
    pub keyspace: Option<&'a str>,
    /// (v5) The current time in seconds, for testing TTLs.
    pub now_in_seconds: Option<i32>,
}

impl Default for QueryParameters<'_> {
    fn default() -> Self {
        QueryParameters {
            consistency: Consistency::default(),
            values: &(),
            value_specs: None,
            skip_metadata: false,
            page_size: None,
            paging_state: None,
            serial_consistency: None,
            default_timestamp: None,
            keyspace: None,
            now_in_seconds: None,
        }
    }
}

impl std::fmt::Debug for QueryParameters<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bound values may hold secrets and are not shown.
        f.debug_struct("QueryParameters")
            .field("consistency", &self.consistency)
            .field("values_empty", &self.values.is_empty())
            .field("skip_metadata", &self.skip_metadata)
            .field("page_size", &self.page_size)
            .field("paging_state", &self.paging_state.map(<[u8]>::len))
            .field("serial_consistency", &self.serial_consistency)
            .field("default_timestamp", &self.default_timestamp)
            .field("keyspace", &self.keyspace)
            .field("now_in_seconds", &self.now_in_seconds)
            .finish()
    }
}

fn check_v5(version: ProtocolVersion, present: bool, what: &'static str) -> Result<()> {
    if present && !version.is_v5_or_later() {
        return Err(ProtocolError::InvalidValue {
            what,
            reason: "requires protocol v5".into(),
        });
    }
    Ok(())
}

/// Writes query flags as `[byte]` (v4) or `[int]` (v5) at `pos` (space reserved by [`reserve_flags`]).
pub(crate) fn patch_flags(
    dst: &mut BytesMut,
    pos: usize,
    flags: u32,
    version: ProtocolVersion,
) -> Result<()> {
    if version.is_v5_or_later() {
        dst[pos..pos + 4].copy_from_slice(&flags.to_be_bytes());
    } else {
        dst[pos] = u8::try_from(flags).map_err(|_| ProtocolError::InvalidValue {
            what: "query flags",
            reason: format!("0x{flags:x} needs protocol v5"),
        })?;
    }
    Ok(())
}

/// Reserves room for query flags; returns their position.
pub(crate) fn reserve_flags(dst: &mut BytesMut, version: ProtocolVersion) -> usize {
    let pos = dst.len();
    if version.is_v5_or_later() {
        dst.put_u32(0);
    } else {
        dst.put_u8(0);
    }
    pos
}

impl QueryParameters<'_> {
    /// Writes `<query_parameters>`.
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        check_v5(version, self.keyspace.is_some(), "keyspace per query")?;
        check_v5(version, self.now_in_seconds.is_some(), "now_in_seconds")?;
        dst.put_u16(self.consistency.code());
        let flags_pos = reserve_flags(dst, version);
        let mut flags = 0u32;
        let mut w = RowWriter::new(dst);
        self.values.serialize_row(self.value_specs, &mut w)?;
        let (count, named) = w.finish()?;
        if count > 0 {
            flags |= FLAG_VALUES;
        }
        if named {
            flags |= FLAG_NAMES_FOR_VALUES;
        }
        if self.skip_metadata {
            flags |= FLAG_SKIP_METADATA;
        }
        if let Some(n) = self.page_size {
            flags |= FLAG_PAGE_SIZE;
            dst.put_i32(n);
        }
        if let Some(p) = self.paging_state {
            flags |= FLAG_PAGING_STATE;
            put_bytes(dst, Some(p))?;
        }
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

/// QUERY: run a CQL string.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The CQL text.
    pub query: &'a str,
    /// Parameters and values.
    pub params: QueryParameters<'a>,
}

impl Query<'_> {
    /// Writes the body.
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        put_long_string(dst, self.query)?;
        self.params.encode(dst, version)
    }
}

/// PREPARE: prepare a CQL string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepare<'a> {
    /// The CQL text.
    pub query: &'a str,
    /// (v5) Keyspace to prepare in.
    pub keyspace: Option<&'a str>,
}

impl Prepare<'_> {
    /// Writes the body.
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        put_long_string(dst, self.query)?;
        if version.is_v5_or_later() {
            match self.keyspace {
                Some(k) => {
                    dst.put_u32(0x01);
                    put_string(dst, k)?;
                }
                None => dst.put_u32(0),
            }
        } else {
            check_v5(version, self.keyspace.is_some(), "keyspace in PREPARE")?;
        }
        Ok(())
    }
}

/// EXECUTE: run a prepared statement.
#[derive(Debug, Clone, Copy)]
pub struct Execute<'a> {
    /// The prepared statement id.
    pub id: &'a [u8],
    /// (v5, required there) The result metadata id from PREPARED.
    pub result_metadata_id: Option<&'a [u8]>,
    /// Parameters and values.
    pub params: QueryParameters<'a>,
}

impl Execute<'_> {
    /// Writes the body.
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        put_short_bytes(dst, self.id)?;
        if version.is_v5_or_later() {
            put_short_bytes(dst, self.result_metadata_id.unwrap_or_default())?;
        }
        self.params.encode(dst, version)
    }
}
