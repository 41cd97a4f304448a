//! `Session`: executes statements on the cluster (the reference driver's `Session`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cql_protocol::ProtocolVersion;
use cql_protocol::serialize::{SerializeRow, SerializedValues};

use crate::config::Config;
use crate::contact_points::resolve_all;
use crate::control::{self, Shared};
use crate::error::Error;
use crate::listeners::{HostListener, Listeners, RequestListener};
use crate::metadata::{ClusterMetadata, Token};
use crate::metrics::{Counters, Metrics};
use crate::policies::RequestInfo;
use crate::pool::quote_identifier;
use crate::prepared_cache::PreparedCache;
use crate::profile::{ExecutionProfile, Profiles};
use crate::result::QueryResult;
use crate::statement::{
    BatchItem, BatchStatement, BoundStatement, Prepared, PreparedStatement, SimpleStatement,
    StatementOptions,
};

mod attempt;
mod observe;
mod plan;
mod prepare;
mod rotate;
mod run;
mod scylla;

use attempt::{BatchAttempt, ExecuteAttempt, QueryAttempt};

/// Anything [`Session::execute`] accepts: a CQL string, a [`SimpleStatement`], a
/// [`PreparedStatement`] (values given separately) or a [`BoundStatement`].
#[derive(Debug, Clone, Copy)]
pub enum Statement<'a> {
    /// CQL text with default options.
    Text(&'a str),
    /// A simple statement.
    Simple(&'a SimpleStatement),
    /// A prepared statement.
    Prepared(&'a PreparedStatement),
    /// A bound statement (its values are already serialized; the values argument is ignored).
    Bound(&'a BoundStatement),
}

impl<'a> From<&'a str> for Statement<'a> {
    fn from(s: &'a str) -> Self {
        Statement::Text(s)
    }
}
impl<'a> From<&'a String> for Statement<'a> {
    fn from(s: &'a String) -> Self {
        Statement::Text(s)
    }
}
impl<'a> From<&'a SimpleStatement> for Statement<'a> {
    fn from(s: &'a SimpleStatement) -> Self {
        Statement::Simple(s)
    }
}
impl<'a> From<&'a PreparedStatement> for Statement<'a> {
    fn from(s: &'a PreparedStatement) -> Self {
        Statement::Prepared(s)
    }
}
impl<'a> From<&'a BoundStatement> for Statement<'a> {
    fn from(s: &'a BoundStatement) -> Self {
        Statement::Bound(s)
    }
}

impl Statement<'_> {
    fn options(&self) -> Option<&StatementOptions> {
        match self {
            Statement::Text(_) => None,
            Statement::Simple(s) => Some(&s.options),
            Statement::Prepared(p) => Some(&p.options),
            Statement::Bound(b) => Some(&b.statement.options),
        }
    }
}

/// A session: connection pools to the cluster's nodes and the statements that run on them.
/// Cheap to clone; all clones share the pools.
#[derive(Debug, Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

#[derive(Debug)]
struct SessionInner {
    config: Arc<Config>,
    shared: Arc<Shared>,
    version: ProtocolVersion,
    counters: Arc<Counters>,
    control: tokio::task::AbortHandle,
    metrics_task: Option<tokio::task::AbortHandle>,
    /// Replaces connections at the end of their lifetime (when one is set).
    lifetime_task: Option<tokio::task::AbortHandle>,
    listeners: Arc<Listeners>,
    /// Turns node changes into host events.
    host_watch: tokio::task::AbortHandle,
    #[cfg(feature = "metrics")]
    exported: crate::metrics_export::Exported,
    /// Set by `shutdown`: calls are refused from then on.
    shut: AtomicBool,
    profiles: Profiles,
    prepared_cache: PreparedCache,
    /// The mapper's prepared statements by query shape.
    mapper_shapes: crate::mapper::shapes::Shapes,
}

impl SessionInner {
    /// Stops the background tasks and closes every connection; no pool adds one afterwards.
    fn close(&self) {
        self.shut.store(true, Ordering::Release);
        self.control.abort();
        self.host_watch.abort();
        if let Some(t) = &self.metrics_task {
            t.abort();
        }
        if let Some(t) = &self.lifetime_task {
            t.abort();
        }
        for p in self.shared.pools.load().values() {
            p.shutdown();
        }
    }
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.close();
    }
}

/// How often `shutdown` looks whether the requests on the wire have ended.
const SHUTDOWN_POLL: Duration = Duration::from_millis(10);

