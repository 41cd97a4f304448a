//! Cluster awareness against the test server: metadata from the control connection, schema
//! change events, token-aware routing. With one node (scripts/test) the checks are those a
//! single node allows; `cluster_nodes` has the 3-node ones.

use std::time::{Duration, Instant};

use cql::metadata::ReplicationStrategy;
use cql::policies::{RoundRobinPolicy, TokenAwarePolicy, WhiteListPolicy};
use cql::token::Token;

use crate::common::{VERSIONS, builder, hosts, keyspace, session};

/// How long the metadata may take to follow a change: the deadline of polls that fail only
/// when it never does (a cold server on a busy machine is slow to send events and answer the
/// re-reads).
const METADATA_DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn metadata_lists_the_node_with_its_tokens_dc_rack_and_keyspaces() {
    for v in VERSIONS {
        let s = session(v).await;
        let m = s.refresh_metadata().await.expect("refresh");
        assert!(!m.hosts().is_empty(), "{v:?}: no hosts");
        assert_eq!(
            m.partitioner(),
            Some("org.apache.cassandra.dht.Murmur3Partitioner")
        );
        assert_eq!(m.cluster_name(), Some("driver-tests"));
        for h in m.hosts() {
            assert!(h.datacenter().is_some(), "{h:?}");
            assert!(h.rack().is_some(), "{h:?}");
            assert!(h.host_id().is_some(), "{h:?}");
            assert!(
                h.release_version().is_some_and(|r| r.starts_with('5')),
                "{h:?}"
            );
            assert!(!h.tokens().is_empty(), "{h:?}");
            assert!(h.is_up());
        }
        assert_eq!(m.local_dc(), m.hosts()[0].datacenter());
        let first = hosts()[0].parse::<std::net::IpAddr>().expect("ip");
        assert!(m.hosts().iter().any(|h| h.address().ip() == first));
        // Every token has an owner; system keyspaces have their strategies.
        assert!(m.token_owner(Token(0)).is_some());
        assert_eq!(
            m.keyspaces().get("system").map(|k| &k.strategy),
            Some(&ReplicationStrategy::Local)
        );
        assert!(matches!(
            m.keyspaces().get("system_auth").map(|k| &k.strategy),
            Some(ReplicationStrategy::Simple { .. } | ReplicationStrategy::NetworkTopology { .. })
        ));
        // Pools exist for every host.
        assert_eq!(s.pool_state().len(), m.hosts().len());
    }
}

#[tokio::test]
async fn a_new_keyspace_appears_through_a_schema_change_event() {
    let s = session(cql::ProtocolVersion::V5).await;
    s.refresh_metadata().await.expect("refresh");
    let ks = keyspace(&s, "meta_event").await;
    // No explicit refresh: the SCHEMA_CHANGE event triggers one.
    let deadline = Instant::now() + METADATA_DEADLINE;
    loop {
        let m = s.cluster_metadata();
        if let Some(k) = m.keyspaces().get(&ks) {
            assert_eq!(
                k.strategy,
                ReplicationStrategy::Simple {
                    replication_factor: 1
                }
            );
            assert!(!m.replicas(&ks, Token(42)).is_empty());
            break;
        }
        assert!(Instant::now() < deadline, "keyspace {ks} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
    let deadline = Instant::now() + METADATA_DEADLINE;
    while s.cluster_metadata().keyspaces().contains_key(&ks) {
        assert!(Instant::now() < deadline, "keyspace {ks} never went away");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn prepared_statements_go_to_a_replica_and_results_stay_right() {
    let s = builder(cql::ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .load_balancing_policy(TokenAwarePolicy::new(RoundRobinPolicy::new()))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let ks = keyspace(&s, "routing").await;
    s.execute(
        format!("CREATE TABLE {ks}.t (a int, b text, c int, v int, PRIMARY KEY ((a, b), c))")
            .as_str(),
        (),
    )
    .await
    .expect("table");
    s.refresh_metadata().await.expect("refresh");
    let insert = s
        .prepare(format!(
            "INSERT INTO {ks}.t (c, b, a, v) VALUES (?, ?, ?, ?)"
        ))
        .await
        .expect("prepare");
    assert_eq!(insert.partition_key_indexes(), &[2, 1]);
    let m = s.cluster_metadata();
    for i in 0..50i32 {
        let r = s
            .execute(&insert, (i, format!("k{i}"), i * 7, i))
            .await
            .expect("insert");
        // The token of the composite key (a, b).
        let mut key = Vec::new();
        for part in [&(i * 7).to_be_bytes()[..], format!("k{i}").as_bytes()] {
            key.extend_from_slice(&(part.len() as u16).to_be_bytes());
            key.extend_from_slice(part);
            key.push(0);
        }
        let replicas = m.replicas(&ks, Token::of_key(&key));
        assert!(
            replicas.iter().any(|h| h.address() == r.coordinator()),
            "coordinator {} is no replica of row {i}",
            r.coordinator()
        );
    }
    let select = s
        .prepare(format!("SELECT v FROM {ks}.t WHERE a = ? AND b = ?"))
        .await
        .expect("prepare");
    let (v,): (i32,) = s
        .execute(&select, (21, "k3"))
        .await
        .expect("select")
        .first_row_typed()
        .expect("row");
    assert_eq!(v, 3);
}

#[tokio::test]
async fn a_white_list_without_the_node_leaves_no_host() {
    let addr: std::net::SocketAddr = format!("{}:9042", hosts()[0]).parse().expect("addr");
    let other: std::net::SocketAddr = "127.0.0.254:9042".parse().expect("addr");
    let s = builder(cql::ProtocolVersion::V4)
        .credentials("cassandra", "cassandra")
        .load_balancing_policy(WhiteListPolicy::new(RoundRobinPolicy::new(), [other]))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    // The metadata is read through the contact point, whose pool then closes.
    let deadline = Instant::now() + METADATA_DEADLINE;
    while s.cluster_metadata().partitioner().is_none() {
        assert!(Instant::now() < deadline, "metadata never read");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = s
        .execute("SELECT release_version FROM system.local", ())
        .await
        .expect_err("no allowed host");
    assert!(matches!(err, cql::Error::NoHostAvailable(_)), "{err:?}");
    assert!(
        s.pool_state().iter().all(|(a, _, _)| *a != addr),
        "the ignored node's pool was closed: {:?}",
        s.pool_state()
    );
}
