//! A node that hangs with its sockets open (SIGSTOP: `scripts/cassandra pause-node`) while
//! 16 writers run at QUORUM: once the hang is noticed (the first 10 s) the two others carry the load, no call takes longer
//! than the request timeout, and the node gets requests again once it answers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cql::{Cluster, Consistency};

use super::{
    cassandra_async, create_keyspace, ddl, enabled, hosts, node_of, wait_schema_agreement,
};

/// A paused node; resumed when dropped (a failed test leaves no node frozen).
struct Paused(usize);

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/cassandra"
        ))
        .args(["resume-node", &self.0.to_string()])
        .status();
    }
}

#[derive(Default)]
struct Load {
    ok: AtomicU64,
    errors: AtomicU64,
    slowest_ms: AtomicU64,
    /// Acknowledged writes per coordinator node (1-based), since the last reset.
    by_node: std::sync::Mutex<BTreeMap<usize, u64>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_node_stops_getting_requests_within_seconds() {
    if !enabled() {
        return;
    }
    let timeout = Duration::from_secs(12);
    let s = Cluster::builder()
        .contact_points(hosts())
        .credentials("cassandra", "cassandra")
        .request_timeout(timeout)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    create_keyspace(&s, "it_hung", 3).await;
    ddl(
        &s,
        "CREATE TABLE IF NOT EXISTS it_hung.w (k bigint PRIMARY KEY, v bigint)",
    )
    .await;
    wait_schema_agreement().await;
    let ins = s
        .prepare("INSERT INTO it_hung.w (k, v) VALUES (?, ?)")
        .await
        .expect("prepare")
        .with_consistency(Consistency::Quorum)
        .with_idempotent(true);
    let load = Arc::new(Load::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..16_i64 {
        let (s, ins, load, stop) = (s.clone(), ins.clone(), load.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut k = w * 1_000_000_000;
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                let t0 = Instant::now();
                let r = s.execute(&ins, (k, k)).await;
                let ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
                load.slowest_ms.fetch_max(ms, Ordering::Relaxed);
                match r {
                    Ok(r) => {
                        load.ok.fetch_add(1, Ordering::Relaxed);
                        if let Some(n) = node_of(r.coordinator()) {
                            *load.by_node.lock().expect("lock").entry(n).or_default() += 1;
                        }
                    }
                    Err(e) => {
                        if load.errors.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("write failed after {ms} ms: {e}");
                        }
                    }
                }
            }
        }));
    }
    let phase = |secs: u64| {
        let load = load.clone();
        async move {
            let ok0 = load.ok.load(Ordering::Relaxed);
            load.by_node.lock().expect("lock").clear();
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let n = load.ok.load(Ordering::Relaxed) - ok0;
            let by_node = load.by_node.lock().expect("lock").clone();
            (n as f64 / secs as f64, by_node)
        }
    };
    // Warm-up, then the level before the freeze.
    phase(5).await;
    let (before, by_node) = phase(10).await;
    eprintln!("before: {before:.0} writes/s, by coordinator {by_node:?}");
    assert!(
        by_node.get(&3).copied().unwrap_or(0) > 0,
        "node 3 took writes"
    );

    cassandra_async(vec!["pause-node".into(), "3".into()]).await;
    let paused = Paused(3);
    // The first seconds go to noticing the node hangs (the unresponsive timeout, then the
    // probe): the writes it holds wait for their deadline. The load is judged after that.
    let (noticing, _) = phase(10).await;
    let (during, by_node) = phase(15).await;
    eprintln!(
        "during the 25 s freeze: {noticing:.0} writes/s in the first 10 s, then {during:.0} \
         writes/s, by coordinator {by_node:?}"
    );
    assert!(
        noticing > 0.0,
        "no write succeeded while the hang was being noticed"
    );
    assert_eq!(
        by_node.get(&3).copied().unwrap_or(0),
        0,
        "a frozen node coordinated writes"
    );
    cassandra_async(vec!["resume-node".into(), "3".into()]).await;
    std::mem::forget(paused);

    // Node 3 answers again: it gets writes again.
    let back = Instant::now();
    loop {
        let (_, by_node) = phase(1).await;
        if by_node.get(&3).copied().unwrap_or(0) > 0 {
            eprintln!(
                "node 3 coordinates again {:?} after it resumed",
                back.elapsed()
            );
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(90),
            "node 3 got no writes within 90 s after it resumed; pools {:?}",
            s.pool_state()
        );
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.expect("worker");
    }
    let slowest = Duration::from_millis(load.slowest_ms.load(Ordering::Relaxed));
    let errors = load.errors.load(Ordering::Relaxed);
    eprintln!(
        "slowest call {slowest:?}; {errors} failed of {}",
        load.ok.load(Ordering::Relaxed) + errors
    );
    // A call ends by its deadline; the margin is for a busy machine's scheduling.
    assert!(slowest <= timeout + Duration::from_secs(2), "{slowest:?}");
    assert!(
        during >= before / 2.0,
        "throughput once the hang was noticed {during:.0}/s, before {before:.0}/s"
    );
}
