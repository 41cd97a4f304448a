//! Protocol v5 framing: segments ("frames" in the v5 specification) that carry envelopes.
//!
//! After the STARTUP/READY (or AUTH_SUCCESS) exchange a v5 connection stops writing bare
//! envelopes and wraps them in segments:
//!
//! ```text
//! uncompressed: header (3 bytes LE: 17-bit payload length, 1-bit self-contained flag)
//!               CRC24 of the header (3 bytes LE), payload, CRC32 of the payload (4 bytes LE)
//! LZ4:          header (5 bytes LE: 17-bit compressed length, 17-bit uncompressed length,
//!               1-bit self-contained flag), CRC24 (3 bytes LE), compressed payload, CRC32
//!               of the compressed payload (4 bytes LE). An uncompressed length of 0 means the
//!               payload was sent uncompressed because compression did not help.
//! ```
//!
//! A self-contained segment holds one or more complete envelopes; a large envelope is split over
//! several segments that are not self-contained. Either way, appending every decoded payload to
//! one buffer and taking envelopes off it with [`crate::frame::decode_envelope`] reassembles them.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{ProtocolError, Result};
use crate::frame::Compression;
use crate::frame::compression::{lz4_compress_into, lz4_decompress};

/// The largest payload (compressed or not) one segment may carry: 128 KiB - 1.
pub const MAX_PAYLOAD_LEN: usize = 128 * 1024 - 1;

const CRC24_INIT: u32 = 0x875060;
const CRC24_POLY: u32 = 0x1974F0B;
const CRC32_SEED: [u8; 4] = [0xFA, 0x2D, 0x55, 0xCA];

/// CRC24 of the low `len` bytes of `value`, fed least significant byte first.
pub fn crc24(mut value: u64, len: usize) -> u32 {
    let mut crc = CRC24_INIT;
    for _ in 0..len {
        crc ^= ((value & 0xff) as u32) << 16;
        value >>= 8;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= CRC24_POLY;
            }
        }
    }
    crc
}

/// CRC32 (zlib polynomial) of `data`, seeded with the bytes `FA 2D 55 CA`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&CRC32_SEED);
    h.update(data);
    h.finalize()
}

/// A decoded segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The (decompressed) payload.
    pub payload: Bytes,
    /// Whether the payload holds only complete envelopes.
    pub self_contained: bool,
}

fn check_compression(compression: Option<Compression>) -> Result<bool> {
    match compression {
        None => Ok(false),
        Some(Compression::Lz4) => Ok(true),
        Some(other) => Err(ProtocolError::InvalidValue {
            what: "segment compression",
            reason: format!("{} is not supported by protocol v5", other.as_str()),
        }),
    }
}

fn header_len(compressed: bool) -> usize {
    if compressed { 5 } else { 3 }
}

/// Bytes before the payload of an uncompressed segment: header and its CRC24.
pub const UNCOMPRESSED_PREFIX_LEN: usize = 6;

/// Starts an uncompressed segment at the end of `dst`: a placeholder for its header, to be
/// followed by the payload (written by the caller straight into `dst`) and sealed with
/// [`seal_uncompressed`]. Returns where the segment starts. Saves a copy of the payload over
/// [`encode_segment`] when envelopes are gathered into one segment.
pub fn begin_uncompressed(dst: &mut BytesMut) -> usize {
    let start = dst.len();
    dst.put_bytes(0, UNCOMPRESSED_PREFIX_LEN);
    start
}

/// Completes the uncompressed segment begun at `start` by [`begin_uncompressed`]: everything
/// after the placeholder is its payload (at most [`MAX_PAYLOAD_LEN`] bytes).
pub fn seal_uncompressed(dst: &mut BytesMut, start: usize, self_contained: bool) -> Result<()> {
    let payload_start = start + UNCOMPRESSED_PREFIX_LEN;
    let Some(payload_len) = dst.len().checked_sub(payload_start) else {
        return Err(ProtocolError::InvalidValue {
            what: "segment",
            reason: "no segment was begun at that offset".into(),
        });
    };
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(ProtocolError::TooLargeToEncode {
            what: "segment payload",
            len: payload_len,
        });
    }
    let mut header = payload_len as u64;
    if self_contained {
        header |= 1 << 17;
    }
    write_header(dst, start, header, header_len(false));
    let pcrc = crc32(&dst[payload_start..]);
    dst.put_u32_le(pcrc);
    Ok(())
}

