//! Shared helpers: connecting, unique keyspaces, running a test on v4 and v5, and the turns
//! that tests loading the server take.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use cql::{Cluster, ClusterBuilder, ProtocolVersion, Session};

/// Request timeout of the sessions against the real server. The driver's default (12 s) is
/// a production setting; a freshly started Cassandra (its JIT still compiling) on a busy
/// 2-core CI machine can take longer than that for a request that queued behind others, and
/// no test here is about that default. Tests of timeouts set their own, short ones.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Connect timeout of the sessions against the real server: the whole handshake, TLS and
/// the password check included (bcrypt, which a cold server runs interpreted).
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Request timeout of the tests that queue thousands of requests at once ([`heavy`]): the
/// last of them waits for all the others. Longer than the server's own limit on the time a
/// request may wait in its queue (`native_transport_timeout` in scripts/cassandra), so that
/// the server, not the client, says when it is too slow.
pub(crate) const HEAVY_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Held by the tests that put sustained load on the server (thousands of requests, hundreds
/// or thousands in flight): at most one of them loads the server at a time, whatever the
/// number of test threads. The other tests of the binary still run alongside.
pub(crate) async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}

pub(crate) fn hosts() -> Vec<String> {
    std::env::var("CQL_TEST_HOSTS")
        .unwrap_or_else(|_| "127.0.0.1".to_owned())
        .split(',')
        .map(str::to_owned)
        .collect()
}

/// A builder for the real server: its contact points, `version`, and the timeouts above
/// (schema agreement after DDL waits as long as a request may take).
pub(crate) fn builder(version: ProtocolVersion) -> ClusterBuilder {
    Cluster::builder()
        .contact_points(hosts())
        .protocol_version(version)
        .request_timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .max_schema_agreement_wait(REQUEST_TIMEOUT)
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

/// A superuser session for a [`heavy`] test: [`HEAVY_REQUEST_TIMEOUT`], and
/// `connections_per_host` connections.
pub(crate) async fn heavy_session(
    version: ProtocolVersion,
    connections_per_host: usize,
) -> Session {
    builder(version)
        .credentials("cassandra", "cassandra")
        .request_timeout(HEAVY_REQUEST_TIMEOUT)
        .connections_per_host(connections_per_host)
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

/// The most connection attempts an exponential back-off from `base` to `max` allows in
/// `window`, counting from the first attempt (jitter only lengthens the delays).
pub(crate) fn max_attempts(base: Duration, max: Duration, window: Duration) -> u32 {
    let (mut attempts, mut elapsed, mut delay) = (1, Duration::ZERO, base);
    loop {
        elapsed += delay;
        if elapsed > window {
            return attempts;
        }
        attempts += 1;
        delay = (delay * 2).min(max);
    }
}

pub(crate) const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V4, ProtocolVersion::V5];

/// The Python of the test venv (the reference driver installed): `DRIVER_TEST_PYTHON`, else
/// the one `scripts/pyenv` made.
pub(crate) fn python() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("DRIVER_TEST_PYTHON") {
        return p.into();
    }
    let p = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.run/venv/bin/python"
    ))
    .to_owned();
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv first (or set DRIVER_TEST_PYTHON)",
        p.display()
    );
    p
}
