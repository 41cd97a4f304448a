//! AQL cursors: batches, bounded memory, bind variables, clean-up of dropped cursors.

use std::time::Duration;

use arango::{AqlQuery, ArangoClient, DbAuth, Error};
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
        .query::<Value>(
            AqlQuery::new("FOR d IN big RETURN d")
                .batch_size(1000)
                .count(true),
        )
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
    let mut cur = db
        .query::<Value>(
            AqlQuery::new("FOR d IN big FILTER d.even == @v RETURN d.i")
                .bind("v", true)
                .batch_size(100)
                .count(true),
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

async fn numbers(s: &arango_testserver::TestServer, n: usize) -> arango::Database {
    let db = crate::client(s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("nums").await.expect("coll");
    let docs: Vec<Value> = (0..n).map(|i| json!({"i": i})).collect();
    col.insert_many(&docs).await.expect("insert");
    db
}

#[tokio::test]
async fn batches_are_read_with_post_and_count_only_when_asked() {
    let s = server(cfg()).await;
    let db = numbers(&s, 5).await;
    s.clear_log();
    let cur = db
        .aql("FOR d IN nums SORT d.i RETURN d.i", Map::new(), Some(2))
        .await
        .expect("query");
    assert_eq!(cur.count(), None, "count is not asked for by default");
    let all = cur.collect().await.expect("all");
    assert_eq!(all, (0..5).map(|i| json!(i)).collect::<Vec<_>>());
    let fetches: Vec<_> = s
        .log()
        .into_iter()
        .filter(|e| e.path.starts_with("/_db/_system/_api/cursor/"))
        .map(|e| e.method)
        .collect();
    assert_eq!(fetches, ["POST", "POST"], "PUT is deprecated since 3.11");
    // A stream query has no count even when asked.
    let cur = db
        .query::<Value>(
            AqlQuery::new("FOR d IN nums RETURN d")
                .stream(true)
                .count(true),
        )
        .await
        .expect("stream");
    assert_eq!(cur.count(), None);
}

#[tokio::test]
async fn extra_carries_statistics_full_count_and_warnings() {
    let s = server(cfg()).await;
    let db = numbers(&s, 10).await;
    s.add_query_warning(1562, "division by zero");
    let cur = db
        .query::<Value>(
            AqlQuery::new("FOR d IN nums FILTER d.i >= 2 LIMIT 3 RETURN d.i").full_count(true),
        )
        .await
        .expect("query");
    let extra = cur.extra().expect("extra").clone();
    assert_eq!(extra.full_count(), Some(8));
    assert_eq!(extra.stats.get("scannedFull"), Some(&json!(10)));
    assert_eq!(extra.warnings.len(), 1);
    assert_eq!(
        (extra.warnings[0].code, extra.warnings[0].message.as_str()),
        (1562, "division by zero")
    );
    assert_eq!(cur.collect().await.expect("rows").len(), 3);
    // failOnWarning turns the warning into the query's error.
    s.add_query_warning(1562, "division by zero");
    let e = db
        .query::<Value>(AqlQuery::new("FOR d IN nums RETURN d").fail_on_warning(true))
        .await
        .expect_err("fails");
    assert_eq!(e.error_num(), Some(1562), "{e}");
}

#[tokio::test]
async fn a_lost_batch_is_fetched_again_by_its_batch_id() {
    let s = server(cfg()).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .request_timeout(Duration::from_secs(3))
        .build()
        .expect("client");
    numbers(&s, 6).await;
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let q = || AqlQuery::new("FOR d IN nums SORT d.i RETURN d.i").batch_size(2);
    let mut cur = db.query::<i64>(q().allow_retry(true)).await.expect("query");
    assert_eq!(cur.next_batch().await.expect("first"), Some(vec![0, 1]));
    // The server moves on to batch 2, but its answer comes too late for the client.
    s.delay_next_response("/_db/_system/_api/cursor/", Duration::from_secs(8));
    s.clear_log();
    let rest = cur
        .collect()
        .await
        .expect("the lost batch is fetched again");
    assert_eq!(rest, [2, 3, 4, 5], "nothing skipped, nothing twice");
    let log = s.log();
    assert!(
        log.iter()
            .any(|e| e.method == "POST" && e.path.ends_with("/2") && e.status == 200),
        "{:?}",
        crate::paths(&log)
    );
    // The retryable cursor is deleted after its last batch.
    assert_eq!(s.live_cursors(), 0);
    // Without allowRetry the timeout is the caller's error.
    let mut cur = db.query::<i64>(q()).await.expect("query");
    cur.next_batch().await.expect("first");
    s.delay_next_response("/_db/_system/_api/cursor/", Duration::from_secs(8));
    let e = cur.next_batch().await.expect_err("lost");
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
}

#[tokio::test]
async fn an_expired_cursor_is_a_typed_404() {
    let s = server(cfg()).await;
    let db = numbers(&s, 4).await;
    let mut cur = db
        .query::<i64>(
            AqlQuery::new("FOR d IN nums RETURN d.i")
                .batch_size(2)
                .ttl(Duration::from_secs(1)),
        )
        .await
        .expect("query");
    cur.next_batch().await.expect("first");
    // Polled, with a deadline a loaded machine meets: the stand-in forgets it after 1 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while s.live_cursors() != 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let e = cur.next_batch().await.expect_err("expired");
    assert_eq!(
        (e.http_code(), e.error_num()),
        (Some(404), Some(1600)),
        "{e}"
    );
}

#[tokio::test]
async fn servers_before_3_11_get_put() {
    let fake = crate::fake::start(|seen| {
        let line = seen.head.lines().next().unwrap_or("").to_owned();
        let (status, body): (&str, &[u8]) = if line.starts_with("POST /_db/_system/_api/cursor ")
        {
            ("201 Created", br#"{"result":[1],"hasMore":true,"id":"9","error":false,"code":201}"#)
        } else if line.starts_with("POST ") {
            (
                "405 Method Not Allowed",
                br#"{"error":true,"errorNum":405,"code":405,"errorMessage":"method not supported"}"#,
            )
        } else {
            ("200 OK", br#"{"result":[2],"hasMore":false,"error":false,"code":200}"#)
        };
        crate::fake::Act::Answer(crate::fake::response(status, "application/json", body))
    })
    .await;
    let db = ArangoClient::new([fake.url.clone()])
        .expect("client")
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db");
    let all = db
        .aql_as::<i64>("RETURN 1", Map::new(), None)
        .await
        .expect("query")
        .collect()
        .await
        .expect("all");
    assert_eq!(all, [1, 2]);
}
