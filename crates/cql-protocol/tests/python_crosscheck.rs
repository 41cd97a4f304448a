//! Cross-check against the Python driver (`scylla-driver`, `cassandra.segment`,
//! `cassandra.protocol`, `cassandra.cqltypes`): frames, requests, responses and values our
//! encoder writes are read by Python, and what Python writes is read by us.
//!
//! The interpreter is `$DRIVER_TEST_PYTHON` or `<workspace>/.run/venv/bin/python`
//! (made by `scripts/pyenv`). Without it this test fails.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use bytes::{Bytes, BytesMut};
use cql_protocol::deserialize::{DeserializeValue, RawValue};
use cql_protocol::frame::{Compression, Flags, ProtocolVersion};
use cql_protocol::message::request::{
    AuthResponse, Batch, BatchStatement, BatchStatementKind, BatchType, EventType, Execute,
    Prepare, Query, QueryParameters, Register, Request, Startup, encode_request,
};
use cql_protocol::message::response::{
    ErrorKind, ErrorResponse, Event, FailureReasons, Prepared, Response, ResponseFrame,
    ResultMessage, Rows, SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChangeType,
    TopologyChangeType, WriteType, encode_response,
};
use cql_protocol::metadata::{ColumnSpec, PreparedMetadata, ResultMetadata};
use cql_protocol::segment::{decode_segment, encode_segments};
use cql_protocol::serialize::SerializeValue;
use cql_protocol::types::{
    ColumnType, Consistency, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue,
    CqlVarint, parse_class_name,
};
use uuid::Uuid;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex from python"))
        .collect()
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("DRIVER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.run/venv/bin/python");
    assert!(
        p.exists(),
        "Python venv not found at {}: run scripts/pyenv first (or set DRIVER_TEST_PYTHON)",
        p.display()
    );
    p
}

/// Runs the Python side once with all cases; returns its answers by case name.
fn run_python(lines: &[String]) -> HashMap<String, Vec<String>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/crosscheck.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python: run scripts/pyenv first");
    // Write from another thread: Python answers while we are still writing.
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python output");
    writer
        .join()
        .expect("writer thread")
        .expect("write to python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let mut m = HashMap::new();
    for l in text.lines() {
        let mut parts = l.split(' ').map(str::to_owned);
        let name = parts.next().expect("name");
        m.insert(name, parts.collect());
    }
    assert_eq!(m.len(), lines.len(), "one answer per case: {text}");
    m
}

