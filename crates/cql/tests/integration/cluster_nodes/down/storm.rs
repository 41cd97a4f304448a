//! A reconnect storm: 50 sessions in one process, node 3 killed and started again. The
//! handshakes they make to node 3 once its port is open stay under the process-wide bound
//! (4 at once per node, each permit held at least 200 ms: at most 4 + 20 in any second), and
//! every session gets its pool to node 3 back and is served.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::Cluster;

use super::{EVENTUALLY, Stopped, enabled, hosts, node_addr, wait_until};

/// Handshakes started to one node in any one second, at most: the gate's 4 permits at once
/// plus 20 more a second, and a margin for sampling every 100 ms.
const BOUND_PER_SECOND: u64 = 30;

const SESSIONS: usize = 50;

fn attempts_to_3(sessions: &[cql::Session]) -> u64 {
    sessions
        .iter()
        .flat_map(|s| s.pool_state())
        .filter(|(a, _, _)| *a == node_addr(3))
        .map(|(_, _, n)| n)
        .sum()
}

fn all_open_to_3(sessions: &[cql::Session]) -> bool {
    sessions.iter().all(|s| {
        s.pool_state()
            .iter()
            .any(|(a, open, _)| *a == node_addr(3) && *open > 0)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_sessions_reconnect_to_a_restarted_node_within_the_handshake_bound() {
    if !enabled() {
        return;
    }
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let s = Cluster::builder()
            .contact_points(hosts())
            .credentials("cassandra", "cassandra")
            .connect_timeout(Duration::from_secs(20))
            .request_timeout(Duration::from_secs(20))
            .build()
            .expect("config")
            .connect()
            .await
            .expect("connect");
        sessions.push(s);
    }
    for s in &sessions {
        s.refresh_metadata().await.expect("metadata");
    }
    wait_until(EVENTUALLY * 2, "every session has a pool to node 3", || {
        all_open_to_3(&sessions)
    })
    .await;

    let stopped = Stopped::new(3, true).await;
    // Samples of the attempts to node 3, and when its port opened again.
    let samples: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let port_open: Arc<Mutex<Option<Instant>>> = Arc::default();
    let sampler = {
        let (sessions, samples, port_open) = (
            sessions.clone(),
            Arc::clone(&samples),
            Arc::clone(&port_open),
        );
        tokio::spawn(async move {
            loop {
                let open = port_open.lock().expect("lock").is_some();
                if !open {
                    let probe = tokio::time::timeout(
                        Duration::from_millis(100),
                        tokio::net::TcpStream::connect(node_addr(3)),
                    )
                    .await;
                    if matches!(probe, Ok(Ok(_))) {
                        *port_open.lock().expect("lock") = Some(Instant::now());
                    }
                }
                samples
                    .lock()
                    .expect("lock")
                    .push((Instant::now(), attempts_to_3(&sessions)));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(5)).await;
    stopped.start().await;
    let recovered = wait_until(EVENTUALLY * 2, "every session reconnects to node 3", || {
        all_open_to_3(&sessions)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    sampler.abort();
    let opened = port_open
        .lock()
        .expect("lock")
        .expect("node 3's port opened");
    let samples = samples.lock().expect("lock").clone();
    // Handshakes: the attempts made once the port accepted connections (earlier ones were
    // refused at once, no handshake).
    // (Counted from the last sample before the port opened: an attempt may begin between
    // the probe and the next sample.)
    let base = samples
        .iter()
        .rev()
        .find(|(t, _)| *t < opened)
        .map_or(0, |s| s.1);
    let after: Vec<(Instant, u64)> = samples.into_iter().filter(|(t, _)| *t >= opened).collect();
    let mut worst = 0;
    for (i, (t, n)) in after.iter().enumerate() {
        let before = after[..i]
            .iter()
            .rev()
            .find(|(t0, _)| t.duration_since(*t0) >= Duration::from_secs(1))
            .map_or(base, |s| s.1);
        worst = worst.max(n - before);
    }
    let total = after.last().map_or(0, |s| s.1) - base;
    eprintln!(
        "storm: {SESSIONS} sessions; after node 3's port opened: {total} handshakes, at most {worst} in any second \
         (bound {BOUND_PER_SECOND}); every session reconnected {recovered:?} after start-node returned"
    );
    assert!(
        worst <= BOUND_PER_SECOND,
        "{worst} handshakes in one second"
    );
    assert!(
        total >= SESSIONS as u64,
        "{total} handshakes for {SESSIONS} sessions"
    );
    // Every session is served again, by node 3 too.
    for s in &sessions {
        s.execute("SELECT release_version FROM system.local", ())
            .await
            .expect("served");
    }
    for s in &sessions {
        s.shutdown().await;
    }
}
