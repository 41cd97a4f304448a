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

/// Runs DDL, retrying while the node that coordinates it has not yet seen earlier schema
/// changes (the driver has no schema-agreement wait yet).
async fn ddl(s: &cql::Session, q: &str) {
    for attempt in 0.. {
        match s.execute(q, ()).await {
            Ok(_) => return,
            Err(e) if attempt < 50 && e.to_string().contains("exist") => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{q}: {e}"),
        }
    }
}

async fn create_keyspace(s: &cql::Session, name: &str, rf: u32) {
    ddl(s, &format!("DROP KEYSPACE IF EXISTS {name}")).await;
    ddl(
        s,
        &format!("CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"),
    )
    .await;
    ddl(
        s,
        &format!("CREATE TABLE {name}.t (k int PRIMARY KEY, v int)"),
    )
    .await;
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

/// Kills node 3 under a steady write load at QUORUM (RF 3). Destructive for the cluster, so it
/// runs only when `CQL_TEST_FAILOVER=1` as well (scripts/test runs it last, on its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_when_a_node_is_killed_under_load() {
    if !three_nodes() || std::env::var("CQL_TEST_FAILOVER").as_deref() != Ok("1") {
        eprintln!("skipped: also needs CQL_TEST_FAILOVER=1 (it kills node 3)");
        return;
    }
    let s = session().await;
    create_keyspace(&s, "cluster_failover", 3).await;
    // No schema-agreement wait in the driver yet: retry until every node knows the table.
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
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let next = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..16 {
        let (s, insert, acked, errors, next, stop) = (
            s.clone(),
            insert.clone(),
            acked.clone(),
            errors.clone(),
            next.clone(),
            stop.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match s.execute(&insert, (k, k)).await {
                    Ok(_) => acked.lock().expect("lock").push((k, Instant::now())),
                    Err(e) => errors.lock().expect("lock").push(e.to_string()),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.run/cassandra/node3/pid"
    ))
    .expect("node 3 pid file (scripts/cassandra start --nodes 3)");
    let killed_at = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .expect("kill");
    assert!(status.success());
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.expect("worker");
    }
    let acked = acked.lock().expect("lock").clone();
    let errors = errors.lock().expect("lock").clone();
    let after: Vec<_> = acked.iter().filter(|(_, t)| *t > killed_at).collect();
    let first_after = after.first().map(|(_, t)| t.duration_since(killed_at));
    let m = s.metrics();
    eprintln!(
        "failover: {} writes acknowledged ({} after the kill, first {:?} after it), {} errors surfaced, {} retries on the next host, node 3 up: {:?}; errors: {:?}",
        acked.len(),
        after.len(),
        first_after,
        errors.len(),
        m.retries_on_next_host,
        s.cluster_metadata()
            .host("127.0.0.3:9042".parse().expect("addr"))
            .map(|h| h.is_up()),
        errors.iter().take(3).collect::<Vec<_>>()
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
    for (k, _) in &acked {
        let rs = s.execute(&select, (*k,)).await.expect("read back");
        let (v,): (i32,) = rs
            .first_row_typed()
            .unwrap_or_else(|e| panic!("acknowledged write {k} missing: {e}"));
        assert_eq!(v, *k);
    }
}
