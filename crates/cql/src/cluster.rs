//! `Cluster`: the configuration of a connection to a Cassandra or ScyllaDB cluster, and the
//! entry point that opens a [`Session`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), cql::Error> {
//! use cql::Cluster;
//! let cluster = Cluster::builder()
//!     .contact_points(["127.0.0.1"])
//!     .credentials("cassandra", "cassandra")
//!     .build()?;
//! let session = cluster.connect().await?;
//! let rs = session.execute("SELECT release_version FROM system.local", ()).await?;
//! let (version,): (String,) = rs.first_row_typed()?;
//! println!("{version}");
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use dbauth::{AuthProvider, PlainTextAuthProvider};

use cql_protocol::{Compression, ProtocolVersion};

use crate::config::Config;
use crate::contact_points::ContactPoint;
use crate::error::Error;
use crate::policies::{
    AddressTranslator, ExponentialReconnectionPolicy, LoadBalancingPolicy, ReconnectionPolicy,
    RetryPolicy, SpeculativeExecutionPolicy,
};
use crate::profile::ExecutionProfile;
use crate::session::Session;
use crate::statement::Consistency;
use crate::timestamps::TimestampGenerator;
use crate::tls::TlsConfig;

mod lifecycle_options;
mod scylla_options;

/// A cluster to connect to: the reference driver's `Cluster`.
#[derive(Debug, Clone)]
pub struct Cluster {
    config: Arc<Config>,
}

impl Cluster {
    /// Starts the configuration of a cluster.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// Opens a session: connects to the contact points, negotiates the protocol, authenticates.
    pub async fn connect(&self) -> Result<Session, Error> {
        Session::connect(Arc::clone(&self.config)).await
    }

    /// Opens a session whose connections use `keyspace`.
    pub async fn connect_keyspace(&self, keyspace: &str) -> Result<Session, Error> {
        let mut config = (*self.config).clone();
        config.keyspace = Some(keyspace.to_owned());
        Session::connect(Arc::new(config)).await
    }
}

/// Builds a [`Cluster`]. Invalid settings are reported by [`build`](Self::build).
#[must_use]
#[derive(Debug, Default)]
pub struct ClusterBuilder {
    config: Config,
    error: Option<Error>,
}

impl ClusterBuilder {
    /// Addresses to make the first connections to: `host`, `host:port`, `ip`, `ip:port` or
    /// `[ipv6]:port` (see [`ContactPoint`]); without a port, [`port`](Self::port) is used.
    /// DNS names are resolved when the cluster connects, and again when every known node is
    /// unreachable. An entry that does not parse makes [`build`](Self::build) fail, naming
    /// it.
    pub fn contact_points<I, S>(mut self, points: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for p in points {
            match p.as_ref().parse::<ContactPoint>() {
                Ok(cp) => parsed.push(cp),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        self.config.contact_points = parsed;
        self
    }

    /// The native transport port (default 9042).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// How connections authenticate: any [`AuthProvider`] from `dbauth` or your own.
    pub fn auth_provider(mut self, provider: impl AuthProvider + 'static) -> Self {
        self.config.auth_provider = Some(Arc::new(provider));
        self
    }

    /// The same, for a provider that is already shared.
    pub fn auth_provider_arc(mut self, provider: Arc<dyn AuthProvider>) -> Self {
        self.config.auth_provider = Some(provider);
        self
    }

    /// Shortcut for `auth_provider(PlainTextAuthProvider::new(username, password))`.
    pub fn credentials(self, username: impl Into<String>, password: impl Into<String>) -> Self {
        let password: String = password.into();
        self.auth_provider(PlainTextAuthProvider::new(username.into(), password))
    }

    /// Pins the protocol version (default: v5 when the server offers it, else v4).
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.config.protocol_version = Some(version);
        self
    }

    /// Allows at most this version when negotiating (default v5).
    pub fn max_protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.config.max_protocol_version = version;
        self
    }

    /// Compression, if the server supports it (default none). LZ4 works on v4 and v5;
    /// Snappy only on v4 (v5 framing has no Snappy: the driver then goes without).
    pub fn compression(mut self, compression: Option<Compression>) -> Self {
        self.config.compression = compression;
        self
    }

