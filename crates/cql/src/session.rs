//! `Session`: executes statements on the cluster (the reference driver's `Session`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use futures_util::stream::{FuturesUnordered, StreamExt};

use bytes::Bytes;
use cql_protocol::ProtocolVersion;
use cql_protocol::message::{
    Batch, BatchStatement as WireBatchStatement, BatchStatementKind, Execute, Prepare, Query,
    QueryParameters, Request, Response, ResultMessage,
};
use cql_protocol::serialize::{SerializeRow, SerializedValues};

use crate::cluster::Config;
use crate::connection::{Connection, SendOptions};
use crate::control::{self, Pools, Shared};
use crate::error::Error;
use crate::metadata::{ClusterMetadata, Token};
use crate::metrics::{Counters, Metrics};
use crate::paging::RowStream;
use crate::policies::{
    LoadBalancingPolicy, RequestInfo, RetryContext, RetryDecision, RetryPolicy,
    SpeculativeExecutionPolicy, WriteType,
};
use crate::pool::{HostPool, quote_identifier};
use crate::result::QueryResult;
use crate::statement::{
    BatchItem, BatchStatement, BoundStatement, Consistency, Prepared, PreparedStatement,
    SimpleStatement, StatementOptions,
};
use crate::tracing_info::{self, QueryTrace};

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
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        self.control.abort();
        if let Some(t) = &self.metrics_task {
            t.abort();
        }
        for p in self.shared.pools.load().values() {
            p.shutdown();
        }
    }
}

/// The settings and policies of one request, resolved from the statement, its execution
/// profile and the cluster's defaults.
struct Resolved<'s> {
    opts: StatementOptions,
    lb: &'s dyn LoadBalancingPolicy,
    retry: &'s dyn RetryPolicy,
    speculative: &'s dyn SpeculativeExecutionPolicy,
}

/// The nodes of a query plan not tried yet, shared by the executions of one request
/// (speculative executions take the next node), and the errors of the nodes tried. Only the
/// first node's connection is picked up front; the others are picked when reached, so a plan
/// over a large cluster costs one pick when the first node answers.
struct QueryPlan<'a> {
    pools: &'a ArcSwap<Pools>,
    state: Mutex<PlanState>,
}

struct PlanState {
    first: Option<Connection>,
    rest: std::vec::IntoIter<SocketAddr>,
    errors: Vec<(SocketAddr, Error)>,
}

impl QueryPlan<'_> {
    fn next(&self) -> Option<Connection> {
        let mut state = self.state.lock().ok()?;
        if let Some(c) = state.first.take() {
            return Some(c);
        }
        let pools = self.pools.load();
        while let Some(addr) = state.rest.next() {
            let Some(pool) = pools.get(&addr) else {
                continue;
            };
            match pool.pick() {
                Some(c) => return Some(c),
                None => state.errors.push((addr, no_connection(pool))),
            }
        }
        None
    }

    /// Whether nodes are left to try (some may turn out to have no open connection).
    fn has_next(&self) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.first.is_some() || s.rest.len() > 0)
    }

    /// Whether another node follows the first: speculative executions have somewhere to go.
    fn has_alternatives(&self) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.first.is_some() && s.rest.len() > 0)
    }

    fn failed(&self, addr: SocketAddr, e: Error) {
        if let Ok(mut state) = self.state.lock() {
            state.errors.push((addr, e));
        }
    }

    fn no_host_available(&self) -> Error {
        Error::NoHostAvailable(
            self.state
                .lock()
                .map(|mut s| std::mem::take(&mut s.errors))
                .unwrap_or_default(),
        )
    }
}

/// Why a node of the plan could not be tried.
fn no_connection(pool: &HostPool) -> Error {
    Error::ConnectionClosed {
        addr: pool.addr(),
        reason: pool
            .last_error()
            .unwrap_or_else(|| "no open connection".to_owned()),
        in_flight: false,
    }
}

