//! JWT sessions of a connection: the token holder, logins with `POST /_open/auth`, renewals
//! with `POST /_open/auth/renew`, and which rejected tokens are worth a refresh.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use dbauth::Secret;
use dbauth::http::{Auth, JwtToken, Leeway, TokenHolder};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::Value;

use crate::client::Transport;
use crate::error::{Error, RefreshError, Result};

/// How long a token that was refused right after a refresh is held innocent: 401s with it
/// are reported as [`Error::Permission`] without another login. After that, one refresh is
/// allowed again (the secret may have rotated since).
const INNOCENCE: Duration = Duration::from_secs(30);

/// JWT state: credentials (if any) and the current token in a [`TokenHolder`], which makes
/// refreshes single-flight.
pub(crate) struct JwtState {
    /// The credentials of logins; replaceable while requests run (`Database::set_credentials`).
    auth: RwLock<Option<Auth>>,
    pub(crate) holder: TokenHolder,
    /// Calls of `/_open/auth`.
    pub(crate) logins: AtomicU64,
    /// Successful renewals with `/_open/auth/renew`.
    pub(crate) renewals: AtomicU64,
    /// The server does not have `/_open/auth/renew` (it answered 404, 405 or 501): log in
    /// instead, without asking again.
    renew_unsupported: std::sync::atomic::AtomicBool,
    /// The typed error of the last failed refresh, for the callers that shared it.
    last_error: Mutex<Option<RefreshError>>,
    /// A generation refused although fresh from a refresh, and since when.
    innocent: Mutex<Option<(u64, Instant)>>,
}

impl JwtState {
    pub(crate) fn new(
        auth: Option<Auth>,
        token: Option<JwtToken>,
        leeway: Leeway,
        failure_memory: Duration,
    ) -> Self {
        let holder = TokenHolder::with_leeway(leeway).with_failure_memory(failure_memory);
        if let Some(t) = token {
            holder.set(t);
        }
        JwtState {
            auth: RwLock::new(auth),
            holder,
            logins: AtomicU64::new(0),
            renewals: AtomicU64::new(0),
            renew_unsupported: std::sync::atomic::AtomicBool::new(false),
            last_error: Mutex::new(None),
            innocent: Mutex::new(None),
        }
    }