fn segment_payloads() -> Vec<Vec<u8>> {
    vec![
        vec![0x85, 0, 0, 1, 0x02, 0, 0, 0, 0],
        b"abcdefgh".repeat(200),
        (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
        (0..300_000u32).map(|i| (i % 251) as u8).collect(),
        vec![0x42; 128 * 1024 - 1],
    ]
}

fn env(v: ProtocolVersion, stream: i16, req: &Request<'_>) -> BytesMut {
    let mut b = BytesMut::new();
    encode_request(&mut b, v, Flags::empty(), stream, req).expect("encode request");
    b
}

fn requests() -> Vec<(String, BytesMut)> {
    let mut out = Vec::new();
    out.push((
        "req_options".into(),
        env(ProtocolVersion::V4, 1, &Request::Options),
    ));
    let startup = Startup {
        options: vec![
            ("COMPRESSION".into(), "lz4".into()),
            ("CQL_VERSION".into(), "3.0.0".into()),
        ],
    };
    out.push((
        "req_startup".into(),
        env(ProtocolVersion::V4, 0, &Request::Startup(&startup)),
    ));
    let register = Register {
        events: vec![
            EventType::TopologyChange,
            EventType::StatusChange,
            EventType::SchemaChange,
        ],
    };
    out.push((
        "req_register".into(),
        env(ProtocolVersion::V4, 2, &Request::Register(&register)),
    ));
    out.push((
        "req_auth_response".into(),
        env(
            ProtocolVersion::V4,
            3,
            &Request::AuthResponse(AuthResponse {
                token: Some(b"\x00user\x00pass"),
            }),
        ),
    ));
    for (v, tag) in [(ProtocolVersion::V4, "v4"), (ProtocolVersion::V5, "v5")] {
        let qvalues = (5i32, None::<i32>);
        let q = Query {
            query: "SELECT * FROM ks.t WHERE k = ?",
            params: QueryParameters {
                consistency: Consistency::Quorum,
                values: &qvalues,
                serial_consistency: Some(Consistency::LocalSerial),
                page_size: Some(100),
                paging_state: Some(&[1, 2, 3]),
                default_timestamp: Some(1_234_567_890_123),
                keyspace: (v == ProtocolVersion::V5).then_some("ks"),
                ..Default::default()
            },
        };
        out.push((format!("req_query_{tag}"), env(v, 77, &Request::Query(q))));
        let evalues = ("v", 9i64);
        let e = Execute {
            id: &[0xaa, 0xbb],
            result_metadata_id: Some(&[0x0c, 0x0d]),
            params: QueryParameters {
                consistency: Consistency::One,
                values: &evalues,
                page_size: Some(5000),
                ..Default::default()
            },
        };
        out.push((
            format!("req_execute_{tag}"),
            env(v, -5, &Request::Execute(e)),
        ));
        let p = Prepare {
            query: "SELECT 1",
            keyspace: (v == ProtocolVersion::V5).then_some("ks"),
        };
        out.push((
            format!("req_prepare_{tag}"),
            env(v, 9, &Request::Prepare(p)),
        ));
        let v1 = (1i32,);
        let v2 = ("z", None::<&str>);
        let stmts = [
            BatchStatement {
                kind: BatchStatementKind::Query("INSERT INTO t (a) VALUES (?)"),
                values: &v1,
                value_specs: None,
            },
            BatchStatement {
                kind: BatchStatementKind::Prepared(&[1, 2]),
                values: &v2,
                value_specs: None,
            },
        ];
        let b = Batch {
            batch_type: BatchType::Unlogged,
            statements: &stmts,
            consistency: Consistency::LocalQuorum,
            serial_consistency: Some(Consistency::Serial),
            default_timestamp: Some(99),
            keyspace: None,
            now_in_seconds: None,
        };
        out.push((format!("req_batch_{tag}"), env(v, 1000, &Request::Batch(b))));
    }
    out
}

fn err(code: i32, kind: ErrorKind) -> Response {
    Response::Error(ErrorResponse {
        code,
        message: "msg".into(),
        kind,
    })
}

fn value_bytes<T: SerializeValue>(v: &T, t: &ColumnType) -> BytesMut {
    let mut b = BytesMut::new();
    v.serialize(Some(t), &mut b).expect("serialize");
    b
}

fn rows_result() -> ResultMessage {
    let list = ColumnType::List(Box::new(ColumnType::Int));
    let map = ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int));
    let columns = vec![
        ColumnSpec::new("ks", "t", "id", ColumnType::Int),
        ColumnSpec::new("ks", "t", "name", ColumnType::Text),
        ColumnSpec::new("ks", "t", "l", list.clone()),
        ColumnSpec::new("ks", "t", "m", map.clone()),
    ];
    let mut raw = BytesMut::new();
    for i in 0..3i32 {
        raw.extend_from_slice(&value_bytes(&i, &ColumnType::Int));
        let name = if i == 1 { None } else { Some(format!("n{i}")) };
        raw.extend_from_slice(&value_bytes(&name, &ColumnType::Text));
        raw.extend_from_slice(&value_bytes(&vec![i, i + 1], &list));
        let m: HashMap<&str, i32> = [("a", i)].into_iter().collect();
        raw.extend_from_slice(&value_bytes(&m, &map));
    }
    ResultMessage::Rows(Rows {
        metadata: ResultMetadata {
            columns_count: 4,
            paging_state: Some(Bytes::from_static(b"\x09\x08")),
            columns,
            ..Default::default()
        },
        rows_count: 3,
        raw_rows: raw.freeze(),
    })
}

