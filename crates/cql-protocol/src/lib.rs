//! The CQL native protocol, versions 4 and 5, without I/O.
//!
//! Encoders append to a [`bytes::BytesMut`]; decoders take complete units off a buffer and return
//! `Ok(None)` when more bytes are needed. No sockets, no runtime: the driver (`cql`) puts this
//! behind its own reader and writer tasks.
//!
//! # Layers
//!
//! - [`frame`]: envelopes (9-byte header + body). [`frame::decode_envelope`] takes one envelope
//!   off a `BytesMut`, checking the body length against a maximum before reserving anything.
//!   [`frame::Compression`] is the v4 per-envelope LZ4/Snappy body compression.
//! - [`segment`]: v5 framing. After STARTUP/READY (or AUTH_SUCCESS) a v5 connection wraps
//!   envelopes in segments with CRC24/CRC32, optionally LZ4-compressed:
//!   [`segment::encode_segments`] / [`segment::decode_segment`].
//! - [`message`]: requests ([`message::Request`], written with [`message::encode_request`]) and
//!   responses ([`message::Response::decode`], or [`message::decode_response`] for a whole
//!   envelope with tracing id, warnings and custom payload).
//! - [`types`]: [`types::ColumnType`], the dynamic [`types::CqlValue`] and value types.
//! - [`serialize`] / [`deserialize`]: typed values written straight into the frame buffer and
//!   rows read from the frame without copying.
//!
//! # Example: a request and its response
//!
//! ```
//! use bytes::BytesMut;
//! use cql_protocol::frame::{decode_envelope, Flags, ProtocolVersion, DEFAULT_MAX_BODY_LEN};
//! use cql_protocol::message::{
//!     decode_response, encode_request, encode_response, ErrorDecodeOptions, Query,
//!     QueryParameters, Request, Response, ResponseFrame, ResultMessage,
//! };
//! use cql_protocol::types::Consistency;
//!
//! let v = ProtocolVersion::V4;
//! let mut out = BytesMut::new();
//! let values = (42i32, "hello");
//! let query = Query {
//!     query: "INSERT INTO ks.t (id, name) VALUES (?, ?)",
//!     params: QueryParameters {
//!         consistency: Consistency::Quorum,
//!         values: &values,
//!         ..Default::default()
//!     },
//! };
//! encode_request(&mut out, v, Flags::empty(), 7, &Request::Query(query)).unwrap();
//! // `out` now holds one complete envelope, ready for the socket.
//! assert_eq!(out[0], 0x04);
//!
//! // A server answers; the reader takes whole envelopes off its buffer.
//! let mut inbound = BytesMut::new();
//! let frame = ResponseFrame {
//!     stream: 7,
//!     tracing_id: None,
//!     warnings: vec![],
//!     custom_payload: None,
//!     response: Response::Result(ResultMessage::Void),
//! };
//! encode_response(&mut inbound, v, &frame, None).unwrap();
//! let partial = inbound.split_to(5);
//! let mut buf = partial;
//! assert!(decode_envelope(&mut buf, DEFAULT_MAX_BODY_LEN).unwrap().is_none());
//! buf.unsplit(inbound);
//! let env = decode_envelope(&mut buf, DEFAULT_MAX_BODY_LEN).unwrap().unwrap();
//! let decoded = decode_response(&env, None, DEFAULT_MAX_BODY_LEN, ErrorDecodeOptions::default()).unwrap();
//! assert_eq!(decoded.stream, 7);
//! assert_eq!(decoded.response, Response::Result(ResultMessage::Void));
//! ```
//!
//! # Reading rows
//!
//! [`message::Rows::rows`] type-checks a row type against the result columns once and then
//! yields rows; `&str` and `&[u8]` borrow from the frame:
//!
//! ```
//! # use bytes::{BufMut, Bytes, BytesMut};
//! # use cql_protocol::frame::ProtocolVersion;
//! # use cql_protocol::message::{ResultMessage, Rows};
//! # use cql_protocol::metadata::{ColumnSpec, ResultMetadata};
//! # use cql_protocol::types::ColumnType;
//! let columns = vec![
//!     ColumnSpec::new("ks", "t", "id", ColumnType::Int),
//!     ColumnSpec::new("ks", "t", "name", ColumnType::Text),
//! ];
//! let mut raw = BytesMut::new();
//! raw.put_i32(4); raw.put_i32(1); raw.put_i32(3); raw.put_slice(b"ann");
//! let rows = Rows {
//!     metadata: ResultMetadata { columns_count: 2, columns, ..Default::default() },
//!     rows_count: 1,
//!     raw_rows: raw.freeze(),
//! };
//! for row in rows.rows::<(i32, &str)>().unwrap() {
//!     let (id, name) = row.unwrap();
//!     assert_eq!((id, name), (1, "ann"));
//! }
//! // A wrong Rust type is refused before any row is read, naming the column.
//! let err = rows.rows::<(i32, i64)>().unwrap_err();
//! assert!(err.to_string().contains("name"));
//! ```
//!
//! # v5 framing
//!
//! ```
//! # use bytes::BytesMut;
//! use cql_protocol::frame::Compression;
//! use cql_protocol::segment::{decode_segment, encode_segments};
//! let envelopes = b"...one or more whole envelopes...";
//! let mut wire = BytesMut::new();
//! encode_segments(&mut wire, envelopes, Some(Compression::Lz4)).unwrap();
//! let seg = decode_segment(&mut wire, Some(Compression::Lz4)).unwrap().unwrap();
//! assert!(seg.self_contained);
//! assert_eq!(&seg.payload[..], &envelopes[..]);
//! ```

pub mod deserialize;
pub mod error;
pub mod frame;
pub mod message;
pub mod metadata;
pub mod segment;
pub mod serialize;
pub mod types;
pub mod wire;

pub use error::{ProtocolError, Result};
pub use frame::{Compression, Envelope, Flags, Opcode, ProtocolVersion};
