//! The byte-level codec of one connection: v4 envelopes (optionally compressed per frame) or
//! v5 segments carrying envelopes. Used by the handshake (sequentially) and by the reader and
//! writer tasks.

use bytes::{Buf, Bytes, BytesMut};
use cql_protocol::frame::{self, Compression, Envelope, Flags};
use cql_protocol::segment::{self, MAX_PAYLOAD_LEN};

/// How bytes on the wire carry envelopes at a given moment of a connection's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Envelopes straight on the wire (v4, and v5 before STARTUP is answered), with per-frame
    /// compression when set (v4 only).
    Envelopes(Option<Compression>),
    /// v5 segments with CRCs, LZ4-compressed when set.
    Segments(Option<Compression>),
}

/// Encodes outgoing envelopes into wire bytes.
#[derive(Debug)]
pub(crate) struct Encoder {
    framing: Framing,
    /// Envelopes waiting to be wrapped into one self-contained segment (v5). Uncompressed,
    /// the segment is built here in place: a header placeholder, then the envelopes.
    pending: BytesMut,
    scratch: BytesMut,
}

impl Encoder {
    pub(crate) fn new(framing: Framing) -> Self {
        Self {
            framing,
            pending: BytesMut::new(),
            scratch: BytesMut::new(),
        }
    }

    /// Appends one encoded envelope (uncompressed header + body) to `out`, or keeps it for the
    /// next segment (v5; call [`finish`](Self::finish) when no more envelopes follow).
    pub(crate) fn push(
        &mut self,
        envelope: &[u8],
        out: &mut BytesMut,
    ) -> Result<(), cql_protocol::ProtocolError> {
        match self.framing {
            Framing::Envelopes(None) => out.extend_from_slice(envelope),
            Framing::Envelopes(Some(c)) => {
                // Header with the COMPRESSION flag and the compressed length, then the body.
                let (header, body) = envelope.split_at(frame::HEADER_LEN.min(envelope.len()));
                self.scratch.clear();
                c.compress_body(body, &mut self.scratch)?;
                let start = out.len();
                out.extend_from_slice(header);
                if let Some(flags) = out.get_mut(start + 1) {
                    *flags |= Flags::COMPRESSION.0;
                }
                let len = u32::try_from(self.scratch.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes();
                out[start + 5..start + 9].copy_from_slice(&len);
                out.extend_from_slice(&self.scratch);
            }
            Framing::Segments(c) => {
                if self.payload_len(c) + envelope.len() > MAX_PAYLOAD_LEN {
                    self.flush_segment(out)?;
                }
                if envelope.len() > MAX_PAYLOAD_LEN {
                    // A large envelope travels alone, cut into non-self-contained segments.
                    segment::encode_segments(out, envelope, c)?;
                } else {
                    if c.is_none() && self.pending.is_empty() {
                        segment::begin_uncompressed(&mut self.pending);
                    }
                    self.pending.extend_from_slice(envelope);
                }
            }
        }
        Ok(())
    }

    /// Envelope bytes gathered for the next segment.
    fn payload_len(&self, compression: Option<Compression>) -> usize {
        match compression {
            None => self
                .pending
                .len()
                .saturating_sub(segment::UNCOMPRESSED_PREFIX_LEN),
            Some(_) => self.pending.len(),
        }
    }

    fn flush_segment(&mut self, out: &mut BytesMut) -> Result<(), cql_protocol::ProtocolError> {
        let Framing::Segments(c) = self.framing else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        match c {
            None => {
                segment::seal_uncompressed(&mut self.pending, 0, true)?;
                if out.is_empty() {
                    // The usual case (one segment per write): hand the buffer over, no copy.
                    std::mem::swap(out, &mut self.pending);
                } else {
                    out.extend_from_slice(&self.pending);
                }
            }
            Some(_) => segment::encode_segment(out, &self.pending, true, c)?,
        }
        self.pending.clear();
        Ok(())
    }

    /// Wraps what [`push`](Self::push) kept into a segment (v5); no-op otherwise.
    pub(crate) fn finish(&mut self, out: &mut BytesMut) -> Result<(), cql_protocol::ProtocolError> {
        self.flush_segment(out)
    }
}

/// Decodes incoming wire bytes into envelopes.
#[derive(Debug)]
pub(crate) struct Decoder {
    framing: Framing,
    max_body: usize,
    /// The payload of the last segment, from which whole envelopes are taken without copying.
    payload: Bytes,
    /// Envelope bytes unwrapped from segments, not yet a whole envelope (one cut over
    /// segments): gathered here by copying.
    unwrapped: BytesMut,
}

impl Decoder {
    pub(crate) fn new(framing: Framing, max_body: usize) -> Self {
        Self {
            framing,
            max_body,
            payload: Bytes::new(),
            unwrapped: BytesMut::new(),
        }
    }

    /// Switches framing (v5: after the server answered STARTUP). Bytes already received stay.
    pub(crate) fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// The next whole envelope from `wire`, or `None` when more bytes are needed.
    pub(crate) fn next(
        &mut self,
        wire: &mut BytesMut,
    ) -> Result<Option<Envelope>, cql_protocol::ProtocolError> {
        match self.framing {
            Framing::Envelopes(c) => {
                let Some(env) = frame::decode_envelope(wire, self.max_body)? else {
                    return Ok(None);
                };
                decompress(env, c, self.max_body).map(Some)
            }
            Framing::Segments(c) => loop {
                if !self.payload.is_empty() {
                    if self.unwrapped.is_empty() {
                        // Whole envelopes are slices of the segment's payload.
                        if let Some(env) = take_envelope(&mut self.payload, self.max_body)? {
                            return Ok(Some(env));
                        }
                    }
                    // The start, or more, of an envelope cut over segments.
                    self.unwrapped.extend_from_slice(&self.payload);
                    self.payload.clear();
                }
                // The envelope header's length is checked against the limit before the
                // unwrapped buffer grows any further.
                if let Some(env) = frame::decode_envelope(&mut self.unwrapped, self.max_body)? {
                    return Ok(Some(env));
                }
                let Some(seg) = segment::decode_segment(wire, c)? else {
                    return Ok(None);
                };
                self.payload = seg.payload;
            },
        }
    }
}

/// Takes one whole envelope off the front of `payload` (its body a slice of it), or `None`
/// when `payload` holds only part of one (nothing is consumed then).
fn take_envelope(
    payload: &mut Bytes,
    max_body: usize,
) -> Result<Option<Envelope>, cql_protocol::ProtocolError> {
    let Some(header) = frame::decode_envelope_header(payload, max_body)? else {
        return Ok(None);
    };
    let total = frame::HEADER_LEN + header.body_len as usize;
    if payload.len() < total {
        return Ok(None);
    }
    let body = payload.slice(frame::HEADER_LEN..total);
    payload.advance(total);
    Ok(Some(Envelope { header, body }))
}

fn decompress(
    env: Envelope,
    negotiated: Option<Compression>,
    max_body: usize,
) -> Result<Envelope, cql_protocol::ProtocolError> {
    if !env.flags().contains(Flags::COMPRESSION) {
        return Ok(env);
    }
    let Some(c) = negotiated else {
        return Err(cql_protocol::ProtocolError::InvalidValue {
            what: "envelope flags",
            reason: "compressed envelope but no compression was negotiated".into(),
        });
    };
    let body = c.decompress_body(&env.body, max_body)?;
    let mut header = env.header;
    header.flags.set(Flags::COMPRESSION, false);
    header.body_len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    Ok(Envelope { header, body })
}

#[cfg(test)]
#[path = "io_tests.rs"]
mod tests;
