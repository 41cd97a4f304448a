//! One driver, one workload, one concurrency per process, so that CPU time (getrusage) and
//! allocation counts belong to that driver alone. Prints one tab-separated result line:
//! driver, workload, concurrency, requests, req/s, p50 us, p99 us, p999 us, CPU us/req, allocs/req,
//! server.
//!
//! Usage: driver-bench <ours|ours-v4|scylla> <insert|select|batch|paged|paged-owned|stream|stream-pages|insert-same|mapper-insert|select-same|mapper-select|mapper-first|derive-stream|mapper-stream> <concurrency> <requests> [server]
//! where `ours` negotiates the newest protocol version the server offers (v5 with Cassandra 5 and
//! the responder) and `ours-v4` is pinned to v4, the only version the scylla crate speaks;
//! server is `cassandra` (`BENCH_CASSANDRA_HOST`, default 127.0.0.1, port 9042; the default) or `responder`: the in-process
//! canned CQL responder of `responder.rs` (client-bound; its thread's CPU time and allocations
//! are left out of the figures), or `proc=ADDR`: that responder in its own process
//! (`driver-bench responder-server 127.0.0.1:0` prints its address), as the Python driver
//! meets it.

mod arango;
mod responder;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    /// Set on the responder thread: its allocations are not the client's.
    static NOT_COUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
fn count() {
    if !NOT_COUNTED.try_with(|c| c.get()).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}
// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct we own.
    unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut r);
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        t(r.ru_utime) + t(r.ru_stime)
    }
}

const KEYS: usize = 10_000;
pub(crate) const PAGED_ROWS: i32 = 10_000;

/// The `bench.kv` table as a mapper model.
#[derive(Debug, cql::Model)]
#[cql(table = "kv", keyspace = "bench")]
struct Kv {
    #[cql(partition_key)]
    k: i32,
    v: String,
}

/// The `bench.paged` table as a mapper model.
#[derive(Debug, cql::Model)]
#[cql(table = "paged", keyspace = "bench")]
struct Paged {
    #[cql(partition_key)]
    p: i32,
    #[cql(clustering)]
    k: i32,
    v: String,
}

/// A `bench.kv` row by hand: the baseline of the mapper's insert and select.
#[derive(Debug, cql::DeserializeRow)]
struct KvRow {
    k: i32,
    v: String,
}

/// A `bench.paged` row by hand: the baseline of the mapper's stream.
#[derive(Debug, cql::DeserializeRow)]
struct PagedRow {
    p: i32,
    k: i32,
    v: String,
}

/// The statement the mapper prepares for `Kv::objects().filter(Kv::K.eq(k)).get/first`.
pub(crate) const MAPPER_SELECT: &str = "SELECT k, v FROM bench.kv WHERE k = ? LIMIT ?";
/// The statement the mapper prepares for `Paged::objects().filter(Paged::P.eq(0)).all`.
pub(crate) const MAPPER_STREAM: &str = "SELECT p, k, v FROM bench.paged WHERE p = ?";

trait Driver: Send + Sync + 'static {
    fn run(self: Arc<Self>, i: usize) -> impl std::future::Future<Output = ()> + Send;
}

struct Ours {
    s: cql::Session,
    stmt: cql::PreparedStatement,
    workload: &'static str,
}

