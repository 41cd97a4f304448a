//! Test hooks of the stand-in over HTTP, for when it runs as its own process (the Rust API of
//! [`crate::TestServer`] offers the same in-process). Not part of ArangoDB's API; they need
//! administrative access (rw on `_system`, or a superuser token).
//!
//! - `PUT /_admin/testserver/secret` `{"secret": "..."}`: rotates the JWT secret.
//! - `PUT /_admin/testserver/session-timeout` `{"seconds": N}`: lifetime of new user tokens.
//! - `PUT /_admin/testserver/empty-batches` `{"enabled": bool}`: cursors answer an empty
//!   batch with `hasMore: true` before each batch they fetch.
//! - `PUT /_admin/testserver/auth-delay` `{"ms": N}`: `/_open/auth` answers after N ms.
//! - `PUT /_admin/testserver/renew-refused` `{"enabled": bool}`: `/_open/auth/renew` answers
//!   404 as a server without it would.
//! - `PUT /_admin/testserver/queue-time` `{"seconds": F}`: the simulated queue time.
//! - `PUT /_admin/testserver/trx-idle-timeout` `{"seconds": F}`: the stream transaction idle
//!   timeout.
//! - `GET /_admin/testserver/log`: the request log (method, path, auth scheme, user or token
//!   fingerprint, status, content encoding); `DELETE` clears it.

use dbauth::Secret;
use serde_json::{Value, json};

use crate::service::{Ctx, Resp};
use crate::state::{ApiError, LoggedAuth, State};

fn done() -> Resp {
    Resp::new(200, json!({"error": false, "code": 200}))
}

pub(crate) fn hook(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    ctx.need_admin(st)?;
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("PUT", Some("secret"), None) => {
            let body = ctx.json()?;
            let secret = body
                .get("secret")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::bad("secret must be a non-empty string"))?;
            st.secret = Secret::new(secret);
            Ok(done())
        }
        ("PUT", Some("session-timeout"), None) => {
            let seconds = ctx
                .json()?
                .get("seconds")
                .and_then(Value::as_i64)
                .ok_or_else(|| ApiError::bad("seconds must be an integer"))?;
            st.session_timeout = seconds;
            Ok(done())
        }
        ("PUT", Some("empty-batches"), None) => {
            st.empty_batches = ctx
                .json()?
                .get("enabled")
                .and_then(Value::as_bool)
                .ok_or_else(|| ApiError::bad("enabled must be a boolean"))?;
            Ok(done())
        }
        ("PUT", Some("auth-delay"), None) => {
            let ms = ctx
                .json()?
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or_else(|| ApiError::bad("ms must be a non-negative integer"))?;
            st.auth_delay = std::time::Duration::from_millis(ms);
            Ok(done())
        }
        ("PUT", Some("renew-refused"), None) => {
            st.renew_refused = ctx
                .json()?
                .get("enabled")
                .and_then(Value::as_bool)
                .ok_or_else(|| ApiError::bad("enabled must be a boolean"))?;
            Ok(done())
        }
        ("PUT", Some(what @ ("queue-time" | "trx-idle-timeout")), None) => {
            let seconds = ctx
                .json()?
                .get("seconds")
                .and_then(Value::as_f64)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| ApiError::bad("seconds must be a non-negative number"))?;
            if what == "queue-time" {
                st.queue_time = seconds;
            } else {
                st.trx_idle_timeout = std::time::Duration::from_secs_f64(seconds);
            }
            Ok(done())
        }
        ("GET", Some("log"), None) => {
            let entries: Vec<Value> = st
                .log
                .iter()
                .map(|e| {
                    let (scheme, who) = match &e.auth {
                        LoggedAuth::None => ("none", Value::Null),
                        LoggedAuth::Basic { username } => ("basic", Value::from(username.as_str())),
                        LoggedAuth::Bearer { fingerprint } => {
                            ("bearer", Value::from(fingerprint.as_str()))
                        }
                        LoggedAuth::Other => ("other", Value::Null),
                    };
                    json!({
                        "method": e.method, "path": e.path, "auth": scheme, "who": who,
                        "status": e.status, "contentEncoding": e.content_encoding,
                    })
                })
                .collect();
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "result": entries}),
            ))
        }
        ("DELETE", Some("log"), None) => {
            st.log.clear();
            Ok(done())
        }
        (
            _,
            Some(
                "secret" | "session-timeout" | "log" | "empty-batches" | "auth-delay"
                | "renew-refused" | "queue-time" | "trx-idle-timeout",
            ),
            None,
        ) => Err(ApiError::method()),
        _ => Err(ApiError::not_found_path()),
    }
}
