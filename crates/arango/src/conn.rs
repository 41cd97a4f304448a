//! A connection to one database: requests with authentication, the retry after a rejected
//! token, error envelopes (see `session.rs` for the JWT sessions).

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};

use dbauth::http::{Auth, JwtToken};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;

use crate::client::{RawResponse, Transport};
use crate::error::{Error, RefreshError, Result};
use crate::redact::redact;
use crate::session::{JwtState, bearer};

mod swap;

/// A request relative to the database (`path` starts with `/_api/...`); paths under
/// `/_open/` and requests marked `absolute` go to the server root.
#[derive(Debug)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) absolute: bool,
    /// Whether the transport may resend it after the server closed the connection without
    /// answering (default: for GET, HEAD, OPTIONS, PUT and DELETE).
    pub(crate) resend_on_close: bool,
}

impl Req {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Req {
            resend_on_close: matches!(
                method,
                Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
            ),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            absolute: false,
        }
    }
    /// Never resent by the transport (the server may have acted on it).
    pub(crate) fn once(mut self) -> Self {
        self.resend_on_close = false;
        self
    }
    pub(crate) fn json<T: serde::Serialize + ?Sized>(mut self, v: &T) -> Result<Self> {
        self.body = Some(serde_json::to_vec(v).map_err(|e| Error::Serialization(e.to_string()))?);
        Ok(self)
    }
    pub(crate) fn query(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }
    pub(crate) fn header(self, k: &'static str, v: &str) -> Result<Self> {
        self.header_named(HeaderName::from_static(k), v)
    }
    pub(crate) fn header_named(mut self, k: HeaderName, v: &str) -> Result<Self> {
        let v = HeaderValue::from_str(v)
            .map_err(|_| Error::Serialization(format!("invalid value for header {k}")))?;
        self.headers.push((k, v));
        Ok(self)
    }
}

/// A request for [`Database::request`](crate::Database::request), the escape hatch to any
/// endpoint: it goes through the same authentication, token refresh, retry after a rejected
/// token and host failover as every other call.
///
/// ```
/// use arango::RawRequest;
/// use serde_json::json;
/// let r = RawRequest::get("/_api/collection").query("excludeSystem", "true");
/// let w = RawRequest::post("/_api/document/things")
///     .json(&json!({"a": 1}))
///     .unwrap()
///     .header("x-arango-trx-id", "123")
///     .unwrap();
/// # let _ = (r, w);
/// ```
#[derive(Debug)]
pub struct RawRequest {
    pub(crate) req: Req,
}

impl RawRequest {
    /// `method` on `path`: relative to the handle's database (`/_api/...` becomes
    /// `/_db/<name>/_api/...`); paths under `/_open/` and [`absolute`](Self::absolute)
    /// requests go to the server root.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        RawRequest {
            req: Req::new(method, path),
        }
    }
    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }
    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }
    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }
    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }
    /// The path is taken from the server root, not the database.
    #[must_use]
    pub fn absolute(mut self) -> Self {
        self.req.absolute = true;
        self
    }
    /// Adds a query parameter (percent-encoded here).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.req = self.req.query(name, value);
        self
    }
    /// A JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        self.req = self.req.json(body)?;
        Ok(self)
    }
    /// A header (`Authorization` is the connection's and cannot be set here).
    pub fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Serialization(format!("invalid header name {name:?}")))?;
        if name == AUTHORIZATION {
            return Err(Error::Config(
                "the Authorization header comes from the handle's credentials".into(),
            ));
        }
        self.req = self.req.header_named(name, value)?;
        Ok(self)
    }
    /// Whether the transport may resend it after the server closed the connection
    /// without answering (default: for GET, HEAD, OPTIONS, PUT, DELETE).
    #[must_use]
    pub fn resend_on_close(mut self, yes: bool) -> Self {
        self.req.resend_on_close = yes;
        self
    }
}

/// The answer to a [`RawRequest`]: any status (errors are not turned into [`Error`]),
/// the headers, and the body.
#[derive(Debug, Clone)]
pub struct RawReply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as received.
    pub body: Vec<u8>,
    url: String,
}

