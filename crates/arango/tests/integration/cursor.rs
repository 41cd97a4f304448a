//! AQL cursors: batches, bounded memory, bind variables, clean-up of dropped cursors.

use std::time::Duration;

use arango::{ArangoClient, DbAuth};
use serde_json::{Map, Value, json};

use crate::{cfg, root, server};

#[tokio::test]
async fn cursor_streams_10000_documents_in_batches_of_1000() {
    let s = server(cfg()).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .compress_requests_above(1024)
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("big").await.expect("coll");
    let docs: Vec<Value> = (0..10_000)
        .map(|i| json!({"i": i, "even": i % 2 == 0}))
        .collect();
    for chunk in docs.chunks(2_500) {
        assert!(
            col.insert_many(chunk)
                .await
                .expect("insert")
                .iter()
                .all(Result::is_ok)
        );
    }
    let mut cur = db
        .aql("FOR d IN big RETURN d", Map::new(), Some(1000))
        .await
        .expect("query");
    assert_eq!(cur.count(), Some(10_000));
    let (mut total, mut batches, mut max_held) = (0, 0, 0);
    while let Some(batch) = cur.next_batch().await.expect("batch") {
        max_held = max_held.max(batch.len() + cur.buffered());
        assert!(s.live_cursors() <= 1);
        total += batch.len();
        batches += 1;
    }
    assert_eq!((total, batches), (10_000, 10));
    assert!(max_held <= 1000, "held {max_held}");
    assert_eq!(s.live_cursors(), 0);
    // Filter with bind vars; drop early: the server cursor is deleted.
    let mut binds = Map::new();
    binds.insert("v".into(), json!(true));
    let mut cur = db
        .aql(
            "FOR d IN big FILTER d.even == @v RETURN d.i",
            binds,
            Some(100),
        )
        .await
        .expect("q");
    assert_eq!(cur.count(), Some(5_000));
    assert_eq!(
        cur.next()
            .await
            .expect("first")
            .and_then(|v| v.as_i64())
            .map(|i| i % 2),
        Some(0)
    );
    assert_eq!(s.live_cursors(), 1);
    drop(cur);
    // The delete is sent in the background: polled, with a deadline a loaded machine meets.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while s.live_cursors() != 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        s.live_cursors(),
        0,
        "dropping the cursor deletes it on the server"
    );
    let e = db
        .aql(
            "FOR d IN big FILTER d.x == @missing RETURN d",
            Map::new(),
            None,
        )
        .await
        .expect_err("bind");
    assert_eq!(e.error_num(), Some(1551));
}
