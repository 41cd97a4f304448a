//! Issue 17's fixes 1-7, each with the failure it had: empty cursor batches, tokens without
//! `exp`, shared refresh failures, 401s that are not about the token, an oversized leeway,
//! secrets in error texts, `set_token` on superuser handles.

use std::time::Duration;

use arango::{ArangoClient, Auth, DbAuth, Error, GenerateOptions, JwtToken, Secret};
use serde_json::{Map, Value, json};

use crate::fake::{self, Act};
use crate::{bearer, cfg, client, root, server};

#[tokio::test]
async fn empty_batches_with_has_more_do_not_end_the_cursor() {
    let s = server(cfg()).await;
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("four").await.expect("coll");
    let docs: Vec<Value> = (0..4).map(|i| json!({"i": i})).collect();
    col.insert_many(&docs).await.expect("insert");
    s.set_empty_batches(true);
    let mut cur = db
        .aql("FOR d IN four SORT d.i RETURN d.i", Map::new(), Some(2))
        .await
        .expect("query");
    let mut got = Vec::new();
    while let Some(v) = cur.next().await.expect("next") {
        got.push(v);
    }
    assert_eq!(got, [json!(0), json!(1), json!(2), json!(3)]);
    assert!(!cur.has_more());
    // Batch by batch: no empty batch is handed out, and nothing is lost either.
    let mut cur = db
        .aql("FOR d IN four SORT d.i RETURN d.i", Map::new(), Some(2))
        .await
        .expect("query");
    let mut batches = Vec::new();
    while let Some(b) = cur.next_batch().await.expect("batch") {
        batches.push(b.len());
    }
    assert_eq!(batches, [2, 2]);
    let fetches = s
        .log()
        .iter()
        .filter(|e| e.path.starts_with("/_db/_system/_api/cursor/"))
        .count();
    assert!(
        fetches >= 4,
        "the stand-in did send empty batches ({fetches})"
    );
}

#[tokio::test]
async fn superuser_tokens_without_exp_are_accepted() {
    let s = server(cfg()).await;
    let t = JwtToken::generate_token(
        &Secret::new("s3cret"),
        GenerateOptions::default().without_exp(),
    )
    .expect("a token without exp");
    assert_eq!(t.exp(), None);
    assert!(!t.is_expired());
    let db = client(&s)
        .db("_system", DbAuth::superuser(t.clone()), true)
        .await
        .expect("accepted");
    db.collections().await.expect("used");
    let given = JwtToken::new(t.token().expose()).expect("parses without exp");
    let db = client(&s)
        .db("_system", DbAuth::jwt_token(given), true)
        .await
        .expect("as a plain jwt too");
    db.collections().await.expect("used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_login_is_shared_by_its_waiters_and_remembered() {
    let s = server(cfg()).await;
    // The login answers after 10 s; the client gives up after 3 (generous for the requests
    // that must succeed below on a loaded machine).
    s.set_auth_delay(Duration::from_secs(10));
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .request_timeout(Duration::from_secs(3))
        .refresh_failure_memory(Duration::from_secs(3600))
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::jwt(root()), false)
        .await
        .expect("handle");
    let calls = (0..5).map(|_| {
        let db = db.clone();
        async move { db.collections().await }
    });
    for r in futures::future::join_all(calls).await {
        let e = r.expect_err("the login hangs");
        assert!(matches!(e, Error::Refresh(_)), "{e}");
    }
    assert_eq!(s.auth_requests(), 1, "one login for five waiting callers");
    // Within the failure memory the next caller gets the failure without another login.
    let e = db.collections().await.expect_err("remembered");
    assert!(matches!(e, Error::Refresh(_)), "{e}");
    assert_eq!(s.auth_requests(), 1);
    // An explicit refresh tries again.
    s.set_auth_delay(Duration::ZERO);
    db.refresh_token().await.expect("explicit refresh");
    db.collections().await.expect("works again");
    assert_eq!(s.auth_requests(), 2);
}

