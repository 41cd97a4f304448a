//! Session metrics (the reference driver's `cassandra.metrics`): request latency histogram,
//! counts of requests, errors by kind, retries, speculative executions, timeouts, and per-node
//! figures. Read a [`Metrics`] snapshot with `Session::metrics`; [`Metrics::emit`] (and the
//! periodic emission set by `ClusterBuilder::metrics_interval`) writes it to `tracing`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::error::{Error, ServerErrorKind};

/// Exact buckets below this many microseconds.
const LINEAR: u64 = 16;
/// Sub-buckets per power of two above `LINEAR` (relative error below 1/16).
const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
/// Powers of two covered: up to 2^40 µs (about 12.7 days); larger values land in the last one.
const MAX_EXP: u32 = 40;
const BUCKETS: usize = LINEAR as usize + (MAX_EXP - SUB_BITS) as usize * SUB;

/// Hot figures are kept in this many stripes, one per thread (modulo), so that worker threads
/// recording at once do not fight over the same cache lines; reads add the stripes up.
const STRIPES: usize = 8;

/// The stripe of the current thread.
fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    MINE.try_with(|s| *s).unwrap_or(0)
}

/// An atomic counter on a cache line of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

/// A counter split over [`STRIPES`] cache lines.
#[derive(Debug, Default)]
pub(crate) struct StripedCounter([Padded; STRIPES]);

impl StripedCounter {
    pub(crate) fn bump(&self) {
        self.0[stripe()].0.fetch_add(1, Ordering::Relaxed);
    }

    fn load(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Ordering::Relaxed)).sum()
    }
}

/// One stripe of a [`Histogram`] (its count is the sum of its buckets).
#[repr(align(128))]
struct HistogramStripe {
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
    max: AtomicU64,
}

/// A lock-free latency histogram in microseconds: log-linear buckets (16 per power of two),
/// so every percentile read from it is within 6.25% of the recorded value. Striped by thread.
pub(crate) struct Histogram {
    stripes: Box<[HistogramStripe]>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            stripes: (0..STRIPES)
                .map(|_| HistogramStripe {
                    buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
                    sum: AtomicU64::new(0),
                    max: AtomicU64::new(0),
                })
                .collect(),
        }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count: u64 = self
            .stripes
            .iter()
            .flat_map(|s| s.buckets.iter())
            .map(|b| b.load(Ordering::Relaxed))
            .sum();
        f.debug_struct("Histogram")
            .field("count", &count)
            .finish_non_exhaustive()
    }
}

fn bucket_of(micros: u64) -> usize {
    if micros < LINEAR {
        return micros as usize;
    }
    let exp = (63 - micros.leading_zeros()).min(MAX_EXP - 1);
    if exp >= MAX_EXP - 1 && micros >= 1 << MAX_EXP {
        return BUCKETS - 1;
    }
    let sub = ((micros >> (exp - SUB_BITS)) as usize) & (SUB - 1);
    LINEAR as usize + (exp - SUB_BITS) as usize * SUB + sub
}

/// The largest value that falls in bucket `i`.
fn bucket_high(i: usize) -> u64 {
    if i < LINEAR as usize {
        return i as u64;
    }
    let j = i - LINEAR as usize;
    let exp = (j / SUB) as u32 + SUB_BITS;
    let sub = (j % SUB) as u64;
    let low = (1u64 << exp) + (sub << (exp - SUB_BITS));
    low + (1u64 << (exp - SUB_BITS)) - 1
}

impl Histogram {
    pub(crate) fn record(&self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let s = &self.stripes[stripe()];
        s.buckets[bucket_of(micros)].fetch_add(1, Ordering::Relaxed);
        s.sum.fetch_add(micros, Ordering::Relaxed);
        s.max.fetch_max(micros, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> LatencySnapshot {
        let mut counts = vec![0u64; BUCKETS];
        let (mut sum, mut max) = (0u64, 0u64);
        for s in self.stripes.iter() {
            for (c, b) in counts.iter_mut().zip(s.buckets.iter()) {
                *c += b.load(Ordering::Relaxed);
            }
            sum = sum.saturating_add(s.sum.load(Ordering::Relaxed));
            max = max.max(s.max.load(Ordering::Relaxed));
        }
        let total: u64 = counts.iter().sum();
        let at = |q: f64| -> Duration {
            if total == 0 {
                return Duration::ZERO;
            }
            let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return Duration::from_micros(bucket_high(i).min(max));
                }
            }
            Duration::from_micros(max)
        };
        LatencySnapshot {
            count: total,
            mean: Duration::from_micros(sum.checked_div(total).unwrap_or(0)),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
            max: Duration::from_micros(max),
        }
    }
}

/// Request latencies (client side, from the call to the answer, retries included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LatencySnapshot {
    /// Requests measured.
    pub count: u64,
    /// Mean latency.
    pub mean: Duration,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
    /// Largest latency seen.
    pub max: Duration,
}

