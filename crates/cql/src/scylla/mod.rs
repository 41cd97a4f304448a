//! ScyllaDB's protocol extensions (its `docs/dev/protocol-extensions.md`): the keys a node
//! adds to SUPPORTED and what the driver does with them.
//!
//! - **Shard awareness** ([`sharding`]): a node says which of its CPU cores (shards) a
//!   connection is served by, how many it has and how tokens map to them. The pool then keeps
//!   a connection per shard, opened through the shard-aware port with a chosen source port,
//!   and each token-aware request goes to the connection of its token's shard: no hop between
//!   cores on the server.
//!
//! - **Rate limit errors** and **the LWT mark** ([`extensions`]): a node's per-partition
//!   rate limit answers with a typed error ([`ServerErrorKind::RateLimitReached`](crate::error::ServerErrorKind::RateLimitReached))
//!   that the default retry policy does not retry; conditional prepared statements carry a
//!   mark, and are routed to their replicas in a fixed order.
//!
//! Against Apache Cassandra, which sends none of these keys, nothing here is used.

pub mod extensions;
mod options;
pub mod sharding;
pub mod tablets;

pub use extensions::Extensions;
pub use options::ShardAwareOptions;
pub use sharding::{ShardInfo, Sharding, ShardingError};

/// A node's shards as its pool sees them ([`Session::shard_aware_stats`](crate::Session::shard_aware_stats)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardStats {
    /// The node's number of shards.
    pub nr_shards: u16,
    /// Shards with at least one open connection.
    pub connected_shards: u16,
    /// Open connections to the node.
    pub connections: usize,
    /// Open connections per shard, by shard.
    pub per_shard: Vec<usize>,
}
