//! OpenTelemetry for the driver's spans (cargo feature `opentelemetry`).
//!
//! Every request is a `cql.request` span and each of its attempts a `cql.attempt` span (target
//! `cql::request`, level INFO), with the OpenTelemetry database semantic-convention attribute
//! names: `db.system.name` (`cassandra`), `db.namespace`, `db.collection.name`,
//! `db.operation.name`, `db.operation.batch.size`, `db.response.returned_rows`,
//! `db.response.status_code` (the CQL error code, e.g. `0x1200`), `error.type`,
//! `server.address` and `server.port` (attempts), `cassandra.consistency.level`,
//! `cassandra.page.size`, `cassandra.query.idempotent`,
//! `cassandra.speculative_execution.count`, and `cql.attempt` / `cql.execution` /
//! `cql.retry` / `cql.speculative` on attempts. `db.query.text` only with
//! `ClusterBuilder::record_statement_text(true)`; bound values never.
//!
//! The spans are plain `tracing` spans: any subscriber sees them. [`layer`] is a
//! `tracing-opentelemetry` layer limited to them, sending them to an OpenTelemetry tracer:
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//! let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
//! let subscriber = tracing_subscriber::registry().with(cql::telemetry::layer(&provider));
//! tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
//! ```

use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The `tracing` targets of the driver's request spans.
pub const TARGET: &str = "cql::request";

/// A layer sending the driver's request and attempt spans (and only them) to `provider`'s
/// tracer named `cql`.
pub fn layer<S>(provider: &opentelemetry_sdk::trace::SdkTracerProvider) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("cql"))
        .with_filter(tracing_subscriber::filter::filter_fn(|m| {
            m.target() == TARGET
        }))
}
