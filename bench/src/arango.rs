//! The ArangoDB part: our `arango` client against the in-memory stand-in server
//! (`tools/arango-testserver`), run as a separate process so the client's CPU time is its own.
//! The Python peer (python-arango-async) is `arango_bench.py`.
//!
//! Workloads: `doc_insert` = insert of a small JSON document (server-generated key);
//! `doc_get` = read of one document by key (1,000 seeded keys).

use std::sync::Arc;

use arango::{ArangoClient, Auth, Collection, DbAuth};

use crate::Driver;

/// Seeded documents for `doc_get`.
pub const DOCS: usize = 1000;
/// The collection the bench uses.
pub const COLLECTION: &str = "bench";

async fn connect(url: &str) -> arango::Database {
    let client = ArangoClient::new([url.to_owned()]).expect("arango client");
    client
        .db("_system", DbAuth::basic(Auth::new("root", "")), true)
        .await
        .expect("arango db")
}

/// Runs the stand-in on `listen` until killed; prints its URL when it accepts connections.
pub async fn serve(listen: &str) {
    let cfg =
        arango_testserver::Config::default().with_listen(listen.parse().expect("listen address"));
    let server = arango_testserver::TestServer::start(cfg)
        .await
        .expect("start the stand-in");
    println!("{}", server.url());
    // Until the bench kills this process.
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Creates the collection (if missing) and the documents `doc_get` reads.
pub async fn setup(url: &str) {
    let db = connect(url).await;
    if !db
        .collections()
        .await
        .expect("collections")
        .iter()
        .any(|c| c.name == COLLECTION)
    {
        db.create_collection(COLLECTION)
            .await
            .expect("create collection");
    }
    let docs: Vec<serde_json::Value> = (0..DOCS)
        .map(|i| serde_json::json!({"_key": format!("k{i}"), "n": i, "v": "value"}))
        .collect();
    // Already seeded by an earlier run: per-document conflicts are fine.
    db.collection(COLLECTION)
        .insert_many(&docs)
        .await
        .expect("seed");
}

/// Our client on one workload.
pub struct Ours {
    col: Collection,
    workload: &'static str,
    doc: serde_json::Value,
}

impl Ours {
    pub async fn new(url: &str, workload: &'static str) -> Ours {
        let db = connect(url).await;
        Ours {
            col: db.collection(COLLECTION),
            workload,
            doc: serde_json::json!({"n": 1, "v": "value"}),
        }
    }
}

impl Driver for Ours {
    async fn run(self: Arc<Self>, i: usize) {
        if self.workload == "doc_insert" {
            self.col.insert(&self.doc).await.expect("insert");
        } else {
            let d = self.col.get(&format!("k{}", i % DOCS)).await.expect("get");
            assert!(d.get("v").is_some());
        }
    }
}
