//! Fault injection with `scylla-proxy` between the driver and the real node: a connection
//! dropped mid-request, errors forged for a chosen opcode and consistency level, a proxy
//! that drops every frame. The proxy reads protocol v4 frames only, so these sessions pin v4.
//! The multi-node cases (a dropped response retried on the next node, a non-idempotent one
//! never resent) are in `cluster_nodes::scylla_proxy`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cql::{Cluster, Error, ProtocolVersion, ServerErrorKind};
use scylla_proxy::{
    Condition, Node, Proxy, Reaction, RequestFrame, RequestOpcode, RequestReaction, RequestRule,
    RunningProxy, ShardAwareness, TargetShard,
};
use tokio::sync::mpsc;

use crate::common::hosts;

/// A free port on 127.0.0.1 for a proxy to listen on.
pub(crate) fn free_local_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// One proxy node in front of `real`, listening on a free local port, with `rules`.
pub(crate) async fn start(
    nodes: Vec<(SocketAddr, Vec<RequestRule>)>,
) -> (RunningProxy, Vec<SocketAddr>) {
    let mut addrs = Vec::new();
    let mut builder = Proxy::builder();
    for (real, rules) in nodes {
        let proxy_addr = free_local_addr();
        addrs.push(proxy_addr);
        builder = builder.with_node(
            Node::builder()
                .real_address(real)
                .proxy_address(proxy_addr)
                .shard_awareness(ShardAwareness::Unaware)
                .request_rules(rules)
                .build(),
        );
    }
    let running = builder.build().run().await.expect("the proxy starts");
    (running, addrs)
}

fn real_node() -> SocketAddr {
    format!("{}:9042", hosts()[0])
        .parse()
        .expect("CQL_TEST_HOSTS: an IP address")
}

fn session_through(proxy: SocketAddr) -> cql::ClusterBuilder {
    Cluster::builder()
        .contact_points([proxy.to_string()])
        .credentials("cassandra", "cassandra")
        .protocol_version(ProtocolVersion::V4)
        .connect_timeout(Duration::from_secs(10))
        .request_timeout(Duration::from_secs(20))
        .reconnection_backoff(Duration::from_millis(100), Duration::from_millis(500))
}

/// Stops the proxy: its workers end and its sockets close. `RunningProxy::finish` of 0.0.8
/// can panic on an internal assertion ("Worker await logic bug") after the workers did end,
/// so it runs in a task of its own whose panic is only reported.
pub(crate) async fn stop(running: RunningProxy) {
    match tokio::spawn(running.finish()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("scylla-proxy reported: {e}"),
        Err(e) => eprintln!("scylla-proxy's finish panicked after stopping: {e}"),
    }
}

/// Frames seen by a rule's feedback channel so far.
pub(crate) fn drain(
    rx: &mut mpsc::UnboundedReceiver<(RequestFrame, Option<TargetShard>)>,
) -> usize {
    let mut n = 0;
    while rx.try_recv().is_ok() {
        n += 1;
    }
    n
}

/// The proxy drops the connection when it sees the request: the caller gets a typed
/// "connection closed" error (the request was in flight), it is not sent again (not
/// idempotent), and the pool opens a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_request_is_a_typed_error_and_the_pool_refills() {
    let marker = b"proxy_drops_this_connection";
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rule = RequestRule(
        Condition::RequestOpcode(RequestOpcode::Query)
            .and(Condition::BodyContainsCaseSensitive(Box::new(*marker))),
        RequestReaction::drop_connection().with_feedback_when_performed(tx),
    );
    let (running, addrs) = start(vec![(real_node(), vec![rule])]).await;
    let s = session_through(addrs[0])
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the proxy");
    let attempts_before = s.metrics().connection_attempts;
    let q = "SELECT key FROM system.local WHERE key = 'proxy_drops_this_connection'";
    let err = s
        .execute(q, ())
        .await
        .expect_err("the proxy cut the connection");
    assert!(
        matches!(
            &err,
            Error::ConnectionClosed {
                in_flight: true,
                ..
            } | Error::NoHostAvailable(_)
        ),
        "{err:?}"
    );
    if let Error::NoHostAvailable(all) = &err {
        assert!(
            all.iter()
                .all(|(_, e)| matches!(e, Error::ConnectionClosed { .. })),
            "{err:?}"
        );
    }
    // Never resent: the proxy saw it once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(drain(&mut rx), 1);
    // The pool opens a new connection and serves again.
    let t0 = Instant::now();
    while !s.pool_state().iter().any(|(_, open, _)| *open > 0) {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the pool did not refill"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(s.metrics().connection_attempts > attempts_before);
    s.execute("SELECT key FROM system.local", ())
        .await
        .expect("served again after the refill");
    s.shutdown().await;
    stop(running).await;
}

