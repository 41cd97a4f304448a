//! v3/v4 framing: the 9-byte header, reading a whole frame from a stream, opcodes and flags.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Opcode ERROR.
pub const ERROR: u8 = 0x00;
/// Opcode STARTUP.
pub const STARTUP: u8 = 0x01;
/// Opcode OPTIONS.
pub const OPTIONS: u8 = 0x05;
/// Opcode SUPPORTED.
pub const SUPPORTED: u8 = 0x06;
/// Opcode QUERY.
pub const QUERY: u8 = 0x07;
/// Opcode RESULT.
pub const RESULT: u8 = 0x08;
/// Opcode PREPARE.
pub const PREPARE: u8 = 0x09;
/// Opcode EXECUTE.
pub const EXECUTE: u8 = 0x0A;
/// Opcode REGISTER.
pub const REGISTER: u8 = 0x0B;
/// Opcode EVENT.
pub const EVENT: u8 = 0x0C;
/// Opcode BATCH.
pub const BATCH: u8 = 0x0D;

/// Header flag: compressed body.
pub const FLAG_COMPRESSION: u8 = 0x01;
/// Header flag: tracing id in the response body.
pub const FLAG_TRACING: u8 = 0x02;
/// Header flag: custom payload.
pub const FLAG_CUSTOM_PAYLOAD: u8 = 0x04;
/// Header flag: warnings in the response body.
pub const FLAG_WARNING: u8 = 0x08;

/// Largest body accepted (Cassandra's default limit is far lower).
pub const MAX_BODY: usize = 256 << 20;

/// A whole frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Version byte including the direction bit (0x80 = response).
    pub version: u8,
    /// Header flags.
    pub flags: u8,
    /// Stream id.
    pub stream: i16,
    /// Opcode.
    pub opcode: u8,
    /// Body.
    pub body: Vec<u8>,
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Clean end of stream between frames.
    Eof,
    /// I/O error or end of stream inside a frame.
    Io(std::io::Error),
    /// Header announces a body larger than [`MAX_BODY`].
    TooLarge(u32),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Eof => write!(f, "end of stream"),
            ReadError::Io(e) => write!(f, "i/o: {e}"),
            ReadError::TooLarge(n) => write!(f, "frame body of {n} bytes is too large"),
        }
    }
}

impl Frame {
    /// The protocol version without the direction bit.
    pub fn protocol(&self) -> u8 {
        self.version & 0x7f
    }

    /// Serialises header and body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.body.len());
        out.push(self.version);
        out.push(self.flags);
        out.extend_from_slice(&self.stream.to_be_bytes());
        out.push(self.opcode);
        out.extend_from_slice(&(self.body.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// Offset of the message proper in a response body: after the tracing id, warnings and
    /// custom payload announced by the flags. `None` if the body is truncated.
    pub fn response_message_offset(&self) -> Option<usize> {
        let mut r = crate::wire::Reader::new(&self.body);
        if self.flags & FLAG_TRACING != 0 {
            r.take(16)?;
        }
        if self.flags & FLAG_WARNING != 0 {
            r.string_list()?;
        }
        if self.flags & FLAG_CUSTOM_PAYLOAD != 0 {
            r.skip_bytes_map()?;
        }
        Some(r.pos())
    }

    /// Offset of the message proper in a request body (after a custom payload).
    pub fn request_message_offset(&self) -> Option<usize> {
        let mut r = crate::wire::Reader::new(&self.body);
        if self.flags & FLAG_CUSTOM_PAYLOAD != 0 {
            r.skip_bytes_map()?;
        }
        Some(r.pos())
    }
}

/// Reads one frame.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<Frame, ReadError> {
    let mut h = [0u8; 9];
    let mut got = 0;
    while got < 9 {
        match r.read(&mut h[got..]).await {
            Ok(0) if got == 0 => return Err(ReadError::Eof),
            Ok(0) => {
                return Err(ReadError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            Ok(n) => got += n,
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    let len = u32::from_be_bytes([h[5], h[6], h[7], h[8]]);
    if len as usize > MAX_BODY {
        return Err(ReadError::TooLarge(len));
    }
    let mut body = vec![0u8; len as usize];
    r.read_exact(&mut body).await.map_err(ReadError::Io)?;
    Ok(Frame {
        version: h[0],
        flags: h[1],
        stream: i16::from_be_bytes([h[2], h[3]]),
        opcode: h[4],
        body,
    })
}

/// An ERROR response body: code, message, then `extra` bytes.
pub fn error_body(code: i32, message: &str, extra: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    crate::wire::put_i32(&mut b, code);
    crate::wire::put_string(&mut b, message);
    b.extend_from_slice(extra);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_limits() {
        let f = Frame {
            version: 0x04,
            flags: 0,
            stream: -3,
            opcode: OPTIONS,
            body: vec![1, 2],
        };
        let bytes = f.encode();
        let g = read_frame(&mut &bytes[..]).await.unwrap();
        assert_eq!(
            (g.version, g.stream, g.opcode, g.body),
            (4, -3, OPTIONS, vec![1, 2])
        );
        assert!(matches!(
            read_frame(&mut &bytes[..4]).await,
            Err(ReadError::Io(_))
        ));
        assert!(matches!(
            read_frame(&mut &[][..]).await,
            Err(ReadError::Eof)
        ));
        let huge = [4u8, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            read_frame(&mut &huge[..]).await,
            Err(ReadError::TooLarge(_))
        ));
    }

    #[test]
    fn message_offsets_skip_tracing_warnings_and_payload() {
        let mut body = vec![7u8; 16]; // tracing id
        crate::wire::put_u16(&mut body, 1); // one warning
        crate::wire::put_string(&mut body, "w");
        crate::wire::put_u16(&mut body, 1); // custom payload: one entry
        crate::wire::put_string(&mut body, "k");
        crate::wire::put_bytes(&mut body, Some(b"v"));
        let at = body.len();
        body.extend_from_slice(&[0, 0, 0, 1]);
        let flags = FLAG_TRACING | FLAG_WARNING | FLAG_CUSTOM_PAYLOAD;
        let f = Frame {
            version: 0x84,
            flags,
            stream: 1,
            opcode: RESULT,
            body,
        };
        assert_eq!(f.response_message_offset(), Some(at));
        let short = Frame {
            body: vec![1, 2],
            ..f
        };
        assert_eq!(short.response_message_offset(), None);
    }
}
