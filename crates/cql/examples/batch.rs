//! Batches: a logged batch (atomic) mixing prepared and simple statements, and a counter batch.
//!
//! `cargo run -p cql --example batch` against `scripts/cassandra start`.

use cql::{BatchStatement, BatchType, Cluster};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
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
        .execute("CREATE TABLE IF NOT EXISTS examples.ledger (account text, seq int, amount bigint, PRIMARY KEY (account, seq))", ())
        .await?;
    session
        .execute(
            "CREATE TABLE IF NOT EXISTS examples.totals (account text PRIMARY KEY, n counter)",
            (),
        )
        .await?;

    let entry = session
        .prepare("INSERT INTO examples.ledger (account, seq, amount) VALUES (?, ?, ?)")
        .await?;
    let mut transfer = BatchStatement::new(BatchType::Logged);
    transfer.add_prepared(&entry, ("alice", 1_i32, -250_i64))?;
    transfer.add_prepared(&entry, ("bob", 1_i32, 250_i64))?;
    transfer.add_simple(
        "INSERT INTO examples.ledger (account, seq, amount) VALUES ('audit', 1, 0)",
        (),
    )?;
    session.batch(&transfer).await?;

    let mut counts = BatchStatement::new(BatchType::Counter);
    counts.add_simple(
        "UPDATE examples.totals SET n = n + 1 WHERE account = ?",
        ("alice",),
    )?;
    counts.add_simple(
        "UPDATE examples.totals SET n = n + 1 WHERE account = ?",
        ("bob",),
    )?;
    session.batch(&counts).await?;

    let rs = session
        .execute("SELECT account, seq, amount FROM examples.ledger", ())
        .await?;
    for row in rs.rows_typed::<(&str, i32, i64)>()? {
        let (account, seq, amount) = row?;
        println!("ledger: {account:<6} #{seq} {amount:>5}");
    }
    Ok(())
}
