//! Connection pools, one per node (the reference driver's `cassandra.pool`).
//!
//! A pool keeps `connections_per_host` connections open. Requests go to the connection with
//! the fewest requests in flight. A broken connection is replaced in the background; failed
//! attempts back off exponentially (base doubling up to a cap, with jitter), and an
//! authentication failure backs off like any other, so a wrong password never turns into a
//! reconnection storm.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use cql_protocol::message::{Query, QueryParameters, Request};

use crate::cluster::Config;
use crate::connection::{Connection, EventSender, SendOptions};
use crate::error::Error;
use crate::metadata::HostState;

/// The pool of one node.
pub(crate) struct HostPool {
    addr: SocketAddr,
    config: Arc<Config>,
    /// Read on every request, replaced when a connection opens: a lock-free snapshot, so that
    /// callers on different threads do not contend on a lock's counter.
    conns: ArcSwap<Vec<Connection>>,
    /// A refill task is running.
    filling: AtomicBool,
    /// Consecutive failed connection attempts.
    failures: AtomicU32,
    /// Total connection attempts; for metrics and tests of the back-off.
    attempts: AtomicU64,
    last_error: Mutex<Option<String>>,
    keyspace: Arc<RwLock<Option<String>>>,
    events: Option<EventSender>,
    shut: AtomicBool,
    /// The node's up/down flag, shared with the cluster metadata.
    state: Arc<HostState>,
    /// Cuts a refill task's back-off short (the node was reported up).
    wake: tokio::sync::Notify,
    /// Connections to keep open: by the node's distance (local or remote).
    target: AtomicUsize,
}

