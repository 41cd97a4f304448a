//! Schema agreement on the real 3-node cluster: when a statement that changes the schema
//! returns, every node knows the change. The DDL goes to the nodes in turn (round robin), and
//! right after each `CREATE TABLE` the new table is read on every node, each pinned by an
//! execution profile whose white list holds that node only. A node that had not applied the
//! change yet answers "unconfigured table".
//!
//! The cluster is shared: a node may be paused for a moment by another test. Timeouts and
//! lost connections are retried for a while; only the server's answer that the table does not
//! exist counts as a failure. A paused node cannot agree: the driver then waits out
//! [`AGREEMENT_WAIT`] and returns (logging it), and nothing is promised about that table. A
//! `CREATE TABLE` that took that long is not checked, nor a node the driver had marked down
//! (agreement leaves those out); most must be checked.

use std::time::{Duration, Instant};

use cql::policies::{RoundRobinPolicy, WhiteListPolicy};
use cql::{Error, ExecutionProfile, ServerErrorKind, SimpleStatement};

use super::{ddl, node_addr, node_of, three_nodes, wait_schema_agreement};

const KEYSPACE: &str = "schema_agreement_real";
const TABLES: usize = 30;
/// The session's `max_schema_agreement_wait`.
const AGREEMENT_WAIT: Duration = Duration::from_secs(20);

fn profile(n: usize) -> String {
    format!("node{n}")
}

/// Round robin over the three nodes, and one profile per node that sends only there.
async fn pinned_session() -> cql::Session {
    let mut b = super::builder()
        .credentials("cassandra", "cassandra")
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .max_schema_agreement_wait(AGREEMENT_WAIT)
        .load_balancing_policy(RoundRobinPolicy::new());
    for n in 1..=3 {
        b = b.execution_profile(
            profile(n),
            ExecutionProfile::new().load_balancing_policy(WhiteListPolicy::new(
                RoundRobinPolicy::new(),
                [node_addr(n)],
            )),
        );
    }
    let s = b
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to the 3-node cluster");
    super::wait_for_open_pools(&s, 3, Duration::from_secs(20)).await;
    s
}

fn unknown_table(e: &Error) -> bool {
    e.server_error().is_some_and(|s| {
        matches!(s.kind, ServerErrorKind::Invalid)
            && (s.message.contains("unconfigured table") || s.message.contains("does not exist"))
    })
}

/// Runs `stmt` on the node its profile pins; retries what a paused node causes (timeouts,
/// closed connections, no node available while it is marked down) for up to 30 s.
async fn on_node(s: &cql::Session, n: usize, cql: &str) -> Result<(), Error> {
    let stmt = SimpleStatement::new(cql).with_execution_profile(&profile(n));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match s.execute(&stmt, ()).await {
            Ok(r) => {
                assert_eq!(node_of(r.coordinator()), Some(n), "{cql}: pinned node");
                return Ok(());
            }
            Err(e) if unknown_table(&e) || Instant::now() >= deadline => return Err(e),
            Err(e) => {
                eprintln!("node {n}: {cql}: {e}; trying again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_table_is_known_to_every_node_when_the_statement_returns() {
    if !three_nodes() {
        return;
    }
    let s = pinned_session().await;
    ddl(&s, &format!("DROP KEYSPACE IF EXISTS {KEYSPACE}")).await;
    ddl(
        &s,
        &format!(
            "CREATE KEYSPACE {KEYSPACE} WITH replication = \
             {{'class': 'SimpleStrategy', 'replication_factor': 3}}"
        ),
    )
    .await;
    wait_schema_agreement().await;

    let mut coordinators = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    let mut unchecked = Vec::new();
    for i in 0..TABLES {
        let create = format!("CREATE TABLE {KEYSPACE}.t{i} (k int PRIMARY KEY, v int)");
        let t0 = Instant::now();
        let r = s.execute(create.as_str(), ()).await.expect(&create);
        let coordinator = node_of(r.coordinator()).expect("a cluster node");
        *coordinators.entry(coordinator).or_insert(0) += 1;
        if t0.elapsed() >= AGREEMENT_WAIT {
            eprintln!("table {i}: no agreement within {AGREEMENT_WAIT:?} (a node paused?)");
            unchecked.push(format!("t{i}"));
            continue;
        }
        // Agreement leaves out the nodes that are down.
        let m = s.cluster_metadata();
        for n in 1..=3 {
            if m.host(node_addr(n)).is_some_and(|h| !h.is_up()) {
                eprintln!("table {i}: node {n} is down");
                unchecked.push(format!("t{i} on node {n}"));
                continue;
            }
            let select = format!("SELECT v FROM {KEYSPACE}.t{i} WHERE k = 0");
            if let Err(e) = on_node(&s, n, &select).await {
                failures.push(format!(
                    "table {i} (created through node {coordinator}), node {n}: {e}"
                ));
            }
        }
    }
    eprintln!(
        "{TABLES} tables, created through nodes {coordinators:?}; not checked {unchecked:?}; \
         {} failed reads{}",
        failures.len(),
        failures
            .iter()
            .map(|f| format!("\n  {f}"))
            .collect::<String>()
    );
    assert_eq!(coordinators.len(), 3, "the DDL went to every node in turn");
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(unchecked.len() <= TABLES / 2, "not checked: {unchecked:?}");
    ddl(&s, &format!("DROP KEYSPACE {KEYSPACE}")).await;
}
