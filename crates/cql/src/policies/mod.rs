//! Policies (the reference driver's `cassandra.policies`): which nodes a request goes to and
//! in which order ([`LoadBalancingPolicy`]), how long a pool waits before reconnecting
//! ([`ReconnectionPolicy`]), how failed requests are retried ([`RetryPolicy`]) and when slow
//! ones are also sent elsewhere ([`SpeculativeExecutionPolicy`]). Each is a trait; implement
//! it for your own policy.

mod filters;
mod latency_aware;
mod retry;
mod speculative;

pub use filters::{HostFilterPolicy, RackAwareRoundRobinPolicy};
pub use latency_aware::LatencyAwarePolicy;
pub use retry::{
    DefaultRetryPolicy, DowngradingConsistencyRetryPolicy, ExponentialBackoffRetryPolicy,
    FallthroughRetryPolicy, NeverRetryPolicy, RetryContext, RetryDecision, RetryPolicy, WriteType,
};
pub use speculative::{
    ConstantSpeculativeExecutionPolicy, NoSpeculativeExecutionPolicy, SpeculativeExecutionPolicy,
};

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::metadata::{ClusterMetadata, Host, Token};

/// How far a node is from the client; `Ignored` nodes get no pool and no requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostDistance {
    /// In the local data center.
    Local,
    /// In another data center.
    Remote,
    /// Never used.
    Ignored,
}

/// What a policy knows about a request.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// The keyspace of the statement (from a prepared statement's metadata).
    pub keyspace: Option<&'a str>,
    /// The table of the statement, when its metadata names it (tablet routing).
    pub table: Option<&'a str>,
    /// The token of the statement's partition key, when known.
    pub token: Option<Token>,
    /// A conditional (lightweight transaction) statement, as ScyllaDB marks prepared ones:
    /// its replicas are tried in a fixed order, so that concurrent Paxos rounds on one
    /// partition queue up at the same replica instead of contending.
    pub is_lwt: bool,
}

impl<'a> RequestInfo<'a> {
    /// Request information with a keyspace and token (for tests of policies).
    pub fn new(keyspace: Option<&'a str>, token: Option<Token>) -> Self {
        RequestInfo {
            keyspace,
            table: None,
            token,
            is_lwt: false,
        }
    }

    /// The same, for a statement on `table`.
    #[must_use]
    pub fn with_table(mut self, table: Option<&'a str>) -> Self {
        self.table = table;
        self
    }

    /// The same, for a conditional statement when `lwt`.
    #[must_use]
    pub fn with_lwt(mut self, lwt: bool) -> Self {
        self.is_lwt = lwt;
        self
    }
}

/// Chooses the nodes a request is tried on, in order.
pub trait LoadBalancingPolicy: Send + Sync + std::fmt::Debug {
    /// The distance of a node; `Ignored` nodes get no connection pool.
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance;

    /// The nodes to try, best first. Nodes that are down should be left out.
    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>>;

    /// Appends [`query_plan`](Self::query_plan)'s nodes to `plan` (for policies that wrap
    /// others: no intermediate `Vec`). Override it when the plan can be built in place.
    fn query_plan_into(
        &self,
        request: &RequestInfo<'_>,
        cluster: &ClusterMetadata,
        plan: &mut Vec<Arc<Host>>,
    ) {
        plan.extend(self.query_plan(request, cluster));
    }

    /// Feedback: an attempt of a request on `host` ended after `latency`, with `result`
    /// (speculative executions and retries included; attempts abandoned because another
    /// execution won are not reported). Called on the request path, so keep it short. The
    /// default does nothing; policies that wrap another pass it on.
    fn on_attempt(&self, host: SocketAddr, latency: Duration, result: Result<(), &crate::Error>) {
        let _ = (host, latency, result);
    }

    /// Whether [`on_attempt`](Self::on_attempt) does anything, asked once per request: when
    /// not, the request path neither times its attempts nor calls it. The default says yes,
    /// so that a policy overriding `on_attempt` alone is still told; policies that ignore
    /// the feedback say no, and those that wrap another ask it.
    fn wants_feedback(&self) -> bool {
        true
    }
}

fn rotate(hosts: &mut [Arc<Host>], counter: &AtomicUsize) {
    if !hosts.is_empty() {
        let start = counter.fetch_add(1, Ordering::Relaxed) % hosts.len();
        hosts.rotate_left(start);
    }
}

/// Every node that is up, in turn.
#[derive(Debug, Default)]
pub struct RoundRobinPolicy {
    next: AtomicUsize,
}

impl RoundRobinPolicy {
    /// A round-robin policy.
    pub fn new() -> Self {
        Self::default()
    }
}

impl LoadBalancingPolicy for RoundRobinPolicy {
    fn distance(&self, _: &Host, _: &ClusterMetadata) -> HostDistance {
        HostDistance::Local
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = Vec::with_capacity(cluster.hosts().len());
        self.query_plan_into(request, cluster, &mut plan);
        plan
    }

