//! Per-request control on the real server: a statement run on a chosen node, a retry policy
//! of the statement's own, execution profiles added and replaced on a live session, and the
//! prepared-statement cache.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use cql::policies::{RetryContext, RetryDecision, RetryPolicy, WriteType};
use cql::{Consistency, Error, ExecutionProfile, SimpleStatement};

use crate::common::{VERSIONS, builder, keyspace_with_rf, session};

/// Counts the UNAVAILABLE answers it is asked about; rethrows everything.
#[derive(Debug, Default)]
struct Counting(Arc<AtomicU32>);

impl RetryPolicy for Counting {
    fn on_read_timeout(&self, _: &RetryContext, _: i32, _: i32, _: bool) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_write_timeout(&self, _: &RetryContext, _: &WriteType, _: i32, _: i32) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_unavailable(&self, _: &RetryContext, _: i32, _: i32) -> RetryDecision {
        self.0.fetch_add(1, Ordering::SeqCst);
        RetryDecision::Rethrow
    }
    fn on_request_error(&self, _: &RetryContext, _: &Error) -> RetryDecision {
        RetryDecision::Rethrow
    }
}

#[tokio::test]
async fn with_host_runs_on_that_node_only() {
    for v in VERSIONS {
        let s = session(v).await;
        // The metadata is read in the background after connect: read it now.
        let m = s.refresh_metadata().await.expect("metadata");
        let node = &m.hosts()[0];
        let q = SimpleStatement::new("SELECT host_id FROM system.local").with_host(node.address());
        let (id,): (uuid::Uuid,) = s
            .execute(&q, ())
            .await
            .expect("targeted")
            .first_row_typed()
            .expect("row");
        assert_eq!(Some(id), node.host_id(), "{v:?}");
        let r = s.execute(&q, ()).await.expect("targeted");
        assert_eq!(r.coordinator(), node.address());

        // A node that is not in the cluster: a typed error, and the session goes on.
        let stranger: SocketAddr = "127.0.0.254:9042".parse().expect("addr");
        let err = s
            .execute(&q.clone().with_host(stranger), ())
            .await
            .expect_err("not a node");
        assert!(
            matches!(err, Error::NoSuchHost(a) if a == stranger),
            "{v:?}: {err:?}"
        );
        s.execute("SELECT release_version FROM system.local", ())
            .await
            .expect("the session works on");
    }
}

#[tokio::test]
async fn a_statement_retry_policy_wins_over_the_session_one() {
    for v in VERSIONS {
        let s = session(v).await;
        // RF 3 on one node: QUORUM is unavailable.
        let ks = keyspace_with_rf(&s, "retry_per_stmt", 3).await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let calls = Arc::new(AtomicU32::new(0));
        let q = SimpleStatement::new(format!("SELECT v FROM {ks}.t WHERE k = 1"))
            .with_consistency(Consistency::Quorum)
            .with_retry_policy(Counting(Arc::clone(&calls)));
        let err = s.execute(&q, ()).await.expect_err("unavailable");
        assert!(
            err.to_string().to_lowercase().contains("unavailable") || err.server_error().is_some(),
            "{err}"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "{v:?}: the statement's policy decided"
        );
        // The same statement without it: the session's policy (not ours) decides.
        let plain = SimpleStatement::new(format!("SELECT v FROM {ks}.t WHERE k = 1"))
            .with_consistency(Consistency::Quorum);
        s.execute(&plain, ()).await.expect_err("unavailable");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{v:?}");
    }
}

#[tokio::test]
async fn execution_profiles_are_added_and_replaced_on_a_live_session() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace_with_rf(&s, "live_profiles", 3).await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let q = SimpleStatement::new(format!("SELECT v FROM {ks}.t WHERE k = 1"))
            .with_execution_profile("late");
        let err = s.execute(&q, ()).await.expect_err("no such profile yet");
        assert!(matches!(err, Error::Config(_)), "{err:?}");

        // Added: ONE works on RF 3 with one node.
        s.add_execution_profile(
            "late",
            ExecutionProfile::new().consistency(Consistency::One),
        )
        .expect("add");
        s.execute(&q, ()).await.expect("with the added profile");
        let dup = s
            .add_execution_profile("late", ExecutionProfile::new())
            .expect_err("exists");
        assert!(dup.to_string().contains("late"), "{dup}");

        // Replaced: QUORUM, with a retry policy of the profile's.
        let calls = Arc::new(AtomicU32::new(0));
        s.set_execution_profile(
            "late",
            ExecutionProfile::new()
                .consistency(Consistency::Quorum)
                .retry_policy(Counting(Arc::clone(&calls))),
        );
        s.execute(&q, ()).await.expect_err("QUORUM is unavailable");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "{v:?}: the new profile applies"
        );
    }
}

#[tokio::test]
async fn the_prepared_cache_prepares_a_repeated_text_once_and_is_bounded() {
    let s = builder(cql::ProtocolVersion::V4)
        .credentials("cassandra", "cassandra")
        .prepared_cache_capacity(2)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let before = s.metrics().prepares;
    let text = "SELECT release_version FROM system.local WHERE key = ?";
    // 20 at once: one PREPARE.
    let all = futures_util::future::join_all((0..20).map(|_| s.prepare_cached(text))).await;
    for p in &all {
        assert_eq!(p.as_ref().expect("prepared").query(), text);
    }
    assert_eq!(s.metrics().prepares - before, 1, "one PREPARE for 20 calls");
    let (v,): (String,) = s
        .execute(all[0].as_ref().expect("p"), ("local",))
        .await
        .expect("execute")
        .first_row_typed()
        .expect("row");
    assert!(!v.is_empty());

    // Capacity 2: a third text evicts the least recently used.
    let a = "SELECT cluster_name FROM system.local";
    let b = "SELECT data_center FROM system.local";
    s.prepare_cached(a).await.expect("a");
    s.prepare_cached(b).await.expect("b");
    assert_eq!(s.prepared_cache_len(), 2);
    let n = s.metrics().prepares;
    s.prepare_cached(b).await.expect("b, cached");
    assert_eq!(s.metrics().prepares, n, "b was cached");
    s.prepare_cached(text)
        .await
        .expect("text, evicted by a and b");
    assert_eq!(s.metrics().prepares, n + 1);
    assert_eq!(s.prepared_cache_len(), 2);

    // A failed prepare is an error, is not cached, and the session goes on.
    let bad = "SELECT nope FROM system.local";
    let e1 = s.prepare_cached(bad).await.expect_err("no such column");
    assert!(e1.server_error().is_some(), "{e1:?}");
    s.prepare_cached(bad)
        .await
        .expect_err("tried again, still refused");
    s.prepare_cached(b).await.expect("the cache works on");

    // A bound of 0 is refused when the cluster is built.
    let err = builder(cql::ProtocolVersion::V4)
        .prepared_cache_capacity(0)
        .build()
        .expect_err("capacity 0");
    assert!(err.to_string().contains("prepared_cache_capacity"), "{err}");
}
