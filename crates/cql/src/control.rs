//! The control connection: one connection of one pool, registered for TOPOLOGY_CHANGE,
//! STATUS_CHANGE and SCHEMA_CHANGE events, that reads `system.local`, `system.peers_v2`
//! (`system.peers` on older servers) and the `system_schema` tables into a new
//! [`ClusterMetadata`] snapshot whenever something changed, and keeps one pool per node.
//!
//! It borrows a pool's connection rather than opening its own; when that connection closes
//! it moves to an open connection of another pool.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use cql_protocol::frame::Envelope;
use cql_protocol::message::response::StatusChangeType;
use cql_protocol::message::{
    ErrorDecodeOptions, Event, EventType, Query, QueryParameters, Register, Request, Response,
    decode_response,
};
use cql_protocol::types::CqlValue;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::connection::{Connection, EventSender, SendOptions};
use crate::contact_points::resolve_all;
use crate::error::{Error, ResultError};
use crate::metadata::schema_rows::{self, SCHEMA_QUERIES, SchemaRows};
use crate::metadata::{ClusterMetadata, Host, HostState, Token, quote_string};
use crate::policies::HostDistance;
use crate::pool::HostPool;
use crate::reprepare::PreparedRegistry;
use crate::result::{QueryResult, Row};
use crate::scylla::tablets::TabletMap;

mod schema_agreement;

/// Refreshes triggered by events wait this long for more events (a keyspace creation sends
/// several, a node joining too).
const DEBOUNCE: Duration = Duration::from_millis(300);
/// How often the control task looks for an open connection when it has none.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// While no node is reachable, DNS contact points are resolved again this often: a name
/// that now points to other addresses is followed.
const RERESOLVE_EVERY: Duration = Duration::from_secs(5);

/// Looked up on every request: a fast hasher (the addresses come from the cluster).
pub(crate) type Pools = HashMap<SocketAddr, Arc<HostPool>, rustc_hash::FxBuildHasher>;

