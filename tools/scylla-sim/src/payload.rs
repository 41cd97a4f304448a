//! The `tablets-routing-v1` custom payload: its value (a serialized
//! `TupleType(LongType, LongType, ListType(TupleType(UUIDType, Int32Type)))`) and adding an
//! entry to a response frame's custom payload (`[bytes map]` after the tracing id and the
//! warnings, before the message; header flag 0x04).

use crate::frame::{FLAG_CUSTOM_PAYLOAD, FLAG_TRACING, FLAG_WARNING, Frame};
use crate::wire::{Reader, put_bytes, put_i32, put_string, put_u16};

/// The payload key of the extension.
pub const TABLETS_ROUTING_V1_KEY: &str = "tablets-routing-v1";

/// Serializes the tablet routing tuple: `(first_token, last_token, [(host_id, shard)...])`.
/// A tuple is each element as `[int length][bytes]`; a list is `[int n]` then each element
/// as `[int length][bytes]`.
pub fn tablet_routing_v1(first: i64, last: i64, replicas: &[([u8; 16], i32)]) -> Vec<u8> {
    let mut list = Vec::new();
    put_i32(&mut list, replicas.len() as i32);
    for (host, shard) in replicas {
        let mut tuple = Vec::new();
        put_bytes(&mut tuple, Some(host));
        put_bytes(&mut tuple, Some(&shard.to_be_bytes()));
        put_bytes(&mut list, Some(&tuple));
    }
    let mut out = Vec::new();
    put_bytes(&mut out, Some(&first.to_be_bytes()));
    put_bytes(&mut out, Some(&last.to_be_bytes()));
    put_bytes(&mut out, Some(&list));
    out
}

/// Adds (or replaces) `key` in the custom payload of a response frame, keeping the tracing
/// id, the warnings and any entries the backend sent. `None` if the body is malformed.
pub fn add_to_response(f: &mut Frame, key: &str, value: &[u8]) -> Option<()> {
    let mut r = Reader::new(&f.body);
    if f.flags & FLAG_TRACING != 0 {
        r.take(16)?;
    }
    if f.flags & FLAG_WARNING != 0 {
        r.string_list()?;
    }
    let start = r.pos();
    let mut entries: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    if f.flags & FLAG_CUSTOM_PAYLOAD != 0 {
        let n = r.u16()?;
        for _ in 0..n {
            let k = r.string()?.to_vec();
            let v = r.bytes()?.map(<[u8]>::to_vec);
            if k != key.as_bytes() {
                entries.push((k, v));
            }
        }
    }
    let end = r.pos();
    if entries.len() >= usize::from(u16::MAX) {
        return None;
    }
    let mut map = Vec::new();
    put_u16(&mut map, entries.len() as u16 + 1);
    for (k, v) in &entries {
        put_u16(&mut map, k.len() as u16);
        map.extend_from_slice(k);
        put_bytes(&mut map, v.as_deref());
    }
    put_string(&mut map, key);
    put_bytes(&mut map, Some(value));
    let mut body = Vec::with_capacity(f.body.len() + map.len());
    body.extend_from_slice(&f.body[..start]);
    body.extend_from_slice(&map);
    body.extend_from_slice(&f.body[end..]);
    f.body = body;
    f.flags |= FLAG_CUSTOM_PAYLOAD;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::RESULT;

    /// (first, last, replicas) as decoded.
    type Decoded = (i64, i64, Vec<([u8; 16], i32)>);

    /// Decodes the tuple back, element by element, as a driver would.
    fn decode(v: &[u8]) -> Option<Decoded> {
        let mut r = Reader::new(v);
        let first = i64::from_be_bytes(r.bytes()??.try_into().ok()?);
        let last = i64::from_be_bytes(r.bytes()??.try_into().ok()?);
        let list = r.bytes()??;
        if !r.rest().is_empty() {
            return None;
        }
        let mut l = Reader::new(list);
        let n = l.i32()?;
        let mut replicas = Vec::new();
        for _ in 0..n {
            let mut t = Reader::new(l.bytes()??);
            let host: [u8; 16] = t.bytes()??.try_into().ok()?;
            let shard = i32::from_be_bytes(t.bytes()??.try_into().ok()?);
            replicas.push((host, shard));
        }
        l.rest().is_empty().then_some((first, last, replicas))
    }

    #[test]
    fn tuple_round_trip() {
        let host = [7u8; 16];
        let v = tablet_routing_v1(i64::MIN, -1, &[(host, 3)]);
        assert_eq!(decode(&v), Some((i64::MIN, -1, vec![(host, 3)])));
        // 3 elements of [int len]: 8 + 8 + (4 + 4 + (4 + 16 + 4 + 4)).
        assert_eq!(v.len(), 12 + 12 + 4 + 4 + 4 + 28);
        let two = tablet_routing_v1(5, i64::MAX, &[(host, 0), ([1; 16], 7)]);
        assert_eq!(
            decode(&two),
            Some((5, i64::MAX, vec![(host, 0), ([1; 16], 7)]))
        );
    }

    fn result(flags: u8, prefix: &[u8]) -> Frame {
        let mut body = prefix.to_vec();
        body.extend_from_slice(&[0, 0, 0, 1]); // RESULT Void
        Frame {
            version: 0x84,
            flags,
            stream: 5,
            opcode: RESULT,
            body,
        }
    }

    #[test]
    fn added_after_tracing_and_warnings() {
        let mut prefix = vec![9u8; 16];
        put_u16(&mut prefix, 1);
        put_string(&mut prefix, "warn");
        let mut f = result(FLAG_TRACING | FLAG_WARNING, &prefix);
        add_to_response(&mut f, TABLETS_ROUTING_V1_KEY, b"xyz").unwrap();
        assert_eq!(f.flags, FLAG_TRACING | FLAG_WARNING | FLAG_CUSTOM_PAYLOAD);
        let off = f.response_message_offset().unwrap();
        assert_eq!(&f.body[off..], &[0, 0, 0, 1]);
        assert_eq!(&f.body[..prefix.len()], &prefix[..]);
        let mut r = Reader::new(&f.body[prefix.len()..]);
        assert_eq!(r.u16(), Some(1));
        assert_eq!(r.string(), Some(&b"tablets-routing-v1"[..]));
        assert_eq!(r.bytes(), Some(Some(&b"xyz"[..])));
    }

    #[test]
    fn merged_with_an_existing_payload() {
        let mut prefix = Vec::new();
        put_u16(&mut prefix, 2);
        put_string(&mut prefix, "other");
        put_bytes(&mut prefix, Some(b"1"));
        put_string(&mut prefix, TABLETS_ROUTING_V1_KEY);
        put_bytes(&mut prefix, Some(b"old"));
        let mut f = result(FLAG_CUSTOM_PAYLOAD, &prefix);
        add_to_response(&mut f, TABLETS_ROUTING_V1_KEY, b"new").unwrap();
        let mut r = Reader::new(&f.body);
        assert_eq!(r.u16(), Some(2));
        assert_eq!(r.string(), Some(&b"other"[..]));
        assert_eq!(r.bytes(), Some(Some(&b"1"[..])));
        assert_eq!(r.string(), Some(&b"tablets-routing-v1"[..]));
        assert_eq!(r.bytes(), Some(Some(&b"new"[..])));
        assert_eq!(r.rest(), &[0, 0, 0, 1]);
        let mut bad = result(FLAG_CUSTOM_PAYLOAD, &[0, 3, 0]);
        assert!(add_to_response(&mut bad, TABLETS_ROUTING_V1_KEY, b"x").is_none());
    }
}
