//! On 3 nodes: `prepare` reaches every node at once (no node answers a first execution with
//! UNPREPARED), and `with_host` runs a statement on the chosen node.

use cql::{PreparedStatement, SimpleStatement};

use super::{builder, node_addr, session, three_nodes, wait_for_open_pools};
use crate::common::CONNECT_TIMEOUT;

/// A query text no node has seen (prepared statements are cached by text on each node).
fn fresh_query(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    format!("SELECT host_id FROM system.local WHERE key = ? /* {tag} {nanos} */")
}

/// Executes `p` once on each node (`with_host`); returns the host ids they answered.
async fn run_on_each_node(s: &cql::Session, p: &PreparedStatement) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    for n in 1..=3 {
        let bound = p.clone().with_host(node_addr(n));
        let r = s.execute(&bound, ("local",)).await.expect("execute");
        assert_eq!(r.coordinator(), node_addr(n));
        let (id,): (uuid::Uuid,) = r.first_row_typed().expect("row");
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn prepare_reaches_every_node_and_with_host_picks_one() {
    if !three_nodes() {
        return;
    }
    let s = session().await;
    wait_for_open_pools(&s, 3, CONNECT_TIMEOUT).await;

    // with_host: each node answers with its own id.
    let m = s.cluster_metadata();
    for n in 1..=3 {
        let q = SimpleStatement::new("SELECT host_id FROM system.local").with_host(node_addr(n));
        let (id,): (uuid::Uuid,) = s
            .execute(&q, ())
            .await
            .expect("targeted")
            .first_row_typed()
            .expect("row");
        let host = m.host(node_addr(n)).expect("node in the metadata");
        assert_eq!(Some(id), host.host_id(), "node {n}");
    }

    // prepare_on_all_hosts (the default): no UNPREPARED on any node's first execution.
    let before = s.metrics();
    let p = s.prepare(fresh_query("all")).await.expect("prepare");
    let after_prepare = s.metrics();
    assert_eq!(
        after_prepare.prepared_on_other_nodes - before.prepared_on_other_nodes,
        2,
        "the two other nodes got the PREPARE"
    );
    let ids = run_on_each_node(&s, &p).await;
    assert_eq!(
        s.metrics().reprepares,
        before.reprepares,
        "no node answered UNPREPARED"
    );
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "three different nodes answered: {ids:?}");

    // The control: with it off, the two other nodes each answer UNPREPARED once.
    let one = builder()
        .credentials("cassandra", "cassandra")
        .prepare_on_all_hosts(false)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    wait_for_open_pools(&one, 3, CONNECT_TIMEOUT).await;
    let p = one.prepare(fresh_query("one")).await.expect("prepare");
    run_on_each_node(&one, &p).await;
    assert_eq!(
        one.metrics().reprepares,
        2,
        "without it, two nodes did not know it"
    );
}
