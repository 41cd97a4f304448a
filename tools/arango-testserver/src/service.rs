//! HTTP plumbing: connections, body limits, authentication, routing, the request log.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Read as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use dbauth::Secret;
use dbauth::http::JwtToken;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, SERVER, WWW_AUTHENTICATE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;

use crate::api_tokens::is_token_of;
use crate::state::{ApiError, Grant, LogEntry, LoggedAuth, State};
use crate::{Shared, api_admin, api_cursor, api_data, api_hooks, api_tokens, lock};

/// Request bodies larger than this are refused (413) before they are buffered.
const MAX_BODY: usize = 64 * 1024 * 1024;

pub(crate) async fn serve(listener: TcpListener, state: Shared) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(req, state.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn fingerprint(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    Superuser,
    User(String),
}

/// One parsed request, as handlers see it.
pub(crate) struct Ctx {
    pub(crate) method: String,
    pub(crate) db: String,
    /// Path segments after the database prefix, percent-decoded.
    pub(crate) seg: Vec<String>,
    pub(crate) query: HashMap<String, String>,
    pub(crate) headers: hyper::HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) principal: Principal,
}

impl Ctx {
    pub(crate) fn json(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|_| ApiError::new(400, 600, "invalid JSON"))
    }
    /// A boolean query parameter, `false` when absent.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.bool_param(name, false)
    }
    /// A boolean query parameter as ArangoDB reads one: `true`, `yes`, `on`, `y` and `1`
    /// (any case) are true, any other value false (clients send `0`/`1` as well as
    /// `false`/`true`); `default` when absent.
    pub(crate) fn bool_param(&self, name: &str, default: bool) -> bool {
        self.query.get(name).map_or(default, |v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "y" | "1"
            )
        })
    }
    /// The stream transaction of the request, if any.
    pub(crate) fn trx(&self) -> Option<&str> {
        self.header("x-arango-trx-id")
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub(crate) fn seg(&self, i: usize) -> Option<&str> {
        self.seg.get(i).map(String::as_str)
    }
    /// The access level on the current database.
    pub(crate) fn grant(&self, st: &State) -> Grant {
        self.grant_on(st, &self.db)
    }
    pub(crate) fn grant_on(&self, st: &State, db: &str) -> Grant {
        match &self.principal {
            Principal::Superuser => Grant::Rw,
            Principal::User(u) => st.users.get(u).map_or(Grant::None, |u| u.grant_on(db)),
        }
    }
    pub(crate) fn need_rw(&self, st: &State) -> Result<(), ApiError> {
        if self.grant(st) == Grant::Rw {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
    /// Administrative operations need rw on `_system`.
    pub(crate) fn need_admin(&self, st: &State) -> Result<(), ApiError> {
        if self.grant_on(st, "_system") == Grant::Rw {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// A handler's answer.
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Resp {
    pub(crate) fn new(status: u16, body: Value) -> Self {
        Resp {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = v.replace('+', " ");
        if let (Some(k), Some(v)) = (percent_decode(k), percent_decode(&v)) {
            m.insert(k, v);
        }
    }
    m
}

fn respond(status: u16, body: &Value, extra: &[(&'static str, String)]) -> Response<Full<Bytes>> {
    let bytes = if status == 304 || body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(body).unwrap_or_default()
    };
    let mut r = Response::new(Full::new(Bytes::from(bytes)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(SERVER, HeaderValue::from_static("ArangoDB"));
    h.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.append(*k, v);
        }
    }
    if status == 401 {
        h.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic, realm=\"ArangoDB\""),
        );
        h.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer token_type=\"JWT\", realm=\"ArangoDB\""),
        );
    }
    r
}

fn logged_auth(header: Option<&HeaderValue>) -> LoggedAuth {
    let Some(v) = header.and_then(|h| h.to_str().ok()) else {
        return if header.is_some() {
            LoggedAuth::Other
        } else {
            LoggedAuth::None
        };
    };
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        LoggedAuth::Bearer {
            fingerprint: fingerprint(rest.trim()),
        }
    } else if scheme.eq_ignore_ascii_case("basic") {
        match decode_basic(rest.trim()) {
            Some((u, _)) => LoggedAuth::Basic { username: u },
            None => LoggedAuth::Other,
        }
    } else {
        LoggedAuth::Other
    }
}

fn decode_basic(b64: &str) -> Option<(String, Secret)> {
    let raw = STANDARD.decode(b64).ok()?;
    // UTF-8 first; Latin-1 otherwise (every byte maps to one code point).
    let text = match String::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), Secret::new(p)))
}

