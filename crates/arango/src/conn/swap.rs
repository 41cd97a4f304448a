//! New credentials for a live database handle, without dropping requests in flight.
//!
//! Each request takes its `Authorization` header when it starts, so requests in flight
//! finish with the credentials they started with, and the next ones use the new. With JWT
//! auth the new credentials log in first: only once that worked do they replace the old ones
//! and their token (a refused password changes nothing and is returned typed).

use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use dbauth::http::Auth;

use super::{AuthMode, Connection};
use crate::database::Database;
use crate::error::{Error, Result};
use crate::session::login;

impl Connection {
    async fn set_credentials(&self, auth: Auth) -> Result<()> {
        match &self.auth {
            AuthMode::Basic(current) => {
                // A username the header cannot carry fails here, not on the next request.
                auth.basic_header_value()?;
                *current.write().unwrap_or_else(PoisonError::into_inner) = auth;
                Ok(())
            }
            AuthMode::Jwt(j) => {
                j.logins.fetch_add(1, Ordering::Relaxed);
                let token = login(&self.transport, &auth).await?;
                j.set_credentials(auth);
                j.holder.set(token);
                Ok(())
            }
            AuthMode::Superuser(_) => Err(Error::Config(
                "a superuser handle has no credentials; replace its token with set_token".into(),
            )),
        }
    }
}

impl Database {
    /// Replaces the credentials of this handle (and of the handles cloned from it) while it
    /// is in use, e.g. after a password rotation: requests in flight finish with the old
    /// ones, the next use the new. Basic auth: the new header is used from the next request.
    /// JWT auth: logs in with the new credentials now and, once that worked, uses them and
    /// their token from then on; a refused login returns its typed error
    /// ([`Error::is_auth_failure`]) and keeps the old credentials and token. Superuser
    /// handles have no credentials: see [`set_token`](Self::set_token).
    pub async fn set_credentials(&self, auth: Auth) -> Result<()> {
        self.conn().set_credentials(auth).await
    }
}
