//! Connects to `ARANGO_URL` (default `http://127.0.0.1:8529`) as root (password from
//! `ARANGO_PASSWORD`, default empty) with JWT auth, creates a collection, inserts documents
//! and reads them back with AQL.
//!
//! Try it against the stand-in:
//! `cargo run -p arango-testserver -- --port 8529 --user root:pw` then
//! `ARANGO_URL=http://127.0.0.1:8529 ARANGO_PASSWORD=pw cargo run -p arango --example quickstart`.

use arango::{ArangoClient, Auth, DbAuth};
use serde_json::{Map, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> arango::Result<()> {
    let url = std::env::var("ARANGO_URL").unwrap_or_else(|_| "http://127.0.0.1:8529".into());
    let password = std::env::var("ARANGO_PASSWORD").unwrap_or_default();
    let client = ArangoClient::new([url])?;
    let db = client
        .db("_system", DbAuth::jwt(Auth::new("root", password)), true)
        .await?;
    println!("server: {:?}", db.version().await?);
    let name = "quickstart";
    if db.collections().await?.iter().any(|c| c.name == name) {
        db.delete_collection(name).await?;
    }
    let col = db.create_collection(name).await?;
    let docs: Vec<_> = (0..5)
        .map(|i| json!({"_key": format!("k{i}"), "n": i}))
        .collect();
    col.insert_many(&docs).await?;
    let mut binds = Map::new();
    binds.insert("min".into(), json!(2));
    let mut cursor = db
        .aql(
            "FOR d IN quickstart FILTER d.n >= @min RETURN d.n",
            binds,
            Some(2),
        )
        .await?;
    while let Some(batch) = cursor.next_batch().await? {
        println!("batch: {batch:?}");
    }
    db.delete_collection(name).await?;
    Ok(())
}
