//! Request messages and the function that writes a whole request envelope.

mod batch;
mod decode;
mod query;
mod simple;

pub use batch::{Batch, BatchStatement, BatchStatementKind, BatchType};
pub use decode::{DecodedBatchStatement, DecodedParameters, DecodedRequest, DecodedValue};
pub use query::{
    Execute, FLAG_DEFAULT_TIMESTAMP, FLAG_KEYSPACE, FLAG_NAMES_FOR_VALUES, FLAG_NOW_IN_SECONDS,
    FLAG_PAGE_SIZE, FLAG_PAGING_STATE, FLAG_SERIAL_CONSISTENCY, FLAG_SKIP_METADATA, FLAG_VALUES,
    Prepare, Query, QueryParameters,
};
pub use simple::{AuthResponse, EventType, Register, Startup};

use std::collections::HashMap;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::frame::{
    Compression, Direction, EnvelopeHeader, Flags, HEADER_LEN, Opcode, ProtocolVersion,
};
use crate::wire::put_bytes_map;

/// A request message.
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// STARTUP
    Startup(&'a Startup),
    /// OPTIONS
    Options,
    /// AUTH_RESPONSE
    AuthResponse(AuthResponse<'a>),
    /// QUERY
    Query(Query<'a>),
    /// PREPARE
    Prepare(Prepare<'a>),
    /// EXECUTE
    Execute(Execute<'a>),
    /// BATCH
    Batch(Batch<'a>),
    /// REGISTER
    Register(&'a Register),
}

impl Request<'_> {
    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Request::Startup(_) => Opcode::Startup,
            Request::Options => Opcode::Options,
            Request::AuthResponse(_) => Opcode::AuthResponse,
            Request::Query(_) => Opcode::Query,
            Request::Prepare(_) => Opcode::Prepare,
            Request::Execute(_) => Opcode::Execute,
            Request::Batch(_) => Opcode::Batch,
            Request::Register(_) => Opcode::Register,
        }
    }

    /// About how many bytes the body takes encoded (exact for the fixed parts, values as far
    /// as [`SerializeRow::size_hint`](crate::serialize::SerializeRow::size_hint) knows them); for sizing the request buffer.
    pub fn size_hint(&self) -> usize {
        fn params(p: &QueryParameters<'_>) -> usize {
            // Consistency, flags, value count, page size, serial consistency, timestamp,
            // now_in_seconds, then what varies.
            2 + 4
                + 2
                + 4
                + 2
                + 8
                + 4
                + p.values.size_hint()
                + p.paging_state.map_or(0, |s| 4 + s.len())
                + p.keyspace.map_or(0, |k| 2 + k.len())
        }
        match self {
            Request::Query(q) => 4 + q.query.len() + params(&q.params),
            Request::Prepare(p) => 4 + p.query.len() + 4 + p.keyspace.map_or(0, |k| 2 + k.len()),
            Request::Execute(e) => {
                2 + e.id.len() + 2 + e.result_metadata_id.map_or(0, <[u8]>::len) + params(&e.params)
            }
            Request::Batch(b) => {
                let statements: usize = b
                    .statements
                    .iter()
                    .map(|s| {
                        let kind = match s.kind {
                            BatchStatementKind::Query(q) => 4 + q.len(),
                            BatchStatementKind::Prepared(id) => 2 + id.len(),
                        };
                        1 + kind + 2 + s.values.size_hint()
                    })
                    .sum();
                1 + 2 + statements + 2 + 4 + 2 + 8 + 4 + b.keyspace.map_or(0, |k| 2 + k.len())
            }
            Request::Startup(_)
            | Request::Options
            | Request::AuthResponse(_)
            | Request::Register(_) => 64,
        }
    }

    /// Writes the message body (without envelope header or custom payload).
    pub fn encode_body(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        match self {
            Request::Startup(s) => s.encode(dst),
            Request::Options => Ok(()),
            Request::AuthResponse(a) => a.encode(dst),
            Request::Query(q) => q.encode(dst, version),
            Request::Prepare(p) => p.encode(dst, version),
            Request::Execute(e) => e.encode(dst, version),
            Request::Batch(b) => b.encode(dst, version),
            Request::Register(r) => r.encode(dst),
        }
    }
}

/// Options for [`encode_request_with`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy)]
pub struct EncodeOptions<'a> {
    /// Protocol version.
    pub version: ProtocolVersion,
    /// Header flags (TRACING, USE_BETA; COMPRESSION and CUSTOM_PAYLOAD are set as needed).
    pub flags: Flags,
    /// Stream id.
    pub stream: i16,
    /// v4 body compression (ignored for STARTUP and OPTIONS, which are never compressed).
    pub compression: Option<Compression>,
    /// A custom payload to send before the message.
    pub custom_payload: Option<&'a HashMap<String, Option<Bytes>>>,
}

impl EncodeOptions<'_> {
    /// Options for a plain request on `stream`.
    pub fn new(version: ProtocolVersion, stream: i16) -> Self {
        EncodeOptions {
            version,
            flags: Flags::empty(),
            stream,
            compression: None,
            custom_payload: None,
        }
    }
}

/// Appends a complete request envelope (header and body) to `dst`.
///
/// The body is written in place and the length patched afterwards: bound values go straight
/// into `dst` without intermediate buffers.
pub fn encode_request(
    dst: &mut BytesMut,
    version: ProtocolVersion,
    flags: Flags,
    stream: i16,
    request: &Request<'_>,
) -> Result<()> {
    encode_request_with(
        dst,
        &EncodeOptions {
            version,
            flags,
            stream,
            compression: None,
            custom_payload: None,
        },
        request,
    )
}

/// Appends a complete request envelope, with compression and custom payload as configured.
///
/// On error `dst` is left as it was.
pub fn encode_request_with(
    dst: &mut BytesMut,
    opts: &EncodeOptions<'_>,
    request: &Request<'_>,
) -> Result<()> {
    let start = dst.len();
    let r = encode_inner(dst, opts, request);
    if r.is_err() {
        dst.truncate(start);
    }
    r
}

fn encode_inner(dst: &mut BytesMut, opts: &EncodeOptions<'_>, request: &Request<'_>) -> Result<()> {
    let start = dst.len();
    let mut flags = opts.flags;
    flags.set(Flags::COMPRESSION, false);
    flags.set(Flags::CUSTOM_PAYLOAD, opts.custom_payload.is_some());
    let opcode = request.opcode();
    let compression = match opcode {
        Opcode::Startup | Opcode::Options => None,
        _ => opts.compression,
    };
    dst.reserve(HEADER_LEN + request.size_hint());
    dst.put_bytes(0, HEADER_LEN);
    let body_start = dst.len();
    if let Some(p) = opts.custom_payload {
        put_bytes_map(dst, p)?;
    }
    request.encode_body(dst, opts.version)?;
    if let Some(c) = compression {
        let body = dst.split_off(body_start);
        c.compress_body(&body, dst)?;
        flags |= Flags::COMPRESSION;
    }
    let body_len = dst.len() - body_start;
    let Some(body_len) = u32::try_from(body_len)
        .ok()
        .filter(|l| *l <= i32::MAX as u32)
    else {
        return Err(ProtocolError::TooLargeToEncode {
            what: "request body",
            len: body_len,
        });
    };
    // Written over the placeholder in place.
    EnvelopeHeader {
        version: opts.version,
        direction: Direction::Request,
        flags,
        stream: opts.stream,
        opcode,
        body_len,
    }
    .encode(&mut &mut dst[start..start + HEADER_LEN]);
    Ok(())
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
