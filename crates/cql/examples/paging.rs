//! Paging: stream every row of a large result while the next page is fetched in the
//! background; and resume a query later from a saved paging state.
//!
//! `cargo run -p cql --example paging` against `scripts/cassandra start`.

use cql::{Cluster, SimpleStatement};

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
        .execute("CREATE TABLE IF NOT EXISTS examples.events (day int, seq int, what text, PRIMARY KEY (day, seq))", ())
        .await?;
    let ins = session
        .prepare("INSERT INTO examples.events (day, seq, what) VALUES (?, ?, ?)")
        .await?;
    for seq in 0..2_000_i32 {
        session
            .execute(&ins, (1_i32, seq, format!("event {seq}")))
            .await?;
    }

    let all = SimpleStatement::new("SELECT seq, what FROM examples.events WHERE day = 1")
        .with_page_size(250);
    // Every row, typed, over all pages; at most two pages are held at a time.
    let mut rows = session.execute_iter::<(i32, String)>(&all, ()).await?;
    let mut n = 0;
    while let Some(row) = rows.next_row().await {
        let (_seq, _what) = row?;
        n += 1;
    }
    println!("streamed {n} rows in pages of 250");

    // `execute` returns one page only, and says so.
    let page = session.execute(&all, ()).await?;
    println!(
        "execute: {} rows, more pages: {}",
        page.rows_count(),
        page.has_more_pages()
    );

    // Take one page, keep its paging state (it is just bytes), resume later.
    let first = session.execute_page(&all, (), None).await?;
    let saved = first.paging_state().expect("more than one page");
    let second = session.execute_page(&all, (), Some(saved)).await?;
    let (seq, what): (i32, &str) = second.first_row_typed()?;
    println!("second page starts at seq {seq}: {what}");
    Ok(())
}