impl Driver for Ours {
    async fn run(self: Arc<Self>, i: usize) {
        let k = (i % KEYS) as i32;
        match self.workload {
            "insert" => {
                self.s
                    .execute(&self.stmt, (k, "value"))
                    .await
                    .expect("insert");
            }
            "select" => {
                let rs = self.s.execute(&self.stmt, (k,)).await.expect("select");
                let (v,): (&str,) = rs.first_row_typed().expect("row");
                assert!(!v.is_empty());
            }
            "insert-same" => {
                // By hand, from the same row the mapper writes, built the same way (an owned
                // `String`, as the model holds it): the mapper's overhead, not the row's.
                let row = KvRow {
                    k,
                    v: "value".to_owned(),
                };
                self.s
                    .execute(&self.stmt, (row.k, &row.v))
                    .await
                    .expect("insert");
            }
            "mapper-insert" => {
                use cql::mapper::ModelExt;
                Kv {
                    k,
                    v: "value".to_owned(),
                }
                .insert()
                .execute(&self.s)
                .await
                .expect("insert");
            }
            "select-same" => {
                // By hand, the statement the mapper's get prepares (LIMIT 2), read as owned.
                let rs = self
                    .s
                    .execute(&self.stmt, (k, 2_i32))
                    .await
                    .expect("select");
                let r: KvRow = rs.first_row_typed().expect("row");
                assert!(!r.v.is_empty());
            }
            "mapper-select" => {
                use cql::mapper::ModelExt;
                let r = Kv::objects()
                    .filter(Kv::K.eq(k))
                    .get(&self.s)
                    .await
                    .expect("select");
                assert!(!r.v.is_empty());
            }
            "mapper-first" => {
                use cql::mapper::ModelExt;
                let r = Kv::objects()
                    .filter(Kv::K.eq(k))
                    .first(&self.s)
                    .await
                    .expect("select")
                    .expect("row");
                assert!(!r.v.is_empty());
            }
            "derive-stream" => {
                // By hand: the mapper's statement, its rows through execute_iter as a derived type.
                let rows = self
                    .s
                    .execute_iter::<PagedRow>(&self.stmt, (0_i32,))
                    .await
                    .expect("stream");
                drain(rows, |r: &PagedRow, n| {
                    debug_assert!(r.p == 0 && r.k == n && !r.v.is_empty())
                })
                .await;
            }
            "mapper-stream" => {
                use cql::mapper::ModelExt;
                let rows = Paged::objects()
                    .filter(Paged::P.eq(0))
                    .fetch_size(1000)
                    .all(&self.s)
                    .await
                    .expect("stream");
                drain(rows, |r: &Paged, n| {
                    debug_assert!(r.p == 0 && r.k == n && !r.v.is_empty())
                })
                .await;
            }
            "batch" => {
                let mut b = cql::BatchStatement::new(cql::BatchType::Logged);
                for j in 0..10 {
                    b.add_prepared(&self.stmt, (((k as usize * 10 + j) % KEYS) as i32, "value"))
                        .expect("add");
                }
                self.s.batch(&b).await.expect("batch");
            }
            "stream" => {
                // Every row through the typed all-pages stream (owned rows).
                let rows = self
                    .s
                    .execute_iter::<(i32, String)>(&paged_statement(), ())
                    .await
                    .expect("stream");
                drain(rows, |_, _| {}).await;
            }
            "stream-pages" => {
                // The same stream, read a page at a time through its plain iterator.
                let mut rows = self
                    .s
                    .execute_iter::<(i32, String)>(&paged_statement(), ())
                    .await
                    .expect("stream");
                let mut n = 0;
                while let Some(page) = rows.next_page().await {
                    for r in page.expect("page") {
                        r.expect("row");
                        n += 1;
                    }
                }
                assert_eq!(n, PAGED_ROWS as usize);
            }
            "paged-owned" => {
                // The same owned rows, page by page with rows_typed: the baseline of "stream".
                page_by_page(&self.s, |page| {
                    let mut n = 0;
                    for r in page.rows_typed::<(i32, String)>().expect("typed") {
                        r.expect("row");
                        n += 1;
                    }
                    n
                })
                .await;
            }
            _ => {
                // Typed rows page by page, as the peer does (execute_stream yields dynamic rows).
                page_by_page(&self.s, |page| {
                    let mut n = 0;
                    for r in page.rows_typed::<(i32, &str)>().expect("typed") {
                        r.expect("row");
                        n += 1;
                    }
                    n
                })
                .await;
            }
        }
    }
}