    /// The credentials logins use now.
    pub(crate) fn credentials(&self) -> Option<Auth> {
        self.auth
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether there are credentials to log in with.
    pub(crate) fn has_credentials(&self) -> bool {
        self.auth
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Logins use `auth` from now on.
    pub(crate) fn set_credentials(&self, auth: Auth) {
        *self.auth.write().unwrap_or_else(PoisonError::into_inner) = Some(auth);
    }

    /// Whether 401s with generation `g` are known not to be about the token.
    pub(crate) fn is_innocent(&self, g: u64) -> bool {
        let i = self.innocent.lock().unwrap_or_else(PoisonError::into_inner);
        i.is_some_and(|(ig, at)| ig == g && at.elapsed() < INNOCENCE)
    }

    /// Generation `g` came from a refresh and was refused all the same.
    pub(crate) fn mark_innocent(&self, g: u64) {
        *self.innocent.lock().unwrap_or_else(PoisonError::into_inner) = Some((g, Instant::now()));
    }

    /// The outcome of a refresh run through the holder, with our typed error restored (the
    /// holder only carries a summary).
    pub(crate) fn typed(
        &self,
        r: std::result::Result<(JwtToken, u64), dbauth::Error>,
    ) -> Result<(JwtToken, u64)> {
        r.map_err(|e| {
            let last = self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            last.unwrap_or_else(|| RefreshError::BadResponse(e.to_string()))
                .into()
        })
    }

    /// A new token for the holder: a renewal of the current one while it is valid (no
    /// password on the wire), else (or when the server refuses to renew) a login. With
    /// `renew` false (the current token was rejected) it logs in directly.
    pub(crate) async fn obtain(
        &self,
        transport: &Transport,
        renew: bool,
    ) -> std::result::Result<JwtToken, dbauth::Error> {
        let span = crate::spans::refresh(if renew { "renew_or_login" } else { "login" });
        let r = tracing::Instrument::instrument(self.obtain_typed(transport, renew), span.clone())
            .await;
        if r.is_err() {
            crate::spans::failed(&span, "refresh_failed");
        }
        r.map_err(|e| {
            let summary = dbauth::Error::RefreshFailed(e.to_string());
            *self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(e);
            summary
        })
    }

    async fn obtain_typed(
        &self,
        transport: &Transport,
        renew: bool,
    ) -> Result<JwtToken, RefreshError> {
        let current = self
            .holder
            .current()
            .map(|(t, _)| t)
            .filter(|t| !t.is_expired());
        let supported = !self.renew_unsupported.load(Ordering::Relaxed);
        if let (true, true, Some(t)) = (renew, supported, current) {
            match renew_token(transport, &t).await {
                Ok(new) => {
                    self.renewals.fetch_add(1, Ordering::Relaxed);
                    return Ok(new);
                }
                Err((status, e)) => {
                    if matches!(status, Some(404 | 405 | 501)) {
                        self.renew_unsupported.store(true, Ordering::Relaxed);
                    }
                    if !self.has_credentials() {
                        return Err(e);
                    }
                    // Refused: log in instead.
                }
            }
        }
        let auth = self.credentials().ok_or(RefreshError::NoCredentials)?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        login(transport, &auth).await
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A token fresh from the server must be usable by our clock. If the server itself gave it
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

pub(crate) fn bearer(t: &JwtToken) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("bearer {}", t.token().expose()))
        .map_err(|_| Error::AuthHeader("the token is not a valid header value".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

/// The `{"jwt": "..."}` answer of `/_open/auth` and `/_open/auth/renew`, or the refusal.
fn token_from(what: &str, resp: &crate::client::RawResponse) -> Result<JwtToken, RefreshError> {
    if !(200..300).contains(&resp.status) {
        let (error_num, message) =
            crate::conn::envelope(&resp.body).unwrap_or((i64::from(resp.status), String::new()));
        if resp.status == 401 || resp.status == 400 {
            return Err(RefreshError::WrongCredentials {
                code: resp.status,
                error_num,
                message,
            });
        }
        return Err(RefreshError::BadResponse(format!(
            "{what}: HTTP {}, errorNum {error_num}: {message}",
            resp.status
        )));
    }
    let v: Value = serde_json::from_slice(&resp.body)
        .map_err(|_| RefreshError::BadResponse(format!("{what}: body is not JSON")))?;
    let jwt = v
        .get("jwt")
        .and_then(Value::as_str)
        .ok_or_else(|| RefreshError::BadResponse(format!("{what}: no jwt field")))?;
    let t = JwtToken::new(jwt).map_err(|e| RefreshError::BadResponse(e.to_string()))?;
    check_fresh(&t, now_secs())?;
    Ok(t)
}

/// `POST /_open/auth` with the credentials (a password or an access token).
pub(crate) async fn login(transport: &Transport, auth: &Auth) -> Result<JwtToken, RefreshError> {
    let body =
        serde_json::json!({"username": auth.username(), "password": auth.password().expose()});
    let body = Secret::new(body.to_string());
    let resp = transport
        .send(
            &Method::POST,
            "/_open/auth",
            &[],
            Some(body.expose().as_bytes()),
            false,
        )
        .await
        .map_err(|e| RefreshError::Transport(e.to_string()))?;
    token_from("/_open/auth", &resp)
}

/// `POST /_open/auth/renew` with the current (still valid) token as bearer.
/// A failure comes with the HTTP status, if there was an answer.
async fn renew_token(
    transport: &Transport,
    t: &JwtToken,
) -> Result<JwtToken, (Option<u16>, RefreshError)> {
    let header = bearer(t).map_err(|e| (None, RefreshError::BadResponse(e.to_string())))?;
    let resp = transport
        .send(
            &Method::POST,
            "/_open/auth/renew",
            &[(AUTHORIZATION, header)],
            None,
            false,
        )
        .await
        .map_err(|e| (None, RefreshError::Transport(e.to_string())))?;
    token_from("/_open/auth/renew", &resp).map_err(|e| (Some(resp.status), e))
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
    fn innocence_is_per_generation() {
        let j = JwtState::new(None, None, Leeway::Auto, Duration::ZERO);
        assert!(!j.is_innocent(3));
        j.mark_innocent(3);
        assert!(j.is_innocent(3));
        assert!(!j.is_innocent(4));
    }
}
