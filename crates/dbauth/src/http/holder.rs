//! The current token of an HTTP client, refreshed once when many requests find it stale.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::JwtToken;
use crate::Error;

/// The token and its generation, always read and written together.
struct Current {
    token: Option<JwtToken>,
    /// Bumped on every new token (0: none yet); tells a caller whether someone else refreshed.
    generation: u64,
    /// When (milliseconds since the epoch) the token counts as stale: `exp` minus the
    /// effective leeway and this token's jitter; `None` for a token that never expires.
    stale_at_ms: Option<i64>,
    /// Until when (`exp` minus half the effective leeway) a stale token is still handed out
    /// while another caller renews it; after that, callers wait for the renewal.
    use_until_ms: Option<i64>,
}

/// The last refresh attempt that failed.
struct Failure {
    /// The number of the attempt (see [`TokenHolder::attempts`]).
    attempt: u64,
    error: Error,
    at: Instant,
}

/// How far before `exp` a token is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Leeway {
    /// This long before `exp`, but never more than 9/10 of the token's lifetime, jitter
    /// included (a leeway as long as the session would otherwise refresh on every call).
    Fixed(Duration),
    /// A fifth of the token's lifetime, at most 60 s: a token is used for most of its life
    /// and renewed well before the server rejects it.
    Auto,
}

/// Holds the current JWT. Requests read it without waiting on a refresh; when it is stale
/// (within the leeway of `exp`, or rejected by the server), exactly one caller runs the
/// refresh while the others wait for its result and reuse it, success or failure. While a
/// stale token is being renewed, other callers keep using it as long as it has more than half
/// the leeway left. A failure
/// is remembered for the failure memory (default 0): callers during that time get it
/// without a new attempt, so an outage does not cause a login storm.
///
/// Each token's refresh point gets a random jitter of up to a quarter of the effective
/// leeway, so that many clients given tokens at the same time do not renew in the same
/// instant.
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
    leeway: Leeway,
    failure_memory: Duration,
    /// Refresh attempts finished so far.
    attempts: AtomicU64,
    failure: Mutex<Option<Failure>>,
}

impl fmt::Debug for TokenHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenHolder")
            .field("generation", &self.generation())
            .field("leeway", &self.leeway)
            .field("failure_memory", &self.failure_memory)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A random number in `0..=max` (0 when the system has no randomness to give).
fn jitter(max: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0;
    }
    let r = u64::from_le_bytes(b) % (u64::try_from(max).unwrap_or(0) + 1);
    i64::try_from(r).unwrap_or(0)
}

impl TokenHolder {
    /// An empty holder; tokens within `leeway` of expiry (capped at 9/10 of their lifetime)
    /// count as stale.
    pub fn new(leeway: Duration) -> Self {
        Self::with_leeway(Leeway::Fixed(leeway))
    }

    /// An empty holder with the given leeway policy.
    pub fn with_leeway(leeway: Leeway) -> Self {
        TokenHolder {
            current: RwLock::new(Current {
                token: None,
                generation: 0,
                stale_at_ms: None,
                use_until_ms: None,
            }),
            refresh: async_lock::Mutex::new(()),
            leeway,
            failure_memory: Duration::ZERO,
            attempts: AtomicU64::new(0),
            failure: Mutex::new(None),
        }
    }

    /// Remembers a failed refresh this long: callers in that time get the failure without
    /// a new attempt.
    #[must_use]
    pub fn with_failure_memory(mut self, memory: Duration) -> Self {
        self.failure_memory = memory;
        self
    }

    /// The configured leeway (`Fixed`), or zero for [`Leeway::Auto`].
    pub fn leeway(&self) -> Duration {
        match self.leeway {
            Leeway::Fixed(d) => d,
            Leeway::Auto => Duration::ZERO,
        }
    }

