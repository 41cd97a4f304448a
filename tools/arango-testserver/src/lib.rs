//! An in-memory stand-in for an ArangoDB server, for tests of clients.
//!
//! It speaks a subset of ArangoDB's HTTP API: `/_open/auth`, `/_open/auth/renew`,
//! `/_api/version`, `/_admin/server/availability`, databases, collections (with properties,
//! rename, figures), documents (with `_rev` preconditions, options and batch variants), an
//! AQL cursor subset with graph traversals, stream transactions, users and database
//! permissions, access tokens (`/_api/token`), indexes of every type, named graphs
//! (`/_api/gharial`) and `/_api/edges`, ArangoSearch views and analyzers, and async jobs
//! (`x-arango-async`, `/_api/job`). Authentication follows ArangoDB: HTTP basic (with a
//! password or an access token), user JWTs issued by `POST /_open/auth` (HS256, `iss`
//! `arangodb`, `preferred_username`), and superuser JWTs carrying a `server_id`. Errors come
//! in ArangoDB's envelope
//! `{"error":true,"errorNum":N,"errorMessage":"...","code":H}` and every response carries
//! `Server: ArangoDB`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), arango_testserver::StartError> {
//! let server = arango_testserver::TestServer::start(arango_testserver::Config::default()).await?;
//! println!("listening on {}", server.url());
//! # Ok(()) }
//! ```
//!
//! For tests: a request log ([`TestServer::log`]: method, path, auth scheme with the user or
//! a token fingerprint, status, content encoding; never a secret), secret rotation, session
//! timeout and a clock offset (to simulate clock skew), also reachable over HTTP under
//! `/_admin/testserver/` when the stand-in runs as its own process.
//!
//! Stream transactions: a document written by one running transaction is a write-write
//! conflict (409, errorNum 1200) for any other writer; an abort (or the idle timeout, 60 s
//! by default) puts back the documents it wrote. Cursors expire after their `ttl` (30 s by
//! default) without use. Boolean query parameters are read as ArangoDB reads them (`1`,
//! `true`, `yes`, `on`, `y` are true; `0` or anything else false).
//!
//! Limits: no persistence; transactions are not isolated (their writes are visible at once);
//! AQL is limited to
//! `FOR d IN coll [FILTER d.a.b <op> value [AND ...]]* [SORT d.x [ASC|DESC]] [LIMIT [o,] n]
//! RETURN d|d.x` and the traversals of `traversal.rs`
//! (`FOR v[, e[, p]] IN min..max OUTBOUND|INBOUND|ANY start GRAPH g|edgeColls ...`); views are
//! metadata (no `SEARCH`); of the indexes only unique persistent ones act on writes;
//! collection schemas, computed values and key generators are kept and answered back but not
//! applied to writes; async jobs run before their 202 is answered unless held back with
//! [`TestServer::hold_async_jobs`].

mod api_admin;
mod api_analyzer;
mod api_collection;
mod api_cursor;
mod api_data;
mod api_graph;
mod api_graph_docs;
mod api_hooks;
mod api_index;
mod api_jobs;
mod api_tokens;
mod api_view;
mod aql;
mod aql_values;
mod catalog;
mod service;
mod state;
mod traversal;
mod unique;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use dbauth::Secret;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use state::{LogEntry, LoggedAuth};
use state::{State, User};

/// Settings of the stand-in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (default `127.0.0.1:0`).
    pub listen: SocketAddr,
    /// The JWT secret (default `"secret"`).
    pub jwt_secret: Secret,
    /// Lifetime of tokens issued by `/_open/auth`, in seconds (default 3600).
    pub session_timeout: i64,
    /// Password of `root` (default empty).
    pub root_password: Secret,
    /// Seconds added to the system clock when issuing and checking tokens (default 0); a
    /// non-zero offset makes the server's clock disagree with its clients'.
    pub clock_offset: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: Secret::new("secret"),
            session_timeout: 3600,
            root_password: Secret::new(""),
            clock_offset: 0,
        }
    }
}

impl Config {
    /// Sets the listen address.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }
    /// Sets the JWT secret.
    pub fn with_jwt_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.jwt_secret = secret.into();
        self
    }
    /// Sets the session timeout in seconds.
    pub fn with_session_timeout(mut self, seconds: i64) -> Self {
        self.session_timeout = seconds;
        self
    }
    /// Sets root's password.
    pub fn with_root_password(mut self, password: impl Into<Secret>) -> Self {
        self.root_password = password.into();
        self
    }
    /// Sets the clock offset in seconds.
    pub fn with_clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }
}

/// Why the stand-in could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Binding the listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

pub(crate) type Shared = Arc<Mutex<State>>;

