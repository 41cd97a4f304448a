//! Policies and profiles: a retry policy for the cluster, an execution profile with its own
//! consistency, retry and speculative-execution policies, 2,000 statements through
//! `execute_concurrent`, and the session's metrics (latency percentiles, per node).
//!
//! `cargo run -p cql --example policies` against `scripts/cassandra start`.

use std::time::Duration;

use cql::concurrent::OnError;
use cql::policies::{
    ConstantSpeculativeExecutionPolicy, DcAwareRoundRobinPolicy, ExponentialBackoffRetryPolicy,
    FallthroughRetryPolicy, TokenAwarePolicy,
};
use cql::{Cluster, Consistency, ExecutionProfile, SimpleStatement};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
        .load_balancing_policy(TokenAwarePolicy::new(DcAwareRoundRobinPolicy::new(None, 0)))
        .retry_policy(ExponentialBackoffRetryPolicy::new(
            3,
            Duration::from_millis(50),
            Duration::from_secs(2),
        ))
        .execution_profile(
            "reads",
            ExecutionProfile::new()
                .consistency(Consistency::One)
                .request_timeout(Duration::from_secs(2))
                .speculative_execution_policy(ConstantSpeculativeExecutionPolicy::new(
                    Duration::from_millis(100),
                    1,
                )),
        )
        .execution_profile(
            "strict",
            ExecutionProfile::new()
                .consistency(Consistency::All)
                .retry_policy(FallthroughRetryPolicy),
        )
        .build()?
        .connect()
        .await?;
    session
        .execute(
            "CREATE KEYSPACE IF NOT EXISTS examples WITH replication = \
             {'class': 'SimpleStrategy', 'replication_factor': 1}",
            (),
        )
        .await?;
    session
        .execute(
            "CREATE TABLE IF NOT EXISTS examples.readings (sensor int PRIMARY KEY, value double)",
            (),
        )
        .await?;

    let insert = session
        .prepare("INSERT INTO examples.readings (sensor, value) VALUES (?, ?)")
        .await?;
    let written = session
        .execute_concurrent_with_args(
            &insert,
            (0..1000).map(|i| (i, f64::from(i) / 10.0)),
            64,
            OnError::Stop,
        )
        .await;
    println!(
        "inserted {} rows",
        written.iter().filter(|r| r.is_ok()).count()
    );

    // Reads may be sent to a second node if the first is slow: mark them idempotent.
    let read = session
        .prepare("SELECT value FROM examples.readings WHERE sensor = ?")
        .await?
        .with_idempotent(true)
        .with_execution_profile("reads");
    let results = session
        .execute_concurrent_with_args(&read, (0..1000).map(|i| (i,)), 64, OnError::Continue)
        .await;
    let total: f64 = results
        .iter()
        .filter_map(|r| r.as_ref().ok()?.first_row_typed::<(f64,)>().ok())
        .map(|(v,)| v)
        .sum();
    println!("sum of values read back: {total:.1}");

    let strict = SimpleStatement::new("SELECT count(*) FROM examples.readings")
        .with_execution_profile("strict");
    let (count,): (i64,) = session.execute(&strict, ()).await?.first_row_typed()?;
    println!("count at ALL: {count}");

    let m = session.metrics();
    println!(
        "{} requests, {} errors, {} retries, {} speculative; latency p50 {:?} p99 {:?} max {:?}",
        m.requests,
        m.errors,
        m.retries,
        m.speculative_executions,
        m.latency.p50,
        m.latency.p99,
        m.latency.max
    );
    for h in &m.hosts {
        println!(
            "  {}: {} requests, {} errors, {} connections",
            h.address, h.requests, h.errors, h.open_connections
        );
    }
    Ok(())
}
