//! Tests on a real 3-node cluster (`scripts/cassandra start --nodes 3`). They run only with
//! `CQL_TEST_CLUSTER_NODES=3` (otherwise they say so and pass).

use std::time::{Duration, Instant};

use cql::Cluster;
use cql::token::Token;

fn three_nodes() -> bool {
    let on = std::env::var("CQL_TEST_CLUSTER_NODES").as_deref() == Ok("3");
    if !on {
        eprintln!("skipped: needs a 3-node cluster and CQL_TEST_CLUSTER_NODES=3");
    }
    on
}

async fn session() -> cql::Session {
    let s = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
        .request_timeout(Duration::from_secs(5))
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to the 3-node cluster");
    s.refresh_metadata().await.expect("metadata");
    s
}

async fn create_keyspace(s: &cql::Session, name: &str, rf: u32) {
    s.execute(format!("DROP KEYSPACE IF EXISTS {name}").as_str(), ())
        .await
        .expect("drop");
    s.execute(
        format!("CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}").as_str(),
        (),
    )
    .await
    .expect("create keyspace");
    s.execute(
        format!("CREATE TABLE {name}.t (k int PRIMARY KEY, v int)").as_str(),
        (),
    )
    .await
    .expect("table");
}

#[tokio::test]
async fn metadata_lists_three_hosts_with_tokens_dc_and_rack() {
    if !three_nodes() {
        return;
    }
    let s = session().await;
    let m = s.cluster_metadata();
    let addrs: Vec<String> = m.hosts().iter().map(|h| h.address().to_string()).collect();
    assert_eq!(
        addrs,
        ["127.0.0.1:9042", "127.0.0.2:9042", "127.0.0.3:9042"],
        "{m:?}"
    );
    for h in m.hosts() {
        assert_eq!(h.datacenter(), Some("datacenter1"), "{h:?}");
        assert_eq!(h.rack(), Some("rack1"), "{h:?}");
        assert_eq!(h.tokens().len(), 1, "{h:?}");
        assert!(h.host_id().is_some() && h.is_up(), "{h:?}");
    }
    // scripts/cassandra gives node i the token -2^63 + (i-1) * 2^64/3.
    let third = (u64::MAX / 3) as i64;
    assert_eq!(m.hosts()[0].tokens()[0], Token(i64::MIN));
    assert_eq!(m.hosts()[1].tokens()[0].0, i64::MIN.wrapping_add(third));
    // Every node gets a pool with an open connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    while s
        .pool_state()
        .iter()
        .filter(|(_, open, _)| *open > 0)
        .count()
        < 3
    {
        assert!(Instant::now() < deadline, "{:?}", s.pool_state());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn token_aware_routing_sends_every_insert_to_the_owner() {
    if !three_nodes() {
        return;
    }
    let s = session().await;
    create_keyspace(&s, "cluster_routing", 1).await;
    let m = s.refresh_metadata().await.expect("metadata");
    let insert = s
        .prepare("INSERT INTO cluster_routing.t (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    let mut per_node = std::collections::BTreeMap::new();
    let mut misrouted = 0;
    for k in 0..1000i32 {
        let r = s.execute(&insert, (k, k)).await.expect("insert");
        let owner = m
            .token_owner(Token::of_key(&k.to_be_bytes()))
            .expect("owner")
            .address();
        if r.coordinator() != owner {
            misrouted += 1;
        }
        *per_node.entry(r.coordinator()).or_insert(0) += 1;
    }
    eprintln!("coordinators of 1000 inserts: {per_node:?}, misrouted: {misrouted}");
    assert_eq!(misrouted, 0);
    assert_eq!(per_node.len(), 3, "all nodes own some keys: {per_node:?}");
}
