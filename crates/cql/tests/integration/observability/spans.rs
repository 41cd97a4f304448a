//! The request and attempt spans through the `opentelemetry` feature's layer, into an
//! in-memory exporter.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;

use cql::policies::FallthroughRetryPolicy;
use cql::{SimpleStatement, telemetry};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing::subscriber::DefaultGuard;
use tracing::{Dispatch, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry;

use super::{InOrder, builder, start_node};

fn attrs(span: &SpanData) -> HashMap<String, String> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned()))
        .collect()
}

/// Sets `subscriber` as this thread's. tracing-core (0.1.36) judges a callsite by the
/// registering thread's own default while the process has one dispatcher only
/// (tokio-rs/tracing#3611): another test's thread, with no subscriber, touching a driver
/// callsite first would disable it here too. Two dispatchers that enable nothing, and keep the
/// maximum level at OFF until this one is set, are registered first and kept for the process,
/// so that every callsite is judged against all dispatchers, this one included.
fn set_capture(subscriber: impl Subscriber + Send + Sync) -> DefaultGuard {
    static OFF: OnceLock<[Dispatch; 2]> = OnceLock::new();
    OFF.get_or_init(|| std::array::from_fn(|_| Dispatch::new(registry().with(LevelFilter::OFF))));
    tracing::subscriber::set_default(subscriber)
}

#[tokio::test]
async fn a_request_retried_on_another_node_is_one_span_with_two_attempt_spans() {
    let (a, first) = start_node().await;
    let (b, second) = start_node().await;
    first.overloaded.store(1, Ordering::Relaxed);
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    // This test's thread only (the runtime is single-threaded: every task runs here).
    let _guard = set_capture(registry().with(telemetry::layer(&provider)));
    // Another thread with no subscriber makes a request before this thread makes any: the
    // driver's callsites are registered there (with no dispatcher, none was).
    let (other, _) = start_node().await;
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let session = builder(&[other]).build().expect("config").connect().await;
            let session = session.expect("connect");
            let stmt = SimpleStatement::new("INSERT INTO obs_ks.t (k, v) VALUES (1, 1)");
            session.execute(&stmt, ()).await.expect("a request");
        });
    })
    .await
    .expect("the other thread");
    assert!(exporter.get_finished_spans().expect("spans").is_empty());

    let session = builder(&[a, b])
        .load_balancing_policy(InOrder(vec![a, b]))
        .record_statement_text(true)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    session.use_keyspace("obs_ks").await.expect("USE");
    exporter.reset();
    let secret = "bound-secret-7f3a";
    let stmt = SimpleStatement::new("INSERT INTO obs_ks.t (k, v) VALUES (?, ?)")
        .with_consistency(cql::Consistency::Quorum);
    let res = session
        .execute(&stmt, (secret, 4242_i32))
        .await
        .expect("the second node answers");
    assert_eq!(res.coordinator(), b);
    assert_eq!((first.statements(), second.statements()), (1, 1));
    // A failed request too: its error on the request span.
    first.overloaded.store(1, Ordering::Relaxed);
    let failing = SimpleStatement::new("SELECT v FROM obs_ks.t WHERE k = ?")
        .with_retry_policy(FallthroughRetryPolicy);
    session
        .execute(&failing, (secret,))
        .await
        .expect_err("no retry: the overload is the caller's");
    provider.force_flush().expect("flush");
    let spans = exporter.get_finished_spans().expect("spans");

    let requests: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name.starts_with("INSERT"))
        .collect();
    assert_eq!(requests.len(), 1, "one request span: {:?}", names(&spans));
    let request = requests[0];
    assert_eq!(request.name, "INSERT obs_ks");
    let ra = attrs(request);
    for (k, v) in [
        ("db.system.name", "cassandra"),
        ("db.namespace", "obs_ks"),
        ("db.operation.name", "INSERT"),
        ("db.query.text", "INSERT INTO obs_ks.t (k, v) VALUES (?, ?)"),
        ("cassandra.consistency.level", "quorum"),
        ("cassandra.page.size", "5000"),
        ("cassandra.speculative_execution.count", "0"),
        ("cql.attempts", "2"),
    ] {
        assert_eq!(ra.get(k).map(String::as_str), Some(v), "{k} in {ra:?}");
    }
    let attempts: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.parent_span_id == request.span_context.span_id())
        .collect();
    assert_eq!(attempts.len(), 2, "two attempt spans: {:?}", names(&spans));
    let mut by_port: Vec<HashMap<String, String>> = attempts.iter().map(|s| attrs(s)).collect();
    by_port.sort_by_key(|m| m.get("cql.attempt").cloned());
    let (one, two) = (&by_port[0], &by_port[1]);
    assert_eq!(one.get("server.port"), Some(&a.port().to_string()));
    assert_eq!(
        one.get("server.address").map(String::as_str),
        Some("127.0.0.1")
    );
    assert_eq!(
        one.get("db.response.status_code").map(String::as_str),
        Some("0x1001")
    );
    assert_eq!(
        one.get("error.type").map(String::as_str),
        Some("overloaded")
    );
    assert_eq!(two.get("server.port"), Some(&b.port().to_string()));
    assert_eq!(two.get("cql.retry").map(String::as_str), Some("1"));
    assert_eq!(two.get("error.type"), None);
    for a in &attempts {
        assert_eq!(
            attrs(a).get("db.system.name").map(String::as_str),
            Some("cassandra")
        );
    }

    let failed = spans
        .iter()
        .find(|s| s.name.starts_with("SELECT"))
        .expect("the failed request's span");
    let fa = attrs(failed);
    assert_eq!(fa.get("error.type").map(String::as_str), Some("overloaded"));
    assert_eq!(
        fa.get("db.response.status_code").map(String::as_str),
        Some("0x1001")
    );

    for s in &spans {
        for (k, v) in attrs(s) {
            assert!(
                !v.contains(secret) && !v.contains("4242"),
                "a bound value in {k} of {}",
                s.name
            );
        }
    }
    session.shutdown().await;
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}