    /// Connects over TLS.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = Some(tls);
        self
    }

    /// Time allowed to open a connection including the handshake (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Default time allowed for a request (default 12 s); statements and execution profiles
    /// may override it. It bounds the whole call: retries, attempts on other nodes and
    /// speculative executions share it (each attempt gets what is left), so a call returns
    /// [`Error::Timeout`] within this time however many nodes it tried.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Idle connections send OPTIONS this often to detect dead peers (default 30 s; `None`: off).
    pub fn heartbeat_interval(mut self, interval: Option<Duration>) -> Self {
        self.config.heartbeat_interval = interval;
        self
    }

    /// Consistency for statements that set none (default `LOCAL_ONE`).
    pub fn default_consistency(mut self, consistency: Consistency) -> Self {
        self.config.default_consistency = consistency;
        self
    }

    /// Serial consistency for conditional statements that set none.
    pub fn default_serial_consistency(mut self, consistency: Consistency) -> Self {
        self.config.default_serial_consistency = Some(consistency);
        self
    }

    /// Rows per page for statements that set no page size (default 5000).
    pub fn default_page_size(mut self, rows: i32) -> Self {
        if rows <= 0 {
            self.error.get_or_insert(Error::Config(format!(
                "page size must be positive, got {rows}"
            )));
        }
        self.config.default_page_size = rows;
        self
    }

    /// The keyspace every connection uses (`USE ks`).
    pub fn keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.config.keyspace = Some(keyspace.into());
        self
    }

    /// Where write timestamps come from (default [`MonotonicTimestampGenerator`](crate::timestamps::MonotonicTimestampGenerator)); `None`
    /// leaves timestamps to the server.
    pub fn timestamp_generator(mut self, generator: Option<Arc<dyn TimestampGenerator>>) -> Self {
        self.config.timestamp_generator = generator;
        self
    }

    /// Connections per local node (default 1; one connection carries up to 32k requests at once).
    pub fn connections_per_host(mut self, n: usize) -> Self {
        if n == 0 {
            self.error.get_or_insert(Error::Config(
                "connections_per_host must be at least 1".into(),
            ));
        }
        self.config.connections_per_host = n;
        self
    }

    /// Connections per node the load-balancing policy rates `Remote` (another data center;
    /// default 1). `connections_per_host` is for `Local` nodes.
    pub fn connections_per_remote_host(mut self, n: usize) -> Self {
        if n == 0 {
            self.error.get_or_insert(Error::Config(
                "connections_per_remote_host must be at least 1".into(),
            ));
        }
        self.config.connections_per_remote_host = n;
        self
    }

    /// Back-off between reconnection attempts to a node: doubles from `base` up to `max`.
    pub fn reconnection_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.config.reconnection =
            Arc::new(ExponentialReconnectionPolicy::new(base, max.max(base)));
        self
    }

    /// How long a pool waits before reconnecting to a node (replaces
    /// [`reconnection_backoff`](Self::reconnection_backoff)).
    pub fn reconnection_policy(mut self, policy: impl ReconnectionPolicy + 'static) -> Self {
        self.config.reconnection = Arc::new(policy);
        self
    }

    /// Which nodes requests go to, in which order (default: token aware over data-center
    /// aware round robin, see [`crate::policies::default_load_balancing`]).
    pub fn load_balancing_policy(mut self, policy: impl LoadBalancingPolicy + 'static) -> Self {
        self.config.load_balancing = Arc::new(policy);
        self
    }

    /// How failed requests are retried (default [`DefaultRetryPolicy`](crate::policies::DefaultRetryPolicy)); execution profiles
    /// may choose another.
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.config.retry = Arc::new(policy);
        self
    }

    /// When slow idempotent requests are also sent to the next node (default: never).
    pub fn speculative_execution_policy(
        mut self,
        policy: impl SpeculativeExecutionPolicy + 'static,
    ) -> Self {
        self.config.speculative = Arc::new(policy);
        self
    }

    /// Adds a named [`ExecutionProfile`]; statements select it with
    /// `with_execution_profile(name)`. Settings it leaves unset come from this builder.
    pub fn execution_profile(mut self, name: impl Into<String>, profile: ExecutionProfile) -> Self {
        if profile.page_size.is_some_and(|p| p <= 0) {
            self.error.get_or_insert(Error::Config(
                "an execution profile's page size must be positive".into(),
            ));
        }
        self.config.profiles.insert(name.into(), profile);
        self
    }

    /// Writes the session's metrics to `tracing` (target `cql::metrics`) this often
    /// (default: never; `Session::metrics` reads them at any time).
    pub fn metrics_interval(mut self, interval: Option<Duration>) -> Self {
        self.config.metrics_interval = interval.filter(|d| !d.is_zero());
        self
    }

    /// Maps the addresses nodes advertise to the addresses to connect to (default: unchanged,
    /// [`IdentityTranslator`](crate::policies::IdentityTranslator)); see [`AddressTranslator`].
    pub fn address_translator(mut self, translator: impl AddressTranslator + 'static) -> Self {
        self.config.address_translator = Arc::new(translator);
        self
    }

    /// How long [`Cluster::connect`] waits for the first read of the cluster's metadata
    /// (nodes, tokens, keyspaces) before returning (default 100 ms). The read goes on in the
    /// background either way; [`Session::refresh_metadata`] waits for a fresh one.
    pub fn metadata_wait(mut self, wait: Duration) -> Self {
        self.config.metadata_wait = wait;
        self
    }

    /// After a statement that changed the schema, how long to wait for every node that is up
    /// to report the same schema version before returning (default 10 s; zero: do not wait).
    /// When they agree, the schema metadata is read again too, so that
    /// [`Session::cluster_metadata`] shows the change. Not agreeing in time is logged, not an
    /// error; [`Session::wait_for_schema_agreement`] waits on demand.
    pub fn max_schema_agreement_wait(mut self, wait: Duration) -> Self {
        self.config.max_schema_agreement_wait = wait;
        self
    }

    /// The largest frame body accepted from a server (default 256 MiB); larger ones are a
    /// protocol error before any allocation.
    pub fn max_frame_body(mut self, bytes: usize) -> Self {
        self.config.max_frame_body = bytes;
        self
    }

    /// The largest request sent (default 16 MiB, Cassandra's default
    /// `native_transport_max_frame_size`; set it to the server's). A larger request fails with
    /// [`Error::RequestTooLarge`] before it is sent and before its frame is built when its size
    /// is known from its parts (prepared statements, batches of them).
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.config.max_request_size = bytes;
        self
    }

    /// A node that hangs with its connection open (a stopped process, a stalled network) is
    /// detected this quickly (default 2 s; `None`: only by request timeouts and heartbeats):
    /// when a connection's requests have waited this long and nothing came from the node
    /// meanwhile, it sends a heartbeat, and no answer within the same time closes the
    /// connection. Its requests fail with [`Error::ConnectionClosed`] (retried on other nodes
    /// when the statement is idempotent) and the node gets no new requests until a new
    /// connection to it works. A node that is only slow still answers the heartbeat.
    pub fn unresponsive_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.unresponsive_timeout = timeout;
        self
    }

    /// Sent in STARTUP as `APPLICATION_NAME`.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.config.application_name = Some(name.into());
        self
    }

    /// Whether `prepare` prepares the statement on every node that is up, at once (default
    /// `true`, as the reference's `prepare_on_all_hosts`): the first execution on each node
    /// then needs no second round trip. With `false`, one node prepares it and the others
    /// on first use (an UNPREPARED answer and a re-prepare).
    pub fn prepare_on_all_hosts(mut self, on: bool) -> Self {
        self.config.prepare_on_all_hosts = on;
        self
    }

    /// Whether a node that comes back up (or joins) is given the statements prepared before
    /// it takes requests (default `true`, as the reference's `reprepare_on_up`).
    pub fn reprepare_on_up(mut self, on: bool) -> Self {
        self.config.reprepare_on_up_max = if on { 500 } else { 0 };
        self
    }

    /// At most this many statements are prepared on a node that comes back (default 500):
    /// those still held by the application and executed (or prepared) in the last 10
    /// minutes, most recently executed first; older ones prepare on first use. 0 turns it
    /// off.
    pub fn reprepare_on_up_max(mut self, statements: usize) -> Self {
        self.config.reprepare_on_up_max = statements;
        self
    }

    /// How many statements [`Session::prepare_cached`] keeps, least recently used out
    /// first (default 1,000; at least 1).
    pub fn prepared_cache_capacity(mut self, statements: usize) -> Self {
        self.config.prepared_cache_capacity = statements;
        self
    }

    /// Whether request spans carry the statement's CQL text as `db.query.text` (default
    /// `false`: text may hold literal values). Bound values are never recorded.
    pub fn record_statement_text(mut self, on: bool) -> Self {
        self.config.record_statement_text = on;
        self
    }

    /// Registers a listener of node changes (see [`crate::listeners`]); it hears of every
    /// node from the first one.
    pub fn host_listener(
        mut self,
        listener: impl crate::listeners::HostListener + 'static,
    ) -> Self {
        self.config.listeners.host.push(Arc::new(listener));
        self
    }

    /// Registers a listener told after each request what its attempts did (see
    /// [`crate::listeners`]).
    pub fn request_listener(
        mut self,
        listener: impl crate::listeners::RequestListener + 'static,
    ) -> Self {
        self.config.listeners.request.push(Arc::new(listener));
        self
    }

    /// Adds a label to every metric the session exports through the `metrics` facade (the
    /// `metrics` cargo feature): e.g. to tell sessions apart.
    pub fn metrics_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.metrics_labels.push((key.into(), value.into()));
        self
    }

    /// With the `metrics` cargo feature: how often the session's counters and gauges are
    /// published to the `metrics` recorder (default 1 s; `None`: only on
    /// `Session::export_metrics`). See `cql::metrics_export`.
    pub fn metrics_export_interval(mut self, interval: Option<Duration>) -> Self {
        self.config.metrics_export_interval = interval.filter(|d| !d.is_zero());
        self
    }

    /// Checks the settings and returns the cluster.
    pub fn build(self) -> Result<Cluster, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.config.contact_points.is_empty() {
            return Err(Error::Config("no contact points".into()));
        }
        if self.config.prepared_cache_capacity == 0 {
            return Err(Error::Config(
                "prepared_cache_capacity must be at least 1".into(),
            ));
        }
        Ok(Cluster {
            config: Arc::new(self.config),
        })
    }
}