impl RawReply {
    /// The body as JSON (`Null` when empty); a body that is not JSON is
    /// [`Error::Deserialization`].
    pub fn json(&self) -> Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::Deserialization {
            url: self.url.clone(),
            message: e.to_string(),
        })
    }
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The reply as the typed error it would be for a regular call.
    pub(crate) fn into_error(self, method: &str) -> Error {
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let resp = RawResponse {
            status: self.status,
            headers: self.headers,
            body: self.body,
            url: self.url,
            refused_fresh_token: false,
            async_id: None,
        };
        match check(&method, resp, &[]) {
            Err(e) => e,
            Ok(_) => Error::Config("not an error".into()),
        }
    }
}

pub(crate) enum AuthMode {
    /// Replaceable in place with `set_credentials`.
    Basic(RwLock<Auth>),
    Jwt(Box<JwtState>),
    /// Replaceable in place with `set_token`.
    Superuser(RwLock<JwtToken>),
}

pub(crate) struct Connection {
    transport: Arc<Transport>,
    db: String,
    prefix: String,
    auth: AuthMode,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.auth {
            AuthMode::Basic(_) => "basic",
            AuthMode::Jwt(_) => "jwt",
            AuthMode::Superuser(_) => "superuser",
        };
        f.debug_struct("Connection")
            .field("db", &self.db)
            .field("auth", &kind)
            .finish_non_exhaustive()
    }
}

/// The envelope's fields, if the body is one.
pub(crate) fn envelope(body: &[u8]) -> Option<(i64, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let num = v.get("errorNum")?.as_i64()?;
    let msg = v
        .get("errorMessage")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Some((num, msg))
}

/// ArangoDB's answer to a missing, wrong or expired token: 401 with errorNum 11.
fn rejects_token(resp: &RawResponse) -> bool {
    resp.status == 401 && envelope(&resp.body).is_some_and(|(n, _)| n == 11)
}

/// Everything but RFC 3986's unreserved characters is escaped in path segments and query
/// values (so `_system` stays `_system`, `a/b` becomes `a%2Fb`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(crate) fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

impl Connection {
    pub(crate) fn new(transport: Arc<Transport>, db: &str, auth: AuthMode) -> Self {
        Connection {
            transport,
            db: db.to_owned(),
            prefix: format!("/_db/{}", enc(db)),
            auth,
        }
    }

    pub(crate) fn db_name(&self) -> &str {
        &self.db
    }

    /// The current JWT (JWT and superuser modes).
    pub(crate) fn token(&self) -> Option<JwtToken> {
        match &self.auth {
            AuthMode::Jwt(j) => j.holder.current().map(|(t, _)| t),
            AuthMode::Superuser(t) => {
                Some(t.read().unwrap_or_else(PoisonError::into_inner).clone())
            }
            AuthMode::Basic(_) => None,
        }
    }

    pub(crate) fn set_token(&self, token: JwtToken) -> Result<()> {
        match &self.auth {
            AuthMode::Jwt(j) => {
                j.holder.set(token);
                Ok(())
            }
            AuthMode::Superuser(t) => {
                *t.write().unwrap_or_else(PoisonError::into_inner) = token;
                Ok(())
            }
            AuthMode::Basic(_) => Err(Error::Config(
                "set_token needs a JWT or superuser connection".into(),
            )),
        }
    }