/// What the session and its control task share.
pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    pub(crate) keyspace: Arc<RwLock<Option<String>>>,
    /// The statements to give to nodes that come back or join.
    pub(crate) prepared: Arc<PreparedRegistry>,
    pub(crate) pools: ArcSwap<Pools>,
    pub(crate) metadata: ArcSwap<ClusterMetadata>,
    states: Mutex<HashMap<SocketAddr, Arc<HostState>>>,
    events: EventSender,
    control: Mutex<Option<Connection>>,
    local_dc: Mutex<Option<String>>,
    use_peers_v2: AtomicBool,
    sync: Mutex<()>,
    refresh: tokio::sync::Mutex<()>,
    /// Counts completed metadata reads.
    pub(crate) generation: watch::Sender<u64>,
    /// ScyllaDB's tablets, carried from snapshot to snapshot.
    tablets: Arc<TabletMap>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("pools", &self.pools.load().len())
            .field("hosts", &self.metadata.load().hosts().len())
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(
        config: Arc<Config>,
        contact_points: &[SocketAddr],
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<Envelope>) {
        let (events, rx) = mpsc::unbounded_channel();
        let states: HashMap<SocketAddr, Arc<HostState>> = contact_points
            .iter()
            .map(|a| (*a, HostState::new()))
            .collect();
        let hosts = states
            .iter()
            .map(|(a, s)| Arc::new(Host::with_state(*a, Arc::clone(s))))
            .collect();
        let tablets = Arc::new(TabletMap::default());
        let metadata = ClusterMetadata::new(None, None, hosts, HashMap::new(), None)
            .with_tablets(Arc::clone(&tablets));
        let shared = Arc::new(Shared {
            tablets,
            keyspace: Arc::new(RwLock::new(config.keyspace.clone())),
            prepared: Arc::new(PreparedRegistry::new(config.reprepare_on_up_max)),
            config,
            pools: ArcSwap::from_pointee(Pools::default()),
            metadata: ArcSwap::from_pointee(metadata),
            states: Mutex::new(states),
            events,
            control: Mutex::new(None),
            local_dc: Mutex::new(None),
            use_peers_v2: AtomicBool::new(true),
            sync: Mutex::new(()),
            refresh: tokio::sync::Mutex::new(()),
            generation: watch::Sender::new(0),
        });
        (shared, rx)
    }

    fn state_for(&self, addr: SocketAddr) -> Arc<HostState> {
        match self.states.lock() {
            Ok(mut s) => Arc::clone(s.entry(addr).or_insert_with(HostState::new)),
            Err(_) => HostState::new(),
        }
    }

    /// A new pool for `addr` (not yet in the map).
    pub(crate) fn new_pool(&self, addr: SocketAddr) -> Arc<HostPool> {
        HostPool::new(
            addr,
            Arc::clone(&self.config),
            Arc::clone(&self.keyspace),
            Some(Arc::clone(&self.prepared)),
            Some(self.events.clone()),
            self.state_for(addr),
        )
    }

    /// Opens pools for the nodes the policy uses and closes those of nodes that left or are
    /// ignored.
    fn sync_pools(&self) {
        let Ok(_guard) = self.sync.lock() else {
            return;
        };
        let m = self.metadata.load();
        let lb = &self.config.load_balancing;
        let current = self.pools.load();
        let mut next: Pools = (**current).clone();
        let mut changed = false;
        for h in m.hosts() {
            let size = match lb.distance(h, &m) {
                HostDistance::Local => self.config.connections_per_host,
                HostDistance::Remote => self.config.connections_per_remote_host,
                _ => continue,
            };
            match next.get(&h.address()) {
                Some(pool) => pool.set_target(size),
                None => {
                    tracing::info!(addr = %h.address(), dc = ?h.datacenter(), size, "new node: opening a pool");
                    let pool = self.new_pool(h.address());
                    pool.set_target(size);
                    pool.ensure_filled();
                    next.insert(h.address(), pool);
                    changed = true;
                }
            }
        }
        next.retain(|addr, pool| {
            let keep = m
                .host(*addr)
                .is_some_and(|h| lb.distance(h, &m) != HostDistance::Ignored);
            if !keep {
                tracing::info!(%addr, "node left or is ignored: closing its pool");
                pool.shutdown();
                changed = true;
            }
            keep
        });
        if changed {
            self.pools.store(Arc::new(next));
        }
    }

    /// Resolves the DNS contact points again and opens pools for the addresses that are new
    /// (when every known node is unreachable: the name may point elsewhere now). Once one of
    /// them answers, the metadata it reports decides which pools stay.
    pub(crate) async fn reresolve_contact_points(&self) -> Vec<SocketAddr> {
        let names: Vec<_> = self
            .config
            .contact_points
            .iter()
            .filter(|c| c.is_name())
            .cloned()
            .collect();
        if names.is_empty() {
            return Vec::new();
        }
        let found = match resolve_all(&names, self.config.port).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "no node reachable, and the contact points do not resolve");
                return Vec::new();
            }
        };
        let Ok(_guard) = self.sync.lock() else {
            return Vec::new();
        };
        let current = self.pools.load();
        let added: Vec<SocketAddr> = found
            .into_iter()
            .filter(|a| !current.contains_key(a))
            .collect();
        if added.is_empty() {
            return added;
        }
        let mut next: Pools = (**current).clone();
        for addr in &added {
            tracing::info!(%addr, "no node reachable: trying a new address of a contact point");
            let pool = self.new_pool(*addr);
            pool.ensure_filled();
            next.insert(*addr, pool);
        }
        self.pools.store(Arc::new(next));
        added
    }

    /// An open connection for metadata reads: the control connection, else any pool's.
    fn any_connection(&self) -> Option<Connection> {
        if let Ok(c) = self.control.lock() {
            if let Some(c) = c.as_ref().filter(|c| !c.is_closed()) {
                return Some(c.clone());
            }
        }
        let pools = self.pools.load();
        let m = self.metadata.load();
        let mut candidates: Vec<&Arc<HostPool>> = pools.values().collect();
        // Nodes that are up first.
        candidates.sort_by_key(|p| !m.host(p.addr()).is_some_and(|h| h.is_up()));
        candidates.iter().find_map(|p| p.any_open())
    }

    /// The node the control connection is on, if it has one now.
    pub(crate) fn control_host(&self) -> Option<SocketAddr> {
        let c = self.control.lock().ok()?;
        c.as_ref().filter(|c| !c.is_closed()).map(Connection::addr)
    }

    /// Reads the metadata now, on the control connection if there is one.
    pub(crate) async fn refresh_now(&self) -> Result<Arc<ClusterMetadata>, Error> {
        let conn = self
            .any_connection()
            .ok_or_else(|| Error::NoHostAvailable(Vec::new()))?;
        self.refresh(&conn).await?;
        Ok(self.metadata.load_full())
    }

    async fn refresh(&self, conn: &Connection) -> Result<(), Error> {
        let _one_at_a_time = self.refresh.lock().await;
        let timeout = self.config.request_timeout;
        let local = query(
            conn,
            "SELECT * FROM system.local WHERE key = 'local'",
            timeout,
        )
        .await?
        .rows()?;
        let peers = if self.use_peers_v2.load(Ordering::Relaxed) {
            match query(conn, "SELECT * FROM system.peers_v2", timeout).await {
                Ok(r) => Some(r.rows()?),
                Err(e) if e.server_error().is_some() => {
                    tracing::debug!(error = %e, "no system.peers_v2; using system.peers");
                    self.use_peers_v2.store(false, Ordering::Relaxed);
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let peers = match peers {
            Some(p) => p,
            None => query(conn, "SELECT * FROM system.peers", timeout)
                .await?
                .rows()?,
        };
        let keyspaces = match read_schema(conn, timeout, None).await {
            Ok(rows) => schema_rows::build(&rows),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read system_schema; keeping the known keyspaces");
                self.metadata.load().keyspaces().clone()
            }
        };
        let local_row = local
            .first()
            .ok_or_else(|| Error::Result(ResultError::Metadata("system.local has no row")))?;
        let partitioner = text(local_row, "partitioner");
        let murmur3 = partitioner
            .as_deref()
            .is_some_and(|p| p.ends_with("Murmur3Partitioner"));
        let mut hosts = vec![self.host_from_row(conn.addr(), local_row, murmur3)];
        for row in &peers {
            match peer_connect_address(row, &self.config) {
                Some(addr) => hosts.push(self.host_from_row(addr, row, murmur3)),
                None => tracing::warn!(?row, "peer row without an address; ignored"),
            }
        }
        let local_dc = {
            let mut dc = self.local_dc.lock().map_err(|_| {
                Error::Result(ResultError::Metadata("a lock was poisoned by a panic"))
            })?;
            if dc.is_none() {
                *dc = text(local_row, "data_center");
            }
            dc.clone()
        };
        // Tablets naming a node that left are stale.
        let ids: Vec<uuid::Uuid> = hosts.iter().filter_map(|h| h.host_id()).collect();
        self.tablets.retain_hosts(&ids);
        let metadata = ClusterMetadata::new(
            text(local_row, "cluster_name"),
            partitioner,
            hosts,
            keyspaces,
            local_dc,
        )
        .with_tablets(Arc::clone(&self.tablets));
        tracing::debug!(
            hosts = metadata.hosts().len(),
            keyspaces = metadata.keyspaces().len(),
            "cluster metadata refreshed"
        );
        self.metadata.store(Arc::new(metadata));
        self.sync_pools();
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }

    /// Reads the schema of one keyspace again and replaces it in the metadata (removes it
    /// when it is gone); the rest of the snapshot is kept. Cheaper than a full read after a
    /// schema change this session made.
    pub(crate) async fn refresh_keyspace(&self, keyspace: &str) -> Result<(), Error> {
        let conn = self
            .any_connection()
            .ok_or_else(|| Error::NoHostAvailable(Vec::new()))?;
        let _one_at_a_time = self.refresh.lock().await;
        let rows = read_schema(&conn, self.config.request_timeout, Some(keyspace)).await?;
        let mut read = schema_rows::build(&rows);
        let current = self.metadata.load_full();
        let mut keyspaces = current.keyspaces().clone();
        match read.remove(keyspace) {
            Some(k) => keyspaces.insert(keyspace.to_owned(), k),
            None => keyspaces.remove(keyspace),
        };
        let metadata = ClusterMetadata::new(
            current.cluster_name().map(str::to_owned),
            current.partitioner().map(str::to_owned),
            current.hosts().to_vec(),
            keyspaces,
            current.local_dc().map(str::to_owned),
        )
        .with_tablets(Arc::clone(&self.tablets));
        self.metadata.store(Arc::new(metadata));
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }

    fn host_from_row(&self, addr: SocketAddr, row: &Row, murmur3: bool) -> Arc<Host> {
        let mut h = Host::with_state(addr, self.state_for(addr));
        if let Some(dc) = text(row, "data_center") {
            h = h.with_datacenter(dc);
        }
        if let Some(rack) = text(row, "rack") {
            h = h.with_rack(rack);
        }
        if let Some(CqlValue::Uuid(id) | CqlValue::Timeuuid(id)) = row.get("host_id") {
            h = h.with_host_id(*id);
        }
        if let Some(v) = text(row, "release_version") {
            h = h.with_release_version(v);
        }
        if murmur3 {
            if let Some(CqlValue::Set(tokens) | CqlValue::List(tokens)) = row.get("tokens") {
                let mut parsed: Vec<Token> = tokens
                    .iter()
                    .filter_map(|t| match t {
                        CqlValue::Text(s) | CqlValue::Ascii(s) => s.parse().ok().map(Token),
                        _ => None,
                    })
                    .collect();
                parsed.sort();
                h = h.with_tokens(parsed);
            }
        }
        Arc::new(h)
    }

    /// Applies a status event at once; notes what a topology or schema event calls for in
    /// `pending` (a schema change: a read of its keyspace only).
    fn handle_event(&self, env: &Envelope, pending: &mut Pending) {
        let frame = match decode_response(
            env,
            None,
            self.config.max_frame_body,
            ErrorDecodeOptions::default(),
        ) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "undecodable event ignored");
                return;
            }
        };
        let Response::Event(event) = frame.response else {
            return;
        };
        tracing::debug!(?event, "cluster event");
        match event {
            Event::StatusChange { change, address } => {
                let pool = self.pools.load().get(&address).cloned();
                let state = self.state_for(address);
                match change {
                    StatusChangeType::Up => {
                        state.set_up(true);
                        if let Some(p) = pool {
                            p.reconnect_now();
                        }
                    }
                    _ => {
                        // Our own connections decide, but they are checked now: a node that
                        // hangs with its connections open is what gossip saw first. Those that
                        // do not answer a heartbeat close, and a node left with none is down.
                        let reachable = pool.as_ref().is_some_and(|p| p.open_connections() > 0);
                        if !reachable {
                            state.set_up(false);
                        }
                        if let Some(p) = pool {
                            p.probe("the cluster reported the node down");
                            p.ensure_filled();
                        }
                    }
                }
            }
            Event::TopologyChange { .. } => pending.full = true,
            Event::SchemaChange(change) => {
                use cql_protocol::message::response::SchemaChangeTarget as T;
                use cql_protocol::message::response::SchemaChangeType;
                if change.change_type == SchemaChangeType::Dropped {
                    match &change.target {
                        T::Keyspace { keyspace } => self.tablets.drop_table(keyspace, None),
                        T::Table { keyspace, table } => {
                            self.tablets.drop_table(keyspace, Some(table));
                        }
                        _ => {}
                    }
                }
                match change.target {
                    T::Keyspace { keyspace }
                    | T::Table { keyspace, .. }
                    | T::Type { keyspace, .. }
                    | T::Function { keyspace, .. }
                    | T::Aggregate { keyspace, .. } => {
                        pending.keyspaces.insert(keyspace);
                    }
                    #[allow(unreachable_patterns)]
                    _ => pending.full = true,
                }
            }
            _ => {}
        }
    }
}