#[tokio::test]
async fn a_401_that_is_not_about_the_token_does_not_log_in_on_every_call() {
    let s = server(cfg()).await;
    s.add_user("eve", "evepw");
    s.grant("eve", "_system", "ro");
    let c = client(&s);
    // A missing database: ArangoDB answers a non-root user 401, not 404.
    let db = c
        .db("nope", DbAuth::jwt(Auth::new("eve", "evepw")), false)
        .await
        .expect("handle");
    for _ in 0..10 {
        let e = db.collections().await.expect_err("no such database");
        assert_eq!(e.http_code(), Some(401), "{e}");
        assert!(matches!(e, Error::Permission { .. }), "{e:?}");
    }
    let logins = s.auth_requests();
    assert!(logins <= 2, "{logins} logins for 10 calls");
    // Root is told the truth.
    let e = c
        .db("nope", DbAuth::basic(root()), false)
        .await
        .expect("handle")
        .collections()
        .await
        .expect_err("404");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1228)));
    // A token that is the cause still gets its refresh: the secret rotates.
    let sys = c
        .db("_system", DbAuth::jwt(Auth::new("eve", "evepw")), true)
        .await
        .expect("eve on _system");
    s.rotate_secret("rotated");
    sys.collections()
        .await
        .expect("one refresh after the rotation");
}

#[tokio::test]
async fn a_leeway_longer_than_the_session_is_capped() {
    // 100 s sessions, a 1-hour leeway: capped at 90 s, the token is used for its first 10 s.
    let s = server(cfg().with_session_timeout(100)).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .refresh_leeway(Duration::from_secs(3600))
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    for _ in 0..5 {
        db.collections().await.expect("ok");
    }
    assert_eq!(s.auth_requests(), 1, "not a login per call");
}

fn assert_clean(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{s:?} leaked in {text}");
    }
}

#[tokio::test]
async fn userinfo_in_a_host_url_never_reaches_an_error() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = dead.local_addr().expect("addr");
    drop(dead);
    let host = format!("http://root:Sup3rSecretPW@{addr}");
    assert_clean(
        &format!("{:?}", ArangoClient::builder().hosts([host.clone()])),
        &["Sup3rSecretPW"],
    );
    let texts = match ArangoClient::new([host]) {
        Err(e) => vec![e.to_string(), format!("{e:?}")],
        Ok(c) => {
            let e = c
                .db("_system", DbAuth::basic(root()), true)
                .await
                .expect_err("nothing listens");
            vec![e.to_string(), format!("{e:?}"), format!("{c:?}")]
        }
    };
    for t in texts {
        assert_clean(&t, &["Sup3rSecretPW"]);
    }
}

#[tokio::test]
async fn an_echoing_proxy_does_not_put_the_authorization_header_in_the_error() {
    // A proxy that answers 502 with the request's headers as plain text.
    let proxy = fake::start(|seen| {
        Act::Answer(fake::response(
            "502 Bad Gateway",
            "text/plain",
            seen.head.as_bytes(),
        ))
    })
    .await;
    let c = ArangoClient::new([proxy.url.clone()]).expect("client");
    let token =
        JwtToken::generate_token(&Secret::new("k"), GenerateOptions::default()).expect("token");
    let e = c
        .db("_system", DbAuth::superuser(token.clone()), false)
        .await
        .expect("handle")
        .collections()
        .await
        .expect_err("502");
    assert_eq!(e.http_code(), Some(502));
    let basic = Auth::new("root", "Sup3rSecretPW")
        .basic_header_value()
        .expect("header");
    let b64 = basic.expose().trim_start_matches("Basic ").to_owned();
    let e2 = c
        .db(
            "_system",
            DbAuth::basic(Auth::new("root", "Sup3rSecretPW")),
            false,
        )
        .await
        .expect("handle")
        .collections()
        .await
        .expect_err("502");
    for t in [
        e.to_string(),
        format!("{e:?}"),
        e2.to_string(),
        format!("{e2:?}"),
    ] {
        assert_clean(&t, &[token.token().expose(), &b64, "Sup3rSecretPW"]);
        // The text is still quoted, with the credentials cut out.
        assert!(t.to_ascii_lowercase().contains("authorization"), "{t}");
    }
}

#[tokio::test]
async fn set_token_replaces_a_superuser_token_in_place() {
    let s = server(cfg()).await;
    let opts = || GenerateOptions::default();
    let first = JwtToken::generate_token(&Secret::new("s3cret"), opts()).expect("t1");
    let db = client(&s)
        .db("_system", DbAuth::superuser(first.clone()), true)
        .await
        .expect("db");
    let second = JwtToken::generate_token(&Secret::new("s3cret"), opts().with_server_id("other"))
        .expect("t2");
    db.set_token(second.clone())
        .expect("allowed on superuser handles");
    s.clear_log();
    db.collections().await.expect("with the new token");
    assert_eq!(s.log()[0].auth, bearer(&second));
    assert_eq!(
        db.token().map(|t| t.token().expose().to_owned()),
        Some(second.token().expose().to_owned())
    );
}
