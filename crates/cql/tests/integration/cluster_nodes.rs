//! Tests on a real 3-node cluster (`scripts/cassandra start --nodes 3`). They run only with
//! `CQL_TEST_CLUSTER_NODES=3` (otherwise they say so and pass). The nodes' addresses come from
//! `CQL_TEST_CLUSTER_HOSTS` (comma-separated), else from `CASSANDRA_IP_BASE` like
//! scripts/cassandra does (127.0.0.1-3 by default).
//!
//! The tests in [`down`] stop and start nodes: they also need `CQL_TEST_FAILOVER=1` and run one
//! at a time (`--test-threads=1`), after the others.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cql::Cluster;
use cql::token::Token;

use crate::common::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, max_attempts};

mod down;
mod dropped;
mod prepared_everywhere;
mod rotation;
mod schema_agreement_real;
mod scylla_proxy;
mod scylla_sim;

pub(crate) fn three_nodes() -> bool {
    let on = std::env::var("CQL_TEST_CLUSTER_NODES").as_deref() == Ok("3");
    if !on {
        eprintln!("skipped: needs a 3-node cluster and CQL_TEST_CLUSTER_NODES=3");
    }
    on
}

/// The three nodes' IP addresses, node 1 first.
pub(crate) fn hosts() -> Vec<String> {
    if let Ok(h) = std::env::var("CQL_TEST_CLUSTER_HOSTS") {
        return h.split(',').map(|s| s.trim().to_owned()).collect();
    }
    let base: u8 = std::env::var("CASSANDRA_IP_BASE")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(1);
    (0..3).map(|i| format!("127.0.0.{}", base + i)).collect()
}

/// Node `n`'s (1-based) native transport address.
pub(crate) fn node_addr(n: usize) -> SocketAddr {
    format!("{}:9042", hosts()[n - 1])
        .parse()
        .expect("CQL_TEST_CLUSTER_HOSTS: IP addresses")
}

/// The node number (1-based) of an address.
pub(crate) fn node_of(addr: SocketAddr) -> Option<usize> {
    (1..=3).find(|&n| node_addr(n) == addr)
}

/// A builder for the cluster through node 1, with the suite's generous timeouts for a cold
/// cluster on a busy machine (see `common`).
pub(crate) fn builder() -> cql::ClusterBuilder {
    Cluster::builder()
        .contact_points([hosts()[0].clone()])
        .request_timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
}

/// A superuser session on the cluster, its metadata read.
pub(crate) async fn session() -> cql::Session {
    let s = builder()
        .credentials("cassandra", "cassandra")
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to the 3-node cluster");
    s.refresh_metadata().await.expect("metadata");
    s
}

/// The session of the tests that stop nodes ([`down`]): a request to a node that stopped
/// answering times out after 5 s and goes to the next node.
pub(crate) async fn failover_session() -> cql::Session {
    let s = Cluster::builder()
        .contact_points([hosts()[0].clone()])
        .credentials("cassandra", "cassandra")
        // The default request timeout (12 s), not a shorter one: while a node restarts under
        // load on two busy cores, the other nodes stalled for 10 s once (0 writes per second;
        // requests to node 1 timed out after 5 s, the whole request's deadline). A stall of
        // the servers is not an error of the driver's failover, which is what these tests
        // assert on; the driver's default absorbs it as a user's session would.
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to the 3-node cluster");
    s.refresh_metadata().await.expect("metadata");
    s
}

/// Runs DDL, retrying while the node that coordinates it has not yet seen earlier schema
/// changes (the driver waits for schema agreement after its own DDL, up to
/// `max_schema_agreement_wait`; this retry does not depend on that wait being right).
pub(crate) async fn ddl(s: &cql::Session, q: &str) {
    for attempt in 0.. {
        match s.execute(q, ()).await {
            Ok(_) => return,
            Err(e) if attempt < 50 && e.to_string().contains("exist") => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{q}: {e}"),
        }
    }
}

pub(crate) async fn create_keyspace(s: &cql::Session, name: &str, rf: u32) {
    ddl(s, &format!("DROP KEYSPACE IF EXISTS {name}")).await;
    ddl(
        s,
        &format!("CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"),
    )
    .await;
    ddl(
        s,
        &format!("CREATE TABLE {name}.t (k int PRIMARY KEY, v int)"),
    )
    .await;
}

