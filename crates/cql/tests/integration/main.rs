//! Integration tests of the driver against a real Apache Cassandra (`scripts/cassandra`).
//!
//! One test binary for the crate, so everything compiles once. The server address comes from
//! `CQL_TEST_HOSTS` (default 127.0.0.1); `scripts/test` starts the server and sets it. Every
//! test that talks to the server runs on protocol v4 and v5.

mod auth;
mod cluster;
mod cluster_murmur3;
mod cluster_nodes;
mod common;
mod compression;
mod concurrency;
mod contact_points;
mod custom_payload;
mod derive;
mod fake_node;
mod fake_server;
mod lifecycle;
mod mapper;
mod observability;
mod observability_metrics;
mod paging;
mod per_request;
mod policies_real;
mod proxy;
mod retries;
mod rotation;
mod schema;
mod schema_agreement;
mod schema_quoting;
mod scylla_proxy;
mod scylla_shards;
mod scylla_sim;
mod send_futures;
mod statements;
mod stream_ids;
mod tls;
mod tracing_full;
mod typed_paging;
mod types;
mod util_values;
mod value_ranges;
