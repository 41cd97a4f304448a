//! `scylla-proxy` in front of each of the three nodes (peers reached through it by address
//! translation): a dropped response for an idempotent request is retried on the next node
//! within the timeout; for a non-idempotent one the caller gets a typed timeout and the
//! request is never resent (the proxies count the frames). Protocol v4 (the proxy's).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cql::metadata::{ClusterMetadata, Host};
use cql::policies::{
    AddressTranslator, ConstantSpeculativeExecutionPolicy, HostDistance, LoadBalancingPolicy,
    RequestInfo,
};
use cql::{Cluster, Error, ProtocolVersion};
use scylla_proxy::{Condition, Reaction, RequestOpcode, RequestReaction, RequestRule};
use tokio::sync::mpsc;

use super::{create_keyspace, node_addr, three_nodes, wait_schema_agreement};
use crate::scylla_proxy::{drain, start, stop};

#[derive(Debug)]
struct Translate(HashMap<SocketAddr, SocketAddr>);

impl AddressTranslator for Translate {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        self.0.get(&addr).copied().unwrap_or(addr)
    }
}

/// Every node in a fixed order (the first proxy's node first), so that the test knows
/// which node a request tries first.
#[derive(Debug)]
struct Ordered(Vec<SocketAddr>);

impl LoadBalancingPolicy for Ordered {
    fn distance(&self, _: &Host, _: &ClusterMetadata) -> HostDistance {
        HostDistance::Local
    }

    fn query_plan(&self, _: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        self.0
            .iter()
            .filter_map(|a| cluster.host(*a).cloned())
            .filter(|h| h.is_up())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_response_is_retried_on_the_next_node_only_when_idempotent() {
    if !three_nodes() {
        return;
    }
    // Two marked keys: one written idempotently, one not. EXECUTE bodies carry the bound
    // values, so the proxies recognise the requests by the key's bytes.
    let (k_idem, k_once): (i64, i64) = (0x5CA1_AB1E_0000_0001, 0x5CA1_AB1E_0000_0002);
    let marked = |k: i64| {
        Condition::RequestOpcode(RequestOpcode::Execute).and(Condition::BodyContainsCaseSensitive(
            Box::new(k.to_be_bytes()),
        ))
    };
    let mut seen = Vec::new();
    let mut nodes = Vec::new();
    for n in 1..=3 {
        let (tx, rx) = mpsc::unbounded_channel();
        seen.push(rx);
        // Node 1 drops the marked requests (the same, for the caller, as a lost response);
        // the others pass them on. All count them.
        let reaction = if n == 1 {
            RequestReaction::drop_frame()
        } else {
            RequestReaction::noop()
        };
        let cond = marked(k_idem).or(marked(k_once));
        nodes.push((
            node_addr(n),
            vec![RequestRule(cond, reaction.with_feedback_when_performed(tx))],
        ));
    }
    let (running, proxies) = start(nodes).await;
    let map: HashMap<SocketAddr, SocketAddr> =
        (1..=3).map(|n| (node_addr(n), proxies[n - 1])).collect();
    let timeout = Duration::from_secs(6);
    let s = Cluster::builder()
        .contact_points([proxies[0].to_string()])
        .credentials("cassandra", "cassandra")
        .protocol_version(ProtocolVersion::V4)
        .address_translator(Translate(map))
        .load_balancing_policy(Ordered(proxies.clone()))
        .speculative_execution_policy(ConstantSpeculativeExecutionPolicy::new(
            Duration::from_millis(500),
            1,
        ))
        .request_timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the proxies");
    s.refresh_metadata().await.expect("metadata");
    let t0 = Instant::now();
    while s
        .pool_state()
        .iter()
        .filter(|(_, open, _)| *open > 0)
        .count()
        < 3
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "pools: {:?}",
            s.pool_state()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    create_keyspace(&s, "it_scylla_proxy", 3).await;
    wait_schema_agreement().await;
    super::ddl(
        &s,
        "CREATE TABLE IF NOT EXISTS it_scylla_proxy.w (k bigint PRIMARY KEY, v bigint)",
    )
    .await;
    wait_schema_agreement().await;
    let insert = s
        .prepare("INSERT INTO it_scylla_proxy.w (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");

    // Idempotent: node 1 never answers; the speculative execution on node 2 does, well
    // within the request timeout.
    let t0 = Instant::now();
    let r = s
        .execute(&insert.clone().with_idempotent(true), (k_idem, 1_i64))
        .await
        .expect("retried on the next node");
    let took = t0.elapsed();
    assert_eq!(r.coordinator(), proxies[1], "answered by node 2");
    assert!(took < timeout, "{took:?}");

    // Not idempotent: node 1 never answers, and nothing else is tried.
    let t0 = Instant::now();
    let err = s
        .execute(&insert.clone().with_idempotent(false), (k_once, 1_i64))
        .await
        .expect_err("a lost response");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        t0.elapsed() < timeout + Duration::from_secs(10),
        "{:?}",
        t0.elapsed()
    );
    // Give a resend time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts: Vec<usize> = seen.iter_mut().map(drain).collect();
    eprintln!(
        "scylla-proxy: idempotent write answered in {took:?}; marked frames per node {counts:?}"
    );
    // Node 1 saw both (one each), node 2 only the idempotent one's speculative execution,
    // node 3 nothing.
    assert_eq!(counts, vec![2, 1, 0]);
    s.shutdown().await;
    stop(running).await;
}
