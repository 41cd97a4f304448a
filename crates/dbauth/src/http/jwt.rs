//! JSON Web Tokens as ArangoDB uses them: parsed without the secret on the client side,
//! generated and verified with HS256 where the secret is known (superuser tokens, test server).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::{Error, Secret};

/// Tokens longer than this are refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Claims of a JWT.
pub type Claims = Map<String, Value>;

/// A parsed JWT: its claims are readable, its signature unchecked (the client does not know
/// the server's secret). `Debug` shows the claims' times, never the token.
#[derive(Clone)]
pub struct JwtToken {
    token: Secret,
    claims: Claims,
    exp: Option<i64>,
    iat: Option<i64>,
}

impl fmt::Debug for JwtToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtToken")
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .finish_non_exhaustive()
    }
}

/// Settings of [`JwtToken::generate_token`]; the defaults match python-arango-async.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GenerateOptions {
    /// Issued-at, seconds since the epoch (default: now).
    pub iat: Option<i64>,
    /// Lifetime in seconds (default 3600); ignored with [`without_exp`](Self::without_exp).
    pub exp_seconds: i64,
    /// Whether the token gets an `exp` claim (default true). ArangoDB accepts superuser
    /// tokens without one; they never expire.
    pub with_exp: bool,
    /// Issuer (default `"arangodb"`).
    pub iss: String,
    /// Server id (default `"client"`); its presence makes the token a superuser token.
    pub server_id: String,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            iat: None,
            exp_seconds: 3600,
            with_exp: true,
            iss: "arangodb".to_owned(),
            server_id: "client".to_owned(),
        }
    }
}

impl GenerateOptions {
    /// Sets issued-at (seconds since the epoch).
    #[must_use]
    pub fn with_iat(mut self, iat: i64) -> Self {
        self.iat = Some(iat);
        self
    }

    /// Sets the lifetime in seconds.
    #[must_use]
    pub fn with_exp_seconds(mut self, seconds: i64) -> Self {
        self.exp_seconds = seconds;
        self
    }

    /// No `exp` claim: a token that never expires (keep it like a password).
    #[must_use]
    pub fn without_exp(mut self) -> Self {
        self.with_exp = false;
        self
    }

    /// Sets the issuer.
    #[must_use]
    pub fn with_iss(mut self, iss: impl Into<String>) -> Self {
        self.iss = iss.into();
        self
    }

    /// Sets the server id.
    #[must_use]
    pub fn with_server_id(mut self, server_id: impl Into<String>) -> Self {
        self.server_id = server_id.into();
        self
    }
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn malformed(what: impl Into<String>) -> Error {
    Error::MalformedToken(what.into())
}

fn decode_part(part: &str, what: &str) -> Result<Map<String, Value>, Error> {
    let raw = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| malformed(format!("{what} is not base64url")))?;
    match serde_json::from_slice::<Value>(&raw) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(malformed(format!("{what} is not a JSON object"))),
        Err(_) => Err(malformed(format!("{what} is not JSON"))),
    }
}

fn int_claim(claims: &Claims, name: &str) -> Result<Option<i64>, Error> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| malformed(format!("claim {name} is not a usable number"))),
        Some(_) => Err(malformed(format!("claim {name} is not a number"))),
    }
}

fn split(token: &str) -> Result<(&str, &str, &str), Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed(format!(
            "token longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(malformed("a JWT has three dot-separated parts")),
    }
}

fn sign(secret: &Secret, signing_input: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(signing_input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl JwtToken {
    /// Parses a token (header, claims) without checking its signature. `exp` and `iat`, if
    /// present, must be numbers; a token without `exp` never expires.
    pub fn new(token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into();
        let (header, payload, _) = split(token.expose())?;
        let header = decode_part(header, "header")?;
        if !header.get("alg").is_some_and(Value::is_string) {
            return Err(malformed("header has no alg"));
        }
        let claims = decode_part(payload, "claims")?;
        let exp = int_claim(&claims, "exp")?;
        let iat = int_claim(&claims, "iat")?;
        Ok(JwtToken {
            token,
            claims,
            exp,
            iat,
        })
    }

    /// The token as sent in `Authorization: bearer ...`.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Expiry, seconds since the epoch; `None` for a token that never expires.
    pub fn exp(&self) -> Option<i64> {
        self.exp
    }

    /// Issued-at, seconds since the epoch, if present.
    pub fn iat(&self) -> Option<i64> {
        self.iat
    }

    /// All claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Whether the token expires within `leeway` (expired when `now >= exp - leeway`).
    /// A token without `exp` never does.
    pub fn needs_refresh(&self, leeway: Duration) -> bool {
        let Some(exp) = self.exp else { return false };
        let leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        now_secs() >= exp.saturating_sub(leeway)
    }

    /// Whether the token has expired (`now >= exp`).
    pub fn is_expired(&self) -> bool {
        self.needs_refresh(Duration::ZERO)
    }

    /// Checks the times: not expired (with `leeway`), not issued in the future beyond `leeway`.
    pub fn validate(&self, leeway: Duration) -> Result<(), Error> {
        let now = now_secs();
        let slack = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        if let Some(iat) = self.iat {
            if iat > now.saturating_add(slack) {
                return Err(Error::ClockSkew { iat, now });
            }
        }
        if let (true, Some(exp)) = (self.needs_refresh(leeway), self.exp) {
            return Err(Error::TokenExpired { exp, now });
        }
        Ok(())
    }

    /// A superuser token signed with the server's JWT secret (HS256), interchangeable with
    /// python-arango-async's `JwtToken.generate_token`.
    pub fn generate_token(secret: &Secret, opts: GenerateOptions) -> Result<Self, Error> {
        let iat = opts.iat.unwrap_or_else(now_secs);
        let exp = if opts.with_exp {
            let exp = iat
                .checked_add(opts.exp_seconds)
                .ok_or_else(|| malformed("exp overflows"))?;
            format!(r#""exp":{exp},"#)
        } else {
            String::new()
        };
        let header = r#"{"alg":"HS256","typ":"JWT"}"#;
        // Claims in the order python-arango-async writes them, so equal inputs give equal tokens.
        let claims = format!(
            r#"{{"iat":{iat},{exp}"iss":{},"server_id":{}}}"#,
            Value::from(opts.iss.as_str()),
            Value::from(opts.server_id.as_str())
        );
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let sig = URL_SAFE_NO_PAD.encode(sign(secret, &input));
        JwtToken::new(format!("{input}.{sig}"))
    }

    /// Verifies an HS256 token's signature with `secret` and returns its claims (for servers
    /// and tests; clients cannot do this). Rejects any other `alg`, including `none`.
    pub fn verify_hs256(token: &str, secret: &Secret) -> Result<Claims, Error> {
        let (header, payload, sig) = split(token)?;
        let h = decode_part(header, "header")?;
        if h.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(malformed("alg is not HS256"));
        }
        let sig = URL_SAFE_NO_PAD
            .decode(sig.trim_end_matches('='))
            .map_err(|_| malformed("signature is not base64url"))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig).map_err(|_| Error::BadSignature)?;
        decode_part(payload, "claims")
    }
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
