//! Primitive CQL notations (`[short]`, `[int]`, `[string]`, `[bytes]`, ...): a bounds-checked
//! reader over a byte slice and the matching writers. Every read returns `None` on truncated
//! input instead of panicking, so malformed client or server bodies become a closed connection.

/// A cursor over a message body. All reads are bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Current offset from the start of the buffer.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// `n` raw bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// A `[byte]`.
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// A `[short]` (unsigned 16-bit).
    pub fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// An `[int]` (signed 32-bit).
    pub fn i32(&mut self) -> Option<i32> {
        self.take(4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A `[string]`: `[short]` length then UTF-8 bytes (returned raw).
    pub fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.take(n)
    }

    /// A `[long string]`: `[int]` length then bytes.
    pub fn long_string(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.i32()?).ok()?;
        self.take(n)
    }

    /// A `[short bytes]`.
    pub fn short_bytes(&mut self) -> Option<&'a [u8]> {
        self.string()
    }

    /// A `[bytes]` (or `[value]`): `None` outer = truncated; inner `None` = null (-1) or
    /// unset (-2) or any other negative length.
    pub fn bytes(&mut self) -> Option<Option<&'a [u8]>> {
        let n = self.i32()?;
        if n < 0 {
            return Some(None);
        }
        self.take(n as usize).map(Some)
    }

    /// A `[string list]`.
    pub fn string_list(&mut self) -> Option<Vec<String>> {
        let n = self.u16()?;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            out.push(String::from_utf8_lossy(self.string()?).into_owned());
        }
        Some(out)
    }

    /// A `[string map]`.
    pub fn string_map(&mut self) -> Option<Vec<(String, String)>> {
        let n = self.u16()?;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let k = String::from_utf8_lossy(self.string()?).into_owned();
            let v = String::from_utf8_lossy(self.string()?).into_owned();
            out.push((k, v));
        }
        Some(out)
    }

    /// A `[string multimap]`.
    pub fn string_multimap(&mut self) -> Option<Vec<(String, Vec<String>)>> {
        let n = self.u16()?;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let k = String::from_utf8_lossy(self.string()?).into_owned();
            out.push((k, self.string_list()?));
        }
        Some(out)
    }

    /// Skips a `[bytes map]` (custom payload).
    pub fn skip_bytes_map(&mut self) -> Option<()> {
        let n = self.u16()?;
        for _ in 0..n {
            self.string()?;
            self.bytes()?;
        }
        Some(())
    }
}

/// Appends a `[short]`.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends an `[int]`.
pub fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a `[string]` (truncated to 65535 bytes, never longer than the notation allows).
pub fn put_string(out: &mut Vec<u8>, s: &str) {
    let b = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    put_u16(out, b.len() as u16);
    out.extend_from_slice(b);
}

/// Appends a `[bytes]`; `None` is null.
pub fn put_bytes(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        Some(b) => {
            put_i32(out, b.len() as i32);
            out.extend_from_slice(b);
        }
        None => put_i32(out, -1),
    }
}

/// Appends a `[string multimap]`.
pub fn put_string_multimap(out: &mut Vec<u8>, m: &[(String, Vec<String>)]) {
    put_u16(out, m.len() as u16);
    for (k, vs) in m {
        put_string(out, k);
        put_u16(out, vs.len() as u16);
        for v in vs {
            put_string(out, v);
        }
    }
}

/// Appends a `[string map]`.
pub fn put_string_map(out: &mut Vec<u8>, m: &[(String, String)]) {
    put_u16(out, m.len() as u16);
    for (k, v) in m {
        put_string(out, k);
        put_string(out, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_reads_are_none() {
        let mut r = Reader::new(&[0, 5, b'a']);
        assert!(r.string().is_none());
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(r.bytes(), Some(None));
        let mut r = Reader::new(&[0x7f, 0xff, 0xff, 0xff]);
        assert_eq!(r.bytes(), None);
    }

    #[test]
    fn multimap_round_trip() {
        let m = vec![("A".to_string(), vec!["1".to_string(), "2".to_string()])];
        let mut out = Vec::new();
        put_string_multimap(&mut out, &m);
        assert_eq!(Reader::new(&out).string_multimap().unwrap(), m);
    }
}
