//! Credential rotation and the maximum connection lifetime on the 3-node cluster, under 16
//! writers: the password changes on the server (ALTER ROLE), then the provider answers with
//! the new one and `rotate_connections()` replaces every connection without a failed
//! request; a wrong new password is reported per node and the old connections keep serving;
//! the role is switched and the old one dropped, and nothing notices. Connections that live
//! 10 s ± 2 s turn over for 60 s without an error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cql::dbauth::{PlainTextAuthProvider, SwappableAuthProvider};
use cql::{Consistency, SimpleStatement};

use super::{builder, ddl, node_addr, session, three_nodes, wait_schema_agreement};

/// Credentials the test changes while sessions use them (as a vault client would).
fn swappable(user: &str, password: &str) -> SwappableAuthProvider {
    SwappableAuthProvider::new(PlainTextAuthProvider::new(user, password))
}

fn set(provider: &SwappableAuthProvider, user: &str, password: &str) {
    provider.replace(PlainTextAuthProvider::new(user, password));
}

/// 16 writers of unique keys at QUORUM until stopped; counts writes and errors.
struct Writers {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    async fn start(s: &cql::Session, ks: &str) -> Writers {
        static RUN: AtomicU32 = AtomicU32::new(0);
        let run = i64::from(RUN.fetch_add(1, Ordering::Relaxed)) << 40;
        let insert = s
            .prepare(&format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare")
            .with_consistency(Consistency::Quorum);
        let (stop, ok, errors) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
        );
        let tasks = (0..16_i64)
            .map(|w| {
                let (s, insert) = (s.clone(), insert.clone());
                let (stop, ok, errors) = (Arc::clone(&stop), Arc::clone(&ok), Arc::clone(&errors));
                tokio::spawn(async move {
                    let mut i = 0_i64;
                    while !stop.load(Ordering::Relaxed) {
                        let k = run | (w << 32) | i;
                        match s.execute(&insert, (k, 1_i32)).await {
                            Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                            Err(e) => {
                                eprintln!("write failed: {e}");
                                errors.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                        i += 1;
                    }
                })
            })
            .collect();
        Writers {
            stop,
            ok,
            errors,
            tasks,
        }
    }

    fn ok(&self) -> u64 {
        self.ok.load(Ordering::Relaxed)
    }

    fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Waits until `n` more writes succeeded (the writers are running).
    async fn wait_for(&self, n: u64) {
        let (from, until) = (self.ok(), Instant::now() + Duration::from_secs(60));
        while self.ok() < from + n {
            assert!(Instant::now() < until, "writers stalled at {}", self.ok());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let (ok, errors) = (Arc::clone(&self.ok), Arc::clone(&self.errors));
        for t in self.tasks {
            t.await.expect("writer");
        }
        (ok.load(Ordering::Relaxed), errors.load(Ordering::Relaxed))
    }
}

/// A keyspace (RF 3, table `t (k bigint, v int)`) and a login role with rights on it.
async fn set_up(admin: &cql::Session, tag: &str, role: &str, password: &str) -> String {
    let ks = format!("rot_{tag}_{}", std::process::id());
    ddl(admin, &format!("DROP KEYSPACE IF EXISTS {ks}")).await;
    ddl(
        admin,
        &format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 3}}"),
    )
    .await;
    ddl(
        admin,
        &format!("CREATE TABLE {ks}.t (k bigint PRIMARY KEY, v int)"),
    )
    .await;
    create_role(admin, &ks, role, password).await;
    wait_schema_agreement().await;
    ks
}

/// `ALTER ROLE ... WITH PASSWORD`, retried while Cassandra 5 refuses a change within 5 s of
/// the role's creation or last change.
async fn alter_password(admin: &cql::Session, role: &str, password: &str) {
    let q = format!("ALTER ROLE {role} WITH PASSWORD = '{password}'");
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        match admin.execute(q.as_str(), ()).await {
            Ok(_) => return,
            Err(e) if e.to_string().contains("can only be changed") && Instant::now() < until => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("{q}: {e}"),
        }
    }
}

async fn create_role(admin: &cql::Session, ks: &str, role: &str, password: &str) {
    ddl(admin, &format!("DROP ROLE IF EXISTS {role}")).await;
    ddl(
        admin,
        &format!("CREATE ROLE {role} WITH PASSWORD = '{password}' AND LOGIN = true"),
    )
    .await;
    ddl(
        admin,
        &format!("GRANT ALL PERMISSIONS ON KEYSPACE {ks} TO {role}"),
    )
    .await;
}

