//! Property tests: every CQL type and every message survives encode -> decode unchanged.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use cql_protocol::deserialize::{DeserializeValue, RawValue, Row};
use cql_protocol::frame::{
    Compression, Direction, Envelope, EnvelopeHeader, Flags, Opcode, ProtocolVersion,
    decode_envelope,
};
use cql_protocol::message::ErrorDecodeOptions;
use cql_protocol::message::request::{
    DecodedRequest, DecodedValue, EncodeOptions, Execute, Query, QueryParameters, Request,
    encode_request_with,
};
use cql_protocol::message::response::{
    ErrorKind, ErrorResponse, Event, FailureReasons, OperationType, Prepared, Response,
    ResponseFrame, ResultMessage, Rows, SchemaChange, SchemaChangeTarget, SchemaChangeType,
    StatusChangeType, TopologyChangeType, WriteType, decode_response, encode_response,
};
use cql_protocol::metadata::{ColumnSpec, PreparedMetadata, ResultMetadata};
use cql_protocol::segment::{decode_segment, encode_segments};
use cql_protocol::serialize::SerializeValue;
use cql_protocol::types::{
    ColumnType, Consistency, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue,
    CqlVarint, UserDefinedType,
};
use proptest::collection::vec;
use proptest::prelude::*;
use uuid::Uuid;

fn leaf_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![
        Just(ColumnType::Ascii),
        Just(ColumnType::BigInt),
        Just(ColumnType::Blob),
        Just(ColumnType::Boolean),
        Just(ColumnType::Counter),
        Just(ColumnType::Date),
        Just(ColumnType::Decimal),
        Just(ColumnType::Double),
        Just(ColumnType::Duration),
        Just(ColumnType::Float),
        Just(ColumnType::Inet),
        Just(ColumnType::Int),
        Just(ColumnType::SmallInt),
        Just(ColumnType::Text),
        Just(ColumnType::Time),
        Just(ColumnType::Timestamp),
        Just(ColumnType::Timeuuid),
        Just(ColumnType::TinyInt),
        Just(ColumnType::Uuid),
        Just(ColumnType::Varint),
        Just(ColumnType::Custom(Arc::from("com.example.MyType"))),
    ]
}

fn column_type() -> impl Strategy<Value = ColumnType> {
    leaf_type().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| ColumnType::List(Box::new(t))),
            inner.clone().prop_map(|t| ColumnType::Set(Box::new(t))),
            (inner.clone(), inner.clone())
                .prop_map(|(k, v)| ColumnType::Map(Box::new(k), Box::new(v))),
            vec(inner.clone(), 1..4).prop_map(ColumnType::Tuple),
            (vec(inner.clone(), 1..4), "[a-z]{1,8}").prop_map(|(ts, name)| {
                ColumnType::Udt(Arc::new(UserDefinedType {
                    keyspace: "ks".into(),
                    name,
                    fields: ts
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (format!("f{i}"), t))
                        .collect(),
                }))
            }),
            (inner, 1u32..5).prop_map(|(t, dimensions)| ColumnType::Vector {
                element: Box::new(t),
                dimensions,
            }),
        ]
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

