//! ScyllaDB's protocol extensions, through `tools/scylla-sim` in front of the real node (the
//! simulator the reference scylla driver judges faithful, see its tests): a connection per
//! shard through the shard-aware port from source ports in range, every token-aware request
//! on its token's shard, the fallbacks (no shard-aware port, one that accepts and closes,
//! nonsense in SUPPORTED), rate limit errors and the LWT mark.
//!
//! Each test runs its own simulator on 127.0.0.52 with ports of its own; 8 virtual shards.

use std::time::{Duration, Instant};

use cql::scylla::ShardAwareOptions;
use cql::scylla::sharding::DEFAULT_LOCAL_PORTS;
use cql::{Cluster, ClusterBuilder, PreparedStatement, ProtocolVersion, Session};
use scylla_sim::server::Sim;

use crate::common::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, hosts};

const LISTEN: &str = "127.0.0.52";

/// The real node behind the simulators: the first test host, port 9042.
fn backend() -> String {
    let first = hosts().into_iter().next().expect("a test host");
    if first.contains(':') {
        first
    } else {
        format!("{first}:9042")
    }
}

/// A simulator on `LISTEN`:`port` (shard-aware port `port + 10000` unless `flags` say
/// otherwise) in front of the real node.
async fn sim(port: u16, flags: &str) -> Sim {
    start_sim(&format!("--backend {}={LISTEN}", backend()), port, flags).await
}

/// A simulator for `backends` (`--backend HOST:PORT=LISTEN_IP` flags) on `port`, shard-aware
/// port `port + 10000`, with more `flags`.
pub(crate) async fn start_sim(backends: &str, port: u16, flags: &str) -> Sim {
    let args = format!(
        "{backends} --port {port} --shard-aware-port {} {flags}",
        port + 10_000
    );
    let cfg = scylla_sim::config::Config::parse(args.split_whitespace().map(String::from))
        .expect("simulator flags");
    scylla_sim::server::start(cfg)
        .await
        .expect("the simulator listens")
}

/// A builder for a session through a simulator node at `contact`:`port` (v4: the simulator
/// speaks up to v4, as ScyllaDB does), as the superuser.
pub(crate) fn sim_builder(contact: &str, port: u16) -> ClusterBuilder {
    Cluster::builder()
        .contact_points([contact])
        .port(port)
        .protocol_version(ProtocolVersion::V4)
        .credentials("cassandra", "cassandra")
        .request_timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .max_schema_agreement_wait(REQUEST_TIMEOUT)
}

async fn connect(port: u16, options: ShardAwareOptions) -> Session {
    sim_builder(LISTEN, port)
        .shard_aware_options(options)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the simulator")
}