/// Checks a bearer token: HS256, typ JWT, iss arangodb, not expired, a known user or a
/// server id, and `allowed_paths` if present.
fn check_jwt(st: &State, token: &str, path: &str) -> Result<Principal, ApiError> {
    let claims = JwtToken::verify_hs256(token, &st.secret).map_err(|_| ApiError::unauthorized())?;
    let header = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h.trim_end_matches('=')).ok())
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .ok_or_else(ApiError::unauthorized)?;
    if header.get("typ").and_then(Value::as_str) != Some("JWT") {
        return Err(ApiError::unauthorized());
    }
    if claims.get("iss").and_then(Value::as_str) != Some("arangodb") {
        return Err(ApiError::unauthorized());
    }
    if let Some(exp) = claims.get("exp") {
        let exp = exp.as_i64().ok_or_else(ApiError::unauthorized)?;
        if st.now() >= exp {
            return Err(ApiError::unauthorized());
        }
    }
    if let Some(paths) = claims.get("allowed_paths") {
        let allowed = paths
            .as_array()
            .is_some_and(|a| a.iter().any(|p| p.as_str() == Some(path)));
        if !allowed {
            return Err(ApiError::unauthorized());
        }
    }
    if let Some(u) = claims.get("preferred_username").and_then(Value::as_str) {
        return match st.users.get(u) {
            Some(user) if user.active => Ok(Principal::User(u.to_owned())),
            _ => Err(ApiError::unauthorized()),
        };
    }
    if claims.get("server_id").is_some_and(Value::is_string) {
        return Ok(Principal::Superuser);
    }
    Err(ApiError::unauthorized())
}

fn authenticate(
    st: &State,
    header: Option<&HeaderValue>,
    path: &str,
) -> Result<Principal, ApiError> {
    let v = header
        .and_then(|h| h.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (scheme, rest) = v.split_once(' ').ok_or_else(ApiError::unauthorized)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        check_jwt(st, rest.trim(), path)
    } else if scheme.eq_ignore_ascii_case("basic") {
        let (u, p) = decode_basic(rest.trim()).ok_or_else(ApiError::unauthorized)?;
        match st.users.get(&u) {
            Some(user) if user.active && (user.password == p || is_token_of(st, &u, &p)) => {
                Ok(Principal::User(u))
            }
            _ => Err(ApiError::unauthorized()),
        }
    } else {
        Err(ApiError::unauthorized())
    }
}

/// `POST /_open/auth`: a user JWT for valid credentials.
fn open_auth(st: &State, method: &str, body: &[u8]) -> Result<Resp, ApiError> {
    if method != "POST" {
        return Err(ApiError::method());
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::new(400, 600, "invalid JSON"))?;
    let (Some(u), Some(p)) = (
        v.get("username").and_then(Value::as_str),
        v.get("password").and_then(Value::as_str),
    ) else {
        return Err(ApiError::new(400, 400, "bad parameter"));
    };
    match st.users.get(u) {
        Some(user)
            if user.active
                && (user.password.expose() == p || is_token_of(st, u, &Secret::new(p))) => {}
        _ => return Err(ApiError::new(401, 401, "Wrong credentials")),
    }
    Ok(Resp::new(200, json!({ "jwt": user_jwt(st, u) })))
}

