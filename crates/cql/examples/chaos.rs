//! The driver side of `scripts/chaos`: QUORUM idempotent writes with unique keys from many
//! tasks at once against a 3-node cluster while nodes are killed, stopped, frozen and
//! started again (through `scripts/cassandra`), then every acknowledged key read back at
//! QUORUM and at ALL. Prints one Markdown table (and writes it to `CHAOS_OUT` if set).
//!
//! Not a test: run it through `scripts/chaos`, which starts and stops its own cluster.
//!
//! Environment: `CHAOS_HOSTS` (the three node addresses, comma separated), `CHAOS_CASSANDRA`
//! (the `scripts/cassandra` to run; `CASSANDRA_IP_BASE` and `CASSANDRA_RUN_DIR` pass
//! through to it), `CHAOS_IN_FLIGHT` (writes in flight, default 24), `CHAOS_RATE` (writes started per
//! second at most, default 300), `CHAOS_DOWN_SECS`
//! (how long a node stays down or frozen, default 20), `CHAOS_OUT`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::{Cluster, Consistency, Error, PreparedStatement, Session};
use futures_util::StreamExt;

/// One acknowledged write: key, when it was sent, when it was acknowledged, coordinator.
type Ack = (i64, Instant, Instant, SocketAddr);

/// What the writers record.
#[derive(Default)]
struct Log {
    acked: Vec<Ack>,
    /// When the request was sent, when it failed, its kind.
    errors: Vec<(Instant, Instant, String)>,
}

/// The write load: `in_flight` tasks, each with one write outstanding.
struct Load {
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// `rate`: writes started per second at most, over all tasks (so that reading every key
    /// back stays short).
    fn start(s: &Session, insert: &PreparedStatement, in_flight: usize, rate: u32) -> Load {
        let every = Duration::from_secs(in_flight as u64) / rate.max(1);
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let next = Arc::new(AtomicI64::new(0));
        let tasks = (0..in_flight)
            .map(|_| {
                let (s, insert, log, stop, next) = (
                    s.clone(),
                    insert.clone(),
                    Arc::clone(&log),
                    Arc::clone(&stop),
                    Arc::clone(&next),
                );
                tokio::spawn(async move {
                    let mut due = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        due = (due + every).max(Instant::now());
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let sent = Instant::now();
                        let r = s.execute(&insert, (k, k)).await;
                        let done = Instant::now();
                        {
                            let mut log = log.lock().expect("log lock");
                            match r {
                                Ok(r) => log.acked.push((k, sent, done, r.coordinator())),
                                Err(e) => log.errors.push((sent, done, kind(&e))),
                            }
                        }
                        tokio::time::sleep_until(due.into()).await;
                    }
                })
            })
            .collect();
        Load { log, stop, tasks }
    }

    async fn finish(self) -> Log {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = t.await;
        }
        std::mem::take(&mut *self.log.lock().expect("log lock"))
    }
}

/// A short name for an error: its variant, the server's error kind, what a NoHostAvailable
/// collected.
fn kind(e: &Error) -> String {
    fn head(s: String) -> String {
        s.split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_owned()
    }
    match e {
        Error::Server { error, .. } => format!("Server/{}", head(format!("{:?}", error.kind))),
        Error::NoHostAvailable(all) => {
            let inner: BTreeSet<String> = all.iter().map(|(_, e)| kind(e)).collect();
            format!(
                "NoHostAvailable[{}]",
                inner.into_iter().collect::<Vec<_>>().join(",")
            )
        }
        other => head(format!("{other:?}")),
    }
}

/// Open file descriptors, RSS in KiB, tasks alive in the runtime.
fn resources() -> (usize, u64, usize) {
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0);
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    (fds, rss, tasks)
}

/// Runs `scripts/cassandra ARGS` on a blocking thread.
async fn cassandra(script: &str, args: Vec<String>) -> Result<(), String> {
    let script = script.to_owned();
    let shown = args.join(" ");
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(script).args(&args).status()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("scripts/cassandra {shown}: {status}"))
    }
}

