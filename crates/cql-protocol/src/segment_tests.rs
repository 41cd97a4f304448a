use super::*;

#[test]
fn crc24_known_values() {
    // Values computed by the Python driver's cassandra.segment.compute_crc24.
    assert_eq!(crc24(0, 3), 0x7de777);
    assert_eq!(crc24(9 | (1 << 17), 3), 0xc1c8a4);
    assert_eq!(crc24(0x12_3456_789a, 5), 0x40d313);
    assert_eq!(crc24(0, 0), CRC24_INIT);
}

#[test]
fn crc32_matches_seeded_zlib() {
    // crc32 of the seed alone equals the Python driver's CRC32_INITIAL, zlib.crc32(b"\xfa\x2d\x55\xca").
    assert_eq!(crc32(b""), crc32fast::hash(&CRC32_SEED));
    let mut h = crc32fast::Hasher::new_with_initial(crc32fast::hash(&CRC32_SEED));
    h.update(b"hello");
    assert_eq!(crc32(b"hello"), h.finalize());
}

#[test]
fn uncompressed_round_trip_and_partial_input() {
    let payload = b"\x85\x00\x00\x01\x02\x00\x00\x00\x00";
    let mut b = BytesMut::new();
    encode_segment(&mut b, payload, true, None).unwrap();
    assert_eq!(b.len(), 3 + 3 + payload.len() + 4);
    // Header: length 9 with bit 17 set, little-endian.
    assert_eq!(&b[..3], &[9, 0, 0x02]);
    // Golden bytes written by the Python driver's SegmentCodec for the same payload.
    let golden = "090002a4c8c1850000010200000000ea890152";
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    assert_eq!(hex, golden);
    for cut in 0..b.len() {
        let mut part = BytesMut::from(&b[..cut]);
        assert!(decode_segment(&mut part, None).unwrap().is_none());
        assert_eq!(part.len(), cut);
    }
    let seg = decode_segment(&mut b, None).unwrap().unwrap();
    assert!(seg.self_contained);
    assert_eq!(&seg.payload[..], payload);
    assert!(b.is_empty());
}

#[test]
fn corrupted_crcs_detected() {
    let mut b = BytesMut::new();
    encode_segment(&mut b, b"some payload", true, None).unwrap();
    let mut h = b.clone();
    h[0] ^= 1;
    assert!(matches!(
        decode_segment(&mut h, None),
        Err(ProtocolError::HeaderCrcMismatch { .. })
    ));
    let mut p = b.clone();
    p[7] ^= 0x40;
    assert!(matches!(
        decode_segment(&mut p, None),
        Err(ProtocolError::PayloadCrcMismatch { .. })
    ));
}

#[test]
fn lz4_round_trip_compressible_and_not() {
    let compressible = vec![b'a'; 10_000];
    let random: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for payload in [&compressible[..], &random[..], b""] {
        let mut b = BytesMut::new();
        encode_segment(&mut b, payload, true, Some(Compression::Lz4)).unwrap();
        let seg = decode_segment(&mut b, Some(Compression::Lz4))
            .unwrap()
            .unwrap();
        assert_eq!(&seg.payload[..], payload);
        assert!(b.is_empty());
    }
    let mut b = BytesMut::new();
    encode_segment(&mut b, &compressible, true, Some(Compression::Lz4)).unwrap();
    assert!(b.len() < 1000, "compressed: {}", b.len());
}

#[test]
fn large_payload_split_not_self_contained() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    for c in [None, Some(Compression::Lz4)] {
        let mut b = BytesMut::new();
        encode_segments(&mut b, &payload, c).unwrap();
        let mut got = Vec::new();
        let mut n = 0;
        while let Some(seg) = decode_segment(&mut b, c).unwrap() {
            assert!(!seg.self_contained);
            got.extend_from_slice(&seg.payload);
            n += 1;
        }
        assert_eq!(n, 3);
        assert_eq!(got, payload);
    }
    assert!(encode_segment(&mut BytesMut::new(), &payload, true, None).is_err());
    assert!(encode_segment(&mut BytesMut::new(), b"x", true, Some(Compression::Snappy)).is_err());
}

#[test]
fn segment_begun_and_sealed_in_place_equals_encode_segment() {
    let payload = b"\x85\x00\x00\x01\x02\x00\x00\x00\x00";
    for self_contained in [true, false] {
        let mut want = BytesMut::from(&b"before"[..]);
        encode_segment(&mut want, payload, self_contained, None).unwrap();
        let mut got = BytesMut::from(&b"before"[..]);
        let start = begin_uncompressed(&mut got);
        got.extend_from_slice(payload);
        seal_uncompressed(&mut got, start, self_contained).unwrap();
        assert_eq!(got, want);
    }
    // Too long a payload, or no segment begun there: errors, not panics.
    let mut big = BytesMut::new();
    let start = begin_uncompressed(&mut big);
    big.put_bytes(1, MAX_PAYLOAD_LEN + 1);
    assert!(seal_uncompressed(&mut big, start, true).is_err());
    let mut short = BytesMut::from(&b"abc"[..]);
    assert!(seal_uncompressed(&mut short, 1, true).is_err());
}
