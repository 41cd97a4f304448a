//! RESULT, ERROR and EVENT body decoding from arbitrary bytes, including row deserialization
//! into dynamic values and parsing of custom type class names.
#![no_main]

use bytes::Bytes;
use cql_protocol::deserialize::Row;
use cql_protocol::frame::{Opcode, ProtocolVersion};
use cql_protocol::message::{ErrorDecodeOptions, Response, ResultMessage};
use cql_protocol::types::parse_class_name;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let version = if selector & 0x80 != 0 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V4
    };
    let body = Bytes::copy_from_slice(rest);
    match selector & 0x7f {
        0..=79 => {
            if let Ok(Response::Result(ResultMessage::Rows(rows))) =
                Response::decode(Opcode::Result, body, version)
            {
                if let Ok(it) = rows.rows::<Row>() {
                    for row in it.take(10_000) {
                        if row.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        80..=99 => {
            let opts = ErrorDecodeOptions::with_rate_limit_error_code(Some(0xF000));
            let _ = Response::decode_with(Opcode::Error, &body, version, opts);
        }
        100..=119 => {
            let _ = Response::decode(Opcode::Event, body, version);
        }
        _ => {
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = parse_class_name(s);
            }
        }
    }
});
