//! The process's own count of open sockets (`/proc/self/fd`) after failed connects and a
//! shutdown equals the count before. A test binary of its own: the count is the process's, and
//! the integration binary runs many tests at once.

use std::time::{Duration, Instant};

use cql::Cluster;

fn sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter(|target| target.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

fn builder() -> cql::ClusterBuilder {
    let host = std::env::var("CQL_TEST_HOSTS").unwrap_or_else(|_| "127.0.0.1".to_owned());
    Cluster::builder()
        .contact_points(host.split(',').map(str::to_owned).collect::<Vec<_>>())
        .credentials("cassandra", "cassandra")
        // A cold server on a busy machine; nothing here is about the defaults.
        .connect_timeout(Duration::from_secs(30))
        .request_timeout(Duration::from_secs(60))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_connects_and_a_shutdown_leave_the_socket_count_where_it_was() {
    if !std::path::Path::new("/proc/self/fd").exists() {
        eprintln!("skipped: no /proc/self/fd on this system");
        return;
    }
    let before = sockets();
    for _ in 0..20 {
        let e = builder()
            .keyspace("no_such_keyspace")
            .build()
            .expect("config")
            .connect()
            .await
            .expect_err("no such keyspace");
        assert!(e.server_error().is_some(), "{e}");
    }
    let s = builder()
        .connections_per_host(3)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    s.execute("SELECT release_version FROM system.local", ())
        .await
        .expect("query");
    s.shutdown().await;
    let until = Instant::now() + Duration::from_secs(10);
    while sockets() != before && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sockets(), before, "sockets before: {before}");
}
