//! Session counters (the reference driver's `cassandra.metrics`), readable as a snapshot.
//!
//! Latency histograms, per-host figures and speculative executions arrive with the cluster
//! layer; these are the counters the session itself maintains.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of a session; cheap to update from any task.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) reprepares: AtomicU64,
    pub(crate) retries_on_next_host: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, connection_attempts: u64, open_connections: usize) -> Metrics {
        Metrics {
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            reprepares: self.reprepares.load(Ordering::Relaxed),
            retries_on_next_host: self.retries_on_next_host.load(Ordering::Relaxed),
            connection_attempts,
            open_connections,
        }
    }
}

/// A snapshot of a session's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// Statements executed (each page and each batch counts once).
    pub requests: u64,
    /// Statements that ended in an error.
    pub errors: u64,
    /// Attempts that timed out on the client side.
    pub timeouts: u64,
    /// Statements re-prepared after a node answered UNPREPARED.
    pub reprepares: u64,
    /// Attempts moved to the next node after a connection failure.
    pub retries_on_next_host: u64,
    /// Connection attempts made by all pools (including the failed ones).
    pub connection_attempts: u64,
    /// Connections open now.
    pub open_connections: usize,
}
