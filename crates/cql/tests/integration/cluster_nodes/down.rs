//! Tests that stop and start nodes with `scripts/cassandra stop-node` / `start-node`. Each
//! leaves all three nodes running (a guard restarts a stopped node when a test fails).
//! They run only with `CQL_TEST_FAILOVER=1` as well, one at a time.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::Cluster;
use cql::policies::{RoundRobinPolicy, WhiteListPolicy};

mod host_events;
mod hung;
mod reprepare;
mod storm;

use super::{
    create_keyspace, ddl, failover_session, hosts, node_addr, node_of, three_nodes,
    wait_schema_agreement,
};

fn enabled() -> bool {
    if !three_nodes() {
        return false;
    }
    let on = std::env::var("CQL_TEST_FAILOVER").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped: also needs CQL_TEST_FAILOVER=1 (it stops nodes)");
    }
    on
}

/// Runs `scripts/cassandra ARGS` (it finds the cluster through the inherited environment:
/// `CASSANDRA_RUN_DIR`, `CASSANDRA_IP_BASE`) and returns how long it took.
fn cassandra(args: &[&str]) -> Duration {
    let t0 = Instant::now();
    let status = std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/cassandra"
    ))
    .args(args)
    .status()
    .expect("run scripts/cassandra");
    assert!(status.success(), "scripts/cassandra {args:?}: {status}");
    t0.elapsed()
}

/// [`cassandra`] on a blocking thread, so that the session's tasks keep running meanwhile.
async fn cassandra_async(args: Vec<String>) -> Duration {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cassandra(&args)
    })
    .await
    .expect("scripts/cassandra")
}

/// A stopped node; started again when dropped without [`Stopped::start`] (a failed test).
struct Stopped(usize);

impl Stopped {
    async fn new(node: usize, kill: bool) -> Stopped {
        let mut args = vec!["stop-node".to_owned(), node.to_string()];
        if kill {
            args.push("--kill".to_owned());
        }
        let took = cassandra_async(args).await;
        eprintln!("node {node} stopped (kill: {kill}) in {took:?}");
        Stopped(node)
    }

    /// Starts the node again; returns when it serves CQL and every node sees it up.
    async fn start(self) -> Duration {
        let node = self.0;
        std::mem::forget(self);
        let took = cassandra_async(vec!["start-node".to_owned(), node.to_string()]).await;
        eprintln!("node {node} started again in {took:?}");
        took
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/cassandra"
        ))
        .args(["start-node", &self.0.to_string()])
        .status();
    }
}

/// The deadline of the polls below: they fail only when the awaited state never comes, so it
/// allows for a cold cluster on a busy machine.
const EVENTUALLY: Duration = Duration::from_secs(60);

/// Polls `check` every 50 ms until it holds; fails after `limit` with `what`.
async fn wait_until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while !check() {
        assert!(t0.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t0.elapsed()
}

/// Write load: `workers` tasks inserting increasing keys until stopped; records every
/// acknowledged key with its time and coordinator, and every error.
struct Load {
    acked: Arc<Mutex<Vec<(i32, Instant, SocketAddr)>>>,
    errors: Arc<Mutex<Vec<(Instant, String)>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(
        s: &cql::Session,
        insert: &cql::PreparedStatement,
        next: &Arc<AtomicI32>,
        workers: usize,
    ) -> Load {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers)
            .map(|_| {
                let (s, insert, acked, errors, next, stop) = (
                    s.clone(),
                    insert.clone(),
                    Arc::clone(&acked),
                    Arc::clone(&errors),
                    Arc::clone(next),
                    Arc::clone(&stop),
                );
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        match s.execute(&insert, (k, k)).await {
                            Ok(r) => acked.lock().expect("lock").push((
                                k,
                                Instant::now(),
                                r.coordinator(),
                            )),
                            Err(e) => errors
                                .lock()
                                .expect("lock")
                                .push((Instant::now(), e.to_string())),
                        }
                    }
                })
            })
            .collect();
        Load {
            acked,
            errors,
            stop,
            workers,
        }
    }

    #[allow(clippy::type_complexity)]
    async fn finish(self) -> (Vec<(i32, Instant, SocketAddr)>, Vec<(Instant, String)>) {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers {
            w.await.expect("worker");
        }
        let acked = self.acked.lock().expect("lock").clone();
        let errors = self.errors.lock().expect("lock").clone();
        (acked, errors)
    }
}

