//! Connection pools, one per node (the reference driver's `cassandra.pool`).
//!
//! A pool keeps `connections_per_host` connections open. Requests go to the connection with
//! the fewest requests in flight. A broken connection is replaced in the background; failed
//! attempts back off exponentially (base doubling up to a cap, with jitter), and an
//! authentication failure backs off like any other, so a wrong password never turns into a
//! reconnection storm. After the cluster reports a node up, failed attempts are retried at the
//! policy's first delay for a while instead: the node's CQL port often opens some seconds after
//! gossip sees it.
//!
//! Reconnections are storm-safe ([`crate::reconnect`]): a node that refused connections is
//! probed with bare TCP connects so that it is retried as soon as its port reopens (and
//! then at short intervals for a few seconds, while it cannot log anyone in yet), pools woken
//! at once spread their attempts, and background handshakes to one node are bounded per
//! process.
//!
//! A pool that is shut down adds no connection any more: attempts in progress are abandoned
//! (their sockets closed) and one that completes at that moment is closed instead of joining.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use cql_protocol::message::{Query, QueryParameters, Request};

use crate::config::Config;
use crate::connection::{Connection, EventSender, Route, SendOptions, WaitQueue};
use crate::error::Error;
use crate::metadata::HostState;
use crate::reconnect::{self, PortWatch};
use crate::reprepare::PreparedRegistry;
use crate::token::Token;