/// What to do after a failed attempt.
enum Next {
    /// The request was not sent: try the next node.
    Unsent,
    /// The retry policy's decision (already vetoed for non-idempotent statements).
    Policy(RetryDecision),
}

impl Session {
    pub(crate) async fn connect(config: Arc<Config>) -> Result<Session, Error> {
        let addrs = config.resolve_contact_points()?;
        let (shared, events) = Shared::new(Arc::clone(&config), &addrs);
        let mut pools = HashMap::new();
        let mut errors = Vec::new();
        let mut version = None;
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
        Ok(Session {
            inner: Arc::new(SessionInner {
                config,
                shared,
                version,
                counters,
                control,
                metrics_task,
            }),
        })
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
        self.inner.counters.snapshot(self.pool_state())
    }

    /// The query plan of a request: the load-balancing policy's nodes, the first one with an
    /// open connection picked now.
    fn query_plan(&self, lb: &dyn LoadBalancingPolicy, info: &RequestInfo<'_>) -> QueryPlan<'_> {
        thread_local! {
            /// The policy's plan, reused from request to request (emptied after each).
            static PLAN: std::cell::RefCell<Vec<Arc<crate::metadata::Host>>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        let metadata = self.inner.shared.metadata.load();
        let pools = self.inner.shared.pools.load();
        let mut state = PlanState {
            first: None,
            rest: Vec::new().into_iter(),
            errors: Vec::new(),
        };
        let mut plan = |hosts: &mut Vec<Arc<crate::metadata::Host>>| {
            hosts.clear();
            lb.query_plan_into(info, &metadata, hosts);
            if hosts.is_empty() {
                for h in metadata.hosts().iter().filter(|h| !h.is_up()) {
                    state.errors.push((
                        h.address(),
                        Error::ConnectionClosed {
                            addr: h.address(),
                            reason: pools
                                .get(&h.address())
                                .and_then(|p| p.last_error())
                                .unwrap_or_else(|| "the node is down".to_owned()),
                            in_flight: false,
                        },
                    ));
                }
            }
            let mut rest = Vec::new();
            for host in hosts.drain(..) {
                let addr = host.address();
                if state.first.is_some() {
                    rest.push(addr);
                    continue;
                }
                let Some(pool) = pools.get(&addr) else {
                    continue;
                };
                match pool.pick() {
                    Some(c) => state.first = Some(c),
                    None => state.errors.push((addr, no_connection(pool))),
                }
            }
            state.rest = rest.into_iter();
        };
        // A policy that plans with another session's requests on this thread (re-entrantly)
        // gets a Vec of its own.
        let reused = PLAN
            .try_with(|p| p.try_borrow_mut().ok().map(|mut p| plan(&mut p)).is_some())
            .unwrap_or(false);
        if !reused {
            plan(&mut Vec::new());
        }
        QueryPlan {
            pools: &self.inner.shared.pools,
            state: Mutex::new(state),
        }
    }

    fn resolve(&self, opts: Option<&StatementOptions>) -> Result<Resolved<'_>, Error> {
        let c = &*self.inner.config;
        let mut o = opts.cloned().unwrap_or_default();
        let profile =
            match o.execution_profile.as_deref() {
                None => None,
                Some(name) => Some(c.profiles.get(name).ok_or_else(|| {
                    Error::Config(format!("no execution profile named {name:?}"))
                })?),
            };
        if let Some(p) = profile {
            o.consistency = o.consistency.or(p.consistency);
            o.serial_consistency = o.serial_consistency.or(p.serial_consistency);
            o.page_size = o.page_size.or(p.page_size);
            o.timeout = o.timeout.or(p.request_timeout);
        }
        o.consistency.get_or_insert(c.default_consistency);
        if o.serial_consistency.is_none() {
            o.serial_consistency = c.default_serial_consistency;
        }
        o.page_size.get_or_insert(c.default_page_size);
        o.timeout.get_or_insert(c.request_timeout);
        if o.timestamp.is_none() {
            o.timestamp = c.timestamp_generator.as_ref().map(|g| g.next_timestamp());
        }
        Ok(Resolved {
            opts: o,
            lb: profile
                .and_then(|p| p.load_balancing.as_deref())
                .unwrap_or(&*c.load_balancing),
            retry: profile
                .and_then(|p| p.retry.as_deref())
                .unwrap_or(&*c.retry),
            speculative: profile
                .and_then(|p| p.speculative.as_deref())
                .unwrap_or(&*c.speculative),
        })
    }

    /// Runs `attempt` along the query plan under the retry policy, with speculative
    /// executions when the statement is idempotent and the policy asks for them.
    async fn run<F>(
        &self,
        r: &Resolved<'_>,
        info: &RequestInfo<'_>,
        attempt: F,
    ) -> Result<QueryResult, Error>
    where
        F: AsyncAttempt,
    {
        let counters = &self.inner.counters;
        counters.requests.bump();
        let start = Instant::now();
        let plan = self.query_plan(r.lb, info);
        let speculate = r.opts.idempotent && plan.has_alternatives();
        let result = match r.speculative.next_execution(1) {
            Some(delay) if speculate => self.run_speculative(r, &plan, &attempt, delay).await,
            _ => self.execution(r, &plan, &attempt).await,
        };
        counters.latency.record(start.elapsed());
        if result.is_err() {
            Counters::bump(&counters.errors);
        }
        result
    }

    /// The first execution, and more on the next nodes of the plan each time the
    /// speculative execution policy's delay passes without an answer; the first success wins
    /// (the others are dropped, their late answers discarded by their connections).
    async fn run_speculative<F: AsyncAttempt>(
        &self,
        r: &Resolved<'_>,
        plan: &QueryPlan<'_>,
        attempt: &F,
        first_delay: Duration,
    ) -> Result<QueryResult, Error> {
        let mut running = FuturesUnordered::new();
        running.push(self.execution(r, plan, attempt));
        let mut started = 1u32;
        let mut next_at = Some(tokio::time::Instant::now() + first_delay);
        let mut last_error = None;
        loop {
            let timer = async {
                match next_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                Some(result) = running.next() => match result {
                    Ok(res) => return Ok(res),
                    Err(e) => last_error = Some(e),
                },
                () = timer => {
                    if plan.has_next() {
                        Counters::bump(&self.inner.counters.speculative_executions);
                        tracing::debug!(execution = started + 1, "starting a speculative execution");
                        running.push(self.execution(r, plan, attempt));
                        started += 1;
                        next_at = r
                            .speculative
                            .next_execution(started)
                            .map(|d| tokio::time::Instant::now() + d);
                    } else {
                        next_at = None;
                    }
                }
            }
            if running.is_empty() {
                return Err(last_error.unwrap_or_else(|| plan.no_host_available()));
            }
        }
    }

    /// One execution: attempts on the nodes of the plan, as the retry policy decides.
    async fn execution<F: AsyncAttempt>(
        &self,
        r: &Resolved<'_>,
        plan: &QueryPlan<'_>,
        attempt: &F,
    ) -> Result<QueryResult, Error> {
        let counters = &self.inner.counters;
        let Some(mut conn) = plan.next() else {
            return Err(plan.no_host_available());
        };
        let mut retry_num = 0u32;
        let mut downgraded: Option<StatementOptions> = None;
        loop {
            let opts = downgraded.as_ref().unwrap_or(&r.opts);
            counters.attempt_on(conn.addr());
            let e = match attempt.call(self, &conn, opts).await {
                Ok(res) => return Ok(res),
                Err(e) => e,
            };
            counters.attempt_failed(conn.addr(), &e);
            let consistency = opts.consistency.unwrap_or_default();
            let (same_host, new_consistency, delay) = match decide(r, &e, retry_num, consistency) {
                Next::Unsent => (false, None, Duration::ZERO),
                Next::Policy(RetryDecision::RetrySameHost { consistency, delay }) => {
                    (true, consistency, delay)
                }
                Next::Policy(RetryDecision::RetryNextHost { consistency, delay }) => {
                    (false, consistency, delay)
                }
                Next::Policy(RetryDecision::Ignore) => {
                    Counters::bump(&counters.ignores);
                    tracing::debug!(addr = %conn.addr(), error = %e, "error ignored by the retry policy");
                    return Ok(QueryResult::void(conn.addr()));
                }
                Next::Policy(_) => return Err(e),
            };
            if !e.is_unsent() {
                retry_num += 1;
                Counters::bump(&counters.retries);
            }
            tracing::debug!(
                addr = %conn.addr(), error = %e, same_host, retry = retry_num,
                consistency = ?new_consistency, "retrying"
            );
            if let Some(c) = new_consistency {
                let mut o = r.opts.clone();
                o.consistency = Some(c);
                downgraded = Some(o);
            }
            if !same_host {
                plan.failed(conn.addr(), e);
                Counters::bump(&counters.retries_on_next_host);
                conn = match plan.next() {
                    Some(c) => c,
                    None => return Err(plan.no_host_available()),
                };
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// Executes a statement with values: `()` for none, a tuple or `Vec` for positional
    /// values, a map for named ones. Returns the first page of rows (see
    /// [`execute_page`](Self::execute_page) and [`execute_stream`](Self::execute_stream)).
    pub async fn execute<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
    ) -> Result<QueryResult, Error> {
        self.execute_page(statement, values, None).await
    }

    /// Executes one page, starting at `paging_state` (from a previous page's
    /// [`QueryResult::paging_state`]); resumable across processes.
    pub async fn execute_page<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
        paging_state: Option<Bytes>,
    ) -> Result<QueryResult, Error> {
        let statement = statement.into();
        let r = self.resolve(statement.options())?;
        let paging_state = paging_state.as_deref();
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
                // Serialized once: for the routing key, and for every attempt.
                let bound = SerializedValues::from_row(values, Some(&p.prepared.bind_markers))
                    .map_err(|e| Error::Serialize(e.to_string()))?;
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
        Ok(r)
    }

    /// Executes a statement and streams all its rows, fetching the next page in the
    /// background while the current one is consumed.
    pub async fn execute_stream<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
    ) -> Result<RowStream, Error> {
        let statement = statement.into();
        let owned = match statement {
            Statement::Text(q) => OwnedStatement::Simple(SimpleStatement::new(q)),
            Statement::Simple(s) => OwnedStatement::Simple(s.clone()),
            Statement::Prepared(p) => OwnedStatement::Bound(p.bind(&values)?),
            Statement::Bound(b) => OwnedStatement::Bound(b.clone()),
        };
        let values = match &owned {
            OwnedStatement::Simple(_) => Some(
                cql_protocol::serialize::SerializedValues::from_row(&values, None)
                    .map_err(|e| Error::Serialize(e.to_string()))?,
            ),
            OwnedStatement::Bound(_) => None,
        };
        Ok(RowStream::start(self.clone(), owned, values))
    }

    /// Prepares a statement on a node (and caches nothing else: keep the returned statement).
    pub async fn prepare(&self, query: impl Into<String>) -> Result<PreparedStatement, Error> {
        let query = query.into();
        let r = self.resolve(None)?;
        let plan = self.query_plan(r.lb, &RequestInfo::default());
        while let Some(conn) = plan.next() {
            match self.prepare_on(&conn, &query, &r.opts).await {
                Ok(p) => {
                    return Ok(PreparedStatement {
                        prepared: Arc::new(p),
                        options: StatementOptions::default(),
                    });
                }
                Err(e) if e.is_connection() => plan.failed(conn.addr(), e),
                Err(e) => return Err(e),
            }
        }
        Err(plan.no_host_available())
    }

    async fn prepare_on(
        &self,
        conn: &Connection,
        query: &str,
        opts: &StatementOptions,
    ) -> Result<Prepared, Error> {
        let sent = conn.send(
            &Request::Prepare(Prepare {
                query,
                keyspace: None,
            }),
            send_opts(opts),
        );
        let frame = sent.await?;
        match frame.response {
            Response::Result(ResultMessage::Prepared(p)) => Ok(Prepared {
                query: query.to_owned(),
                id: RwLock::new(p.id),
                result_metadata_id: RwLock::new(p.result_metadata_id),
                bind_markers: p.metadata.columns,
                pk_indexes: p.metadata.pk_indexes,
                result_metadata: RwLock::new(if p.result_metadata.no_metadata {
                    None
                } else {
                    Some(Arc::new(p.result_metadata))
                }),
            }),
            other => Err(Error::UnexpectedResponse {
                addr: conn.addr(),
                during: "PREPARE",
                got: crate::result::response_name(&other),
            }),
        }
    }

    /// Re-prepares a statement the node forgot (UNPREPARED), on that node.
    async fn reprepare(
        &self,
        conn: &Connection,
        prepared: &Prepared,
        opts: &StatementOptions,
    ) -> Result<(), Error> {
        tracing::debug!(addr = %conn.addr(), query = %prepared.query, "re-preparing a statement the node does not know");
        Counters::bump(&self.inner.counters.reprepares);
        let fresh = self.prepare_on(conn, &prepared.query, opts).await?;
        if let Ok(mut id) = prepared.id.write() {
            *id = fresh.id.read().map(|g| g.clone()).unwrap_or_default();
        }
        if let Ok(mut id) = prepared.result_metadata_id.write() {
            *id = fresh.result_metadata_id.read().ok().and_then(|g| g.clone());
        }
        if let Ok(mut m) = prepared.result_metadata.write() {
            *m = fresh.result_metadata.read().ok().and_then(|g| g.clone());
        }
        Ok(())
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

    /// Reads the trace of a traced request from `system_traces` (waits until the server wrote
    /// it, up to `max_wait`).
    pub async fn query_trace(
        &self,
        tracing_id: uuid::Uuid,
        max_wait: Duration,
    ) -> Result<QueryTrace, Error> {
        tracing_info::fetch(self, tracing_id, max_wait).await
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

    /// Closes every connection.
    pub fn shutdown(&self) {
        self.inner.control.abort();
        for p in self.inner.shared.pools.load().values() {
            p.shutdown();
        }
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
    let keyspace = prepared
        .bind_markers
        .first()
        .map(|c| c.table.keyspace.as_str());
    let token: Option<Token> = if prepared.pk_indexes.is_empty() || values.is_named() {
        None
    } else {
        crate::token::token_of_values(values.as_bytes(), values.len(), &prepared.pk_indexes).ok()
    };
    RequestInfo::new(keyspace, token)
}

fn send_opts(opts: &StatementOptions) -> SendOptions {
    SendOptions {
        tracing: opts.tracing,
        timeout: opts.timeout.unwrap_or(Duration::from_secs(12)),
    }
}

/// What the retry policy says about a failed attempt, vetoed when the statement is not
/// idempotent and a write may have happened.
fn decide(r: &Resolved<'_>, e: &Error, retry_num: u32, consistency: Consistency) -> Next {
    if e.is_unsent() {
        return if r.retry.try_next_host_when_unsent() {
            Next::Unsent
        } else {
            Next::Policy(RetryDecision::Rethrow)
        };
    }
    let ctx = RetryContext::new(retry_num, r.opts.idempotent, consistency);
    let policy = r.retry;
    use crate::error::ServerErrorKind as K;
    let (decision, maybe_executed) = match e {
        Error::Server { error, .. } => match &error.kind {
            K::ReadTimeout {
                received,
                block_for,
                data_present,
                ..
            } => (
                policy.on_read_timeout(&ctx, *block_for, *received, *data_present),
                false,
            ),
            K::WriteTimeout {
                received,
                block_for,
                write_type,
                ..
            } => (
                policy.on_write_timeout(&ctx, write_type, *block_for, *received),
                *write_type != WriteType::BatchLog,
            ),
            K::Unavailable {
                required, alive, ..
            } => (policy.on_unavailable(&ctx, *required, *alive), false),
            // Refused before execution.
            K::Overloaded | K::IsBootstrapping => (policy.on_request_error(&ctx, e), false),
            K::ServerError | K::TruncateError => (policy.on_request_error(&ctx, e), true),
            _ => (RetryDecision::Rethrow, true),
        },
        Error::Timeout { .. } | Error::ConnectionClosed { .. } => {
            (policy.on_request_error(&ctx, e), true)
        }
        _ => (RetryDecision::Rethrow, true),
    };
    let retries = matches!(
        decision,
        RetryDecision::RetrySameHost { .. } | RetryDecision::RetryNextHost { .. }
    );
    if retries && maybe_executed && !r.opts.idempotent {
        return Next::Policy(RetryDecision::Rethrow);
    }
    Next::Policy(decision)
}

fn params<'a>(
    o: &'a StatementOptions,
    paging_state: Option<&'a [u8]>,
    values: &'a (dyn SerializeRow + Sync),
    specs: Option<&'a [cql_protocol::metadata::ColumnSpec]>,
    skip_metadata: bool,
) -> QueryParameters<'a> {
    QueryParameters {
        consistency: o.consistency.unwrap_or_default(),
        values,
        value_specs: specs,
        skip_metadata,
        // Zero or less: unpaged, no page size on the wire.
        page_size: o.page_size.filter(|&n| n > 0),
        paging_state,
        serial_consistency: o.serial_consistency,
        default_timestamp: o.timestamp,
        keyspace: None,
        now_in_seconds: None,
    }
}

/// One attempt of a request on one connection.
trait AsyncAttempt {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
    ) -> Result<QueryResult, Error>;
}

struct QueryAttempt<'a> {
    query: &'a str,
    values: &'a (dyn SerializeRow + Sync),
    paging_state: Option<&'a [u8]>,
}

