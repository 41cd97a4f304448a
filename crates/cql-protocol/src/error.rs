//! Errors of framing, message encoding and message decoding.

use crate::serialize::SerializeError;

/// An error while encoding or decoding envelopes, segments or message bodies.
///
/// Decoding never panics on malformed input: every problem is one of these variants.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The input ended before a complete item could be read.
    #[error("unexpected end of input while reading {what}")]
    Truncated {
        /// The item being read.
        what: &'static str,
    },
    /// An envelope announced a body longer than the configured maximum.
    #[error("body of {len} bytes exceeds the maximum of {max} bytes")]
    BodyTooLarge {
        /// The announced length.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// The version byte names a protocol version this crate does not speak.
    #[error("unsupported protocol version byte 0x{0:02x}")]
    UnsupportedVersion(u8),
    /// The opcode byte is not a known message.
    #[error("unknown opcode 0x{0:02x}")]
    UnknownOpcode(u8),
    /// The message cannot appear in this direction (e.g. a request opcode in a response).
    #[error("unexpected opcode {0:?} for this direction")]
    UnexpectedOpcode(crate::frame::Opcode),
    /// A string was not valid UTF-8 (or ASCII where required).
    #[error("invalid UTF-8 in {what}")]
    InvalidUtf8 {
        /// The item being read.
        what: &'static str,
    },
    /// A length prefix was negative where that is not allowed, or too large.
    #[error("invalid length {len} for {what}")]
    InvalidLength {
        /// The item being read.
        what: &'static str,
        /// The offending length.
        len: i64,
    },
    /// An unknown consistency level code.
    #[error("unknown consistency level 0x{0:04x}")]
    UnknownConsistency(u16),
    /// An unknown RESULT kind.
    #[error("unknown RESULT kind 0x{0:08x}")]
    UnknownResultKind(i32),
    /// An unknown data type option id in result metadata.
    #[error("unknown column type id 0x{0:04x}")]
    UnknownTypeId(u16),
    /// Column types nested deeper than this crate accepts.
    #[error("column types nested deeper than {0} levels")]
    TypeNestingTooDeep(usize),
    /// A field had a value outside its allowed range or set.
    #[error("invalid {what}: {reason}")]
    InvalidValue {
        /// The item being read or written.
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// The CRC24 of a v5 segment header did not match.
    #[error("segment header CRC24 mismatch: received 0x{received:06x}, computed 0x{computed:06x}")]
    HeaderCrcMismatch {
        /// The CRC on the wire.
        received: u32,
        /// The CRC we computed.
        computed: u32,
    },
    /// The CRC32 of a v5 segment payload did not match.
    #[error("segment payload CRC32 mismatch: received 0x{received:08x}, computed 0x{computed:08x}")]
    PayloadCrcMismatch {
        /// The CRC on the wire.
        received: u32,
        /// The CRC we computed.
        computed: u32,
    },
    /// Compressing or decompressing failed.
    #[error("{algorithm} decompression failed: {reason}")]
    Decompression {
        /// The algorithm (`lz4` or `snappy`).
        algorithm: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The compression flag was set but no compression algorithm was negotiated.
    #[error("compressed envelope received but no compression was negotiated")]
    CompressionNotNegotiated,
    /// A value to encode did not fit the wire format (e.g. more than `i32::MAX` bytes).
    #[error("{what} is too large to encode ({len})")]
    TooLargeToEncode {
        /// The item being written.
        what: &'static str,
        /// Its size or count.
        len: usize,
    },
    /// Serializing bound values failed.
    #[error(transparent)]
    Serialize(#[from] SerializeError),
}

/// Shorthand for results of this crate's framing and message functions.
pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;
