//! The client: hosts, resolver, retries, timeouts, compression, and database handles.

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dbauth::http::{Auth, JwtToken, Leeway};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::conn::{AuthMode, Connection};
use crate::database::Database;
use crate::error::{Error, Result};
use crate::session::JwtState;

/// How a request picks its first host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Resolver {
    /// Always the first host (the others are fallbacks).
    #[default]
    Single,
    /// Hosts in turn.
    RoundRobin,
    /// A random host.
    Random,
}

/// Credentials for [`ArangoClient::db`].
#[derive(Clone)]
#[non_exhaustive]
pub enum DbAuth {
    /// HTTP basic on every request.
    Basic(Auth),
    /// A JWT: obtained with `auth` via `POST /_open/auth`, given as `token`, or both (then
    /// the token is used first and `auth` refreshes it).
    Jwt {
        /// Username and password to (re)obtain tokens.
        auth: Option<Auth>,
        /// A token to start with.
        token: Option<JwtToken>,
    },
    /// A superuser token (see [`JwtToken::generate_token`]); never refreshed.
    Superuser(JwtToken),
}

impl fmt::Debug for DbAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbAuth::Basic(a) => f.debug_tuple("Basic").field(a).finish(),
            DbAuth::Jwt { auth, token } => f
                .debug_struct("Jwt")
                .field("auth", auth)
                .field("token", token)
                .finish(),
            DbAuth::Superuser(t) => f.debug_tuple("Superuser").field(t).finish(),
        }
    }
}

impl DbAuth {
    /// HTTP basic.
    pub fn basic(auth: Auth) -> Self {
        DbAuth::Basic(auth)
    }
    /// JWT obtained from username and password, refreshed automatically.
    pub fn jwt(auth: Auth) -> Self {
        DbAuth::Jwt {
            auth: Some(auth),
            token: None,
        }
    }
    /// A JWT given by the caller; it cannot be refreshed.
    pub fn jwt_token(token: JwtToken) -> Self {
        DbAuth::Jwt {
            auth: None,
            token: Some(token),
        }
    }
    /// A JWT given by the caller, refreshed with `auth` when it expires.
    pub fn jwt_with_token(auth: Auth, token: JwtToken) -> Self {
        DbAuth::Jwt {
            auth: Some(auth),
            token: Some(token),
        }
    }
    /// A superuser token.
    pub fn superuser(token: JwtToken) -> Self {
        DbAuth::Superuser(token)
    }
}

/// Settings of an [`ArangoClient`]. `Debug` cuts any userinfo out of the hosts.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientBuilder {
    hosts: Vec<String>,
    resolver: Resolver,
    max_retries: usize,
    request_timeout: Duration,
    connect_timeout: Duration,
    compression_threshold: Option<usize>,
    refresh_leeway: Leeway,
    refresh_failure_memory: Duration,
    max_queue_time: Option<Duration>,
    root_certificates: Vec<Vec<u8>>,
    accept_invalid_certs: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts: Vec<String> = self.hosts.iter().map(|h| redact_userinfo(h)).collect();
        f.debug_struct("ClientBuilder")
            .field("hosts", &hosts)
            .field("resolver", &self.resolver)
            .field("max_retries", &self.max_retries)
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("compression_threshold", &self.compression_threshold)
            .field("refresh_leeway", &self.refresh_leeway)
            .field("refresh_failure_memory", &self.refresh_failure_memory)
            .field("max_queue_time", &self.max_queue_time)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            hosts: vec!["http://127.0.0.1:8529".to_owned()],
            resolver: Resolver::Single,
            max_retries: 3,
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            compression_threshold: None,
            refresh_leeway: Leeway::Auto,
            refresh_failure_memory: Duration::from_secs(1),
            max_queue_time: None,
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
        }
    }
}

