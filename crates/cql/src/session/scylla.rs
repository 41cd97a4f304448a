//! What the session tells about ScyllaDB's shards (the reference driver's
//! `Cluster.is_shard_aware` and `Cluster.shard_aware_stats`), and the tablets responses teach.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use bytes::Bytes;

use super::Session;
use crate::scylla::ShardStats;
use crate::scylla::tablets::{self, Tablet};
use crate::statement::Prepared;

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

impl Session {
    /// Learns the tablet a response's custom payload names (the request reached a node or
    /// shard that is not a replica of its tablet); a malformed one is logged and ignored.
    pub(super) fn learn_tablet(
        &self,
        prepared: &Prepared,
        payload: &HashMap<String, Option<Bytes>>,
    ) {
        let Some(Some(bytes)) = payload.get(tablets::PAYLOAD_KEY) else {
            return;
        };
        let Some(table) = prepared.bind_markers.first().map(|c| &c.table) else {
            return;
        };
        match Tablet::decode(bytes) {
            Ok(tablet) => self.inner.shared.metadata.load().tablets().insert(
                &table.keyspace,
                &table.table,
                tablet,
            ),
            Err(e) => {
                tracing::warn!(keyspace = %table.keyspace, table = %table.table, error = %e,
                    "tablet routing information ignored");
            }
        }
    }
}
