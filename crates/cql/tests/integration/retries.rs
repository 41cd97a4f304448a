//! Retry policies, speculative execution and execution profiles on fake nodes: read and write
//! timeouts, overload, server errors, silence and slowness at exact points are what no real
//! node does on demand. (Unavailable, which a real node does give on demand, is tested
//! against Cassandra in `policies_real.rs`.) Each fake node speaks protocol v4, answers the
//! control connection's queries with VOID, and answers a statement from its script.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cql::policies::{
    ConstantSpeculativeExecutionPolicy, DefaultRetryPolicy, DowngradingConsistencyRetryPolicy,
    FallthroughRetryPolicy, NeverRetryPolicy, WriteType,
};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{ErrorResponse, Response, ResultMessage};
use cql::{
    Cluster, Consistency, Error, ExecutionProfile, ProtocolVersion, ServerErrorKind,
    SimpleStatement,
};

use crate::fake_node::{InOrder, frame, listen, requests_v4, split};

/// How a node answers one execution of a statement.
#[derive(Clone, Debug)]
enum Answer {
    Void,
    Error(i32, ServerErrorKind),
    Late(Duration),
    Silent,
}

/// A fake node: answers per statement text, in order (VOID once the script is used up), and
/// the statements it received with their consistency.
#[derive(Default)]
struct Node {
    script: Mutex<HashMap<String, VecDeque<Answer>>>,
    seen: Mutex<Vec<(String, Consistency)>>,
}

impl Node {
    fn on(&self, query: &str, answers: impl IntoIterator<Item = Answer>) {
        self.script
            .lock()
            .expect("lock")
            .insert(query.to_owned(), answers.into_iter().collect());
    }

    fn received(&self, query: &str) -> Vec<Consistency> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|(q, _)| q == query)
            .map(|(_, c)| *c)
            .collect()
    }

    fn next_answer(&self, query: &str) -> Answer {
        self.script
            .lock()
            .expect("lock")
            .get_mut(query)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Answer::Void)
    }
}

async fn start_node() -> (SocketAddr, Arc<Node>) {
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
        let DecodedRequest::Query { query, params } = req else {
            let _ = tx.send(frame(stream, void(), v4));
            return;
        };
        node.seen
            .lock()
            .expect("lock")
            .push((query.clone(), params.consistency));
        match node.next_answer(&query) {
            Answer::Void => {
                let _ = tx.send(frame(stream, void(), v4));
            }
            Answer::Error(code, kind) => {
                let err = ErrorResponse {
                    code,
                    message: format!("scripted error {code:#06x}"),
                    kind,
                };
                let _ = tx.send(frame(stream, Response::Error(err), v4));
            }
            Answer::Late(after) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(frame(stream, void(), v4));
                });
            }
            Answer::Silent => {}
        }
    })
    .await;
}

fn read_timeout(received: i32, data_present: bool) -> Answer {
    Answer::Error(
        0x1200,
        ServerErrorKind::ReadTimeout {
            consistency: Consistency::Quorum,
            received,
            block_for: 2,
            data_present,
        },
    )
}

fn write_timeout(write_type: WriteType) -> Answer {
    Answer::Error(
        0x1100,
        ServerErrorKind::WriteTimeout {
            consistency: Consistency::Quorum,
            received: 1,
            block_for: 2,
            write_type,
            contentions: None,
        },
    )
}

fn overloaded() -> Answer {
    Answer::Error(0x1001, ServerErrorKind::Overloaded)
}

fn server_error() -> Answer {
    Answer::Error(0x0000, ServerErrorKind::ServerError)
}

struct Fake {
    a: (SocketAddr, Arc<Node>),
    b: (SocketAddr, Arc<Node>),
}

async fn two_nodes() -> Fake {
    Fake {
        a: start_node().await,
        b: start_node().await,
    }
}

impl Fake {
    fn builder(&self) -> cql::ClusterBuilder {
        Cluster::builder()
            .contact_points([self.a.0.to_string(), self.b.0.to_string()])
            .protocol_version(ProtocolVersion::V4)
            .load_balancing_policy(InOrder(vec![self.a.0, self.b.0]))
            .request_timeout(Duration::from_secs(5))
            .metadata_wait(Duration::from_millis(10))
    }

    async fn session(&self, b: cql::ClusterBuilder) -> cql::Session {
        b.build().expect("config").connect().await.expect("connect")
    }
}

