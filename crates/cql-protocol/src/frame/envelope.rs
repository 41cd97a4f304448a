//! Envelope header encoding and incremental decoding.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::{Direction, Flags, Opcode, ProtocolVersion};
use crate::error::{ProtocolError, Result};

/// Length of the envelope header in bytes (v3 and later).
pub const HEADER_LEN: usize = 9;

/// The default maximum body length: 256 MiB, the limit the specification sets for frames.
pub const DEFAULT_MAX_BODY_LEN: usize = 256 * 1024 * 1024;

/// The 9-byte envelope header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// The protocol version.
    pub version: ProtocolVersion,
    /// Request or response.
    pub direction: Direction,
    /// Header flags.
    pub flags: Flags,
    /// Stream id; -1 (and other negative ids) are server-initiated EVENTs.
    pub stream: i16,
    /// The message kind.
    pub opcode: Opcode,
    /// Length of the body that follows.
    pub body_len: u32,
}

impl EnvelopeHeader {
    /// Writes the header ([`HEADER_LEN`] bytes; a `&mut [u8]` of that length works too).
    pub fn encode(&self, dst: &mut impl BufMut) {
        let dir = match self.direction {
            Direction::Request => 0,
            Direction::Response => 0x80,
        };
        dst.put_u8(dir | self.version.as_u8());
        dst.put_u8(self.flags.0);
        dst.put_i16(self.stream);
        dst.put_u8(self.opcode as u8);
        dst.put_u32(self.body_len);
    }
}

/// Parses a header from exactly [`HEADER_LEN`] bytes, checking the body length against `max_body_len`.
///
/// Returns `Ok(None)` if fewer than [`HEADER_LEN`] bytes are given.
pub fn decode_envelope_header(buf: &[u8], max_body_len: usize) -> Result<Option<EnvelopeHeader>> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let vbyte = buf[0];
    let direction = if vbyte & 0x80 != 0 {
        Direction::Response
    } else {
        Direction::Request
    };
    let version = ProtocolVersion::from_u8(vbyte & 0x7f)?;
    let flags = Flags(buf[1]);
    let stream = i16::from_be_bytes([buf[2], buf[3]]);
    let opcode = Opcode::from_u8(buf[4])?;
    let body_len = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]);
    if body_len as u64 > max_body_len as u64 || body_len > i32::MAX as u32 {
        return Err(ProtocolError::BodyTooLarge {
            len: body_len.into(),
            max: max_body_len as u64,
        });
    }
    Ok(Some(EnvelopeHeader {
        version,
        direction,
        flags,
        stream,
        opcode,
        body_len,
    }))
}

/// A complete envelope: header fields and the (possibly compressed) body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The header (its `body_len` equals `body.len()`).
    pub header: EnvelopeHeader,
    /// The body as received (still compressed if the COMPRESSION flag is set).
    pub body: Bytes,
}

impl Envelope {
    /// The stream id.
    pub fn stream(&self) -> i16 {
        self.header.stream
    }

    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        self.header.opcode
    }

    /// The header flags.
    pub fn flags(&self) -> Flags {
        self.header.flags
    }

    /// Writes header and body.
    pub fn encode(&self, dst: &mut BytesMut) {
        let mut h = self.header;
        h.body_len = self.body.len() as u32;
        dst.reserve(HEADER_LEN + self.body.len());
        h.encode(dst);
        dst.put_slice(&self.body);
    }
}

/// Takes one complete envelope off the front of `src`.
///
/// Returns `Ok(None)` when `src` does not yet hold a whole envelope (nothing is consumed then;
/// the buffer is reserved for the announced body so the next reads fill it). The body length is
/// checked against `max_body_len` before any allocation.
pub fn decode_envelope(src: &mut BytesMut, max_body_len: usize) -> Result<Option<Envelope>> {
    let Some(header) = decode_envelope_header(src, max_body_len)? else {
        return Ok(None);
    };
    let total = HEADER_LEN + header.body_len as usize;
    if src.len() < total {
        src.reserve(total - src.len());
        return Ok(None);
    }
    src.advance(HEADER_LEN);
    let body = src.split_to(header.body_len as usize).freeze();
    Ok(Some(Envelope { header, body }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_options_request() {
        // OPTIONS, v4, stream 1, no body: 04 00 00 01 05 00 00 00 00
        let h = EnvelopeHeader {
            version: ProtocolVersion::V4,
            direction: Direction::Request,
            flags: Flags::empty(),
            stream: 1,
            opcode: Opcode::Options,
            body_len: 0,
        };
        let mut b = BytesMut::new();
        h.encode(&mut b);
        assert_eq!(&b[..], &[0x04, 0, 0, 1, 0x05, 0, 0, 0, 0]);
    }

    #[test]
    fn incremental_decode() {
        let mut full = BytesMut::new();
        Envelope {
            header: EnvelopeHeader {
                version: ProtocolVersion::V5,
                direction: Direction::Response,
                flags: Flags::WARNING,
                stream: -1,
                opcode: Opcode::Event,
                body_len: 0,
            },
            body: Bytes::from_static(b"hello"),
        }
        .encode(&mut full);
        assert_eq!(full[0], 0x85);
        for cut in 0..full.len() {
            let mut part = BytesMut::from(&full[..cut]);
            assert!(decode_envelope(&mut part, 1024).unwrap().is_none());
            assert_eq!(part.len(), cut, "nothing consumed on partial input");
        }
        let mut all = full.clone();
        all.extend_from_slice(&[0x84]);
        let e = decode_envelope(&mut all, 1024).unwrap().unwrap();
        assert_eq!(e.body, Bytes::from_static(b"hello"));
        assert_eq!(e.stream(), -1);
        assert_eq!(&all[..], &[0x84]);
    }

    #[test]
    fn oversize_rejected_before_body_arrives() {
        let mut b = BytesMut::from(&[0x84u8, 0, 0, 1, 0x08, 0x10, 0, 0, 0][..]);
        let err = decode_envelope(&mut b, 1024).unwrap_err();
        assert!(matches!(err, ProtocolError::BodyTooLarge { .. }));
        let mut b = BytesMut::from(&[0x84u8, 0, 0, 1, 0x08, 0xff, 0xff, 0xff, 0xff][..]);
        assert!(decode_envelope(&mut b, usize::MAX).is_err());
    }

    #[test]
    fn bad_version_and_opcode() {
        let mut b = BytesMut::from(&[0x83u8, 0, 0, 1, 0x08, 0, 0, 0, 0][..]);
        assert!(matches!(
            decode_envelope(&mut b, 10),
            Err(ProtocolError::UnsupportedVersion(3))
        ));
        let mut b = BytesMut::from(&[0x84u8, 0, 0, 1, 0x04, 0, 0, 0, 0][..]);
        assert!(matches!(
            decode_envelope(&mut b, 10),
            Err(ProtocolError::UnknownOpcode(4))
        ));
    }
}
