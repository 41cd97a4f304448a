//! The settings of a cluster, as [`ClusterBuilder`](crate::ClusterBuilder) made them: what
//! connections, pools, the control connection and sessions read. Below all of them: it
//! imports none of them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dbauth::AuthProvider;

use cql_protocol::{Compression, ProtocolVersion};

use crate::contact_points::ContactPoint;
use crate::policies::{
    AddressTranslator, DefaultRetryPolicy, ExponentialReconnectionPolicy, IdentityTranslator,
    LoadBalancingPolicy, NoSpeculativeExecutionPolicy, ReconnectionPolicy, RetryPolicy,
    SpeculativeExecutionPolicy,
};
use crate::profile::ExecutionProfile;
use crate::statement::Consistency;
use crate::timestamps::{MonotonicTimestampGenerator, TimestampGenerator};
use crate::tls::TlsConfig;

/// Settings shared by every connection of a cluster. Built by [`ClusterBuilder`].
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) contact_points: Vec<ContactPoint>,
    pub(crate) port: u16,
    pub(crate) auth_provider: Option<Arc<dyn AuthProvider>>,
    pub(crate) protocol_version: Option<ProtocolVersion>,
    pub(crate) max_protocol_version: ProtocolVersion,
    pub(crate) compression: Option<Compression>,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) heartbeat_interval: Option<Duration>,
    pub(crate) default_consistency: Consistency,
    pub(crate) default_serial_consistency: Option<Consistency>,
    pub(crate) default_page_size: i32,
    pub(crate) keyspace: Option<String>,
    pub(crate) timestamp_generator: Option<Arc<dyn TimestampGenerator>>,
    pub(crate) connections_per_host: usize,
    pub(crate) connections_per_remote_host: usize,
    pub(crate) max_requests_per_connection: usize,
    pub(crate) max_frame_body: usize,
    pub(crate) max_request_size: usize,
    pub(crate) unresponsive_timeout: Option<Duration>,
    pub(crate) application_name: Option<String>,
    pub(crate) load_balancing: Arc<dyn LoadBalancingPolicy>,
    pub(crate) reconnection: Arc<dyn ReconnectionPolicy>,
    pub(crate) retry: Arc<dyn RetryPolicy>,
    pub(crate) speculative: Arc<dyn SpeculativeExecutionPolicy>,
    pub(crate) profiles: HashMap<String, ExecutionProfile>,
    pub(crate) metrics_interval: Option<Duration>,
    pub(crate) metadata_wait: Duration,
    pub(crate) max_schema_agreement_wait: Duration,
    pub(crate) address_translator: Arc<dyn AddressTranslator>,
    pub(crate) prepare_on_all_hosts: bool,
    /// At most this many statements are prepared on a node that comes back; 0: off.
    pub(crate) reprepare_on_up_max: usize,
    pub(crate) prepared_cache_capacity: usize,
    /// Requests per node that may wait for a stream id when every one is in use; 0: none.
    pub(crate) max_queued_per_host: usize,
    /// How long one of them may wait (never past its call's deadline).
    pub(crate) queue_wait: Duration,
    /// Connections older than this (± `lifetime_jitter`) are replaced, make-before-break.
    pub(crate) max_connection_lifetime: Option<Duration>,
    pub(crate) lifetime_jitter: Duration,
    /// Whether request spans carry the statement text (`db.query.text`).
    pub(crate) record_statement_text: bool,
    /// Listeners registered on the builder.
    pub(crate) listeners: crate::listeners::InitialListeners,
    /// Labels added to every exported metric.
    pub(crate) metrics_labels: Vec<(String, String)>,
    /// How often counters and gauges are exported (`metrics` feature).
    pub(crate) metrics_export_interval: Option<Duration>,
    /// ScyllaDB shard awareness.
    pub(crate) shard_aware: crate::scylla::ShardAwareOptions,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every field by name, so that a field added later is a compile error here, not a leak.
        let Self {
            contact_points,
            port,
            auth_provider,
            protocol_version,
            max_protocol_version,
            compression,
            tls,
            connect_timeout,
            request_timeout,
            heartbeat_interval,
            default_consistency,
            default_serial_consistency,
            default_page_size,
            keyspace,
            timestamp_generator,
            connections_per_host,
            connections_per_remote_host,
            max_requests_per_connection,
            max_frame_body,
            max_request_size,
            unresponsive_timeout,
            application_name,
            load_balancing,
            reconnection,
            retry,
            speculative,
            profiles,
            metrics_interval,
            metadata_wait,
            max_schema_agreement_wait,
            address_translator,
            prepare_on_all_hosts,
            reprepare_on_up_max,
            prepared_cache_capacity,
            max_queued_per_host,
            queue_wait,
            max_connection_lifetime,
            lifetime_jitter,
            record_statement_text,
            listeners,
            metrics_labels,
            metrics_export_interval,
            shard_aware,
        } = self;
        f.debug_struct("Config")
            .field("contact_points", contact_points)
            .field("port", port)
            .field(
                "auth_provider",
                &auth_provider.as_ref().map(|_| "<provider>"),
            )
            .field("protocol_version", protocol_version)
            .field("max_protocol_version", max_protocol_version)
            .field("compression", compression)
            .field("tls", tls)
            .field("connect_timeout", connect_timeout)
            .field("request_timeout", request_timeout)
            .field("heartbeat_interval", heartbeat_interval)
            .field("default_consistency", default_consistency)
            .field("default_serial_consistency", default_serial_consistency)
            .field("default_page_size", default_page_size)
            .field("keyspace", keyspace)
            .field("timestamp_generator", timestamp_generator)
            .field("connections_per_host", connections_per_host)
            .field("connections_per_remote_host", connections_per_remote_host)
            .field("max_requests_per_connection", max_requests_per_connection)
            .field("max_frame_body", max_frame_body)
            .field("max_request_size", max_request_size)
            .field("unresponsive_timeout", unresponsive_timeout)
            .field("application_name", application_name)
            .field("load_balancing", load_balancing)
            .field("reconnection", reconnection)
            .field("retry", retry)
            .field("speculative", speculative)
            .field("profiles", profiles)
            .field("metrics_interval", metrics_interval)
            .field("metadata_wait", metadata_wait)
            .field("max_schema_agreement_wait", max_schema_agreement_wait)
            .field("address_translator", address_translator)
            .field("prepare_on_all_hosts", prepare_on_all_hosts)
            .field("reprepare_on_up_max", reprepare_on_up_max)
            .field("prepared_cache_capacity", prepared_cache_capacity)
            .field("max_queued_per_host", max_queued_per_host)
            .field("queue_wait", queue_wait)
            .field("max_connection_lifetime", max_connection_lifetime)
            .field("lifetime_jitter", lifetime_jitter)
            .field("record_statement_text", record_statement_text)
            .field("listeners", listeners)
            .field("metrics_labels", metrics_labels)
            .field("metrics_export_interval", metrics_export_interval)
            .field("shard_aware", shard_aware)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            contact_points: vec![ContactPoint::localhost()],
            port: 9042,
            auth_provider: None,
            protocol_version: None,
            max_protocol_version: ProtocolVersion::V5,
            compression: None,
            tls: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(12),
            heartbeat_interval: Some(Duration::from_secs(30)),
            default_consistency: Consistency::LocalOne,
            default_serial_consistency: None,
            default_page_size: 5000,
            keyspace: None,
            timestamp_generator: Some(Arc::new(MonotonicTimestampGenerator::new())),
            connections_per_host: 1,
            connections_per_remote_host: 1,
            max_requests_per_connection: 32768,
            max_frame_body: 256 * 1024 * 1024,
            // Cassandra's native_transport_max_frame_size default.
            max_request_size: 16 * 1024 * 1024,
            unresponsive_timeout: Some(Duration::from_secs(2)),
            application_name: None,
            load_balancing: crate::policies::default_load_balancing(),
            reconnection: Arc::new(ExponentialReconnectionPolicy::new(
                Duration::from_secs(1),
                Duration::from_secs(60),
            )),
            retry: Arc::new(DefaultRetryPolicy),
            speculative: Arc::new(NoSpeculativeExecutionPolicy),
            profiles: HashMap::new(),
            metrics_interval: None,
            metadata_wait: Duration::from_millis(100),
            max_schema_agreement_wait: Duration::from_secs(10),
            address_translator: Arc::new(IdentityTranslator),
            prepare_on_all_hosts: true,
            reprepare_on_up_max: 500,
            prepared_cache_capacity: 1000,
            max_queued_per_host: 256,
            queue_wait: Duration::from_secs(5),
            max_connection_lifetime: None,
            lifetime_jitter: Duration::ZERO,
            record_statement_text: false,
            listeners: Default::default(),
            metrics_labels: Vec::new(),
            metrics_export_interval: Some(Duration::from_secs(1)),
            shard_aware: Default::default(),
        }
    }
}
