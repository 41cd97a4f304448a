//! Response messages, and decoding a whole response envelope (tracing id, warnings, custom
//! payload, message).

mod error;
mod event;
mod result;

pub use error::{
    ErrorDecodeOptions, ErrorKind, ErrorResponse, FailureReasons, OperationType, WriteType,
};
pub use event::{
    Event, SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChangeType, TopologyChangeType,
};
pub use result::{Prepared, ResultMessage, Rows};

use std::collections::HashMap;
use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use crate::error::{ProtocolError, Result};
use crate::frame::{
    Compression, Direction, Envelope, EnvelopeHeader, Flags, HEADER_LEN, Opcode, ProtocolVersion,
};
use crate::wire::{
    Reader, put_bytes, put_bytes_map, put_string, put_string_list, put_string_multimap, slice_of,
};

/// A response message.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum Response {
    /// ERROR
    Error(ErrorResponse),
    /// READY
    Ready,
    /// AUTHENTICATE with the server's authenticator class name.
    Authenticate(String),
    /// SUPPORTED options (e.g. `COMPRESSION`, `CQL_VERSION`, ScyllaDB extensions).
    Supported(HashMap<String, Vec<String>>),
    /// RESULT
    Result(ResultMessage),
    /// EVENT
    Event(Event),
    /// AUTH_CHALLENGE token (redacted in `Debug`).
    AuthChallenge(Option<Bytes>),
    /// AUTH_SUCCESS final token (redacted in `Debug`).
    AuthSuccess(Option<Bytes>),
}

fn redacted(t: &Option<Bytes>) -> Option<String> {
    t.as_ref().map(|t| format!("<{} bytes redacted>", t.len()))
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Response::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Response::Ready => f.write_str("Ready"),
            Response::Authenticate(a) => f.debug_tuple("Authenticate").field(a).finish(),
            Response::Supported(s) => f.debug_tuple("Supported").field(s).finish(),
            Response::Result(r) => f.debug_tuple("Result").field(r).finish(),
            Response::Event(e) => f.debug_tuple("Event").field(e).finish(),
            Response::AuthChallenge(t) => {
                f.debug_tuple("AuthChallenge").field(&redacted(t)).finish()
            }
            Response::AuthSuccess(t) => f.debug_tuple("AuthSuccess").field(&redacted(t)).finish(),
        }
    }
}

impl Response {
    /// Decodes a (decompressed) message body that has no tracing id, warnings or custom payload
    /// in front (see [`decode_response`] for whole envelopes).
    pub fn decode(opcode: Opcode, body: Bytes, version: ProtocolVersion) -> Result<Self> {
        Self::decode_with(opcode, &body, version, ErrorDecodeOptions::default())
    }

    /// Like [`Response::decode`], with options for negotiated extensions.
    pub fn decode_with(
        opcode: Opcode,
        body: &Bytes,
        version: ProtocolVersion,
        opts: ErrorDecodeOptions,
    ) -> Result<Self> {
        let mut r = Reader::new(body);
        Ok(match opcode {
            Opcode::Error => Response::Error(ErrorResponse::decode(body, version, opts)?),
            Opcode::Ready => Response::Ready,
            Opcode::Authenticate => Response::Authenticate(r.string("authenticator")?.to_owned()),
            Opcode::Supported => Response::Supported(r.string_multimap("supported")?),
            Opcode::Result => Response::Result(ResultMessage::decode(body, version)?),
            Opcode::Event => Response::Event(Event::decode(body)?),
            Opcode::AuthChallenge => {
                Response::AuthChallenge(r.bytes("token")?.map(|b| slice_of(body, b)))
            }
            Opcode::AuthSuccess => {
                Response::AuthSuccess(r.bytes("token")?.map(|b| slice_of(body, b)))
            }
            other => return Err(ProtocolError::UnexpectedOpcode(other)),
        })
    }

    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Response::Error(_) => Opcode::Error,
            Response::Ready => Opcode::Ready,
            Response::Authenticate(_) => Opcode::Authenticate,
            Response::Supported(_) => Opcode::Supported,
            Response::Result(_) => Opcode::Result,
            Response::Event(_) => Opcode::Event,
            Response::AuthChallenge(_) => Opcode::AuthChallenge,
            Response::AuthSuccess(_) => Opcode::AuthSuccess,
        }
    }

    /// Writes the message body (for fake servers and tests).
    pub fn encode_body(&self, dst: &mut BytesMut, version: ProtocolVersion) -> Result<()> {
        match self {
            Response::Error(e) => e.encode(dst, version),
            Response::Ready => Ok(()),
            Response::Authenticate(a) => put_string(dst, a),
            Response::Supported(s) => put_string_multimap(dst, s),
            Response::Result(r) => r.encode(dst, version),
            Response::Event(e) => e.encode(dst),
            Response::AuthChallenge(t) | Response::AuthSuccess(t) => put_bytes(dst, t.as_deref()),
        }
    }
}

