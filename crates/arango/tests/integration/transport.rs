//! Hosts, resolvers, retries, timeouts and compression.

use std::time::Duration;

use arango::{ArangoClient, DbAuth, Error, Resolver};
use serde_json::json;

use crate::{cfg, root, server};

/// A URL where nothing listens: bind a port, note it, close it.
fn dead_url() -> String {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    format!("http://{}", dead.local_addr().expect("addr"))
}

fn requests(s: &arango_testserver::TestServer) -> usize {
    s.log().len()
}

#[tokio::test]
async fn retries_the_next_host_on_connection_errors_a_bounded_number_of_times() {
    let s = server(cfg()).await;
    let dead = dead_url();
    let c = ArangoClient::builder()
        .hosts([dead.clone(), s.url()])
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("falls over to the live host");
    db.collections().await.expect("again");
    assert_eq!(requests(&s), 2);

    // Three dead hosts before the live one: with 2 retries, 3 attempts fail.
    let c = ArangoClient::builder()
        .hosts([dead_url(), dead_url(), dead_url(), s.url()])
        .max_retries(2)
        .build()
        .expect("client");
    let e = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect_err("retries exhausted");
    match &e {
        Error::Verify { source, .. } => {
            assert!(matches!(**source, Error::Connection { .. }), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains("pw"));
    // With 3 retries the fourth host answers.
    let c = ArangoClient::builder()
        .hosts([dead_url(), dead_url(), dead_url(), s.url()])
        .max_retries(3)
        .build()
        .expect("client");
    c.db("_system", DbAuth::basic(root()), true)
        .await
        .expect("fourth attempt");
}

#[tokio::test]
async fn round_robin_and_random_spread_requests_over_hosts() {
    let a = server(cfg()).await;
    let b = server(cfg()).await;
    let c = ArangoClient::builder()
        .hosts([a.url(), b.url()])
        .resolver(Resolver::RoundRobin)
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db");
    for _ in 0..10 {
        db.collections().await.expect("ok");
    }
    assert_eq!((requests(&a), requests(&b)), (5, 5));

    let c = ArangoClient::builder()
        .hosts([a.url(), b.url()])
        .resolver(Resolver::Random)
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db");
    a.clear_log();
    b.clear_log();
    for _ in 0..60 {
        db.collections().await.expect("ok");
    }
    let (na, nb) = (requests(&a), requests(&b));
    assert_eq!(na + nb, 60);
    // Each host is chosen with p = 1/2: fewer than 10 of 60 has p < 1e-6.
    assert!(na >= 10 && nb >= 10, "{na} / {nb}");

    // Single: always the first host while it is up.
    let c = ArangoClient::new([a.url(), b.url()]).expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db");
    a.clear_log();
    b.clear_log();
    for _ in 0..5 {
        db.collections().await.expect("ok");
    }
    assert_eq!((requests(&a), requests(&b)), (5, 0));
}

#[tokio::test]
async fn a_stalled_server_is_a_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let c = ArangoClient::builder()
        .hosts([url])
        .request_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let t0 = std::time::Instant::now();
    let e = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db")
        .collections()
        .await
        .expect_err("stalls");
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(5));
    hold.abort();
}

#[tokio::test]
async fn bodies_above_the_threshold_are_deflated() {
    let s = server(cfg()).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .compress_requests_above(256)
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("z").await.expect("coll");
    s.clear_log();
    col.insert(&json!({"_key": "small"})).await.expect("small");
    let big = "x".repeat(10_000);
    col.insert(&json!({"_key": "big", "text": big}))
        .await
        .expect("big");
    let log = s.log();
    assert_eq!(log[0].content_encoding, None, "small bodies go as they are");
    assert_eq!(log[1].content_encoding.as_deref(), Some("deflate"));
    assert_eq!(log[1].status, 202);
    assert_eq!(col.get("big").await.expect("get")["text"], json!(big));
    // The configuration is checked when the client is built.
    assert!(matches!(
        ArangoClient::new(["localhost:8529"]),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        ArangoClient::new(Vec::<String>::new()),
        Err(Error::Config(_))
    ));
}

const EMPTY_LIST: &[u8] = br#"{"error":false,"code":200,"result":[]}"#;

#[tokio::test]
async fn a_keep_alive_connection_the_server_closed_is_retried() {
    // The first connection answers once, then closes on its next request without an
    // answer, as a server does that times out an idle keep-alive connection.
    let fake = crate::fake::start(|seen| {
        if seen.conn == 0 && seen.nth == 1 {
            crate::fake::Act::Close
        } else {
            crate::fake::Act::Answer(crate::fake::response(
                "200 OK",
                "application/json",
                EMPTY_LIST,
            ))
        }
    })
    .await;
    let c = ArangoClient::new([fake.url.clone()]).expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db");
    db.collections().await.expect("first");
    db.collections()
        .await
        .expect("resent on a new connection after the close");
    let n = fake.requests.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(n, 3, "the closed request and its retry");
}

#[tokio::test]
async fn a_503_fails_over_to_the_next_coordinator() {
    let busy = crate::fake::start(|_| {
        crate::fake::Act::Answer(crate::fake::response(
            "503 Service Unavailable",
            "application/json",
            br#"{"error":true,"errorNum":503,"code":503,"errorMessage":"service unavailable"}"#,
        ))
    })
    .await;
    let s = server(cfg()).await;
    let c = ArangoClient::new([busy.url.clone(), s.url()]).expect("client");
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("the second coordinator answers");
    db.collections().await.expect("again");
    assert_eq!(busy.requests.load(std::sync::atomic::Ordering::SeqCst), 2);
    // Every coordinator busy: the 503 is the caller's error, after one try each.
    let c = ArangoClient::new([busy.url.clone(), busy.url.clone()]).expect("client");
    let e = c
        .db("_system", DbAuth::basic(root()), false)
        .await
        .expect("db")
        .collections()
        .await
        .expect_err("all busy");
    assert_eq!(e.http_code(), Some(503), "{e}");
    assert_eq!(busy.requests.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test]
async fn overload_control_reads_the_queue_time_and_types_the_412() {
    let s = server(cfg()).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .max_queue_time(Duration::from_millis(500))
        .build()
        .expect("client");
    assert_eq!(c.last_queue_time(), None);
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    assert_eq!(c.last_queue_time(), Some(0.0));
    s.set_queue_time(0.25);
    db.collections().await.expect("within the limit");
    assert_eq!(c.last_queue_time(), Some(0.25));
    s.set_queue_time(2.0);
    let e = db.collections().await.expect_err("queued too long");
    assert!(matches!(e, Error::QueueTimeViolated { .. }), "{e:?}");
    assert_eq!((e.http_code(), e.error_num()), (Some(412), Some(21004)));
    assert_eq!(c.last_queue_time(), Some(2.0));
    // Without a maximum the request runs, however long it queued.
    let free = ArangoClient::new([s.url()]).expect("client");
    free.db("_system", DbAuth::basic(root()), true)
        .await
        .expect("no limit sent");
}
