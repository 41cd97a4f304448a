//! Schema agreement on fake nodes: nodes that disagree on the schema version are what a
//! single real node cannot show on demand. Node A is the contact point; its `system.peers_v2`
//! lists node B (another fake node) and node C (nothing listening there). Each reports a
//! schema version the test sets: A and B in their own `system.local` (the driver asks every
//! node it is connected to for its own version), and A's peer rows give B's and C's (what the
//! driver uses for nodes it has no connection to).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{Response, ResultMessage, Rows};
use cql::protocol::metadata::{ColumnSpec, ResultMetadata};
use cql::{Cluster, ColumnType, ProtocolVersion};
use uuid::Uuid;

use crate::fake_node::{frame, listen, requests_v4, split};

/// The schema versions reported: by A and B (their own), and by A's peer rows for B and C.
#[derive(Default)]
struct Versions {
    a: Uuid,
    b: Uuid,
    /// B's version in A's `system.peers_v2` (gossip: it may lag behind B's own).
    b_in_peers: Uuid,
    c: Uuid,
}

struct Cell {
    versions: Mutex<Versions>,
    peers: Mutex<Vec<SocketAddr>>,
}

fn spec(name: &str, typ: ColumnType) -> ColumnSpec {
    ColumnSpec::new("system", "t", name, typ)
}

fn rows(columns: Vec<ColumnSpec>, values: Vec<Vec<Vec<u8>>>) -> Response {
    let mut raw = BytesMut::new();
    for row in &values {
        for v in row {
            raw.put_i32(v.len() as i32);
            raw.put_slice(v);
        }
    }
    Response::Result(ResultMessage::Rows(Rows {
        metadata: ResultMetadata {
            columns_count: columns.len(),
            paging_state: None,
            new_metadata_id: None,
            columns,
            no_metadata: false,
        },
        rows_count: values.len(),
        raw_rows: Bytes::from(raw),
    }))
}

/// The answer of the node listening on `me`.
fn answer(query: &str, cell: &Cell, me: SocketAddr) -> Response {
    let v = cell.versions.lock().expect("lock");
    if query.contains("system.local") {
        let own = if cell.peers.lock().expect("lock").first() == Some(&me) {
            v.b
        } else {
            v.a
        };
        rows(
            vec![
                spec("schema_version", ColumnType::Uuid),
                spec("data_center", ColumnType::Text),
            ],
            vec![vec![own.as_bytes().to_vec(), b"dc1".to_vec()]],
        )
    } else if query.contains("system.peers_v2") {
        let peers = cell.peers.lock().expect("lock");
        let versions = [v.b_in_peers, v.c];
        rows(
            vec![
                spec("peer", ColumnType::Inet),
                spec("native_address", ColumnType::Inet),
                spec("native_port", ColumnType::Int),
                spec("schema_version", ColumnType::Uuid),
                spec("data_center", ColumnType::Text),
            ],
            peers
                .iter()
                .zip(versions)
                .map(|(addr, version)| {
                    vec![
                        vec![127, 0, 0, 1],
                        vec![127, 0, 0, 1],
                        i32::from(addr.port()).to_be_bytes().to_vec(),
                        version.as_bytes().to_vec(),
                        b"dc1".to_vec(),
                    ]
                })
                .collect(),
        )
    } else {
        Response::Result(ResultMessage::Void)
    }
}

async fn start_node(cell: Arc<Cell>) -> SocketAddr {
    listen(move |sock| serve(sock, Arc::clone(&cell))).await
}

async fn serve(sock: tokio::net::TcpStream, cell: Arc<Cell>) {
    let v4 = ProtocolVersion::V4;
    let Ok(me) = sock.local_addr() else {
        return;
    };
    let (rd, tx) = split(sock);
    requests_v4(rd, &tx, |stream, req| {
        let response = match req {
            DecodedRequest::Query { query, .. } => answer(&query, &cell, me),
            _ => Response::Result(ResultMessage::Void),
        };
        let _ = tx.send(frame(stream, response, v4));
    })
    .await;
}