#[tokio::test]
async fn default_policy_retries_a_read_timeout_without_data_once_on_the_same_node() {
    let f = two_nodes().await;
    let s = f.session(f.builder()).await;
    let q = "SELECT v FROM ks.t WHERE k = 1";
    f.a.1.on(q, [read_timeout(2, false)]);
    let r = s.execute(q, ()).await.expect("retried");
    assert_eq!(r.coordinator(), f.a.0);
    assert_eq!(f.a.1.received(q).len(), 2);
    assert!(f.b.1.received(q).is_empty());
    let m = s.metrics();
    assert_eq!((m.read_timeouts, m.retries, m.errors), (1, 1, 0));

    // Data present, or too few answers: the error goes to the caller, no retry.
    let q2 = "SELECT v FROM ks.t WHERE k = 2";
    f.a.1.on(q2, [read_timeout(2, true)]);
    let e = s.execute(q2, ()).await.expect_err("rethrown");
    assert!(
        matches!(
            e.server_error().map(|x| &x.kind),
            Some(ServerErrorKind::ReadTimeout { .. })
        ),
        "{e}"
    );
    assert_eq!(f.a.1.received(q2).len(), 1);
    // The second read timeout in a row is not retried again.
    let q3 = "SELECT v FROM ks.t WHERE k = 3";
    f.a.1
        .on(q3, [read_timeout(2, false), read_timeout(2, false)]);
    s.execute(q3, ()).await.expect_err("one retry only");
    assert_eq!(f.a.1.received(q3).len(), 2);
    assert_eq!(s.metrics().errors, 2);
}

#[tokio::test]
async fn write_timeouts_are_retried_only_for_the_batch_log() {
    let f = two_nodes().await;
    let s = f.session(f.builder()).await;
    let q = "INSERT INTO ks.t (k, v) VALUES (1, 1)";
    f.a.1.on(q, [write_timeout(WriteType::Simple)]);
    let idempotent = SimpleStatement::new(q).with_idempotent(true);
    let e = s
        .execute(&idempotent, ())
        .await
        .expect_err("SIMPLE is not retried");
    assert!(e.to_string().contains("0x1100"), "{e}");
    assert_eq!(f.a.1.received(q).len(), 1);

    // The batch log write timed out: the batch was not applied, retrying is safe even for a
    // statement that is not idempotent.
    let q2 = "INSERT INTO ks.t (k, v) VALUES (2, 2)";
    f.a.1.on(q2, [write_timeout(WriteType::BatchLog)]);
    s.execute(q2, ()).await.expect("retried on the same node");
    assert_eq!(f.a.1.received(q2).len(), 2);
    assert_eq!(s.metrics().write_timeouts, 2);
}

#[tokio::test]
async fn overload_moves_on_but_a_server_error_is_retried_only_when_idempotent() {
    let f = two_nodes().await;
    let s = f.session(f.builder()).await;
    // OVERLOADED: the node refused before executing: the next node gets it even when the
    // statement is not idempotent.
    let q = "UPDATE ks.t SET v = v + 1 WHERE k = 1";
    f.a.1.on(q, [overloaded()]);
    let r = s.execute(q, ()).await.expect("next node");
    assert_eq!(r.coordinator(), f.b.0);
    assert_eq!((f.a.1.received(q).len(), f.b.1.received(q).len()), (1, 1));

    // SERVER_ERROR: the write may have happened.
    let q2 = "UPDATE ks.t SET v = v + 1 WHERE k = 2";
    f.a.1.on(q2, [server_error()]);
    let e = s
        .execute(q2, ())
        .await
        .expect_err("not idempotent: not retried");
    assert_eq!(e.server_error().map(|x| x.code), Some(0));
    assert!(f.b.1.received(q2).is_empty());

    let q3 = "UPDATE ks.t SET v = 5 WHERE k = 3";
    f.a.1.on(q3, [server_error()]);
    let r = s
        .execute(&SimpleStatement::new(q3).with_idempotent(true), ())
        .await
        .expect("idempotent: next node");
    assert_eq!(r.coordinator(), f.b.0);
    let m = s.metrics();
    assert_eq!((m.retries, m.retries_on_next_host), (2, 2));
    let (ha, hb) = (m.host(f.a.0).expect("a"), m.host(f.b.0).expect("b"));
    assert_eq!((ha.errors, hb.errors), (3, 0));
    assert!(ha.requests >= 3 && hb.requests >= 2, "{m:?}");
}

/// The request timeout bounds the whole call, retries included: a node that stays silent
/// uses it up, and the call fails by then, idempotent or not (speculative executions are what
/// sends an idempotent statement to another node before the time is up).
#[tokio::test]
async fn a_client_timeout_ends_the_call_within_its_timeout() {
    let f = two_nodes().await;
    let s = f.session(f.builder()).await;
    let q = "INSERT INTO ks.t (k, v) VALUES (7, 7)";
    f.a.1.on(q, [Answer::Silent, Answer::Silent]);
    let timeout = Duration::from_millis(1500);
    let short = SimpleStatement::new(q).with_timeout(timeout);
    for statement in [short.clone(), short.with_idempotent(true)] {
        let started = std::time::Instant::now();
        let e = s.execute(&statement, ()).await.expect_err("silent node");
        let took = started.elapsed();
        assert!(
            matches!(e, Error::Timeout { addr, timeout: t } if addr == f.a.0 && t == timeout),
            "{e}"
        );
        // Per attempt, the idempotent one would have had a second full timeout on b.
        assert!(
            took >= timeout && took < timeout + Duration::from_millis(1200),
            "{took:?}"
        );
    }
    assert!(f.b.1.received(q).is_empty(), "no time was left for b");
    assert_eq!(s.metrics().timeouts, 2);
}

