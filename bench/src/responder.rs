//! A minimal CQL responder (protocol v4 and v5) for the client-bound runs: it answers every
//! request at once with canned responses, so the measured cost is the client's. A v5 connection
//! switches to segments (with CRCs, uncompressed) after READY, as the v5 specification says.
//!
//! It runs on its own OS thread (a current-thread tokio runtime), so that the bench can subtract
//! the thread's CPU time from the process total, and marks that thread so the counting allocator
//! skips its allocations.
//!
//! Answers: OPTIONS → SUPPORTED; STARTUP → READY (no authentication); REGISTER → READY;
//! PREPARE → PREPARED for the bench statements; EXECUTE → VOID (insert) or one row (select);
//! BATCH → VOID; QUERY → rows for the system tables the drivers read at connect time (one row
//! for `system.local`, none for the others), the 10,000-row `bench.paged` partition page by
//! page, SET_KEYSPACE for `USE`, else VOID.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use cql_protocol::frame::{DEFAULT_MAX_BODY_LEN, ProtocolVersion, decode_envelope};
use cql_protocol::message::request::DecodedRequest;
use cql_protocol::message::{
    ErrorResponse, Prepared, Response, ResponseFrame, ResultMessage, Rows, encode_response,
};
use cql_protocol::metadata::{ColumnSpec, PreparedMetadata, ResultMetadata};
use cql_protocol::segment::{self, MAX_PAYLOAD_LEN};
use cql_protocol::types::ColumnType;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::PAGED_ROWS;

/// The responder thread: its address and a handle to read its CPU clock.
pub struct Responder {
    pub addr: SocketAddr,
    thread: std::thread::JoinHandle<()>,
}

impl Responder {
    /// Starts the responder on a new thread listening on 127.0.0.1 (any port).
    pub fn start() -> Responder {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("cql-responder".into())
            .spawn(move || {
                crate::NOT_COUNTED.with(|c| c.set(true));
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("responder runtime");
                rt.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                    tx.send(listener.local_addr().expect("addr"))
                        .expect("send addr");
                    accept_loop(listener).await;
                });
            })
            .expect("spawn responder");
        let addr = rx.recv().expect("responder address");
        Responder { addr, thread }
    }

    /// CPU seconds the responder thread has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        use std::os::unix::thread::JoinHandleExt;
        // SAFETY: the thread is alive (its accept loop never ends) and the out-params are ours.
        unsafe {
            let mut clock: libc::clockid_t = 0;
            if libc::pthread_getcpuclockid(self.thread.as_pthread_t(), &mut clock) != 0 {
                return 0.0;
            }
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(clock, &mut ts);
            ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
        }
    }
}

/// The responder as its own process (`driver-bench responder-server ADDR`), for clients that
/// cannot share a process with it (the Python driver): prints the address it listens on.
pub async fn serve(listen: &str) {
    let listener = TcpListener::bind(listen).await.expect("bind");
    println!("{}", listener.local_addr().expect("addr"));
    accept_loop(listener).await;
}

async fn accept_loop(listener: TcpListener) {
    let canned = Arc::new([
        Canned::new(ProtocolVersion::V4),
        Canned::new(ProtocolVersion::V5),
    ]);
    while let Ok((sock, _)) = listener.accept().await {
        let _ = sock.set_nodelay(true);
        tokio::spawn(serve_connection(sock, Arc::clone(&canned)));
    }
}

fn spec(table: &str, name: &str, typ: ColumnType) -> ColumnSpec {
    let (ks, t) = table.split_once('.').unwrap_or(("bench", table));
    ColumnSpec::new(ks, t, name, typ)
}

fn cell(raw: &mut BytesMut, v: Option<&[u8]>) {
    match v {
        Some(v) => {
            raw.put_i32(v.len() as i32);
            raw.put_slice(v);
        }
        None => raw.put_i32(-1),
    }
}

fn rows(
    columns: Vec<ColumnSpec>,
    rows_count: usize,
    raw: Bytes,
    paging: Option<Bytes>,
) -> Response {
    Response::Result(ResultMessage::Rows(Rows {
        metadata: ResultMetadata {
            columns_count: columns.len(),
            paging_state: paging,
            columns,
            ..Default::default()
        },
        rows_count,
        raw_rows: raw,
    }))
}

