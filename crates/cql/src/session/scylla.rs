//! What the session tells about ScyllaDB's shards (the reference driver's
//! `Cluster.is_shard_aware` and `Cluster.shard_aware_stats`).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::Session;
use crate::scylla::ShardStats;

impl Session {
    /// Whether any node is sharded and the session routes by shard (ScyllaDB with shard
    /// awareness on; Cassandra: never).
    pub fn is_shard_aware(&self) -> bool {
        self.inner
            .shared
            .pools
            .load()
            .values()
            .any(|p| p.shard_stats().is_some())
    }

    /// Per sharded node: its shards and the connections to each.
    pub fn shard_aware_stats(&self) -> BTreeMap<SocketAddr, ShardStats> {
        self.inner
            .shared
            .pools
            .load()
            .values()
            .filter_map(|p| p.shard_stats().map(|s| (p.addr(), s)))
            .collect()
    }
}
