//! An async ArangoDB client.
//!
//! * [`ArangoClient`]: hosts with a [`Resolver`] (single with failover, round-robin, random),
//!   bounded retries on the next host after connection errors, timeouts, deflate compression
//!   of request bodies above a threshold, TLS (rustls).
//! * [`ArangoClient::db`] with [`DbAuth`]: HTTP basic, JWT (from username/password via
//!   `POST /_open/auth`, from a given token, or both) and superuser tokens
//!   ([`JwtToken::generate_token`]). With `verify`, a failure is [`Error::Verify`].
//! * JWTs live in `dbauth`'s [`TokenHolder`](dbauth::http::TokenHolder): they are refreshed
//!   before a request when within the leeway of `exp`, and once after a `401` (errorNum 11)
//!   when credentials are available, the request then being resent on the same path with the
//!   new token. Concurrent requests share one refresh. Refresh failures are typed
//!   ([`RefreshError`]: no credentials, wrong credentials, expired on arrival, clock skew).
//! * Databases, collections, documents (JSON or any serde type, `_rev` preconditions, batch
//!   variants), AQL [`Cursor`]s holding one batch at a time (deleted on the server when
//!   dropped early), stream [`Transaction`]s, users and permissions.
//! * Errors never contain a password, a token or the `Authorization` header.
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

mod client;
mod conn;
mod cursor;
mod database;
mod document;
mod error;
mod query;
mod redact;
mod session;
mod tokens;

pub use client::{ArangoClient, ClientBuilder, DbAuth, Resolver};
pub use conn::{RawReply, RawRequest};
pub use cursor::Cursor;
pub use database::{Collection, CollectionInfo, Database, DocumentMeta, Transaction, Version};
pub use dbauth;
pub use dbauth::Secret;
pub use dbauth::http::{Auth, GenerateOptions, JwtToken};
pub use document::{DocHead, DocOptions, OverwriteMode};
pub use error::{Error, RefreshError, Result};
pub use query::{AqlQuery, QueryExtra, QueryWarning};
pub use tokens::AccessToken;