impl std::fmt::Debug for HostPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostPool")
            .field("addr", &self.addr)
            .field("open", &self.open_connections())
            .field("failures", &self.failures.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl HostPool {
    pub(crate) fn new(
        addr: SocketAddr,
        config: Arc<Config>,
        keyspace: Arc<RwLock<Option<String>>>,
        events: Option<EventSender>,
        state: Arc<HostState>,
    ) -> Arc<Self> {
        Arc::new(Self {
            addr,
            conns: ArcSwap::from_pointee(Vec::new()),
            filling: AtomicBool::new(false),
            failures: AtomicU32::new(0),
            attempts: AtomicU64::new(0),
            last_error: Mutex::new(None),
            keyspace,
            events,
            shut: AtomicBool::new(false),
            state,
            wake: tokio::sync::Notify::new(),
            target: AtomicUsize::new(config.connections_per_host),
            config,
        })
    }

    fn target(&self) -> usize {
        self.target.load(Ordering::Relaxed)
    }

    /// Sets the number of connections to keep open (the node's distance changed or is known
    /// now); a larger pool fills in the background, a smaller one closes its surplus
    /// connections once they have no request in flight.
    pub(crate) fn set_target(self: &Arc<Self>, n: usize) {
        let n = n.max(1);
        if self.target.swap(n, Ordering::Relaxed) == n {
            return;
        }
        let conns = self.conns.load();
        let open: Vec<&Connection> = conns.iter().filter(|c| !c.is_closed()).collect();
        for c in open.iter().skip(n).filter(|c| c.in_flight() == 0) {
            c.close("pool shrunk: the node's distance changed");
        }
        self.ensure_filled();
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Opens the first connection now (errors are returned), the rest in the background.
    pub(crate) async fn open_first(self: &Arc<Self>) -> Result<Connection, Error> {
        let conn = self.connect_one().await?;
        self.ensure_filled();
        Ok(conn)
    }

    pub(crate) fn open_connections(&self) -> usize {
        self.conns.load().iter().filter(|c| !c.is_closed()).count()
    }

    pub(crate) fn connection_attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// The least busy open connection, if any; starts a refill when connections are missing.
    pub(crate) fn pick(self: &Arc<Self>) -> Option<Connection> {
        let conns = self.conns.load();
        let mut best: Option<&Connection> = None;
        let mut missing = conns.len() < self.target();
        for c in conns.iter() {
            if c.is_closed() {
                missing = true;
            } else if best.is_none_or(|b| c.in_flight() < b.in_flight()) {
                best = Some(c);
            }
        }
        if missing {
            self.ensure_filled();
        }
        best.cloned()
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    async fn connect_one(self: &Arc<Self>) -> Result<Connection, Error> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let result = async {
            let conn = Connection::open(self.addr, &self.config, self.events.clone()).await?;
            let ks = self.keyspace.read().ok().and_then(|k| k.clone());
            if let Some(ks) = ks {
                use_keyspace(&conn, &ks, self.config.request_timeout).await?;
            }
            Ok::<_, Error>(conn)
        }
        .await;
        match result {
            Ok(conn) => {
                self.failures.store(0, Ordering::Relaxed);
                if self.state.set_up(true) {
                    tracing::info!(addr = %self.addr, "node is up");
                }
                self.conns.rcu(|old| {
                    let mut conns: Vec<Connection> =
                        old.iter().filter(|c| !c.is_closed()).cloned().collect();
                    conns.push(conn.clone());
                    conns
                });
                self.watch(&conn);
                Ok(conn)
            }
            Err(e) => {
                let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
                if self.open_connections() == 0 && self.state.set_up(false) {
                    tracing::warn!(addr = %self.addr, "node is down: no connection can be opened");
                }
                if let Ok(mut last) = self.last_error.lock() {
                    *last = Some(e.to_string());
                }
                if e.is_authentication() {
                    tracing::error!(addr = %self.addr, attempt = n, error = %e, "authentication failed; backing off");
                } else {
                    tracing::warn!(addr = %self.addr, attempt = n, error = %e, "connection failed; backing off");
                }
                Err(e)
            }
        }
    }

    /// Refills the pool when `conn` closes (a node that stopped or crashed): the reconnection
    /// attempts start then, and a node that cannot be reached is marked down, instead of both
    /// waiting for a request to pick this pool or for the cluster's event. A closed connection
    /// counts as a failure for the back-off, so that a node that accepts connections and then
    /// drops them is not reconnected to in a tight loop.
    fn watch(self: &Arc<Self>, conn: &Connection) {
        let pool = Arc::downgrade(self);
        let conn = conn.clone();
        tokio::spawn(async move {
            conn.closed().await;
            if let Some(pool) = pool.upgrade() {
                // Not a failure when the pool closed it as surplus (it still has enough).
                if !pool.shut.load(Ordering::Acquire) && pool.open_connections() < pool.target() {
                    tracing::debug!(addr = %pool.addr, "connection closed; refilling the pool after the back-off");
                    pool.failures.fetch_max(1, Ordering::Relaxed);
                    pool.ensure_filled();
                }
            }
        });
    }

    /// Starts a background task that opens connections until the pool is full, backing off
    /// after failures. At most one runs per pool.
    pub(crate) fn ensure_filled(self: &Arc<Self>) {
        if self.shut.load(Ordering::Acquire) || self.filling.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if pool.shut.load(Ordering::Acquire) {
                    break;
                }
                let have = pool.open_connections();
                if have >= pool.target() {
                    break;
                }
                let failures = pool.failures.load(Ordering::Relaxed);
                if failures > 0 {
                    tokio::select! {
                        () = tokio::time::sleep(pool.config.reconnection.delay(failures)) => {}
                        () = pool.wake.notified() => {
                            tracing::debug!(addr = %pool.addr, "node reported up: reconnecting now");
                        }
                    }
                }
                let _ = pool.connect_one().await;
            }
            pool.filling.store(false, Ordering::Release);
        });
    }

    /// Runs `USE ks` on every open connection (after a `USE` statement succeeded on one).
    pub(crate) async fn use_keyspace_everywhere(&self, ks: &str) -> Result<(), Error> {
        let conns = self.conns.load_full();
        for c in conns.iter().filter(|c| !c.is_closed()) {
            if c.keyspace().as_deref() != Some(ks) {
                use_keyspace(c, ks, self.config.request_timeout).await?;
            }
        }
        Ok(())
    }

    /// Any open connection, without starting a refill (for the control connection).
    pub(crate) fn any_open(&self) -> Option<Connection> {
        self.conns.load().iter().find(|c| !c.is_closed()).cloned()
    }

    /// Forgets earlier failures (the node was reported up) and refills now: a refill task
    /// waiting out its back-off tries at once.
    pub(crate) fn reconnect_now(self: &Arc<Self>) {
        self.failures.store(0, Ordering::Relaxed);
        if self.open_connections() < self.target() {
            self.wake.notify_one();
        }
        self.ensure_filled();
    }

    pub(crate) fn shutdown(&self) {
        self.shut.store(true, Ordering::Release);
        for c in self.conns.load().iter() {
            c.close("session closed");
        }
    }
}

pub(crate) async fn use_keyspace(
    conn: &Connection,
    ks: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let query = format!("USE {}", quote_identifier(ks));
    let sent = conn.send(
        &Request::Query(Query {
            query: &query,
            params: QueryParameters::default(),
        }),
        SendOptions {
            tracing: false,
            timeout,
        },
    );
    sent.await?;
    conn.set_keyspace(Some(ks.to_owned()));
    Ok(())
}

/// A keyspace name for `USE`: as given when already in double quotes, otherwise quoted as
/// needed ([`metadata::quote_identifier`](crate::metadata::quote_identifier): mixed case,
/// other characters, reserved words such as `true`).
pub(crate) fn quote_identifier(name: &str) -> String {
    if name.len() >= 2 && name.starts_with('"') && name.ends_with('"') {
        name.to_owned()
    } else {
        crate::metadata::quote_identifier(name)
    }
}
