use super::*;
use crate::frame::decode_envelope;

#[test]
fn golden_unavailable_error() {
    // code 0x1000, message "x", QUORUM, required 3, alive 2.
    let body = Bytes::from_static(&[0, 0, 0x10, 0, 0, 1, b'x', 0, 4, 0, 0, 0, 3, 0, 0, 0, 2]);
    let r = Response::decode(Opcode::Error, body, ProtocolVersion::V4).unwrap();
    let Response::Error(e) = r else {
        panic!("{r:?}")
    };
    assert_eq!(e.code, 0x1000);
    assert_eq!(e.message, "x");
    assert_eq!(
        e.kind,
        ErrorKind::Unavailable {
            consistency: crate::types::Consistency::Quorum,
            required: 3,
            alive: 2
        }
    );
    assert!(e.to_string().contains("0x1000"));
}

#[test]
fn v5_cas_write_timeout_has_contentions() {
    let mut body = BytesMut::new();
    ErrorResponse {
        code: 0x1100,
        message: String::new(),
        kind: ErrorKind::WriteTimeout {
            consistency: crate::types::Consistency::Serial,
            received: 0,
            block_for: 2,
            write_type: WriteType::Cas,
            contentions: Some(4),
        },
    }
    .encode(&mut body, ProtocolVersion::V5)
    .unwrap();
    assert_eq!(&body[body.len() - 2..], &[0, 4]);
    let e = ErrorResponse::decode(
        &body.freeze(),
        ProtocolVersion::V5,
        ErrorDecodeOptions::default(),
    )
    .unwrap();
    assert!(matches!(
        e.kind,
        ErrorKind::WriteTimeout {
            contentions: Some(4),
            ..
        }
    ));
}

#[test]
fn rate_limit_code_only_when_negotiated() {
    let body = Bytes::from_static(&[0, 0, 0xF0, 0, 0, 0, 1, 1]);
    let plain =
        ErrorResponse::decode(&body, ProtocolVersion::V4, ErrorDecodeOptions::default()).unwrap();
    assert_eq!(plain.kind, ErrorKind::Other(0xF000));
    let opts = ErrorDecodeOptions::with_rate_limit_error_code(Some(0xF000));
    let rl = ErrorResponse::decode(&body, ProtocolVersion::V4, opts).unwrap();
    assert_eq!(
        rl.kind,
        ErrorKind::RateLimitReached {
            op_type: OperationType::Write,
            rejected_by_coordinator: true
        }
    );
}

#[test]
fn compressed_response_needs_negotiation() {
    let frame = ResponseFrame {
        stream: 1,
        tracing_id: None,
        warnings: vec![],
        custom_payload: None,
        response: Response::Ready,
    };
    let mut b = BytesMut::new();
    encode_response(
        &mut b,
        ProtocolVersion::V4,
        &frame,
        Some(Compression::Snappy),
    )
    .unwrap();
    let env = decode_envelope(&mut b, 1024).unwrap().unwrap();
    assert!(matches!(
        decode_response(&env, None, 1024, ErrorDecodeOptions::default()),
        Err(ProtocolError::CompressionNotNegotiated)
    ));
    let ok = decode_response(
        &env,
        Some(Compression::Snappy),
        1024,
        ErrorDecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(ok, frame);
}

#[test]
fn request_opcode_in_response_is_an_error_and_secrets_redacted() {
    assert!(matches!(
        Response::decode(Opcode::Query, Bytes::new(), ProtocolVersion::V4),
        Err(ProtocolError::UnexpectedOpcode(Opcode::Query))
    ));
    let r = Response::AuthSuccess(Some(Bytes::from_static(b"secret-token")));
    assert!(!format!("{r:?}").contains("secret"));
}

#[test]
fn rows_count_larger_than_body_is_refused() {
    let mut b = BytesMut::new();
    b.put_i32(2); // Rows
    b.put_i32(0x0004); // NO_METADATA
    b.put_i32(1); // 1 column
    b.put_i32(i32::MAX); // rows count
    assert!(ResultMessage::decode(&b.freeze(), ProtocolVersion::V4).is_err());
}
