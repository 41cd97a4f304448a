//! Cluster metadata (the reference driver's `cassandra.metadata`): the nodes with their data
//! center, rack, host id, version, tokens and up/down state; the keyspaces with their
//! replication and schema (tables, views, user types, functions, aggregates); and the token
//! ring with each keyspace's replicas precomputed.
//!
//! A [`ClusterMetadata`] is an immutable snapshot, replaced as a whole by the control
//! connection when the topology or the schema changes; [`Session::cluster_metadata`]
//! returns the current one without taking a lock.
//!
//! [`Session::cluster_metadata`]: crate::Session::cluster_metadata

mod cql_type;
mod quoting;
mod ring;
mod schema;
pub(crate) mod schema_rows;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use uuid::Uuid;

use crate::scylla::tablets::{Tablet, TabletMap};

pub use crate::token::Token;
pub use cql_type::{TypeParseError, parse_cql_type};
pub use quoting::quote_identifier;
pub(crate) use quoting::quote_string;
pub(crate) use ring::TokenRing;
pub use schema::{
    AggregateMetadata, ClusteringOrder, ColumnKind, ColumnMetadata, FunctionMetadata, IndexKind,
    IndexMetadata, MaterializedViewMetadata, TableMetadata, TriggerMetadata, UserTypeField,
    UserTypeMetadata,
};

/// Up/down state of a node, shared by every snapshot that lists it and by its pool.
#[derive(Debug)]
pub(crate) struct HostState {
    up: AtomicBool,
    /// The same state for those who wait for changes (host listeners); read on the request
    /// path through `up` only.
    changes: tokio::sync::watch::Sender<bool>,
}

impl HostState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(HostState {
            up: AtomicBool::new(true),
            changes: tokio::sync::watch::Sender::new(true),
        })
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Sets the state; returns whether it changed.
    pub(crate) fn set_up(&self, up: bool) -> bool {
        let mut changed = false;
        // Under the watch's lock: concurrent changes reach watchers in the order they happen.
        self.changes.send_if_modified(|v| {
            changed = self.up.swap(up, Ordering::AcqRel) != up;
            *v = up;
            changed
        });
        changed
    }

    /// Wakes up on every change of the state.
    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.changes.subscribe()
    }
}

/// A node of the cluster.
#[derive(Debug)]
pub struct Host {
    address: SocketAddr,
    datacenter: Option<String>,
    rack: Option<String>,
    host_id: Option<Uuid>,
    release_version: Option<String>,
    tokens: Vec<Token>,
    state: Arc<HostState>,
}

impl Host {
    /// A host with only an address (as for a contact point before metadata is read); for
    /// testing policies, add the rest with the `with_*` methods.
    pub fn new(address: SocketAddr) -> Self {
        Self::with_state(address, HostState::new())
    }

    pub(crate) fn with_state(address: SocketAddr, state: Arc<HostState>) -> Self {
        Host {
            address,
            datacenter: None,
            rack: None,
            host_id: None,
            release_version: None,
            tokens: Vec::new(),
            state,
        }
    }

    /// Sets the data center.
    #[must_use]
    pub fn with_datacenter(mut self, dc: impl Into<String>) -> Self {
        self.datacenter = Some(dc.into());
        self
    }

    /// Sets the rack.
    #[must_use]
    pub fn with_rack(mut self, rack: impl Into<String>) -> Self {
        self.rack = Some(rack.into());
        self
    }

    /// Sets the host id.
    #[must_use]
    pub fn with_host_id(mut self, id: Uuid) -> Self {
        self.host_id = Some(id);
        self
    }

    /// Sets the release version.
    #[must_use]
    pub fn with_release_version(mut self, version: impl Into<String>) -> Self {
        self.release_version = Some(version.into());
        self
    }

    /// Sets the tokens the node owns.
    #[must_use]
    pub fn with_tokens(mut self, tokens: Vec<Token>) -> Self {
        self.tokens = tokens;
        self
    }

    /// The native transport address requests go to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The data center (`None` until metadata was read).
    pub fn datacenter(&self) -> Option<&str> {
        self.datacenter.as_deref()
    }