fn prepared(v5: bool) -> ResultMessage {
    ResultMessage::Prepared(Box::new(Prepared {
        id: Bytes::from_static(&[1, 2, 3]),
        result_metadata_id: v5.then(|| Bytes::from_static(&[7, 7])),
        metadata: PreparedMetadata {
            flags: 0,
            pk_indexes: vec![0],
            columns: vec![
                ColumnSpec::new("ks", "t", "k", ColumnType::Int),
                ColumnSpec::new("ks", "t", "v", ColumnType::Set(Box::new(ColumnType::Text))),
            ],
        },
        result_metadata: ResultMetadata {
            columns_count: 1,
            columns: vec![ColumnSpec::new("ks", "t", "v", ColumnType::Text)],
            ..Default::default()
        },
    }))
}

/// (case name, version, compression, frame, expected Python summary).
fn responses() -> Vec<(
    &'static str,
    ProtocolVersion,
    Option<Compression>,
    ResponseFrame,
    &'static str,
)> {
    let f = |stream: i16, response: Response| ResponseFrame {
        stream,
        tracing_id: None,
        warnings: vec![],
        custom_payload: None,
        response,
    };
    let v4 = ProtocolVersion::V4;
    let v5 = ProtocolVersion::V5;
    let addr: SocketAddr = "10.0.0.7:9042".parse().expect("addr");
    let ip: IpAddr = "10.0.0.8".parse().expect("ip");
    let mut with_extras = f(4, Response::Result(rows_result()));
    with_extras.tracing_id = Some(Uuid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10));
    with_extras.warnings = vec!["careful".into()];
    with_extras.custom_payload = Some(
        [("k".to_owned(), Some(Bytes::from_static(b"\x01")))]
            .into_iter()
            .collect(),
    );
    vec![
        ("resp_ready", v4, None, f(1, Response::Ready), "s1|ready"),
        (
            "resp_authenticate",
            v4,
            None,
            f(
                1,
                Response::Authenticate("org.apache.cassandra.auth.PasswordAuthenticator".into()),
            ),
            "s1|authenticate|org.apache.cassandra.auth.PasswordAuthenticator",
        ),
        (
            "resp_supported",
            v4,
            None,
            f(
                0,
                Response::Supported(
                    [
                        (
                            "COMPRESSION".to_owned(),
                            vec!["lz4".to_owned(), "snappy".to_owned()],
                        ),
                        ("CQL_VERSION".to_owned(), vec!["3.4.7".to_owned()]),
                    ]
                    .into_iter()
                    .collect(),
                ),
            ),
            "s0|supported|COMPRESSION=[lz4,snappy],CQL_VERSION=[3.4.7]",
        ),
        (
            "resp_auth_success",
            v4,
            None,
            f(2, Response::AuthSuccess(Some(Bytes::from_static(b"tok")))),
            "s2|auth_success|tok",
        ),
        (
            "resp_auth_challenge",
            v4,
            None,
            f(2, Response::AuthChallenge(Some(Bytes::from_static(b"ch")))),
            "s2|auth_challenge|0x6368",
        ),
        (
            "resp_err_unavailable",
            v4,
            None,
            f(
                3,
                err(
                    0x1000,
                    ErrorKind::Unavailable {
                        consistency: Consistency::Quorum,
                        required: 3,
                        alive: 1,
                    },
                ),
            ),
            "s3|UnavailableErrorMessage|4096|msg|alive_replicas=1,consistency=4,required_replicas=3",
        ),
        (
            "resp_err_write_timeout",
            v4,
            None,
            f(
                3,
                err(
                    0x1100,
                    ErrorKind::WriteTimeout {
                        consistency: Consistency::One,
                        received: 0,
                        block_for: 1,
                        write_type: WriteType::Simple,
                        contentions: None,
                    },
                ),
            ),
            "s3|WriteTimeoutErrorMessage|4352|msg|consistency=1,received_responses=0,required_responses=1,write_type=0",
        ),
        (
            "resp_err_read_timeout",
            v4,
            None,
            f(
                3,
                err(
                    0x1200,
                    ErrorKind::ReadTimeout {
                        consistency: Consistency::Two,
                        received: 1,
                        block_for: 2,
                        data_present: true,
                    },
                ),
            ),
            "s3|ReadTimeoutErrorMessage|4608|msg|consistency=2,data_retrieved=true,received_responses=1,required_responses=2",
        ),
        (
            "resp_err_read_failure_v4",
            v4,
            None,
            f(
                3,
                err(
                    0x1300,
                    ErrorKind::ReadFailure {
                        consistency: Consistency::All,
                        received: 1,
                        block_for: 3,
                        reasons: FailureReasons::Count(2),
                        data_present: false,
                    },
                ),
            ),
            "s3|ReadFailureMessage|4864|msg|consistency=5,data_retrieved=false,error_code_map=null,failures=2,received_responses=1,required_responses=3",
        ),
        (
            "resp_err_read_failure_v5",
            v5,
            None,
            f(
                3,
                err(
                    0x1300,
                    ErrorKind::ReadFailure {
                        consistency: Consistency::All,
                        received: 1,
                        block_for: 3,
                        reasons: FailureReasons::ByEndpoint(vec![(ip, 1)]),
                        data_present: true,
                    },
                ),
            ),
            "s3|ReadFailureMessage|4864|msg|consistency=5,data_retrieved=true,error_code_map={10.0.0.8:1},failures=1,received_responses=1,required_responses=3",
        ),
        (
            "resp_err_write_failure_v5",
            v5,
            None,
            f(
                3,
                err(
                    0x1500,
                    ErrorKind::WriteFailure {
                        consistency: Consistency::Quorum,
                        received: 1,
                        block_for: 2,
                        reasons: FailureReasons::ByEndpoint(vec![(ip, 0)]),
                        write_type: WriteType::Batch,
                    },
                ),
            ),
            "s3|WriteFailureMessage|5376|msg|consistency=4,error_code_map={10.0.0.8:0},failures=1,received_responses=1,required_responses=2,write_type=1",
        ),
        (
            "resp_err_function_failure",
            v4,
            None,
            f(
                3,
                err(
                    0x1400,
                    ErrorKind::FunctionFailure {
                        keyspace: "ks".into(),
                        function: "f".into(),
                        arg_types: vec!["int".into()],
                    },
                ),
            ),
            "s3|FunctionFailureMessage|5120|msg|arg_types=[int],function=f,keyspace=ks",
        ),
        (
            "resp_err_already_exists",
            v4,
            None,
            f(
                3,
                err(
                    0x2400,
                    ErrorKind::AlreadyExists {
                        keyspace: "ks".into(),
                        table: "t".into(),
                    },
                ),
            ),
            "s3|AlreadyExistsException|9216|msg|keyspace=ks,table=t",
        ),
        (
            "resp_err_unprepared",
            v4,
            None,
            f(
                3,
                err(
                    0x2500,
                    ErrorKind::Unprepared {
                        id: Bytes::from_static(&[0xab, 0xcd]),
                    },
                ),
            ),
            "s3|PreparedQueryNotFound|9472|msg|0xabcd",
        ),
        (
            "resp_err_syntax",
            v4,
            None,
            f(3, err(0x2000, ErrorKind::SyntaxError)),
            "s3|SyntaxException|8192|msg|null",
        ),
        (
            "resp_rows",
            v4,
            None,
            with_extras.clone(),
            "s4|rows|id,name,l,m|[0,n0,[0,1],{a:0}],[1,null,[1,2],{a:1}],[2,n2,[2,3],{a:2}]|0x0908|trace=01020304-0506-0708-090a-0b0c0d0e0f10|warnings=careful|payload=k:0x01",
        ),
        (
            "resp_rows_lz4",
            v4,
            Some(Compression::Lz4),
            f(5, Response::Result(rows_result())),
            "s5|rows|id,name,l,m|[0,n0,[0,1],{a:0}],[1,null,[1,2],{a:1}],[2,n2,[2,3],{a:2}]|0x0908",
        ),
        (
            "resp_prepared_v4",
            v4,
            None,
            f(6, Response::Result(prepared(false))),
            "s6|prepared|010203|ks.t.k:int,ks.t.v:set<varchar>|[0]|v|null",
        ),
        (
            "resp_prepared_v5",
            v5,
            None,
            f(6, Response::Result(prepared(true))),
            "s6|prepared|010203|ks.t.k:int,ks.t.v:set<varchar>|[0]|v|0x0707",
        ),
        (
            "resp_set_keyspace",
            v4,
            None,
            f(
                7,
                Response::Result(ResultMessage::SetKeyspace("ks1".into())),
            ),
            "s7|set_keyspace|ks1",
        ),
        (
            "resp_schema_change",
            v4,
            None,
            f(
                7,
                Response::Result(ResultMessage::SchemaChange(SchemaChange {
                    change_type: SchemaChangeType::Created,
                    target: SchemaChangeTarget::Table {
                        keyspace: "ks".into(),
                        table: "t".into(),
                    },
                })),
            ),
            "s7|schema_change|change_type=CREATED,keyspace=ks,table=t,target_type=TABLE",
        ),
        (
            "resp_event_topology",
            v4,
            None,
            f(
                -1,
                Response::Event(Event::TopologyChange {
                    change: TopologyChangeType::NewNode,
                    address: addr,
                }),
            ),
            "s-1|event|TOPOLOGY_CHANGE|address=[10.0.0.7,9042],change_type=NEW_NODE",
        ),
        (
            "resp_event_status",
            v4,
            None,
            f(
                -1,
                Response::Event(Event::StatusChange {
                    change: StatusChangeType::Down,
                    address: addr,
                }),
            ),
            "s-1|event|STATUS_CHANGE|address=[10.0.0.7,9042],change_type=DOWN",
        ),
        (
            "resp_event_schema",
            v4,
            None,
            f(
                -1,
                Response::Event(Event::SchemaChange(SchemaChange {
                    change_type: SchemaChangeType::Dropped,
                    target: SchemaChangeTarget::Function {
                        keyspace: "ks".into(),
                        name: "fn".into(),
                        arg_types: vec!["int".into(), "text".into()],
                    },
                })),
            ),
            "s-1|event|SCHEMA_CHANGE|change_type=DROPPED,function=UserFunctionDescriptor(fn,_['int',_'text']),keyspace=ks,target_type=FUNCTION",
        ),
    ]
}

