//! The client's spans (requests, HTTP attempts, token refreshes) as a subscriber sees them:
//! OpenTelemetry attribute names, and no body, credential or token in any of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arango::DbAuth;
use serde_json::json;
use tracing::Dispatch;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, registry};

use crate::{cfg, client, root, server};

#[derive(Debug, Clone, Default)]
struct Captured {
    name: String,
    parent: Option<u64>,
    fields: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<HashMap<u64, Captured>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.insert(f.name().to_owned(), v.to_owned());
    }
    fn record_debug(&mut self, f: &Field, v: &dyn std::fmt::Debug) {
        self.0.insert(f.name().to_owned(), format!("{v:?}"));
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut c = Captured {
            name: attrs.metadata().name().to_owned(),
            parent: ctx
                .span(id)
                .and_then(|s| s.parent())
                .map(|p| p.id().into_u64()),
            ..Captured::default()
        };
        attrs.record(&mut Fields(&mut c.fields));
        self.0.lock().expect("lock").insert(id.into_u64(), c);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(c) = self.0.lock().expect("lock").get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut c.fields));
        }
    }
}

/// Sets `capture` as this thread's subscriber. tracing-core (0.1.36) judges a callsite by the
/// registering thread's own default while the process has one dispatcher only
/// (tokio-rs/tracing#3611): another test's thread, with no subscriber, touching a client
/// callsite first would disable it here too. Two dispatchers that enable nothing, and keep the
/// maximum level at OFF until the capture's is set, are registered first and kept for the
/// process, so that every callsite is judged against all dispatchers, the capture included.
fn set_capture(capture: Capture) -> tracing::subscriber::DefaultGuard {
    static OFF: OnceLock<[Dispatch; 2]> = OnceLock::new();
    OFF.get_or_init(|| std::array::from_fn(|_| Dispatch::new(registry().with(LevelFilter::OFF))));
    tracing::subscriber::set_default(registry().with(capture))
}

#[tokio::test]
async fn requests_http_attempts_and_refreshes_are_spans() {
    let s = server(cfg()).await;
    let capture = Capture::default();
    let _guard = set_capture(capture.clone());
    // Another thread with no subscriber makes a login and a request before this thread makes
    // any: the client's callsites are registered there (with no dispatcher, none was).
    let url = s.url();
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let db = arango::ArangoClient::new([url])
                .expect("client builds")
                .db("_system", DbAuth::jwt(root()), true)
                .await
                .expect("jwt");
            db.collections().await.expect("a request");
        });
    })
    .await
    .expect("the other thread");
    assert!(
        capture.0.lock().expect("lock").is_empty(),
        "the other thread's spans are not this thread's"
    );
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    let col = sys.create_collection("people").await.expect("collection");
    col.insert(&json!({"_key": "k1", "secret": "doc-secret-9c1"}))
        .await
        .expect("insert");
    let spans: Vec<(u64, Captured)> = capture
        .0
        .lock()
        .expect("lock")
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    let refresh = spans
        .iter()
        .find(|(_, c)| c.name == "arango.token_refresh")
        .expect("the login is a span");
    assert_eq!(refresh.1.fields.get("error.type"), None);
    let (insert_id, insert) = spans
        .iter()
        .find(|(_, c)| {
            c.name == "arango.request"
                && c.fields.get("db.operation.name").map(String::as_str)
                    == Some("POST /_api/document")
        })
        .expect("the insert's span");
    for (k, v) in [
        ("db.system.name", "arangodb"),
        ("db.namespace", "_system"),
        ("db.collection.name", "people"),
        ("otel.kind", "client"),
    ] {
        assert_eq!(
            insert.fields.get(k).map(String::as_str),
            Some(v),
            "{k}: {insert:?}"
        );
    }
    assert!(
        insert.fields.contains_key("db.response.status_code"),
        "{insert:?}"
    );
    let http: Vec<&Captured> = spans
        .iter()
        .filter(|(_, c)| c.name == "arango.http" && c.parent == Some(*insert_id))
        .map(|(_, c)| c)
        .collect();
    assert_eq!(http.len(), 1, "one HTTP attempt under the request");
    let h = &http[0].fields;
    let url = s.url();
    let port = url.rsplit(':').next().unwrap_or("").trim_end_matches('/');
    assert_eq!(
        h.get("http.request.method").map(String::as_str),
        Some("POST")
    );
    assert_eq!(h.get("server.port").map(String::as_str), Some(port));
    assert_eq!(
        h.get("url.path").map(String::as_str),
        Some("/_db/_system/_api/document/people")
    );
    assert!(h.contains_key("http.response.status_code"), "{h:?}");
    for (_, c) in &spans {
        for (k, v) in &c.fields {
            assert!(
                !v.contains("doc-secret-9c1") && !v.contains("Bearer") && v != "pw",
                "{k} of {} leaks: {v}",
                c.name
            );
        }
    }
}