/// `POST /_open/auth/renew`: a new user JWT for the user of a valid one (sent as bearer);
/// no password involved.
fn open_auth_renew(
    st: &State,
    method: &str,
    auth: Option<&HeaderValue>,
    path: &str,
) -> Result<Resp, ApiError> {
    if st.renew_refused {
        return Err(ApiError::not_found_path());
    }
    if method != "POST" {
        return Err(ApiError::method());
    }
    let token = auth
        .and_then(|h| h.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(ApiError::unauthorized)?;
    match check_jwt(st, token, path)? {
        Principal::User(u) => Ok(Resp::new(200, json!({ "jwt": user_jwt(st, &u) }))),
        // Superuser tokens are made by whoever holds the secret; there is no session.
        Principal::Superuser => Err(ApiError::bad("only user tokens can be renewed")),
    }
}

/// A user JWT as `/_open/auth` issues it: HS256, `iss` arangodb, the session lifetime.
fn user_jwt(st: &State, u: &str) -> String {
    let iat = st.now();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({
        "preferred_username": u, "iss": "arangodb", "iat": iat,
        "exp": iat.saturating_add(st.session_timeout),
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{claims}");
    let sig = sign_hs256(&st.secret, &input);
    format!("{input}.{sig}")
}

fn sign_hs256(secret: &Secret, input: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(input.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

async fn handle(
    req: Request<Incoming>,
    state: Shared,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let auth_header = parts.headers.get(hyper::header::AUTHORIZATION).cloned();
    let logged = logged_auth(auth_header.as_ref());
    let content_encoding = parts
        .headers
        .get(hyper::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if path == "/_open/auth" || path == "/_open/auth/renew" {
        let delay = {
            let mut st = lock(&state);
            if path == "/_open/auth" {
                st.auth_requests += 1;
            } else {
                st.renew_requests += 1;
            }
            st.auth_delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    // A body announced larger than the limit is refused before anything of it is read.
    let announced = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = announced.is_some_and(|n| n > MAX_BODY as u64);
    let body = if too_large {
        Err(ApiError::new(413, 413, "request body too large"))
    } else {
        match Limited::new(body, MAX_BODY).collect().await {
            Ok(b) => Ok(b.to_bytes()),
            Err(_) => Err(ApiError::new(413, 413, "request body too large")),
        }
    };
    let body = body.and_then(|b| {
        let deflated = parts
            .headers
            .get(hyper::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"deflate"));
        if !deflated {
            return Ok(b);
        }
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&b[..])
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|_| ApiError::bad("cannot inflate the request body"))?;
        if out.len() > MAX_BODY {
            return Err(ApiError::new(413, 413, "request body too large"));
        }
        Ok(Bytes::from(out))
    });
    let max_queue = parts
        .headers
        .get("x-arango-max-queue-time-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|m| *m > 0.0);
    let (resp, delay) = {
        let mut st = lock(&state);
        let queue_time = st.queue_time;
        // Overload control: a request that waited in the queue longer than the client
        // allows is not run (412, errorNum 21004).
        let body = match max_queue {
            Some(m) if queue_time > m => {
                Err(ApiError::new(412, 21004, "queue time requirement violated"))
            }
            _ => body,
        };
        let result = body.and_then(|body| {
            route(
                &mut st,
                &method,
                &path,
                parts.uri.query(),
                parts.headers,
                body,
                auth_header.as_ref(),
            )
        });
        let (status, mut resp) = match result {
            Ok(r) => (r.status, respond(r.status, &r.body, &r.headers)),
            Err(e) => (e.code, respond(e.code, &e.body(), &[])),
        };
        // ArangoDB reports the queue time of the latest request with every answer.
        if let Ok(v) = HeaderValue::from_str(&format!("{queue_time:.6}")) {
            resp.headers_mut().insert("x-arango-queue-time-seconds", v);
        }
        let delay = match &st.delay_next {
            Some((prefix, d)) if path.starts_with(prefix.as_str()) => {
                let d = *d;
                st.delay_next = None;
                Some(d)
            }
            _ => None,
        };
        st.log.push(LogEntry {
            method,
            path,
            auth: logged,
            status,
            content_encoding,
        });
        (resp, delay)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    Ok(resp)
}

fn route(
    st: &mut State,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: hyper::HeaderMap,
    body: Bytes,
    auth: Option<&HeaderValue>,
) -> Result<Resp, ApiError> {
    if path == "/_open/auth" {
        return open_auth(st, method, &body);
    }
    if path == "/_open/auth/renew" {
        return open_auth_renew(st, method, auth, path);
    }
    let mut seg: Vec<String> = Vec::new();
    for s in path.split('/').filter(|s| !s.is_empty()) {
        seg.push(percent_decode(s).ok_or_else(|| ApiError::bad("bad percent-encoding"))?);
    }
    let mut db = "_system".to_owned();
    if seg.first().map(String::as_str) == Some("_db") {
        if seg.len() < 2 {
            return Err(ApiError::not_found_path());
        }
        db = seg[1].clone();
        seg.drain(..2);
    }
    if method == "OPTIONS" {
        // Answered whatever the credentials (CORS preflight), with nothing private in it.
        let mut r = Resp::new(200, Value::Null);
        r.headers.push((
            "allow",
            "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT".into(),
        ));
        return Ok(r);
    }
    if seg == ["_admin", "server", "availability"] {
        return Ok(Resp::new(
            200,
            json!({"mode": "default", "readOnly": false}),
        ));
    }
    let principal = authenticate(st, auth, path)?;
    let ctx = Ctx {
        method: method.to_owned(),
        db,
        seg,
        query: parse_query(query),
        headers,
        body,
        principal,
    };
    if !st.dbs.contains_key(&ctx.db) {
        // ArangoDB tells a missing database apart only to those who may administrate the
        // server; other users get 401, so that database names cannot be probed.
        return Err(if ctx.grant_on(st, "_system") == Grant::Rw {
            ApiError::db_not_found()
        } else {
            ApiError::unauthorized()
        });
    }
    if ctx.grant(st) == Grant::None {
        return Err(ApiError::unauthorized());
    }
    st.expire_transactions();
    if let Some(id) = ctx.header("x-arango-trx-id") {
        match st.trx.get_mut(id) {
            Some(t) if t.db == ctx.db && t.status == crate::state::TrxStatus::Running => {
                t.last_use = std::time::Instant::now();
            }
            _ => return Err(ApiError::new(404, 1655, "transaction not found")),
        }
    }
    if matches!(ctx.header("x-arango-async"), Some("true" | "store")) {
        return crate::api_jobs::submit(st, ctx, dispatch);
    }
    dispatch(st, &ctx)
}

/// Routes an authenticated request to its handler; async jobs run through here too.
pub(crate) fn dispatch(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    if ctx.seg(0) == Some("_admin") && ctx.seg(1) == Some("testserver") {
        return api_hooks::hook(st, ctx);
    }
    if ctx.seg(0) != Some("_api") {
        return Err(ApiError::not_found_path());
    }
    match ctx.seg(1) {
        Some("version") => Ok(Resp::new(
            200,
            json!({"server": "arango", "version": "3.12.4", "license": "community"}),
        )),
        Some("database") => api_admin::database(st, ctx),
        Some("user") => api_admin::user(st, ctx),
        Some("collection") if crate::api_collection::handles(ctx) => {
            crate::api_collection::collection(st, ctx)
        }
        Some("collection") => api_data::collection(st, ctx),
        Some("document") if crate::unique::applies(st, ctx) => crate::unique::document(st, ctx),
        Some("document") => api_data::document(st, ctx),
        Some("cursor") => api_cursor::cursor(st, ctx),
        Some("transaction") => api_admin::transaction(st, ctx),
        Some("tasks") => api_admin::tasks(st, ctx),
        Some("index") => crate::api_index::index(st, ctx),
        Some("gharial") => crate::api_graph::gharial(st, ctx),
        Some("edges") => crate::api_graph_docs::edges(st, ctx),
        Some("job") => crate::api_jobs::job(st, ctx),
        Some("view") => crate::api_view::view(st, ctx),
        Some("analyzer") => crate::api_analyzer::analyzer(st, ctx),
        Some("token") => api_tokens::tokens(st, ctx),
        _ => Err(ApiError::not_found_path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_matches_dbauth_verification() {
        let secret = Secret::new("s3cret");
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(r#"{"iss":"arangodb","exp":99999999999}"#);
        let input = format!("{header}.{claims}");
        let tok = format!("{input}.{}", sign_hs256(&secret, &input));
        assert!(JwtToken::verify_hs256(&tok, &secret).is_ok());
        assert!(JwtToken::verify_hs256(&tok, &Secret::new("other")).is_err());
        let long = Secret::new("k".repeat(100));
        let tok = format!("{input}.{}", sign_hs256(&long, &input));
        assert!(JwtToken::verify_hs256(&tok, &long).is_ok());
    }

    #[test]
    fn query_and_percent_decoding() {
        let q = parse_query(Some("a=1&b=x%20y&c=p+q&flag"));
        assert_eq!(q["a"], "1");
        assert_eq!(q["b"], "x y");
        assert_eq!(q["c"], "p q");
        assert_eq!(q["flag"], "");
        assert_eq!(percent_decode("%zz"), None);
    }
}