/// A decoded response envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFrame {
    /// Stream id of the request this answers (-1 for events).
    pub stream: i16,
    /// The tracing session id, if the request asked for tracing.
    pub tracing_id: Option<Uuid>,
    /// Server warnings.
    pub warnings: Vec<String>,
    /// The custom payload, if any.
    pub custom_payload: Option<HashMap<String, Option<Bytes>>>,
    /// The message.
    pub response: Response,
}

/// Decodes a response envelope: decompresses the body (v4; `compression` is what STARTUP
/// negotiated, `max_body_len` caps the decompressed size), then reads the tracing id, warnings
/// and custom payload the flags announce, then the message.
pub fn decode_response(
    envelope: &Envelope,
    compression: Option<Compression>,
    max_body_len: usize,
    opts: ErrorDecodeOptions,
) -> Result<ResponseFrame> {
    let h = &envelope.header;
    let body = if h.flags.contains(Flags::COMPRESSION) {
        compression
            .ok_or(ProtocolError::CompressionNotNegotiated)?
            .decompress_body(&envelope.body, max_body_len)?
    } else {
        envelope.body.clone()
    };
    let mut r = Reader::new(&body);
    let tracing_id = if h.flags.contains(Flags::TRACING) {
        Some(r.uuid("tracing id")?)
    } else {
        None
    };
    let warnings = if h.flags.contains(Flags::WARNING) {
        r.string_list("warnings")?
    } else {
        Vec::new()
    };
    let custom_payload = if h.flags.contains(Flags::CUSTOM_PAYLOAD) {
        Some(r.bytes_map(&body, "custom payload")?)
    } else {
        None
    };
    let consumed = body.len() - r.remaining().len();
    let message = body.slice(consumed..);
    let response = Response::decode_with(h.opcode, &message, h.version, opts)?;
    Ok(ResponseFrame {
        stream: h.stream,
        tracing_id,
        warnings,
        custom_payload,
        response,
    })
}

/// Appends a complete response envelope (for fake servers and tests).
pub fn encode_response(
    dst: &mut BytesMut,
    version: ProtocolVersion,
    frame: &ResponseFrame,
    compression: Option<Compression>,
) -> Result<()> {
    let start = dst.len();
    dst.put_bytes(0, HEADER_LEN);
    let body_start = dst.len();
    let mut flags = Flags::empty();
    if let Some(t) = frame.tracing_id {
        flags |= Flags::TRACING;
        dst.put_slice(t.as_bytes());
    }
    if !frame.warnings.is_empty() {
        flags |= Flags::WARNING;
        put_string_list(dst, &frame.warnings)?;
    }
    if let Some(p) = &frame.custom_payload {
        flags |= Flags::CUSTOM_PAYLOAD;
        put_bytes_map(dst, p)?;
    }
    frame.response.encode_body(dst, version)?;
    if let Some(c) = compression {
        let body = dst.split_off(body_start);
        c.compress_body(&body, dst)?;
        flags |= Flags::COMPRESSION;
    }
    let body_len = (dst.len() - body_start) as u32;
    let mut header = BytesMut::with_capacity(HEADER_LEN);
    EnvelopeHeader {
        version,
        direction: Direction::Response,
        flags,
        stream: frame.stream,
        opcode: frame.response.opcode(),
        body_len,
    }
    .encode(&mut header);
    dst[start..start + HEADER_LEN].copy_from_slice(&header);
    Ok(())
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
