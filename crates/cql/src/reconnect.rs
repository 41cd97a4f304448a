//! Storm-safe reconnection: how a pool that lost its node notices the node is back, and how
//! many pools may handshake with one node at once.
//!
//! - **Node-up detection without waiting for events.** A node's CQL port opens some seconds
//!   before the other nodes gossip it up (and before the control connection hears of it), and
//!   a pool that backed off for a long outage would wait out its back-off. So while the last
//!   attempt found the port closed (connection refused), the pool also probes the port with a
//!   bare TCP connect every [`PROBE_EVERY`] (plus jitter) and tries again as soon as it
//!   accepts. A refused connect costs the node nothing; a failed handshake (the port open,
//!   the node not ready, a wrong password) does not arm the probe, so it keeps the policy's
//!   back-off.
//! - **Spread.** Every pool that wakes up at once (an UP event, a port that opened) waits a
//!   random part of [`SPREAD`] first, so that the sessions of a process, and the pools of a
//!   session, do not handshake in lockstep.
//! - **Bounded handshakes per node.** Reconnection handshakes to one node, across every
//!   session of the process, hold one of [`HANDSHAKES_PER_NODE`] permits for at least
//!   [`MIN_HANDSHAKE_HOLD`]: at most `HANDSHAKES_PER_NODE / MIN_HANDSHAKE_HOLD` (20) start per
//!   second per node, however many sessions reconnect. First connections of a new session
//!   are not gated (that is the application's own pace).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// How often a pool whose node refused connections probes the node's port.
pub(crate) const PROBE_EVERY: Duration = Duration::from_millis(400);
/// Pools woken at once spread their attempts over this long.
pub(crate) const SPREAD: Duration = Duration::from_millis(200);
/// Reconnection handshakes in progress at once to one node, per process.
pub(crate) const HANDSHAKES_PER_NODE: usize = 4;
/// A handshake permit is held at least this long (bounds the rate, not only concurrency).
pub(crate) const MIN_HANDSHAKE_HOLD: Duration = Duration::from_millis(200);
/// For this long after its port reopened, a node's failed handshakes are retried every
/// [`RETURN_RETRY`] (plus jitter) instead of backing off: a restarted node opens its port
/// before it sees its peers up, and until then it cannot log anyone in (its `system_auth`
/// reads fail), which is no reason to wait out a long back-off.
pub(crate) const RETURN_WINDOW: Duration = Duration::from_secs(10);
/// See [`RETURN_WINDOW`].
pub(crate) const RETURN_RETRY: Duration = Duration::from_millis(300);
/// A probe that gets no answer in this time counts as "still closed".
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// A random duration in `0..max` (not for cryptography: spreading timers).
pub(crate) fn jitter(max: Duration) -> Duration {
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(random_u64() % max_ms)
}

/// A pseudo-random number, different on every call (std's per-process random hash keys over
/// a counter): for spreading, not for secrets.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// A pool's view of its node's port, from its last connection attempt.
#[derive(Debug, Default)]
pub(crate) struct PortWatch {
    /// The last attempt was refused: nothing listened.
    refused: AtomicBool,
    /// When the probe last saw the port open again.
    reopened: Mutex<Option<Instant>>,
}

impl PortWatch {
    /// Records the outcome of a connection attempt.
    pub(crate) fn note(&self, result: Result<(), &Error>) {
        let refused = matches!(result, Err(Error::Connect { source, .. })
            if source.kind() == std::io::ErrorKind::ConnectionRefused);
        self.refused.store(refused, Ordering::Relaxed);
    }

    /// Returns once `addr` accepts TCP connections again (then after a random part of
    /// [`SPREAD`]), when the last attempt was refused; otherwise never.
    pub(crate) async fn port_opens(&self, addr: SocketAddr) {
        if !self.refused.load(Ordering::Relaxed) {
            return std::future::pending().await;
        }
        loop {
            tokio::time::sleep(PROBE_EVERY + jitter(PROBE_EVERY / 2)).await;
            let probe = tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(addr));
            if let Ok(Ok(stream)) = probe.await {
                drop(stream);
                tracing::debug!(%addr, "the node's port accepts connections again");
                if let Ok(mut at) = self.reopened.lock() {
                    *at = Some(Instant::now());
                }
                tokio::time::sleep(jitter(SPREAD)).await;
                return;
            }
        }
    }
}

