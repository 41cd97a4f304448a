//! Protocol v4 per-envelope body compression (LZ4 and Snappy).
//!
//! The algorithm is negotiated with the `COMPRESSION` option of STARTUP. In v4 every envelope
//! after STARTUP whose COMPRESSION flag is set carries a compressed body. (In v5 compression
//! moves to the segment layer and only LZ4 exists; see [`crate::segment`].)

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{ProtocolError, Result};

/// A body compression algorithm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// LZ4 block format; in v4 bodies are prefixed with the uncompressed length as a big-endian `[int]`.
    Lz4,
    /// Snappy raw format (v4 only).
    Snappy,
}

impl Compression {
    /// The name used in the STARTUP `COMPRESSION` option and SUPPORTED.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Lz4 => "lz4",
            Compression::Snappy => "snappy",
        }
    }

    /// Parses a STARTUP/SUPPORTED name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "lz4" => Some(Compression::Lz4),
            "snappy" => Some(Compression::Snappy),
            _ => None,
        }
    }

    /// Compresses a v4 body, appending the result to `dst`.
    pub fn compress_body(self, body: &[u8], dst: &mut BytesMut) -> Result<()> {
        match self {
            Compression::Lz4 => {
                let len =
                    i32::try_from(body.len()).map_err(|_| ProtocolError::TooLargeToEncode {
                        what: "lz4 body",
                        len: body.len(),
                    })?;
                dst.put_i32(len);
                lz4_compress_into(body, dst);
            }
            Compression::Snappy => {
                let start = dst.len();
                dst.resize(start + snap::raw::max_compress_len(body.len()), 0);
                let n = snap::raw::Encoder::new()
                    .compress(body, &mut dst[start..])
                    .map_err(|e| ProtocolError::InvalidValue {
                        what: "snappy body",
                        reason: e.to_string(),
                    })?;
                dst.truncate(start + n);
            }
        }
        Ok(())
    }

    /// Decompresses a v4 body; the result may not exceed `max_len` bytes (checked before allocating).
    pub fn decompress_body(self, body: &[u8], max_len: usize) -> Result<Bytes> {
        match self {
            Compression::Lz4 => {
                if body.len() < 4 {
                    return Err(ProtocolError::Truncated {
                        what: "lz4 uncompressed length",
                    });
                }
                let len = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidLength {
                    what: "lz4 uncompressed length",
                    len: len.into(),
                })?;
                lz4_decompress(&body[4..], len, max_len).map(Bytes::from)
            }
            Compression::Snappy => {
                let len =
                    snap::raw::decompress_len(body).map_err(|e| ProtocolError::Decompression {
                        algorithm: "snappy",
                        reason: e.to_string(),
                    })?;
                if len > max_len {
                    return Err(ProtocolError::BodyTooLarge {
                        len: len as u64,
                        max: max_len as u64,
                    });
                }
                let mut out = vec![0u8; len];
                let n = snap::raw::Decoder::new()
                    .decompress(body, &mut out)
                    .map_err(|e| ProtocolError::Decompression {
                        algorithm: "snappy",
                        reason: e.to_string(),
                    })?;
                out.truncate(n);
                Ok(Bytes::from(out))
            }
        }
    }
}

/// LZ4-compresses `src` (block format, no length prefix) and appends it to `dst`.
pub(crate) fn lz4_compress_into(src: &[u8], dst: &mut BytesMut) {
    let start = dst.len();
    dst.resize(
        start + lz4_flex::block::get_maximum_output_size(src.len()),
        0,
    );
    // The output buffer is sized for the worst case, so this cannot fail.
    let n = lz4_flex::block::compress_into(src, &mut dst[start..]).unwrap_or(0);
    dst.truncate(start + n);
}

/// LZ4-decompresses a block whose uncompressed size is `len` (checked against `max_len` first).
pub(crate) fn lz4_decompress(src: &[u8], len: usize, max_len: usize) -> Result<Vec<u8>> {
    if len > max_len {
        return Err(ProtocolError::BodyTooLarge {
            len: len as u64,
            max: max_len as u64,
        });
    }
    // LZ4 cannot expand input by more than ~255x; a larger claim is a lie we refuse before allocating.
    if len > src.len().saturating_mul(255).saturating_add(16) {
        return Err(ProtocolError::Decompression {
            algorithm: "lz4",
            reason: format!(
                "claimed size {len} impossible for {} input bytes",
                src.len()
            ),
        });
    }
    let out = lz4_flex::block::decompress(src, len).map_err(|e| ProtocolError::Decompression {
        algorithm: "lz4",
        reason: e.to_string(),
    })?;
    if out.len() != len {
        return Err(ProtocolError::Decompression {
            algorithm: "lz4",
            reason: format!("expected {len} bytes, got {}", out.len()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both() {
        let body: Vec<u8> = (0..5000u32).flat_map(|i| (i % 7).to_be_bytes()).collect();
        for c in [Compression::Lz4, Compression::Snappy] {
            let mut out = BytesMut::new();
            c.compress_body(&body, &mut out).unwrap();
            assert!(out.len() < body.len());
            let back = c.decompress_body(&out, 1 << 20).unwrap();
            assert_eq!(&back[..], &body[..]);
            assert!(c.decompress_body(&out, 100).is_err(), "max enforced");
            assert_eq!(Compression::from_name(c.as_str()), Some(c));
        }
    }

    #[test]
    fn lz4_has_big_endian_length_prefix() {
        let mut out = BytesMut::new();
        Compression::Lz4
            .compress_body(b"abcabcabcabc", &mut out)
            .unwrap();
        assert_eq!(&out[..4], &[0, 0, 0, 12]);
        // An empty body is just the prefix plus a minimal block.
        let mut out = BytesMut::new();
        Compression::Lz4.compress_body(b"", &mut out).unwrap();
        assert_eq!(
            Compression::Lz4.decompress_body(&out, 10).unwrap(),
            Bytes::new()
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(
            Compression::Lz4
                .decompress_body(&[0, 0, 0, 50, 0xff, 0x01], 1000)
                .is_err()
        );
        assert!(
            Compression::Lz4
                .decompress_body(&[0x7f, 0xff, 0xff, 0xff, 0], usize::MAX)
                .is_err()
        );
        assert!(
            Compression::Snappy
                .decompress_body(&[0xff, 0xff, 0xff, 0xff, 0x0f], 1000)
                .is_err()
        );
    }
}