/// The statement of the paged workloads: the whole `bench.paged` partition (10,000 rows).
pub(crate) const PAGED_QUERY: &str = "SELECT k, v FROM bench.paged WHERE p = 0";

/// The paged workloads' statement as ours sends it: 1000 rows a page.
fn paged_statement() -> cql::SimpleStatement {
    cql::SimpleStatement::new(PAGED_QUERY).with_page_size(1000)
}

/// Reads every row of a typed stream of `bench.paged`, hands each to `check` with its place,
/// and asserts the whole partition came back.
async fn drain<R>(mut rows: cql::TypedRowStream<R>, check: impl Fn(&R, i32))
where
    R: for<'f> cql_protocol::deserialize::DeserializeRow<'f>,
{
    let mut n = 0;
    while let Some(r) = rows.next_row().await {
        check(&r.expect("row"), n);
        n += 1;
    }
    assert_eq!(n, PAGED_ROWS);
}

/// Ours: the whole `bench.paged` partition a page at a time with execute_page; `rows` reads one
/// page and says how many rows it had. Asserts the whole partition came back.
async fn page_by_page(s: &cql::Session, mut rows: impl FnMut(&cql::QueryResult) -> usize) {
    let st = paged_statement();
    let mut n = 0;
    let mut state = None;
    loop {
        let page = s.execute_page(&st, (), state.take()).await.expect("page");
        n += rows(&page);
        match page.paging_state() {
            Some(p) => state = Some(p),
            None => break,
        }
    }
    assert_eq!(n, PAGED_ROWS as usize);
}

struct Peer {
    s: scylla::client::session::Session,
    stmt: scylla::statement::prepared::PreparedStatement,
    workload: &'static str,
}

impl Driver for Peer {
    async fn run(self: Arc<Self>, i: usize) {
        let k = (i % KEYS) as i32;
        match self.workload {
            "insert" => {
                self.s
                    .execute_unpaged(&self.stmt, (k, "value"))
                    .await
                    .expect("insert");
            }
            "select" => {
                let r = self
                    .s
                    .execute_unpaged(&self.stmt, (k,))
                    .await
                    .expect("select");
                let rows = r.into_rows_result().expect("rows");
                let (v,): (&str,) = rows.first_row().expect("row");
                assert!(!v.is_empty());
            }
            "batch" => {
                let mut b = scylla::statement::batch::Batch::new(
                    scylla::statement::batch::BatchType::Logged,
                );
                let mut values = Vec::new();
                for j in 0..10 {
                    b.append_statement(self.stmt.clone());
                    values.push((((k as usize * 10 + j) % KEYS) as i32, "value"));
                }
                self.s.batch(&b, values).await.expect("batch");
            }
            _ => {
                let mut st = scylla::statement::unprepared::Statement::new(PAGED_QUERY);
                st.set_page_size(1000);
                let mut n = 0;
                let mut state = scylla::response::PagingState::start();
                loop {
                    let (res, next) = self
                        .s
                        .query_single_page(st.clone(), (), state)
                        .await
                        .expect("page");
                    let rows = res.into_rows_result().expect("rows");
                    for r in rows.rows::<(i32, &str)>().expect("typed") {
                        r.expect("row");
                        n += 1;
                    }
                    match next.into_paging_control_flow() {
                        std::ops::ControlFlow::Continue(s) => state = s,
                        std::ops::ControlFlow::Break(()) => break,
                    }
                }
                assert_eq!(n, PAGED_ROWS);
            }
        }
    }
}

fn query_for(workload: &str) -> &'static str {
    match workload {
        "select" => "SELECT v FROM bench.kv WHERE k = ?",
        "select-same" | "mapper-select" | "mapper-first" => MAPPER_SELECT,
        "derive-stream" | "mapper-stream" => MAPPER_STREAM,
        _ => "INSERT INTO bench.kv (k, v) VALUES (?, ?)",
    }
}