fn value_for(t: &ColumnType) -> BoxedStrategy<CqlValue> {
    match t {
        ColumnType::Ascii => "[ -~]{0,16}".prop_map(CqlValue::Ascii).boxed(),
        ColumnType::BigInt => any::<i64>().prop_map(CqlValue::BigInt).boxed(),
        ColumnType::Blob => vec(any::<u8>(), 0..16)
            .prop_map(|b| CqlValue::Blob(b.into()))
            .boxed(),
        ColumnType::Custom(_) => vec(any::<u8>(), 0..16)
            .prop_map(|b| CqlValue::Custom(b.into()))
            .boxed(),
        ColumnType::Boolean => any::<bool>().prop_map(CqlValue::Boolean).boxed(),
        ColumnType::Counter => any::<i64>().prop_map(CqlValue::Counter).boxed(),
        ColumnType::Date => any::<u32>()
            .prop_map(|d| CqlValue::Date(CqlDate(d)))
            .boxed(),
        ColumnType::Decimal => (vec(any::<u8>(), 1..12), any::<i32>())
            .prop_map(|(b, scale)| {
                CqlValue::Decimal(CqlDecimal {
                    unscaled: CqlVarint::from_signed_bytes_be(b),
                    scale,
                })
            })
            .boxed(),
        ColumnType::Double => finite_f64().prop_map(CqlValue::Double).boxed(),
        // The three parts share a sign (the protocol refuses others).
        ColumnType::Duration => (0..=i32::MAX, 0..=i32::MAX, 0..=i64::MAX, any::<bool>())
            .prop_map(|(months, days, nanoseconds, negative)| {
                let sign = if negative { -1 } else { 1 };
                CqlValue::Duration(CqlDuration {
                    months: months * sign,
                    days: days * sign,
                    nanoseconds: nanoseconds * i64::from(sign),
                })
            })
            .boxed(),
        ColumnType::Float => finite_f64()
            .prop_map(|f| CqlValue::Float(f as f32))
            .prop_filter(
                "finite",
                |v| matches!(v, CqlValue::Float(f) if f.is_finite()),
            )
            .boxed(),
        ColumnType::Inet => prop_oneof![
            any::<[u8; 4]>().prop_map(|a| CqlValue::Inet(IpAddr::from(a))),
            any::<[u8; 16]>().prop_map(|a| CqlValue::Inet(IpAddr::from(a))),
        ]
        .boxed(),
        ColumnType::Int => any::<i32>().prop_map(CqlValue::Int).boxed(),
        ColumnType::SmallInt => any::<i16>().prop_map(CqlValue::SmallInt).boxed(),
        ColumnType::Text => "\\PC{0,16}".prop_map(CqlValue::Text).boxed(),
        ColumnType::Time => (0..CqlTime::NANOS_PER_DAY)
            .prop_map(|t| CqlValue::Time(CqlTime(t)))
            .boxed(),
        ColumnType::Timestamp => any::<i64>()
            .prop_map(|t| CqlValue::Timestamp(CqlTimestamp(t)))
            .boxed(),
        // Version 1 (the version nibble of byte 6), as timeuuid requires.
        ColumnType::Timeuuid => any::<u128>()
            .prop_map(|u| {
                let v1 = (u & !(0xf << 76)) | (1 << 76);
                CqlValue::Timeuuid(Uuid::from_u128(v1))
            })
            .boxed(),
        ColumnType::Uuid => any::<u128>()
            .prop_map(|u| CqlValue::Uuid(Uuid::from_u128(u)))
            .boxed(),
        ColumnType::TinyInt => any::<i8>().prop_map(CqlValue::TinyInt).boxed(),
        ColumnType::Varint => vec(any::<u8>(), 1..20)
            .prop_map(|b| CqlValue::Varint(CqlVarint::from_signed_bytes_be(b)))
            .boxed(),
        ColumnType::List(e) => vec(value_for(e), 0..4).prop_map(CqlValue::List).boxed(),
        ColumnType::Set(e) => vec(value_for(e), 0..4).prop_map(CqlValue::Set).boxed(),
        ColumnType::Map(k, v) => vec((value_for(k), value_for(v)), 0..4)
            .prop_map(CqlValue::Map)
            .boxed(),
        ColumnType::Tuple(ts) => {
            let fields: Vec<_> = ts
                .iter()
                .map(|t| proptest::option::of(value_for(t)))
                .collect();
            fields.prop_map(CqlValue::Tuple).boxed()
        }
        ColumnType::Udt(u) => {
            let names: Vec<String> = u.fields.iter().map(|(n, _)| n.clone()).collect();
            let (ks, name) = (u.keyspace.clone(), u.name.clone());
            let fields: Vec<_> = u
                .fields
                .iter()
                .map(|(_, t)| proptest::option::of(value_for(t)))
                .collect();
            fields
                .prop_map(move |vals| CqlValue::Udt {
                    keyspace: ks.clone(),
                    name: name.clone(),
                    fields: names.iter().cloned().zip(vals).collect(),
                })
                .boxed()
        }
        ColumnType::Vector {
            element,
            dimensions,
        } => vec(value_for(element), *dimensions as usize)
            .prop_map(CqlValue::Vector)
            .boxed(),
        other => panic!("no strategy for {other}"),
    }
}

fn typed_value() -> impl Strategy<Value = (ColumnType, CqlValue)> {
    column_type().prop_flat_map(|t| {
        let v = value_for(&t);
        (Just(t), v)
    })
}

fn decode_value(t: &ColumnType, bytes: &[u8]) -> CqlValue {
    assert!(bytes.len() >= 4);
    let frame = Bytes::copy_from_slice(&bytes[4..]);
    CqlValue::deserialize(t, Some(RawValue::new(&frame, &frame[..]))).expect("deserialize")
}

