//! More requests in flight than a connection has stream ids (32,768), on a fake node that holds
//! its answers until told (no real node can be made to sit on 32k requests on demand).
//!
//! Without a wait queue the requests past the limit fail at once with the typed `Busy` (on a
//! one-node cluster: `NoHostAvailable` whose every attempt is `Busy`); with one, up to its size
//! wait for ids and complete once the node answers, the rest fail `Busy`; none is lost, none
//! is sent twice.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{Response, ResultMessage};
use cql::{Cluster, ProtocolVersion};
use tokio::sync::{mpsc, watch};

use crate::fake_node::{frame, listen, requests_v4, split};

/// The statement the node holds.
const HOLD: &str = "SELECT held FROM fake.hold";

/// The stream ids of one v3+ connection.
const MAX_STREAMS: usize = 32_768;

struct Node {
    /// HOLD requests received.
    held: AtomicUsize,
    /// Answered from `true` on (held ones at once).
    release: watch::Sender<bool>,
}

async fn start_node() -> (SocketAddr, Arc<Node>) {
    let node = Arc::new(Node {
        held: AtomicUsize::new(0),
        release: watch::Sender::new(false),
    });
    let n = Arc::clone(&node);
    let addr = listen(move |sock| serve(sock, Arc::clone(&n))).await;
    (addr, node)
}

async fn serve(sock: tokio::net::TcpStream, node: Arc<Node>) {
    let (rd, tx) = split(sock);
    let v4 = ProtocolVersion::V4;
    let void = || Response::Result(ResultMessage::Void);
    // Held streams, answered when released.
    let (held_tx, mut held_rx) = mpsc::unbounded_channel::<i16>();
    {
        let tx = tx.clone();
        let mut release = node.release.subscribe();
        tokio::spawn(async move {
            let _ = release.wait_for(|r| *r).await;
            while let Some(stream) = held_rx.recv().await {
                let _ = tx.send(frame(stream, void(), v4));
            }
        });
    }
    requests_v4(rd, &tx, |stream, req| match req {
        DecodedRequest::Query { query, .. } if query == HOLD => {
            node.held.fetch_add(1, Ordering::SeqCst);
            let _ = held_tx.send(stream);
        }
        _ => {
            let _ = tx.send(frame(stream, void(), v4));
        }
    })
    .await;
}

#[derive(Default)]
struct Outcomes {
    ok: AtomicUsize,
    busy: AtomicUsize,
    other: AtomicUsize,
}

impl Outcomes {
    fn done(&self) -> usize {
        self.ok.load(Ordering::SeqCst)
            + self.busy.load(Ordering::SeqCst)
            + self.other.load(Ordering::SeqCst)
    }
}