    fn query_plan_into(
        &self,
        _: &RequestInfo<'_>,
        cluster: &ClusterMetadata,
        plan: &mut Vec<Arc<Host>>,
    ) {
        let start = plan.len();
        plan.extend(cluster.hosts().iter().filter(|h| h.is_up()).cloned());
        rotate(&mut plan[start..], &self.next);
    }

    fn wants_feedback(&self) -> bool {
        false
    }
}

/// Round robin over the nodes of the local data center, then up to
/// `used_hosts_per_remote_dc` nodes of each other data center.
#[derive(Debug, Default)]
pub struct DcAwareRoundRobinPolicy {
    local_dc: Option<String>,
    used_hosts_per_remote_dc: usize,
    next: AtomicUsize,
}

impl DcAwareRoundRobinPolicy {
    /// `local_dc`: `None` takes the data center of the first node the session connected to.
    pub fn new(local_dc: Option<String>, used_hosts_per_remote_dc: usize) -> Self {
        DcAwareRoundRobinPolicy {
            local_dc,
            used_hosts_per_remote_dc,
            next: AtomicUsize::new(0),
        }
    }

    fn local<'a>(&'a self, cluster: &'a ClusterMetadata) -> Option<&'a str> {
        self.local_dc.as_deref().or(cluster.local_dc())
    }
}

impl LoadBalancingPolicy for DcAwareRoundRobinPolicy {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        let local = self.local(cluster);
        // Before metadata is known every node counts as local.
        if local.is_none() || host.datacenter().is_none() || host.datacenter() == local {
            return HostDistance::Local;
        }
        if self.used_hosts_per_remote_dc == 0 {
            return HostDistance::Ignored;
        }
        let rank = cluster
            .hosts()
            .iter()
            .filter(|h| h.datacenter() == host.datacenter())
            .position(|h| h.address() == host.address());
        match rank {
            Some(r) if r < self.used_hosts_per_remote_dc => HostDistance::Remote,
            _ => HostDistance::Ignored,
        }
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = Vec::with_capacity(cluster.hosts().len());
        self.query_plan_into(request, cluster, &mut plan);
        plan
    }

    fn query_plan_into(
        &self,
        _: &RequestInfo<'_>,
        cluster: &ClusterMetadata,
        plan: &mut Vec<Arc<Host>>,
    ) {
        let start = plan.len();
        let local = self.local(cluster);
        let is_local =
            |h: &Host| local.is_none() || h.datacenter().is_none() || h.datacenter() == local;
        plan.extend(
            cluster
                .hosts()
                .iter()
                .filter(|h| h.is_up() && is_local(h))
                .cloned(),
        );
        rotate(&mut plan[start..], &self.next);
        if self.used_hosts_per_remote_dc > 0 {
            plan.extend(
                cluster
                    .hosts()
                    .iter()
                    .filter(|h| {
                        h.is_up()
                            && !is_local(h)
                            && self.distance(h, cluster) == HostDistance::Remote
                    })
                    .cloned(),
            );
        }
    }

    fn wants_feedback(&self) -> bool {
        false
    }
}

/// Sends a request to a replica of its partition first (when the statement's keyspace and
/// token are known: bound prepared statements), then follows the wrapped policy. On a
/// ScyllaDB tablet table whose tablet for the token is known, the replicas are the
/// tablet's, in its order.
#[derive(Debug)]
pub struct TokenAwarePolicy<P> {
    child: P,
    shuffle: bool,
    next: AtomicUsize,
}

impl<P: LoadBalancingPolicy> TokenAwarePolicy<P> {
    /// Wraps `child`, which orders everything after the local replicas.
    pub fn new(child: P) -> Self {
        TokenAwarePolicy {
            child,
            shuffle: false,
            next: AtomicUsize::new(0),
        }
    }

