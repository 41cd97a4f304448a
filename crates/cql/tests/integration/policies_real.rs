//! Retry policies, execution profiles, metrics and `execute_concurrent` against the real
//! Cassandra. A keyspace with replication factor 3 on a one-node cluster makes the node answer
//! UNAVAILABLE at QUORUM, which is what the retry policies decide on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cql::concurrent::OnError;
use cql::metadata::{ClusterMetadata, Host};
use cql::policies::{
    DowngradingConsistencyRetryPolicy, FallthroughRetryPolicy, HostDistance, LoadBalancingPolicy,
    RequestInfo, RoundRobinPolicy,
};
use cql::{Consistency, Error, ExecutionProfile, ServerErrorKind, SimpleStatement};

use crate::common::{VERSIONS, builder, heavy, heavy_session, hosts, keyspace, keyspace_with_rf};

async fn rf3_table(s: &cql::Session, tag: &str) -> String {
    let ks = keyspace_with_rf(s, tag, 3).await;
    s.execute(
        format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
        (),
    )
    .await
    .expect("table");
    ks
}

fn single_node() -> bool {
    hosts().len() == 1 && std::env::var("CQL_TEST_CLUSTER_NODES").is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_is_decided_by_the_retry_policy_and_profiles() {
    if !single_node() {
        return;
    }
    for v in VERSIONS {
        let s = builder(v)
            .credentials("cassandra", "cassandra")
            .default_consistency(Consistency::Quorum)
            .execution_profile(
                "downgrading",
                ExecutionProfile::new().retry_policy(DowngradingConsistencyRetryPolicy),
            )
            .execution_profile(
                "fallthrough",
                ExecutionProfile::new().retry_policy(FallthroughRetryPolicy),
            )
            .execution_profile("one", ExecutionProfile::new().consistency(Consistency::One))
            .build()
            .expect("config")
            .connect()
            .await
            .expect("connect");
        let ks = rf3_table(&s, "unavail").await;
        let insert = format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)");

        // Default policy: UNAVAILABLE → next node; there is none.
        let e = s
            .execute(insert.as_str(), (1, 1))
            .await
            .expect_err("quorum of 3 on 1 node");
        assert!(matches!(e, Error::NoHostAvailable(_)), "{e}");
        match e.server_error().map(|x| &x.kind) {
            Some(ServerErrorKind::Unavailable {
                required, alive, ..
            }) => assert_eq!((*required, *alive), (2, 1)),
            other => panic!("{other:?}"),
        }
        // Fallthrough: the server's error itself, nothing retried.
        let before = s.metrics();
        let stmt = SimpleStatement::new(insert.as_str()).with_execution_profile("fallthrough");
        let e = s.execute(&stmt, (1, 1)).await.expect_err("rethrown");
        assert!(matches!(e, Error::Server { .. }), "{e}");
        assert_eq!(s.metrics().retries, before.retries);
        // Downgrading: retried at ONE, which one live replica satisfies.
        let stmt = SimpleStatement::new(insert.as_str()).with_execution_profile("downgrading");
        s.execute(&stmt, (2, 20)).await.expect("downgraded to ONE");
        let m = s.metrics();
        assert_eq!(m.retries, before.retries + 1);
        assert_eq!(m.unavailables, 3);
        // A profile's consistency: ONE works at once.
        let stmt = SimpleStatement::new(insert.as_str()).with_execution_profile("one");
        s.execute(&stmt, (3, 30))
            .await
            .expect("profile consistency ONE");
        // The statement's own consistency wins over the profile's.
        let stmt = SimpleStatement::new(insert.as_str())
            .with_execution_profile("one")
            .with_consistency(Consistency::All);
        s.execute(&stmt, (4, 40))
            .await
            .expect_err("ALL wins over the profile");

        let read = SimpleStatement::new(format!("SELECT k, v FROM {ks}.t"))
            .with_consistency(Consistency::One);
        let mut rows: Vec<(i32, i32)> = s
            .execute(&read, ())
            .await
            .expect("read")
            .rows_typed::<(i32, i32)>()
            .expect("typed")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_unstable();
        assert_eq!(rows, vec![(2, 20), (3, 30)]);
    }
}

