use bytes::BytesMut;
use cql_protocol::ProtocolVersion;
use cql_protocol::frame::{Compression, Flags};
use cql_protocol::message::{Query, QueryParameters, Request, encode_request};

use super::{Decoder, Encoder, Framing};

fn envelope(stream: i16, query: &str) -> BytesMut {
    let mut out = BytesMut::new();
    let q = Request::Query(Query {
        query,
        params: QueryParameters::default(),
    });
    encode_request(&mut out, ProtocolVersion::V5, Flags::empty(), stream, &q).expect("encode");
    out
}

fn round_trip(framing: Framing, envelopes: &[BytesMut]) -> Vec<(i16, bytes::Bytes)> {
    let mut enc = Encoder::new(framing);
    let mut wire = BytesMut::new();
    for e in envelopes {
        enc.push(e, &mut wire).expect("push");
    }
    enc.finish(&mut wire).expect("finish");
    // Feed the decoder in small pieces, as a socket would.
    let mut dec = Decoder::new(framing, 64 * 1024 * 1024);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in wire.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(env) = dec.next(&mut buf).expect("decode") {
            out.push((env.stream(), env.body));
        }
    }
    assert!(buf.is_empty(), "bytes left over");
    out
}

#[test]
fn every_framing_carries_envelopes_intact() {
    let big = "x".repeat(300 * 1024); // larger than one v5 segment
    let envs = vec![
        envelope(1, "SELECT 1"),
        envelope(2, &big),
        envelope(3, "SELECT 3"),
    ];
    let want: Vec<(i16, usize)> = envs
        .iter()
        .enumerate()
        .map(|(i, e)| (i as i16 + 1, e.len() - 9))
        .collect();
    for framing in [
        Framing::Envelopes(None),
        Framing::Envelopes(Some(Compression::Lz4)),
        Framing::Envelopes(Some(Compression::Snappy)),
        Framing::Segments(None),
        Framing::Segments(Some(Compression::Lz4)),
    ] {
        let got = round_trip(framing, &envs);
        let got_lens: Vec<(i16, usize)> = got.iter().map(|(s, b)| (*s, b.len())).collect();
        assert_eq!(got_lens, want, "{framing:?}");
        for ((_, body), env) in got.iter().zip(&envs) {
            assert_eq!(&body[..], &env[9..], "{framing:?}");
        }
    }
}

#[test]
fn small_envelopes_share_one_segment() {
    let envs: Vec<BytesMut> = (0..50)
        .map(|i| envelope(i, "SELECT now() FROM system.local"))
        .collect();
    let mut enc = Encoder::new(Framing::Segments(None));
    let mut wire = BytesMut::new();
    for e in &envs {
        enc.push(e, &mut wire).expect("push");
    }
    assert!(wire.is_empty(), "nothing is written before finish");
    enc.finish(&mut wire).expect("finish");
    let payload: usize = envs.iter().map(|e| e.len()).sum();
    // One segment: 6-byte header, payload, 4-byte CRC.
    assert_eq!(wire.len(), 6 + payload + 4);
}

#[test]
fn corrupted_segment_is_an_error_not_a_panic() {
    let envs = [envelope(1, "SELECT 1")];
    let mut enc = Encoder::new(Framing::Segments(None));
    let mut wire = BytesMut::new();
    enc.push(&envs[0], &mut wire).expect("push");
    enc.finish(&mut wire).expect("finish");
    let last = wire.len() - 6;
    wire[last] ^= 0xff; // inside the payload: the CRC32 no longer matches
    let mut dec = Decoder::new(Framing::Segments(None), 1024 * 1024);
    assert!(dec.next(&mut wire).is_err());
}

#[test]
fn oversize_envelope_is_rejected_before_its_body_arrives() {
    // A header announcing 1 GiB: rejected from the 9 header bytes alone.
    let mut wire = BytesMut::from(&[0x85u8, 0, 0, 1, 0x08, 0x40, 0, 0, 0][..]);
    let mut dec = Decoder::new(Framing::Envelopes(None), 1024 * 1024);
    assert!(dec.next(&mut wire).is_err());
    assert!(
        wire.capacity() < 1024 * 1024,
        "no allocation for the announced body"
    );
}

#[test]
fn many_envelopes_fill_several_segments_in_one_write() {
    // More than one segment's worth of small envelopes, then a large one, then small ones:
    // segments are closed mid-write and the decoder takes envelopes from each payload.
    let mut envs: Vec<BytesMut> = (0..3000)
        .map(|i| {
            envelope(
                (i % 30000) as i16,
                "SELECT now() FROM system.local WHERE k = ?",
            )
        })
        .collect();
    envs.insert(1500, envelope(-2, &"y".repeat(200 * 1024)));
    let total: usize = envs.iter().map(|e| e.len()).sum();
    assert!(total > 2 * cql_protocol::segment::MAX_PAYLOAD_LEN);
    for framing in [
        Framing::Segments(None),
        Framing::Segments(Some(Compression::Lz4)),
    ] {
        let got = round_trip(framing, &envs);
        assert_eq!(got.len(), envs.len(), "{framing:?}");
        for ((stream, body), env) in got.iter().zip(&envs) {
            assert_eq!(*stream, i16::from_be_bytes([env[2], env[3]]), "{framing:?}");
            assert_eq!(&body[..], &env[9..], "{framing:?}");
        }
    }
}
