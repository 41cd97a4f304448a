//! Envelope and v5 segment decoding from arbitrary bytes, including v4 decompression and
//! the reassembly of envelopes from segment payloads.
#![no_main]

use bytes::BytesMut;
use cql_protocol::frame::{Compression, decode_envelope};
use cql_protocol::message::{ErrorDecodeOptions, decode_response};
use cql_protocol::segment::decode_segment;
use libfuzzer_sys::fuzz_target;

/// The configured maximum body length; libFuzzer's -malloc_limit_mb is set just above it.
const MAX: usize = 1 << 20;

fn envelopes(buf: &mut BytesMut, compression: Option<Compression>) {
    while let Ok(Some(env)) = decode_envelope(buf, MAX) {
        let _ = decode_response(&env, compression, MAX, ErrorDecodeOptions::default());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let compression = match selector % 3 {
        0 => None,
        1 => Some(Compression::Lz4),
        _ => Some(Compression::Snappy),
    };
    if selector & 0x80 == 0 {
        // v4: bare envelopes.
        let mut buf = BytesMut::from(rest);
        envelopes(&mut buf, compression);
    } else {
        // v5: segments carrying envelopes.
        let seg_compression = (selector & 0x40 != 0).then_some(Compression::Lz4);
        let mut buf = BytesMut::from(rest);
        let mut assembled = BytesMut::new();
        while let Ok(Some(seg)) = decode_segment(&mut buf, seg_compression) {
            assembled.extend_from_slice(&seg.payload);
            if assembled.len() > MAX {
                break;
            }
            envelopes(&mut assembled, None);
        }
    }
});
