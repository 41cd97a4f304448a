//! Make-before-break replacement of a pool's connections: on demand
//! ([`HostPool::rotate`]) and when they reach the maximum lifetime
//! ([`HostPool::rotate_expired`]).
//!
//! A new connection is opened outside the pool (bounded by the connect timeout, the keyspace
//! set within the request timeout); only once it works does it take the old one's place in
//! the pool, in one swap: the pool never has fewer connections than before. The old one gets
//! no new requests from then on and closes when the requests on it have ended (after the
//! request timeout at the latest). One rotation at a time per pool.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::HostPool;
use crate::connection::Connection;
use crate::error::Error;
use crate::rotation::HostRotation;

/// A retired connection first waits this long, for requests that picked it just before it
/// left the pool and have not been queued on it yet.
const RETIRE_GRACE: Duration = Duration::from_millis(500);

/// The rotation state of one pool.
#[derive(Debug)]
pub(crate) struct RotationState {
    /// Held while a rotation runs.
    running: tokio::sync::Mutex<()>,
    /// Each connection's share of the lifetime jitter comes from a hash of its start.
    jitter_seed: RandomState,
    /// After a failed lifetime rotation: no new try before this (the back-off).
    retry_at: Mutex<Option<Instant>>,
    failures: Mutex<u32>,
}

impl RotationState {
    pub(crate) fn new() -> Self {
        Self {
            running: tokio::sync::Mutex::new(()),
            jitter_seed: RandomState::new(),
            retry_at: Mutex::new(None),
            failures: Mutex::new(0),
        }
    }
}

impl HostPool {
    /// Replaces every connection open now, one after the other; stops at the first that
    /// cannot be replaced (the next would most likely fail the same way).
    pub(crate) async fn rotate(self: &Arc<Self>) -> HostRotation {
        let _one = self.rotation.running.lock().await;
        let old = self.open_snapshot();
        let mut report = HostRotation {
            addr: self.addr,
            before: old.len(),
            rotated: 0,
            error: None,
        };
        for conn in old {
            match self.replace(conn).await {
                Ok(()) => report.rotated += 1,
                Err(e) => {
                    report.error = Some(e);
                    break;
                }
            }
        }
        report
    }

    /// Replaces the connections older than `lifetime` ± their share of `jitter`; after a
    /// failure, waits out the reconnection policy's back-off before trying again.
    pub(crate) async fn rotate_expired(self: &Arc<Self>, lifetime: Duration, jitter: Duration) {
        let backing_off = self
            .rotation
            .retry_at
            .lock()
            .ok()
            .and_then(|t| *t)
            .is_some_and(|t| Instant::now() < t);
        if backing_off || self.shut.load(Ordering::Acquire) {
            return;
        }
        let Ok(_one) = self.rotation.running.try_lock() else {
            return;
        };
        let now = Instant::now();
        let due: Vec<Connection> = self
            .open_snapshot()
            .into_iter()
            .filter(|c| {
                now.saturating_duration_since(c.opened_at())
                    >= self.lifetime_of(c, lifetime, jitter)
            })
            .collect();
        for conn in due {
            if let Err(e) = self.replace(conn).await {
                if matches!(e, Error::Shutdown) {
                    return;
                }
                let n = self
                    .rotation
                    .failures
                    .lock()
                    .map(|mut f| {
                        *f = f.saturating_add(1);
                        *f
                    })
                    .unwrap_or(1);
                let wait = self.config.reconnection.delay(n);
                tracing::warn!(addr = %self.addr, error = %e, retry_in = ?wait,
                    "cannot replace a connection at the end of its lifetime; it keeps serving");
                if let Ok(mut t) = self.rotation.retry_at.lock() {
                    *t = Some(Instant::now() + wait);
                }
                return;
            }
            if let Ok(mut f) = self.rotation.failures.lock() {
                *f = 0;
            }
        }
    }

    fn open_snapshot(&self) -> Vec<Connection> {
        self.conns
            .load()
            .iter()
            .filter(|c| !c.is_closed())
            .cloned()
            .collect()
    }

    /// `lifetime` moved by this connection's share of `jitter` (between `-jitter` and
    /// `+jitter`, fixed for the connection).
    fn lifetime_of(&self, conn: &Connection, lifetime: Duration, jitter: Duration) -> Duration {
        if jitter.is_zero() {
            return lifetime;
        }
        jittered(
            lifetime,
            jitter,
            self.rotation.jitter_seed.hash_one(conn.opened_at()),
        )
    }

