use super::*;
use crate::frame::decode_envelope;
use crate::metadata::ColumnSpec;
use crate::types::{ColumnType, Consistency};

#[test]
fn golden_startup() {
    let s = Startup::new(None);
    let mut b = BytesMut::new();
    encode_request(
        &mut b,
        ProtocolVersion::V4,
        Flags::empty(),
        0,
        &Request::Startup(&s),
    )
    .unwrap();
    let mut expect = vec![0x04, 0, 0, 0, 0x01, 0, 0, 0, 22, 0, 1, 0, 11];
    expect.extend_from_slice(b"CQL_VERSION");
    expect.extend_from_slice(&[0, 5]);
    expect.extend_from_slice(b"3.0.0");
    assert_eq!(&b[..], &expect[..]);
}

#[test]
fn golden_query_v4_and_v5_flags() {
    let q = Query {
        query: "SELECT 1",
        params: QueryParameters {
            consistency: Consistency::One,
            page_size: Some(10),
            ..Default::default()
        },
    };
    let mut b = BytesMut::new();
    encode_request(
        &mut b,
        ProtocolVersion::V4,
        Flags::empty(),
        1,
        &Request::Query(q),
    )
    .unwrap();
    // [long string] query, [consistency] ONE, flags byte 0x04, [int] page size.
    let mut body = vec![0, 0, 0, 8];
    body.extend_from_slice(b"SELECT 1");
    body.extend_from_slice(&[0, 1, 0x04, 0, 0, 0, 10]);
    assert_eq!(&b[9..], &body[..]);
    let mut b5 = BytesMut::new();
    encode_request(
        &mut b5,
        ProtocolVersion::V5,
        Flags::empty(),
        1,
        &Request::Query(q),
    )
    .unwrap();
    // v5: the flags are an [int].
    assert_eq!(&b5[9 + 12..9 + 18], &[0, 1, 0, 0, 0, 0x04]);
    assert_eq!(b5[0], 0x05);
}

#[test]
fn v5_only_fields_refused_on_v4_and_buffer_restored() {
    let q = Query {
        query: "x",
        params: QueryParameters {
            keyspace: Some("ks"),
            ..Default::default()
        },
    };
    let mut b = BytesMut::from(&b"keep"[..]);
    assert!(
        encode_request(
            &mut b,
            ProtocolVersion::V4,
            Flags::empty(),
            1,
            &Request::Query(q)
        )
        .is_err()
    );
    assert_eq!(&b[..], b"keep");
    // A type error in the values also restores the buffer.
    let specs = vec![ColumnSpec::new("ks", "t", "a", ColumnType::Int)];
    let vals = ("not an int",);
    let e = Execute {
        id: &[1],
        result_metadata_id: None,
        params: QueryParameters {
            values: &vals,
            value_specs: Some(&specs),
            ..Default::default()
        },
    };
    let err = encode_request(
        &mut b,
        ProtocolVersion::V4,
        Flags::empty(),
        1,
        &Request::Execute(e),
    )
    .unwrap_err();
    assert!(err.to_string().contains("column a"), "{err}");
    assert_eq!(&b[..], b"keep");
}

#[test]
fn compression_and_custom_payload() {
    let payload: std::collections::HashMap<String, Option<Bytes>> =
        [("k".to_owned(), Some(Bytes::from_static(b"v")))]
            .into_iter()
            .collect();
    let long = "SELECT * FROM t WHERE a = 1 AND b = 2 ".repeat(10);
    let q = Query {
        query: &long,
        params: QueryParameters::default(),
    };
    let mut opts = EncodeOptions::new(ProtocolVersion::V4, 3);
    opts.compression = Some(Compression::Lz4);
    opts.custom_payload = Some(&payload);
    let mut b = BytesMut::new();
    encode_request_with(&mut b, &opts, &Request::Query(q)).unwrap();
    let env = decode_envelope(&mut b, 1 << 20).unwrap().unwrap();
    assert!(
        env.flags()
            .contains(Flags::COMPRESSION | Flags::CUSTOM_PAYLOAD)
    );
    let body = Compression::Lz4
        .decompress_body(&env.body, 1 << 20)
        .unwrap();
    let mut r = crate::wire::Reader::new(&body);
    let m = r.bytes_map(&body, "p").unwrap();
    assert_eq!(m, payload);
    // OPTIONS and STARTUP are never compressed.
    let mut b = BytesMut::new();
    encode_request_with(&mut b, &opts, &Request::Options).unwrap();
    assert_eq!(b[1], Flags::CUSTOM_PAYLOAD.0);
}

#[test]
fn auth_response_debug_redacts_token() {
    let a = AuthResponse {
        token: Some(b"\0user\0secret"),
    };
    let s = format!("{:?}", Request::AuthResponse(a));
    assert!(!s.contains("secret"), "{s}");
    let d = DecodedRequest::AuthResponse(Some(Bytes::from_static(b"\0u\0secret")));
    assert!(!format!("{d:?}").contains("secret"));
}

#[test]
fn size_hint_covers_serialized_values_and_stays_close() {
    use crate::serialize::SerializedValues;
    let values: Vec<SerializedValues> = (0..10)
        .map(|i| SerializedValues::from_row(&(i, "some text value"), None).unwrap())
        .collect();
    let id = [7u8; 16];
    let statements: Vec<BatchStatement<'_>> = values
        .iter()
        .map(|v| BatchStatement {
            kind: BatchStatementKind::Prepared(&id),
            values: v,
            value_specs: None,
        })
        .collect();
    let batch = Request::Batch(Batch {
        batch_type: BatchType::Logged,
        statements: &statements,
        consistency: Consistency::Quorum,
        serial_consistency: None,
        default_timestamp: Some(1),
        keyspace: None,
        now_in_seconds: None,
    });
    let execute = Request::Execute(Execute {
        id: &id,
        result_metadata_id: Some(&id),
        params: QueryParameters {
            values: &values[0],
            paging_state: Some(b"state"),
            page_size: Some(100),
            default_timestamp: Some(1),
            ..QueryParameters::default()
        },
    });
    for (request, version) in [
        (batch, ProtocolVersion::V4),
        (batch, ProtocolVersion::V5),
        (execute, ProtocolVersion::V4),
        (execute, ProtocolVersion::V5),
    ] {
        let mut b = BytesMut::new();
        encode_request(&mut b, version, Flags::empty(), 1, &request).unwrap();
        let body = b.len() - crate::frame::HEADER_LEN;
        let hint = request.size_hint();
        assert!(hint >= body, "{version:?}: hint {hint} < body {body}");
        assert!(
            hint < body + 32,
            "{version:?}: hint {hint} far above body {body}"
        );
    }
}