async fn connect(provider: SwappableAuthProvider, lifetime: Option<Duration>) -> cql::Session {
    let s = builder()
        .auth_provider(provider)
        .connections_per_host(2)
        .max_connection_lifetime(lifetime, Duration::from_secs(2))
        .reconnection_backoff(Duration::from_millis(200), Duration::from_secs(2))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect as the test role");
    // Every pool full: the rotation's report counts what is open.
    let until = Instant::now() + Duration::from_secs(60);
    while !full(&s) {
        assert!(
            Instant::now() < until,
            "pools not full: {:?}",
            s.pool_state()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s
}

fn full(s: &cql::Session) -> bool {
    let state = s.pool_state();
    state.len() == 3 && state.iter().all(|(_, open, _)| *open == 2)
}

/// The client connections node `n` has open for `role` (its `system_views.clients`).
async fn connections_of(admin: &cql::Session, n: usize, role: &str) -> usize {
    let q =
        SimpleStatement::new("SELECT username FROM system_views.clients").with_host(node_addr(n));
    let rows = admin.execute(&q, ()).await.expect("system_views.clients");
    rows.rows_typed::<(Option<String>,)>()
        .expect("rows")
        .filter(|r| r.as_ref().is_ok_and(|(u,)| u.as_deref() == Some(role)))
        .count()
}

/// Waits until no node has a connection authenticated as `role` (the old ones close once
/// their requests have ended).
async fn wait_no_connection_of(admin: &cql::Session, role: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let mut left = 0;
        for n in 1..=3 {
            left += connections_of(admin, n, role).await;
        }
        if left == 0 {
            return;
        }
        assert!(
            Instant::now() < until,
            "{left} connections still use {role}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn attempts(s: &cql::Session) -> u64 {
    s.pool_state().iter().map(|(_, _, a)| a).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_after_a_password_change_replaces_every_connection_without_an_error() {
    if !three_nodes() {
        return;
    }
    let admin = session().await;
    let (role, new_role) = (
        format!("rot_user_{}", std::process::id()),
        format!("rot_user2_{}", std::process::id()),
    );
    let ks = set_up(&admin, "pw", &role, "first-pw").await;
    let provider = swappable(&role, "first-pw");
    let s = connect(provider.clone(), None).await;
    let writers = Writers::start(&s, &ks).await;
    writers.wait_for(200).await;

    // The password changes on the server: open connections stay authenticated, new ones
    // need the new password.
    alter_password(&admin, &role, "second-pw").await;
    set(&provider, &role, "second-pw");
    let before = attempts(&s);
    let report = s.rotate_connections().await.expect("rotate");
    eprintln!("{report:?}");
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.hosts.len(), 3);
    for h in &report.hosts {
        assert_eq!((h.before, h.rotated), (2, 2), "{h:?}");
    }
    assert!(attempts(&s) >= before + 6, "six new connections");
    writers.wait_for(200).await;
    assert!(full(&s), "{:?}", s.pool_state());

    // A wrong new password: every node reports the rejection, nothing is replaced, and the
    // connections opened with the second password keep serving.
    set(&provider, &role, "wrong-pw");
    let report = s.rotate_connections().await.expect("rotate");
    eprintln!("{report:?}");
    assert!(!report.is_complete());
    let failed: Vec<SocketAddr> = report.failures().map(|(a, _)| a).collect();
    assert_eq!(failed.len(), 3, "{report:?}");
    for h in &report.hosts {
        assert_eq!(h.rotated, 0, "{h:?}");
        let e = h.error.as_ref().expect("error");
        assert!(e.is_authentication(), "{e:?}");
        assert!(
            !format!("{e} {e:?}").contains("wrong-pw"),
            "password in {e:?}"
        );
    }
    writers.wait_for(200).await;
    assert!(full(&s), "{:?}", s.pool_state());
    assert_eq!(
        writers.errors(),
        0,
        "requests failed after the wrong password"
    );

    // Another role, then the old one dropped: no connection still used it (with the
    // server's auth caches off, a request on such a connection would fail at once).
    create_role(&admin, &ks, &new_role, "third-pw").await;
    set(&provider, &new_role, "third-pw");
    let report = s.rotate_connections().await.expect("rotate");
    assert!(report.is_complete(), "{report:?}");
    wait_no_connection_of(&admin, &role).await;
    ddl(&admin, &format!("DROP ROLE {role}")).await;
    writers.wait_for(500).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (ok, errors) = writers.stop().await;
    eprintln!("{ok} writes, {errors} errors; {:?}", s.pool_state());
    assert_eq!(errors, 0, "requests failed during the rotations");
    let mut of_new_role = 0;
    for n in 1..=3 {
        of_new_role += connections_of(&admin, n, &new_role).await;
    }
    assert_eq!(
        of_new_role, 6,
        "every connection authenticated as the new role"
    );
    s.shutdown().await;
    ddl(&admin, &format!("DROP ROLE IF EXISTS {new_role}")).await;
    ddl(&admin, &format!("DROP KEYSPACE IF EXISTS {ks}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_their_lifetime_turn_over_without_an_error() {
    if !three_nodes() {
        return;
    }
    let admin = session().await;
    let role = format!("rot_life_{}", std::process::id());
    let ks = set_up(&admin, "life", &role, "life-pw").await;
    let provider = swappable(&role, "life-pw");
    let s = connect(provider, Some(Duration::from_secs(10))).await;
    let before = attempts(&s);
    let writers = Writers::start(&s, &ks).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let (ok, errors) = writers.stop().await;
    let opened = attempts(&s) - before;
    eprintln!(
        "{ok} writes, {errors} errors, {opened} connections opened in 60 s; {:?}",
        s.pool_state()
    );
    assert_eq!(errors, 0);
    // 6 connections living 8-12 s: about 30 replacements in 60 s; a busy machine slows the
    // handshakes, so only a third of that is required.
    assert!(opened >= 10, "{opened} connections opened");
    assert!(
        opened <= 60,
        "{opened} connections opened: more than the lifetime explains"
    );
    let state = s.pool_state();
    assert!(state.iter().all(|(_, open, _)| *open == 2), "{state:?}");
    s.shutdown().await;
    ddl(&admin, &format!("DROP ROLE IF EXISTS {role}")).await;
    ddl(&admin, &format!("DROP KEYSPACE IF EXISTS {ks}")).await;
}