/// The metadata reads a burst of events calls for.
#[derive(Debug, Default)]
struct Pending {
    /// Everything (nodes joined, left or moved; or the first read on a connection).
    full: bool,
    /// Only these keyspaces' schema (schema changes): a node that comes back or a DDL
    /// elsewhere does not make every session read every keyspace again.
    keyspaces: std::collections::BTreeSet<String>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        !self.full && self.keyspaces.is_empty()
    }
}

async fn query(conn: &Connection, cql: &str, timeout: Duration) -> Result<QueryResult, Error> {
    let sent = conn.send(
        &Request::Query(Query {
            query: cql,
            params: QueryParameters::default(),
        }),
        SendOptions::timeout(timeout),
    );
    let frame = sent.await?;
    QueryResult::from_response(conn.addr(), frame, None)
}

fn text(row: &Row, name: &str) -> Option<String> {
    match row.get(name)? {
        CqlValue::Text(s) | CqlValue::Ascii(s) => Some(s.clone()),
        _ => None,
    }
}

fn inet(row: &Row, name: &str) -> Option<IpAddr> {
    match row.get(name)? {
        CqlValue::Inet(ip) => Some(*ip),
        _ => None,
    }
}

/// A peer's native transport address: `native_address`/`native_port` (peers_v2) or
/// `rpc_address` and the configured port; a wildcard address means "same as `peer`".
fn peer_address(row: &Row, default_port: u16) -> Option<SocketAddr> {
    let ip = inet(row, "native_address").or_else(|| inet(row, "rpc_address"))?;
    let ip = if ip.is_unspecified() {
        inet(row, "peer")?
    } else {
        ip
    };
    let port = match row.get("native_port") {
        Some(CqlValue::Int(p)) => u16::try_from(*p).ok()?,
        _ => default_port,
    };
    Some(SocketAddr::new(ip, port))
}

