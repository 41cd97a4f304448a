//! A load-balancing policy that learns from latency: nodes much slower than the fastest go
//! to the end of query plans, for a while.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{HostDistance, LoadBalancingPolicy, RequestInfo};
use crate::metadata::{ClusterMetadata, Host};

/// Wraps any policy and moves the nodes that answer much more slowly than the fastest one to
/// the end of its query plans (they are still tried when the others fail).
///
/// Each node's latency is a moving average of its attempts' latencies (answers and timeouts;
/// connection failures say nothing about speed), fed by the session through
/// [`LoadBalancingPolicy::on_attempt`]. A node is moved back when its average is more than
/// [`exclusion_threshold`](Self::with_exclusion_threshold) times the best average and
/// slower than it by at least [`minimum_difference`](Self::with_minimum_difference) (1 ms:
/// sub-millisecond averages differ by more than twice from noise alone on a busy host),
/// once it has [`minimum_measurements`](Self::with_minimum_measurements). A node moved back gets
/// little traffic, so little news: after [`retry_period`](Self::with_retry_period) without a
/// measurement its figures are forgotten and it takes its turn again, to be judged afresh.
pub struct LatencyAwarePolicy<P> {
    child: P,
    exclusion_threshold: f64,
    /// In microseconds.
    minimum_difference: f64,
    retry_period: Duration,
    minimum_measurements: u32,
    smoothing: f64,
    stats: Mutex<HashMap<SocketAddr, Stats>>,
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    /// Moving average, in microseconds.
    average: f64,
    measurements: u32,
    last: Instant,
}

impl<P: std::fmt::Debug> std::fmt::Debug for LatencyAwarePolicy<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyAwarePolicy")
            .field("child", &self.child)
            .field("exclusion_threshold", &self.exclusion_threshold)
            .field("minimum_difference_us", &self.minimum_difference)
            .field("retry_period", &self.retry_period)
            .field("minimum_measurements", &self.minimum_measurements)
            .finish_non_exhaustive()
    }
}

impl<P: LoadBalancingPolicy> LatencyAwarePolicy<P> {
    /// Wraps `child`: threshold 2 (twice the best average) and at least 1 ms slower, retry
    /// period 10 s, 50 measurements before a node is judged, each new latency weighing 10%
    /// of the average.
    pub fn new(child: P) -> Self {
        LatencyAwarePolicy {
            child,
            exclusion_threshold: 2.0,
            minimum_difference: 1_000.0,
            retry_period: Duration::from_secs(10),
            minimum_measurements: 50,
            smoothing: 0.1,
            stats: Mutex::new(HashMap::new()),
        }
    }

    /// How many times slower than the best average a node must be to be moved back (at
    /// least 1).
    #[must_use]
    pub fn with_exclusion_threshold(mut self, threshold: f64) -> Self {
        self.exclusion_threshold = if threshold.is_finite() {
            threshold.max(1.0)
        } else {
            2.0
        };
        self
    }

    /// How much slower than the best average a node must be, at least, to be moved back.
    #[must_use]
    pub fn with_minimum_difference(mut self, difference: Duration) -> Self {
        self.minimum_difference = difference.as_secs_f64() * 1e6;
        self
    }

    /// How long a node's figures count without a new measurement.
    #[must_use]
    pub fn with_retry_period(mut self, period: Duration) -> Self {
        self.retry_period = period;
        self
    }

    /// Measurements a node needs before it can be moved back (at least 1).
    #[must_use]
    pub fn with_minimum_measurements(mut self, n: u32) -> Self {
        self.minimum_measurements = n.max(1);
        self
    }

    /// The weight of each new latency in the moving average, between 0 (exclusive) and 1.
    #[must_use]
    pub fn with_smoothing(mut self, weight: f64) -> Self {
        if weight > 0.0 && weight <= 1.0 {
            self.smoothing = weight;
        }
        self
    }

    /// The average latency of a node and how many measurements it rests on, while they
    /// count (for monitoring and tests).
    pub fn average(&self, host: SocketAddr) -> Option<(Duration, u32)> {
        let stats = self.stats.lock().ok()?;
        let s = stats.get(&host)?;
        (s.last.elapsed() <= self.retry_period)
            .then(|| (Duration::from_micros(s.average as u64), s.measurements))
    }

    fn judged(&self, s: &Stats, now: Instant) -> bool {
        s.measurements >= self.minimum_measurements
            && now.saturating_duration_since(s.last) <= self.retry_period
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for LatencyAwarePolicy<P> {
    fn distance(&self, host: &Host, cluster: &ClusterMetadata) -> HostDistance {
        self.child.distance(host, cluster)
    }

    fn query_plan(&self, request: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        let mut plan = Vec::with_capacity(cluster.hosts().len());
        self.query_plan_into(request, cluster, &mut plan);
        plan
    }

    fn query_plan_into(
        &self,
        request: &RequestInfo<'_>,
        cluster: &ClusterMetadata,
        plan: &mut Vec<Arc<Host>>,
    ) {
        let start = plan.len();
        self.child.query_plan_into(request, cluster, plan);
        let Ok(stats) = self.stats.lock() else {
            return;
        };
        let now = Instant::now();
        let best = stats
            .values()
            .filter(|s| self.judged(s, now))
            .map(|s| s.average)
            .reduce(f64::min);
        let Some(best) = best else {
            return;
        };
        let limit = (best * self.exclusion_threshold).max(best + self.minimum_difference);
        let slow = |h: &Arc<Host>| {
            stats
                .get(&h.address())
                .is_some_and(|s| self.judged(s, now) && s.average > limit)
        };
        if !plan[start..].iter().any(slow) {
            return;
        }
        let mut moved = Vec::new();
        let mut kept = start;
        for i in start..plan.len() {
            if slow(&plan[i]) {
                moved.push(Arc::clone(&plan[i]));
            } else {
                plan.swap(kept, i);
                kept += 1;
            }
        }
        plan.truncate(kept);
        plan.extend(moved);
    }

    fn on_attempt(&self, host: SocketAddr, latency: Duration, result: Result<(), &crate::Error>) {
        self.child.on_attempt(host, latency, result);
        let measured = match result {
            Ok(()) => true,
            Err(crate::Error::Server { .. } | crate::Error::Timeout { .. }) => true,
            Err(_) => false,
        };
        if !measured {
            return;
        }
        let micros = latency.as_secs_f64() * 1e6;
        let now = Instant::now();
        let Ok(mut stats) = self.stats.lock() else {
            return;
        };
        let s = stats.entry(host).or_insert(Stats {
            average: micros,
            measurements: 0,
            last: now,
        });
        if now.saturating_duration_since(s.last) > self.retry_period {
            // Stale: judged afresh.
            s.average = micros;
            s.measurements = 0;
        }
        s.average += (micros - s.average) * self.smoothing;
        s.measurements = s.measurements.saturating_add(1);
        s.last = now;
    }
}

#[cfg(test)]
#[path = "latency_aware_tests.rs"]
mod tests;