/// Writes `header` (its low `hlen` bytes) and its CRC24 at `start`.
fn write_header(dst: &mut BytesMut, start: usize, header: u64, hlen: usize) {
    let crc = crc24(header, hlen);
    let hb = header.to_le_bytes();
    dst[start..start + hlen].copy_from_slice(&hb[..hlen]);
    dst[start + hlen..start + hlen + 3].copy_from_slice(&crc.to_le_bytes()[..3]);
}

/// Writes one segment holding `payload` (at most [`MAX_PAYLOAD_LEN`] bytes).
///
/// With `Some(Compression::Lz4)` the payload is compressed, unless that does not make it smaller,
/// in which case it is sent as is with an uncompressed length of 0.
pub fn encode_segment(
    dst: &mut BytesMut,
    payload: &[u8],
    self_contained: bool,
    compression: Option<Compression>,
) -> Result<()> {
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(ProtocolError::TooLargeToEncode {
            what: "segment payload",
            len: payload.len(),
        });
    }
    let compressed = check_compression(compression)?;
    let hlen = header_len(compressed);
    let start = dst.len();
    dst.reserve(hlen + 3 + payload.len() + 4 + 16);
    // Header placeholder, patched once the payload length is known.
    dst.put_bytes(0, hlen + 3);
    let payload_start = dst.len();
    let mut uncompressed_len = 0usize;
    if compressed {
        lz4_compress_into(payload, dst);
        let clen = dst.len() - payload_start;
        if clen >= payload.len() {
            dst.truncate(payload_start);
            dst.put_slice(payload);
        } else {
            uncompressed_len = payload.len();
        }
    } else {
        dst.put_slice(payload);
    }
    let payload_len = dst.len() - payload_start;
    let mut header = payload_len as u64;
    let mut flag_offset = 17;
    if compressed {
        header |= (uncompressed_len as u64) << 17;
        flag_offset += 17;
    }
    if self_contained {
        header |= 1 << flag_offset;
    }
    write_header(dst, start, header, hlen);
    let pcrc = crc32(&dst[payload_start..]);
    dst.put_u32_le(pcrc);
    Ok(())
}

/// Writes `payload` as one self-contained segment, or, if it is longer than
/// [`MAX_PAYLOAD_LEN`], as a sequence of segments that are not self-contained.
pub fn encode_segments(
    dst: &mut BytesMut,
    payload: &[u8],
    compression: Option<Compression>,
) -> Result<()> {
    if payload.len() <= MAX_PAYLOAD_LEN {
        return encode_segment(dst, payload, true, compression);
    }
    for chunk in payload.chunks(MAX_PAYLOAD_LEN) {
        encode_segment(dst, chunk, false, compression)?;
    }
    Ok(())
}

/// Takes one segment off the front of `src`, checking both CRCs.
///
/// Returns `Ok(None)` when more bytes are needed (nothing is consumed then). Payload lengths are
/// bounded by the 17-bit header fields, so no allocation exceeds 128 KiB.
pub fn decode_segment(
    src: &mut BytesMut,
    compression: Option<Compression>,
) -> Result<Option<Segment>> {
    let compressed = check_compression(compression)?;
    let hlen = header_len(compressed);
    if src.len() < hlen + 3 {
        return Ok(None);
    }
    let mut hb = [0u8; 8];
    hb[..hlen].copy_from_slice(&src[..hlen]);
    let header = u64::from_le_bytes(hb);
    let received = u32::from_le_bytes([src[hlen], src[hlen + 1], src[hlen + 2], 0]);
    let computed = crc24(header, hlen);
    if received != computed {
        return Err(ProtocolError::HeaderCrcMismatch { received, computed });
    }
    let payload_len = (header & MAX_PAYLOAD_LEN as u64) as usize;
    let mut rest = header >> 17;
    let uncompressed_len = if compressed {
        let u = (rest & MAX_PAYLOAD_LEN as u64) as usize;
        rest >>= 17;
        u
    } else {
        0
    };
    let self_contained = rest & 1 == 1;
    let total = hlen + 3 + payload_len + 4;
    if src.len() < total {
        src.reserve(total - src.len());
        return Ok(None);
    }
    src.advance(hlen + 3);
    let raw = src.split_to(payload_len).freeze();
    let received = src.get_u32_le();
    let computed = crc32(&raw);
    if received != computed {
        return Err(ProtocolError::PayloadCrcMismatch { received, computed });
    }
    let payload = if compressed && uncompressed_len > 0 {
        Bytes::from(lz4_decompress(&raw, uncompressed_len, MAX_PAYLOAD_LEN)?)
    } else {
        raw
    };
    Ok(Some(Segment {
        payload,
        self_contained,
    }))
}

#[cfg(test)]
#[path = "segment_tests.rs"]
mod tests;