impl ClientBuilder {
    /// Base URLs of the coordinators, e.g. `http://127.0.0.1:8529`.
    pub fn hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.hosts = hosts
            .into_iter()
            .map(|h| h.into().trim_end_matches('/').to_owned())
            .collect();
        self
    }
    /// How the first host of a request is chosen (default [`Resolver::Single`]).
    pub fn resolver(mut self, r: Resolver) -> Self {
        self.resolver = r;
        self
    }
    /// How many other hosts a request tries after a connection error or a 503 (default 3).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.max_retries = n;
        self
    }
    /// Timeout of a whole request (default 60 s).
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = t;
        self
    }
    /// Timeout of establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Deflate-compresses request bodies larger than `threshold` bytes (default: off).
    pub fn compress_requests_above(mut self, threshold: usize) -> Self {
        self.compression_threshold = Some(threshold);
        self
    }
    /// Renews a JWT this long before it expires. It is capped at 9/10 of each token's
    /// lifetime, so that a leeway as long as the session cannot make every request log in.
    /// Default: a fifth of the token's lifetime, at most 60 s. Each token's renewal point
    /// also gets a random jitter of up to a quarter of the leeway.
    pub fn refresh_leeway(mut self, leeway: Duration) -> Self {
        self.refresh_leeway = Leeway::Fixed(leeway);
        self
    }
    /// How long a failed token refresh is remembered (default 1 s): requests in that time
    /// get the failure at once instead of logging in again, so an outage does not cause a
    /// login storm. Requests waiting on a refresh always share its outcome.
    pub fn refresh_failure_memory(mut self, memory: Duration) -> Self {
        self.refresh_failure_memory = memory;
        self
    }
    /// Overload control: asks the server to drop a request that waited in its queue longer
    /// than this (`x-arango-max-queue-time-seconds`); such a request fails with
    /// [`Error::QueueTimeViolated`]. Default: no limit.
    pub fn max_queue_time(mut self, t: Duration) -> Self {
        self.max_queue_time = Some(t);
        self
    }
    /// Trusts this PEM CA certificate (in addition to the built-in roots) for `https` hosts.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }
    /// Accepts any server certificate. For tests only.
    pub fn danger_accept_invalid_certs(mut self, yes: bool) -> Self {
        self.accept_invalid_certs = yes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<ArangoClient> {
        if self.hosts.is_empty() {
            return Err(Error::Config("no hosts".into()));
        }
        for h in &self.hosts {
            if has_userinfo(h) {
                return Err(Error::Config(format!(
                    "host {} has credentials in its URL; give them with DbAuth",
                    redact_userinfo(h)
                )));
            }
            if !(h.starts_with("http://") || h.starts_with("https://")) {
                return Err(Error::Config(format!("host {h:?} is not an http(s) URL")));
            }
        }
        let mut b = reqwest::Client::builder()
            .timeout(self.request_timeout)
            .connect_timeout(self.connect_timeout)
            .danger_accept_invalid_certs(self.accept_invalid_certs);
        for pem in &self.root_certificates {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::Config(format!("bad CA certificate: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        let http = b
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(ArangoClient {
            inner: Arc::new(Transport {
                http,
                hosts: self.hosts,
                resolver: self.resolver,
                next: AtomicUsize::new(0),
                max_retries: self.max_retries,
                compression_threshold: self.compression_threshold,
                max_queue_time: self
                    .max_queue_time
                    .map(|d| format!("{:.3}", d.as_secs_f64())),
                last_queue_time: std::sync::atomic::AtomicU64::new(NO_QUEUE_TIME),
            }),
            leeway: self.refresh_leeway,
            failure_memory: self.refresh_failure_memory,
        })
    }
}

/// An ArangoDB client; cheap to clone. Use [`ArangoClient::db`] for a database handle.
#[derive(Debug, Clone)]
pub struct ArangoClient {
    inner: Arc<Transport>,
    leeway: Leeway,
    failure_memory: Duration,
}

impl ArangoClient {
    /// The queue time the server reported last (`x-arango-queue-time-seconds`, seconds),
    /// on any handle of this client.
    pub fn last_queue_time(&self) -> Option<f64> {
        self.inner.last_queue_time()
    }

    /// A builder with defaults (one host `http://127.0.0.1:8529`).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for the given hosts with default settings.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(hosts: I) -> Result<Self> {
        ClientBuilder::default().hosts(hosts).build()
    }

    /// A handle on database `name`. With `verify`, sends a ping (and so obtains a JWT for
    /// JWT auth) before returning; a failure is [`Error::Verify`] naming the database and
    /// the auth method ([`Error::is_auth_failure`] tells refused credentials apart).
    pub async fn db(&self, name: &str, auth: DbAuth, verify: bool) -> Result<Database> {
        let kind = match &auth {
            DbAuth::Basic(_) => "basic",
            DbAuth::Jwt { .. } => "jwt",
            DbAuth::Superuser(_) => "superuser",
        };
        let mode = match auth {
            DbAuth::Basic(a) => AuthMode::Basic(std::sync::RwLock::new(a)),
            DbAuth::Jwt { auth, token } => {
                if auth.is_none() && token.is_none() {
                    return Err(Error::Config(
                        "jwt auth needs credentials or a token".into(),
                    ));
                }
                AuthMode::Jwt(Box::new(JwtState::new(
                    auth,
                    token,
                    self.leeway,
                    self.failure_memory,
                )))
            }
            DbAuth::Superuser(t) => AuthMode::Superuser(std::sync::RwLock::new(t)),
        };
        let conn = Arc::new(Connection::new(self.inner.clone(), name, mode));
        let db = Database::new(conn);
        if verify {
            db.ping().await.map_err(|e| Error::Verify {
                database: name.to_owned(),
                auth: kind,
                source: Box::new(e),
            })?;
        }
        Ok(db)
    }
}

/// A response as received.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) url: String,
    /// The `x-arango-async-id` header: the job id of an async request, or the mark of a
    /// stored job result.
    pub(crate) async_id: Option<String>,
    /// A 401 that a freshly obtained token got too: not about the token (no permission, or
    /// a database that does not exist); reported as [`Error::Permission`].
    pub(crate) refused_fresh_token: bool,
}

/// The HTTP layer shared by all handles.
pub(crate) struct Transport {
    http: reqwest::Client,
    hosts: Vec<String>,
    resolver: Resolver,
    next: AtomicUsize,
    max_retries: usize,
    compression_threshold: Option<usize>,
    /// Sent as `x-arango-max-queue-time-seconds` with every request.
    max_queue_time: Option<String>,
    /// The last `x-arango-queue-time-seconds` (f64 bits; [`NO_QUEUE_TIME`] before any).
    last_queue_time: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("hosts", &self.hosts)
            .field("resolver", &self.resolver)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Transport {
    fn first_host(&self) -> usize {
        let n = self.hosts.len();
        match self.resolver {
            Resolver::Single => 0,
            Resolver::RoundRobin => self.next.fetch_add(1, Ordering::Relaxed) % n,
            Resolver::Random => rand::random_range(0..n),
        }
    }

    /// Sends one request, moving to the next host on connection errors and 503s (at most
    /// `max_retries` times), and resending it once (with `resend_on_close`) when the server
    /// closed a kept-alive connection without answering. `path_and_query` starts with `/`.
    pub(crate) async fn send(
        &self,
        method: &reqwest::Method,
        path_and_query: &str,
        headers: &[(HeaderName, HeaderValue)],
        body: Option<&[u8]>,
        resend_on_close: bool,
    ) -> Result<RawResponse> {
        let mut body_bytes: Option<Vec<u8>> = body.map(<[u8]>::to_vec);
        let mut compressed = false;
        if let (Some(th), Some(b)) = (self.compression_threshold, &body_bytes) {
            if b.len() > th {
                let mut enc =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(b)
                    .map_err(|e| Error::Serialization(e.to_string()))?;
                body_bytes = Some(
                    enc.finish()
                        .map_err(|e| Error::Serialization(e.to_string()))?,
                );
                compressed = true;
            }
        }
        let first = self.first_host();
        let attempts = self.max_retries.saturating_add(1);
        let mut last_err = None;
        let mut last_503 = None;
        let mut resent_after_close = false;
        for attempt in 0..attempts {
            let host = &self.hosts[(first + attempt) % self.hosts.len()];
            let url = format!("{host}{path_and_query}");
            let mut rb = self.http.request(method.clone(), &url);
            for (k, v) in headers {
                rb = rb.header(k, v);
            }
            if let Some(q) = &self.max_queue_time {
                rb = rb.header("x-arango-max-queue-time-seconds", q.as_str());
            }
            if let Some(b) = &body_bytes {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
                if compressed {
                    rb = rb.header(reqwest::header::CONTENT_ENCODING, "deflate");
                }
            }
            let span = crate::spans::http(method.as_str(), host, path_and_query);
            let sent = tracing::Instrument::instrument(rb.send(), span.clone()).await;
            match &sent {
                Ok(resp) => crate::spans::status(&span, resp.status().as_u16(), true),
                Err(e) if e.is_timeout() => crate::spans::failed(&span, "timeout"),
                Err(_) => crate::spans::failed(&span, "connection"),
            }
            match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    self.note_queue_time(&headers);
                    let async_id = headers
                        .get("x-arango-async-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let body = read_body(resp, &url).await?;
                    let raw = RawResponse {
                        status,
                        headers,
                        body,
                        url,
                        async_id,
                        refused_fresh_token: false,
                    };
                    // A coordinator that is unavailable (e.g. shutting down or starting):
                    // the next one may answer. Each host is asked once.
                    if status == 503 && attempt + 1 < attempts.min(self.hosts.len()) {
                        last_503 = Some(raw);
                        continue;
                    }
                    return Ok(raw);
                }
                Err(e) if e.is_connect() => last_err = Some(transport_error(&url, &e)),
                // The server closed a kept-alive connection as the request went out, without
                // answering (its idle timeout): the request did not run; resend it once.
                Err(e) if resend_on_close && closed_before_answer(&e) && !resent_after_close => {
                    resent_after_close = true;
                    last_err = Some(transport_error(&url, &e));
                }
                Err(e) => return Err(transport_error(&url, &e)),
            }
        }
        if let Some(r) = last_503 {
            return Ok(r);
        }
        Err(last_err.unwrap_or_else(|| Error::Config("no attempt made".into())))
    }

    /// Remembers the server's `x-arango-queue-time-seconds`, if sent.
    fn note_queue_time(&self, headers: &HeaderMap) {
        let t = headers
            .get("x-arango-queue-time-seconds")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|t| t.is_finite() && *t >= 0.0);
        if let Some(t) = t {
            self.last_queue_time.store(t.to_bits(), Ordering::Relaxed);
        }
    }

    /// The last queue time the server reported, in seconds.
    pub(crate) fn last_queue_time(&self) -> Option<f64> {
        let bits = self.last_queue_time.load(Ordering::Relaxed);
        (bits != NO_QUEUE_TIME).then(|| f64::from_bits(bits))
    }
}

