//! The builder's ScyllaDB settings.

use super::ClusterBuilder;
use crate::error::Error;
use crate::scylla::ShardAwareOptions;

impl ClusterBuilder {
    /// How a ScyllaDB node's shards are used (default: whenever a node offers them, a
    /// connection per shard, opened through the shard-aware port; see
    /// [`crate::scylla`]). With shard awareness, a node gets at least one connection per
    /// shard: `connections_per_host` is spread over the shards, rounded up. Against
    /// Cassandra this changes nothing.
    pub fn shard_aware_options(mut self, options: ShardAwareOptions) -> Self {
        if options.local_ports.is_empty() || *options.local_ports.start() == 0 {
            self.error.get_or_insert(Error::Config(format!(
                "shard-aware local ports {:?} must be a non-empty range of non-zero ports",
                options.local_ports
            )));
        }
        self.config.shard_aware = options;
        self
    }
}