/// One complete envelope with stream id 0, patched per request.
fn envelope(version: ProtocolVersion, response: Response) -> Bytes {
    let mut out = BytesMut::new();
    let frame = ResponseFrame {
        stream: 0,
        tracing_id: None,
        warnings: Vec::new(),
        custom_payload: None,
        response,
    };
    encode_response(&mut out, version, &frame, None).expect("encode canned response");
    out.freeze()
}

/// The type of a system-table column the drivers ask for at connect time.
fn system_column_type(name: &str) -> ColumnType {
    let text = || Box::new(ColumnType::Text);
    match name {
        "host_id" | "schema_version" => ColumnType::Uuid,
        "rpc_address" | "peer" | "broadcast_address" | "listen_address" | "native_address" => {
            ColumnType::Inet
        }
        "tokens" => ColumnType::Set(text()),
        "replication" => ColumnType::Map(text(), text()),
        "durable_writes" => ColumnType::Boolean,
        "field_names" | "field_types" => ColumnType::List(text()),
        "position" | "initial_tablets" | "native_port" => ColumnType::Int,
        _ => ColumnType::Text,
    }
}

/// The value of a `system.local` column (None: null).
fn local_value(name: &str) -> Option<Vec<u8>> {
    Some(match name {
        "key" => b"local".to_vec(),
        "host_id" | "schema_version" => vec![7; 16],
        "rpc_address" | "broadcast_address" | "listen_address" => vec![127, 0, 0, 1],
        "data_center" => b"datacenter1".to_vec(),
        "rack" => b"rack1".to_vec(),
        "tokens" => {
            let mut v = BytesMut::new();
            v.put_i32(1);
            cell(&mut v, Some(b"0"));
            v.to_vec()
        }
        "cluster_name" => b"responder".to_vec(),
        "partitioner" => b"org.apache.cassandra.dht.Murmur3Partitioner".to_vec(),
        "release_version" => b"4.1.0".to_vec(),
        "cql_version" => b"3.4.6".to_vec(),
        _ => return None,
    })
}

/// The statements the bench prepares, by id (the index as a 16-byte id).
struct Statement {
    prepared: Bytes,
    /// The answer to EXECUTE, with and without result metadata.
    executed: Bytes,
    executed_no_metadata: Bytes,
    /// Answered page by page from `bench.paged` instead: Some(true) with columns p, k, v,
    /// Some(false) with k, v.
    paged: Option<bool>,
}