/// `last_queue_time` before any server reported one.
const NO_QUEUE_TIME: u64 = u64::MAX;

/// Whether a request failed because the connection closed before any answer arrived.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() {
                return true;
            }
        }
        src = s.source();
    }
    false
}

/// Reads a response body, refusing one larger than [`MAX_RESPONSE_BODY`] before it is
/// buffered (by its `Content-Length`, and again while it streams in).
async fn read_body(mut resp: reqwest::Response, url: &str) -> Result<Vec<u8>> {
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BODY as u64)
    {
        return Err(too_large(url));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(url, &e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err(too_large(url));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(url: &str) -> Error {
    Error::ResponseTooLarge {
        url: redact_userinfo(url),
        limit: MAX_RESPONSE_BODY,
    }
}

/// Responses larger than this are refused (a batch of documents is far smaller).
pub(crate) const MAX_RESPONSE_BODY: usize = 512 * 1024 * 1024;

fn transport_error(url: &str, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            url: url.to_owned(),
        };
    }
    let mut message = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    Error::Connection {
        url: redact_userinfo(url),
        message: redact_userinfo(&message),
    }
}

/// Whether an `http(s)://` URL has `user[:password]@` before its host.
fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

/// `text` with every URL's userinfo replaced by `***`.
pub(crate) fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == ')')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}
