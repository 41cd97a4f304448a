//! On 3 nodes through `tools/scylla-sim` (one virtual ScyllaDB node of 8 shards in front of
//! each real node, on 127.0.0.53-55): the driver finds the three virtual nodes through the
//! rewritten `system.peers`, keeps a connection per shard on each, and sends every
//! token-aware request to its token's shard; conditional statements (the LWT mark) go to the
//! first replica of their token every time even with shuffled replicas, while the others are
//! spread.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cql::Session;
use cql::policies::{DcAwareRoundRobinPolicy, TokenAwarePolicy};
use cql::token::Token;
use scylla_sim::server::Sim;

use super::{hosts, three_nodes};
use crate::scylla_sim::{run_inserts, sim_builder, start_sim, table_rf};

/// The virtual node in front of real node `n` (1-based).
fn virtual_ip(n: usize) -> String {
    format!("127.0.0.{}", 52 + n)
}

async fn sim(port: u16, flags: &str) -> Sim {
    let backends: String = (1..=3)
        .map(|n| format!("--backend {}:9042={} ", hosts()[n - 1], virtual_ip(n)))
        .collect();
    start_sim(&backends, port, flags).await
}

async fn connect(port: u16, shuffle: bool) -> Session {
    let policy =
        TokenAwarePolicy::new(DcAwareRoundRobinPolicy::new(None, 0)).with_shuffle_replicas(shuffle);
    sim_builder(&virtual_ip(1), port)
        .load_balancing_policy(policy)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the simulator")
}

