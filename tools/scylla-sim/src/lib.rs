//! scylla-sim: a proxy in front of real Apache Cassandra nodes that makes each look like a
//! sharded ScyllaDB node to CQL drivers (Scylla protocol extensions in SUPPORTED, a
//! shard-aware port, addresses rewritten to the sim's), and counts whether each EXECUTE
//! arrives on the connection of its token's shard. A test bed for driver shard awareness.
//! In tablets mode (`--tablets KEYSPACE`) it also simulates ScyllaDB's `TABLETS_ROUTING_V1`
//! extension: a tablet map per table and the routing payload on misrouted requests.
//! A virtual node can be removed at run time (`remove NODE_IP` on the control port) to
//! simulate a node leaving the cluster.

pub mod addresses;
pub mod config;
pub mod extensions;
pub mod frame;
pub mod host_ids;
pub mod metadata;
pub mod payload;
pub mod proxy;
pub mod requests;
pub mod server;
pub mod shard;
pub mod statements;
pub mod stats;
pub mod tablet_routing;
pub mod tablets;
pub mod token;
pub mod topology;
pub mod wire;