async fn drive<D: Driver>(
    d: Arc<D>,
    concurrency: usize,
    requests: usize,
) -> (f64, hdrhistogram::Histogram<u64>) {
    // Warm-up: a tenth of the requests, not measured.
    run_all(Arc::clone(&d), concurrency, requests / 10, None).await;
    let hist = Arc::new(std::sync::Mutex::new(latency_histogram()));
    let t0 = Instant::now();
    run_all(d, concurrency, requests, Some(Arc::clone(&hist))).await;
    let el = t0.elapsed().as_secs_f64();
    let h = hist.lock().expect("hist").clone();
    (el, h)
}

/// Latencies in µs up to 10 minutes, sized up front: an auto-resizing histogram reallocates
/// and zeroes its counts as larger latencies arrive, about 1,400 instructions per request of
/// harness cost in the callgrind figures (more under valgrind, where latencies are long).
fn latency_histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

async fn run_all<D: Driver>(
    d: Arc<D>,
    concurrency: usize,
    requests: usize,
    hist: Option<Arc<std::sync::Mutex<hdrhistogram::Histogram<u64>>>>,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (d, next, hist) = (Arc::clone(&d), Arc::clone(&next), hist.clone());
        tasks.push(tokio::spawn(async move {
            let mut local = latency_histogram();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                Arc::clone(&d).run(i).await;
                local.saturating_record(t.elapsed().as_micros() as u64);
            }
            if let Some(h) = hist {
                h.lock().expect("hist").add(&local).expect("merge");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
}

async fn setup(s: &cql::Session) {
    s.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
        .await
        .expect("keyspace");
    s.execute(
        "CREATE TABLE IF NOT EXISTS bench.kv (k int PRIMARY KEY, v text)",
        (),
    )
    .await
    .expect("kv");
    s.execute(
        "CREATE TABLE IF NOT EXISTS bench.paged (p int, k int, v text, PRIMARY KEY (p, k))",
        (),
    )
    .await
    .expect("paged");
    let ins = s
        .prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    let insp = s
        .prepare("INSERT INTO bench.paged (p, k, v) VALUES (0, ?, ?)")
        .await
        .expect("prepare");
    let mut pending = Vec::new();
    for k in 0..KEYS as i32 {
        let (s, ins, insp) = (s.clone(), ins.clone(), insp.clone());
        pending.push(tokio::spawn(async move {
            s.execute(&ins, (k, "value")).await.expect("seed");
            if k < PAGED_ROWS {
                s.execute(&insp, (k, format!("row {k}")))
                    .await
                    .expect("seed paged");
            }
        }));
        if pending.len() >= 256 {
            for p in pending.drain(..) {
                p.await.expect("seed task");
            }
        }
    }
    for p in pending {
        p.await.expect("seed task");
    }
}

/// The Cassandra node of server `cassandra`: `BENCH_CASSANDRA_HOST` (port 9042), by default
/// 127.0.0.1, where scripts/bench starts one.
fn cassandra_host() -> String {
    std::env::var("BENCH_CASSANDRA_HOST").unwrap_or_else(|_| "127.0.0.1".to_owned())
}

/// Waits `BENCH_SETTLE_MS` (none when unset) after connecting, before anything is counted: the
/// counts mode lets each driver's background work of connecting (pools filling, metadata) finish
/// first, so that it does not fall into one run's counts and not into another's.
async fn settle() {
    if let Some(ms) = std::env::var("BENCH_SETTLE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// The runtime: tokio's multi-thread one, with `BENCH_WORKER_THREADS` workers when set (the
/// counts mode of scripts/bench runs one, so that callgrind sees the same schedule every run),
/// else tokio's default (one per core).
fn main() {
    // BENCH_OTEL=1: every request and attempt span goes through the OpenTelemetry layer to an
    // SDK tracer (sampled and built, no exporter): the cost of observing with OpenTelemetry.
    if std::env::var_os("BENCH_OTEL").is_some() {
        use tracing_subscriber::layer::SubscriberExt;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry().with(cql::telemetry::layer(&provider));
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        // The provider lives as long as the process.
        std::mem::forget(provider);
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = std::env::var("BENCH_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        rt.worker_threads(n);
    }
    rt.build().expect("runtime").block_on(bench_main());
}

async fn bench_main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("setup") {
        let s = cql::Cluster::builder()
            .contact_points([cassandra_host()])
            .credentials("cassandra", "cassandra")
            .build()
            .expect("config")
            .connect()
            .await
            .expect("connect");
        setup(&s).await;
        return;
    }
    match &args[1..] {
        [cmd, listen] if cmd == "arango-server" => return arango::serve(listen).await,
        [cmd, listen] if cmd == "responder-server" => return responder::serve(listen).await,
        [cmd, url] if cmd == "arango-setup" => return arango::setup(url).await,
        [cmd, w, conc, n, url] if cmd == "arango" => {
            let workload = if w == "doc_insert" {
                "doc_insert"
            } else {
                "doc_get"
            };
            let (concurrency, requests) = (
                conc.parse().expect("concurrency"),
                n.parse().expect("requests"),
            );
            let d = Arc::new(arango::Ours::new(url, workload).await);
            let (cpu0, alloc0) = (cpu_seconds(), ALLOCS.load(Ordering::Relaxed));
            let (elapsed, hist) = drive(d, concurrency, requests).await;
            let total = requests + requests / 10;
            let cpu_us = (cpu_seconds() - cpu0) * 1e6 / total as f64;
            let allocs = (ALLOCS.load(Ordering::Relaxed) - alloc0) as f64 / total as f64;
            print_line(
                "ours",
                workload,
                concurrency,
                requests,
                elapsed,
                &hist,
                cpu_us,
                allocs,
                "arango",
            );
            return;
        }
        _ => {}
    }
    let (driver, workload, conc, n, server) = match &args[..] {
        [_, d, w, c, n] => (d, w, c, n, "cassandra"),
        [_, d, w, c, n, s] if s == "cassandra" || s == "responder" || s.starts_with("proc=") => {
            (d, w, c, n, s.as_str())
        }
        _ => {
            eprintln!(
                "usage: driver-bench <ours|ours-v4|scylla> <insert|select|batch|paged|paged-owned|stream|stream-pages|insert-same|mapper-insert|select-same|mapper-select|mapper-first|derive-stream|mapper-stream> <concurrency> <requests> [cassandra|responder|proc=ADDR] | setup"
            );
            std::process::exit(2);
        }
    };
    let workload: &'static str = match workload.as_str() {
        "insert" => "insert",
        "select" => "select",
        "batch" => "batch",
        // Ours only: the typed all-pages stream and its page-by-page baseline (owned rows).
        "stream" => "stream",
        "stream-pages" => "stream-pages",
        "paged-owned" => "paged-owned",
        // Ours only: the object mapper and the same statements by hand.
        "mapper-insert" => "mapper-insert",
        "insert-same" => "insert-same",
        "select-same" => "select-same",
        "mapper-select" => "mapper-select",
        "mapper-first" => "mapper-first",
        "derive-stream" => "derive-stream",
        "mapper-stream" => "mapper-stream",
        _ => "paged",
    };
    let concurrency: usize = conc.parse().expect("concurrency");
    let requests: usize = n.parse().expect("requests");
    let responder = (server == "responder").then(responder::Responder::start);
    // `proc=ADDR`: a responder in its own process (`driver-bench responder-server`), the set-up
    // the Python driver is measured in; the whole process is the client then.
    let proc_addr: Option<std::net::SocketAddr> = server
        .strip_prefix("proc=")
        .map(|a| a.parse().expect("proc=ADDR: a socket address"));
    let server = if proc_addr.is_some() {
        "responder-proc"
    } else {
        server
    };
    let responder_cpu = || {
        responder
            .as_ref()
            .map_or(0.0, responder::Responder::cpu_seconds)
    };
    let (cpu0, alloc0, rcpu0);
    let (elapsed, hist) = if driver == "ours" || driver == "ours-v4" {
        let b = cql::Cluster::builder().request_timeout(Duration::from_secs(30));
        let b = match (&responder, proc_addr) {
            (Some(r), _) => b.contact_points([r.addr.to_string()]),
            (None, Some(a)) => b.contact_points([a.to_string()]),
            (None, None) => b
                .contact_points([cassandra_host()])
                .credentials("cassandra", "cassandra"),
        };
        // `ours-v4`: pinned to protocol v4 like the scylla crate (ours negotiates v5 with
        // Cassandra 4+ and with the responder otherwise).
        let b = if driver == "ours-v4" {
            b.protocol_version(cql::ProtocolVersion::V4)
        } else {
            b
        };
        let s = b.build().expect("config").connect().await.expect("connect");
        // Unpaged, like the peer's `execute_unpaged`: a page size makes Cassandra run its
        // paging machinery even for one row.
        let stmt = s
            .prepare(query_for(workload))
            .await
            .expect("prepare")
            .with_page_size(if workload == "derive-stream" { 1000 } else { 0 });
        let d = Arc::new(Ours { s, stmt, workload });
        settle().await;
        (cpu0, alloc0, rcpu0) = (
            cpu_seconds(),
            ALLOCS.load(Ordering::Relaxed),
            responder_cpu(),
        );
        drive(d, concurrency, requests).await
    } else {
        let b = scylla::client::session_builder::SessionBuilder::new();
        let b = match (&responder, proc_addr) {
            // Its periodic metadata refresh (every 60 s) would fall into some runs and not others
            // under valgrind (counts mode); the responder's metadata never changes.
            (Some(r), _) => b
                .known_node_addr(r.addr)
                .fetch_schema_metadata(false)
                .cluster_metadata_refresh_interval(Duration::from_secs(3600)),
            (None, Some(a)) => b.known_node_addr(a).fetch_schema_metadata(false),
            (None, None) => b
                .known_node(format!("{}:9042", cassandra_host()))
                .user("cassandra", "cassandra"),
        };
        let s = b.build().await.expect("connect");
        let stmt = s.prepare(query_for(workload)).await.expect("prepare");
        let d = Arc::new(Peer { s, stmt, workload });
        settle().await;
        (cpu0, alloc0, rcpu0) = (
            cpu_seconds(),
            ALLOCS.load(Ordering::Relaxed),
            responder_cpu(),
        );
        drive(d, concurrency, requests).await
    };
    // Warm-up requests are included in CPU and allocation totals: divide by all requests.
    let total = requests + requests / 10;
    let client_cpu = (cpu_seconds() - cpu0) - (responder_cpu() - rcpu0);
    let cpu_us = client_cpu * 1e6 / total as f64;
    let allocs_total = ALLOCS.load(Ordering::Relaxed) - alloc0;
    let allocs = allocs_total as f64 / total as f64;
    if std::env::var_os("BENCH_RAW_COUNTS").is_some() {
        // For the counts mode (bench/counts.py): requests run (warm-up included) and the exact
        // allocation total.
        eprintln!("raw\t{total}\t{allocs_total}");
    }
    print_line(
        driver,
        workload,
        concurrency,
        requests,
        elapsed,
        &hist,
        cpu_us,
        allocs,
        server,
    );
}

#[allow(clippy::too_many_arguments)]
fn print_line(
    driver: &str,
    workload: &str,
    concurrency: usize,
    requests: usize,
    elapsed: f64,
    hist: &hdrhistogram::Histogram<u64>,
    cpu_us: f64,
    allocs: f64,
    server: &str,
) {
    println!(
        "{driver}\t{workload}\t{concurrency}\t{requests}\t{:.0}\t{}\t{}\t{}\t{:.1}\t{:.1}\t{server}",
        requests as f64 / elapsed,
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        cpu_us,
        allocs
    );
}
