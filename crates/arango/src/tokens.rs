//! Access tokens (ArangoDB 3.12, `/_api/token/<user>`): further passwords of a user, each
//! with a name and an expiry, usable for HTTP basic and to obtain JWTs.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::conn::{Req, enc};
use crate::database::{Database, from_value};
use crate::error::Result;

/// An access token as the server describes it. The token itself is only known from its
/// creation ([`Database::create_access_token`]); `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct AccessToken {
    /// Its id (for deleting it).
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Expiry, seconds since the epoch.
    pub valid_until: i64,
    /// Creation, seconds since the epoch.
    #[serde(default)]
    pub created_at: i64,
    /// A fingerprint that identifies it without revealing it.
    #[serde(default)]
    pub fingerprint: String,
    /// Whether it is usable now.
    #[serde(default)]
    pub active: bool,
    /// The token (creation only): use it as the password of its user.
    #[serde(default, deserialize_with = "secret")]
    pub token: Option<dbauth::Secret>,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<dbauth::Secret>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(dbauth::Secret::new))
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("valid_until", &self.valid_until)
            .field("created_at", &self.created_at)
            .field("fingerprint", &self.fingerprint)
            .field("active", &self.active)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Database {
    /// Creates an access token for `user` (yourself, or anyone with administrate access),
    /// valid until `valid_until` (seconds since the epoch).
    pub async fn create_access_token(
        &self,
        user: &str,
        name: &str,
        valid_until: i64,
    ) -> Result<AccessToken> {
        let body = json!({"name": name, "valid_until": valid_until});
        let v = self
            .call(Req::new(Method::POST, format!("/_api/token/{}", enc(user))).json(&body)?)
            .await?;
        from_value(v)
    }

    /// The access tokens of `user` (without the tokens themselves).
    pub async fn access_tokens(&self, user: &str) -> Result<Vec<AccessToken>> {
        let mut v = self
            .call(Req::new(Method::GET, format!("/_api/token/{}", enc(user))))
            .await?;
        from_value(v.get_mut("tokens").map(Value::take).unwrap_or(Value::Null))
    }

    /// Deletes (revokes) access token `id` of `user`.
    pub async fn delete_access_token(&self, user: &str, id: u64) -> Result<()> {
        self.call(Req::new(
            Method::DELETE,
            format!("/_api/token/{}/{id}", enc(user)),
        ))
        .await?;
        Ok(())
    }
}
