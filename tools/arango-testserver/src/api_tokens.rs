//! `/_api/token/<user>`: access tokens (ArangoDB 3.12). A token acts as a further password
//! of its user, for HTTP basic and for `/_open/auth`, until it expires (`valid_until`) or is
//! deleted. Only its creation answer carries the token itself.

use dbauth::Secret;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::service::{Ctx, Principal, Resp};
use crate::state::{AccessToken, ApiError, State};

fn metadata(t: &AccessToken, now: i64) -> Value {
    json!({
        "id": t.id, "name": t.name, "valid_until": t.valid_until,
        "created_at": t.created_at, "fingerprint": t.fingerprint,
        "active": t.valid_until > now,
    })
}

/// Whether `password` is an unexpired access token of `user`.
pub(crate) fn is_token_of(st: &State, user: &str, password: &Secret) -> bool {
    let now = st.now();
    st.access_tokens
        .iter()
        .any(|t| t.user == user && t.valid_until > now && t.token == *password)
}

pub(crate) fn tokens(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let user = ctx.seg(2).ok_or_else(ApiError::not_found_path)?.to_owned();
    // Your own tokens always; other users' with administrate access.
    if ctx.principal != Principal::User(user.clone()) {
        ctx.need_admin(st)?;
    }
    if !st.users.contains_key(&user) {
        return Err(ApiError::new(404, 1703, "user not found"));
    }
    let now = st.now();
    match (ctx.method.as_str(), ctx.seg(3)) {
        ("POST", None) => {
            let body = ctx.json()?;
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ApiError::bad("name must be a non-empty string"))?
                .to_owned();
            let valid_until = body
                .get("valid_until")
                .and_then(Value::as_i64)
                .ok_or_else(|| ApiError::bad("valid_until must be a Unix time in seconds"))?;
            if st
                .access_tokens
                .iter()
                .any(|t| t.user == user && t.name == name)
            {
                return Err(ApiError::new(409, 1210, "duplicate access token name"));
            }
            let id = st.next_id();
            let digest = Sha256::digest(format!("{}/{id}/{now}", st.secret.expose()));
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let token = format!("v1.{hex}");
            let t = AccessToken {
                id,
                user,
                name,
                valid_until,
                created_at: now,
                fingerprint: format!("v1...{}", &hex[hex.len() - 8..]),
                token: Secret::new(token.clone()),
            };
            let mut v = metadata(&t, now);
            v["token"] = Value::from(token);
            st.access_tokens.push(t);
            Ok(Resp::new(200, v))
        }
        ("GET", None) => {
            let list: Vec<Value> = st
                .access_tokens
                .iter()
                .filter(|t| t.user == user)
                .map(|t| metadata(t, now))
                .collect();
            Ok(Resp::new(200, json!({ "tokens": list })))
        }
        ("DELETE", Some(id)) => {
            let id: u64 = id
                .parse()
                .map_err(|_| ApiError::bad("token id must be a number"))?;
            let before = st.access_tokens.len();
            st.access_tokens.retain(|t| !(t.user == user && t.id == id));
            if st.access_tokens.len() == before {
                return Err(ApiError::new(404, 1202, "access token not found"));
            }
            Ok(Resp::new(200, json!({"error": false, "code": 200})))
        }
        _ => Err(ApiError::method()),
    }
}