mod rotation;
mod shards;

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
    /// Prepared on the first connection after the node was down (or new), before it joins.
    prepared: Option<Arc<PreparedRegistry>>,
    events: Option<EventSender>,
    shut: AtomicBool,
    /// Taken to add a connection and to shut down: a connection joins only an open pool.
    joining: Mutex<()>,
    /// Becomes `true` at shutdown: ends connection attempts and back-off waits in progress.
    shut_signal: tokio::sync::watch::Sender<bool>,
    /// Until when failed attempts retry at the policy's first delay (the node was reported up).
    fast_until: Mutex<Option<Instant>>,
    /// The node's up/down flag, shared with the cluster metadata.
    state: Arc<HostState>,
    /// Cuts a refill task's back-off short (the node was reported up).
    wake: tokio::sync::Notify,
    /// Connections to keep open: by the node's distance (local or remote).
    target: AtomicUsize,
    /// Requests waiting for a stream id on the node's connections.
    queue: Arc<WaitQueue>,
    /// Make-before-break replacement of the connections.
    rotation: rotation::RotationState,
    /// Whether the last attempt was refused, and the probe of the port then.
    port: PortWatch,
    /// The node's shards (ScyllaDB).
    shards: shards::Shards,
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
        prepared: Option<Arc<PreparedRegistry>>,
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
            prepared,
            events,
            shut: AtomicBool::new(false),
            joining: Mutex::new(()),
            shut_signal: tokio::sync::watch::Sender::new(false),
            fast_until: Mutex::new(None),
            state,
            wake: tokio::sync::Notify::new(),
            target: AtomicUsize::new(config.connections_per_host),
            queue: Arc::new(WaitQueue::new(
                config.max_queued_per_host,
                config.queue_wait,
            )),
            rotation: rotation::RotationState::new(),
            port: PortWatch::default(),
            shards: shards::Shards::default(),
            config,
        })
    }

    /// Connections to keep open: the distance's number, at least one per shard on ScyllaDB.
    fn target(&self) -> usize {
        self.shards.target(self.target.load(Ordering::Relaxed))
    }

    /// Sets the number of connections to keep open (the node's distance changed or is known
    /// now); a larger pool fills in the background. A smaller one takes its surplus
    /// connections out at once (they get no new requests) and closes each when its requests
    /// in flight have ended (after the request timeout at the latest).
    pub(crate) fn set_target(self: &Arc<Self>, n: usize) {
        let n = n.max(1);
        if self.target.swap(n, Ordering::Relaxed) == n {
            return;
        }
        let n = self.target();
        let surplus: Vec<Connection> = {
            let _guard = self.joining.lock();
            let conns = self.conns.load();
            let open: Vec<&Connection> = conns.iter().filter(|c| !c.is_closed()).collect();
            if open.len() <= n {
                Vec::new()
            } else {
                let (keep, surplus) = open.split_at(n);
                let keep: Vec<Connection> = keep.iter().map(|c| (*c).clone()).collect();
                let surplus = surplus.iter().map(|c| (*c).clone()).collect();
                self.conns.store(Arc::new(keep));
                surplus
            }
        };
        let patience = self.config.request_timeout;
        for c in surplus {
            tokio::spawn(close_when_idle(c, patience));
        }
        self.ensure_filled();
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Opens the first connection now (errors are returned, including a keyspace that cannot
    /// be used), the rest in the background.
    pub(crate) async fn open_first(self: &Arc<Self>) -> Result<Connection, Error> {
        let conn = self.connect_one(true).await?;
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
        self.pick_for(None)
    }

    /// The least busy open connection of the shard that owns `token` (on ScyllaDB), else the
    /// least busy one; starts a refill when connections are missing.
    pub(crate) fn pick_for(self: &Arc<Self>, token: Option<Token>) -> Option<Connection> {
        self.pick_on(None, token)
    }

    /// Like [`pick_for`](Self::pick_for), on `shard` when given (a tablet replica's).
    pub(crate) fn pick_on(
        self: &Arc<Self>,
        shard: Option<u16>,
        token: Option<Token>,
    ) -> Option<Connection> {
        let conns = self.conns.load();
        let mut missing = conns.len() < self.target();
        let mut best: Option<&Connection> = None;
        match shard.or_else(|| self.shards.shard_for(token)) {
            // Cassandra, or no token: the least busy connection.
            None => {
                for c in conns.iter() {
                    if c.is_closed() {
                        missing = true;
                    } else if best.is_none_or(|b| c.in_flight() < b.in_flight()) {
                        best = Some(c);
                    }
                }
            }
            // The least busy of the shard's connections, else of all.
            Some(shard) => {
                let mut best_of_shard: Option<&Connection> = None;
                for c in conns.iter() {
                    if c.is_closed() {
                        missing = true;
                        continue;
                    }
                    let load = c.in_flight();
                    if best.is_none_or(|b| load < b.in_flight()) {
                        best = Some(c);
                    }
                    if c.shard() == Some(shard)
                        && best_of_shard.is_none_or(|b| load < b.in_flight())
                    {
                        best_of_shard = Some(c);
                    }
                }
                best = best_of_shard.or(best);
            }
        }
        if missing {
            self.ensure_filled();
        }
        best.cloned()
    }

    /// The node's shards and their connections (ScyllaDB; `None`: not sharded).
    pub(crate) fn shard_stats(&self) -> Option<crate::scylla::ShardStats> {
        shards::stats(&self.shards, &self.conns.load())
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// A new connection to the node using the session's keyspace, not in the pool yet. With
    /// `strict`, a keyspace that cannot be used fails it; otherwise that is logged and the
    /// connection is kept without it.
    /// On a sharded node, the connection is for `want` (else the shard with the fewest
    /// connections), through the shard-aware port if it works.
    async fn open(&self, strict: bool, want: Option<u16>) -> Result<Connection, Error> {
        let conn = self.dial(want).await?;
        self.shards
            .learn(self.addr, &conn, &self.config.shard_aware);
        conn.set_wait_queue(Arc::clone(&self.queue));
        let ks = self.keyspace.read().ok().and_then(|k| k.clone());
        if let Some(ks) = ks {
            match use_keyspace(&conn, &ks, self.config.request_timeout).await {
                Ok(()) => {}
                Err(e) if !strict && matches!(e, Error::Server { .. }) => {
                    tracing::warn!(addr = %self.addr, keyspace = %ks, error = %e,
                        "the session's keyspace cannot be used; connection opened without it");
                }
                Err(e) => {
                    conn.close("the session's keyspace cannot be used");
                    return Err(e);
                }
            }
        }
        Ok(conn)
    }

    /// A new connection, through the shard-aware port when the node has one that works (and
    /// at once through the regular port when it does not).
    async fn dial(&self, want: Option<u16>) -> Result<Connection, Error> {
        let (route, shard) = self.shards.next_route(
            &self.conns.load(),
            want,
            self.config.tls.is_some(),
            &self.config.shard_aware,
        );
        let (config, events) = (&self.config, self.events.clone());
        if route == Route::Regular {
            return Connection::open(self.addr, config, events).await;
        }
        match Connection::open_via(self.addr, route, config, events.clone()).await {
            Ok(conn) => {
                if let Some(want) = shard.filter(|s| conn.shard() != Some(*s)) {
                    self.shards.landed_elsewhere(self.addr, want, conn.shard());
                }
                Ok(conn)
            }
            Err(e) if e.is_authentication() => Err(e),
            Err(e) => {
                self.shards.port_failed(self.addr, &e);
                Connection::open(self.addr, config, events).await
            }
        }
    }

    /// Opens one connection and adds it to the pool. With `strict`, a keyspace that cannot be
    /// used fails the attempt; otherwise the connection joins without it (the keyspace was
    /// dropped: statements naming their keyspace still work, and the others get the server's
    /// error instead of a node that can never be reconnected to).
    async fn connect_one(self: &Arc<Self>, strict: bool) -> Result<Connection, Error> {
        let mut shut = self.shut_signal.subscribe();
        if *shut.borrow_and_update() {
            return Err(Error::Shutdown);
        }
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let attempt = async {
            let conn = self.open(strict, None).await?;
            // The node was down, restarted or is new: it gets the recent statements before
            // any request (the connection is not in the pool yet).
            if self.open_connections() == 0 {
                if let Some(registry) = &self.prepared {
                    registry
                        .prepare_on(&conn, self.config.request_timeout)
                        .await;
                }
            }
            Ok::<_, Error>(conn)
        };
        // Dropping the attempt at shutdown closes its socket.
        let result = tokio::select! {
            r = attempt => r,
            _ = shut.wait_for(|s| *s) => Err(Error::Shutdown),
        };
        let result = result.and_then(|conn| self.join(conn));
        self.port.note(result.as_ref().map(|_| ()));
        match result {
            Ok(conn) => {
                self.failures.store(0, Ordering::Relaxed);
                if self.state.set_up(true) {
                    tracing::info!(addr = %self.addr, "node is up");
                }
                // Not one closed as surplus or excess: its closing is no failure.
                if !conn.is_closed() {
                    self.watch(&conn);
                }
                Ok(conn)
            }
            Err(Error::Shutdown) => Err(Error::Shutdown),
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

    /// Adds a new connection, unless the pool was shut down meanwhile: then it is closed. A
    /// connection that finds the pool full (its target was lowered while it connected) is
    /// closed as surplus; the caller gets it closed.
    fn join(&self, conn: Connection) -> Result<Connection, Error> {
        let _guard = self.joining.lock().map_err(|_| Error::Shutdown)?;
        if self.shut.load(Ordering::Acquire) {
            conn.close("session closed");
            return Err(Error::Shutdown);
        }
        if self.open_connections() >= self.target() {
            conn.close("pool already full: the node's distance changed");
            return Ok(conn);
        }
        let base = self.target.load(Ordering::Relaxed);
        if self.shards.is_excess(&conn, &self.conns.load(), base) {
            conn.close("its shard has its connections while others have none");
            return Ok(conn);
        }
        self.conns.rcu(|old| {
            let mut conns: Vec<Connection> =
                old.iter().filter(|c| !c.is_closed()).cloned().collect();
            conns.push(conn.clone());
            conns
        });
        Ok(conn)
    }

    /// Refills the pool when `conn` closes (a node that stopped or crashed): the reconnection
    /// attempts start then, and a node that cannot be reached is marked down, instead of both
    /// waiting for a request to pick this pool or for the cluster's event. A closed connection
    /// counts as a failure for the back-off, so that a node that accepts connections and then
    /// drops them is not reconnected to in a tight loop.
    fn watch(self: &Arc<Self>, conn: &Connection) {
        let pool = Arc::downgrade(self);
        // Not the connection itself: a pool that is dropped closes its connections.
        let closed = conn.closed_signal();
        tokio::spawn(async move {
            closed.await;
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
        let mut shut = self.shut_signal.subscribe();
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
                // A reconnection (see crate::reconnect): after the back-off, an UP event or
                // the node's port opening; and every background attempt with one of the
                // node's handshake permits.
                if failures > 0 {
                    let woken = tokio::select! {
                        () = tokio::time::sleep(pool.backoff(failures)) => false,
                        () = pool.wake.notified() => true,
                        () = pool.port.port_opens(pool.addr) => false,
                        _ = shut.wait_for(|s| *s) => break,
                    };
                    if woken {
                        tracing::debug!(addr = %pool.addr, "node reported up: reconnecting now");
                        tokio::time::sleep(reconnect::jitter(reconnect::SPREAD)).await;
                    }
                }
                let permit = tokio::select! {
                    p = reconnect::handshake_permit(pool.addr) => Some(p),
                    _ = shut.wait_for(|s| *s) => None,
                };
                if permit.is_none() {
                    break;
                }
                let _ = pool.connect_one(false).await;
            }
            pool.filling.store(false, Ordering::Release);
        });
    }

    /// The wait before the next attempt after `failures` failed ones: the policy's, or its
    /// first delay while the node was reported up recently.
    fn backoff(&self, failures: u32) -> Duration {
        if let Some(soon) = self.port.retry_soon() {
            return soon;
        }
        let fast = self
            .fast_until
            .lock()
            .ok()
            .and_then(|u| *u)
            .is_some_and(|until| Instant::now() < until);
        self.config
            .reconnection
            .delay(if fast { 1 } else { failures })
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
        if let Ok(mut until) = self.fast_until.lock() {
            *until = Some(Instant::now() + FAST_RECONNECT_WINDOW);
        }
        self.failures.store(0, Ordering::Relaxed);
        if self.open_connections() < self.target() {
            self.wake.notify_one();
        }
        self.ensure_filled();
    }

    /// Checks that the node still answers on every open connection (in the background);
    /// those that get no answer close.
    pub(crate) fn probe(&self, why: &'static str) {
        let timeout = self
            .config
            .unresponsive_timeout
            .unwrap_or(self.config.connect_timeout);
        for c in self.conns.load().iter().filter(|c| !c.is_closed()) {
            c.probe(timeout, why);
        }
    }

    /// Requests on the wire on the pool's connections (including those whose caller stopped
    /// waiting, until their late answers come).
    pub(crate) fn in_flight(&self) -> usize {
        self.conns
            .load()
            .iter()
            .filter(|c| !c.is_closed())
            .fold(0, |n, c| n.saturating_add(c.in_flight()))
    }

    /// Closes every connection and adds none any more (attempts in progress are abandoned).
    pub(crate) fn shutdown(&self) {
        let conns = {
            let _guard = self.joining.lock();
            self.shut.store(true, Ordering::Release);
            self.conns.swap(Arc::new(Vec::new()))
        };
        self.shut_signal.send_replace(true);
        for c in conns.iter() {
            c.close("session closed");
        }
    }
}

/// Closes `conn` once no request is in flight on it (or after `patience`).
async fn close_when_idle(conn: Connection, patience: Duration) {
    let until = Instant::now() + patience;
    while conn.in_flight() > 0 && Instant::now() < until && !conn.is_closed() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    conn.close("pool shrunk: the node's distance changed");
}

/// How long after the cluster reported a node up failed attempts retry at the policy's first
/// delay, before backing off again.
const FAST_RECONNECT_WINDOW: Duration = Duration::from_secs(60);

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
        SendOptions::timeout(timeout),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// After the cluster reports a node up, failed attempts retry at the policy's first delay,
    /// not at the back-off reached before: the node's CQL port may open some seconds later.
    #[tokio::test]
    async fn a_node_reported_up_is_retried_at_the_first_delay() {
        let config = Arc::new(Config::default());
        let (first, long) = (config.reconnection.delay(1), config.reconnection.delay(10));
        assert!(long > first * 4, "{first:?} {long:?}");
        // Nothing listens on port 1: every attempt fails at once.
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        let pool = HostPool::new(
            addr,
            config,
            Arc::new(RwLock::new(None)),
            None,
            None,
            crate::metadata::HostState::new(),
        );
        assert!(pool.backoff(10) > first * 4, "backs off before the event");
        pool.reconnect_now();
        assert!(pool.backoff(10) <= first * 2, "{:?}", pool.backoff(10));
        pool.shutdown();
    }
}