/// Errors forged by the proxy for one opcode (PREPARE of a marked statement) and for one
/// consistency level (QUERY at QUORUM) reach the caller as typed server errors; the same
/// statement at ONE and other PREPAREs pass untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_forged_for_an_opcode_and_a_consistency_are_typed() {
    let features = scylla_cql::frame::protocol_features::ProtocolFeatures::default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rules = vec![
        RequestRule(
            Condition::RequestOpcode(RequestOpcode::Query).and(Condition::RequestConsistency(
                scylla_cql::Consistency::Quorum,
                features,
            )),
            RequestReaction::forge()
                .unavailable()
                .with_feedback_when_performed(tx),
        ),
        RequestRule(
            Condition::RequestOpcode(RequestOpcode::Prepare).and(
                Condition::BodyContainsCaseSensitive(Box::new(*b"forged_prepare")),
            ),
            RequestReaction::forge().overloaded(),
        ),
    ];
    let (running, addrs) = start(vec![(real_node(), rules)]).await;
    let s = session_through(addrs[0])
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the proxy");
    let q = cql::SimpleStatement::new("SELECT key FROM system.local");
    let err = s
        .execute(&q.clone().with_consistency(cql::Consistency::Quorum), ())
        .await
        .expect_err("forged Unavailable");
    assert!(
        matches!(
            err.server_error().map(|e| &e.kind),
            Some(ServerErrorKind::Unavailable { .. })
        ),
        "{err:?}"
    );
    assert!(drain(&mut rx) >= 1);
    s.execute(&q.with_consistency(cql::Consistency::One), ())
        .await
        .expect("ONE is not forged");
    let err = s
        .prepare("SELECT key FROM system.local WHERE key = 'forged_prepare'")
        .await
        .expect_err("forged Overloaded");
    assert!(
        matches!(
            err.server_error().map(|e| &e.kind),
            Some(ServerErrorKind::Overloaded)
        ),
        "{err:?}"
    );
    s.prepare("SELECT key FROM system.local WHERE key = ?")
        .await
        .expect("other statements prepare");
    s.shutdown().await;
    stop(running).await;
}

/// Driver-side TCP connections to `port` that are not closed yet (from /proc/net/tcp).
fn sockets_to(port: u16) -> usize {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return 0;
    };
    table
        .lines()
        .skip(1)
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // The remote address is field 2 (ip:port in hex), the state field 3: a socket
            // the driver still holds is ESTABLISHED (01), SYN_SENT (02) or, once the proxy
            // closed its end, CLOSE_WAIT (08); the others are the kernel's after close.
            f.len() > 3
                && f[2].rsplit(':').next() == Some(&format!("{port:04X}"))
                && matches!(f[3], "01" | "02" | "08")
        })
        .count()
}

/// A proxy that drops every frame: connecting fails with a typed error within the connect
/// timeout; a session that was working when the proxy started dropping gets typed errors
/// within the request timeout; afterwards no connection to the proxy and no task is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_drops_every_frame_gives_typed_errors_and_leaks_nothing() {
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let tasks_before = tasks();
    let (mut running, addrs) = start(vec![(real_node(), vec![])]).await;
    let port = addrs[0].port();
    let drop_all = || {
        Some(vec![RequestRule(
            Condition::True,
            RequestReaction::drop_frame(),
        )])
    };
    // A session that works, then the proxy drops everything.
    let s = session_through(addrs[0])
        .request_timeout(Duration::from_secs(3))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through the proxy");
    running.running_nodes[0].change_request_rules(drop_all());
    for _ in 0..3 {
        let t0 = Instant::now();
        let err = s
            .execute("SELECT key FROM system.local", ())
            .await
            .expect_err("nothing gets through");
        assert!(
            matches!(
                err,
                Error::Timeout { .. } | Error::ConnectionClosed { .. } | Error::NoHostAvailable(_)
            ),
            "{err:?}"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(3 + 10),
            "{:?}",
            t0.elapsed()
        );
    }
    s.shutdown().await;
    drop(s);
    // A new session cannot connect at all: typed, within the connect timeout.
    let t0 = Instant::now();
    let err = session_through(addrs[0])
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("config")
        .connect()
        .await
        .expect_err("the handshake gets no answer");
    assert!(
        matches!(
            err,
            Error::ConnectTimeout { .. } | Error::NoHostAvailable(_)
        ),
        "{err:?}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(2 + 10),
        "{:?}",
        t0.elapsed()
    );
    // Nothing left open towards the proxy by the driver (once the proxy closed its ends, a
    // socket the driver still held would sit in CLOSE_WAIT).
    stop(running).await;
    let t0 = Instant::now();
    while sockets_to(port) > 0 && t0.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sockets_to(port), 0, "connections to the proxy left open");
    // The proxy's tasks and the sessions' are gone (the runtime is this test's own).
    let t0 = Instant::now();
    while tasks() > tasks_before && t0.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        tasks() <= tasks_before,
        "{} tasks alive, {tasks_before} before",
        tasks()
    );
}
