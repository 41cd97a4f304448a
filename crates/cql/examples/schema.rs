//! Schema metadata: create a keyspace, read its tables and types from the session's metadata,
//! and print it back as CQL (`export_as_string`).
//!
//! `cargo run -p cql --example schema` against `scripts/cassandra start`.

use std::time::{Duration, Instant};

use cql::Cluster;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
        // The default: DDL returns once every node agrees on the schema (and the metadata
        // shows the change).
        .max_schema_agreement_wait(Duration::from_secs(10))
        .build()?
        .connect()
        .await?;
    for ddl in [
        "CREATE KEYSPACE IF NOT EXISTS example_schema WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TYPE IF NOT EXISTS example_schema.address (street text, city text)",
        "CREATE TABLE IF NOT EXISTS example_schema.\"Users\" (
            id uuid, joined timestamp, name text, home frozen<address>,
            PRIMARY KEY (id, joined)) WITH CLUSTERING ORDER BY (joined DESC)",
    ] {
        session.execute(ddl, ()).await?;
    }

    let metadata = session.cluster_metadata();
    let ks = &metadata.keyspaces()["example_schema"];
    let users = &ks.tables["Users"];
    println!(
        "partition key {:?}, clustering key {:?}",
        users.partition_key, users.clustering_key
    );
    for c in &users.columns {
        println!("  {} {} ({:?})", c.name, c.type_text, c.kind);
    }
    println!("\n{}\n", ks.export_as_string());

    let started = Instant::now();
    session.refresh_metadata().await?;
    println!("a full metadata read took {:?}", started.elapsed());
    let agreed = session
        .wait_for_schema_agreement(Duration::from_secs(5))
        .await?;
    println!("schema agreement: {agreed}");
    session.execute("DROP KEYSPACE example_schema", ()).await?;
    Ok(())
}
