//! Quickstart: connect with credentials, create a keyspace and a table, insert rows with a
//! prepared statement, read them back page by page.
//!
//! Run against the test server: `scripts/demo` (it starts Cassandra first), or
//! `cargo run -p cql --example quickstart -- [host] [user] [password]`.

use cql::{BatchStatement, BatchType, Cluster, Consistency, SimpleStatement};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let user = args.next().unwrap_or_else(|| "cassandra".into());
    let password = args.next().unwrap_or_else(|| "cassandra".into());

    let cluster = Cluster::builder()
        .contact_points([host.as_str()])
        .credentials(user.as_str(), password)
        .build()?;
    let session = cluster.connect().await?;
    println!(
        "connected to {host} as {user} over native protocol v{}",
        session.protocol_version().as_u8()
    );

    let rs = session
        .execute("SELECT cluster_name, release_version FROM system.local", ())
        .await?;
    let (cluster_name, version): (String, String) = rs.first_row_typed()?;
    println!("cluster {cluster_name:?}, Cassandra {version}");

    session
        .execute(
            "CREATE KEYSPACE IF NOT EXISTS quickstart WITH replication = \
             {'class': 'SimpleStrategy', 'replication_factor': 1}",
            (),
        )
        .await?;
    session
        .execute(
            "CREATE TABLE IF NOT EXISTS quickstart.users \
             (id int PRIMARY KEY, name text, email text, logins bigint)",
            (),
        )
        .await?;

    let insert = session
        .prepare("INSERT INTO quickstart.users (id, name, email, logins) VALUES (?, ?, ?, ?)")
        .await?;
    for (id, name) in ["ada", "grace", "edsger", "barbara", "donald"]
        .iter()
        .enumerate()
    {
        let id = i32::try_from(id)?;
        let email = format!("{name}@example.org");
        session
            .execute(&insert, (id, *name, email.as_str(), i64::from(id) * 10))
            .await?;
    }
    // A logged batch: both rows or neither.
    let mut batch = BatchStatement::new(BatchType::Logged);
    batch.add_prepared(&insert, (100_i32, "alan", "alan@example.org", 7_i64))?;
    batch.add_prepared(
        &insert,
        (101_i32, "kathleen", "kathleen@example.org", 3_i64),
    )?;
    session.batch(&batch).await?;
    println!("inserted 7 rows (5 prepared inserts and a logged batch of 2)");

    // Read every row back, typed, over all pages (two rows per page here, to show paging:
    // the next page is fetched while this one is read).
    let select = SimpleStatement::new("SELECT id, name, email, logins FROM quickstart.users")
        .with_page_size(2)
        .with_consistency(Consistency::One);
    let mut rows = session
        .execute_iter::<(i32, String, String, i64)>(&select, ())
        .await?;
    while let Some(row) = rows.next_row().await {
        let (id, name, email, logins) = row?;
        println!("id={id:<4} name={name:<9} email={email:<22} logins={logins}");
    }
    Ok(())
}