impl AsyncAttempt for QueryAttempt<'_> {
    async fn call(
        &self,
        _: &Session,
        conn: &Connection,
        opts: &StatementOptions,
    ) -> Result<QueryResult, Error> {
        let sent = conn.send(
            &Request::Query(Query {
                query: self.query,
                params: params(opts, self.paging_state, self.values, None, false),
            }),
            send_opts(opts),
        );
        let frame = sent.await?;
        QueryResult::from_response(conn.addr(), frame, None)
    }
}

struct ExecuteAttempt<'a> {
    prepared: &'a Prepared,
    values: &'a (dyn SerializeRow + Sync),
    paging_state: Option<&'a [u8]>,
}

impl AsyncAttempt for ExecuteAttempt<'_> {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
    ) -> Result<QueryResult, Error> {
        for attempt in 0..2 {
            let id = self
                .prepared
                .id
                .read()
                .map(|g| g.clone())
                .unwrap_or_default();
            let meta_id = self
                .prepared
                .result_metadata_id
                .read()
                .ok()
                .and_then(|g| g.clone());
            let cached = self
                .prepared
                .result_metadata
                .read()
                .ok()
                .and_then(|g| g.clone());
            let sent = conn.send(
                &Request::Execute(Execute {
                    id: &id,
                    result_metadata_id: meta_id.as_deref(),
                    params: params(
                        opts,
                        self.paging_state,
                        self.values,
                        Some(&self.prepared.bind_markers),
                        cached.is_some(),
                    ),
                }),
                send_opts(opts),
            );
            match sent.await {
                Ok(frame) => {
                    // v5: the server sends new result metadata when the table changed.
                    if let Response::Result(ResultMessage::Rows(rows)) = &frame.response {
                        if let Some(new_id) = &rows.metadata.new_metadata_id {
                            if let Ok(mut m) = self.prepared.result_metadata_id.write() {
                                *m = Some(new_id.clone());
                            }
                            if let Ok(mut m) = self.prepared.result_metadata.write() {
                                *m = Some(Arc::new(rows.metadata.clone()));
                            }
                        }
                    }
                    return QueryResult::from_response(conn.addr(), frame, cached);
                }
                Err(e) if attempt == 0 && is_unprepared(&e) => {
                    session.reprepare(conn, self.prepared, opts).await?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Result(
            "statement stayed unprepared after re-preparing".into(),
        ))
    }
}

struct BatchAttempt<'a> {
    batch: &'a BatchStatement,
}