impl Session {
    pub(crate) async fn connect(config: Arc<Config>) -> Result<Session, Error> {
        let addrs = resolve_all(&config.contact_points, config.port).await?;
        let (shared, events) = Shared::new(Arc::clone(&config), &addrs);
        let mut pools = HashMap::new();
        let mut errors = Vec::new();
        let mut version: Option<ProtocolVersion> = None;
        for addr in addrs {
            let pool = shared.new_pool(addr);
            match pool.open_first().await {
                Ok(conn) => {
                    version.get_or_insert(conn.version());
                }
                Err(e) => {
                    // Keep the node: its pool retries in the background with back-off.
                    pool.ensure_filled();
                    errors.push((addr, e));
                }
            }
            pools.insert(addr, pool);
        }
        let Some(version) = version else {
            for p in pools.values() {
                p.shutdown();
            }
            return Err(Error::NoHostAvailable(errors));
        };
        shared.pools.store(Arc::new(pools.into_iter().collect()));
        // Metadata is read in the background by the control task; wait a little for the first
        // read so that the first requests can already be routed by token.
        let mut generation = shared.generation.subscribe();
        let control = tokio::spawn(control::run(Arc::clone(&shared), events)).abort_handle();
        let _ = tokio::time::timeout(config.metadata_wait, generation.wait_for(|g| *g > 0)).await;
        let counters = Arc::new(Counters::default());
        let metrics_task = config.metrics_interval.map(|every| {
            let (shared, counters) = (Arc::clone(&shared), Arc::clone(&counters));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    counters.snapshot(pool_state(&shared)).emit();
                }
            })
            .abort_handle()
        });
        let lifetime_task = config.max_connection_lifetime.map(|lifetime| {
            let task = rotate::lifetime_task(Arc::clone(&shared), lifetime, config.lifetime_jitter);
            tokio::spawn(task).abort_handle()
        });
        let listeners = Arc::new(Listeners::new(&config.listeners));
        let host_watch = tokio::spawn(crate::listeners::host_watch::run(
            Arc::clone(&shared),
            Arc::clone(&listeners),
        ))
        .abort_handle();
        #[cfg(feature = "metrics")]
        let exported = crate::metrics_export::Exported::new(&config.metrics_labels);
        let session = Session {
            inner: Arc::new(SessionInner {
                shared,
                version,
                counters,
                control,
                metrics_task,
                lifetime_task,
                listeners,
                host_watch,
                #[cfg(feature = "metrics")]
                exported,
                shut: AtomicBool::new(false),
                profiles: Profiles::new(&config.profiles),
                prepared_cache: PreparedCache::new(config.prepared_cache_capacity),
                mapper_shapes: Default::default(),
                config,
            }),
        };
        #[cfg(feature = "metrics")]
        session.spawn_metrics_export();
        Ok(session)
    }

    /// Publishes the counters and gauges every `metrics_export_interval`, until the session
    /// is gone.
    #[cfg(feature = "metrics")]
    fn spawn_metrics_export(&self) {
        let Some(every) = self.inner.config.metrics_export_interval else {
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                if inner.shut.load(Ordering::Acquire) {
                    return;
                }
                Session { inner }.export_metrics();
            }
        });
    }

    /// Publishes the session's counters and gauges to the `metrics` recorder now (cargo
    /// feature `metrics`; see [`crate::metrics_export`]).
    #[cfg(feature = "metrics")]
    pub fn export_metrics(&self) {
        let in_flight: Vec<(SocketAddr, usize)> = self
            .inner
            .shared
            .pools
            .load()
            .values()
            .map(|p| (p.addr(), p.in_flight()))
            .collect();
        self.inner.exported.publish(&self.metrics(), &in_flight);
    }

    /// Adds an execution profile to the running session (the reference's
    /// `add_execution_profile`); an error if one of that name exists. Statements select it
    /// with `with_execution_profile(name)`. Pools are sized by the session's load-balancing
    /// policy: a profile's policy plans among the nodes that have pools.
    pub fn add_execution_profile(
        &self,
        name: &str,
        profile: ExecutionProfile,
    ) -> Result<(), Error> {
        if self.inner.profiles.set(name, profile, false) {
            return Err(Error::Config(format!(
                "an execution profile named {name:?} exists (replace it with set_execution_profile)"
            )));
        }
        Ok(())
    }

    /// Adds an execution profile or replaces the one of that name; requests already started
    /// keep the profile they started with.
    pub fn set_execution_profile(&self, name: &str, profile: ExecutionProfile) {
        self.inner.profiles.set(name, profile, true);
    }

    /// Registers a listener of node changes (added, removed, up, down) on the running
    /// session; it hears of changes from now on. See [`crate::listeners`].
    pub fn add_host_listener(&self, listener: impl HostListener + 'static) {
        self.inner.listeners.add_host(Arc::new(listener));
    }

    /// Registers a listener told after each request what its attempts did (node, times,
    /// outcome, speculative or retry); it hears of requests that start from now on. See
    /// [`crate::listeners`].
    pub fn add_request_listener(&self, listener: impl RequestListener + 'static) {
        self.inner.listeners.add_request(Arc::new(listener));
    }

    pub(crate) fn execution_profile(&self, name: &str) -> Option<Arc<ExecutionProfile>> {
        self.inner.profiles.get(name)
    }

    /// Refuses a call after `shutdown` (a plain load: no counter shared by every call).
    pub(crate) fn check_open(&self) -> Result<(), Error> {
        if self.inner.shut.load(Ordering::Acquire) {
            return Err(Error::Shutdown);
        }
        Ok(())
    }

    /// The current snapshot of the cluster's metadata: nodes (address, data center, rack,
    /// host id, version, tokens, up/down), keyspaces and the token ring. Lock-free; the
    /// snapshot does not change, later changes make a new one.
    pub fn cluster_metadata(&self) -> Arc<ClusterMetadata> {
        self.inner.shared.metadata.load_full()
    }

    /// Reads the cluster's metadata again now and returns the new snapshot (it is also
    /// re-read on every topology and schema change event).
    pub async fn refresh_metadata(&self) -> Result<Arc<ClusterMetadata>, Error> {
        self.check_open()?;
        self.inner.shared.refresh_now().await
    }

    /// Waits until every node that is up reports the same schema version; `Ok(false)` when
    /// they still differ after `timeout`. Statements that change the schema already wait (see
    /// [`ClusterBuilder::max_schema_agreement_wait`](crate::ClusterBuilder::max_schema_agreement_wait)).
    ///
    /// Each node is asked for its own version (its `system.local`) on one of the session's
    /// connections to it, all at once, every 200 ms: one node's view of its peers comes from
    /// gossip and lags behind. Nodes that are down are not waited for; a node that is up but
    /// cannot be asked (no open connection, no answer in time) holds agreement up until it
    /// answers or `timeout` passes. Nodes the load balancing policy ignores (no connection)
    /// count with the version an asked node's `system.peers` gives them. After a statement
    /// that changed the schema, the node that executed it is asked too, whatever its state:
    /// it applied the change before answering, so agreement then also means that every node
    /// that is up has the change. Fails with [`Error::NoHostAvailable`] when no node has an
    /// open connection.
    pub async fn wait_for_schema_agreement(&self, timeout: Duration) -> Result<bool, Error> {
        self.check_open()?;
        self.inner
            .shared
            .wait_for_schema_agreement(timeout, None)
            .await
    }

    /// The protocol version negotiated with the cluster.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The keyspace in use, if any.
    pub fn keyspace(&self) -> Option<String> {
        self.inner
            .shared
            .keyspace
            .read()
            .ok()
            .and_then(|k| k.clone())
    }

    /// Nodes this session has pools for, with their open connection count and the total of
    /// connection attempts made so far.
    pub fn pool_state(&self) -> Vec<(SocketAddr, usize, u64)> {
        pool_state(&self.inner.shared)
    }

    /// The node the control connection (events, metadata reads) is on now; `None` while it
    /// moves to another node.
    pub fn control_host(&self) -> Option<SocketAddr> {
        self.inner.shared.control_host()
    }

    /// The last error of each node's pool that failed to open a connection (kept after later
    /// successes until the next failure), e.g. an authentication failure.
    pub fn pool_errors(&self) -> Vec<(SocketAddr, String)> {
        let mut out: Vec<_> = self
            .inner
            .shared
            .pools
            .load()
            .values()
            .filter_map(|p| p.last_error().map(|e| (p.addr(), e)))
            .collect();
        out.sort();
        out
    }

    /// A snapshot of the session's metrics: counters, latency percentiles, per-node figures.
    pub fn metrics(&self) -> Metrics {
        let mut m = self.inner.counters.snapshot(self.pool_state());
        m.reprepared_on_up = self
            .inner
            .shared
            .prepared
            .reprepared
            .load(std::sync::atomic::Ordering::Relaxed);
        m
    }

    /// Executes a statement with values: `()` for none, a tuple or `Vec` for positional
    /// values, a map for named ones.
    ///
    /// Returns **the first page** of rows only (up to the fetch size, 5,000 rows by
    /// default; [`QueryResult::has_more_pages`] tells whether there are more). To read every
    /// row of a result, use [`execute_iter`](Self::execute_iter) (typed) or
    /// [`execute_stream`](Self::execute_stream); to page by hand,
    /// [`execute_page`](Self::execute_page).
    pub async fn execute<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
    ) -> Result<QueryResult, Error> {
        self.execute_page_with(statement, values, None, |r| r).await
    }

    /// Executes one page, starting at `paging_state` (from a previous page's
    /// [`QueryResult::paging_state`]); resumable across processes.
    pub async fn execute_page<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
        paging_state: Option<Bytes>,
    ) -> Result<QueryResult, Error> {
        self.execute_page_with(statement, values, paging_state, |r| r)
            .await
    }

    /// [`execute_page`](Self::execute_page), the page given to `read` where it arrives: a
    /// caller that wants only what it reads from the page (the mapper's `get`) is handed
    /// that, not the page, and its own copy of this future is made for its `read`.
    pub(crate) async fn execute_page_with<'s, T>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
        paging_state: Option<Bytes>,
        read: impl FnOnce(QueryResult) -> T,
    ) -> Result<T, Error> {
        let statement = statement.into();
        let r = self.resolve(statement.options())?;
        // An empty state is no state: the server refuses one (it means the first page).
        let paging_state = paging_state.as_deref().filter(|p| !p.is_empty());
        let values: &(dyn SerializeRow + Sync) = &values;
        let r = match statement {
            Statement::Text(q) => {
                self.run(
                    &r,
                    &RequestInfo::default(),
                    QueryAttempt {
                        query: q,
                        values,
                        paging_state,
                    },
                )
                .await
            }
            Statement::Simple(s) => {
                let session_keyspace;
                let keyspace = match (&s.routing_key, &s.keyspace) {
                    (None, _) => None,
                    (Some(_), Some(ks)) => Some(&**ks),
                    (Some(_), None) => {
                        session_keyspace = self.keyspace();
                        session_keyspace.as_deref()
                    }
                };
                let token = s.routing_key.as_deref().map(Token::of_key);
                self.run(
                    &r,
                    &RequestInfo::new(keyspace, token),
                    QueryAttempt {
                        query: &s.query,
                        values,
                        paging_state,
                    },
                )
                .await
            }
            Statement::Prepared(p) => {
                p.prepared.mark_used();
                // Serialized once: for the routing key, and for every attempt.
                let bound = SerializedValues::from_row(values, Some(&p.prepared.bind_markers))
                    .map_err(Error::Serialize)?;
                self.run(
                    &r,
                    &routing_info(&p.prepared, &bound),
                    ExecuteAttempt {
                        prepared: &p.prepared,
                        values: &bound,
                        paging_state,
                    },
                )
                .await
            }
            Statement::Bound(b) => {
                b.statement.prepared.mark_used();
                self.run(
                    &r,
                    &routing_info(&b.statement.prepared, &b.values),
                    ExecuteAttempt {
                        prepared: &b.statement.prepared,
                        values: &b.values,
                        paging_state,
                    },
                )
                .await
            }
        }?;
        self.after_result(&r).await?;
        Ok(read(r))
    }

    /// Executes a batch.
    pub async fn batch(&self, batch: &BatchStatement) -> Result<QueryResult, Error> {
        let r = self.resolve(Some(&batch.options))?;
        // Routed by the first prepared statement of the batch.
        let info = batch
            .items
            .iter()
            .find_map(|i| match i {
                BatchItem::Prepared(p, v) => Some(routing_info(p, v)),
                BatchItem::Simple(..) => None,
            })
            .unwrap_or_default();
        self.run(&r, &info, BatchAttempt { batch }).await
    }

    /// Switches every connection to `keyspace` (like running `USE keyspace`).
    pub async fn use_keyspace(&self, keyspace: &str) -> Result<(), Error> {
        self.execute(format!("USE {}", quote_identifier(keyspace)).as_str(), ())
            .await
            .map(|_| ())
    }

    async fn after_result(&self, r: &QueryResult) -> Result<(), Error> {
        if let Some(ks) = r.set_keyspace() {
            if let Ok(mut k) = self.inner.shared.keyspace.write() {
                *k = Some(ks.to_owned());
            }
            let pools = self.inner.shared.pools.load_full();
            for p in pools.values() {
                p.use_keyspace_everywhere(ks).await?;
            }
        }
        if let Some(change) = r.schema_change() {
            self.after_schema_change(change, r.coordinator()).await;
        }
        Ok(())
    }

    /// Waits for schema agreement, including `coordinator` (the node that executed the
    /// change, so that agreement means every node has it), then reads the changed keyspace's
    /// schema again so that the change shows in [`cluster_metadata`](Self::cluster_metadata).
    /// The statement succeeded either way: failures here are logged, not returned.
    async fn after_schema_change(
        &self,
        change: &cql_protocol::message::SchemaChange,
        coordinator: SocketAddr,
    ) {
        use cql_protocol::message::response::SchemaChangeTarget as T;
        let wait = self.inner.config.max_schema_agreement_wait;
        if wait.is_zero() {
            return;
        }
        let shared = &self.inner.shared;
        match shared
            .wait_for_schema_agreement(wait, Some(coordinator))
            .await
        {
            Ok(true) => {
                let refreshed = match &change.target {
                    T::Keyspace { keyspace }
                    | T::Table { keyspace, .. }
                    | T::Type { keyspace, .. }
                    | T::Function { keyspace, .. }
                    | T::Aggregate { keyspace, .. } => shared.refresh_keyspace(keyspace).await,
                    _ => shared.refresh_now().await.map(|_| ()),
                };
                if let Err(e) = refreshed {
                    tracing::warn!(error = %e, "cannot read the schema after a schema change");
                }
            }
            Ok(false) => {
                tracing::warn!(?wait, "nodes did not agree on the schema version in time");
            }
            Err(e) => tracing::warn!(error = %e, "cannot check schema agreement"),
        }
    }

    /// Shuts the session down, gracefully: new calls fail with [`Error::Shutdown`] at once,
    /// requests on the wire get their answers (or their timeouts; at most the session's
    /// request timeout is waited for them), then every connection closes and no pool opens
    /// one again. Every clone of the session is shut down. A call that was between attempts
    /// meanwhile fails with the closed connection's error. Dropping the last clone closes
    /// everything too, without the wait.
    pub async fn shutdown(&self) {
        let inner = &*self.inner;
        inner.shut.store(true, Ordering::Release);
        let until = Instant::now() + inner.config.request_timeout;
        loop {
            let waiting: usize = inner
                .shared
                .pools
                .load()
                .values()
                .fold(0, |n, p| n.saturating_add(p.in_flight()));
            if waiting == 0 {
                break;
            }
            if Instant::now() >= until {
                tracing::warn!(
                    waiting,
                    "shutdown: requests still waiting after the request timeout; closing anyway"
                );
                break;
            }
            tokio::time::sleep(SHUTDOWN_POLL).await;
        }
        inner.close();
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.shut.load(Ordering::Acquire)
    }
}

fn pool_state(shared: &Shared) -> Vec<(SocketAddr, usize, u64)> {
    let mut out: Vec<_> = shared
        .pools
        .load()
        .values()
        .map(|p| (p.addr(), p.open_connections(), p.connection_attempts()))
        .collect();
    out.sort();
    out
}

/// The keyspace and token of a prepared statement with its values, for token-aware routing.
fn routing_info<'a>(prepared: &'a Prepared, values: &SerializedValues) -> RequestInfo<'a> {
    let table = prepared.bind_markers.first().map(|c| &c.table);
    let keyspace = table.map(|t| t.keyspace.as_str());
    let token: Option<Token> = if prepared.pk_indexes.is_empty() || values.is_named() {
        None
    } else {
        crate::token::token_of_values(values.as_bytes(), values.len(), &prepared.pk_indexes).ok()
    };
    RequestInfo::new(keyspace, token)
        .with_table(table.map(|t| t.table.as_str()))
        .with_lwt(prepared.is_lwt)
}

/// A statement owned by a row stream.
#[derive(Debug, Clone)]
pub(crate) enum OwnedStatement {
    Simple(SimpleStatement),
    Bound(BoundStatement),
}