fn consistency() -> impl Strategy<Value = Consistency> {
    prop_oneof![
        Just(Consistency::Any),
        Just(Consistency::One),
        Just(Consistency::Two),
        Just(Consistency::Three),
        Just(Consistency::Quorum),
        Just(Consistency::All),
        Just(Consistency::LocalQuorum),
        Just(Consistency::EachQuorum),
        Just(Consistency::Serial),
        Just(Consistency::LocalSerial),
        Just(Consistency::LocalOne),
    ]
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![Just(ProtocolVersion::V4), Just(ProtocolVersion::V5)]
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_]{0,10}"
}

fn write_type() -> impl Strategy<Value = WriteType> {
    prop_oneof![
        Just(WriteType::Simple),
        Just(WriteType::Batch),
        Just(WriteType::UnloggedBatch),
        Just(WriteType::Counter),
        Just(WriteType::BatchLog),
        Just(WriteType::Cas),
        Just(WriteType::View),
        Just(WriteType::Cdc),
        "[A-Z]{1,3}".prop_map(WriteType::Other),
    ]
}

fn reasons(v5: bool) -> BoxedStrategy<FailureReasons> {
    if v5 {
        vec(
            (any::<[u8; 4]>().prop_map(IpAddr::from), any::<u16>()),
            0..3,
        )
        .prop_map(FailureReasons::ByEndpoint)
        .boxed()
    } else {
        any::<i32>().prop_map(FailureReasons::Count).boxed()
    }
}

fn error_kind(v5: bool) -> impl Strategy<Value = (i32, ErrorKind)> {
    let cl = consistency;
    prop_oneof![
        Just((0x0000, ErrorKind::ServerError)),
        Just((0x000A, ErrorKind::ProtocolError)),
        Just((0x0100, ErrorKind::BadCredentials)),
        (cl(), any::<i32>(), any::<i32>()).prop_map(|(consistency, required, alive)| (
            0x1000,
            ErrorKind::Unavailable {
                consistency,
                required,
                alive
            }
        )),
        Just((0x1001, ErrorKind::Overloaded)),
        Just((0x1002, ErrorKind::IsBootstrapping)),
        Just((0x1003, ErrorKind::TruncateError)),
        (cl(), any::<i32>(), any::<i32>(), write_type(), any::<u16>()).prop_map(
            move |(consistency, received, block_for, write_type, c)| {
                let contentions = (v5 && write_type == WriteType::Cas).then_some(c);
                (
                    0x1100,
                    ErrorKind::WriteTimeout {
                        consistency,
                        received,
                        block_for,
                        write_type,
                        contentions,
                    },
                )
            }
        ),
        (cl(), any::<i32>(), any::<i32>(), any::<bool>()).prop_map(
            |(consistency, received, block_for, data_present)| (
                0x1200,
                ErrorKind::ReadTimeout {
                    consistency,
                    received,
                    block_for,
                    data_present
                }
            )
        ),
        (cl(), any::<i32>(), any::<i32>(), reasons(v5), any::<bool>()).prop_map(
            |(consistency, received, block_for, reasons, data_present)| (
                0x1300,
                ErrorKind::ReadFailure {
                    consistency,
                    received,
                    block_for,
                    reasons,
                    data_present
                }
            )
        ),
        (name(), name(), vec(name(), 0..3)).prop_map(|(keyspace, function, arg_types)| (
            0x1400,
            ErrorKind::FunctionFailure {
                keyspace,
                function,
                arg_types
            }
        )),
        (cl(), any::<i32>(), any::<i32>(), reasons(v5), write_type()).prop_map(
            |(consistency, received, block_for, reasons, write_type)| (
                0x1500,
                ErrorKind::WriteFailure {
                    consistency,
                    received,
                    block_for,
                    reasons,
                    write_type
                }
            )
        ),
        Just((0x1600, ErrorKind::CdcWriteFailure)),
        (cl(), any::<i32>(), any::<i32>()).prop_map(|(consistency, received, block_for)| (
            0x1700,
            ErrorKind::CasWriteUnknown {
                consistency,
                received,
                block_for
            }
        )),
        Just((0x2000, ErrorKind::SyntaxError)),
        Just((0x2100, ErrorKind::Unauthorized)),
        Just((0x2200, ErrorKind::Invalid)),
        Just((0x2300, ErrorKind::ConfigError)),
        (name(), name())
            .prop_map(|(keyspace, table)| (0x2400, ErrorKind::AlreadyExists { keyspace, table })),
        vec(any::<u8>(), 0..16).prop_map(|id| (0x2500, ErrorKind::Unprepared { id: id.into() })),
        (0u8..3, any::<bool>()).prop_map(|(o, rejected_by_coordinator)| (
            0xF000,
            ErrorKind::RateLimitReached {
                op_type: match o {
                    0 => OperationType::Read,
                    1 => OperationType::Write,
                    _ => OperationType::Other(9),
                },
                rejected_by_coordinator
            }
        )),
        (0x3000i32..0x4000).prop_map(|c| (c, ErrorKind::Other(c))),
    ]
}