impl AsyncAttempt for BatchAttempt<'_> {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
    ) -> Result<QueryResult, Error> {
        for attempt in 0..2 {
            // The id of each run of the same prepared statement (a batch usually repeats one),
            // read once per run; the first one needs no Vec.
            let mut first_id = Bytes::new();
            let mut more_ids = Vec::new();
            for (k, p) in prepared_runs(&self.batch.items).enumerate() {
                let id = p.id.read().map(|g| g.clone()).unwrap_or_default();
                if k == 0 {
                    first_id = id;
                } else {
                    more_ids.push(id);
                }
            }
            // The borrowed wire statements live in this block only: the future must not hold
            // them across the await (they are not Sync).
            let sent = {
                let mut statements: Vec<WireBatchStatement<'_>> =
                    Vec::with_capacity(self.batch.items.len());
                let mut run = 0usize;
                let mut current: Option<&Prepared> = None;
                for item in &self.batch.items {
                    statements.push(match item {
                        BatchItem::Simple(q, v) => WireBatchStatement {
                            kind: BatchStatementKind::Query(q),
                            values: v,
                            value_specs: None,
                        },
                        BatchItem::Prepared(p, v) => {
                            if let Some(c) = current {
                                if !std::ptr::eq(c, &**p) {
                                    run += 1;
                                }
                            }
                            current = Some(p);
                            let id = match run {
                                0 => &first_id,
                                n => &more_ids[n - 1],
                            };
                            WireBatchStatement {
                                kind: BatchStatementKind::Prepared(id),
                                values: v,
                                value_specs: None,
                            }
                        }
                    });
                }
                conn.send(
                    &Request::Batch(Batch {
                        batch_type: self.batch.batch_type,
                        statements: &statements,
                        consistency: opts.consistency.unwrap_or_default(),
                        serial_consistency: opts.serial_consistency,
                        default_timestamp: opts.timestamp,
                        keyspace: None,
                        now_in_seconds: None,
                    }),
                    send_opts(opts),
                )
            };
            match sent.await {
                Ok(frame) => return QueryResult::from_response(conn.addr(), frame, None),
                Err(e) if attempt == 0 && is_unprepared(&e) => {
                    // Re-prepare the batch's prepared statements on this node (once per run
                    // of the same one).
                    for p in prepared_runs(&self.batch.items) {
                        session.reprepare(conn, p, opts).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Result(
            "batch stayed unprepared after re-preparing".into(),
        ))
    }
}

/// The prepared statements of a batch, one per run of consecutive items with the same one.
fn prepared_runs(items: &[BatchItem]) -> impl Iterator<Item = &Prepared> {
    let mut last: Option<&Prepared> = None;
    items.iter().filter_map(move |i| match i {
        BatchItem::Prepared(p, _) if !last.is_some_and(|l| std::ptr::eq(l, &**p)) => {
            last = Some(p);
            last
        }
        _ => None,
    })
}

fn is_unprepared(e: &Error) -> bool {
    e.server_error()
        .is_some_and(|s| matches!(s.kind, crate::error::ServerErrorKind::Unprepared { .. }))
}

/// A statement owned by a row stream.
#[derive(Debug, Clone)]
pub(crate) enum OwnedStatement {
    Simple(SimpleStatement),
    Bound(BoundStatement),
}