    /// The rack.
    pub fn rack(&self) -> Option<&str> {
        self.rack.as_deref()
    }

    /// The node's host id.
    pub fn host_id(&self) -> Option<Uuid> {
        self.host_id
    }

    /// The Cassandra version the node runs, e.g. `5.0.8`.
    pub fn release_version(&self) -> Option<&str> {
        self.release_version.as_deref()
    }

    /// The tokens the node owns (Murmur3 partitioner only; empty otherwise).
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Whether the node is considered up: set down when its pool cannot connect or the
    /// cluster reports it down while no connection to it is open; up again when a
    /// connection succeeds or the cluster reports it up.
    pub fn is_up(&self) -> bool {
        self.state.is_up()
    }

    /// Marks the host up or down (e.g. to take it out of query plans in a policy's tests).
    pub fn set_up(&self, up: bool) {
        self.state.set_up(up);
    }

    pub(crate) fn state(&self) -> &Arc<HostState> {
        &self.state
    }
}

/// How a keyspace's data is replicated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplicationStrategy {
    /// `SimpleStrategy`: the next `replication_factor` distinct nodes clockwise on the ring.
    Simple {
        /// Replicas per partition.
        replication_factor: usize,
    },
    /// `NetworkTopologyStrategy`: per data center, the next nodes clockwise, spread over racks.
    NetworkTopology {
        /// Replicas per data center.
        datacenters: BTreeMap<String, usize>,
    },
    /// `LocalStrategy` (system keyspaces): every node holds its own data; no routing.
    Local,
    /// Any other class; no token-aware routing.
    Other {
        /// The class name.
        class: String,
        /// Its options.
        options: BTreeMap<String, String>,
    },
}

impl ReplicationStrategy {
    /// Parses the `replication` map of `system_schema.keyspaces`.
    pub fn from_options(options: &BTreeMap<String, String>) -> Self {
        let class = options.get("class").map(String::as_str).unwrap_or_default();
        let short = class.rsplit('.').next().unwrap_or(class);
        // "3" or, with transient replication, "3/1": full replicas first.
        let factor = |v: &str| -> Option<usize> { v.split('/').next()?.trim().parse().ok() };
        match short {
            "SimpleStrategy" => match options.get("replication_factor").and_then(|v| factor(v)) {
                Some(rf) => ReplicationStrategy::Simple {
                    replication_factor: rf,
                },
                None => ReplicationStrategy::Other {
                    class: class.to_owned(),
                    options: options.clone(),
                },
            },
            "NetworkTopologyStrategy" => ReplicationStrategy::NetworkTopology {
                datacenters: options
                    .iter()
                    .filter(|(k, _)| k.as_str() != "class")
                    .filter_map(|(k, v)| Some((k.clone(), factor(v)?)))
                    .collect(),
            },
            "LocalStrategy" => ReplicationStrategy::Local,
            _ => ReplicationStrategy::Other {
                class: class.to_owned(),
                options: options.clone(),
            },
        }
    }
}

/// A keyspace: its replication and its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyspaceMetadata {
    /// Its name.
    pub name: String,
    /// `durable_writes`.
    pub durable_writes: bool,
    /// How it is replicated.
    pub strategy: ReplicationStrategy,
    /// The `replication` map as stored (`class` and its options).
    pub replication: BTreeMap<String, String>,
    /// Tables by name.
    pub tables: BTreeMap<String, TableMetadata>,
    /// Materialized views by name.
    pub views: BTreeMap<String, MaterializedViewMetadata>,
    /// User-defined types by name.
    pub user_types: BTreeMap<String, UserTypeMetadata>,
    /// User-defined functions by signature, `name(type1,type2)` (see
    /// [`FunctionMetadata::signature`]).
    pub functions: BTreeMap<String, FunctionMetadata>,
    /// User-defined aggregates by signature.
    pub aggregates: BTreeMap<String, AggregateMetadata>,
}

