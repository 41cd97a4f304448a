//! How the driver uses ScyllaDB's shard awareness (the reference driver's
//! `shard_aware_options`).

use std::ops::RangeInclusive;

use super::sharding::DEFAULT_LOCAL_PORTS;

/// Shard-awareness settings; the default uses it whenever a node offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardAwareOptions {
    /// Off: a node's shards are ignored (one pool of `connections_per_host`, as for
    /// Cassandra).
    pub disable: bool,
    /// Off: connections are opened through the regular port only, and the pool connects until
    /// every shard has its connection (for clients behind NAT, where source ports change).
    pub disable_shard_aware_port: bool,
    /// The source ports chosen for connections to the shard-aware port
    /// (default [`DEFAULT_LOCAL_PORTS`]).
    pub local_ports: RangeInclusive<u16>,
}

impl Default for ShardAwareOptions {
    fn default() -> Self {
        Self {
            disable: false,
            disable_shard_aware_port: false,
            local_ports: DEFAULT_LOCAL_PORTS,
        }
    }
}