/// Polls until `addr` accepts TCP connections; returns when it did.
async fn port_opens(addr: SocketAddr, limit: Duration) -> Option<Instant> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        let c = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        if matches!(c, Ok(Ok(_))) {
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// After `addr`'s port opened: follows its pool until it has a connection, printing each
/// change (attempts, last error, open connections) with the time since the port opened;
/// returns when the pool opened (or `None` after `limit`).
async fn follow_pool(
    s: Session,
    addr: SocketAddr,
    since: Instant,
    limit: Duration,
) -> Option<Instant> {
    let mut last = (u64::MAX, String::new());
    let up = |s: &Session| s.cluster_metadata().host(addr).is_some_and(|h| h.is_up());
    while since.elapsed() < limit {
        let (open, attempts) = s
            .pool_state()
            .iter()
            .find(|p| p.0 == addr)
            .map_or((0, 0), |p| (p.1, p.2));
        let error = s
            .pool_errors()
            .into_iter()
            .find(|e| e.0 == addr)
            .map(|e| e.1)
            .unwrap_or_default();
        if (attempts, error.clone()) != last {
            eprintln!(
                "chaos:   {addr} +{} s after its port opened: {attempts} attempts, up {}, last error: {error}",
                ms(since.elapsed()),
                up(&s)
            );
            last = (attempts, error);
        }
        if open > 0 {
            eprintln!(
                "chaos:   {addr} pool open +{} s after its port opened",
                ms(since.elapsed())
            );
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// What is done to the cluster in one scenario.
enum Fault {
    Kill(usize),
    Stop(usize),
    KillControl,
    KillTwo(usize, usize),
    Freeze(usize),
}

impl Fault {
    fn name(&self) -> String {
        match self {
            Fault::Kill(n) => format!("kill -9 node {n}"),
            Fault::Stop(n) => format!("graceful stop node {n}"),
            Fault::KillControl => "kill -9 control node".into(),
            Fault::KillTwo(a, b) => format!("kill -9 nodes {a}+{b}"),
            Fault::Freeze(n) => format!("SIGSTOP node {n}"),
        }
    }
}

/// What one scenario measured.
struct Outcome {
    name: String,
    fault_at: Instant,
    end: Instant,
    /// Per node that came back: when (port open, or SIGCONT for a frozen node).
    returned: Vec<(usize, Instant)>,
    attempts: u64,
}

struct Chaos {
    s: Session,
    script: String,
    addrs: Vec<SocketAddr>,
    down: Duration,
    log: Arc<Mutex<Log>>,
}

impl Chaos {
    fn node_of(&self, a: SocketAddr) -> Option<usize> {
        self.addrs.iter().position(|x| *x == a).map(|i| i + 1)
    }

    /// Waits until every pool is open and each node coordinated a write acknowledged after
    /// `since` (at most `limit`).
    async fn settle(&self, since: Instant, limit: Duration) {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            let pools_ok = self.addrs.iter().all(|a| {
                self.s
                    .pool_state()
                    .iter()
                    .any(|(p, open, _)| p == a && *open > 0)
            });
            let coordinated: BTreeSet<SocketAddr> = {
                let log = self.log.lock().expect("log lock");
                log.acked
                    .iter()
                    .rev()
                    .take_while(|a| a.1 >= since)
                    .map(|a| a.3)
                    .collect()
            };
            if pools_ok && self.addrs.iter().all(|a| coordinated.contains(a)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("chaos: cluster not settled after {limit:?}; going on");
    }

    async fn run(&self, fault: Fault) -> Result<Outcome, String> {
        let name = fault.name();
        let attempts0 = self.s.metrics().connection_attempts;
        eprintln!("chaos: {name}");
        let fault_at = Instant::now();
        let mut returned = Vec::new();
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match fault {
            Fault::Kill(_) | Fault::Stop(_) | Fault::KillControl | Fault::KillTwo(..) => {
                let (nodes, kill) = match fault {
                    Fault::Kill(n) => (vec![n], true),
                    Fault::Stop(n) => (vec![n], false),
                    Fault::KillTwo(a, b) => (vec![a, b], true),
                    _ => {
                        let c = self
                            .s
                            .control_host()
                            .and_then(|a| self.node_of(a))
                            .ok_or("no control connection on a cluster node")?;
                        eprintln!("chaos: the control connection is on node {c}");
                        (vec![c], true)
                    }
                };
                let stops = nodes.iter().map(|n| {
                    let mut a = args(&["stop-node", &n.to_string()]);
                    if kill {
                        a.push("--kill".into());
                    }
                    cassandra(&self.script, a)
                });
                for r in futures_util::future::join_all(stops).await {
                    r?;
                }
                tokio::time::sleep(self.down).await;
                for n in nodes {
                    let addr = self.addrs[n - 1];
                    let s = self.s.clone();
                    let probe = tokio::spawn(async move {
                        let at = port_opens(addr, Duration::from_secs(300)).await;
                        if let Some(at) = at {
                            tokio::spawn(follow_pool(s, addr, at, Duration::from_secs(120)));
                        }
                        at
                    });
                    cassandra(&self.script, args(&["start-node", &n.to_string()])).await?;
                    let opened = probe.await.map_err(|e| e.to_string())?;
                    returned.push((n, opened.unwrap_or_else(Instant::now)));
                }
            }
            Fault::Freeze(n) => {
                cassandra(&self.script, args(&["pause-node", &n.to_string()])).await?;
                tokio::time::sleep(self.down).await;
                cassandra(&self.script, args(&["resume-node", &n.to_string()])).await?;
                returned.push((n, Instant::now()));
            }
        }
        let back = returned.iter().map(|r| r.1).min().unwrap_or(fault_at);
        self.settle(back, Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(Outcome {
            name,
            fault_at,
            end: Instant::now(),
            returned,
            attempts: self.s.metrics().connection_attempts - attempts0,
        })
    }
}

/// Reads every key back at `cl`, 200 keys a request; returns (missing or wrong, unreadable
/// after retries).
async fn read_back(s: &Session, keys: &[i64], cl: Consistency) -> (usize, usize) {
    let select = match s.prepare("SELECT k, v FROM chaos.t WHERE k IN ?").await {
        Ok(p) => p.with_consistency(cl).with_idempotent(true),
        Err(e) => {
            eprintln!("chaos: cannot prepare the read: {e}");
            return (0, keys.len());
        }
    };
    let results: Vec<(usize, usize)> = futures_util::stream::iter(keys.chunks(200))
        .map(|chunk| {
            let (s, select) = (s.clone(), select.clone());
            async move {
                for _ in 0..5 {
                    let Ok(rs) = s.execute(&select, (chunk.to_vec(),)).await else {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    };
                    let Ok(rows) = rs.rows_typed::<(i64, i64)>() else {
                        break;
                    };
                    let found: BTreeSet<i64> = rows
                        .filter_map(Result::ok)
                        .filter(|(k, v)| k == v)
                        .map(|(k, _)| k)
                        .collect();
                    return (chunk.iter().filter(|k| !found.contains(k)).count(), 0);
                }
                (0, chunk.len())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    results
        .iter()
        .fold((0, 0), |(m, f), (m2, f2)| (m + m2, f + f2))
}

/// The table row of one scenario.
fn row(o: &Outcome, log: &Log, addrs: &[SocketAddr]) -> String {
    let in_window = |t: Instant| t >= o.fault_at && t < o.end;
    let acked = log.acked.iter().filter(|a| in_window(a.2)).count();
    let mut errors: BTreeMap<&str, (usize, Duration)> = BTreeMap::new();
    for (sent, done, k) in log.errors.iter().filter(|e| in_window(e.1)) {
        let e = errors.entry(k.as_str()).or_default();
        e.0 += 1;
        e.1 = e.1.max(done.duration_since(*sent));
    }
    let errors = if errors.is_empty() {
        "0".to_owned()
    } else {
        errors
            .iter()
            .map(|(k, (n, max))| format!("{k}: {n} (slowest {} s)", ms(*max)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let first_success = log
        .acked
        .iter()
        .filter(|a| a.1 >= o.fault_at)
        .map(|a| a.2)
        .min()
        .map_or("none".into(), |t| ms(t.duration_since(o.fault_at)));
    let back = o
        .returned
        .iter()
        .map(|(n, at)| {
            let first = log
                .acked
                .iter()
                .filter(|a| a.3 == addrs[n - 1] && a.1 >= *at)
                .map(|a| a.2)
                .min();
            format!(
                "node {n}: {}",
                first.map_or("none".into(), |t| ms(t.duration_since(*at)))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "| {} | {acked} | {errors} | {first_success} | {back} | {} |\n",
        o.name, o.attempts
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hosts: Vec<String> = std::env::var("CHAOS_HOSTS")
        .unwrap_or_else(|_| "127.0.0.41,127.0.0.42,127.0.0.43".into())
        .split(',')
        .map(str::to_owned)
        .collect();
    let addrs: Vec<SocketAddr> = hosts
        .iter()
        .map(|h| format!("{h}:9042").parse())
        .collect::<Result<_, _>>()?;
    if addrs.len() != 3 {
        return Err("CHAOS_HOSTS: three node addresses expected".into());
    }
    let script = std::env::var("CHAOS_CASSANDRA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/cassandra").into());
    let in_flight: usize = std::env::var("CHAOS_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let down = Duration::from_secs(
        std::env::var("CHAOS_DOWN_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    let t_start = Instant::now();
    // Scenarios start only while this much time is left (a node restart on a busy machine
    // takes a minute or more); the rest are reported as skipped.
    let deadline = std::env::var("CHAOS_DEADLINE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|s| t_start + Duration::from_secs(s));

    // As in production: the roles replicated on every node (with the default RF 1, the node
    // holding them down means nobody can log in or be authorized once the 2 s caches
    // expire), and the application logging in as a role of its own, created with every node
    // up so that each replica has all of it. (The default superuser `cassandra` is read at
    // QUORUM on every login and cache refresh: with two nodes down it is refused.)
    let admin = Cluster::builder()
        .contact_points(&hosts)
        .credentials("cassandra", "cassandra")
        .build()?
        .connect()
        .await?;
    for ddl in [
        "ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
        "CREATE ROLE IF NOT EXISTS chaos WITH PASSWORD = 'chaos' AND SUPERUSER = true AND LOGIN = true",
    ] {
        admin.execute(ddl, ()).await?;
    }
    admin.shutdown().await;
    drop(admin);
    let mut tries = 0;
    let s = loop {
        let connected = Cluster::builder()
            .contact_points(&hosts)
            .credentials("chaos", "chaos")
            .build()?
            .connect()
            .await;
        match connected {
            Ok(s) => break s,
            // The new role reaches every node's cache within seconds.
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("chaos: waiting for the role: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    s.refresh_metadata().await?;
    for ddl in [
        "CREATE KEYSPACE IF NOT EXISTS chaos WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
        "DROP TABLE IF EXISTS chaos.t",
        "CREATE TABLE chaos.t (k bigint PRIMARY KEY, v bigint)",
    ] {
        s.execute(ddl, ()).await?;
    }
    s.wait_for_schema_agreement(Duration::from_secs(60)).await?;
    let insert = s
        .prepare("INSERT INTO chaos.t (k, v) VALUES (?, ?)")
        .await?
        .with_consistency(Consistency::Quorum)
        .with_idempotent(true);
    let before = resources();
    let attempts_before = s.metrics().connection_attempts;
    let rate: u32 = std::env::var("CHAOS_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let load = Load::start(&s, &insert, in_flight, rate);
    let chaos = Chaos {
        s: s.clone(),
        script,
        addrs: addrs.clone(),
        down,
        log: Arc::clone(&load.log),
    };
    let warm = Instant::now();
    chaos.settle(warm, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    let mut outcomes = Vec::new();
    let mut skipped = Vec::new();
    for fault in [
        Fault::Kill(3),
        Fault::Stop(2),
        Fault::KillControl,
        Fault::KillTwo(1, 2),
        Fault::Freeze(3),
    ] {
        let needs = down + Duration::from_secs(150);
        if deadline.is_some_and(|d| Instant::now() + needs > d) {
            skipped.push(fault.name());
            continue;
        }
        let name = fault.name();
        let run = chaos.run(fault);
        let run = match deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), run).await {
                Ok(r) => r,
                Err(_) => Err(format!("{name}: cut short by the time limit")),
            },
            None => run.await,
        };
        match run {
            Ok(o) => {
                let snapshot = {
                    let log = chaos.log.lock().expect("log lock");
                    Log {
                        acked: log.acked.clone(),
                        errors: log.errors.clone(),
                    }
                };
                eprint!("chaos: {}", row(&o, &snapshot, &addrs));
                outcomes.push(o);
            }
            Err(e) => {
                eprintln!("chaos: scenario failed: {e}");
                break;
            }
        }
    }
    let log = load.finish().await;
    drop(insert);
    let keys: Vec<i64> = log.acked.iter().map(|a| a.0).collect();
    let t_read = Instant::now();
    let (lost_q, failed_q) = read_back(&s, &keys, Consistency::Quorum).await;
    let (lost_all, failed_all) = read_back(&s, &keys, Consistency::All).await;
    let read_took = t_read.elapsed();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = resources();
    let m = s.metrics();

    let mut out = String::new();
    out.push_str(&format!(
        "{} writes acknowledged at QUORUM ({in_flight} in flight, at most {rate}/s, nodes down or frozen {}s each), \
         read back at QUORUM: {lost_q} lost, {failed_q} unreadable; at ALL: {lost_all} lost, {failed_all} unreadable \
         (read back in {} s); {} errors surfaced in all; run took {} s.\n\n",
        keys.len(),
        down.as_secs(),
        ms(read_took),
        log.errors.len(),
        ms(t_start.elapsed()),
    ));
    out.push_str("| scenario | writes acked | errors surfaced (by kind) | fault → first success (s) | return → first request (s) | connection attempts |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for o in &outcomes {
        out.push_str(&row(o, &log, &addrs));
    }
    for name in &skipped {
        out.push_str(&format!("| {name} | skipped: time limit | | | | |\n"));
    }
    out.push_str(&format!(
        "\n| resources | before | after |\n|---|---|---|\n\
         | open fds | {} | {} |\n| tokio tasks alive | {} | {} |\n| RSS (MiB) | {:.1} | {:.1} |\n\
         | connection attempts (whole run) | {attempts_before} | {} |\n| open connections | | {} |\n",
        before.0,
        after.0,
        before.2,
        after.2,
        before.1 as f64 / 1024.0,
        after.1 as f64 / 1024.0,
        m.connection_attempts,
        m.open_connections,
    ));
    println!("{out}");
    if let Ok(path) = std::env::var("CHAOS_OUT") {
        std::fs::write(path, &out)?;
    }
    s.shutdown().await;
    if lost_q + lost_all > 0 {
        return Err("acknowledged writes were lost".into());
    }
    Ok(())
}
