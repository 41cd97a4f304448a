//! A connection to one database: authentication, single-flight token refresh, error
//! envelopes.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dbauth::Secret;
use dbauth::http::{Auth, JwtToken, TokenHolder};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use serde_json::Value;

use crate::client::{RawResponse, Transport};
use crate::error::{Error, RefreshError, Result};

/// A request relative to the database (`path` starts with `/_api/...`), or to the server
/// root when `absolute`.
#[derive(Debug)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Req {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Req {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }
    pub(crate) fn json<T: serde::Serialize + ?Sized>(mut self, v: &T) -> Result<Self> {
        self.body = Some(serde_json::to_vec(v).map_err(|e| Error::Serialization(e.to_string()))?);
        Ok(self)
    }
    pub(crate) fn query(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.query.push((k, v.into()));
        self
    }
    pub(crate) fn header(mut self, k: &'static str, v: &str) -> Result<Self> {
        let v = HeaderValue::from_str(v)
            .map_err(|_| Error::Serialization(format!("invalid value for header {k}")))?;
        self.headers.push((HeaderName::from_static(k), v));
        Ok(self)
    }
}

/// JWT state: credentials (if any) and the current token in a [`TokenHolder`], which makes
/// refreshes single-flight.
pub(crate) struct JwtState {
    auth: Option<Auth>,
    holder: TokenHolder,
    refreshes: AtomicU64,
}

impl JwtState {
    pub(crate) fn new(auth: Option<Auth>, token: Option<JwtToken>, leeway: Duration) -> Self {
        let holder = TokenHolder::new(leeway);
        if let Some(t) = token {
            holder.set(t);
        }
        JwtState {
            auth,
            holder,
            refreshes: AtomicU64::new(0),
        }
    }
}

/// The outcome of a refresh run through the holder, with our typed error restored: the
/// login stores its [`RefreshError`] in `slot` and hands the holder only a summary.
fn typed(
    r: std::result::Result<(JwtToken, u64), dbauth::Error>,
    slot: Option<RefreshError>,
) -> Result<(JwtToken, u64)> {
    match (r, slot) {
        (Ok(v), _) => Ok(v),
        (Err(_), Some(e)) => Err(e.into()),
        (Err(e), None) => Err(RefreshError::BadResponse(e.to_string()).into()),
    }
}