/// Waits (up to `limit`) until the session has a connection on every shard of every node;
/// returns how long that took.
async fn every_shard_connected(session: &Session, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let stats = session.shard_aware_stats();
        if !stats.is_empty()
            && stats
                .values()
                .all(|s| s.connected_shards == s.nr_shards && s.nr_shards > 0)
        {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "shards not all connected after {limit:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn table(session: &Session, ks: &str) {
    table_rf(session, ks, 1).await;
}

/// Keyspace `ks` (SimpleStrategy, `rf` replicas) and its table `kv (k bigint, v int)`; the
/// session's metadata read again.
pub(crate) async fn table_rf(session: &Session, ks: &str, rf: u32) {
    session
        .execute(
            format!(
                "CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = \
                 {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"
            )
            .as_str(),
            (),
        )
        .await
        .expect("keyspace");
    session
        .execute(
            format!("CREATE TABLE IF NOT EXISTS {ks}.kv (k bigint PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
    session.refresh_metadata().await.expect("metadata");
}

/// Token-aware prepared inserts of `n` spread keys; returns how many failed and how.
async fn inserts(session: &Session, ks: &str, n: i64) -> Vec<cql::Error> {
    let insert = session
        .prepare(format!("INSERT INTO {ks}.kv (k, v) VALUES (?, ?)"))
        .await
        .expect("prepare");
    run_inserts(session, &insert, n).await
}

/// Executes `insert` (of `kv (k bigint, v int)`) for `n` keys spread over the ring, one at a
/// time; returns the errors.
pub(crate) async fn run_inserts(
    session: &Session,
    insert: &PreparedStatement,
    n: i64,
) -> Vec<cql::Error> {
    let mut errors = Vec::new();
    for i in 0..n {
        let key = i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64);
        if let Err(e) = session.execute(insert, (key, i as i32)).await {
            errors.push(e);
        }
    }
    errors
}

#[tokio::test]
async fn a_connection_per_shard_and_every_request_on_its_shard() {
    let sim = sim(9250, "").await;
    let session = connect(9250, ShardAwareOptions::default()).await;
    every_shard_connected(&session, Duration::from_secs(20)).await;
    assert!(session.is_shard_aware());
    let stats = session.shard_aware_stats();
    let node = stats.values().next().expect("one node");
    assert_eq!(
        (node.nr_shards, node.connected_shards, node.connections),
        (8, 8, 8)
    );
    assert_eq!(node.per_shard, vec![1; 8], "one connection per shard");
    // The simulator's view: 8 open connections, one per shard; all but the first (which
    // told the driver about the shards) through the shard-aware port, from source ports in
    // the range, each landing on the shard its port asked for.
    let conns = sim.shared.stats.connections();
    let open: Vec<_> = conns.iter().filter(|c| c.3.open > 0).collect();
    assert_eq!(open.iter().map(|c| c.3.open).sum::<u64>(), 8, "{conns:?}");
    let mut shards: Vec<u32> = open.iter().map(|c| c.1).collect();
    shards.sort_unstable();
    assert_eq!(shards, (0..8).collect::<Vec<_>>(), "{conns:?}");
    let aware: Vec<_> = open.iter().filter(|c| c.2 == "shard_aware").collect();
    assert_eq!(aware.len(), 7, "{conns:?}");
    for c in &aware {
        let (lo, hi) = (c.3.min_source_port, c.3.max_source_port);
        assert!(
            DEFAULT_LOCAL_PORTS.contains(&lo) && DEFAULT_LOCAL_PORTS.contains(&hi),
            "{c:?}"
        );
    }

    table(&session, "sim_shards").await;
    sim.shared.stats.reset();
    let errors = inserts(&session, "sim_shards", 10_000).await;
    assert!(errors.is_empty(), "{:?}", errors.first());
    let n = sim.shared.stats.node(LISTEN);
    assert_eq!(n.routed_requests, 10_000, "{n:?}");
    assert_eq!((n.right_shard, n.wrong_shard), (10_000, 0), "{n:?}");
    session.shutdown().await;
}

/// The negative control: with shard awareness off, the driver keeps one connection, and the
/// simulator sees requests on other shards (its counter is not trivially "right").
#[tokio::test]
async fn without_shard_awareness_requests_land_on_any_shard() {
    let sim = sim(9251, "").await;
    let off = ShardAwareOptions {
        disable: true,
        ..Default::default()
    };
    let session = connect(9251, off).await;
    assert!(!session.is_shard_aware());
    table(&session, "sim_shards").await;
    sim.shared.stats.reset();
    let errors = inserts(&session, "sim_shards", 1_000).await;
    assert!(errors.is_empty(), "{:?}", errors.first());
    let n = sim.shared.stats.node(LISTEN);
    assert_eq!(n.routed_requests, 1_000, "{n:?}");
    assert!(n.wrong_shard > 500, "{n:?}");
    session.shutdown().await;
}

/// Without a shard-aware port (none advertised, disabled by the user, or one that accepts and
/// closes), the pool still covers every shard through the regular port, without stalling.
#[tokio::test]
async fn without_a_usable_shard_aware_port_every_shard_is_still_covered() {
    let no_port = ShardAwareOptions {
        disable_shard_aware_port: true,
        ..Default::default()
    };
    for (port, flags, options) in [
        (9252, "--no-shard-aware-port", ShardAwareOptions::default()),
        (
            9253,
            "--shard-aware-port-closing",
            ShardAwareOptions::default(),
        ),
        (9254, "", no_port),
    ] {
        let sim = sim(port, flags).await;
        let start = Instant::now();
        let session = connect(port, options).await;
        let covered = every_shard_connected(&session, Duration::from_secs(20)).await;
        let total = start.elapsed();
        println!("{flags:?}: connected in {total:?} (all shards {covered:?} after connect)");
        // One connect timeout would be 30 s here: a stall per connection is far above this.
        assert!(total < Duration::from_secs(5), "{flags:?}: {total:?}");
        let conns = sim.shared.stats.connections();
        assert!(
            conns
                .iter()
                .filter(|c| c.3.open > 0)
                .all(|c| c.2 == "regular"),
            "{flags:?}: {conns:?}"
        );
        table(&session, "sim_shards").await;
        sim.shared.stats.reset();
        let errors = inserts(&session, "sim_shards", 1_000).await;
        assert!(errors.is_empty(), "{:?}", errors.first());
        let n = sim.shared.stats.node(LISTEN);
        assert_eq!(
            (n.right_shard, n.wrong_shard),
            (1_000, 0),
            "{flags:?}: {n:?}"
        );
        session.shutdown().await;
    }
}

/// Nonsense sharding keys: the driver routes as for Cassandra (one connection, no shard),
/// and requests succeed.
#[tokio::test]
async fn nonsense_sharding_keys_fall_back_to_plain_routing() {
    for (port, kind) in [
        (9255, "nr-shards-0"),
        (9256, "nr-shards-negative"),
        (9257, "nr-shards-huge"),
        (9258, "unknown-algorithm"),
    ] {
        let sim = sim(port, &format!("--bad-supported {kind}")).await;
        let session = connect(port, ShardAwareOptions::default()).await;
        assert!(!session.is_shard_aware(), "{kind}");
        table(&session, "sim_shards").await;
        let errors = inserts(&session, "sim_shards", 100).await;
        assert!(errors.is_empty(), "{kind}: {:?}", errors.first());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let open: u64 = sim
            .shared
            .stats
            .connections()
            .iter()
            .map(|c| c.3.open)
            .sum();
        assert_eq!(open, 1, "{kind}: no connection storm");
        session.shutdown().await;
    }
}

/// 10% of requests refused by the rate limit surface as the typed error, each once: the
/// default retry policy does not retry them.
#[tokio::test]
async fn rate_limit_errors_are_typed_and_not_retried() {
    let sim = sim(9259, "--rate-limit-percent 10").await;
    let session = connect(9259, ShardAwareOptions::default()).await;
    // The schema is not rate limited; the inserts are.
    table(&session, "sim_shards").await;
    sim.shared.stats.reset();
    let errors = inserts(&session, "sim_shards", 1_000).await;
    assert_eq!(errors.len(), 100, "{:?}", errors.first());
    for e in &errors {
        assert!(e.is_rate_limited(), "{e}");
        let text = e.to_string();
        assert!(!text.contains("cassandra"), "no credentials in {text}");
    }
    let n = sim.shared.stats.node(LISTEN);
    assert_eq!(n.rate_limited, 100, "{n:?}");
    assert_eq!(
        n.routed_requests, 1_000,
        "each refused request was sent once: {n:?}"
    );
    session.shutdown().await;
}

/// With the mark negotiated, conditional statements are known as such; without it, nothing
/// is marked.
#[tokio::test]
async fn lwt_statements_are_marked_when_the_node_marks_them() {
    for (port, flags, marked) in [(9260, "--lwt-mark", true), (9261, "", false)] {
        let _sim = sim(port, flags).await;
        let session = connect(port, ShardAwareOptions::default()).await;
        table(&session, "sim_shards").await;
        let insert = session
            .prepare("INSERT INTO sim_shards.kv (k, v) VALUES (?, ?)")
            .await
            .expect("prepare");
        let cas = session
            .prepare("UPDATE sim_shards.kv SET v = ? WHERE k = ? IF v = ?")
            .await
            .expect("prepare");
        assert!(!insert.is_lwt(), "{flags:?}");
        assert_eq!(cas.is_lwt(), marked, "{flags:?}");
        session.shutdown().await;
    }
}

/// Tablets: the first requests to a tablet table teach the driver the tablets (the
/// simulator's `tablets-routing-v1` payloads when a request misses); after them, every
/// request goes to its tablet's replica and shard. Dropping the table drops its tablets.
#[tokio::test]
async fn tablet_tables_are_routed_by_their_tablets() {
    let sim = sim(9262, "--tablets sim_tablets_rs --tablets-per-table 16").await;
    let session = connect(9262, ShardAwareOptions::default()).await;
    every_shard_connected(&session, Duration::from_secs(20)).await;
    table(&session, "sim_tablets_rs").await;
    let warm = inserts(&session, "sim_tablets_rs", 1_000).await;
    assert!(warm.is_empty(), "{:?}", warm.first());
    let learned = session.cluster_metadata().tablets().len();
    assert_eq!(learned, 16, "every tablet learned from the payloads");
    sim.shared.stats.reset();
    let errors = inserts(&session, "sim_tablets_rs", 10_000).await;
    assert!(errors.is_empty(), "{:?}", errors.first());
    let n = sim.shared.stats.node(LISTEN);
    println!("tablets: {n:?}");
    assert!(n.tablet_hits >= 9_900, "{n:?}");
    assert_eq!(n.tablet_hits + n.tablet_misses, 10_000, "{n:?}");

    session
        .execute("DROP TABLE sim_tablets_rs.kv", ())
        .await
        .expect("drop");
    let start = Instant::now();
    while !session.cluster_metadata().tablets().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the dropped table's tablets are still known"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.shutdown().await;
}
