//! The current token of an HTTP client, refreshed once when many requests find it stale.

use std::fmt;
use std::future::Future;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::JwtToken;
use crate::Error;

/// Holds the current JWT. Requests read it without waiting; when it is stale (within the
/// leeway of `exp`, or rejected by the server), exactly one caller runs the refresh while the
/// others wait for its result.
pub struct TokenHolder {
    current: RwLock<Option<JwtToken>>,
    /// Bumped on every new token; lets a caller tell whether someone else refreshed already.
    generation: AtomicU64,
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
            current: RwLock::new(None),
            generation: AtomicU64::new(0),
            refresh: async_lock::Mutex::new(()),
            leeway,
        }
    }

    /// The current token and its generation.
    pub fn current(&self) -> Option<(JwtToken, u64)> {
        let t = self.current.read().ok()?.clone()?;
        Some((t, self.generation()))
    }

    /// The generation of the current token (0: none yet).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Replaces the token (e.g. set by hand).
    pub fn set(&self, token: JwtToken) -> u64 {
        if let Ok(mut c) = self.current.write() {
            *c = Some(token);
        }
        self.generation.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// A fresh token: the current one unless it is missing or stale, else the result of
    /// `refresh` (run by one caller at a time; the others reuse its token).
    pub async fn get<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        if let Some((t, g)) = self.current() {
            if !t.needs_refresh(self.leeway) {
                return Ok((t, g));
            }
        }
        let _one_at_a_time = self.refresh.lock().await;
        if let Some((t, g)) = self.current() {
            if !t.needs_refresh(self.leeway) {
                return Ok((t, g));
            }
        }
        self.run(refresh).await
    }

    /// The server rejected the token of generation `seen`: refresh unless another caller has
    /// done so since, and return the newer token.
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
        if self.generation() != seen {
            if let Some(current) = self.current() {
                return Ok(current);
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
