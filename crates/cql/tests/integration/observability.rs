//! Listeners, load-balancing feedback and spans on fake nodes: a node that is slow or fails
//! at an exact moment is what no real node does on demand. Each fake node speaks protocol v4,
//! answers the control connection's queries with VOID, and answers statements after its
//! current delay, or with OVERLOADED while told to.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cql::listeners::{AttemptKind, AttemptOutcome, RequestHistory};
use cql::policies::{ConstantSpeculativeExecutionPolicy, LatencyAwarePolicy, RoundRobinPolicy};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{ErrorResponse, Response, ResultMessage};
use cql::{Cluster, ProtocolVersion, ServerErrorKind, SimpleStatement};

pub(super) use crate::fake_node::InOrder;
use crate::fake_node::{frame, listen, requests_v4, split};

mod spans;

/// A fake node: answers every statement after `delay_ms`, or OVERLOADED while `overloaded`
/// is above zero (counting down); counts the statements it received.
#[derive(Default)]
pub(super) struct Node {
    delay_ms: AtomicU64,
    overloaded: AtomicU32,
    statements: AtomicU64,
}

impl Node {
    fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

pub(super) async fn start_node() -> (SocketAddr, Arc<Node>) {
    let node = Arc::new(Node::default());
    let n = Arc::clone(&node);
    let addr = listen(move |sock| serve(sock, Arc::clone(&n))).await;
    (addr, node)
}

async fn serve(sock: tokio::net::TcpStream, node: Arc<Node>) {
    let (rd, tx) = split(sock);
    let v4 = ProtocolVersion::V4;
    let void = || Response::Result(ResultMessage::Void);
    requests_v4(rd, &tx, |stream, req| {
        let DecodedRequest::Query { query, .. } = req else {
            let _ = tx.send(frame(stream, void(), v4));
            return;
        };
        if let Some(ks) = query.strip_prefix("USE ") {
            let set = Response::Result(ResultMessage::SetKeyspace(ks.trim_matches('"').into()));
            let _ = tx.send(frame(stream, set, v4));
            return;
        }
        // The control connection's reads of system tables: answered at once.
        if query.contains("system") {
            let _ = tx.send(frame(stream, void(), v4));
            return;
        }
        node.statements.fetch_add(1, Ordering::Relaxed);
        let overloaded = node
            .overloaded
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        if overloaded {
            let err = ErrorResponse {
                code: 0x1001,
                message: "scripted overload".into(),
                kind: ServerErrorKind::Overloaded,
            };
            let _ = tx.send(frame(stream, Response::Error(err), v4));
            return;
        }
        let delay = Duration::from_millis(node.delay_ms.load(Ordering::Relaxed));
        let tx = tx.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let _ = tx.send(frame(stream, void(), v4));
        });
    })
    .await;
}

