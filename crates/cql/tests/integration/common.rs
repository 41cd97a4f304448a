//! Shared helpers: connecting, unique keyspaces, running a test on v4 and v5.

use std::sync::atomic::{AtomicU32, Ordering};

use cql::{Cluster, ClusterBuilder, ProtocolVersion, Session};

pub(crate) fn hosts() -> Vec<String> {
    std::env::var("CQL_TEST_HOSTS")
        .unwrap_or_else(|_| "127.0.0.1".to_owned())
        .split(',')
        .map(str::to_owned)
        .collect()
}

pub(crate) fn builder(version: ProtocolVersion) -> ClusterBuilder {
    Cluster::builder()
        .contact_points(hosts())
        .protocol_version(version)
}

/// A session as the superuser; fails the test with a hint when no server runs.
pub(crate) async fn session(version: ProtocolVersion) -> Session {
    builder(version)
        .credentials("cassandra", "cassandra")
        .build()
        .expect("config")
        .connect()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to Cassandra at {:?} ({e}); start it with scripts/cassandra start",
                hosts()
            )
        })
}

/// A fresh keyspace (SimpleStrategy RF 1) with a name unique to this test run.
pub(crate) async fn keyspace(session: &Session, tag: &str) -> String {
    keyspace_with_rf(session, tag, 1).await
}

/// A fresh keyspace (SimpleStrategy, replication factor `rf`) with a name unique to this run.
pub(crate) async fn keyspace_with_rf(session: &Session, tag: &str, rf: u32) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let ks = format!(
        "it_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    session
        .execute(
            format!(
                "CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"
            )
            .as_str(),
            (),
        )
        .await
        .expect("create keyspace");
    ks
}

pub(crate) const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V4, ProtocolVersion::V5];