/// Waits until the session knows 3 sharded nodes, each with every shard connected.
async fn every_shard_of_every_node(session: &Session) {
    let start = Instant::now();
    loop {
        let stats = session.shard_aware_stats();
        if stats.len() == 3 && stats.values().all(|s| s.connected_shards == 8) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not every shard of 3 nodes connected: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `run_inserts` that must all succeed.
async fn all_inserted(session: &Session, insert: &cql::PreparedStatement, n: i64) {
    let errors = run_inserts(session, insert, n).await;
    assert!(errors.is_empty(), "{:?}", errors.first());
}

/// Routed requests per virtual node since the last reset.
fn routed(sim: &Sim) -> Vec<u64> {
    (1..=3)
        .map(|n| sim.shared.stats.node(&virtual_ip(n)).routed_requests)
        .collect()
}

#[tokio::test]
async fn three_sharded_nodes_every_request_on_its_shard() {
    if !three_nodes() {
        return;
    }
    let sim = sim(9350, "").await;
    let session = connect(9350, false).await;
    every_shard_of_every_node(&session).await;
    let stats = session.shard_aware_stats();
    let mut addrs: Vec<SocketAddr> = stats.keys().copied().collect();
    addrs.sort();
    let expected: Vec<SocketAddr> = (1..=3)
        .map(|n| format!("{}:9350", virtual_ip(n)).parse().expect("addr"))
        .collect();
    assert_eq!(
        addrs, expected,
        "the virtual nodes, found through system.peers"
    );
    for s in stats.values() {
        assert_eq!(s.per_shard, vec![1; 8], "{stats:?}");
    }

    table_rf(&session, "sim_three", 1).await;
    let insert = session
        .prepare("INSERT INTO sim_three.kv (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    sim.shared.stats.reset();
    all_inserted(&session, &insert, 10_000).await;
    let per_node = routed(&sim);
    assert_eq!(per_node.iter().sum::<u64>(), 10_000, "{per_node:?}");
    assert!(per_node.iter().all(|n| *n > 1_000), "{per_node:?}");
    for n in 1..=3 {
        let s = sim.shared.stats.node(&virtual_ip(n));
        assert_eq!(s.wrong_shard, 0, "node {n}: {s:?}");
    }
    session.shutdown().await;
}

#[tokio::test]
async fn conditional_statements_go_to_the_first_replica_others_are_spread() {
    if !three_nodes() {
        return;
    }
    let sim = sim(9351, "--lwt-mark").await;
    let session = connect(9351, true).await;
    every_shard_of_every_node(&session).await;
    table_rf(&session, "sim_three_rf3", 3).await;
    let cas = session
        .prepare("UPDATE sim_three_rf3.kv SET v = ? WHERE k = ? IF v = ?")
        .await
        .expect("prepare");
    assert!(cas.is_lwt());
    let insert = session
        .prepare("INSERT INTO sim_three_rf3.kv (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    assert!(!insert.is_lwt());
    let metadata = session.cluster_metadata();
    for key in 0..12_i64 {
        let token = Token::of_key(&key.to_be_bytes());
        let primary = metadata
            .replicas("sim_three_rf3", token)
            .first()
            .expect("replicas")
            .address();
        let primary_node = (1..=3)
            .find(|n| primary.ip().to_string() == virtual_ip(*n))
            .expect("a virtual node");

        sim.shared.stats.reset();
        for i in 0..12 {
            session
                .execute(&cas, (i, key, i - 1))
                .await
                .expect("conditional update");
        }
        let lwt = routed(&sim);
        let mut only_primary = vec![0; 3];
        only_primary[primary_node - 1] = 12;
        assert_eq!(lwt, only_primary, "key {key}: LWTs on its first replica");

        sim.shared.stats.reset();
        for i in 0..12 {
            session.execute(&insert, (key, i)).await.expect("insert");
        }
        let plain = routed(&sim);
        assert_eq!(plain.iter().sum::<u64>(), 12, "{plain:?}");
        assert!(
            plain.iter().filter(|n| **n > 0).count() >= 2,
            "key {key}: shuffled over the replicas: {plain:?}"
        );
    }
    session.shutdown().await;
}

/// Tablets on 3 nodes: a tablet's replica is a node the token ring does not give (the
/// simulator places tablet `t` on node `t % 3`), so requests reach it only through the
/// tablets the driver learned.
#[tokio::test]
async fn tablets_send_requests_to_their_replica_node() {
    if !three_nodes() {
        return;
    }
    let sim = sim(9352, "--tablets sim_three_tablets --tablets-per-table 12").await;
    let session = connect(9352, false).await;
    every_shard_of_every_node(&session).await;
    table_rf(&session, "sim_three_tablets", 1).await;
    let insert = session
        .prepare("INSERT INTO sim_three_tablets.kv (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    let run = |n: i64| all_inserted(&session, &insert, n);
    run(500).await;
    assert_eq!(session.cluster_metadata().tablets().len(), 12);
    sim.shared.stats.reset();
    run(3_000).await;
    let (mut hits, mut misses) = (0, 0);
    for n in 1..=3 {
        let s = sim.shared.stats.node(&virtual_ip(n));
        assert!(s.tablet_hits > 500, "node {n} serves its tablets: {s:?}");
        hits += s.tablet_hits;
        misses += s.tablet_misses;
    }
    assert_eq!((hits, misses), (3_000, 0));
    session.shutdown().await;
}

/// A node leaving the cluster (the simulator removes virtual node 3: REMOVED_NODE event, gone
/// from `system.peers`, its connections closed) takes its tablets with it; the tablets the
/// simulator moves to the other nodes are learned again and requests keep succeeding.
#[tokio::test]
async fn a_removed_node_takes_its_tablets_with_it() {
    if !three_nodes() {
        return;
    }
    let sim = sim(9353, "--tablets sim_three_removal --tablets-per-table 12").await;
    let session = connect(9353, false).await;
    every_shard_of_every_node(&session).await;
    table_rf(&session, "sim_three_removal", 1).await;
    let insert = session
        .prepare("INSERT INTO sim_three_removal.kv (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    let run = |n: i64| all_inserted(&session, &insert, n);
    run(500).await;
    let metadata = session.cluster_metadata();
    assert_eq!(metadata.tablets().len(), 12);
    let removed: SocketAddr = format!("{}:9353", virtual_ip(3)).parse().expect("addr");
    let removed_id = metadata
        .host(removed)
        .and_then(|h| h.host_id())
        .expect("node 3's host id");

    let ip = virtual_ip(3).parse().expect("ip");
    assert!(matches!(
        sim.shared.remove_node(ip),
        scylla_sim::topology::Removal::Removed { .. }
    ));
    let start = Instant::now();
    loop {
        let m = session.cluster_metadata();
        if m.host(removed).is_none() && m.tablets().len() == 8 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "node 3 and its 4 tablets still known: {} hosts, {} tablets",
            m.hosts().len(),
            m.tablets().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = session.cluster_metadata();
    assert!(m.host_by_id(removed_id).is_none());
    // The moved tablets are learned again; every request succeeds meanwhile.
    run(500).await;
    assert_eq!(session.cluster_metadata().tablets().len(), 12);
    sim.shared.stats.reset();
    run(1_000).await;
    let (mut hits, mut misses) = (0, 0);
    for n in 1..=2 {
        let s = sim.shared.stats.node(&virtual_ip(n));
        hits += s.tablet_hits;
        misses += s.tablet_misses;
    }
    assert_eq!((hits, misses), (1_000, 0));
    session.shutdown().await;
}