pub(crate) enum AuthMode {
    Basic(Auth),
    Jwt(JwtState),
    Superuser(JwtToken),
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

fn bearer(t: &JwtToken) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("bearer {}", t.token().expose()))
        .map_err(|_| Error::AuthHeader("the token is not a valid header value".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

/// The envelope's fields, if the body is one.
fn envelope(body: &[u8]) -> Option<(i64, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let num = v.get("errorNum")?.as_i64()?;
    let msg = v
        .get("errorMessage")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Some((num, msg))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A token fresh from `/_open/auth` must be usable by our clock. If the server itself gave it
/// no lifetime (`exp <= iat`), the token was expired on arrival; if the server meant it to be
/// valid (`exp > iat`) but our clock is already past `exp`, the clocks disagree.
pub(crate) fn check_fresh(t: &JwtToken, now: i64) -> Result<(), RefreshError> {
    let Some(exp) = t.exp() else { return Ok(()) };
    if now < exp {
        return Ok(());
    }
    match t.iat() {
        Some(iat) if exp > iat => Err(RefreshError::ClockSkew {
            server_iat: iat,
            exp,
            local_now: now,
        }),
        _ => Err(RefreshError::ExpiredToken { exp }),
    }
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
            AuthMode::Superuser(t) => Some(t.clone()),
            AuthMode::Basic(_) => None,
        }
    }

    pub(crate) fn set_token(&self, token: JwtToken) -> Result<()> {
        match &self.auth {
            AuthMode::Jwt(j) => {
                j.holder.set(token);
                Ok(())
            }
            _ => Err(Error::Config("set_token needs a JWT connection".into())),
        }
    }

    /// How many times `/_open/auth` was called by this connection.
    pub(crate) fn refresh_count(&self) -> u64 {
        match &self.auth {
            AuthMode::Jwt(j) => j.refreshes.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// Obtains a new token now (JWT connections with credentials). Concurrent callers share
    /// one login.
    pub(crate) async fn refresh_token(&self) -> Result<JwtToken> {
        let AuthMode::Jwt(j) = &self.auth else {
            return Err(RefreshError::NoCredentials.into());
        };
        if j.auth.is_none() {
            return Err(RefreshError::NoCredentials.into());
        }
        let seen = j.holder.generation();
        let mut slot = None;
        let slot_ref = &mut slot;
        let r = j
            .holder
            .refresh_after_rejection(seen, move || self.login_into(j, slot_ref))
            .await;
        typed(r, slot).map(|(t, _)| t)
    }

    /// [`Self::login`] for the holder: the typed error goes to `slot`.
    async fn login_into(
        &self,
        j: &JwtState,
        slot: &mut Option<RefreshError>,
    ) -> std::result::Result<JwtToken, dbauth::Error> {
        self.login(j).await.map_err(|e| {
            let summary = dbauth::Error::RefreshFailed(e.to_string());
            *slot = Some(e);
            summary
        })
    }

    /// `POST /_open/auth` with the credentials; checks that the token is usable here.
    async fn login(&self, j: &JwtState) -> Result<JwtToken, RefreshError> {
        let auth = j.auth.as_ref().ok_or(RefreshError::NoCredentials)?;
        j.refreshes.fetch_add(1, Ordering::Relaxed);
        let body =
            serde_json::json!({"username": auth.username(), "password": auth.password().expose()});
        let body = Secret::new(body.to_string());
        let resp = self
            .transport
            .send(
                &Method::POST,
                "/_open/auth",
                &[],
                Some(body.expose().as_bytes()),
            )
            .await
            .map_err(|e| RefreshError::Transport(e.to_string()))?;
        if !(200..300).contains(&resp.status) {
            let (error_num, message) =
                envelope(&resp.body).unwrap_or((i64::from(resp.status), String::new()));
            if resp.status == 401 || resp.status == 400 {
                return Err(RefreshError::WrongCredentials {
                    code: resp.status,
                    error_num,
                    message,
                });
            }
            return Err(RefreshError::BadResponse(format!(
                "HTTP {}, errorNum {error_num}: {message}",
                resp.status
            )));
        }
        let v: Value = serde_json::from_slice(&resp.body)
            .map_err(|_| RefreshError::BadResponse("body is not JSON".into()))?;
        let jwt = v
            .get("jwt")
            .and_then(Value::as_str)
            .ok_or_else(|| RefreshError::BadResponse("no jwt field".into()))?;
        let t = JwtToken::new(jwt).map_err(|e| RefreshError::BadResponse(e.to_string()))?;
        check_fresh(&t, now_secs())?;
        Ok(t)
    }

    /// The header for the next request, refreshing a missing or stale token first (one
    /// refresh for all concurrent callers). Returns the token generation used.
    async fn auth_header(&self) -> Result<(HeaderValue, u64)> {
        match &self.auth {
            AuthMode::Basic(a) => {
                let mut v = HeaderValue::from_str(a.basic_header_value()?.expose())
                    .map_err(|_| Error::AuthHeader("credentials are not a valid header".into()))?;
                v.set_sensitive(true);
                Ok((v, 0))
            }
            AuthMode::Superuser(t) => Ok((bearer(t)?, 0)),
            AuthMode::Jwt(j) if j.auth.is_none() => {
                // Nothing to refresh with: send the token even if it looks stale here (the
                // server's clock decides).
                let (t, g) = j.holder.current().ok_or_else(|| {
                    Error::AuthHeader("no token and no credentials to obtain one".into())
                })?;
                Ok((bearer(&t)?, g))
            }
            AuthMode::Jwt(j) => {
                let mut slot = None;
                let slot_ref = &mut slot;
                let r = j.holder.get(move || self.login_into(j, slot_ref)).await;
                let (t, g) = typed(r, slot)?;
                Ok((bearer(&t)?, g))
            }
        }
    }

    /// After a 401 with the token of generation `seen`: refresh unless another request
    /// already did, and return the newer header.
    async fn reauth_after_rejection(&self, seen: u64) -> Result<Option<HeaderValue>> {
        let AuthMode::Jwt(j) = &self.auth else {
            return Ok(None);
        };
        if j.auth.is_none() {
            return Ok(None);
        }
        let mut slot = None;
        let slot_ref = &mut slot;
        let r = j
            .holder
            .refresh_after_rejection(seen, move || self.login_into(j, slot_ref))
            .await;
        let (t, _) = typed(r, slot)?;
        Ok(Some(bearer(&t)?))
    }

    fn path_and_query(&self, req: &Req) -> String {
        let mut s = if req.path.starts_with("/_open/") {
            req.path.clone()
        } else {
            format!("{}{}", self.prefix, req.path)
        };
        for (i, (k, v)) in req.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&enc(v));
        }
        s
    }

    /// Sends `req` with authentication; on 401 errorNum 11 with credentials, refreshes once
    /// and resends the same request.
    pub(crate) async fn send(&self, req: &Req) -> Result<RawResponse> {
        let pq = self.path_and_query(req);
        let (auth, generation) = self.auth_header().await?;
        let mut headers = req.headers.clone();
        headers.push((AUTHORIZATION, auth));
        let resp = self
            .transport
            .send(&req.method, &pq, &headers, req.body.as_deref())
            .await?;
        if resp.status == 401 && envelope(&resp.body).is_some_and(|(n, _)| n == 11) {
            if let Some(new_auth) = self.reauth_after_rejection(generation).await? {
                if let Some(last) = headers.last_mut() {
                    last.1 = new_auth;
                }
                return self
                    .transport
                    .send(&req.method, &pq, &headers, req.body.as_deref())
                    .await;
            }
        }
        Ok(resp)
    }

    /// Sends `req` and returns the JSON body of a success, or the server error.
    pub(crate) async fn json(&self, req: Req) -> Result<Value> {
        let resp = self.send(&req).await?;
        check(&req.method, resp)
    }
}

/// Turns a response into its JSON body, or [`Error::Server`].
pub(crate) fn check(method: &Method, resp: RawResponse) -> Result<Value> {
    if !(200..300).contains(&resp.status) {
        let (error_num, message) = envelope(&resp.body).unwrap_or_else(|| {
            (
                i64::from(resp.status),
                String::from_utf8_lossy(&resp.body)
                    .chars()
                    .take(200)
                    .collect(),
            )
        });
        return Err(Error::Server {
            code: resp.status,
            error_num,
            message,
            method: method.to_string(),
            url: resp.url,
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
    use dbauth::http::GenerateOptions;

    fn tok(iat: i64, lifetime: i64) -> JwtToken {
        let o = GenerateOptions::default()
            .with_iat(iat)
            .with_exp_seconds(lifetime);
        JwtToken::generate_token(&Secret::new("k"), o).expect("token")
    }

    #[test]
    fn fresh_tokens_expired_tokens_and_clock_skew() {
        assert_eq!(check_fresh(&tok(1000, 60), 1059), Ok(()));
        // Expired at now == exp, as the server sees it.
        assert_eq!(
            check_fresh(&tok(1000, 60), 1060),
            Err(RefreshError::ClockSkew {
                server_iat: 1000,
                exp: 1060,
                local_now: 1060
            })
        );
        // No lifetime by the server's own times: expired on arrival, whatever our clock says.
        assert_eq!(
            check_fresh(&tok(1000, 0), 1000),
            Err(RefreshError::ExpiredToken { exp: 1000 })
        );
    }

    #[test]
    fn path_segments_keep_unreserved_characters() {
        assert_eq!(enc("_system"), "_system");
        assert_eq!(enc("a-b.c~d"), "a-b.c~d");
        assert_eq!(enc("a/b c"), "a%2Fb%20c");
        assert_eq!(enc("ü"), "%C3%BC");
    }
}
