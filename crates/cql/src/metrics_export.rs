//! The session's metrics through the [`metrics`] facade (cargo feature `metrics`), so that any
//! exporter (Prometheus, OpenTelemetry, ...) gets them:
//!
//! - `db.client.operation.duration` (histogram, seconds): every request's latency, recorded
//!   as it ends, labelled `db.system.name = cassandra`.
//! - Counters of the session (`cql.requests`, `cql.errors`, `cql.timeouts`,
//!   `cql.read_timeouts`, `cql.write_timeouts`, `cql.unavailables`, `cql.connection_errors`,
//!   `cql.other_errors`, `cql.retries`, `cql.retries_on_next_host`, `cql.ignores`,
//!   `cql.speculative_executions`, `cql.reprepares`, `cql.prepares`) and of each node
//!   (`cql.host.requests`, `cql.host.errors`, `cql.host.connection_attempts`, labelled
//!   `server.address` and `server.port`).
//! - Gauges of each node's pool: `db.client.connection.count` (open connections) and
//!   `cql.host.in_flight` (requests waiting for an answer).
//!
//! Counters and gauges are published from the session's snapshot every
//! `ClusterBuilder::metrics_export_interval` (default 1 s) and on
//! `Session::export_metrics`. The request path does not call the recorder at all: it keeps
//! each latency in a bounded buffer (100,000 samples; past that, samples are dropped with one
//! warning) that the export hands to the histogram, so a slow recorder slows the export,
//! never a request. Install the
//! recorder before connecting: handles are taken when the session starts. Labels given to
//! `ClusterBuilder::metrics_label` are added to every metric.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics::{Histogram, Label, Unit};

use crate::metrics::Metrics;

/// Latencies kept between two exports, at most.
const MAX_PENDING: usize = 100_000;

/// The histogram handle and the labels of one session.
pub(crate) struct Exported {
    duration: Histogram,
    labels: Vec<Label>,
    /// Latencies (seconds) of the requests that ended since the last export.
    pending: Mutex<Vec<f64>>,
    /// One export at a time (an export returns once every sample before it is recorded).
    exporting: Mutex<()>,
    /// Whether samples were dropped (warned once).
    dropped: AtomicBool,
}

impl std::fmt::Debug for Exported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exported")
            .field("labels", &self.labels.len())
            .finish_non_exhaustive()
    }
}

/// The name of the request latency histogram (OpenTelemetry's database client metric).
pub const OPERATION_DURATION: &str = "db.client.operation.duration";

impl Exported {
    pub(crate) fn new(labels: &[(String, String)]) -> Self {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(k.clone(), v.clone()))
            .collect();
        metrics::describe_histogram!(
            OPERATION_DURATION,
            Unit::Seconds,
            "Duration of database client operations."
        );
        let mut l = labels.clone();
        l.push(Label::new("db.system.name", "cassandra"));
        Exported {
            duration: metrics::histogram!(OPERATION_DURATION, l),
            labels,
            pending: Mutex::new(Vec::new()),
            exporting: Mutex::new(()),
            dropped: AtomicBool::new(false),
        }
    }

    /// Keeps a request's latency for the next export.
    pub(crate) fn request_done(&self, latency: Duration) {
        if let Ok(mut p) = self.pending.lock() {
            if p.len() < MAX_PENDING {
                p.push(latency.as_secs_f64());
                return;
            }
        }
        if !self.dropped.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "request latencies are arriving faster than the metrics export takes them \
                 (a slow recorder?): samples are dropped until it catches up"
            );
        }
    }

    /// Hands the kept latencies to the histogram.
    fn flush(&self) {
        let _one = self.exporting.lock();
        let batch = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => return,
        };
        for s in batch {
            self.duration.record(s);
        }
    }

    fn host_labels(&self, addr: SocketAddr) -> Vec<Label> {
        let mut l = self.labels.clone();
        l.push(Label::new("server.address", addr.ip().to_string()));
        l.push(Label::new("server.port", addr.port().to_string()));
        l
    }

    /// Publishes a snapshot, with each node's requests in flight.
    pub(crate) fn publish(&self, m: &Metrics, in_flight: &[(SocketAddr, usize)]) {
        self.flush();
        let session = [
            ("cql.requests", m.requests),
            ("cql.errors", m.errors),
            ("cql.timeouts", m.timeouts),
            ("cql.read_timeouts", m.read_timeouts),
            ("cql.write_timeouts", m.write_timeouts),
            ("cql.unavailables", m.unavailables),
            ("cql.connection_errors", m.connection_errors),
            ("cql.other_errors", m.other_errors),
            ("cql.retries", m.retries),
            ("cql.retries_on_next_host", m.retries_on_next_host),
            ("cql.ignores", m.ignores),
            ("cql.speculative_executions", m.speculative_executions),
            ("cql.reprepares", m.reprepares),
            ("cql.prepares", m.prepares),
        ];
        for (name, v) in session {
            metrics::counter!(name, self.labels.clone()).absolute(v);
        }
        for h in &m.hosts {
            let l = self.host_labels(h.address);
            metrics::counter!("cql.host.requests", l.clone()).absolute(h.requests);
            metrics::counter!("cql.host.errors", l.clone()).absolute(h.errors);
            metrics::counter!("cql.host.connection_attempts", l.clone())
                .absolute(h.connection_attempts);
            metrics::gauge!("db.client.connection.count", l).set(h.open_connections as f64);
        }
        for &(addr, n) in in_flight {
            metrics::gauge!("cql.host.in_flight", self.host_labels(addr)).set(n as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    use metrics::{Counter, Gauge, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString};

    use super::*;

    /// A recorder whose histogram takes 50 ms per sample.
    #[derive(Default)]
    struct Slow(Arc<AtomicUsize>);

    impl HistogramFn for Slow {
        fn record(&self, _: f64) {
            std::thread::sleep(Duration::from_millis(50));
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl Recorder for Slow {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::noop()
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(Slow(Arc::clone(&self.0))))
        }
    }

    #[test]
    fn a_slow_recorder_slows_the_export_not_the_requests() {
        let recorder = Slow::default();
        let recorded = Arc::clone(&recorder.0);
        let exported = metrics::with_local_recorder(&recorder, || Exported::new(&[]));
        let t = Instant::now();
        for _ in 0..40 {
            exported.request_done(Duration::from_millis(3));
        }
        // Recording 40 samples takes 2 s; keeping them, microseconds.
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        assert_eq!(recorded.load(Ordering::Relaxed), 0);
        exported.flush();
        assert_eq!(
            recorded.load(Ordering::Relaxed),
            40,
            "every sample, at the export"
        );
    }

    #[test]
    fn past_the_bound_samples_are_dropped_not_queued() {
        let exported = Exported::new(&[]);
        for _ in 0..MAX_PENDING + 10 {
            exported.request_done(Duration::from_millis(1));
        }
        assert_eq!(exported.pending.lock().expect("lock").len(), MAX_PENDING);
        assert!(exported.dropped.load(Ordering::Relaxed));
    }
}
