//! Decoding request bodies (for fake servers, proxies and tests).

use std::fmt;

use bytes::Bytes;

use super::batch::BatchType;
use super::query::*;
use super::simple::EventType;
use crate::error::{ProtocolError, Result};
use crate::frame::{Opcode, ProtocolVersion};
use crate::types::Consistency;
use crate::wire::{RawWireValue, Reader, slice_of};

/// A bound value as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodedValue {
    /// Null.
    Null,
    /// Unset.
    Unset,
    /// Present.
    Value(Bytes),
}

/// Query parameters as received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecodedParameters {
    /// Consistency.
    pub consistency: Consistency,
    /// The raw flags.
    pub flags: u32,
    /// Values with their names if named.
    pub values: Vec<(Option<String>, DecodedValue)>,
    /// Page size.
    pub page_size: Option<i32>,
    /// Paging state.
    pub paging_state: Option<Bytes>,
    /// Serial consistency.
    pub serial_consistency: Option<Consistency>,
    /// Default timestamp.
    pub default_timestamp: Option<i64>,
    /// Keyspace (v5).
    pub keyspace: Option<String>,
    /// now_in_seconds (v5).
    pub now_in_seconds: Option<i32>,
}

impl DecodedParameters {
    /// Whether the client asked to skip result metadata.
    pub fn skip_metadata(&self) -> bool {
        self.flags & FLAG_SKIP_METADATA != 0
    }
}

/// One batch entry as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedBatchStatement {
    /// The CQL text, for unprepared entries.
    pub query: Option<String>,
    /// The statement id, for prepared entries.
    pub id: Option<Bytes>,
    /// The values.
    pub values: Vec<DecodedValue>,
}

/// A request as received, with owned fields.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum DecodedRequest {
    /// STARTUP options.
    Startup(Vec<(String, String)>),
    /// OPTIONS.
    Options,
    /// AUTH_RESPONSE token (redacted in `Debug`).
    AuthResponse(Option<Bytes>),
    /// QUERY.
    Query {
        /// The CQL text.
        query: String,
        /// Parameters.
        params: DecodedParameters,
    },
    /// PREPARE.
    Prepare {
        /// The CQL text.
        query: String,
        /// Keyspace (v5).
        keyspace: Option<String>,
    },
    /// EXECUTE.
    Execute {
        /// Statement id.
        id: Bytes,
        /// Result metadata id (v5).
        result_metadata_id: Option<Bytes>,
        /// Parameters.
        params: DecodedParameters,
    },
    /// BATCH.
    Batch {
        /// Batch type.
        batch_type: BatchType,
        /// Entries.
        statements: Vec<DecodedBatchStatement>,
        /// The other fields (no values; flags as sent).
        params: DecodedParameters,
    },
    /// REGISTER.
    Register(Vec<EventType>),
}

impl fmt::Debug for DecodedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodedRequest::Startup(o) => f.debug_tuple("Startup").field(o).finish(),
            DecodedRequest::Options => f.write_str("Options"),
            DecodedRequest::AuthResponse(t) => f
                .debug_tuple("AuthResponse")
                .field(&t.as_ref().map(|t| format!("<{} bytes redacted>", t.len())))
                .finish(),
            DecodedRequest::Query { query, params } => f
                .debug_struct("Query")
                .field("query", query)
                .field("params", params)
                .finish(),
            DecodedRequest::Prepare { query, keyspace } => f
                .debug_struct("Prepare")
                .field("query", query)
                .field("keyspace", keyspace)
                .finish(),
            DecodedRequest::Execute {
                id,
                result_metadata_id,
                params,
            } => f
                .debug_struct("Execute")
                .field("id", id)
                .field("result_metadata_id", result_metadata_id)
                .field("params", params)
                .finish(),
            DecodedRequest::Batch {
                batch_type,
                statements,
                params,
            } => f
                .debug_struct("Batch")
                .field("batch_type", batch_type)
                .field("statements", statements)
                .field("params", params)
                .finish(),
            DecodedRequest::Register(e) => f.debug_tuple("Register").field(e).finish(),
        }
    }
}

fn value(r: &mut Reader<'_>, body: &Bytes) -> Result<DecodedValue> {
    Ok(match r.value("value")? {
        RawWireValue::Null => DecodedValue::Null,
        RawWireValue::Unset => DecodedValue::Unset,
        RawWireValue::Value(v) => DecodedValue::Value(slice_of(body, v)),
    })
}