/// Acknowledged writes per second since `from` (for the report).
fn per_second(acked: &[(i32, Instant, SocketAddr)], from: Instant) -> Vec<usize> {
    let mut out = Vec::new();
    for (_, t, _) in acked {
        let s = t.saturating_duration_since(from).as_secs() as usize;
        if out.len() <= s {
            out.resize(s + 1, 0);
        }
        out[s] += 1;
    }
    out
}

fn per_node(acked: &[(i32, Instant, SocketAddr)]) -> BTreeMap<usize, usize> {
    let mut out = BTreeMap::new();
    for (_, _, c) in acked {
        *out.entry(node_of(*c).unwrap_or(0)).or_insert(0) += 1;
    }
    out
}

/// Kills node 3 under a steady write load at QUORUM (RF 3), reads every acknowledged write
/// back with node 3 down, then starts node 3 again: its pool is rebuilt and it coordinates
/// requests again (token-aware routing puts it first for the keys it owns).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_when_a_node_is_killed_under_load() {
    if !enabled() {
        return;
    }
    let s = failover_session().await;
    create_keyspace(&s, "cluster_failover", 3).await;
    wait_schema_agreement().await;
    // Retry until every node knows the table (belt and braces over the agreement above).
    let mut tries = 0;
    let insert = loop {
        match s
            .prepare("INSERT INTO cluster_failover.t (k, v) VALUES (?, ?)")
            .await
        {
            Ok(p) => break p,
            Err(e) if tries < 50 => {
                tries += 1;
                eprintln!("waiting for schema agreement: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("prepare: {e}"),
        }
    };
    let insert = insert
        .with_consistency(cql::Consistency::Quorum)
        .with_idempotent(true);
    let next = Arc::new(AtomicI32::new(0));
    let load_start = Instant::now();
    let load = Load::start(&s, &insert, &next, 16);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let killed_at = Instant::now();
    let stopped = Stopped::new(3, true).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (acked, errors) = load.finish().await;
    let before = acked.iter().filter(|(_, t, _)| *t <= killed_at).count();
    let after: Vec<_> = acked.iter().filter(|(_, t, _)| *t > killed_at).collect();
    let first_after = after.first().map(|(_, t, _)| t.duration_since(killed_at));
    let m = s.metrics();
    eprintln!(
        "failover: {} writes acknowledged ({before} in the 2 s before the kill, {} in the 6 s after, first {:?} after it), \
         coordinators by node {:?}, {} errors surfaced, {} retries on the next host, node 3 up: {:?}; errors: {:?}",
        acked.len(),
        after.len(),
        first_after,
        per_node(&acked),
        errors.len(),
        m.retries_on_next_host,
        s.cluster_metadata().host(node_addr(3)).map(|h| h.is_up()),
        errors.iter().take(3).collect::<Vec<_>>()
    );
    eprintln!(
        "failover: writes per second from the start of the load (kill after 2 s): {:?}",
        per_second(&acked, load_start)
    );
    assert!(
        !after.is_empty(),
        "the load did not continue after the kill"
    );
    assert!(errors.is_empty(), "errors reached the caller: {errors:?}");
    // Every acknowledged write is there, read back at QUORUM with node 3 still down.
    let select = s
        .prepare("SELECT v FROM cluster_failover.t WHERE k = ?")
        .await
        .expect("prepare")
        .with_consistency(cql::Consistency::Quorum);
    let t0 = Instant::now();
    let mut halfway = None;
    for (i, (k, _, _)) in acked.iter().enumerate() {
        if i == acked.len() / 2 {
            halfway = Some(t0.elapsed());
        }
        let rs = s.execute(&select, (*k,)).await.expect("read back");
        let (v,): (i32,) = rs
            .first_row_typed()
            .unwrap_or_else(|e| panic!("acknowledged write {k} missing: {e}"));
        assert_eq!(v, *k);
    }
    eprintln!(
        "failover: {} acknowledged writes read back at QUORUM in {:?} with node 3 down (first half in {halfway:?}), \
         {:?} after the kill",
        acked.len(),
        t0.elapsed(),
        killed_at.elapsed()
    );

    // Node 3 comes back, under load: its pool reconnects (back-off at most 2 s in failover_session())
    // and it coordinates the writes it owns again.
    let requests_of_3 = |s: &cql::Session| {
        s.metrics()
            .hosts
            .iter()
            .find(|h| h.address == node_addr(3))
            .map_or(0, |h| h.requests)
    };
    let before_restart = requests_of_3(&s);
    let load = Load::start(&s, &insert, &next, 4);
    let restart_at = Instant::now();
    // When node 3's native transport accepts connections again (the earliest a pool can),
    // and when the session's pool for it has a connection again.
    let probe = {
        let s = s.clone();
        tokio::spawn(async move {
            let mut port = None;
            loop {
                if port.is_none() && tokio::net::TcpStream::connect(node_addr(3)).await.is_ok() {
                    port = Some(Instant::now());
                }
                let pool = s
                    .pool_state()
                    .iter()
                    .any(|(a, open, _)| *a == node_addr(3) && *open > 0);
                if let (Some(port), true) = (port, pool) {
                    return (port, Instant::now());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    stopped.start().await;
    let started_at = Instant::now();
    let pool_open = || {
        s.pool_state()
            .iter()
            .any(|(a, open, _)| *a == node_addr(3) && *open > 0)
    };
    wait_until(EVENTUALLY, "node 3's pool reopens", pool_open).await;
    let (port_open, pool_reopened) = probe.await.expect("probe");
    let pool_after_port = pool_reopened.saturating_duration_since(port_open);
    let acked_by_3 = {
        let acked = Arc::clone(&load.acked);
        move || {
            acked
                .lock()
                .expect("lock")
                .iter()
                .any(|(_, _, c)| *c == node_addr(3))
        }
    };
    wait_until(EVENTUALLY, "node 3 coordinates writes again", acked_by_3).await;
    let (acked, errors) = load.finish().await;
    eprintln!(
        "restart: writes per second from start-node on: {:?}",
        per_second(&acked, restart_at)
    );
    let first_by_3 = acked
        .iter()
        .filter(|(_, _, c)| *c == node_addr(3))
        .map(|(_, t, _)| *t)
        .min()
        .expect("a write coordinated by node 3");
    let recovered = first_by_3.saturating_duration_since(started_at);
    let since_port = first_by_3.saturating_duration_since(port_open);
    eprintln!(
        "restart: start-node took {:?}, node 3's CQL port open {:?} after it began; node 3's pool open {pool_after_port:?} after the port opened; \
         first write coordinated by node 3 {since_port:?} after the port opened ({:?} after start-node began, {:?} after it returned); \
         {} writes during the restart, by node {:?}; {} errors; pool state {:?}",
        started_at - restart_at,
        port_open.saturating_duration_since(restart_at),
        first_by_3.saturating_duration_since(restart_at),
        recovered,
        acked.len(),
        per_node(&acked),
        errors.len(),
        s.pool_state()
    );
    assert!(errors.is_empty(), "errors reached the caller: {errors:?}");
    // The pool is back within one reconnection delay (at most 2 s plus 15% jitter here) of
    // the node accepting connections, plus one connect timeout (5 s: an attempt that began
    // while the starting node accepted but did not answer yet), with a margin for a loaded
    // machine.
    assert!(
        pool_after_port < Duration::from_secs(3 + 5 + 10),
        "node 3's pool reconnected only {pool_after_port:?} after it accepted connections"
    );
    assert_eq!(
        s.cluster_metadata().host(node_addr(3)).map(|h| h.is_up()),
        Some(true)
    );
    // The session's own per-node figures agree.
    let after_restart = requests_of_3(&s);
    let m = s.metrics();
    eprintln!(
        "restart: {} unavailables, {} write timeouts, {} connection errors, {} retries, {} on the next host in the whole test; \
         last pool errors {:?}",
        m.unavailables,
        m.write_timeouts,
        m.connection_errors,
        m.retries,
        m.retries_on_next_host,
        s.pool_errors()
    );
    eprintln!(
        "restart: node 3's request counter {before_restart} before, {after_restart} after; per node {:?}",
        s.metrics()
            .hosts
            .iter()
            .map(|h| (h.address, h.requests, h.errors, h.connection_attempts))
            .collect::<Vec<_>>()
    );
    assert!(after_restart > before_restart);
}

/// Stops the node the control connection is on: the control connection moves to another
/// node, and schema changes made elsewhere and status changes of a node this session has no
/// pool for (so it learns of them only through events) still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_connection_moves_when_its_node_stops() {
    if !enabled() {
        return;
    }
    // Nodes 1 and 2 only: node 3 gets no pool, its up/down state comes from events alone.
    let s = Cluster::builder()
        .contact_points([hosts()[0].clone()])
        .credentials("cassandra", "cassandra")
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .load_balancing_policy(WhiteListPolicy::new(
            RoundRobinPolicy::new(),
            [node_addr(1), node_addr(2)],
        ))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    s.refresh_metadata().await.expect("metadata");
    let control = s.control_host().expect("a control connection");
    let c = node_of(control).expect("control on a cluster node");
    let other = if c == 1 { 2 } else { 1 };
    assert_ne!(c, 3, "node 3 has no pool");
    let ks = "cluster_control_moves";
    let other_session = Cluster::builder()
        .contact_points([hosts()[2].clone()])
        .credentials("cassandra", "cassandra")
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to node 3");
    ddl(&other_session, &format!("DROP KEYSPACE IF EXISTS {ks}")).await;
    wait_until(EVENTUALLY, "the drop is seen", || {
        !s.cluster_metadata().keyspaces().contains_key(ks)
    })
    .await;

    let stopped = Stopped::new(c, false).await;
    let moved = wait_until(EVENTUALLY, "the control connection moves", || {
        s.control_host().is_some_and(|h| h != control)
    })
    .await;
    assert_eq!(s.control_host(), Some(node_addr(other)));
    wait_until(EVENTUALLY, "node is seen down", || {
        s.cluster_metadata()
            .host(control)
            .is_some_and(|h| !h.is_up())
    })
    .await;
    // DDL through node 3, which the session does not use: only the event tells it.
    let t0 = Instant::now();
    create_keyspace(&other_session, ks, 2).await;
    let has_table = |t: &str| {
        s.cluster_metadata()
            .keyspaces()
            .get(ks)
            .is_some_and(|k| k.tables.contains_key(t))
    };
    let seen = wait_until(
        EVENTUALLY,
        "the new keyspace and table appear in the metadata",
        || has_table("t"),
    )
    .await;
    // A table added to an existing keyspace too.
    ddl(
        &other_session,
        &format!("CREATE TABLE {ks}.t2 (k int PRIMARY KEY, w text)"),
    )
    .await;
    let seen_t2 = wait_until(
        EVENTUALLY,
        "the second table appears in the metadata",
        || has_table("t2"),
    )
    .await;
    eprintln!(
        "control connection: on node {c}; moved to node {other} {moved:?} after node {c} stopped; \
         keyspace and table created through node 3 seen {seen:?} after the DDL ended, another table {seen_t2:?} after it ({:?} for both)",
        t0.elapsed()
    );
    // Requests go on through the remaining node.
    let r = s
        .execute("SELECT release_version FROM system.local", ())
        .await
        .expect("query with the control node down");
    assert_eq!(r.coordinator(), node_addr(other));

    let took = stopped.start().await;
    wait_until(EVENTUALLY, "the stopped node is back", || {
        s.cluster_metadata()
            .host(control)
            .is_some_and(|h| h.is_up())
    })
    .await;
    eprintln!("node {c} back up in the metadata after start-node ({took:?})");

    // Node 3: no pool, so up/down changes reach this session only as events.
    assert!(s.pool_state().iter().all(|(a, _, _)| *a != node_addr(3)));
    let stopped = Stopped::new(3, false).await;
    let down = wait_until(EVENTUALLY, "node 3 reported down", || {
        s.cluster_metadata()
            .host(node_addr(3))
            .is_some_and(|h| !h.is_up())
    })
    .await;
    stopped.start().await;
    let up = wait_until(EVENTUALLY, "node 3 reported up", || {
        s.cluster_metadata()
            .host(node_addr(3))
            .is_some_and(|h| h.is_up())
    })
    .await;
    eprintln!(
        "status events: node 3 down {down:?} after stop-node returned, up {up:?} after start-node returned"
    );
    ddl(&other_session, &format!("DROP KEYSPACE IF EXISTS {ks}")).await;
}