    /// Spreads requests over a partition's replicas (each request starts at the next one)
    /// instead of always trying the primary replica first (default: off). Conditional
    /// statements ([`RequestInfo::is_lwt`]) are never spread.
    #[must_use]
    pub fn with_shuffle_replicas(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for TokenAwarePolicy<P> {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        self.child.distance(host, cluster)
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = Vec::with_capacity(cluster.hosts().len());
        self.query_plan_into(request, cluster, &mut plan);
        plan
    }

    fn query_plan_into(
        &self,
        request: &RequestInfo<'_>,
        cluster: &ClusterMetadata,
        plan: &mut Vec<Arc<Host>>,
    ) {
        let start = plan.len();
        if let (Some(ks), Some(token)) = (request.keyspace, request.token) {
            let local = |h: &&Arc<Host>| {
                h.is_up() && self.child.distance(h, cluster) == HostDistance::Local
            };
            match request.table.and_then(|t| cluster.tablet(ks, t, token)) {
                Some(tablet) => plan.extend(
                    tablet
                        .replicas
                        .iter()
                        .filter_map(|(id, _)| cluster.host_by_id(*id))
                        .filter(local)
                        .cloned(),
                ),
                None => plan.extend(cluster.replica_hosts(ks, token).filter(local).cloned()),
            }
        }
        let replicas = plan.len();
        if self.shuffle && !request.is_lwt {
            rotate(&mut plan[start..replicas], &self.next);
        }
        self.child.query_plan_into(request, cluster, plan);
        if replicas > start {
            // Drops the child's copies of the replicas, keeping the order. The replication
            // factor is small: a linear scan beats hashing the addresses.
            let mut kept = replicas;
            for i in replicas..plan.len() {
                let addr = plan[i].address();
                if !plan[start..replicas].iter().any(|r| r.address() == addr) {
                    plan.swap(kept, i);
                    kept += 1;
                }
            }
            plan.truncate(kept);
        }
    }

    fn on_attempt(&self, host: SocketAddr, latency: Duration, result: Result<(), &crate::Error>) {
        self.child.on_attempt(host, latency, result);
    }

    fn wants_feedback(&self) -> bool {
        self.child.wants_feedback()
    }
}

/// Only the listed addresses are ever used (others are `Ignored`); the wrapped policy orders
/// them.
#[derive(Debug)]
pub struct WhiteListPolicy<P> {
    child: P,
    allowed: HashSet<SocketAddr>,
}

impl<P: LoadBalancingPolicy> WhiteListPolicy<P> {
    /// Allows `addresses` only.
    pub fn new(child: P, addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        WhiteListPolicy {
            child,
            allowed: addresses.into_iter().collect(),
        }
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for WhiteListPolicy<P> {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        if self.allowed.contains(&host.address()) {
            self.child.distance(host, cluster)
        } else {
            HostDistance::Ignored
        }
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = self.child.query_plan(request, cluster);
        plan.retain(|h| self.allowed.contains(&h.address()));
        plan
    }

    fn on_attempt(&self, host: SocketAddr, latency: Duration, result: Result<(), &crate::Error>) {
        self.child.on_attempt(host, latency, result);
    }

    fn wants_feedback(&self) -> bool {
        self.child.wants_feedback()
    }
}

/// The default: token aware over data-center aware round robin (local DC only).
pub fn default_load_balancing() -> Arc<dyn LoadBalancingPolicy> {
    Arc::new(TokenAwarePolicy::new(DcAwareRoundRobinPolicy::new(None, 0)))
}

/// How long a pool waits before its next connection attempt.
pub trait ReconnectionPolicy: Send + Sync + std::fmt::Debug {
    /// The delay after `failures` consecutive failed attempts (1 for the first failure).
    fn delay(&self, failures: u32) -> Duration;
}

/// The same delay every time.
#[derive(Debug, Clone, Copy)]
pub struct ConstantReconnectionPolicy {
    delay: Duration,
}

impl ConstantReconnectionPolicy {
    /// Waits `delay` between attempts.
    pub fn new(delay: Duration) -> Self {
        ConstantReconnectionPolicy { delay }
    }
}

impl ReconnectionPolicy for ConstantReconnectionPolicy {
    fn delay(&self, _: u32) -> Duration {
        self.delay
    }
}

/// `base` doubling after each failure up to `max`, with up to 15% jitter so that many
/// clients do not retry in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct ExponentialReconnectionPolicy {
    base: Duration,
    max: Duration,
}

impl ExponentialReconnectionPolicy {
    /// Starts at `base`, caps at `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        ExponentialReconnectionPolicy { base, max }
    }
}

impl ReconnectionPolicy for ExponentialReconnectionPolicy {
    fn delay(&self, failures: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let capped = exp.min(self.max);
        let jitter_ms = (capped.as_millis() as u64 * 15 / 100).max(1);
        let nanos = u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0),
        );
        capped + Duration::from_millis(nanos % jitter_ms)
    }
}

/// Maps the address a node advertises (its `rpc_address`/`native_address` in `system.peers`)
/// to the address this client connects to: for clusters behind NAT, port mappings or
/// container networks, where nodes know themselves by addresses clients cannot reach.
///
/// Applied to every peer the control connection reads; contact points and the node the
/// control connection is on keep the address they were reached at.
pub trait AddressTranslator: Send + Sync + std::fmt::Debug {
    /// The address to connect to for a node that advertises `addr`.
    fn translate(&self, addr: SocketAddr) -> SocketAddr;
}

/// Connects to the addresses nodes advertise, unchanged (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityTranslator;

impl AddressTranslator for IdentityTranslator {
    fn translate(&self, addr: SocketAddr) -> SocketAddr {
        addr
    }
}

#[cfg(test)]
#[path = "policies_tests.rs"]
mod tests;