/// Waits until node 1 and the peers it knows of report the same schema version, read from
/// the system tables directly (a check independent of the driver's own schema-agreement
/// wait): DDL reaches the other nodes asynchronously, and a request routed to a node that
/// has not seen a new table fails.
pub(crate) async fn wait_schema_agreement() {
    let s = builder()
        .credentials("cassandra", "cassandra")
        .load_balancing_policy(cql::policies::WhiteListPolicy::new(
            cql::policies::RoundRobinPolicy::new(),
            [node_addr(1)],
        ))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect to node 1");
    let t0 = Instant::now();
    loop {
        let mut versions = Vec::new();
        for q in [
            "SELECT schema_version FROM system.local",
            "SELECT schema_version FROM system.peers_v2",
        ] {
            let rows = s.execute(q, ()).await.expect(q).rows().expect("rows");
            versions.extend(
                rows.iter()
                    .map(|r| format!("{:?}", r.get("schema_version"))),
            );
        }
        if versions.len() == 3 && versions.iter().all(|v| *v == versions[0]) {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no schema agreement: {versions:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn metadata_lists_three_hosts_with_tokens_dc_and_rack() {
    if !three_nodes() {
        return;
    }
    let s = session().await;
    let m = s.cluster_metadata();
    let addrs: Vec<SocketAddr> = m.hosts().iter().map(|h| h.address()).collect();
    assert_eq!(addrs, [node_addr(1), node_addr(2), node_addr(3)], "{m:?}");
    for h in m.hosts() {
        assert_eq!(h.datacenter(), Some("datacenter1"), "{h:?}");
        assert_eq!(h.rack(), Some("rack1"), "{h:?}");
        assert_eq!(h.tokens().len(), 1, "{h:?}");
        assert!(h.host_id().is_some() && h.is_up(), "{h:?}");
    }
    // scripts/cassandra gives node i the token -2^63 + (i-1) * 2^64/3.
    let third = (u64::MAX / 3) as i64;
    assert_eq!(m.hosts()[0].tokens()[0], Token(i64::MIN));
    assert_eq!(m.hosts()[1].tokens()[0].0, i64::MIN.wrapping_add(third));
    // Every node gets a pool with an open connection (polled: a cold node is slow to accept).
    wait_for_open_pools(&s, 3, Duration::from_secs(60)).await;
}

/// Waits until `n` nodes have a pool with an open connection; fails after `within`.
pub(crate) async fn wait_for_open_pools(s: &cql::Session, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while s
        .pool_state()
        .iter()
        .filter(|(_, open, _)| *open > 0)
        .count()
        < n
    {
        assert!(Instant::now() < deadline, "pools: {:?}", s.pool_state());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn token_aware_routing_sends_every_insert_to_the_owner() {
    if !three_nodes() {
        return;
    }
    let s = session().await;
    create_keyspace(&s, "cluster_routing", 1).await;
    wait_schema_agreement().await;
    let m = s.refresh_metadata().await.expect("metadata");
    let insert = s
        .prepare("INSERT INTO cluster_routing.t (k, v) VALUES (?, ?)")
        .await
        .expect("prepare");
    let mut per_node = std::collections::BTreeMap::new();
    let mut misrouted = 0;
    for k in 0..1000i32 {
        let r = s.execute(&insert, (k, k)).await.expect("insert");
        let owner = m
            .token_owner(Token::of_key(&k.to_be_bytes()))
            .expect("owner")
            .address();
        if r.coordinator() != owner {
            misrouted += 1;
        }
        *per_node.entry(r.coordinator()).or_insert(0) += 1;
    }
    eprintln!("coordinators of 1000 inserts: {per_node:?}, misrouted: {misrouted}");
    assert_eq!(misrouted, 0);
    assert_eq!(per_node.len(), 3, "all nodes own some keys: {per_node:?}");
    // The session's per-node request counters agree (nothing else ran on this session).
    let metrics = s.metrics();
    for (addr, n) in &per_node {
        let h = metrics.host(*addr).expect("node metrics");
        assert!(h.requests >= *n, "{addr}: {} requests < {n}", h.requests);
        assert!(
            h.requests <= *n + 10,
            "{addr}: {} requests for {n} inserts",
            h.requests
        );
    }

    // Unbound statements with a routing key go to the owner too; the server's own trace says
    // which node coordinated.
    let mut traced = 0;
    for k in 0..60i32 {
        let key = k.to_be_bytes();
        let stmt =
            cql::SimpleStatement::new(format!("SELECT v FROM cluster_routing.t WHERE k = {k}"))
                .with_routing_key(key.to_vec())
                .with_keyspace("cluster_routing")
                .with_tracing(k % 20 == 0);
        let r = s.execute(&stmt, ()).await.expect("select");
        let owner = m.token_owner(Token::of_key(&key)).expect("owner").address();
        assert_eq!(r.coordinator(), owner, "key {k}");
        if let Some(id) = r.tracing_id() {
            let trace = s
                .query_trace(id, Duration::from_secs(60))
                .await
                .expect("trace");
            assert_eq!(trace.coordinator, Some(owner.ip()), "key {k}");
            traced += 1;
        }
    }
    assert_eq!(traced, 3);
}

/// Gives the right password to every node but one: stands in for a node whose credentials
/// were rotated ahead of the others. Counts the authenticators made per node.
#[derive(Debug)]
struct WrongPasswordFor {
    bad: SocketAddr,
    calls: std::sync::Mutex<std::collections::HashMap<SocketAddr, u32>>,
}

#[async_trait::async_trait]
impl cql::dbauth::AuthProvider for WrongPasswordFor {
    async fn new_authenticator(
        &self,
        host: &cql::dbauth::HostInfo,
        authenticator_class: &str,
    ) -> Result<Box<dyn cql::dbauth::Authenticator>, cql::dbauth::Error> {
        if let Ok(mut c) = self.calls.lock() {
            *c.entry(host.address).or_insert(0) += 1;
        }
        let password = if host.address == self.bad {
            "not-the-password"
        } else {
            "cassandra"
        };
        cql::dbauth::PlainTextAuthProvider::new("cassandra", password)
            .new_authenticator(host, authenticator_class)
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_on_one_node_backs_off_and_the_others_serve() {
    if !three_nodes() {
        return;
    }
    let bad = node_addr(3);
    let provider = std::sync::Arc::new(WrongPasswordFor {
        bad,
        calls: Default::default(),
    });
    let (base, max) = (Duration::from_millis(500), Duration::from_secs(2));
    let window = Duration::from_secs(8);
    let started = Instant::now();
    let s = builder()
        .auth_provider_arc(provider.clone())
        .reconnection_backoff(base, max)
        .load_balancing_policy(cql::policies::RoundRobinPolicy::new())
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through node 1");
    s.refresh_metadata().await.expect("metadata");
    // Requests keep working on nodes 1 and 2 while node 3 refuses the password. Watched for
    // `window` at least, and until node 3's pool made two attempts with none of them half way
    // (its attempt counter and the provider's calls for node 3 read alike before and after:
    // an attempt counts when it starts, the provider is called later in its handshake, which
    // a loaded machine makes slow).
    let mut per_node = std::collections::BTreeMap::new();
    let pool_of_3 = |s: &cql::Session| {
        s.pool_state()
            .iter()
            .find(|(a, _, _)| *a == bad)
            .map(|(_, open, attempts)| (*open, *attempts))
    };
    let calls_for_3 = || provider.calls.lock().expect("lock").get(&bad).copied();
    let (attempts, calls_for_bad) = loop {
        let r = s
            .execute("SELECT release_version FROM system.local", ())
            .await
            .expect("query while node 3 rejects the password");
        *per_node.entry(r.coordinator()).or_insert(0u32) += 1;
        let (before, calls, after) = (pool_of_3(&s), calls_for_3(), pool_of_3(&s));
        if let (Some((open, attempts)), Some(calls)) = (before, calls) {
            assert_eq!(open, 0, "node 3 has no connection");
            if started.elapsed() >= window
                && attempts >= 2
                && before == after
                && u64::from(calls) == attempts
            {
                break (attempts, calls);
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "node 3's pool (open, attempts): {after:?}, provider calls for it: {calls:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let limit = u64::from(max_attempts(base, max, started.elapsed()));
    let errors = s.pool_errors();
    let calls = provider.calls.lock().expect("lock").clone();
    eprintln!(
        "wrong password on node 3: {attempts} connection attempts in {:?} (back-off allows at most {limit}), \
         provider calls {calls:?}, coordinators {per_node:?}, pool errors {errors:?}, node 3 up: {:?}",
        started.elapsed(),
        s.cluster_metadata().host(bad).map(|h| h.is_up())
    );
    assert!(attempts >= 2, "the pool keeps retrying: {attempts}");
    assert!(
        attempts <= limit,
        "{attempts} attempts, at most {limit} expected"
    );
    // One authenticator per attempt, read when no attempt was half way.
    assert_eq!(u64::from(calls_for_bad), attempts);
    assert_eq!(
        per_node.keys().copied().collect::<Vec<_>>(),
        [node_addr(1), node_addr(2)],
        "only the other nodes coordinate"
    );
    let (_, error) = errors
        .iter()
        .find(|(a, _)| *a == bad)
        .expect("node 3's pool error is visible");
    assert!(
        error.contains("authentication") && error.contains(&bad.to_string()),
        "{error}"
    );
    assert!(!error.contains("not-the-password"), "{error}");
    assert_eq!(
        s.cluster_metadata().host(bad).map(|h| h.is_up()),
        Some(false)
    );
    // A request that can only go to node 3 fails with the authentication error, typed.
    let only3 = Cluster::builder()
        .contact_points([hosts()[2].clone()])
        .connect_timeout(CONNECT_TIMEOUT)
        .auth_provider_arc(provider.clone())
        .build()
        .expect("config")
        .connect()
        .await
        .expect_err("node 3 rejects the password");
    match &only3 {
        cql::Error::NoHostAvailable(errors) => assert!(
            errors
                .iter()
                .any(|(a, e)| *a == bad && e.is_authentication()),
            "{only3:?}"
        ),
        other => panic!("expected NoHostAvailable, got {other:?}"),
    }
}

/// Sends node 3's advertised address to a local TCP proxy in front of node 3 (as a NAT or
/// port mapping would), and records what it was asked to translate.
#[derive(Debug)]
struct ProxyNode3 {
    proxy: SocketAddr,
    asked: std::sync::Mutex<Vec<SocketAddr>>,
}

impl cql::policies::AddressTranslator for ProxyNode3 {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        if let Ok(mut a) = self.asked.lock() {
            a.push(addr);
        }
        if addr == node_addr(3) {
            self.proxy
        } else {
            addr
        }
    }
}

/// Wraps a translator shared with the test.
#[derive(Debug)]
struct SharedTranslator(std::sync::Arc<ProxyNode3>);

impl cql::policies::AddressTranslator for SharedTranslator {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        self.0.translate(addr)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_are_reached_at_their_translated_addresses() {
    if !three_nodes() {
        return;
    }
    // A TCP proxy on 127.0.0.1:<any port> in front of node 3.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let proxy = listener.local_addr().expect("addr");
    let proxied = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&proxied);
    let proxy_task = tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::spawn(async move {
                if let Ok(mut node) = tokio::net::TcpStream::connect(node_addr(3)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut node).await;
                }
            });
        }
    });
    let translator = std::sync::Arc::new(ProxyNode3 {
        proxy,
        asked: Default::default(),
    });
    let s = builder()
        .credentials("cassandra", "cassandra")
        .address_translator(SharedTranslator(std::sync::Arc::clone(&translator)))
        .load_balancing_policy(cql::policies::RoundRobinPolicy::new())
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let m = s.refresh_metadata().await.expect("metadata");
    let addrs: Vec<SocketAddr> = m.hosts().iter().map(|h| h.address()).collect();
    let asked = translator.asked.lock().expect("lock").clone();
    eprintln!("hosts {addrs:?}; translator asked for {asked:?}");
    // The peers were translated (node 1, reached as a contact point, keeps its address).
    assert!(
        asked.contains(&node_addr(2)) && asked.contains(&node_addr(3)),
        "{asked:?}"
    );
    assert!(!asked.contains(&node_addr(1)), "{asked:?}");
    assert!(
        addrs.contains(&proxy) && !addrs.contains(&node_addr(3)),
        "{addrs:?}"
    );
    // Node 3's pool opens through the proxy in the background; wait for it (polled: a cold
    // node is slow to accept), so that round-robin gives it its share of the requests below.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !s
        .pool_state()
        .iter()
        .any(|(a, open, _)| *a == proxy && *open > 0)
    {
        assert!(
            Instant::now() < deadline,
            "no connection to node 3 through the proxy: {:?}",
            s.pool_state()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Requests reach node 3 through the proxy: it answers with its own address.
    let mut through_proxy = 0;
    for _ in 0..60 {
        let r = s
            .execute("SELECT rpc_address FROM system.local", ())
            .await
            .expect("query");
        if r.coordinator() == proxy {
            let (ip,): (std::net::IpAddr,) = r.first_row_typed().expect("row");
            assert_eq!(ip, node_addr(3).ip());
            through_proxy += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connections = proxied.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{through_proxy} of 60 requests through the proxy, {connections} proxied connections"
    );
    assert!(through_proxy > 0 && connections > 0);
    proxy_task.abort();
}