impl PortWatch {
    /// The wait before the next attempt while the node's port reopened recently (see
    /// [`RETURN_WINDOW`]); `None` otherwise.
    pub(crate) fn retry_soon(&self) -> Option<Duration> {
        let at = self.reopened.lock().ok().and_then(|a| *a)?;
        (at.elapsed() < RETURN_WINDOW).then(|| RETURN_RETRY + jitter(RETURN_RETRY))
    }
}

/// Permission to handshake with a node; released [`MIN_HANDSHAKE_HOLD`] after it was taken
/// at the earliest.
#[derive(Debug)]
pub(crate) struct HandshakePermit {
    permit: Option<OwnedSemaphorePermit>,
    taken: Instant,
}

impl Drop for HandshakePermit {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let left = MIN_HANDSHAKE_HOLD.saturating_sub(self.taken.elapsed());
        if left.is_zero() {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                tokio::time::sleep(left).await;
                drop(permit);
            });
        }
    }
}

/// Waits for a handshake permit for `addr` (shared by every session of the process).
pub(crate) async fn handshake_permit(addr: SocketAddr) -> HandshakePermit {
    static GATES: OnceLock<Mutex<HashMap<SocketAddr, Arc<Semaphore>>>> = OnceLock::new();
    let gate = {
        let map = GATES.get_or_init(|| Mutex::new(HashMap::new()));
        match map.lock() {
            Ok(mut m) => Arc::clone(
                m.entry(addr)
                    .or_insert_with(|| Arc::new(Semaphore::new(HANDSHAKES_PER_NODE))),
            ),
            // A panic elsewhere poisoned the map: no gate rather than no reconnection.
            Err(_) => Arc::new(Semaphore::new(HANDSHAKES_PER_NODE)),
        }
    };
    // The semaphore is never closed.
    let permit = gate.acquire_owned().await.ok();
    HandshakePermit {
        permit,
        taken: Instant::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_below_its_bound_and_varies() {
        let max = Duration::from_millis(200);
        let all: Vec<Duration> = (0..64).map(|_| jitter(max)).collect();
        assert!(all.iter().all(|d| *d < max), "{all:?}");
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert!(distinct.len() > 8, "{all:?}");
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    /// However many callers want to handshake with one node, at most
    /// HANDSHAKES_PER_NODE start in any MIN_HANDSHAKE_HOLD.
    #[tokio::test]
    async fn handshakes_to_one_node_are_rate_bounded() {
        // Documentation addresses: no other test gates on them.
        let addr: SocketAddr = "192.0.2.1:9042".parse().expect("addr");
        let t0 = Instant::now();
        let starts = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let starts = Arc::clone(&starts);
                tokio::spawn(async move {
                    let _p = handshake_permit(addr).await;
                    starts.lock().expect("lock").push(t0.elapsed());
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let mut starts = starts.lock().expect("lock").clone();
        starts.sort();
        // 12 handshakes through 4 permits held 200 ms each: three waves.
        assert!(
            starts[HANDSHAKES_PER_NODE * 2] >= MIN_HANDSHAKE_HOLD * 2,
            "{starts:?}"
        );
        // Another node has its own permits.
        let other: SocketAddr = "192.0.2.2:9042".parse().expect("addr");
        let t1 = Instant::now();
        let _p = handshake_permit(other).await;
        assert!(t1.elapsed() < MIN_HANDSHAKE_HOLD, "{:?}", t1.elapsed());
    }

    #[tokio::test]
    async fn only_a_refused_port_is_probed() {
        let w = PortWatch::default();
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        // Not armed: never returns.
        let r = tokio::time::timeout(Duration::from_millis(700), w.port_opens(addr)).await;
        assert!(r.is_err());
        // Armed by a refusal; a listener on the port ends the wait.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let open = listener.local_addr().expect("addr");
        w.note(Err(&Error::Connect {
            addr: open,
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        }));
        let r = tokio::time::timeout(Duration::from_secs(10), w.port_opens(open)).await;
        assert!(r.is_ok(), "the open port was not noticed");
        // Handshakes to a node that just came back are retried soon.
        let soon = w.retry_soon().expect("in the return window");
        assert!(soon < RETURN_RETRY * 2, "{soon:?}");
        w.note(Ok(()));
        let r = tokio::time::timeout(Duration::from_millis(700), w.port_opens(open)).await;
        assert!(r.is_err(), "a working node is not probed");
    }
}