pub(super) fn builder(nodes: &[SocketAddr]) -> cql::ClusterBuilder {
    Cluster::builder()
        .contact_points(nodes.iter().map(|a| a.to_string()))
        .protocol_version(ProtocolVersion::V4)
        .request_timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn request_history_shows_the_speculative_execution_of_a_slow_node() {
    let (a, slow) = start_node().await;
    let (b, fast) = start_node().await;
    slow.delay_ms.store(2_000, Ordering::Relaxed);
    let histories: Arc<Mutex<Vec<RequestHistory>>> = Arc::default();
    let h = Arc::clone(&histories);
    let session = builder(&[a, b])
        .load_balancing_policy(InOrder(vec![a, b]))
        .speculative_execution_policy(ConstantSpeculativeExecutionPolicy::new(
            Duration::from_millis(100),
            2,
        ))
        .request_listener(move |r: &RequestHistory| h.lock().expect("lock").push(r.clone()))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let stmt = SimpleStatement::new("UPDATE ks.t SET v = 1 WHERE k = 1").with_idempotent(true);
    let res = session
        .execute(&stmt, ())
        .await
        .expect("the fast node answers");
    assert_eq!(res.coordinator(), b, "the speculative execution won");
    assert_eq!((slow.statements(), fast.statements()), (1, 1));
    let history = wait_for(&histories, 1).await.remove(0);
    assert!(history.succeeded);
    assert_eq!(history.speculative_executions(), 1, "{history:?}");
    let first = history
        .attempts
        .iter()
        .find(|x| x.host == a)
        .expect("the slow node's attempt");
    assert_eq!(
        (first.kind, first.execution, first.outcome),
        (AttemptKind::First, 1, AttemptOutcome::Cancelled),
        "abandoned when the other execution won"
    );
    let second = history
        .attempts
        .iter()
        .find(|x| x.host == b)
        .expect("the fast node's attempt");
    assert_eq!(
        (second.kind, second.execution, second.outcome),
        (AttemptKind::Speculative, 2, AttemptOutcome::Success)
    );
    assert!(second.start >= first.start + Duration::from_millis(100));
    assert!(history.end >= second.end);
    session.shutdown().await;
}

/// The histories once `n` arrived (they come from the listener thread).
async fn wait_for(histories: &Mutex<Vec<RequestHistory>>, n: usize) -> Vec<RequestHistory> {
    for _ in 0..300 {
        {
            let h = histories.lock().expect("lock");
            if h.len() >= n {
                return h.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} request histories did not arrive in 15 s");
}

#[tokio::test]
async fn latency_aware_policy_avoids_a_slow_node_and_takes_it_back() {
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(start_node().await);
    }
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.0).collect();
    let slow = Arc::clone(&nodes[2].1);
    slow.delay_ms.store(50, Ordering::Relaxed);
    let retry_period = Duration::from_millis(1_500);
    let session = builder(&addrs)
        .load_balancing_policy(
            LatencyAwarePolicy::new(RoundRobinPolicy::new())
                .with_minimum_measurements(5)
                .with_retry_period(retry_period),
        )
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let run = |n: usize| {
        let session = session.clone();
        async move {
            for _ in 0..n {
                session
                    .execute("UPDATE ks.t SET v = 1 WHERE k = 1", ())
                    .await
                    .expect("update");
            }
        }
    };
    // Warm-up: every node gets its measurements.
    run(30).await;
    let before: Vec<u64> = nodes.iter().map(|n| n.1.statements()).collect();
    assert!(
        before.iter().all(|&n| n >= 5),
        "round robin first: {before:?}"
    );
    run(200).await;
    let during: Vec<u64> = nodes
        .iter()
        .zip(&before)
        .map(|(n, b)| n.1.statements() - b)
        .collect();
    let total: u64 = during.iter().sum();
    assert_eq!(total, 200);
    assert!(
        during[0] + during[1] >= 180,
        "at least 90% to the fast nodes: {during:?}"
    );
    // The delay ends: once its figures are stale the node takes its turn again.
    slow.delay_ms.store(0, Ordering::Relaxed);
    tokio::time::sleep(retry_period + Duration::from_millis(500)).await;
    let before = slow.statements();
    run(60).await;
    let after = slow.statements() - before;
    assert!(after >= 10, "the node gets traffic again: {after} of 60");
    session.shutdown().await;
}

#[tokio::test]
async fn a_host_listener_given_to_the_builder_hears_of_every_node() {
    let (a, _) = start_node().await;
    let (b, _) = start_node().await;
    let events: Arc<Mutex<Vec<cql::listeners::HostEvent>>> = Arc::default();
    let e = Arc::clone(&events);
    let session = builder(&[a, b])
        .host_listener(move |ev: &cql::listeners::HostEvent| e.lock().expect("lock").push(*ev))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    for _ in 0..300 {
        if events.lock().expect("lock").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut got = events.lock().expect("lock").clone();
    got.sort_by_key(|e| e.address());
    use cql::listeners::HostEvent::Added;
    let mut want = vec![Added(a), Added(b)];
    want.sort_by_key(|e| e.address());
    assert_eq!(got, want);
    session.shutdown().await;
}
