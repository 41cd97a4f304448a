//! The protocol's primitive notations (`[int]`, `[string]`, `[bytes]`, ...): a bounds-checked
//! reader over a byte slice and writers into `BytesMut`.
//!
//! Every length read from the network is checked against the bytes that are actually left
//! before anything is allocated, so a hostile length prefix can never cause a large allocation.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use crate::error::{ProtocolError, Result};

/// A cursor over a message body that reads the protocol's notations.
///
/// Slices returned by the reader borrow from the underlying buffer; use
/// [`Bytes::slice_ref`] to turn them into owned `Bytes` without copying.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(ProtocolError::Truncated { what });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// `[byte]`
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// `[short]`: an unsigned 16-bit big-endian integer.
    pub fn short(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// `[int]`: a signed 32-bit big-endian integer.
    pub fn int(&mut self, what: &'static str) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    /// `[long]`: a signed 64-bit big-endian integer.
    pub fn long(&mut self, what: &'static str) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array(what)?))
    }

    /// An `[int]` that must not be negative, as a count or length.
    pub fn count(&mut self, what: &'static str) -> Result<usize> {
        let n = self.int(what)?;
        usize::try_from(n).map_err(|_| ProtocolError::InvalidLength {
            what,
            len: n.into(),
        })
    }

    /// `[string]`: a `[short]` length and UTF-8 bytes.
    pub fn string(&mut self, what: &'static str) -> Result<&'a str> {
        let n = self.short(what)? as usize;
        let b = self.take(n, what)?;
        std::str::from_utf8(b).map_err(|_| ProtocolError::InvalidUtf8 { what })
    }

    /// `[long string]`: an `[int]` length and UTF-8 bytes.
    pub fn long_string(&mut self, what: &'static str) -> Result<&'a str> {
        let n = self.count(what)?;
        let b = self.take(n, what)?;
        std::str::from_utf8(b).map_err(|_| ProtocolError::InvalidUtf8 { what })
    }

    /// `[uuid]`: 16 bytes.
    pub fn uuid(&mut self, what: &'static str) -> Result<Uuid> {
        Ok(Uuid::from_bytes(self.array(what)?))
    }

    /// `[string list]`.
    pub fn string_list(&mut self, what: &'static str) -> Result<Vec<String>> {
        let n = self.short(what)? as usize;
        // Each string takes at least 2 bytes: never reserve more than the input can hold.
        let mut v = Vec::with_capacity(n.min(self.buf.len() / 2));
        for _ in 0..n {
            v.push(self.string(what)?.to_owned());
        }
        Ok(v)
    }

    /// `[bytes]` for hot loops: `None` when truncated, no error value built (the caller
    /// reports its own). `Some(None)` is a null.
    #[inline]
    pub(crate) fn try_bytes(&mut self) -> Option<Option<&'a [u8]>> {
        let (len, rest) = self.buf.split_first_chunk::<4>()?;
        let Ok(n) = usize::try_from(i32::from_be_bytes(*len)) else {
            self.buf = rest;
            return Some(None);
        };
        if rest.len() < n {
            return None;
        }
        let (v, tail) = rest.split_at(n);
        self.buf = tail;
        Some(Some(v))
    }

    /// `[bytes]`: an `[int]` length (negative = null) and bytes.
    pub fn bytes(&mut self, what: &'static str) -> Result<Option<&'a [u8]>> {
        let n = self.int(what)?;
        if n < 0 {
            return Ok(None);
        }
        self.take(n as usize, what).map(Some)
    }

    /// `[value]`: like `[bytes]`, but -2 means "unset"; returns the raw length too.
    pub fn value(&mut self, what: &'static str) -> Result<RawWireValue<'a>> {
        let n = self.int(what)?;
        match n {
            -1 => Ok(RawWireValue::Null),
            -2 => Ok(RawWireValue::Unset),
            n if n < 0 => Err(ProtocolError::InvalidLength {
                what,
                len: n.into(),
            }),
            n => self.take(n as usize, what).map(RawWireValue::Value),
        }
    }

    /// `[short bytes]`: a `[short]` length and bytes.
    pub fn short_bytes(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let n = self.short(what)? as usize;
        self.take(n, what)
    }

    /// `[inetaddr]`: a one-byte length (4 or 16) and the address.
    pub fn inetaddr(&mut self, what: &'static str) -> Result<IpAddr> {
        let n = self.u8(what)?;
        match n {
            4 => Ok(IpAddr::V4(Ipv4Addr::from(self.array::<4>(what)?))),
            16 => Ok(IpAddr::V6(Ipv6Addr::from(self.array::<16>(what)?))),
            n => Err(ProtocolError::InvalidLength {
                what,
                len: n.into(),
            }),
        }
    }

    /// `[inet]`: an `[inetaddr]` and an `[int]` port.
    pub fn inet(&mut self, what: &'static str) -> Result<SocketAddr> {
        let ip = self.inetaddr(what)?;
        let port = self.int(what)?;
        let port = u16::try_from(port).map_err(|_| ProtocolError::InvalidValue {
            what,
            reason: format!("port {port} out of range"),
        })?;
        Ok(SocketAddr::new(ip, port))
    }

    /// `[string map]`.
    pub fn string_map(&mut self, what: &'static str) -> Result<HashMap<String, String>> {
        let n = self.short(what)? as usize;
        let mut m = HashMap::with_capacity(n.min(self.buf.len() / 4));
        for _ in 0..n {
            let k = self.string(what)?.to_owned();
            let v = self.string(what)?.to_owned();
            m.insert(k, v);
        }
        Ok(m)
    }

    /// `[string multimap]`.
    pub fn string_multimap(&mut self, what: &'static str) -> Result<HashMap<String, Vec<String>>> {
        let n = self.short(what)? as usize;
        let mut m = HashMap::with_capacity(n.min(self.buf.len() / 4));
        for _ in 0..n {
            let k = self.string(what)?.to_owned();
            let v = self.string_list(what)?;
            m.insert(k, v);
        }
        Ok(m)
    }

    /// `[bytes map]`; values are sliced from `frame`, which must contain this reader's buffer.
    pub fn bytes_map(
        &mut self,
        frame: &Bytes,
        what: &'static str,
    ) -> Result<HashMap<String, Option<Bytes>>> {
        let n = self.short(what)? as usize;
        let mut m = HashMap::with_capacity(n.min(self.buf.len() / 6));
        for _ in 0..n {
            let k = self.string(what)?.to_owned();
            let v = self.bytes(what)?.map(|b| slice_of(frame, b));
            m.insert(k, v);
        }
        Ok(m)
    }

    /// An unsigned vint (the v5 / vector element length encoding).
    pub fn unsigned_vint(&mut self, what: &'static str) -> Result<u64> {
        let first = self.u8(what)?;
        let extra = first.leading_ones() as usize;
        if extra == 0 {
            return Ok(u64::from(first));
        }
        let rest = self.take(extra, what)?;
        let mut v: u64 = if extra >= 8 {
            0
        } else {
            u64::from(first & (0xff >> extra))
        };
        for &b in rest {
            v = (v << 8) | u64::from(b);
        }
        Ok(v)
    }

    /// A signed (zig-zag) vint, as used by the duration type.
    pub fn signed_vint(&mut self, what: &'static str) -> Result<i64> {
        let u = self.unsigned_vint(what)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

/// A `[value]` as read from a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawWireValue<'a> {
    /// Length -1.
    Null,
    /// Length -2 (protocol v4+ "unset").
    Unset,
    /// A present value.
    Value(&'a [u8]),
}

/// Slices `frame` at `part`, which must lie inside it; copies if it does not (never panics).
pub(crate) fn slice_of(frame: &Bytes, part: &[u8]) -> Bytes {
    let start = frame.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    if part.is_empty() {
        return Bytes::new();
    }
    if p >= start && p + part.len() <= start + frame.len() {
        frame.slice_ref(part)
    } else {
        Bytes::copy_from_slice(part)
    }
}

/// Writes `[short]`.
pub fn put_short(dst: &mut BytesMut, v: u16) {
    dst.put_u16(v);
}

/// Writes `[int]`.
pub fn put_int(dst: &mut BytesMut, v: i32) {
    dst.put_i32(v);
}

/// Writes `[long]`.
pub fn put_long(dst: &mut BytesMut, v: i64) {
    dst.put_i64(v);
}

fn short_len(len: usize, what: &'static str) -> Result<u16> {
    u16::try_from(len).map_err(|_| ProtocolError::TooLargeToEncode { what, len })
}

fn int_len(len: usize, what: &'static str) -> Result<i32> {
    i32::try_from(len).map_err(|_| ProtocolError::TooLargeToEncode { what, len })
}

/// Writes `[string]`.
pub fn put_string(dst: &mut BytesMut, s: &str) -> Result<()> {
    dst.put_u16(short_len(s.len(), "[string]")?);
    dst.put_slice(s.as_bytes());
    Ok(())
}

/// Writes `[long string]`.
pub fn put_long_string(dst: &mut BytesMut, s: &str) -> Result<()> {
    dst.put_i32(int_len(s.len(), "[long string]")?);
    dst.put_slice(s.as_bytes());
    Ok(())
}

/// Writes `[string list]`.
pub fn put_string_list<S: AsRef<str>>(dst: &mut BytesMut, list: &[S]) -> Result<()> {
    dst.put_u16(short_len(list.len(), "[string list]")?);
    for s in list {
        put_string(dst, s.as_ref())?;
    }
    Ok(())
}

/// Writes `[bytes]`; `None` is null (length -1).
pub fn put_bytes(dst: &mut BytesMut, b: Option<&[u8]>) -> Result<()> {
    match b {
        None => dst.put_i32(-1),
        Some(b) => {
            dst.put_i32(int_len(b.len(), "[bytes]")?);
            dst.put_slice(b);
        }
    }
    Ok(())
}

/// Writes `[short bytes]`.
pub fn put_short_bytes(dst: &mut BytesMut, b: &[u8]) -> Result<()> {
    dst.put_u16(short_len(b.len(), "[short bytes]")?);
    dst.put_slice(b);
    Ok(())
}

/// Writes `[string map]` (entries in the map's iteration order).
pub fn put_string_map<'a, I>(dst: &mut BytesMut, len: usize, entries: I) -> Result<()>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    dst.put_u16(short_len(len, "[string map]")?);
    for (k, v) in entries {
        put_string(dst, k)?;
        put_string(dst, v)?;
    }
    Ok(())
}

/// Writes `[string multimap]`.
pub fn put_string_multimap(dst: &mut BytesMut, map: &HashMap<String, Vec<String>>) -> Result<()> {
    dst.put_u16(short_len(map.len(), "[string multimap]")?);
    for (k, v) in map {
        put_string(dst, k)?;
        put_string_list(dst, v)?;
    }
    Ok(())
}

/// Writes `[bytes map]`.
pub fn put_bytes_map(dst: &mut BytesMut, map: &HashMap<String, Option<Bytes>>) -> Result<()> {
    dst.put_u16(short_len(map.len(), "[bytes map]")?);
    for (k, v) in map {
        put_string(dst, k)?;
        put_bytes(dst, v.as_deref())?;
    }
    Ok(())
}

/// Writes `[inetaddr]`.
pub fn put_inetaddr(dst: &mut BytesMut, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => {
            dst.put_u8(4);
            dst.put_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            dst.put_u8(16);
            dst.put_slice(&a.octets());
        }
    }
}

/// Writes `[inet]`.
pub fn put_inet(dst: &mut BytesMut, addr: SocketAddr) {
    put_inetaddr(dst, addr.ip());
    dst.put_i32(i32::from(addr.port()));
}

/// Writes an unsigned vint.
pub fn put_unsigned_vint(dst: &mut BytesMut, v: u64) {
    // Number of significant bits decides how many extra bytes follow the first byte.
    let bits = 64 - v.leading_zeros() as usize;
    // With `extra` bytes following, the first byte holds 7 - extra payload bits.
    let mut extra = 0usize;
    while extra < 8 && bits > 7 - extra + 8 * extra {
        extra += 1;
    }
    if extra == 0 {
        dst.put_u8(v as u8);
        return;
    }
    let mut buf = [0u8; 9];
    for (i, slot) in buf[1..=extra].iter_mut().enumerate() {
        *slot = (v >> (8 * (extra - 1 - i))) as u8;
    }
    let head_bits = if extra >= 8 {
        0
    } else {
        ((v >> (8 * extra)) as u8) & ((0xffu16 >> (extra + 1)) as u8)
    };
    buf[0] = (!(0xffu16 >> extra) as u8) | head_bits;
    dst.put_slice(&buf[..=extra]);
}

/// Writes a signed (zig-zag) vint.
pub fn put_signed_vint(dst: &mut BytesMut, v: i64) {
    put_unsigned_vint(dst, ((v << 1) ^ (v >> 63)) as u64);
}

/// Overwrites a big-endian `i32` at `pos` (used to back-patch length prefixes).
pub(crate) fn patch_i32(dst: &mut BytesMut, pos: usize, v: i32) {
    dst[pos..pos + 4].copy_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vint_round_trip_edges() {
        for v in [
            0u64,
            1,
            127,
            128,
            255,
            16383,
            16384,
            (1 << 21) - 1,
            1 << 21,
            u32::MAX as u64,
            (1 << 56) - 1,
            1 << 56,
            u64::MAX,
        ] {
            let mut b = BytesMut::new();
            put_unsigned_vint(&mut b, v);
            let mut r = Reader::new(&b);
            assert_eq!(r.unsigned_vint("t").unwrap(), v, "value {v}");
            assert!(r.is_empty(), "value {v} left bytes");
        }
        for v in [0i64, -1, 1, -64, 63, 64, i64::MIN, i64::MAX] {
            let mut b = BytesMut::new();
            put_signed_vint(&mut b, v);
            assert_eq!(Reader::new(&b).signed_vint("t").unwrap(), v);
        }
    }

    #[test]
    fn vint_golden() {
        // 0x80 0x80 means one extra byte holding 0x80 -> 128.
        let mut b = BytesMut::new();
        put_unsigned_vint(&mut b, 128);
        assert_eq!(&b[..], &[0x80, 0x80]);
        let mut b = BytesMut::new();
        put_unsigned_vint(&mut b, 300);
        assert_eq!(&b[..], &[0x81, 0x2c]);
        let mut b = BytesMut::new();
        put_unsigned_vint(&mut b, u64::MAX);
        assert_eq!(&b[..], &[0xff; 9]);
    }

    #[test]
    fn truncated_and_negative_lengths_are_errors() {
        assert!(Reader::new(&[0, 5, b'a']).string("s").is_err());
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xfd]).value("v").is_err());
        assert!(Reader::new(&[0x7f, 0xff, 0xff, 0xff]).bytes("b").is_err());
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xfe]).value("v").unwrap(),
            RawWireValue::Unset
        );
    }
}