impl KeyspaceMetadata {
    /// A keyspace without schema objects.
    pub fn new(
        name: impl Into<String>,
        durable_writes: bool,
        strategy: ReplicationStrategy,
    ) -> Self {
        KeyspaceMetadata {
            name: name.into(),
            durable_writes,
            strategy,
            replication: BTreeMap::new(),
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
            user_types: BTreeMap::new(),
            functions: BTreeMap::new(),
            aggregates: BTreeMap::new(),
        }
    }

    /// The `CREATE KEYSPACE` statement (without `;`).
    pub fn as_cql_query(&self) -> String {
        let mut pairs: Vec<String> = Vec::new();
        let class = self.replication.get("class");
        if let Some(c) = class {
            pairs.push(format!("'class': {}", quote_string(c)));
        }
        for (k, v) in &self.replication {
            if k != "class" {
                pairs.push(format!("{}: {}", quote_string(k), quote_string(v)));
            }
        }
        format!(
            "CREATE KEYSPACE {} WITH replication = {{{}}} AND durable_writes = {}",
            quote_identifier(&self.name),
            pairs.join(", "),
            self.durable_writes
        )
    }

    /// Every statement that recreates the keyspace, each ending with `;`: the keyspace, its
    /// user types (a type after the types it uses), functions, aggregates, tables each
    /// followed by its indexes and triggers, and views (not those ScyllaDB keeps behind
    /// secondary indexes).
    pub fn export_statements(&self) -> Vec<String> {
        let mut out = vec![format!("{};", self.as_cql_query())];
        for t in self.user_types_in_dependency_order() {
            out.push(format!("{};", t.as_cql_query()));
        }
        out.extend(
            self.functions
                .values()
                .map(|f| format!("{};", f.as_cql_query())),
        );
        out.extend(
            self.aggregates
                .values()
                .map(|a| format!("{};", a.as_cql_query())),
        );
        for t in self.tables.values() {
            out.extend(t.statements());
        }
        out.extend(
            self.views
                .values()
                .filter(|v| !self.is_index_view(v))
                .map(|v| format!("{};", v.as_cql_query())),
        );
        out
    }

    /// Whether `v` is the view ScyllaDB keeps behind a secondary index (`<index>_index`, with
    /// its computed `idx_token` column): made by `CREATE INDEX`, not to be created again.
    fn is_index_view(&self, v: &MaterializedViewMetadata) -> bool {
        v.column("idx_token").is_some()
            && self.tables.get(&v.base_table).is_some_and(|t| {
                t.indexes
                    .keys()
                    .any(|i| v.name.strip_suffix("_index") == Some(i.as_str()))
            })
    }

    /// [`export_statements`](Self::export_statements) as one text, statements separated by
    /// blank lines (like the reference driver's `export_as_string`).
    pub fn export_as_string(&self) -> String {
        self.export_statements().join("\n\n")
    }

    /// The user types, each after the types its fields use.
    pub fn user_types_in_dependency_order(&self) -> Vec<&UserTypeMetadata> {
        fn visit<'a>(
            ks: &'a KeyspaceMetadata,
            t: &'a UserTypeMetadata,
            seen: &mut std::collections::HashSet<&'a str>,
            out: &mut Vec<&'a UserTypeMetadata>,
        ) {
            if !seen.insert(t.name.as_str()) {
                return;
            }
            let mut deps = Vec::new();
            for f in &t.fields {
                cql_type::referenced_udts(&f.cql_type, &mut deps);
            }
            for d in deps {
                if let Some(dt) = ks.user_types.get(&d) {
                    visit(ks, dt, seen, out);
                }
            }
            out.push(t);
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for t in self.user_types.values() {
            visit(self, t, &mut seen, &mut out);
        }
        out
    }
}

/// A snapshot of what the driver knows about the cluster.
#[derive(Debug)]
pub struct ClusterMetadata {
    cluster_name: Option<String>,
    partitioner: Option<String>,
    hosts: Vec<Arc<Host>>,
    by_addr: HashMap<SocketAddr, usize>,
    keyspaces: HashMap<String, KeyspaceMetadata>,
    ring: TokenRing,
    local_dc: Option<String>,
    /// Nodes by host id (tablet replicas name them so).
    by_host_id: HashMap<Uuid, usize>,
    /// ScyllaDB's tablets, learned from responses; shared by the snapshots of one session.
    tablets: Arc<TabletMap>,
}

