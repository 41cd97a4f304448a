//! RESULT, ERROR and EVENT body decoding from arbitrary bytes, including row deserialization
//! into dynamic values and into typed rows (text, integers, collections, tuples, maps), and
//! parsing of custom type class names.
#![no_main]

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use cql_protocol::deserialize::{DeserializeError, DeserializeRow, Row, TypedRowIterator};
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
                match selector & 0x7f {
                    0..=39 => drain(rows.rows::<Row>()),
                    40..=47 => drain(rows.rows::<(Option<&str>, Option<i32>)>()),
                    48..=55 => drain(rows.rows::<(String, Option<Vec<i64>>, Option<Bytes>)>()),
                    56..=63 => {
                        drain(rows.rows::<(Option<(i32, Option<&str>)>, Option<BTreeSet<i16>>)>())
                    }
                    64..=71 => {
                        drain(rows.rows::<(Option<HashMap<String, f64>>, Option<Vec<Vec<u8>>>)>())
                    }
                    _ => drain(rows.rows::<(Option<std::net::IpAddr>, Option<bool>, Option<i8>)>()),
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

/// Reads up to 10,000 rows, stopping at the first error.
fn drain<'f, R: DeserializeRow<'f>>(rows: Result<TypedRowIterator<'f, 'f, R>, DeserializeError>) {
    if let Ok(it) = rows {
        for row in it.take(10_000) {
            if row.is_err() {
                break;
            }
        }
    }
}