fn values() -> Vec<CqlValue> {
    let t = |s: &str| CqlValue::Text(s.into());
    vec![
        CqlValue::Int(-42),
        CqlValue::BigInt(1 << 40),
        t("h\u{e9}llo"),
        CqlValue::Ascii("plain".into()),
        CqlValue::Boolean(true),
        CqlValue::Double(1.5),
        CqlValue::Float(-2.25),
        CqlValue::Blob(Bytes::from_static(b"\x00\x01\xff")),
        CqlValue::Uuid(Uuid::parse_str("12345678-1234-5678-1234-567812345678").expect("uuid")),
        CqlValue::Timeuuid(Uuid::parse_str("e7b2f6a0-8e5b-11ee-b9d1-0242ac120002").expect("uuid")),
        CqlValue::Inet("10.1.2.3".parse().expect("ip")),
        CqlValue::Inet("2001:db8::1".parse().expect("ip")),
        CqlValue::SmallInt(-300),
        CqlValue::TinyInt(7),
        CqlValue::Varint(CqlVarint::from_signed_bytes_be(unhex(
            "fe7116f0093c8c1f11b1c0f52e",
        ))),
        CqlValue::Decimal(CqlDecimal::new(-12345, 3)),
        CqlValue::Date(CqlDate::from_days_since_epoch(19782)),
        CqlValue::Time(CqlTime(13 * 3600 * 1_000_000_000 + 5)),
        CqlValue::Timestamp(CqlTimestamp(1_709_208_000_123)),
        CqlValue::Duration(CqlDuration {
            months: -1,
            days: -2,
            nanoseconds: -3_000_000_000,
        }),
        CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2), CqlValue::Int(3)]),
        CqlValue::Set(vec![t("a"), t("b")]),
        CqlValue::Map(vec![(t("k"), CqlValue::Int(5))]),
        CqlValue::Tuple(vec![Some(CqlValue::Int(1)), Some(t("x"))]),
        CqlValue::Vector(vec![
            CqlValue::Float(1.0),
            CqlValue::Float(2.0),
            CqlValue::Float(3.0),
        ]),
        CqlValue::Vector(vec![t("a"), t("bc")]),
        CqlValue::Vector(vec![CqlValue::Int(7), CqlValue::Int(-7)]),
    ]
}

