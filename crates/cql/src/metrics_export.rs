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
//! `Session::export_metrics`: the request path only records the histogram. Install the
//! recorder before connecting: handles are taken when the session starts. Labels given to
//! `ClusterBuilder::metrics_label` are added to every metric.

use std::net::SocketAddr;
use std::time::Duration;

use metrics::{Histogram, Label, Unit};

use crate::metrics::Metrics;

/// The histogram handle and the labels of one session.
pub(crate) struct Exported {
    duration: Histogram,
    labels: Vec<Label>,
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
        }
    }

    pub(crate) fn request_done(&self, latency: Duration) {
        self.duration.record(latency.as_secs_f64());
    }

    fn host_labels(&self, addr: SocketAddr) -> Vec<Label> {
        let mut l = self.labels.clone();
        l.push(Label::new("server.address", addr.ip().to_string()));
        l.push(Label::new("server.port", addr.port().to_string()));
        l
    }

    /// Publishes a snapshot, with each node's requests in flight.
    pub(crate) fn publish(&self, m: &Metrics, in_flight: &[(SocketAddr, usize)]) {
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