    /// Opens a connection that takes `old`'s place; `old` is retired in the background.
    async fn replace(self: &Arc<Self>, old: Connection) -> Result<(), Error> {
        let new = self.open_detached(old.shard()).await?;
        {
            let _guard = self.joining.lock().map_err(|_| Error::Shutdown)?;
            if self.shut.load(Ordering::Acquire) {
                new.close("session closed");
                return Err(Error::Shutdown);
            }
            let conns = self.conns.load();
            let still_there = conns.iter().any(|c| c.same_as(&old));
            let open = conns.iter().filter(|c| !c.is_closed()).count();
            if still_there || open < self.target() {
                let next: Vec<Connection> = conns
                    .iter()
                    .filter(|c| !c.is_closed() && !c.same_as(&old))
                    .cloned()
                    .chain(std::iter::once(new.clone()))
                    .collect();
                self.conns.store(Arc::new(next));
            } else {
                // The old one left meanwhile (the pool shrank) and the pool is full.
                new.close("pool already full");
            }
        }
        self.watch(&new);
        tracing::debug!(addr = %self.addr, "connection replaced by a new one");
        let shut = self.shut_signal.subscribe();
        tokio::spawn(retire(old, self.config.request_timeout, shut));
        Ok(())
    }

    /// A new connection to the node, not in the pool yet, using the session's keyspace (one
    /// that cannot be used is logged, as for a refill).
    async fn open_detached(&self, shard: Option<u16>) -> Result<Connection, Error> {
        let mut shut = self.shut_signal.subscribe();
        if *shut.borrow_and_update() {
            return Err(Error::Shutdown);
        }
        self.attempts.fetch_add(1, Ordering::Relaxed);
        // Bounded by the connect timeout, the auth provider's calls included.
        let attempt = self.open(false, shard);
        // Dropping the attempt at shutdown closes its socket.
        tokio::select! {
            r = attempt => r,
            _ = shut.wait_for(|s| *s) => Err(Error::Shutdown),
        }
    }
}

/// `lifetime - jitter + share`, the share of `[0, 2 * jitter]` taken from the top 53 bits of
/// `hash` (uniform for a uniform hash).
fn jittered(lifetime: Duration, jitter: Duration, hash: u64) -> Duration {
    let span = jitter.as_nanos().saturating_mul(2);
    let share = (u128::from(hash >> 11) * span) >> 53;
    let share = Duration::from_nanos(u64::try_from(share).unwrap_or(u64::MAX));
    lifetime.saturating_add(share).saturating_sub(jitter)
}

/// Closes a connection that left the pool once no request is in flight on it (after
/// `patience` at the latest, at once when the pool shuts down).
async fn retire(
    conn: Connection,
    patience: Duration,
    mut shut: tokio::sync::watch::Receiver<bool>,
) {
    let idle = async {
        tokio::time::sleep(RETIRE_GRACE).await;
        let until = Instant::now() + patience;
        while conn.in_flight() > 0 && Instant::now() < until && !conn.is_closed() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        () = idle => conn.close("replaced by a new connection"),
        _ = shut.wait_for(|s| *s) => conn.close("session closed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_spread_over_the_whole_jitter_and_stay_inside_it() {
        let (l, j) = (Duration::from_secs(10), Duration::from_secs(2));
        assert_eq!(jittered(l, j, 0), Duration::from_secs(8));
        let top = jittered(l, j, u64::MAX);
        assert!(
            top <= Duration::from_secs(12) && top > Duration::from_millis(11_999),
            "{top:?}"
        );
        let seed = RandomState::new();
        let spread: Vec<Duration> = (0..1000_u32)
            .map(|i| jittered(l, j, seed.hash_one(i)))
            .collect();
        assert!(
            spread
                .iter()
                .all(|d| *d >= Duration::from_secs(8) && *d <= Duration::from_secs(12))
        );
        let low = spread.iter().filter(|d| **d < l).count();
        assert!(
            (300..=700).contains(&low),
            "{low} of 1000 below the lifetime"
        );
        assert_eq!(jittered(l, Duration::ZERO, 12345), l);
    }
}
