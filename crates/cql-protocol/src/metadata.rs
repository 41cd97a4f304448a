//! Result and prepared metadata: column specifications, paging state, v5 metadata ids.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::frame::ProtocolVersion;
use crate::types::ColumnType;
use crate::wire::{Reader, put_bytes, put_short_bytes, put_string, slice_of};

/// The keyspace and table of a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableSpec {
    /// Keyspace name.
    pub keyspace: String,
    /// Table name.
    pub table: String,
}

/// One column of a result, or one bind marker of a prepared statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnSpec {
    /// Keyspace and table (shared by all columns when the global-table-spec flag is set).
    pub table: Arc<TableSpec>,
    /// Column (or bind marker) name.
    pub name: String,
    /// Its type.
    pub typ: ColumnType,
}

impl ColumnSpec {
    /// A spec with the given name and type in keyspace/table `ks`/`table`.
    pub fn new(ks: &str, table: &str, name: &str, typ: ColumnType) -> Self {
        ColumnSpec {
            table: Arc::new(TableSpec {
                keyspace: ks.to_owned(),
                table: table.to_owned(),
            }),
            name: name.to_owned(),
            typ,
        }
    }
}

const GLOBAL_TABLES_SPEC: i32 = 0x0001;
const HAS_MORE_PAGES: i32 = 0x0002;
const NO_METADATA: i32 = 0x0004;
const METADATA_CHANGED: i32 = 0x0008;

/// The metadata of a Rows result (`<metadata>` in the specification).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultMetadata {
    /// The number of columns (known even when `columns` was skipped with NO_METADATA).
    pub columns_count: usize,
    /// The paging state to fetch the next page with, if there are more pages.
    pub paging_state: Option<Bytes>,
    /// (v5) A new result metadata id: the prepared statement's result columns changed.
    pub new_metadata_id: Option<Bytes>,
    /// Column specifications; empty when the request asked to skip metadata.
    pub columns: Vec<ColumnSpec>,
    /// Whether the server skipped the column specifications (NO_METADATA flag).
    pub no_metadata: bool,
}

fn read_specs(
    r: &mut Reader<'_>,
    count: usize,
    global: bool,
    what: &'static str,
) -> Result<Vec<ColumnSpec>> {
    let global_spec = if global {
        Some(Arc::new(TableSpec {
            keyspace: r.string(what)?.to_owned(),
            table: r.string(what)?.to_owned(),
        }))
    } else {
        None
    };
    // Every column takes at least 4 bytes (name and type id): bound the reservation by the input.
    let mut cols = Vec::with_capacity(count.min(r.remaining().len() / 4));
    let mut last: Option<Arc<TableSpec>> = None;
    for _ in 0..count {
        let table = match &global_spec {
            Some(t) => t.clone(),
            None => {
                let ks = r.string(what)?;
                let tb = r.string(what)?;
                match &last {
                    Some(t) if t.keyspace == ks && t.table == tb => t.clone(),
                    _ => {
                        let t = Arc::new(TableSpec {
                            keyspace: ks.to_owned(),
                            table: tb.to_owned(),
                        });
                        last = Some(t.clone());
                        t
                    }
                }
            }
        };
        let name = r.string(what)?.to_owned();
        let typ = ColumnType::decode(r)?;
        cols.push(ColumnSpec { table, name, typ });
    }
    Ok(cols)
}

fn write_specs(dst: &mut BytesMut, cols: &[ColumnSpec]) -> Result<bool> {
    let global = !cols.is_empty() && cols.iter().all(|c| c.table == cols[0].table);
    if global {
        put_string(dst, &cols[0].table.keyspace)?;
        put_string(dst, &cols[0].table.table)?;
    }
    for c in cols {
        if !global {
            put_string(dst, &c.table.keyspace)?;
            put_string(dst, &c.table.table)?;
        }
        put_string(dst, &c.name)?;
        c.typ.encode(dst)?;
    }
    Ok(global)
}

fn to_count(n: usize, what: &'static str) -> Result<i32> {
    i32::try_from(n).map_err(|_| ProtocolError::TooLargeToEncode { what, len: n })
}

