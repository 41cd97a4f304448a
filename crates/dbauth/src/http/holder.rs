//! The current token of an HTTP client, refreshed once when many requests find it stale.

use std::fmt;
use std::future::Future;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use super::JwtToken;
use crate::Error;

/// The token and its generation, always read and written together.
struct Current {
    token: Option<JwtToken>,
    /// Bumped on every new token (0: none yet); tells a caller whether someone else refreshed.
    generation: u64,
}

/// Holds the current JWT. Requests read it without waiting on a refresh; when it is stale
/// (within the leeway of `exp`, or rejected by the server), exactly one caller runs the
/// refresh while the others wait for its result and reuse it.
///
/// Runtime-agnostic: the refresh lock is an async mutex that does not need tokio.
///
/// ```
/// use std::time::Duration;
/// use dbauth::Secret;
/// use dbauth::http::{GenerateOptions, JwtToken, TokenHolder};
/// # futures_executor::block_on(async {
/// let holder = TokenHolder::new(Duration::from_secs(60));
/// let secret = Secret::new("jwt secret");
/// // The first call has no token yet: the closure (e.g. a login request) runs.
/// let (token, generation) = holder
///     .get(|| async { JwtToken::generate_token(&secret, GenerateOptions::default()) })
///     .await?;
/// assert_eq!(generation, 1);
/// // While it is fresh, the closure is not called again.
/// let (again, _) = holder
///     .get(|| async { Err(dbauth::Error::Provider("not called".into())) })
///     .await?;
/// assert_eq!(again.exp(), token.exp());
/// # Ok::<(), dbauth::Error>(()) }).unwrap();
/// ```
pub struct TokenHolder {
    current: RwLock<Current>,
    refresh: async_lock::Mutex<()>,
    leeway: Duration,
}

impl fmt::Debug for TokenHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenHolder")
            .field("generation", &self.generation())
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl TokenHolder {
    /// An empty holder; tokens within `leeway` of expiry count as stale.
    pub fn new(leeway: Duration) -> Self {
        TokenHolder {
            current: RwLock::new(Current {
                token: None,
                generation: 0,
            }),
            refresh: async_lock::Mutex::new(()),
            leeway,
        }
    }

    /// The leeway before `exp` at which a token counts as stale.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The current token (stale or not) and its generation.
    pub fn current(&self) -> Option<(JwtToken, u64)> {
        // A poisoned lock still holds a consistent pair: it is only ever replaced whole.
        let c = self.current.read().unwrap_or_else(PoisonError::into_inner);
        c.token.clone().map(|t| (t, c.generation))
    }

    /// The generation of the current token (0: none yet).
    pub fn generation(&self) -> u64 {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }

    /// Replaces the token (e.g. set by hand) and returns its generation.
    pub fn set(&self, token: JwtToken) -> u64 {
        let mut c = self.current.write().unwrap_or_else(PoisonError::into_inner);
        c.generation += 1;
        c.token = Some(token);
        c.generation
    }

    /// Forgets the token (e.g. after logging out); the next [`get`](Self::get) refreshes.
    pub fn clear(&self) {
        let mut c = self.current.write().unwrap_or_else(PoisonError::into_inner);
        c.generation += 1;
        c.token = None;
    }

    fn fresh(&self) -> Option<(JwtToken, u64)> {
        self.current()
            .filter(|(t, _)| !t.needs_refresh(self.leeway))
    }

    /// A fresh token: the current one unless it is missing or stale, else the result of
    /// `refresh` (run by one caller at a time; callers that waited reuse its token). A failed
    /// refresh is returned to the caller that ran it; the next caller tries again.
    pub async fn get<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let _one_at_a_time = self.refresh.lock().await;
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        self.run(refresh).await
    }

    /// The server rejected the token of generation `seen` (HTTP 401): refresh unless another
    /// caller has installed a newer token since, and return the token to retry with.
    pub async fn refresh_after_rejection<F, Fut>(
        &self,
        seen: u64,
        refresh: F,
    ) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        let _one_at_a_time = self.refresh.lock().await;
        if let Some((t, g)) = self.current() {
            if g != seen && !t.is_expired() {
                return Ok((t, g));
            }
        }
        self.run(refresh).await
    }

    async fn run<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        let token = refresh().await?;
        if token.is_expired() {
            return Err(Error::RefreshFailed(format!(
                "the new token expired already (exp {})",
                token.exp()
            )));
        }
        let g = self.set(token.clone());
        Ok((token, g))
    }
}

#[cfg(test)]
#[path = "holder_tests.rs"]
mod tests;