/// Counters of one node.
#[derive(Debug, Default)]
pub(crate) struct HostCounters {
    requests: StripedCounter,
    errors: AtomicU64,
}

/// Live counters of a session; cheap to update from any task.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: StripedCounter,
    pub(crate) errors: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) reprepares: AtomicU64,
    pub(crate) prepares: AtomicU64,
    pub(crate) prepared_on_other_nodes: AtomicU64,
    pub(crate) retries_on_next_host: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) ignores: AtomicU64,
    pub(crate) speculative_executions: AtomicU64,
    read_timeouts: AtomicU64,
    write_timeouts: AtomicU64,
    unavailables: AtomicU64,
    connection_errors: AtomicU64,
    other_errors: AtomicU64,
    pub(crate) latency: Histogram,
    /// Looked up on every attempt: a lock-free snapshot (replaced when a node is first seen)
    /// and a fast hasher (the addresses come from the cluster).
    per_host: ArcSwap<HostMap>,
}

type HostMap = HashMap<SocketAddr, Arc<HostCounters>, rustc_hash::FxBuildHasher>;

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn host(&self, addr: SocketAddr) -> Arc<HostCounters> {
        if let Some(h) = self.per_host.load().get(&addr) {
            return Arc::clone(h);
        }
        let mut found = None;
        self.per_host.rcu(|m| {
            let mut m = HostMap::clone(m);
            found = Some(Arc::clone(m.entry(addr).or_default()));
            m
        });
        found.unwrap_or_default()
    }

    /// Runs `f` on the counters of `addr` (no reference count taken when the node is known).
    fn with_host(&self, addr: SocketAddr, f: impl Fn(&HostCounters)) {
        if let Some(h) = self.per_host.load().get(&addr) {
            f(h);
            return;
        }
        f(&self.host(addr));
    }

    /// An attempt was sent to `addr`.
    pub(crate) fn attempt_on(&self, addr: SocketAddr) {
        self.with_host(addr, |h| h.requests.bump());
    }

    /// An attempt on `addr` failed with `e` (whether or not it is retried).
    pub(crate) fn attempt_failed(&self, addr: SocketAddr, e: &Error) {
        self.with_host(addr, |h| Self::bump(&h.errors));
        let kind = match e {
            Error::Timeout { .. } => &self.timeouts,
            Error::Server { error, .. } => match error.kind {
                ServerErrorKind::ReadTimeout { .. } => &self.read_timeouts,
                ServerErrorKind::WriteTimeout { .. } => &self.write_timeouts,
                ServerErrorKind::Unavailable { .. } => &self.unavailables,
                _ => &self.other_errors,
            },
            e if e.is_connection() => &self.connection_errors,
            _ => &self.other_errors,
        };
        Self::bump(kind);
    }

    pub(crate) fn snapshot(&self, pools: Vec<(SocketAddr, usize, u64)>) -> Metrics {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut hosts: Vec<HostMetrics> = pools
            .iter()
            .map(|&(address, open, attempts)| {
                let h = self.host(address);
                HostMetrics {
                    address,
                    requests: h.requests.load(),
                    errors: load(&h.errors),
                    open_connections: open,
                    connection_attempts: attempts,
                }
            })
            .collect();
        // Nodes that served requests but have no pool any more.
        for (addr, h) in self.per_host.load().iter() {
            if !hosts.iter().any(|x| x.address == *addr) {
                hosts.push(HostMetrics {
                    address: *addr,
                    requests: h.requests.load(),
                    errors: load(&h.errors),
                    open_connections: 0,
                    connection_attempts: 0,
                });
            }
        }
        hosts.sort_by_key(|h| h.address);
        Metrics {
            requests: self.requests.load(),
            errors: load(&self.errors),
            timeouts: load(&self.timeouts),
            read_timeouts: load(&self.read_timeouts),
            write_timeouts: load(&self.write_timeouts),
            unavailables: load(&self.unavailables),
            connection_errors: load(&self.connection_errors),
            other_errors: load(&self.other_errors),
            reprepares: load(&self.reprepares),
            prepares: load(&self.prepares),
            prepared_on_other_nodes: load(&self.prepared_on_other_nodes),
            reprepared_on_up: 0,
            retries: load(&self.retries),
            retries_on_next_host: load(&self.retries_on_next_host),
            ignores: load(&self.ignores),
            speculative_executions: load(&self.speculative_executions),
            connection_attempts: pools.iter().map(|p| p.2).sum(),
            open_connections: pools.iter().map(|p| p.1).sum(),
            latency: self.latency.snapshot(),
            hosts,
        }
    }
}