/// Pre-encoded answers for one protocol version.
struct Canned {
    version: ProtocolVersion,
    supported: Bytes,
    ready: Bytes,
    void: Bytes,
    statements: Vec<(&'static str, Statement)>,
    /// bench.paged pages by (first row, page size).
    pages: std::sync::Mutex<HashMap<(usize, usize, bool, bool), Bytes>>,
}

impl Canned {
    fn new(version: ProtocolVersion) -> Canned {
        let envelope = |r| envelope(version, r);
        let mut supported = HashMap::new();
        supported.insert("CQL_VERSION".to_owned(), vec!["3.4.6".to_owned()]);
        supported.insert(
            "PROTOCOL_VERSIONS".to_owned(),
            vec!["4/v4".to_owned(), "5/v5".to_owned()],
        );
        supported.insert("COMPRESSION".to_owned(), vec![]);
        let kv = |n: &str, t| spec("bench.kv", n, t);
        let mut value_row = BytesMut::new();
        cell(&mut value_row, Some(b"value"));
        let value_row = value_row.freeze();
        let select_rows = |no_metadata: bool| {
            let mut r = rows(vec![kv("v", ColumnType::Text)], 1, value_row.clone(), None);
            if let Response::Result(ResultMessage::Rows(rows)) = &mut r {
                rows.metadata.no_metadata = no_metadata;
                if no_metadata {
                    rows.metadata.columns.clear();
                }
            }
            envelope(r)
        };
        let mut kv_row = BytesMut::new();
        cell(&mut kv_row, Some(&0_i32.to_be_bytes()));
        cell(&mut kv_row, Some(b"value"));
        let kv_row = kv_row.freeze();
        let kv_rows = |no_metadata: bool| {
            let cols = vec![kv("k", ColumnType::Int), kv("v", ColumnType::Text)];
            let mut r = rows(cols, 1, kv_row.clone(), None);
            if let Response::Result(ResultMessage::Rows(rows)) = &mut r {
                rows.metadata.no_metadata = no_metadata;
                if no_metadata {
                    rows.metadata.columns.clear();
                }
            }
            envelope(r)
        };
        let prepared = |i: u8, binds: Vec<ColumnSpec>, result: Vec<ColumnSpec>| {
            envelope(Response::Result(ResultMessage::Prepared(Box::new(
                Prepared {
                    id: Bytes::from(vec![i; 16]),
                    result_metadata_id: version.is_v5_or_later().then(|| Bytes::from(vec![i; 16])),
                    metadata: PreparedMetadata {
                        flags: 0,
                        pk_indexes: vec![0],
                        columns: binds,
                    },
                    result_metadata: ResultMetadata {
                        columns_count: result.len(),
                        columns: result,
                        ..Default::default()
                    },
                },
            ))))
        };
        let void = envelope(Response::Result(ResultMessage::Void));
        let statements = vec![
            (
                "INSERT INTO bench.kv (k, v) VALUES (?, ?)",
                Statement {
                    prepared: prepared(
                        0,
                        vec![kv("k", ColumnType::Int), kv("v", ColumnType::Text)],
                        vec![],
                    ),
                    executed: void.clone(),
                    executed_no_metadata: void.clone(),
                    paged: None,
                },
            ),
            (
                "SELECT v FROM bench.kv WHERE k = ?",
                Statement {
                    prepared: prepared(
                        1,
                        vec![kv("k", ColumnType::Int)],
                        vec![kv("v", ColumnType::Text)],
                    ),
                    executed: select_rows(false),
                    executed_no_metadata: select_rows(true),
                    paged: None,
                },
            ),
            // The object mapper's statements for the same tables (bench workloads mapper-*).
            (
                crate::MAPPER_SELECT,
                Statement {
                    prepared: prepared(
                        2,
                        vec![kv("k", ColumnType::Int), kv("[limit]", ColumnType::Int)],
                        vec![kv("k", ColumnType::Int), kv("v", ColumnType::Text)],
                    ),
                    executed: kv_rows(false),
                    executed_no_metadata: kv_rows(true),
                    paged: None,
                },
            ),
            (
                crate::MAPPER_STREAM,
                Statement {
                    prepared: prepared(
                        3,
                        vec![spec("bench.paged", "p", ColumnType::Int)],
                        paged_columns(true),
                    ),
                    executed: void.clone(),
                    executed_no_metadata: void.clone(),
                    paged: Some(true),
                },
            ),
            // The paged workload's query, which gocql prepares (it prepares every SELECT).
            (
                crate::PAGED_QUERY,
                Statement {
                    prepared: prepared(4, vec![], paged_columns(false)),
                    executed: void.clone(),
                    executed_no_metadata: void.clone(),
                    paged: Some(false),
                },
            ),
        ];
        Canned {
            version,
            supported: envelope(Response::Supported(supported)),
            ready: envelope(Response::Ready),
            void,
            statements,
            pages: Default::default(),
        }
    }

    /// A page of `bench.paged`: columns k, v (the QUERY), or p, k, v (the mapper's prepared
    /// statement; without metadata when the client asked to skip it).
    fn paged(&self, start: usize, size: usize, with_p: bool, no_metadata: bool) -> Bytes {
        let key = (start, size, with_p, no_metadata);
        let mut pages = self.pages.lock().expect("pages");
        if let Some(p) = pages.get(&key) {
            return p.clone();
        }
        let end = (start + size).min(PAGED_ROWS as usize);
        let mut raw = BytesMut::new();
        for k in start..end {
            if with_p {
                cell(&mut raw, Some(&0_i32.to_be_bytes()));
            }
            cell(&mut raw, Some(&(k as i32).to_be_bytes()));
            cell(&mut raw, Some(format!("row {k}").as_bytes()));
        }
        let paging =
            (end < PAGED_ROWS as usize).then(|| Bytes::from((end as u32).to_be_bytes().to_vec()));
        let cols = paged_columns(with_p);
        let mut r = rows(cols, end - start, raw.freeze(), paging);
        if no_metadata && let Response::Result(ResultMessage::Rows(rows)) = &mut r {
            rows.metadata.no_metadata = true;
            rows.metadata.columns.clear();
        }
        let env = envelope(self.version, r);
        pages.insert(key, env.clone());
        env
    }

