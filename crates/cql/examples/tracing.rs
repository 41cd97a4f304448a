//! Tracing: ask the server to trace a request, then read what it did from `system_traces`.
//!
//! `cargo run -p cql --example tracing` against `scripts/cassandra start`.

use std::time::Duration;

use cql::{Cluster, SimpleStatement};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
        .build()?
        .connect()
        .await?;
    let stmt = SimpleStatement::new("SELECT * FROM system.local").with_tracing(true);
    let rs = session.execute(&stmt, ()).await?;
    let id = rs.tracing_id().expect("the server returns a tracing id");
    let trace = session.query_trace(id, Duration::from_secs(10)).await?;
    println!(
        "trace {id}: {:?} took {} µs on {:?}",
        trace.request,
        trace.duration_us.unwrap_or_default(),
        trace.coordinator
    );
    for ev in &trace.events {
        println!(
            "  +{:>6} µs  {}",
            ev.source_elapsed_us.unwrap_or_default(),
            ev.activity
        );
    }
    Ok(())
}