pub(crate) fn lock(s: &Shared) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running stand-in; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    state: Shared,
    task: JoinHandle<()>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> Result<TestServer, StartError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let mut state = State::new(
            config.jwt_secret,
            config.session_timeout,
            config.root_password,
        );
        state.clock_offset = config.clock_offset;
        let state = Arc::new(Mutex::new(state));
        let task = tokio::spawn(service::serve(listener, state.clone()));
        Ok(TestServer { addr, state, task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the JWT secret: tokens signed with the old one are rejected from now on.
    pub fn rotate_secret(&self, secret: impl Into<Secret>) {
        lock(&self.state).secret = secret.into();
    }

    /// Changes the server's clock offset (seconds added to the system clock for tokens).
    pub fn set_clock_offset(&self, seconds: i64) {
        lock(&self.state).clock_offset = seconds;
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_session_timeout(&self, seconds: i64) {
        lock(&self.state).session_timeout = seconds;
    }

    /// Adds (or replaces) an active user with no database permissions.
    pub fn add_user(&self, username: &str, password: impl Into<Secret>) {
        lock(&self.state)
            .users
            .insert(username.to_owned(), User::new(password.into()));
    }

    /// Grants `grant` (`"rw"`, `"ro"` or `"none"`) on `db` (or `"*"`); false if the user or
    /// grant is unknown.
    pub fn grant(&self, username: &str, db: &str, grant: &str) -> bool {
        let Some(g) = state::Grant::parse(grant) else {
            return false;
        };
        let mut st = lock(&self.state);
        match st.users.get_mut(username) {
            Some(u) => {
                u.grants.insert(db.to_owned(), g);
                true
            }
            None => false,
        }
    }

    /// All requests seen so far, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.state).log.clone()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        lock(&self.state).log.clear();
    }

    /// Number of open server-side cursors (expired ones are forgotten first).
    pub fn live_cursors(&self) -> usize {
        let mut st = lock(&self.state);
        api_cursor::expire(&mut st);
        st.cursors.len()
    }

    /// Test hook: the next query reports this warning in `extra.warnings` (ArangoDB's
    /// warnings come from expressions the stand-in's AQL subset does not have).
    pub fn add_query_warning(&self, code: i64, message: &str) {
        lock(&self.state)
            .query_warnings
            .push((code, message.to_owned()));
    }

    /// Test hook: the next response to a path starting with `path_prefix` is sent `delay`
    /// late (after the request took effect), e.g. to make a client time out on it.
    pub fn delay_next_response(&self, path_prefix: &str, delay: std::time::Duration) {
        lock(&self.state).delay_next = Some((path_prefix.to_owned(), delay));
    }

    /// The most server-side cursors that were open at the same time.
    pub fn max_live_cursors(&self) -> usize {
        lock(&self.state).max_live_cursors
    }

    /// While `hold` is true, requests sent with `x-arango-async: store` stay pending (their job
    /// status is 204 and they can be cancelled) instead of running at once; setting it back to
    /// false runs the held jobs, oldest first.
    pub fn hold_async_jobs(&self, hold: bool) {
        let mut st = lock(&self.state);
        st.catalog.hold_jobs = hold;
        if !hold {
            api_jobs::release(&mut st, service::dispatch);
        }
    }

    /// Number of async jobs the stand-in keeps (pending, or done and not yet fetched).
    pub fn async_jobs(&self) -> usize {
        lock(&self.state).catalog.jobs.len()
    }

    /// Test hook: cursors answer an empty batch with `hasMore: true` before each batch they
    /// fetch (ArangoDB documents that a batch may be empty while more follow).
    pub fn set_empty_batches(&self, on: bool) {
        lock(&self.state).empty_batches = on;
    }

    /// Test hook: `/_open/auth` answers only after `delay` (a hanging login).
    pub fn set_auth_delay(&self, delay: std::time::Duration) {
        lock(&self.state).auth_delay = delay;
    }

    /// Requests that arrived at `/_open/auth` so far (counted on arrival).
    pub fn auth_requests(&self) -> u64 {
        lock(&self.state).auth_requests
    }

    /// Stream transactions unused this long are aborted (default 60 s, ArangoDB's
    /// `--transaction.streaming-idle-timeout`).
    pub fn set_trx_idle_timeout(&self, timeout: std::time::Duration) {
        lock(&self.state).trx_idle_timeout = timeout;
    }

    /// Test hook: every request spends `seconds` in the (simulated) queue: answered as
    /// `x-arango-queue-time-seconds`, and a request whose
    /// `x-arango-max-queue-time-seconds` is lower is refused (412, errorNum 21004).
    pub fn set_queue_time(&self, seconds: f64) {
        lock(&self.state).queue_time = seconds;
    }

    /// Requests that arrived at `/_open/auth/renew` so far.
    pub fn renew_requests(&self) -> u64 {
        lock(&self.state).renew_requests
    }

    /// Test hook: `/_open/auth/renew` answers 404, as a server without it would.
    pub fn set_renew_refused(&self, refused: bool) {
        lock(&self.state).renew_refused = refused;
    }

    /// The fingerprint the log records for a bearer token.
    pub fn fingerprint(token: &str) -> String {
        service::fingerprint(token)
    }
}