/// The address to connect to for a peer row: its advertised address, translated.
fn peer_connect_address(row: &Row, config: &Config) -> Option<SocketAddr> {
    let advertised = peer_address(row, config.port)?;
    let addr = config.address_translator.translate(advertised);
    if addr != advertised {
        tracing::debug!(%advertised, %addr, "peer address translated");
    }
    Some(addr)
}

/// Reads every `system_schema` table the metadata needs, for every keyspace or one.
async fn read_schema(
    conn: &Connection,
    timeout: Duration,
    keyspace: Option<&str>,
) -> Result<SchemaRows, Error> {
    let queries: Vec<String> = SCHEMA_QUERIES
        .iter()
        .map(|q| match keyspace {
            // keyspace_name is the partition key of every schema table.
            Some(ks) => format!("{q} WHERE keyspace_name = {}", quote_string(ks)),
            None => (*q).to_owned(),
        })
        .collect();
    // All at once: one round trip instead of nine.
    let q = |i: usize| query(conn, &queries[i], timeout);
    let (r0, r1, r2, r3, r4, r5, r6, r7, r8) =
        tokio::join!(q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7), q(8));
    let mut results = Vec::with_capacity(SCHEMA_QUERIES.len());
    for (i, r) in [r0, r1, r2, r3, r4, r5, r6, r7, r8].into_iter().enumerate() {
        match r {
            Ok(r) => results.push(r.rows()?),
            // Keyspaces, tables and columns are needed; a server without one of the other
            // tables has none of those objects.
            Err(e) if i >= 3 && e.server_error().is_some() => {
                tracing::debug!(query = SCHEMA_QUERIES[i], error = %e, "schema table not readable; taken as empty");
                results.push(Vec::new());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(SchemaRows::from_results(results))
}

/// The control task: keeps a registered connection, applies events, refreshes metadata.
/// Ends when the session is dropped (it is aborted then).
pub(crate) async fn run(shared: Arc<Shared>, mut events: mpsc::UnboundedReceiver<Envelope>) {
    let register = Register {
        events: vec![
            EventType::TopologyChange,
            EventType::StatusChange,
            EventType::SchemaChange,
        ],
    };
    let mut unreachable_since: Option<tokio::time::Instant> = None;
    loop {
        let Some(conn) = shared.any_connection() else {
            let since = *unreachable_since.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= RERESOLVE_EVERY {
                shared.reresolve_contact_points().await;
                unreachable_since = Some(tokio::time::Instant::now());
            }
            tokio::time::sleep(IDLE_POLL).await;
            continue;
        };
        unreachable_since = None;
        let sent = conn.send(
            &Request::Register(&register),
            SendOptions::timeout(shared.config.request_timeout),
        );
        if let Err(e) = sent.await {
            tracing::warn!(addr = %conn.addr(), error = %e, "control connection: REGISTER failed");
            tokio::time::sleep(IDLE_POLL).await;
            continue;
        }
        if let Ok(mut c) = shared.control.lock() {
            *c = Some(conn.clone());
        }
        tracing::debug!(addr = %conn.addr(), "control connection registered for events");
        let mut pending = Pending {
            full: true,
            ..Pending::default()
        };
        loop {
            let todo = std::mem::take(&mut pending);
            if todo.full {
                if let Err(e) = shared.refresh(&conn).await {
                    tracing::warn!(addr = %conn.addr(), error = %e, "cannot read cluster metadata");
                }
            } else {
                for ks in &todo.keyspaces {
                    if let Err(e) = shared.refresh_keyspace(ks).await {
                        tracing::warn!(addr = %conn.addr(), keyspace = %ks, error = %e, "cannot read a keyspace's schema");
                    }
                }
            }
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(env) => {
                        shared.handle_event(&env, &mut pending);
                        if !pending.is_empty() {
                            // Collect the burst, then refresh once.
                            let until = tokio::time::Instant::now() + DEBOUNCE;
                            while let Ok(Some(more)) = tokio::time::timeout_at(until, events.recv()).await {
                                shared.handle_event(&more, &mut pending);
                            }
                        }
                    }
                    None => return,
                },
                _ = conn.closed() => break,
            }
        }
        if let Ok(mut c) = shared.control.lock() {
            *c = None;
        }
        tracing::info!(addr = %conn.addr(), "control connection closed; moving to another node");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::AddressTranslator;

    /// Maps the advertised private network 10.0.0.0/24 to 127.0.0.1 with port 19000 + last octet.
    #[derive(Debug)]
    struct PortMap;

    impl AddressTranslator for PortMap {
        fn translate(&self, addr: SocketAddr) -> SocketAddr {
            match addr.ip() {
                IpAddr::V4(v4) if v4.octets()[..3] == [10, 0, 0] => {
                    SocketAddr::from(([127, 0, 0, 1], 19000 + u16::from(v4.octets()[3])))
                }
                _ => addr,
            }
        }
    }

    fn peer_row(native: Option<[u8; 4]>, rpc: Option<[u8; 4]>, port: Option<i32>) -> Row {
        let ip = |o: Option<[u8; 4]>| o.map(|o| CqlValue::Inet(IpAddr::from(o)));
        Row::from_parts(
            &["peer", "native_address", "rpc_address", "native_port"],
            vec![
                ip(Some([10, 0, 0, 9])),
                ip(native),
                ip(rpc),
                port.map(CqlValue::Int),
            ],
        )
    }

    #[test]
    fn peer_addresses_are_translated() {
        let mut config = Config::default();
        // The default translator keeps what the node advertises.
        let row = peer_row(Some([10, 0, 0, 2]), None, Some(9142));
        assert_eq!(
            peer_connect_address(&row, &config),
            Some("10.0.0.2:9142".parse().expect("addr"))
        );
        config.address_translator = Arc::new(PortMap);
        assert_eq!(
            peer_connect_address(&row, &config),
            Some("127.0.0.1:19002".parse().expect("addr"))
        );
        // system.peers (no native_address): rpc_address with the configured port, translated.
        let row = peer_row(None, Some([10, 0, 0, 3]), None);
        assert_eq!(
            peer_connect_address(&row, &config),
            Some("127.0.0.1:19003".parse().expect("addr"))
        );
        // A wildcard rpc_address means the peer address, which is translated too.
        let row = peer_row(None, Some([0, 0, 0, 0]), None);
        assert_eq!(
            peer_connect_address(&row, &config),
            Some("127.0.0.1:19009".parse().expect("addr"))
        );
        // Addresses outside the mapped network pass unchanged; a row without one is skipped.
        let row = peer_row(Some([192, 168, 1, 5]), None, Some(9042));
        assert_eq!(
            peer_connect_address(&row, &config),
            Some("192.168.1.5:9042".parse().expect("addr"))
        );
        let row = Row::from_parts(&["peer"], vec![None]);
        assert_eq!(peer_connect_address(&row, &config), None);
    }

    #[tokio::test]
    async fn unreachable_cluster_resolves_dns_contact_points_again() {
        let config = Config {
            contact_points: vec![
                "localhost:19999".parse().expect("cp"),
                "10.9.9.9".parse().expect("cp"),
            ],
            ..Config::default()
        };
        // Started from another address, as if the name pointed elsewhere at connect time.
        let first: SocketAddr = "10.9.9.9:9042".parse().expect("addr");
        let (shared, _events) = Shared::new(Arc::new(config), &[first]);
        shared.pools.store(Arc::new(
            [(first, shared.new_pool(first))].into_iter().collect(),
        ));
        let added = shared.reresolve_contact_points().await;
        assert!(!added.is_empty(), "localhost resolves");
        assert!(
            added
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 19999),
            "{added:?}"
        );
        let pools = shared.pools.load();
        assert!(pools.contains_key(&first));
        assert!(added.iter().all(|a| pools.contains_key(a)));
        // Known addresses are not added twice; IP contact points are never looked up.
        assert!(shared.reresolve_contact_points().await.is_empty());
        for p in shared.pools.load().values() {
            p.shutdown();
        }
    }

    #[test]
    fn config_debug_names_the_translator() {
        let config = Config {
            address_translator: Arc::new(PortMap),
            ..Config::default()
        };
        assert!(format!("{config:?}").contains("address_translator: PortMap"));
    }
}