impl ResultMetadata {
    /// Reads `<metadata>`; byte slices are taken from `frame` without copying.
    pub fn decode(r: &mut Reader<'_>, frame: &Bytes, version: ProtocolVersion) -> Result<Self> {
        let flags = r.int("metadata flags")?;
        let columns_count = r.count("metadata columns count")?;
        let paging_state = if flags & HAS_MORE_PAGES != 0 {
            r.bytes("paging state")?.map(|b| slice_of(frame, b))
        } else {
            None
        };
        let new_metadata_id = if version.is_v5_or_later() && flags & METADATA_CHANGED != 0 {
            Some(slice_of(frame, r.short_bytes("new metadata id")?))
        } else {
            None
        };
        let no_metadata = flags & NO_METADATA != 0;
        let columns = if no_metadata {
            Vec::new()
        } else {
            read_specs(
                r,
                columns_count,
                flags & GLOBAL_TABLES_SPEC != 0,
                "column spec",
            )?
        };
        Ok(ResultMetadata {
            columns_count,
            paging_state,
            new_metadata_id,
            columns,
            no_metadata,
        })
    }

    /// Writes `<metadata>` (used by tests and fake servers).
    pub fn encode(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        let flags_pos = dst.len();
        dst.put_i32(0);
        let mut flags = 0;
        dst.put_i32(to_count(self.columns_count, "columns")?);
        if let Some(p) = &self.paging_state {
            flags |= HAS_MORE_PAGES;
            put_bytes(dst, Some(p))?;
        }
        if version.is_v5_or_later() {
            if let Some(id) = &self.new_metadata_id {
                flags |= METADATA_CHANGED;
                put_short_bytes(dst, id)?;
            }
        }
        if self.no_metadata {
            flags |= NO_METADATA;
        } else if write_specs(dst, &self.columns)? {
            flags |= GLOBAL_TABLES_SPEC;
        }
        crate::wire::patch_i32(dst, flags_pos, flags);
        Ok(())
    }
}

/// The bind-marker metadata of a prepared statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreparedMetadata {
    /// The raw flags other than the global-table-spec bit (ScyllaDB's LWT mark is a bit here, see `SCYLLA_LWT_ADD_METADATA_MARK`).
    pub flags: i32,
    /// Indexes of the bind markers that make up the partition key, in key order.
    pub pk_indexes: Vec<u16>,
    /// The bind markers.
    pub columns: Vec<ColumnSpec>,
}

impl PreparedMetadata {
    /// Reads the prepared `<metadata>` (v4 and v5 layout).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let flags = r.int("prepared metadata flags")?;
        let columns_count = r.count("prepared columns count")?;
        let pk_count = r.count("pk count")?;
        if pk_count > r.remaining().len() / 2 {
            return Err(ProtocolError::InvalidLength {
                what: "pk count",
                len: pk_count as i64,
            });
        }
        let mut pk_indexes = Vec::with_capacity(pk_count);
        for _ in 0..pk_count {
            pk_indexes.push(r.short("pk index")?);
        }
        let columns = read_specs(
            r,
            columns_count,
            flags & GLOBAL_TABLES_SPEC != 0,
            "bind marker spec",
        )?;
        Ok(PreparedMetadata {
            flags: flags & !GLOBAL_TABLES_SPEC,
            pk_indexes,
            columns,
        })
    }

    /// Writes the prepared `<metadata>`.
    pub fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        let flags_pos = dst.len();
        dst.put_i32(self.flags & !GLOBAL_TABLES_SPEC);
        dst.put_i32(to_count(self.columns.len(), "bind markers")?);
        dst.put_i32(to_count(self.pk_indexes.len(), "pk indexes")?);
        for i in &self.pk_indexes {
            dst.put_u16(*i);
        }
        if write_specs(dst, &self.columns)? {
            crate::wire::patch_i32(
                dst,
                flags_pos,
                (self.flags & !GLOBAL_TABLES_SPEC) | GLOBAL_TABLES_SPEC,
            );
        }
        Ok(())
    }
}
