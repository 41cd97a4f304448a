//! An async driver for Apache Cassandra and ScyllaDB over the CQL native protocol v4 and v5.
//!
//! Names follow the reference Python driver: a [`Cluster`] is configured with contact points
//! and an auth provider, [`Cluster::connect`] opens a [`Session`], and the session executes
//! [`SimpleStatement`]s, [`PreparedStatement`]s and [`BatchStatement`]s.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cql::Error> {
//! use cql::Cluster;
//!
//! let session = Cluster::builder()
//!     .contact_points(["127.0.0.1"])
//!     .credentials("cassandra", "cassandra")
//!     .build()?
//!     .connect()
//!     .await?;
//! let insert = session.prepare("INSERT INTO ks.t (id, name) VALUES (?, ?)").await?;
//! session.execute(&insert, (1_i32, "one")).await?;
//! // Every row, over all pages, typed (`execute` alone returns the first page).
//! let mut rows = session
//!     .execute_iter::<(i32, String)>("SELECT id, name FROM ks.t", ())
//!     .await?;
//! while let Some(row) = rows.next_row().await {
//!     let (id, name) = row?;
//!     println!("{id} {name}");
//! }
//! # Ok(()) }
//! ```
//!
//! Authentication is a step of connection start-up that asks [`dbauth`] for each token: any
//! [`dbauth::AuthProvider`] works, [`ClusterBuilder::credentials`] is the
//! `PlainTextAuthProvider` shortcut.

pub mod cluster;
pub mod concurrent;
mod config;
mod connection;
mod contact_points;
mod control;
pub mod error;
pub mod listeners;
pub mod mapper;
pub mod metadata;
pub mod metrics;
#[cfg(feature = "metrics")]
pub mod metrics_export;
mod paging;
pub mod policies;
mod pool;
mod prepared_cache;
pub mod profile;
mod recency;
mod reconnect;
mod reprepare;
pub mod result;
pub mod rotation;
pub mod scylla;
pub mod session;
pub mod statement;
#[cfg(feature = "opentelemetry")]
pub mod telemetry;
pub mod timestamps;
mod tls;
pub mod token;
mod tracing_info;
pub mod util;

pub use cluster::{Cluster, ClusterBuilder};
pub use contact_points::ContactPoint;
pub use cql_derive::{
    DeserializeRow, DeserializeValue, Model, Polymorphic, SerializeRow, SerializeValue, UserType,
};
pub use cql_protocol::ProtocolVersion;
pub use cql_protocol::frame::Compression;
pub use cql_protocol::types::{ColumnType, CqlValue};
pub use error::{Error, ResultError, ServerError, ServerErrorKind};
pub use metrics::Metrics;
pub use paging::{PageRows, RowStream, TypedRowStream};
pub use profile::ExecutionProfile;
pub use result::{QueryResult, Row};
pub use session::{Session, Statement};
pub use statement::{
    BatchStatement, BatchType, BoundStatement, Consistency, CustomPayload, PreparedStatement,
    SimpleStatement, StatementOptions,
};
pub use tls::TlsConfig;
pub use tracing_info::{QueryTrace, TraceEvent};

/// The protocol crate, for value types and traits (`SerializeValue`, `DeserializeValue`, ...).
pub use cql_protocol as protocol;
/// The authentication crate.
pub use dbauth;