/// 2,000 requests with 50 and 64 in flight per version: a heavy test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_concurrent_keeps_input_order_and_stops_at_the_first_error_when_asked() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let s = heavy_session(v, 1).await;
        let ks = keyspace(&s, "concurrent").await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let insert = s
            .prepare(format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let done = s
            .execute_concurrent_with_args(&insert, (0..1000).map(|k| (k, k * 3)), 50, OnError::Stop)
            .await;
        assert_eq!(done.len(), 1000);
        assert!(done.iter().all(Result::is_ok));

        let select = s
            .prepare(format!("SELECT v FROM {ks}.t WHERE k = ?"))
            .await
            .expect("prepare");
        let reads = s
            .execute_concurrent_with_args(&select, (0..1000).map(|k| (k,)), 64, OnError::Continue)
            .await;
        for (k, r) in reads.iter().enumerate() {
            let (v,): (i32,) = r.as_ref().expect("read").first_row_typed().expect("row");
            assert_eq!(v, k as i32 * 3, "result {k} out of order");
        }

        // One bad statement at index 10 among 40.
        let good = format!("SELECT v FROM {ks}.t WHERE k = 1");
        let bad = format!("SELECT v FROM {ks}.no_such_table WHERE k = 1");
        let list: Vec<&str> = (0..40)
            .map(|i| if i == 10 { bad.as_str() } else { good.as_str() })
            .collect();
        let all = s
            .execute_concurrent(list.iter().map(|q| (*q, ())), 4, OnError::Continue)
            .await;
        assert_eq!(all.len(), 40);
        let failed: Vec<usize> = (0..40).filter(|i| all[*i].is_err()).collect();
        assert_eq!(failed, vec![10]);
        let stopped = s
            .execute_concurrent(list.iter().map(|q| (*q, ())), 4, OnError::Stop)
            .await;
        assert_eq!(stopped.len(), 11);
        assert!(stopped[..10].iter().all(Result::is_ok));
        let e = stopped[10].as_ref().expect_err("the bad one");
        assert!(
            matches!(
                e.server_error().map(|x| &x.kind),
                Some(ServerErrorKind::Invalid)
            ),
            "{e}"
        );

        let m = s.metrics();
        assert!(m.latency.count >= 2000 + 40 + 11, "{:?}", m.latency);
        assert!(m.latency.p50 <= m.latency.p95 && m.latency.p95 <= m.latency.p99);
        let on_node: u64 = m.hosts.iter().map(|h| h.requests).sum();
        assert!(on_node >= m.requests, "{m:?}");
    }
}

/// Rates every node `Remote` (as if the client sat in another data center).
#[derive(Debug, Default)]
struct AllRemote(RoundRobinPolicy);

impl LoadBalancingPolicy for AllRemote {
    fn distance(&self, _: &Host, _: &ClusterMetadata) -> HostDistance {
        HostDistance::Remote
    }
    fn query_plan(&self, r: &RequestInfo<'_>, c: &ClusterMetadata) -> Vec<Arc<Host>> {
        self.0.query_plan(r, c)
    }
}

/// The number of open connections once it is `want`, or after a deadline long enough for a
/// cold server to accept them.
async fn open_connections_settle(s: &cql::Session, want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open: usize = s.pool_state().iter().map(|p| p.1).sum();
        if open == want || Instant::now() > deadline {
            return open;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_are_sized_by_host_distance() {
    if !single_node() {
        return;
    }
    let local = builder(cql::ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .connections_per_host(3)
        .connections_per_remote_host(2)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    assert_eq!(open_connections_settle(&local, 3).await, 3);
    let remote = builder(cql::ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .connections_per_host(3)
        .connections_per_remote_host(2)
        .load_balancing_policy(AllRemote::default())
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    remote
        .refresh_metadata()
        .await
        .expect("metadata read: the node is rated remote now");
    assert_eq!(open_connections_settle(&remote, 2).await, 2);
    remote
        .execute("SELECT release_version FROM system.local", ())
        .await
        .expect("served by the remote pool");
    assert_eq!(
        builder(cql::ProtocolVersion::V5)
            .connections_per_remote_host(0)
            .build()
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err("invalid configuration: connections_per_remote_host must be at least 1".to_owned())
    );
}
