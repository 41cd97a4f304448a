//! The `metrics` feature against the real server: a recorder installed by the test receives
//! the latency histogram and the per-node counters, counts exact.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use cql::ProtocolVersion;
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

use crate::common::{REQUEST_TIMEOUT, builder};

/// One metric: a counter's value, a gauge's (as bits) or a histogram's samples.
#[derive(Default)]
struct Store {
    value: AtomicU64,
    samples: Mutex<Vec<f64>>,
}

impl CounterFn for Store {
    fn increment(&self, v: u64) {
        self.value.fetch_add(v, Ordering::Relaxed);
    }
    fn absolute(&self, v: u64) {
        self.value.fetch_max(v, Ordering::Relaxed);
    }
}

impl GaugeFn for Store {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, v: f64) {
        self.value.store(v.to_bits(), Ordering::Relaxed);
    }
}

impl HistogramFn for Store {
    fn record(&self, v: f64) {
        self.samples.lock().expect("lock").push(v);
    }
}

/// Metrics by name and sorted labels (`name{k=v,...}`).
#[derive(Default)]
struct TestRecorder {
    metrics: Mutex<HashMap<String, Arc<Store>>>,
}

fn id(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl TestRecorder {
    fn store(&self, key: &Key) -> Arc<Store> {
        Arc::clone(
            self.metrics
                .lock()
                .expect("lock")
                .entry(id(key))
                .or_default(),
        )
    }

    fn get(&self, id: &str) -> Option<Arc<Store>> {
        self.metrics.lock().expect("lock").get(id).cloned()
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.store(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.store(key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.store(key))
    }
}

/// The recorder of the test binary (installed once; tests tell their sessions apart by a
/// label of their own).
fn recorder() -> &'static TestRecorder {
    static R: OnceLock<&'static TestRecorder> = OnceLock::new();
    R.get_or_init(|| {
        let r: &'static TestRecorder = Box::leak(Box::default());
        metrics::set_global_recorder(r).expect("the only recorder of this binary");
        r
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorder_gets_the_latency_histogram_and_per_host_counters_exactly() {
    let rec = recorder();
    let session = builder(ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .metrics_label("test", "metrics-1000")
        .metrics_export_interval(None)
        .request_timeout(REQUEST_TIMEOUT)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let stmt = session
        .prepare("SELECT release_version FROM system.local")
        .await
        .expect("prepare");
    let histogram = "db.client.operation.duration{db.system.name=cassandra,test=metrics-1000}";
    let before = rec
        .get(histogram)
        .map_or(0, |s| s.samples.lock().expect("lock").len());
    session.export_metrics();
    let host = session.pool_state()[0].0;
    let host_id = format!(
        "cql.host.requests{{server.address={},server.port={},test=metrics-1000}}",
        host.ip(),
        host.port()
    );
    let requests_before = rec
        .get(&host_id)
        .map_or(0, |s| s.value.load(Ordering::Relaxed));
    for _ in 0..1000 {
        session.execute(&stmt, ()).await.expect("select");
    }
    session.export_metrics();
    let samples = rec
        .get(histogram)
        .expect("the histogram")
        .samples
        .lock()
        .expect("lock")
        .clone();
    assert_eq!(samples.len() - before, 1000, "one latency per request");
    assert!(
        samples[before..].iter().all(|&s| s > 0.0 && s < 60.0),
        "latencies in seconds"
    );
    let requests = rec
        .get(&host_id)
        .expect("the node's counter")
        .value
        .load(Ordering::Relaxed);
    assert_eq!(requests - requests_before, 1000, "{host_id}");
    let total = rec
        .get("cql.requests{test=metrics-1000}")
        .expect("the session's counter")
        .value
        .load(Ordering::Relaxed);
    assert_eq!(total, 1000 + before as u64);
    let open = format!(
        "db.client.connection.count{{server.address={},server.port={},test=metrics-1000}}",
        host.ip(),
        host.port()
    );
    let open = f64::from_bits(rec.get(&open).expect("gauge").value.load(Ordering::Relaxed));
    assert!(open >= 1.0, "open connections: {open}");
    session.shutdown().await;
}