#[test]
fn python_driver_cross_check() {
    let mut lines = Vec::new();
    let payloads = segment_payloads();
    for (i, p) in payloads.iter().enumerate() {
        for (tag, c) in [("plain", None), ("lz4", Some(Compression::Lz4))] {
            let mut ours = BytesMut::new();
            encode_segments(&mut ours, p, c).expect("encode segments");
            lines.push(format!("seg_{tag}_{i} {} {}", hex(p), hex(&ours)));
        }
    }
    let body = b"SELECT * FROM system.local WHERE key = 'local'".repeat(20);
    let mut ours = BytesMut::new();
    Compression::Lz4
        .compress_body(&body, &mut ours)
        .expect("compress");
    lines.push(format!("v4lz4 {} {}", hex(&body), hex(&ours)));
    let reqs = requests();
    for (name, b) in &reqs {
        lines.push(format!("{name} {}", hex(b)));
    }
    let resps = responses();
    for (name, v, c, frame, _) in &resps {
        let mut b = BytesMut::new();
        encode_response(&mut b, *v, frame, *c).expect("encode response");
        lines.push(format!("{name} {}", hex(&b)));
    }
    let vals = values();
    for i in 0..vals.len() {
        lines.push(format!("valpy_{i}"));
    }
    let first = run_python(&lines);
    let mut lines2 = Vec::new();
    let mut types = Vec::new();
    for (i, v) in vals.iter().enumerate() {
        let ans = &first[&format!("valpy_{i}")];
        assert_eq!(ans.len(), 2, "valpy_{i}: {ans:?}");
        let class = String::from_utf8(unhex(&ans[0])).expect("class name");
        let typ = parse_class_name(&class).unwrap_or_else(|| panic!("parse {class}"));
        // Python -> Rust: decode Python's bytes as CqlValue.
        let frame = Bytes::from(unhex(&ans[1]));
        let decoded = CqlValue::deserialize(&typ, Some(RawValue::new(&frame, &frame[..])))
            .unwrap_or_else(|e| panic!("value {i} ({class}): {e}"));
        assert_eq!(&decoded, v, "value {i} ({class})");
        // Rust -> Python, under the type Python named (parsed by us).
        let mut b = BytesMut::new();
        v.serialize(Some(&typ), &mut b).expect("serialize");
        lines2.push(format!("valrs_{i} {}", hex(&b[4..])));
        types.push(typ);
    }
    let second = run_python(&lines2);
    for i in 0..vals.len() {
        assert_eq!(
            second[&format!("valrs_{i}")],
            vec!["ok".to_owned()],
            "value {i} as {}",
            types[i]
        );
    }

    // Segments both ways.
    for (i, p) in payloads.iter().enumerate() {
        for (tag, c) in [("plain", None), ("lz4", Some(Compression::Lz4))] {
            let ans = &first[&format!("seg_{tag}_{i}")];
            assert_eq!(ans[0], "ok", "python decoding our seg_{tag}_{i}: {ans:?}");
            let mut theirs = BytesMut::from(&unhex(&ans[1])[..]);
            let mut got = Vec::new();
            while let Some(seg) = decode_segment(&mut theirs, c).expect("decode python segment") {
                got.extend_from_slice(&seg.payload);
            }
            assert!(theirs.is_empty());
            assert_eq!(&got, p, "python's seg_{tag}_{i}");
        }
    }
    let ans = &first["v4lz4"];
    assert_eq!(ans[0], "ok");
    let back = Compression::Lz4
        .decompress_body(&unhex(&ans[1]), 1 << 20)
        .expect("decompress python lz4");
    assert_eq!(&back[..], &body[..]);

    for (name, _) in &reqs {
        assert_eq!(first[name], vec!["same".to_owned()], "request {name}");
    }
    let mut wrong = Vec::new();
    for (name, _, _, _, expected) in &resps {
        let got = first[*name].join(" ");
        if got != *expected {
            wrong.push(format!("{name}:\n  python: {got}\n  expect: {expected}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "responses decoded differently:\n{}",
        wrong.join("\n")
    );
}
