//! An async ArangoDB client.
//!
//! * [`ArangoClient`]: hosts with a [`Resolver`] (single with failover, round-robin, random),
//!   bounded retries on the next host after connection errors and 503s, one resend of a
//!   request whose kept-alive connection the server closed without answering (not for
//!   requests the server may have acted on, such as cursor fetches), timeouts, deflate
//!   compression of request bodies above a threshold, TLS (rustls), responses above 512 MiB
//!   refused before buffering, overload control (`x-arango-max-queue-time-seconds`,
//!   [`ArangoClient::last_queue_time`], [`Error::QueueTimeViolated`]). Hosts with
//!   credentials in the URL are refused.
//! * [`ArangoClient::db`] with [`DbAuth`]: HTTP basic (a password or an access token), JWT
//!   (from username/password via `POST /_open/auth`, from a given token, or both) and
//!   superuser tokens ([`JwtToken::generate_token`], with or without `exp`). With `verify`,
//!   a failure is [`Error::Verify`].
//! * JWTs live in `dbauth`'s [`TokenHolder`](dbauth::http::TokenHolder). Before `exp` (a
//!   fifth of the lifetime, at most 60 s, plus jitter; or the configured leeway, capped at
//!   9/10 of the lifetime) they are renewed with `POST /_open/auth/renew` (no password on
//!   the wire; a login when the server refuses), and requests keep using the old token
//!   while one renews it. After a `401` (errorNum 11) with credentials they log in once and
//!   resend the request on the same path with the new token; a 401 to that fresh token is
//!   [`Error::Permission`] and costs no further logins for 30 s. Concurrent requests share
//!   one refresh and its failure, which is remembered for a second. Refresh failures are
//!   typed ([`RefreshError`]).
//! * Databases, collections, documents (JSON or any serde type, `_rev` preconditions,
//!   [`DocOptions`], conditional reads and `HEAD`, batch variants), AQL queries with their
//!   options ([`AqlQuery`]) and [`Cursor`]s holding one batch at a time (POST for batches,
//!   `allowRetry` retries of a lost batch, [`QueryExtra`] statistics and warnings, deleted
//!   on the server when dropped early), stream [`Transaction`]s, users and permissions,
//!   [`AccessToken`]s, and [`Database::request`] for any other endpoint ([`RawRequest`]).
//! * Edge collections and named graphs ([`Graph`]: definitions, orphans, vertices and edges
//!   with the graph's validation; traversals through AQL), indexes of every type
//!   ([`IndexDefinition`]), ArangoSearch views and analyzers, async jobs
//!   ([`Database::begin_async_execution`], [`AsyncJob`]), collection settings
//!   ([`CreateCollectionOptions`], [`CollectionConfig`]) and databases created with users.
//! * Errors never contain a password, a token or the `Authorization` header; bodies that
//!   are not error envelopes are quoted with credentials cut out.
//!
//! ```no_run
//! use arango::{ArangoClient, DbAuth};
//! use arango::dbauth::http::Auth;
//! # async fn demo() -> arango::Result<()> {
//! let client = ArangoClient::new(["http://127.0.0.1:8529"])?;
//! let db = client.db("_system", DbAuth::jwt(Auth::new("root", "")), true).await?;
//! println!("{:?}", db.version().await?);
//! # Ok(()) }
//! ```

mod analyzer;
mod client;
mod collection;
mod conn;
mod cursor;
mod database;
mod document;
mod error;
mod graph;
mod index;
mod job;
mod job_slot;
mod query;
mod redact;
mod session;
pub mod spans;
mod tokens;
mod view;

pub use analyzer::{AnalyzerFeature, AnalyzerInfo};
pub use client::{ArangoClient, ClientBuilder, DbAuth, Resolver};
pub use collection::{CollectionConfig, CreateCollectionOptions, DatabaseOptions, DatabaseUser};
pub use conn::{RawReply, RawRequest};
pub use cursor::Cursor;
pub use database::{Collection, CollectionInfo, Database, DocumentMeta, Transaction, Version};
pub use dbauth;
pub use dbauth::Secret;
pub use dbauth::http::{Auth, GenerateOptions, JwtToken};
pub use document::{DocHead, DocOptions, OverwriteMode};
pub use error::{Error, JobError, RefreshError, Result};
pub use graph::{
    CreateGraphOptions, Direction, EdgeDefinition, Graph, GraphDocOptions, GraphInfo, GraphWrite,
};
pub use index::{IndexDefinition, IndexInfo, VectorMetric};
pub use job::{AsyncDatabase, AsyncJob, JobStatus};
pub use query::{AqlQuery, QueryExtra, QueryWarning};
pub use tokens::AccessToken;
pub use view::ViewInfo;
