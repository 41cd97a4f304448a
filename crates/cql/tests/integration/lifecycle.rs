//! The connection lifecycle against the real server, through a proxy that counts, delays, cuts
//! and freezes connections: nothing leaks after failed connects, shutdown is final and
//! graceful, a call ends within its timeout, oversized requests are refused before sending.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cql::{Cluster, ClusterBuilder, Error, SimpleStatement};

use crate::common::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, hosts, keyspace, session};
use crate::proxy::Proxy;

fn node() -> SocketAddr {
    format!("{}:9042", hosts()[0])
        .parse()
        .expect("node address")
}

/// Through `proxy`, with the suite's generous timeouts (tests of timeouts set their own).
fn through(proxy: &Proxy) -> ClusterBuilder {
    Cluster::builder()
        .contact_points([proxy.addr.to_string()])
        .credentials("cassandra", "cassandra")
        .request_timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_use_of_the_keyspace_leaves_no_connection_open() {
    let proxy = Proxy::start(node()).await;
    for _ in 0..20 {
        let e = through(&proxy)
            .keyspace("no_such_keyspace")
            .build()
            .expect("config")
            .connect()
            .await
            .expect_err("the keyspace does not exist");
        assert!(e.server_error().is_some(), "the server's error: {e}");
    }
    assert!(proxy.accepted() >= 20);
    let left = proxy.wait_live_at_most(0, Duration::from_secs(10)).await;
    assert_eq!(left, 0, "connections left open after 20 failed connects");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_keyspace_does_not_stop_reconnection() {
    let admin = session(cql::ProtocolVersion::V5).await;
    let ks = keyspace(&admin, "gone").await;
    let proxy = Proxy::start(node()).await;
    let s = through(&proxy)
        .keyspace(&ks)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    admin
        .execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
    proxy.cut_all();
    // The pool reconnects without the keyspace: statements naming theirs work again.
    let until = Instant::now() + Duration::from_secs(30);
    let r = loop {
        match s
            .execute("SELECT release_version FROM system.local", ())
            .await
        {
            Ok(r) => break r,
            Err(e) if Instant::now() < until => {
                eprintln!("not yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("never reconnected: {e}"),
        }
    };
    assert_eq!(r.rows().expect("rows").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_connection_joins_after_shutdown_and_calls_fail_with_shutdown() {
    let proxy = Proxy::start(node()).await;
    let s = through(&proxy)
        .connections_per_host(2)
        // Reconnect at once after the cut, so that the attempts are in their handshakes.
        .reconnection_backoff(Duration::from_millis(10), Duration::from_millis(10))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    // The pool's reconnections are now in their handshakes for a while.
    proxy.delay_new_connections(Duration::from_millis(1500));
    proxy.cut_all();
    let until = Instant::now() + Duration::from_secs(5);
    while proxy.accepted() < 4 {
        assert!(Instant::now() < until, "the pool did not reconnect");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.shutdown().await;
    // Long enough for the handshakes in progress to have finished.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let open: usize = s.pool_state().iter().map(|p| p.1).sum();
    assert_eq!(open, 0, "{:?}", s.pool_state());
    assert_eq!(
        proxy.wait_live_at_most(0, Duration::from_secs(5)).await,
        0,
        "sockets left"
    );
    let e = s
        .execute("SELECT release_version FROM system.local", ())
        .await
        .expect_err("shut down");
    assert!(matches!(e, Error::Shutdown), "{e}");
    assert_eq!(e.to_string(), "session is shut down");
    let e = s
        .prepare("SELECT * FROM system.local")
        .await
        .expect_err("shut");
    assert!(matches!(e, Error::Shutdown), "{e}");
    assert!(s.is_shut_down());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_calls_in_flight_finish() {
    let proxy = Proxy::start(node()).await;
    let s = through(&proxy)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("c");
    // The answer is held back until after shutdown was called.
    proxy.freeze(true);
    let sent_before = proxy.bytes_from_clients();
    let call = s.execute("SELECT release_version FROM system.local", ());
    let (result, ()) = tokio::join!(call, async {
        // The request is on the wire (the proxy holds it) before shutdown starts.
        while proxy.bytes_from_clients() == sent_before {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let shutting = s.shutdown();
        tokio::pin!(shutting);
        // Shutdown waits for the call…
        assert!(
            tokio::time::timeout(Duration::from_millis(300), &mut shutting)
                .await
                .is_err(),
            "shutdown did not wait for the call in flight"
        );
        proxy.freeze(false);
        shutting.await;
    });
    // …which got its answer.
    assert_eq!(
        result
            .expect("the call in flight finishes")
            .rows()
            .expect("rows")
            .len(),
        1
    );
    assert_eq!(proxy.wait_live_at_most(0, Duration::from_secs(5)).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_timeout_bounds_the_whole_call_with_its_retries() {
    let proxy = Proxy::start(node()).await;
    let s = through(&proxy)
        // Detection of the hung node is tested elsewhere; here only the timeout acts.
        .unresponsive_timeout(None)
        .retry_policy(AlwaysSameHost)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    proxy.freeze(true);
    let timeout = Duration::from_millis(1500);
    let st = SimpleStatement::new("SELECT release_version FROM system.local")
        .with_timeout(timeout)
        .with_idempotent(true);
    let started = Instant::now();
    let e = s.execute(&st, ()).await.expect_err("frozen");
    let took = started.elapsed();
    proxy.freeze(false);
    assert!(e.is_timeout(), "{e}");
    // Per attempt, the three retries would have taken four timeouts.
    assert!(took < timeout * 2, "{took:?}");
    assert!(s.metrics().retries >= 1, "the policy was asked to retry");
}

/// Retries every failed request on the same node, three times.
#[derive(Debug)]
struct AlwaysSameHost;

impl cql::policies::RetryPolicy for AlwaysSameHost {
    fn on_read_timeout(
        &self,
        _: &cql::policies::RetryContext,
        _: i32,
        _: i32,
        _: bool,
    ) -> cql::policies::RetryDecision {
        cql::policies::RetryDecision::Rethrow
    }
    fn on_write_timeout(
        &self,
        _: &cql::policies::RetryContext,
        _: &cql::policies::WriteType,
        _: i32,
        _: i32,
    ) -> cql::policies::RetryDecision {
        cql::policies::RetryDecision::Rethrow
    }
    fn on_unavailable(
        &self,
        _: &cql::policies::RetryContext,
        _: i32,
        _: i32,
    ) -> cql::policies::RetryDecision {
        cql::policies::RetryDecision::Rethrow
    }
    fn on_request_error(
        &self,
        ctx: &cql::policies::RetryContext,
        _: &Error,
    ) -> cql::policies::RetryDecision {
        if ctx.retry_num < 3 {
            cql::policies::RetryDecision::RetrySameHost {
                consistency: None,
                delay: Duration::ZERO,
            }
        } else {
            cql::policies::RetryDecision::Rethrow
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_size_limit_is_refused_before_sending() {
    let s = session(cql::ProtocolVersion::V5).await;
    let ks = keyspace(&s, "big").await;
    s.execute(
        format!("CREATE TABLE {ks}.b (k int PRIMARY KEY, v blob)").as_str(),
        (),
    )
    .await
    .expect("table");
    let ins = s
        .prepare(format!("INSERT INTO {ks}.b (k, v) VALUES (?, ?)"))
        .await
        .expect("prepare");
    let big = vec![7u8; 17 * 1024 * 1024];
    let started = Instant::now();
    let e = s
        .execute(&ins, (1_i32, big.as_slice()))
        .await
        .expect_err("over 16 MiB");
    assert!(
        matches!(e, Error::RequestTooLarge { size, limit, .. } if size > limit && limit == 16 << 20),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // Unprepared: its values are only known once encoded; refused all the same.
    let e = s
        .execute(
            format!("INSERT INTO {ks}.b (k, v) VALUES (?, ?)").as_str(),
            (2_i32, big.as_slice()),
        )
        .await
        .expect_err("over 16 MiB");
    assert!(matches!(e, Error::RequestTooLarge { .. }), "{e}");
    // Nothing was written, and the connection still works.
    let r = s
        .execute(format!("SELECT k FROM {ks}.b").as_str(), ())
        .await
        .expect("select");
    assert_eq!(r.rows().expect("rows").len(), 0);
    s.execute(&ins, (3_i32, &[1u8, 2, 3][..]))
        .await
        .expect("a small one goes through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_paging_state_means_the_first_page() {
    let s = session(cql::ProtocolVersion::V5).await;
    let st =
        SimpleStatement::new("SELECT keyspace_name FROM system_schema.keyspaces").with_page_size(2);
    let first = s.execute_page(&st, (), None).await.expect("first page");
    let empty = s
        .execute_page(&st, (), Some(Bytes::new()))
        .await
        .expect("an empty state is the first page");
    assert_eq!(first.rows().expect("rows").len(), 2);
    assert_eq!(
        format!("{:?}", first.rows().expect("rows")),
        format!("{:?}", empty.rows().expect("rows"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_queued_while_their_connection_is_cut_all_end() {
    let proxy = Proxy::start(node()).await;
    let s = through(&proxy)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("c");
    let mut calls = Vec::new();
    for i in 0..400 {
        let s = s.clone();
        calls.push(tokio::spawn(async move {
            let st = SimpleStatement::new("SELECT release_version FROM system.local")
                .with_timeout(Duration::from_secs(5));
            for _ in 0..(i % 5) {
                tokio::task::yield_now().await;
            }
            s.execute(&st, ()).await.map(|_| ())
        }));
        if i == 200 {
            proxy.cut_all();
        }
    }
    let all = tokio::time::timeout(Duration::from_secs(20), async {
        let mut failed = 0;
        for c in calls {
            if c.await.expect("task").is_err() {
                failed += 1;
            }
        }
        failed
    })
    .await
    .expect("every call ended by its deadline");
    eprintln!("{all} of 400 calls failed with the cut");
}