/// Figures of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostMetrics {
    /// The node.
    pub address: SocketAddr,
    /// Attempts sent to this node as coordinator (speculative ones and retries included).
    pub requests: u64,
    /// Attempts on this node that failed (server errors, timeouts, connection failures).
    pub errors: u64,
    /// Connections open to the node now.
    pub open_connections: usize,
    /// Connection attempts made to the node (failed ones included).
    pub connection_attempts: u64,
}

/// A snapshot of a session's metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// Statements executed (each page and each batch counts once).
    pub requests: u64,
    /// Statements that ended in an error returned to the caller.
    pub errors: u64,
    /// Attempts that timed out on the client side.
    pub timeouts: u64,
    /// Attempts answered with READ_TIMEOUT.
    pub read_timeouts: u64,
    /// Attempts answered with WRITE_TIMEOUT.
    pub write_timeouts: u64,
    /// Attempts answered with UNAVAILABLE.
    pub unavailables: u64,
    /// Attempts that failed because the connection failed or was busy.
    pub connection_errors: u64,
    /// Attempts that failed with any other error.
    pub other_errors: u64,
    /// Statements re-prepared after a node answered UNPREPARED.
    pub reprepares: u64,
    /// Successful `prepare` calls (each prepares on one node, or on all that are up).
    pub prepares: u64,
    /// PREPAREs sent to the other nodes that were up (`prepare_on_all_hosts`).
    pub prepared_on_other_nodes: u64,
    /// Statements prepared on nodes that came back or joined, before they took requests
    /// (`reprepare_on_up`).
    pub reprepared_on_up: u64,
    /// Attempts repeated because the retry policy said so (same or next node).
    pub retries: u64,
    /// Attempts moved to the next node (after a connection failure or a retry decision).
    pub retries_on_next_host: u64,
    /// Errors the retry policy chose to ignore (the caller got an empty result).
    pub ignores: u64,
    /// Speculative executions started.
    pub speculative_executions: u64,
    /// Connection attempts made by all pools (including the failed ones).
    pub connection_attempts: u64,
    /// Connections open now.
    pub open_connections: usize,
    /// Latency of statements (successful or not).
    pub latency: LatencySnapshot,
    /// Per node, by address.
    pub hosts: Vec<HostMetrics>,
}

impl Metrics {
    /// The figures of one node.
    pub fn host(&self, address: SocketAddr) -> Option<&HostMetrics> {
        self.hosts.iter().find(|h| h.address == address)
    }

    /// Writes the snapshot to `tracing` (target `cql::metrics`, level INFO): one event for the
    /// session, one per node.
    pub fn emit(&self) {
        let l = &self.latency;
        tracing::info!(
            target: "cql::metrics",
            requests = self.requests,
            errors = self.errors,
            timeouts = self.timeouts,
            read_timeouts = self.read_timeouts,
            write_timeouts = self.write_timeouts,
            unavailables = self.unavailables,
            connection_errors = self.connection_errors,
            retries = self.retries,
            speculative_executions = self.speculative_executions,
            open_connections = self.open_connections,
            p50_us = l.p50.as_micros() as u64,
            p95_us = l.p95.as_micros() as u64,
            p99_us = l.p99.as_micros() as u64,
            max_us = l.max.as_micros() as u64,
            "session metrics"
        );
        for h in &self.hosts {
            tracing::info!(
                target: "cql::metrics",
                host = %h.address,
                requests = h.requests,
                errors = h.errors,
                open_connections = h.open_connections,
                connection_attempts = h.connection_attempts,
                "node metrics"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = 0;
        for v in (0..100_000u64).chain([1 << 20, (1 << 39) + 12345, u64::MAX]) {
            let b = bucket_of(v);
            assert!(b < BUCKETS, "{v}");
            assert!(b >= last || v > 100_000, "bucket order at {v}");
            last = b;
            if v < 1 << MAX_EXP {
                let high = bucket_high(b);
                assert!(high >= v, "{v} above its bucket's bound {high}");
                assert!(high - v <= v / 16, "{v}: bound {high} too loose");
            }
        }
    }

    #[test]
    fn percentiles() {
        let h = Histogram::default();
        for ms in 1..=1000u64 {
            h.record(Duration::from_micros(ms * 1000));
        }
        let s = h.snapshot();
        assert_eq!(s.count, 1000);
        assert_eq!(s.max, Duration::from_millis(1000));
        let near = |d: Duration, want_ms: u64| {
            let got = d.as_micros() as f64 / 1000.0;
            assert!(
                (got - want_ms as f64).abs() <= want_ms as f64 / 16.0,
                "{got} ms, want about {want_ms}"
            );
        };
        near(s.p50, 500);
        near(s.p95, 950);
        near(s.p99, 990);
        near(s.p999, 999);
        near(s.mean, 500);
        assert_eq!(Histogram::default().snapshot(), LatencySnapshot::default());
    }
}