    /// Rows for a QUERY on a system table: the selected columns, one row for system.local.
    fn system(&self, query: &str) -> Bytes {
        let lower = query.to_ascii_lowercase();
        let table = lower
            .split(" from ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("system.local")
            .to_owned();
        let selected = lower
            .trim_start()
            .strip_prefix("select ")
            .and_then(|rest| rest.split(" from ").next())
            .unwrap_or("*");
        let names: Vec<String> = if selected.trim() == "*" {
            let all: &[&str] = if table == "system.local" {
                &[
                    "key",
                    "host_id",
                    "rpc_address",
                    "data_center",
                    "rack",
                    "tokens",
                    "cluster_name",
                    "partitioner",
                    "release_version",
                    "schema_version",
                ]
            } else {
                &[
                    "peer",
                    "host_id",
                    "rpc_address",
                    "data_center",
                    "rack",
                    "tokens",
                ]
            };
            all.iter().map(|s| (*s).to_owned()).collect()
        } else {
            selected.split(',').map(|s| s.trim().to_owned()).collect()
        };
        let cols: Vec<ColumnSpec> = names
            .iter()
            .map(|n| spec(&table, n, system_column_type(n)))
            .collect();
        if table == "system.local" {
            let mut raw = BytesMut::new();
            for n in &names {
                cell(&mut raw, local_value(n).as_deref());
            }
            envelope(self.version, rows(cols, 1, raw.freeze(), None))
        } else {
            envelope(self.version, rows(cols, 0, Bytes::new(), None))
        }
    }

    fn answer(&self, req: DecodedRequest) -> Bytes {
        match req {
            DecodedRequest::Options => self.supported.clone(),
            DecodedRequest::Startup(_) | DecodedRequest::Register(_) => self.ready.clone(),
            DecodedRequest::Prepare { query, .. } => {
                match self.statements.iter().find(|(q, _)| *q == query) {
                    Some((_, s)) => s.prepared.clone(),
                    None => error(
                        self.version,
                        0x2200,
                        format!("the responder does not know {query}"),
                    ),
                }
            }
            DecodedRequest::Execute { id, params, .. } => {
                match self
                    .statements
                    .get(id.first().copied().unwrap_or(u8::MAX) as usize)
                {
                    Some((
                        _,
                        Statement {
                            paged: Some(with_p),
                            ..
                        },
                    )) => {
                        let (start, size) = page_of(&params);
                        self.paged(start, size, *with_p, params.skip_metadata())
                    }
                    Some((_, s)) if params.skip_metadata() => s.executed_no_metadata.clone(),
                    Some((_, s)) => s.executed.clone(),
                    // 0x2500 Unprepared would need the id echoed; unknown ids do not happen here.
                    None => error(self.version, 0x2200, "unknown statement id".into()),
                }
            }
            DecodedRequest::Query { query, params } => {
                let lower = query.to_ascii_lowercase();
                if lower.contains("bench.paged") {
                    let (start, size) = page_of(&params);
                    self.paged(start, size, false, false)
                } else if lower.contains(" system.") || lower.contains(" system_schema.") {
                    self.system(&query)
                } else if let Some(ks) = lower.trim().strip_prefix("use ") {
                    envelope(
                        self.version,
                        Response::Result(ResultMessage::SetKeyspace(
                            ks.trim_matches('"').to_owned(),
                        )),
                    )
                } else {
                    self.void.clone()
                }
            }
            _ => self.void.clone(),
        }
    }
}

/// The first row and size of the `bench.paged` page a request asks for.
fn page_of(params: &cql_protocol::message::request::DecodedParameters) -> (usize, usize) {
    let start = params
        .paging_state
        .as_deref()
        .and_then(|p| <[u8; 4]>::try_from(p).ok())
        .map_or(0, |p| u32::from_be_bytes(p) as usize);
    let size = params.page_size.filter(|&s| s > 0).unwrap_or(5000) as usize;
    (start, size)
}

/// The columns of a `bench.paged` page: (p,) k, v.
fn paged_columns(with_p: bool) -> Vec<ColumnSpec> {
    let mut cols = vec![
        spec("bench.paged", "k", ColumnType::Int),
        spec("bench.paged", "v", ColumnType::Text),
    ];
    if with_p {
        cols.insert(0, spec("bench.paged", "p", ColumnType::Int));
    }
    cols
}

fn error(version: ProtocolVersion, code: i32, message: String) -> Bytes {
    let kind = if code == 0x000A {
        cql_protocol::message::ErrorKind::ProtocolError
    } else {
        cql_protocol::message::ErrorKind::Invalid
    };
    envelope(
        version,
        Response::Error(ErrorResponse {
            code,
            message,
            kind,
        }),
    )
}

/// One connection: envelopes until READY, then (v5) segments both ways.
async fn serve_connection(mut sock: TcpStream, canned: Arc<[Canned; 2]>) {
    let mut inbound = BytesMut::with_capacity(64 * 1024);
    // v5 after READY: envelope bytes unwrapped from segments.
    let mut unwrapped = BytesMut::new();
    let mut framed = false;
    let mut out = BytesMut::with_capacity(64 * 1024);
    // v5 after READY: answers gathered for the next self-contained segment.
    let mut payload = BytesMut::with_capacity(64 * 1024);
    loop {
        match sock.read_buf(&mut inbound).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        loop {
            // A version this responder cannot parse (the Java driver opens with DSE_V2, 0x42):
            // a protocol error, as Cassandra answers, so the client falls back to v5 or v4.
            if !framed && let Some((stream, len)) = unknown_version(&inbound) {
                if inbound.len() < len {
                    break;
                }
                let asked = inbound[0] & 0x7f;
                inbound.advance(len);
                let answer = error(
                    ProtocolVersion::V4,
                    0x000A,
                    format!(
                        "Invalid or unsupported protocol version ({asked}); supported versions are (4/v4, 5/v5)"
                    ),
                );
                let at = out.len();
                out.extend_from_slice(&answer);
                out[at + 2..at + 4].copy_from_slice(&stream);
                continue;
            }
            let source = if framed {
                loop {
                    match segment::decode_segment(&mut inbound, None) {
                        Ok(Some(seg)) => unwrapped.extend_from_slice(&seg.payload),
                        Ok(None) => break,
                        Err(_) => return,
                    }
                }
                &mut unwrapped
            } else {
                &mut inbound
            };
            let env = match decode_envelope(source, DEFAULT_MAX_BODY_LEN) {
                Ok(Some(env)) => env,
                Ok(None) => break,
                Err(_) => return,
            };
            let stream = env.stream();
            let version = env.header.version;
            let (answer, starts_framing) = match canned.iter().find(|c| c.version == version) {
                None => (
                    // Like a v4/v5 server: the client falls back.
                    error(
                        ProtocolVersion::V4,
                        0x000A,
                        "Invalid or unsupported protocol version; supported versions are (4/v4, 5/v5)"
                            .into(),
                    ),
                    false,
                ),
                Some(canned) => match DecodedRequest::decode(env.opcode(), &env.body, version) {
                    Ok(req) => {
                        let startup = matches!(req, DecodedRequest::Startup(_));
                        (canned.answer(req), startup && version.is_v5_or_later())
                    }
                    Err(e) => (error(version, 0x000A, e.to_string()), false),
                },
            };
            if framed && !payload.is_empty() && payload.len() + answer.len() > MAX_PAYLOAD_LEN {
                seal(&mut payload, &mut out);
            }
            let dst = if framed { &mut payload } else { &mut out };
            let at = dst.len();
            dst.extend_from_slice(&answer);
            dst[at] = 0x80 | version.as_u8();
            dst[at + 2..at + 4].copy_from_slice(&stream.to_be_bytes());
            // READY itself goes out as a bare envelope; everything after it in segments.
            framed |= starts_framing;
        }
        seal(&mut payload, &mut out);
        if !out.is_empty() {
            if sock.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}

/// The stream id and whole length of an envelope at the start of `buf` whose version byte is
/// neither v4 nor v5 (None: a known version, or not even a header yet).
fn unknown_version(buf: &[u8]) -> Option<([u8; 2], usize)> {
    if buf.len() < 9 || matches!(buf[0] & 0x7f, 4 | 5) {
        return None;
    }
    let body = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) as usize;
    Some(([buf[2], buf[3]], 9 + body))
}

/// Wraps the gathered v5 answers into segments at the end of `out`: one self-contained segment,
/// or a large answer alone cut over several.
fn seal(payload: &mut BytesMut, out: &mut BytesMut) {
    if payload.is_empty() {
        return;
    }
    segment::encode_segments(out, payload, None).expect("segment of canned answers");
    payload.clear();
}