/// Fake nodes A and B, and C's address with nothing listening; A lists B and C as peers.
async fn fake_cluster(versions: Versions) -> (Arc<Cell>, SocketAddr, SocketAddr, SocketAddr) {
    let cell = Arc::new(Cell {
        versions: Mutex::new(versions),
        peers: Mutex::new(Vec::new()),
    });
    let a = start_node(Arc::clone(&cell)).await;
    let b = start_node(Arc::clone(&cell)).await;
    let c = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    *cell.peers.lock().expect("lock") = vec![b, c];
    (cell, a, b, c)
}

fn builder(a: SocketAddr) -> cql::ClusterBuilder {
    Cluster::builder()
        .contact_points([a.to_string()])
        .protocol_version(ProtocolVersion::V4)
        .reconnection_backoff(Duration::from_secs(30), Duration::from_secs(30))
}

#[tokio::test]
async fn agreement_asks_every_node_that_is_up_and_ignores_nodes_that_are_down() {
    let one = Uuid::from_u128(1);
    let two = Uuid::from_u128(2);
    // A's gossip still shows B on A's version; B itself is on another one.
    let (cell, a, b, c) = fake_cluster(Versions {
        a: one,
        b: two,
        b_in_peers: one,
        c: two,
    })
    .await;
    let session = builder(a)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    // Wait until the driver knows B is up and C (nothing listening) is down.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let m = session.cluster_metadata();
        let up = |addr| m.host(addr).map(|h| h.is_up());
        if up(b) == Some(true) && up(c) == Some(false) && session.pool_state().len() == 3 {
            let open = session
                .pool_state()
                .iter()
                .find(|(addr, ..)| *addr == b)
                .map(|(_, open, _)| *open);
            if open > Some(0) {
                break;
            }
        }
        assert!(Instant::now() < deadline, "B up and C down never showed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A and B (both up) disagree, although A's peer row for B says otherwise.
    let agreed = session
        .wait_for_schema_agreement(Duration::from_millis(500))
        .await
        .expect("check");
    assert!(!agreed);

    // A and B agree; C, which is down, still differs and does not count.
    cell.versions.lock().expect("lock").b = one;
    let agreed = session
        .wait_for_schema_agreement(Duration::from_secs(5))
        .await
        .expect("check");
    assert!(agreed);
    assert_eq!(cell.versions.lock().expect("lock").c, two);
}

#[tokio::test]
async fn nodes_without_a_connection_count_with_the_version_their_peers_report() {
    let one = Uuid::from_u128(1);
    let two = Uuid::from_u128(2);
    let (cell, a, b, c) = fake_cluster(Versions {
        a: one,
        b: two,
        b_in_peers: two,
        c: one,
    })
    .await;
    // Only A is used: B and C get no pool, so nothing asks them for their own version.
    let session = builder(a)
        .load_balancing_policy(cql::policies::WhiteListPolicy::new(
            cql::policies::RoundRobinPolicy::new(),
            [a],
        ))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let m = session.refresh_metadata().await.expect("metadata");
    assert!(m.host(b).is_some() && m.host(c).is_some(), "{m:?}");
    let pools: Vec<SocketAddr> = session.pool_state().iter().map(|(p, ..)| *p).collect();
    assert_eq!(pools, [a]);

    // A's peer row puts B on another version.
    let agreed = session
        .wait_for_schema_agreement(Duration::from_millis(500))
        .await
        .expect("check");
    assert!(!agreed);

    // The peer row agrees now; B's own version is not asked.
    cell.versions.lock().expect("lock").b_in_peers = one;
    let agreed = session
        .wait_for_schema_agreement(Duration::from_secs(5))
        .await
        .expect("check");
    assert!(agreed);
    assert_eq!(cell.versions.lock().expect("lock").b, two);
}