#[tokio::test]
async fn fallthrough_never_retries_and_downgrading_lowers_the_consistency() {
    let f = two_nodes().await;
    let s = f
        .session(
            f.builder()
                .retry_policy(FallthroughRetryPolicy)
                .execution_profile(
                    "downgrade",
                    ExecutionProfile::new()
                        .retry_policy(DowngradingConsistencyRetryPolicy)
                        .consistency(Consistency::Quorum),
                )
                .execution_profile(
                    "default",
                    ExecutionProfile::new().retry_policy(DefaultRetryPolicy),
                )
                .execution_profile(
                    "never",
                    ExecutionProfile::new().retry_policy(NeverRetryPolicy),
                ),
        )
        .await;
    let q = "SELECT v FROM ks.t WHERE k = 1";
    f.a.1
        .on(q, [read_timeout(2, false), read_timeout(1, false)]);
    s.execute(q, ()).await.expect_err("fallthrough rethrows");
    assert_eq!(f.a.1.received(q).len(), 1);
    // The profile's policy: 1 of 2 replicas answered → retried at ONE.
    let stmt = SimpleStatement::new(q).with_execution_profile("downgrade");
    s.execute(&stmt, ()).await.expect("downgraded");
    assert_eq!(
        f.a.1.received(q),
        vec![Consistency::LocalOne, Consistency::Quorum, Consistency::One]
    );
    // A profile that only sets the policy keeps the cluster's consistency.
    let q2 = "SELECT v FROM ks.t WHERE k = 2";
    f.a.1.on(q2, [read_timeout(2, false)]);
    s.execute(
        &SimpleStatement::new(q2).with_execution_profile("default"),
        (),
    )
    .await
    .expect("default policy retries");
    assert_eq!(f.a.1.received(q2), vec![Consistency::LocalOne; 2]);
    let e = s
        .execute(&SimpleStatement::new(q2).with_execution_profile("nope"), ())
        .await
        .expect_err("unknown profile");
    assert!(
        matches!(e, Error::Config(ref m) if m.contains("nope")),
        "{e}"
    );
}

#[tokio::test]
async fn speculative_execution_answers_from_the_next_node_for_idempotent_statements() {
    let f = two_nodes().await;
    let s =
        f.session(f.builder().speculative_execution_policy(
            ConstantSpeculativeExecutionPolicy::new(Duration::from_millis(50), 1),
        ))
        .await;
    let q = "SELECT v FROM ks.t WHERE k = 9";
    // Late by far more than node B needs to answer the speculative execution started after
    // 50 ms, even on a loaded machine; still within the 5 s request timeout.
    f.a.1.on(q, [Answer::Late(Duration::from_secs(4))]);
    let r = s
        .execute(&SimpleStatement::new(q).with_idempotent(true), ())
        .await
        .expect("answer");
    assert_eq!(
        r.coordinator(),
        f.b.0,
        "the speculative execution answered first"
    );
    assert_eq!(s.metrics().speculative_executions, 1);

    // Not idempotent: never executed twice; the slow node's answer is awaited.
    let q2 = "INSERT INTO ks.t (k, v) VALUES (9, 9)";
    f.a.1.on(q2, [Answer::Late(Duration::from_millis(300))]);
    let r = s.execute(q2, ()).await.expect("answer");
    assert_eq!(r.coordinator(), f.a.0);
    assert!(f.b.1.received(q2).is_empty());
    assert_eq!(s.metrics().speculative_executions, 1);
}

#[tokio::test]
async fn metrics_histogram_counts_every_request() {
    let f = two_nodes().await;
    let s = f.session(f.builder()).await;
    for i in 0..50 {
        s.execute(format!("SELECT v FROM ks.t WHERE k = {i}").as_str(), ())
            .await
            .expect("query");
    }
    let m = s.metrics();
    assert_eq!(m.requests, 50);
    assert_eq!(m.latency.count, 50);
    assert!(m.latency.p50 <= m.latency.p99 && m.latency.p99 <= m.latency.max);
    assert!(m.latency.max > Duration::ZERO);
    assert_eq!(m.host(f.a.0).map(|h| h.requests), Some(50));
    assert_eq!(m.host(f.a.0).map(|h| h.open_connections), Some(1));
    m.emit();
}