fn schema_change() -> impl Strategy<Value = SchemaChange> {
    let ct = prop_oneof![
        Just(SchemaChangeType::Created),
        Just(SchemaChangeType::Updated),
        Just(SchemaChangeType::Dropped),
    ];
    let target = prop_oneof![
        name().prop_map(|keyspace| SchemaChangeTarget::Keyspace { keyspace }),
        (name(), name())
            .prop_map(|(keyspace, table)| SchemaChangeTarget::Table { keyspace, table }),
        (name(), name()).prop_map(|(keyspace, name)| SchemaChangeTarget::Type { keyspace, name }),
        (name(), name(), vec(name(), 0..3)).prop_map(|(keyspace, name, arg_types)| {
            SchemaChangeTarget::Function {
                keyspace,
                name,
                arg_types,
            }
        }),
        (name(), name(), vec(name(), 0..3)).prop_map(|(keyspace, name, arg_types)| {
            SchemaChangeTarget::Aggregate {
                keyspace,
                name,
                arg_types,
            }
        }),
    ];
    (ct, target).prop_map(|(change_type, target)| SchemaChange {
        change_type,
        target,
    })
}

fn socket_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(a, p)| SocketAddr::new(IpAddr::from(a), p)),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(a, p)| SocketAddr::new(IpAddr::from(a), p)),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (
            prop_oneof![
                Just(TopologyChangeType::NewNode),
                Just(TopologyChangeType::RemovedNode),
                Just(TopologyChangeType::MovedNode)
            ],
            socket_addr()
        )
            .prop_map(|(change, address)| Event::TopologyChange { change, address }),
        (
            prop_oneof![Just(StatusChangeType::Up), Just(StatusChangeType::Down)],
            socket_addr()
        )
            .prop_map(|(change, address)| Event::StatusChange { change, address }),
        schema_change().prop_map(Event::SchemaChange),
    ]
}

fn column_specs() -> impl Strategy<Value = Vec<ColumnSpec>> {
    vec((name(), column_type(), any::<bool>()), 0..5).prop_map(|cols| {
        cols.into_iter()
            .map(|(n, t, other_table)| {
                ColumnSpec::new("ks", if other_table { "t2" } else { "t" }, &n, t)
            })
            .collect()
    })
}

fn result_metadata(v5: bool) -> impl Strategy<Value = ResultMetadata> {
    (
        column_specs(),
        proptest::option::of(vec(any::<u8>(), 0..10)),
        proptest::option::of(vec(any::<u8>(), 0..10)),
        any::<bool>(),
    )
        .prop_map(move |(columns, paging, id, no_metadata)| ResultMetadata {
            columns_count: columns.len(),
            paging_state: paging.map(Bytes::from),
            new_metadata_id: if v5 { id.map(Bytes::from) } else { None },
            columns: if no_metadata { vec![] } else { columns },
            no_metadata,
        })
}

/// Rows generated from a schema, serialized with our typed serializer.
fn rows() -> impl Strategy<Value = Rows> {
    vec(typed_value_column(), 1..4)
        .prop_flat_map(|cols| {
            let specs: Vec<ColumnSpec> = cols
                .iter()
                .enumerate()
                .map(|(i, t)| ColumnSpec::new("ks", "t", &format!("c{i}"), t.clone()))
                .collect();
            let row: Vec<_> = cols
                .iter()
                .map(|t| proptest::option::of(value_for(t)))
                .collect();
            (Just(specs), vec(row, 0..4))
        })
        .prop_map(|(specs, data)| {
            let mut raw = BytesMut::new();
            for row in &data {
                for (v, s) in row.iter().zip(&specs) {
                    v.serialize(Some(&s.typ), &mut raw).expect("serialize");
                }
            }
            Rows {
                metadata: ResultMetadata {
                    columns_count: specs.len(),
                    columns: specs,
                    ..Default::default()
                },
                rows_count: data.len(),
                raw_rows: raw.freeze(),
            }
        })
}