fn flags(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<u32> {
    if version.is_v5_or_later() {
        Ok(r.int("flags")? as u32)
    } else {
        Ok(u32::from(r.u8("flags")?))
    }
}

fn tail(r: &mut Reader<'_>, p: &mut DecodedParameters) -> Result<()> {
    if p.flags & FLAG_SERIAL_CONSISTENCY != 0 {
        p.serial_consistency = Some(Consistency::from_code(r.short("serial consistency")?)?);
    }
    if p.flags & FLAG_DEFAULT_TIMESTAMP != 0 {
        p.default_timestamp = Some(r.long("timestamp")?);
    }
    if p.flags & FLAG_KEYSPACE != 0 {
        p.keyspace = Some(r.string("keyspace")?.to_owned());
    }
    if p.flags & FLAG_NOW_IN_SECONDS != 0 {
        p.now_in_seconds = Some(r.int("now_in_seconds")?);
    }
    Ok(())
}

fn params(r: &mut Reader<'_>, body: &Bytes, version: ProtocolVersion) -> Result<DecodedParameters> {
    let mut p = DecodedParameters {
        consistency: Consistency::from_code(r.short("consistency")?)?,
        flags: flags(r, version)?,
        ..Default::default()
    };
    if p.flags & FLAG_VALUES != 0 {
        let n = r.short("values count")? as usize;
        p.values.reserve(n.min(r.remaining().len() / 4));
        for _ in 0..n {
            let name = if p.flags & FLAG_NAMES_FOR_VALUES != 0 {
                Some(r.string("value name")?.to_owned())
            } else {
                None
            };
            p.values.push((name, value(r, body)?));
        }
    }
    if p.flags & FLAG_PAGE_SIZE != 0 {
        p.page_size = Some(r.int("page size")?);
    }
    if p.flags & FLAG_PAGING_STATE != 0 {
        p.paging_state = r.bytes("paging state")?.map(|b| slice_of(body, b));
    }
    tail(r, &mut p)?;
    Ok(p)
}

impl DecodedRequest {
    /// Decodes a (decompressed) request body without custom payload.
    pub fn decode(opcode: Opcode, body: &Bytes, version: ProtocolVersion) -> Result<Self> {
        let mut r = Reader::new(body);
        let r = &mut r;
        Ok(match opcode {
            Opcode::Startup => {
                let n = r.short("startup options")? as usize;
                let mut o = Vec::with_capacity(n.min(r.remaining().len() / 4));
                for _ in 0..n {
                    let k = r.string("startup key")?.to_owned();
                    o.push((k, r.string("startup value")?.to_owned()));
                }
                DecodedRequest::Startup(o)
            }
            Opcode::Options => DecodedRequest::Options,
            Opcode::AuthResponse => {
                DecodedRequest::AuthResponse(r.bytes("token")?.map(|b| slice_of(body, b)))
            }
            Opcode::Query => DecodedRequest::Query {
                query: r.long_string("query")?.to_owned(),
                params: params(r, body, version)?,
            },
            Opcode::Prepare => {
                let query = r.long_string("query")?.to_owned();
                let mut keyspace = None;
                if version.is_v5_or_later() && r.int("prepare flags")? & 0x01 != 0 {
                    keyspace = Some(r.string("keyspace")?.to_owned());
                }
                DecodedRequest::Prepare { query, keyspace }
            }
            Opcode::Execute => {
                let id = slice_of(body, r.short_bytes("id")?);
                let result_metadata_id = if version.is_v5_or_later() {
                    Some(slice_of(body, r.short_bytes("result metadata id")?))
                } else {
                    None
                };
                DecodedRequest::Execute {
                    id,
                    result_metadata_id,
                    params: params(r, body, version)?,
                }
            }
            Opcode::Batch => {
                let batch_type = BatchType::from_u8(r.u8("batch type")?)?;
                let n = r.short("batch count")? as usize;
                let mut statements = Vec::with_capacity(n.min(r.remaining().len() / 4));
                for _ in 0..n {
                    let (query, id) = match r.u8("batch kind")? {
                        0 => (Some(r.long_string("query")?.to_owned()), None),
                        1 => (None, Some(slice_of(body, r.short_bytes("id")?))),
                        other => {
                            return Err(ProtocolError::InvalidValue {
                                what: "batch statement kind",
                                reason: format!("{other}"),
                            });
                        }
                    };
                    let nv = r.short("values count")? as usize;
                    let mut values = Vec::with_capacity(nv.min(r.remaining().len() / 4));
                    for _ in 0..nv {
                        values.push(value(r, body)?);
                    }
                    statements.push(DecodedBatchStatement { query, id, values });
                }
                let mut p = DecodedParameters {
                    consistency: Consistency::from_code(r.short("consistency")?)?,
                    flags: flags(r, version)?,
                    ..Default::default()
                };
                tail(r, &mut p)?;
                DecodedRequest::Batch {
                    batch_type,
                    statements,
                    params: p,
                }
            }
            Opcode::Register => {
                let names = r.string_list("events")?;
                DecodedRequest::Register(
                    names
                        .iter()
                        .map(|n| EventType::from_name(n))
                        .collect::<Result<_>>()?,
                )
            }
            other => return Err(ProtocolError::UnexpectedOpcode(other)),
        })
    }
}
