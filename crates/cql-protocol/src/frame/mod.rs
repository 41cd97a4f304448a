//! Envelopes: the 9-byte header (version, flags, stream, opcode, length) and the body.
//!
//! In protocol v4 envelopes are written to the socket directly (optionally with a compressed
//! body, see [`compression`]). In v5 the same envelopes travel inside [`crate::segment`]s once
//! the STARTUP/READY exchange is over.

pub mod compression;
mod envelope;

pub use compression::Compression;
pub use envelope::{
    DEFAULT_MAX_BODY_LEN, Envelope, EnvelopeHeader, HEADER_LEN, decode_envelope,
    decode_envelope_header,
};

use crate::error::{ProtocolError, Result};

/// A native protocol version this crate speaks.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// Protocol v4 (Cassandra 2.2+, ScyllaDB).
    V4,
    /// Protocol v5 (Cassandra 4.0+): segment framing after STARTUP, result metadata ids,
    /// int query flags, keyspace and now_in_seconds per query.
    V5,
}

impl ProtocolVersion {
    /// The version number (4 or 5), the low 7 bits of the version byte.
    pub fn as_u8(self) -> u8 {
        match self {
            ProtocolVersion::V4 => 4,
            ProtocolVersion::V5 => 5,
        }
    }

    /// The version for a number, if supported.
    pub fn from_u8(v: u8) -> Result<Self> {
        match v {
            4 => Ok(ProtocolVersion::V4),
            5 => Ok(ProtocolVersion::V5),
            other => Err(ProtocolError::UnsupportedVersion(other)),
        }
    }

    /// Whether this version is v5 or later.
    pub fn is_v5_or_later(self) -> bool {
        self >= ProtocolVersion::V5
    }
}

/// Whether an envelope goes from client to server or back (the version byte's high bit).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server (high bit 0).
    Request,
    /// Server to client (high bit 1).
    Response,
}

/// Envelope header flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// The body is compressed (v4 only; v5 compresses segments instead).
    pub const COMPRESSION: Flags = Flags(0x01);
    /// Request tracing; responses then start with a tracing id.
    pub const TRACING: Flags = Flags(0x02);
    /// A custom payload `[bytes map]` precedes the message.
    pub const CUSTOM_PAYLOAD: Flags = Flags(0x04);
    /// (Responses) a `[string list]` of warnings precedes the message.
    pub const WARNING: Flags = Flags(0x08);
    /// The client opts into a beta protocol version.
    pub const USE_BETA: Flags = Flags(0x10);

    /// No flags.
    pub const fn empty() -> Self {
        Flags(0)
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: Flags, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        self.0 |= rhs.0;
    }
}

/// The message kinds.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Opcode {
    /// ERROR (response).
    Error = 0x00,
    /// STARTUP (request).
    Startup = 0x01,
    /// READY (response).
    Ready = 0x02,
    /// AUTHENTICATE (response).
    Authenticate = 0x03,
    /// OPTIONS (request).
    Options = 0x05,
    /// SUPPORTED (response).
    Supported = 0x06,
    /// QUERY (request).
    Query = 0x07,
    /// RESULT (response).
    Result = 0x08,
    /// PREPARE (request).
    Prepare = 0x09,
    /// EXECUTE (request).
    Execute = 0x0A,
    /// REGISTER (request).
    Register = 0x0B,
    /// EVENT (response, stream -1).
    Event = 0x0C,
    /// BATCH (request).
    Batch = 0x0D,
    /// AUTH_CHALLENGE (response).
    AuthChallenge = 0x0E,
    /// AUTH_RESPONSE (request).
    AuthResponse = 0x0F,
    /// AUTH_SUCCESS (response).
    AuthSuccess = 0x10,
}

impl Opcode {
    /// The opcode for a byte.
    pub fn from_u8(b: u8) -> Result<Self> {
        Ok(match b {
            0x00 => Opcode::Error,
            0x01 => Opcode::Startup,
            0x02 => Opcode::Ready,
            0x03 => Opcode::Authenticate,
            0x05 => Opcode::Options,
            0x06 => Opcode::Supported,
            0x07 => Opcode::Query,
            0x08 => Opcode::Result,
            0x09 => Opcode::Prepare,
            0x0A => Opcode::Execute,
            0x0B => Opcode::Register,
            0x0C => Opcode::Event,
            0x0D => Opcode::Batch,
            0x0E => Opcode::AuthChallenge,
            0x0F => Opcode::AuthResponse,
            0x10 => Opcode::AuthSuccess,
            other => return Err(ProtocolError::UnknownOpcode(other)),
        })
    }

    /// Whether clients send this opcode.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            Opcode::Startup
                | Opcode::Options
                | Opcode::Query
                | Opcode::Prepare
                | Opcode::Execute
                | Opcode::Register
                | Opcode::Batch
                | Opcode::AuthResponse
        )
    }
}