/// Sends `n` HOLD requests at once on a one-connection session with the given wait queue,
/// waits until the node holds every one that got an id and the others failed or wait, then
/// releases the node's answers and waits for every request's end.
async fn drive(
    n: usize,
    queue: usize,
    queue_wait: Duration,
    settle: Duration,
) -> (Arc<Outcomes>, usize, Arc<Node>) {
    let (addr, node) = start_node().await;
    let session = Cluster::builder()
        .contact_points([addr.to_string()])
        .protocol_version(ProtocolVersion::V4)
        .connections_per_host(1)
        .request_timeout(Duration::from_secs(120))
        .connect_timeout(Duration::from_secs(30))
        .metadata_wait(Duration::from_millis(10))
        .stream_wait_queue(queue, queue_wait)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to the fake node");
    let out = Arc::new(Outcomes::default());
    for _ in 0..n {
        let (s, out) = (session.clone(), Arc::clone(&out));
        tokio::spawn(async move {
            match s.execute(HOLD, ()).await {
                Ok(_) => out.ok.fetch_add(1, Ordering::SeqCst),
                Err(e) if e.is_busy() => out.busy.fetch_add(1, Ordering::SeqCst),
                Err(e) => {
                    eprintln!("unexpected error: {e}");
                    out.other.fetch_add(1, Ordering::SeqCst)
                }
            };
        });
    }
    // Every request is held by the node, failed, or waits in the queue.
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let held = node.held.load(Ordering::SeqCst);
        if held + out.done() + queue.min(n) >= n && held >= MAX_STREAMS - 64 {
            break;
        }
        assert!(Instant::now() < until, "held {held}, done {}", out.done());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(settle).await;
    let held_before_release = node.held.load(Ordering::SeqCst);
    assert!(
        held_before_release <= MAX_STREAMS,
        "{held_before_release} in flight on one connection"
    );
    assert_eq!(
        out.ok.load(Ordering::SeqCst),
        0,
        "answered before the release"
    );
    node.release.send_replace(true);
    let until = Instant::now() + Duration::from_secs(120);
    while out.done() < n {
        assert!(
            Instant::now() < until,
            "{} of {n} requests ended",
            out.done()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.shutdown().await;
    (out, held_before_release, node)
}

/// No queue: what the driver did before it had one. The requests past the ids fail at once
/// with the typed `Busy`, were never sent, and the others all complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_stream_ids_without_a_queue_requests_fail_busy_at_once() {
    let extra = 300;
    let n = MAX_STREAMS + extra;
    let (out, held, node) = drive(n, 0, Duration::from_secs(5), Duration::ZERO).await;
    let (ok, busy) = (
        out.ok.load(Ordering::SeqCst),
        out.busy.load(Ordering::SeqCst),
    );
    assert_eq!(out.other.load(Ordering::SeqCst), 0, "only Busy errors");
    assert!(busy >= extra, "{busy} busy, {extra} past the ids");
    // Ids the control connection's queries held at that moment may have turned away a few.
    assert!(busy <= extra + 64, "{busy} busy");
    assert_eq!(ok + busy, n);
    assert_eq!(ok, held, "every request the node held was answered");
    assert_eq!(
        node.held.load(Ordering::SeqCst),
        ok,
        "no request sent twice"
    );
}

/// With a queue of 200: 200 wait for ids and complete after the node answers; the rest past
/// that fail `Busy`. Nothing is lost or sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_stream_ids_a_bounded_queue_waits_and_refuses_the_rest_busy() {
    let (queue, extra) = (200, 300);
    let n = MAX_STREAMS + queue + extra;
    let (out, held, node) = drive(
        n,
        queue,
        Duration::from_secs(100),
        Duration::from_millis(500),
    )
    .await;
    let (ok, busy) = (
        out.ok.load(Ordering::SeqCst),
        out.busy.load(Ordering::SeqCst),
    );
    assert_eq!(out.other.load(Ordering::SeqCst), 0, "only Busy errors");
    assert!(
        busy >= extra && busy <= extra + 64,
        "{busy} busy, {extra} past ids and queue"
    );
    assert_eq!(ok + busy, n);
    assert!(
        ok > held,
        "queued requests completed after ids freed up ({ok} ok, {held} held)"
    );
    assert!(ok >= MAX_STREAMS - 64 + queue, "{ok} ok");
    assert_eq!(
        node.held.load(Ordering::SeqCst),
        ok,
        "each request sent once"
    );
}

/// A request that waits in the queue longer than the queue's wait fails `Busy` (unsent),
/// without waiting for its call's timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_request_whose_wait_runs_out_fails_busy() {
    let queue = 100;
    let n = MAX_STREAMS + queue;
    // The answers are released 3 s after the node holds the ids: the 1 s waits ran out.
    let (out, held, node) = drive(n, queue, Duration::from_secs(1), Duration::from_secs(3)).await;
    let (ok, busy) = (
        out.ok.load(Ordering::SeqCst),
        out.busy.load(Ordering::SeqCst),
    );
    assert_eq!(out.other.load(Ordering::SeqCst), 0, "only Busy errors");
    assert!(busy >= queue && busy <= queue + 64, "{busy} busy");
    assert_eq!(ok, held);
    assert_eq!(ok + busy, n);
    assert_eq!(node.held.load(Ordering::SeqCst), ok);
}