fn typed_value_column() -> impl Strategy<Value = ColumnType> {
    column_type()
}

fn response(v5: bool) -> BoxedStrategy<Response> {
    prop_oneof![
        (error_kind(v5), "\\PC{0,20}").prop_map(|((code, kind), message)| {
            Response::Error(ErrorResponse {
                code,
                message,
                kind,
            })
        }),
        Just(Response::Ready),
        name().prop_map(Response::Authenticate),
        proptest::collection::hash_map(name(), vec(name(), 0..3), 0..3)
            .prop_map(Response::Supported),
        Just(Response::Result(ResultMessage::Void)),
        rows().prop_map(|r| Response::Result(ResultMessage::Rows(r))),
        name().prop_map(|k| Response::Result(ResultMessage::SetKeyspace(k))),
        (
            vec(any::<u8>(), 0..16),
            vec(any::<u8>(), 0..16),
            column_specs(),
            vec(any::<u16>(), 0..3),
            result_metadata(v5),
            any::<i32>(),
        )
            .prop_map(
                move |(id, rid, columns, pk_indexes, result_metadata, flags)| {
                    Response::Result(ResultMessage::Prepared(Box::new(Prepared {
                        id: id.into(),
                        result_metadata_id: v5.then(|| rid.into()),
                        metadata: PreparedMetadata {
                            flags: flags & !1,
                            pk_indexes,
                            columns,
                        },
                        result_metadata,
                    })))
                }
            ),
        schema_change().prop_map(|s| Response::Result(ResultMessage::SchemaChange(s))),
        event().prop_map(Response::Event),
        proptest::option::of(vec(any::<u8>(), 0..16))
            .prop_map(|t| Response::AuthChallenge(t.map(Bytes::from))),
        proptest::option::of(vec(any::<u8>(), 0..16))
            .prop_map(|t| Response::AuthSuccess(t.map(Bytes::from))),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_type_round_trips((t, v) in typed_value()) {
        let mut b = BytesMut::new();
        v.serialize(Some(&t), &mut b).expect("serialize");
        prop_assert_eq!(decode_value(&t, &b), v);
        // The [option] type description round-trips too.
        let mut tb = BytesMut::new();
        t.encode(&mut tb).expect("encode type");
        let back = ColumnType::decode(&mut cql_protocol::wire::Reader::new(&tb)).expect("decode type");
        prop_assert_eq!(back, t);
    }

    #[test]
    fn responses_round_trip(
        (v, resp) in version().prop_flat_map(|v| (Just(v), response(v == ProtocolVersion::V5))),
        stream in any::<i16>(),
        tracing in proptest::option::of(any::<u128>()),
        warnings in vec("\\PC{0,10}", 0..3),
        payload in proptest::option::of(proptest::collection::hash_map(name(), proptest::option::of(vec(any::<u8>(), 0..8).prop_map(Bytes::from)), 0..3)),
        compression in proptest::option::of(prop_oneof![Just(Compression::Lz4), Just(Compression::Snappy)]),
    ) {
        let frame = ResponseFrame {
            stream,
            tracing_id: tracing.map(Uuid::from_u128),
            warnings,
            custom_payload: payload,
            response: resp,
        };
        let mut b = BytesMut::new();
        encode_response(&mut b, v, &frame, compression).expect("encode");
        let env = decode_envelope(&mut b, 1 << 20).expect("envelope").expect("complete");
        prop_assert!(b.is_empty());
        let opts = ErrorDecodeOptions::with_rate_limit_error_code(Some(0xF000));
        let back = decode_response(&env, compression, 1 << 20, opts).expect("decode");
        prop_assert_eq!(&back, &frame);
        // Rows decode into dynamic rows, the same values that were serialized.
        if let Response::Result(ResultMessage::Rows(rows)) = &back.response {
            let decoded: Vec<Row> = rows.rows::<Row>().expect("type check").collect::<Result<_, _>>().expect("rows");
            prop_assert_eq!(decoded.len(), rows.rows_count);
        }
    }

    #[test]
    fn query_and_execute_round_trip(
        v in version(),
        cl in consistency(),
        serial in proptest::option::of(consistency()),
        values in vec(proptest::option::of(any::<i32>()), 0..5),
        page_size in proptest::option::of(any::<i32>()),
        paging_state in proptest::option::of(vec(any::<u8>(), 0..8)),
        ts in proptest::option::of(any::<i64>()),
        ks in proptest::option::of(name()),
        now in proptest::option::of(any::<i32>()),
        skip in any::<bool>(),
        named in any::<bool>(),
        execute in any::<bool>(),
        id in vec(any::<u8>(), 1..16),
        compression in proptest::option::of(prop_oneof![Just(Compression::Lz4), Just(Compression::Snappy)]),
        stream in any::<i16>(),
    ) {
        let v5 = v == ProtocolVersion::V5;
        let (ks, now) = if v5 { (ks, now) } else { (None, None) };
        let named_map: BTreeMap<String, Option<i32>> =
            values.iter().enumerate().map(|(i, x)| (format!("v{i}"), *x)).collect();
        let params = QueryParameters {
            consistency: cl,
            values: if named { &named_map } else { &values },
            value_specs: None,
            skip_metadata: skip,
            page_size,
            paging_state: paging_state.as_deref(),
            serial_consistency: serial,
            default_timestamp: ts,
            keyspace: ks.as_deref(),
            now_in_seconds: now,
        };
        let req = if execute {
            Request::Execute(Execute { id: &id, result_metadata_id: Some(&[9]), params })
        } else {
            Request::Query(Query { query: "SELECT * FROM t WHERE a = ?", params })
        };
        let mut opts = EncodeOptions::new(v, stream);
        opts.compression = compression;
        let mut b = BytesMut::new();
        encode_request_with(&mut b, &opts, &req).expect("encode");
        let env = decode_envelope(&mut b, 1 << 20).expect("ok").expect("complete");
        prop_assert_eq!(env.header.direction, Direction::Request);
        prop_assert_eq!(env.header.stream, stream);
        let body = match compression {
            Some(c) => c.decompress_body(&env.body, 1 << 20).expect("decompress"),
            None => env.body.clone(),
        };
        let decoded = DecodedRequest::decode(env.header.opcode, &body, v).expect("decode");
        let p = match decoded {
            DecodedRequest::Query { query, params } => {
                prop_assert!(!execute);
                prop_assert_eq!(query, "SELECT * FROM t WHERE a = ?");
                params
            }
            DecodedRequest::Execute { id: got, result_metadata_id, params } => {
                prop_assert!(execute);
                prop_assert_eq!(&got[..], &id[..]);
                prop_assert_eq!(result_metadata_id, v5.then(|| Bytes::from_static(&[9])));
                params
            }
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(p.consistency, cl);
        prop_assert_eq!(p.serial_consistency, serial);
        prop_assert_eq!(p.page_size, page_size);
        prop_assert_eq!(p.paging_state.as_deref(), paging_state.as_deref());
        prop_assert_eq!(p.default_timestamp, ts);
        prop_assert_eq!(p.keyspace.clone(), ks);
        prop_assert_eq!(p.now_in_seconds, now);
        prop_assert_eq!(p.skip_metadata(), skip);
        let expect: Vec<(Option<String>, DecodedValue)> = if named {
            named_map.iter().map(|(k, x)| (Some(k.clone()), match x {
                Some(i) => DecodedValue::Value(Bytes::copy_from_slice(&i.to_be_bytes())),
                None => DecodedValue::Null,
            })).collect()
        } else {
            values.iter().map(|x| (None, match x {
                Some(i) => DecodedValue::Value(Bytes::copy_from_slice(&i.to_be_bytes())),
                None => DecodedValue::Null,
            })).collect()
        };
        prop_assert_eq!(p.values, expect);
    }

    #[test]
    fn envelopes_round_trip_in_pieces(
        v in version(),
        flags in any::<u8>(),
        stream in any::<i16>(),
        body in vec(any::<u8>(), 0..300),
        cut in any::<prop::sample::Index>(),
        response in any::<bool>(),
    ) {
        let env = Envelope {
            header: EnvelopeHeader {
                version: v,
                direction: if response { Direction::Response } else { Direction::Request },
                flags: Flags(flags),
                stream,
                opcode: Opcode::Result,
                body_len: body.len() as u32,
            },
            body: body.into(),
        };
        let mut full = BytesMut::new();
        env.encode(&mut full);
        let at = cut.index(full.len());
        let mut buf = BytesMut::from(&full[..at]);
        if at < full.len() {
            prop_assert!(decode_envelope(&mut buf, 1 << 20).expect("ok").is_none());
        }
        buf.extend_from_slice(&full[at..]);
        prop_assert_eq!(decode_envelope(&mut buf, 1 << 20).expect("ok"), Some(env));
    }

    #[test]
    fn segments_round_trip(
        payload in vec(any::<u8>(), 0..2000),
        repeat in 1usize..200,
        lz4 in any::<bool>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let payload = payload.repeat(repeat);
        let c = lz4.then_some(Compression::Lz4);
        let mut wire = BytesMut::new();
        encode_segments(&mut wire, &payload, c).expect("encode");
        let at = cut.index(wire.len() + 1);
        let mut buf = BytesMut::from(&wire[..at]);
        let mut got = Vec::new();
        while let Some(s) = decode_segment(&mut buf, c).expect("ok") {
            got.extend_from_slice(&s.payload);
        }
        buf.extend_from_slice(&wire[at..]);
        while let Some(s) = decode_segment(&mut buf, c).expect("ok") {
            got.extend_from_slice(&s.payload);
        }
        prop_assert_eq!(got, payload);
    }

    #[test]
    fn typed_rust_values_round_trip(
        i in any::<i64>(), s in "\\PC{0,12}", b in vec(any::<u8>(), 0..12),
        l in vec(any::<i32>(), 0..5), m in proptest::collection::hash_map("[a-z]{1,4}", any::<i16>(), 0..4),
        set in proptest::collection::btree_set(any::<i8>(), 0..4), o in proptest::option::of(any::<bool>()),
        u in any::<u128>(), t in (any::<i32>(), "[a-z]{0,4}"), f in any::<f32>().prop_filter("finite", |f| f.is_finite()),
    ) {
        fn rt<T>(v: &T, typ: &ColumnType) -> T
        where
            T: SerializeValue + for<'a> DeserializeValue<'a>,
        {
            let mut buf = BytesMut::new();
            v.serialize(Some(typ), &mut buf).expect("serialize");
            T::type_check(typ).expect("type check");
            let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
            let frame = buf.freeze().slice(4..);
            let raw = (len >= 0).then(|| RawValue::new(&frame, &frame[..]));
            T::deserialize(typ, raw).expect("deserialize")
        }
        let text = ColumnType::Text;
        prop_assert_eq!(rt(&i, &ColumnType::BigInt), i);
        prop_assert_eq!(rt(&s, &text), s.clone());
        prop_assert_eq!(rt(&b, &ColumnType::Blob), b.clone());
        prop_assert_eq!(rt(&l, &ColumnType::List(Box::new(ColumnType::Int))), l.clone());
        let mt = ColumnType::Map(Box::new(text.clone()), Box::new(ColumnType::SmallInt));
        prop_assert_eq!(rt(&m, &mt), m.clone());
        let hm: HashMap<String, i16> = m.clone().into_iter().collect();
        prop_assert_eq!(rt(&hm, &mt), hm);
        let st: BTreeSet<i8> = set.clone();
        prop_assert_eq!(rt(&st, &ColumnType::Set(Box::new(ColumnType::TinyInt))), st);
        prop_assert_eq!(rt(&o, &ColumnType::Boolean), o);
        let uu = Uuid::from_u128(u);
        prop_assert_eq!(rt(&uu, &ColumnType::Uuid), uu);
        let v1 = Uuid::from_u128((u & !(0xf << 76)) | (1 << 76));
        prop_assert_eq!(rt(&v1, &ColumnType::Timeuuid), v1);
        let tt = ColumnType::Tuple(vec![ColumnType::Int, text.clone()]);
        prop_assert_eq!(rt(&t, &tt), t.clone());
        prop_assert_eq!(rt(&f, &ColumnType::Float), f);
        let vt = ColumnType::Vector { element: Box::new(ColumnType::Float), dimensions: 3 };
        prop_assert_eq!(rt(&vec![f, f, 1.0], &vt), vec![f, f, 1.0]);
        let vs = ColumnType::Vector { element: Box::new(text), dimensions: 2 };
        prop_assert_eq!(rt(&vec![s.clone(), String::new()], &vs), vec![s, String::new()]);
    }
}