    /// How many times `/_open/auth` was called by this connection.
    pub(crate) fn refresh_count(&self) -> u64 {
        match &self.auth {
            AuthMode::Jwt(j) => j.logins.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// How many tokens this connection renewed with `/_open/auth/renew`.
    pub(crate) fn renew_count(&self) -> u64 {
        match &self.auth {
            AuthMode::Jwt(j) => j.renewals.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// Obtains a new token now (JWT connections): a renewal while the token is valid, else
    /// a login. Concurrent callers share one.
    pub(crate) async fn refresh_token(&self) -> Result<JwtToken> {
        let AuthMode::Jwt(j) = &self.auth else {
            return Err(RefreshError::NoCredentials.into());
        };
        let t = &self.transport;
        let r = j.holder.refresh_now(|| j.obtain(t, true)).await;
        j.typed(r).map(|(t, _)| t)
    }

    /// The header for the next request, renewing a missing or stale token first (one
    /// refresh for all concurrent callers). Returns the token generation used.
    async fn auth_header(&self) -> Result<(HeaderValue, u64)> {
        match &self.auth {
            AuthMode::Basic(a) => {
                let a = a.read().unwrap_or_else(PoisonError::into_inner).clone();
                let mut v = HeaderValue::from_str(a.basic_header_value()?.expose())
                    .map_err(|_| Error::AuthHeader("credentials are not a valid header".into()))?;
                v.set_sensitive(true);
                Ok((v, 0))
            }
            AuthMode::Superuser(t) => Ok((
                bearer(&t.read().unwrap_or_else(PoisonError::into_inner))?,
                0,
            )),
            AuthMode::Jwt(j) if !j.has_credentials() => {
                let (cur, g) = j.holder.current().ok_or_else(|| {
                    Error::AuthHeader("no token and no credentials to obtain one".into())
                })?;
                // A stale token is renewed if the server agrees; otherwise it is sent as it
                // is (the server's clock decides).
                let t = &self.transport;
                match j.holder.get(|| j.obtain(t, true)).await {
                    Ok((t, g)) => Ok((bearer(&t)?, g)),
                    Err(_) => Ok((bearer(&cur)?, g)),
                }
            }
            AuthMode::Jwt(j) => {
                let t = &self.transport;
                let r = j.holder.get(|| j.obtain(t, true)).await;
                let (t, g) = j.typed(r)?;
                Ok((bearer(&t)?, g))
            }
        }
    }

    /// After a 401 with the token of generation `seen`: log in unless another request
    /// already did, and return the newer header and its generation.
    async fn reauth_after_rejection(&self, j: &JwtState, seen: u64) -> Result<(HeaderValue, u64)> {
        let t = &self.transport;
        let r = j
            .holder
            .refresh_after_rejection(seen, || j.obtain(t, false))
            .await;
        let (t, g) = j.typed(r)?;
        Ok((bearer(&t)?, g))
    }

    fn path_and_query(&self, req: &Req) -> String {
        let mut s = if req.absolute || req.path.starts_with("/_open/") {
            req.path.clone()
        } else {
            format!("{}{}", self.prefix, req.path)
        };
        for (i, (k, v)) in req.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(&enc(k));
            s.push('=');
            s.push_str(&enc(v));
        }
        s
    }

    /// Sends `req` with authentication. A 401 (errorNum 11) with a JWT that credentials can
    /// replace gets one refresh and the same request again; a 401 to a token fresh from
    /// that refresh is not about the token, and the next 401s with it cost no login (see
    /// [`Error::Permission`]).
    pub(crate) async fn send(&self, req: &Req) -> Result<RawResponse> {
        let span =
            crate::spans::request(&self.db, req.method.as_str(), || self.path_and_query(req));
        let r = tracing::Instrument::instrument(self.send_inner(req), span.clone()).await;
        match &r {
            Ok(resp) => crate::spans::status(&span, resp.status, false),
            Err(_) => crate::spans::failed(&span, "error"),
        }
        r
    }

    async fn send_inner(&self, req: &Req) -> Result<RawResponse> {
        let pq = self.path_and_query(req);
        let (auth, generation) = self.auth_header().await?;
        let mut headers = req.headers.clone();
        headers.push((AUTHORIZATION, auth));
        let mut resp = self
            .transport
            .send(
                &req.method,
                &pq,
                &headers,
                req.body.as_deref(),
                req.resend_on_close,
            )
            .await?;
        if !rejects_token(&resp) {
            return Ok(resp);
        }
        let AuthMode::Jwt(j) = &self.auth else {
            return Ok(resp);
        };
        if !j.has_credentials() {
            return Ok(resp);
        }
        if j.is_innocent(generation) {
            resp.refused_fresh_token = true;
            return Ok(resp);
        }
        let (new_auth, new_generation) = self.reauth_after_rejection(j, generation).await?;
        if let Some(last) = headers.last_mut() {
            last.1 = new_auth;
        }
        let mut resp = self
            .transport
            .send(
                &req.method,
                &pq,
                &headers,
                req.body.as_deref(),
                req.resend_on_close,
            )
            .await?;
        if rejects_token(&resp) {
            j.mark_innocent(new_generation);
            resp.refused_fresh_token = true;
        }
        Ok(resp)
    }

    /// Sends a raw request and returns whatever the server answered.
    pub(crate) async fn raw(&self, r: RawRequest) -> Result<RawReply> {
        let resp = self.send(&r.req).await?;
        Ok(RawReply {
            status: resp.status,
            headers: resp.headers,
            body: resp.body,
            url: resp.url,
        })
    }

    /// The connection's own secrets, to be cut out of any text quoting a response.
    fn secrets(&self) -> Vec<String> {
        let mut v = Vec::new();
        match &self.auth {
            AuthMode::Basic(a) => {
                let a = a.read().unwrap_or_else(PoisonError::into_inner);
                v.push(a.password().expose().to_owned());
                if let Ok(h) = a.basic_header_value() {
                    v.push(h.expose().trim_start_matches("Basic ").to_owned());
                }
            }
            AuthMode::Jwt(j) => {
                if let Some(a) = j.credentials() {
                    v.push(a.password().expose().to_owned());
                }
            }
            AuthMode::Superuser(_) => {}
        }
        if let Some(t) = self.token() {
            v.push(t.token().expose().to_owned());
        }
        v
    }

    /// Sends `req` and returns the JSON body of a success, or the server error.
    pub(crate) async fn json(&self, req: Req) -> Result<Value> {
        let resp = self.send(&req).await?;
        self.check(&req.method, resp)
    }

    /// [`check`] with this connection's credentials cut out of quoted error bodies.
    pub(crate) fn check(&self, method: &Method, resp: RawResponse) -> Result<Value> {
        if (200..300).contains(&resp.status) {
            return check(method, resp, &[]);
        }
        let secrets = self.secrets();
        let known: Vec<&str> = secrets.iter().map(String::as_str).collect();
        check(method, resp, &known)
    }
}

/// Turns a response into its JSON body, or the typed error: [`Error::Permission`] for a 401
/// that was not about the token, [`Error::QueueTimeViolated`] for ArangoDB's 412/21004,
/// [`Error::Server`] otherwise. A body that is no error envelope is quoted (at most 200
/// characters) with credentials cut out: a proxy may echo the request's headers.
pub(crate) fn check(method: &Method, resp: RawResponse, known: &[&str]) -> Result<Value> {
    if !(200..300).contains(&resp.status) {
        let (error_num, message) = envelope(&resp.body).unwrap_or_else(|| {
            let quoted: String = String::from_utf8_lossy(&resp.body)
                .chars()
                .take(200)
                .collect();
            (i64::from(resp.status), redact(&quoted, known))
        });
        let (code, method, url) = (resp.status, method.to_string(), resp.url);
        if resp.refused_fresh_token {
            return Err(Error::Permission {
                code,
                error_num,
                message,
                method,
                url,
            });
        }
        if code == 412 && error_num == 21004 {
            return Err(Error::QueueTimeViolated {
                message,
                method,
                url,
            });
        }
        return Err(Error::Server {
            code,
            error_num,
            message,
            method,
            url,
        });
    }
    if resp.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&resp.body).map_err(|e| Error::Deserialization {
        url: resp.url,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_unreserved_characters() {
        assert_eq!(enc("_system"), "_system");
        assert_eq!(enc("a-b.c~d"), "a-b.c~d");
        assert_eq!(enc("a/b c"), "a%2Fb%20c");
        assert_eq!(enc("ü"), "%C3%BC");
    }
}
