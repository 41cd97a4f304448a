//! `rotate_connections()` on the real server when the new material is bad: TLS material
//! swapped at run time (`scripts/cassandra start --tls`, CA from CQL_TEST_TLS_CA; plain and
//! TLS clients share the port), a CA that did not sign the server's certificate, a CA file
//! that cannot be read, and an auth provider that fails or hangs. Each failure is typed, per
//! node, and the old connections keep serving; nothing is left open. (Credential rotation
//! under writers runs on the 3-node cluster: `cluster_nodes::rotation`.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cql::dbauth::{self, AuthProvider, Authenticator, HostInfo, PlainTextAuthProvider};
use cql::{Error, ProtocolVersion, TlsConfig};

use crate::common::{builder, hosts};
use crate::proxy::Proxy;

fn ca_path() -> String {
    std::env::var("CQL_TEST_TLS_CA").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../.run/cassandra/tls/ca.pem"
        )
        .to_owned()
    })
}

/// Reads `system.local` in a loop until stopped; counts the failures.
struct Reader {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Reader {
    fn start(s: &cql::Session) -> Reader {
        let (stop, ok, errors) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
        );
        let (s, st, o, e) = (s.clone(), stop.clone(), ok.clone(), errors.clone());
        let task = tokio::spawn(async move {
            while !st.load(Ordering::Relaxed) {
                match s.execute("SELECT key FROM system.local", ()).await {
                    Ok(_) => o.fetch_add(1, Ordering::Relaxed),
                    Err(err) => {
                        eprintln!("read failed: {err}");
                        e.fetch_add(1, Ordering::Relaxed)
                    }
                };
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        Reader {
            stop,
            ok,
            errors,
            task,
        }
    }

    async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("reader");
        (
            self.ok.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
        )
    }
}

fn open(s: &cql::Session) -> Vec<usize> {
    s.pool_state().iter().map(|(_, n, _)| *n).collect()
}

async fn wait_full(s: &cql::Session, per_host: usize) {
    let until = Instant::now() + Duration::from_secs(60);
    while !open(s).iter().all(|&n| n == per_host) {
        assert!(
            Instant::now() < until,
            "pools not full: {:?}",
            s.pool_state()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_material_swapped_at_run_time_is_used_by_rotated_connections() {
    let tls = TlsConfig::with_ca_file(ca_path())
        .unwrap_or_else(|e| panic!("{e}; start the server with scripts/cassandra start --tls"));
    let s = builder(ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .tls(tls.clone())
        .connections_per_host(2)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("TLS connect");
    wait_full(&s, 2).await;
    let reader = Reader::start(&s);

    // A CA file that cannot be read fails to load: nothing is swapped.
    let missing = TlsConfig::with_ca_file("/nonexistent/ca.pem").expect_err("no such file");
    assert!(matches!(missing, Error::Config(_)), "{missing:?}");

    // A CA that did not sign the server's certificate: every node's new connection fails
    // its handshake, the old ones stay.
    let unrelated = TlsConfig::with_ca_pem(include_bytes!("data/unrelated-ca.pem")).expect("CA");
    tls.replace(&unrelated);
    assert!(tls.shares_material_with(&tls.clone()));
    let report = s.rotate_connections().await.expect("rotate");
    eprintln!("{report:?}");
    assert!(!report.is_complete());
    assert_eq!(report.failures().count(), report.hosts.len());
    for h in &report.hosts {
        assert_eq!((h.before, h.rotated), (2, 0), "{h:?}");
        assert!(matches!(h.error, Some(Error::Tls { .. })), "{h:?}");
    }
    assert!(open(&s).iter().all(|&n| n == 2), "{:?}", s.pool_state());

    // The right CA, loaded again (as after a renewal): every connection is replaced.
    let renewed = TlsConfig::with_ca_file(ca_path()).expect("CA");
    tls.replace(&renewed);
    let report = s.rotate_connections().await.expect("rotate");
    eprintln!("{report:?}");
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.rotated(), 2 * report.hosts.len());
    wait_full(&s, 2).await;
    let (ok, errors) = reader.stop().await;
    eprintln!("{ok} reads during the swaps");
    assert!(ok > 0);
    assert_eq!(errors, 0, "reads failed during the swaps");
    s.shutdown().await;
}

/// What the provider does for a new connection.
const WORKS: u8 = 0;
const FAILS: u8 = 1;
const HANGS: u8 = 2;

#[derive(Debug)]
struct Flaky {
    mode: AtomicU8,
    inner: PlainTextAuthProvider,
}

#[async_trait::async_trait]
impl AuthProvider for Flaky {
    async fn new_authenticator(
        &self,
        host: &HostInfo,
        class: &str,
    ) -> Result<Box<dyn Authenticator>, dbauth::Error> {
        match self.mode.load(Ordering::SeqCst) {
            FAILS => Err(dbauth::Error::Provider("the vault is sealed".into())),
            HANGS => std::future::pending().await,
            _ => self.inner.new_authenticator(host, class).await,
        }
    }
}

#[derive(Debug)]
struct ToProxy(SocketAddr, SocketAddr);

impl cql::policies::AddressTranslator for ToProxy {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        if addr == self.0 { self.1 } else { addr }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_fails_or_hangs_is_reported_and_leaves_nothing_open() {
    // Every connection goes through a proxy of the test's own: its socket count is exact.
    let node: SocketAddr = format!("{}:9042", hosts()[0])
        .parse()
        .expect("CQL_TEST_HOSTS: IP");
    let proxy = Proxy::start(node).await;
    let provider = Arc::new(Flaky {
        mode: AtomicU8::new(WORKS),
        inner: PlainTextAuthProvider::new("cassandra", "cassandra"),
    });
    let connect_timeout = Duration::from_secs(3);
    let s = cql::Cluster::builder()
        .contact_points([proxy.addr.to_string()])
        .address_translator(ToProxy(node, proxy.addr))
        .auth_provider_arc(provider.clone())
        .connections_per_host(2)
        .connect_timeout(connect_timeout)
        .request_timeout(crate::common::REQUEST_TIMEOUT)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    wait_full(&s, 2).await;
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before_tasks = tasks();
    let reader = Reader::start(&s);

    provider.mode.store(FAILS, Ordering::SeqCst);
    let report = s.rotate_connections().await.expect("rotate");
    eprintln!("{report:?}");
    for h in &report.hosts {
        assert_eq!(h.rotated, 0, "{h:?}");
        assert!(matches!(h.error, Some(Error::AuthProvider { .. })), "{h:?}");
    }

    provider.mode.store(HANGS, Ordering::SeqCst);
    let started = Instant::now();
    let report = s.rotate_connections().await.expect("rotate");
    let took = started.elapsed();
    eprintln!("{report:?} in {took:?}");
    for h in &report.hosts {
        assert_eq!(h.rotated, 0, "{h:?}");
        assert!(
            matches!(h.error, Some(Error::ConnectTimeout { .. })),
            "{h:?}"
        );
    }
    assert!(took >= connect_timeout, "{took:?}");
    assert!(
        took < connect_timeout * 10,
        "the connect timeout bounds a hung provider: {took:?}"
    );
    assert!(open(&s).iter().all(|&n| n == 2), "{:?}", s.pool_state());

    // The failed attempts' sockets are closed: only the session's two connections remain.
    let live = proxy.wait_live_at_most(2, Duration::from_secs(10)).await;
    assert_eq!(live, 2, "sockets left open by the failed attempts");

    provider.mode.store(WORKS, Ordering::SeqCst);
    let report = s.rotate_connections().await.expect("rotate");
    assert!(report.is_complete(), "{report:?}");
    let (ok, errors) = reader.stop().await;
    assert!(ok > 0);
    assert_eq!(errors, 0, "reads failed while the provider failed");
    // The old connections close once idle; then two sockets again, and no task left over.
    let live = proxy.wait_live_at_most(2, Duration::from_secs(20)).await;
    assert_eq!(live, 2, "retired connections left open");
    let until = Instant::now() + Duration::from_secs(20);
    while tasks() > before_tasks {
        assert!(
            Instant::now() < until,
            "{} tasks, {before_tasks} before",
            tasks()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.shutdown().await;
}