impl ClusterMetadata {
    /// Builds a snapshot; the ring and every keyspace's replicas are computed here, once.
    pub(crate) fn new(
        cluster_name: Option<String>,
        partitioner: Option<String>,
        mut hosts: Vec<Arc<Host>>,
        keyspaces: HashMap<String, KeyspaceMetadata>,
        local_dc: Option<String>,
    ) -> Self {
        hosts.sort_by_key(|h| h.address);
        hosts.dedup_by_key(|h| h.address);
        let by_addr = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.address, i))
            .collect();
        let ring = TokenRing::new(&hosts, &keyspaces);
        let by_host_id = hosts
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.host_id.map(|id| (id, i)))
            .collect();
        ClusterMetadata {
            by_host_id,
            tablets: Arc::default(),
            cluster_name,
            partitioner,
            hosts,
            by_addr,
            keyspaces,
            ring,
            local_dc,
        }
    }

    /// The cluster's name.
    pub fn cluster_name(&self) -> Option<&str> {
        self.cluster_name.as_deref()
    }

    /// The partitioner class, e.g. `org.apache.cassandra.dht.Murmur3Partitioner`.
    pub fn partitioner(&self) -> Option<&str> {
        self.partitioner.as_deref()
    }

    /// Every known node, ordered by address.
    pub fn hosts(&self) -> &[Arc<Host>] {
        &self.hosts
    }

    /// The node at `addr`.
    pub fn host(&self, addr: SocketAddr) -> Option<&Arc<Host>> {
        self.by_addr.get(&addr).and_then(|&i| self.hosts.get(i))
    }

    /// The keyspaces and their replication.
    pub fn keyspaces(&self) -> &HashMap<String, KeyspaceMetadata> {
        &self.keyspaces
    }

    /// The data center of the first node the session connected to; the local DC of
    /// data-center aware policies that name none.
    pub fn local_dc(&self) -> Option<&str> {
        self.local_dc.as_deref()
    }

    /// The node whose range contains `token` (the first node clockwise from it).
    pub fn token_owner(&self, token: Token) -> Option<&Arc<Host>> {
        self.ring.owner(token).and_then(|i| self.hosts.get(i))
    }

    /// The replicas of `token` in `keyspace`, primary first; empty when unknown (no token
    /// metadata, unknown keyspace, or a strategy without routing).
    pub fn replicas(&self, keyspace: &str, token: Token) -> Vec<Arc<Host>> {
        self.ring
            .replicas(keyspace, token)
            .iter()
            .filter_map(|&i| self.hosts.get(i).cloned())
            .collect()
    }

    /// Like [`replicas`](Self::replicas), without collecting them.
    pub(crate) fn replica_hosts(
        &self,
        keyspace: &str,
        token: Token,
    ) -> impl Iterator<Item = &Arc<Host>> + '_ {
        self.ring
            .replicas(keyspace, token)
            .iter()
            .filter_map(|&i| self.hosts.get(i))
    }

    /// The same snapshot, with the session's tablet map.
    pub(crate) fn with_tablets(mut self, tablets: Arc<TabletMap>) -> Self {
        self.tablets = tablets;
        self
    }

    /// ScyllaDB's tablets learned so far (empty for Cassandra and vnode keyspaces).
    pub fn tablets(&self) -> &TabletMap {
        &self.tablets
    }

    /// The node with host id `id`.
    pub fn host_by_id(&self, id: Uuid) -> Option<&Arc<Host>> {
        self.by_host_id.get(&id).and_then(|&i| self.hosts.get(i))
    }

    /// The tablet of `token` in `keyspace.table`, when the table has tablets and that one is
    /// known.
    #[inline]
    pub fn tablet(&self, keyspace: &str, table: &str, token: Token) -> Option<Arc<Tablet>> {
        self.tablets.get(keyspace, table, token)
    }

    /// The token of a routing key (see [`crate::token::routing_key`]).
    pub fn token_of(&self, routing_key: &[u8]) -> Token {
        Token::of_key(routing_key)
    }
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