    /// The leeway policy.
    pub fn leeway_policy(&self) -> Leeway {
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

    /// When `t` counts as stale, and until when it may be used while it is renewed, in
    /// milliseconds since the epoch.
    fn stale_at_ms(&self, t: &JwtToken) -> Option<(i64, i64)> {
        let exp_ms = t.exp()?.saturating_mul(1000);
        // The lifetime the server gave it (by its own `iat`), else what is left of it now.
        let lifetime_ms = match t.iat() {
            Some(iat) => exp_ms.saturating_sub(iat.saturating_mul(1000)),
            None => exp_ms.saturating_sub(now_ms()),
        }
        .max(0);
        // Leeway plus jitter stay within 9/10 of the lifetime: the token is used for at
        // least a tenth of it.
        let cap_ms = lifetime_ms / 10 * 9;
        let leeway_ms = match self.leeway {
            Leeway::Fixed(d) => ms(d).min(cap_ms),
            Leeway::Auto => (lifetime_ms / 5).min(60_000),
        };
        let jitter_max = (leeway_ms / 4).min(cap_ms - leeway_ms);
        let stale_at = exp_ms
            .saturating_sub(leeway_ms)
            .saturating_sub(jitter(jitter_max));
        Some((stale_at, exp_ms.saturating_sub(leeway_ms / 2)))
    }

    /// Replaces the token (e.g. set by hand) and returns its generation.
    pub fn set(&self, token: JwtToken) -> u64 {
        let times = self.stale_at_ms(&token);
        let mut c = self.current.write().unwrap_or_else(PoisonError::into_inner);
        c.generation += 1;
        c.token = Some(token);
        c.stale_at_ms = times.map(|(s, _)| s);
        c.use_until_ms = times.map(|(_, u)| u);
        c.generation
    }

    /// Forgets the token (e.g. after logging out); the next [`get`](Self::get) refreshes.
    pub fn clear(&self) {
        let mut c = self.current.write().unwrap_or_else(PoisonError::into_inner);
        c.generation += 1;
        c.token = None;
        c.stale_at_ms = None;
        c.use_until_ms = None;
    }

    fn fresh(&self) -> Option<(JwtToken, u64)> {
        let c = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let t = c.token.as_ref()?;
        if c.stale_at_ms.is_some_and(|at| now_ms() >= at) {
            return None;
        }
        Some((t.clone(), c.generation))
    }

    fn usable_while_renewing(&self) -> Option<(JwtToken, u64)> {
        let c = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let t = c.token.as_ref()?;
        let until = c.use_until_ms?;
        (now_ms() < until && !t.is_expired()).then(|| (t.clone(), c.generation))
    }

    /// Refresh attempts finished so far (successful or not).
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// The failure a caller that saw `seen` finished attempts must take instead of trying
    /// again: one that finished while it waited, or one within the failure memory.
    fn shared_failure(&self, seen: u64) -> Option<Error> {
        let f = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        let f = f.as_ref()?;
        (f.attempt > seen || f.at.elapsed() < self.failure_memory).then(|| f.error.clone())
    }

    /// A fresh token: the current one unless it is missing or stale, else the result of
    /// `refresh` (run by one caller at a time). Callers that waited on a refresh reuse its
    /// token, or get its error.
    pub async fn get<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let seen = self.attempts();
        // Stale while another caller renews it, but far enough from `exp` (half the
        // leeway): still good to use, no need to wait for the renewal.
        let guard = match self.refresh.try_lock() {
            Some(g) => g,
            None => match self.usable_while_renewing() {
                Some(usable) => return Ok(usable),
                None => self.refresh.lock().await,
            },
        };
        let _one_at_a_time = guard;
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        if let Some(e) = self.shared_failure(seen) {
            return Err(e);
        }
        self.run(refresh).await
    }

    /// The server rejected the token of generation `seen` (HTTP 401): refresh unless another
    /// caller has installed a newer token since, and return the token to retry with. A
    /// refresh that failed while this caller waited (or within the failure memory) is
    /// returned without a new attempt.
    pub async fn refresh_after_rejection<F, Fut>(
        &self,
        seen: u64,
        refresh: F,
    ) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        let seen_attempts = self.attempts();
        let _one_at_a_time = self.refresh.lock().await;
        if let Some((t, g)) = self.current() {
            if g != seen && !t.is_expired() {
                return Ok((t, g));
            }
        }
        if let Some(e) = self.shared_failure(seen_attempts) {
            return Err(e);
        }
        self.run(refresh).await
    }

    /// Runs `refresh` now (one at a time), whatever the current token and any remembered
    /// failure: an explicit refresh by the caller.
    pub async fn refresh_now<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        let _one_at_a_time = self.refresh.lock().await;
        self.run(refresh).await
    }

    async fn run<F, Fut>(&self, refresh: F) -> Result<(JwtToken, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<JwtToken, Error>>,
    {
        let outcome = match refresh().await {
            Ok(token) if token.is_expired() => Err(Error::RefreshFailed(format!(
                "the new token expired already (exp {:?})",
                token.exp()
            ))),
            other => other,
        };
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(token) => {
                *failure = None;
                drop(failure);
                let g = self.set(token.clone());
                Ok((token, g))
            }
            Err(error) => {
                *failure = Some(Failure {
                    attempt,
                    error: error.clone(),
                    at: Instant::now(),
                });
                Err(error)
            }
        }
    }
}

#[cfg(test)]
#[path = "holder_tests.rs"]
mod tests;
