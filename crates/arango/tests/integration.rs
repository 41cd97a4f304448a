//! The client against the in-process stand-in server.

use std::time::Duration;

use arango::{ArangoClient, Auth, DbAuth, Error, GenerateOptions, JwtToken, RefreshError, Secret};
use arango_testserver::{Config, LoggedAuth, TestServer};
use serde_json::{Map, Value, json};

async fn server(cfg: Config) -> TestServer {
    TestServer::start(cfg).await.expect("stand-in starts")
}

fn client(s: &TestServer) -> ArangoClient {
    ArangoClient::new([s.url()]).expect("client builds")
}

fn root() -> Auth {
    Auth::new("root", "pw")
}

fn cfg() -> Config {
    Config::default()
        .with_root_password("pw")
        .with_jwt_secret("s3cret")
}

fn is_unauthorized(e: &Error) -> bool {
    e.http_code() == Some(401) && e.error_num() == Some(11)
}

#[tokio::test]
async fn auth_matrix_basic_jwt_superuser() {
    let s = server(cfg()).await;
    let c = client(&s);
    // basic: ok, wrong password, no such user
    c.db("_system", DbAuth::basic(root()), true)
        .await
        .expect("basic ok");
    let e = c
        .db("_system", DbAuth::basic(Auth::new("root", "bad")), true)
        .await
        .expect_err("wrong");
    assert!(is_unauthorized(&e), "{e}");
    let e = c
        .db("_system", DbAuth::basic(Auth::new("nobody", "pw")), true)
        .await
        .expect_err("missing");
    assert!(is_unauthorized(&e), "{e}");
    // jwt: ok, wrong credentials are a typed refresh error
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt ok");
    let tok = db.token().expect("token after verify");
    assert_eq!(tok.claims()["preferred_username"], "root");
    let e = c
        .db("_system", DbAuth::jwt(Auth::new("root", "bad")), true)
        .await
        .expect_err("wrong");
    assert!(
        matches!(
            e,
            Error::Refresh(RefreshError::WrongCredentials {
                code: 401,
                error_num: 401,
                ..
            })
        ),
        "{e}"
    );
    // jwt from a token only, then both
    let db2 = c
        .db("_system", DbAuth::jwt_token(tok.clone()), true)
        .await
        .expect("token ok");
    assert_eq!(db2.refresh_count(), 0);
    assert!(matches!(
        db2.refresh_token().await,
        Err(Error::Refresh(RefreshError::NoCredentials))
    ));
    let db3 = c
        .db("_system", DbAuth::jwt_with_token(root(), tok), true)
        .await
        .expect("both");
    assert_eq!(db3.refresh_count(), 0);
    let t2 = db3.refresh_token().await.expect("refresh");
    assert_eq!(db3.refresh_count(), 1);
    db2.set_token(t2).expect("set token");
    db2.ping().await.expect("ping with set token");
    // superuser: ours, a wrong secret, an expired one
    let su =
        JwtToken::generate_token(&Secret::new("s3cret"), GenerateOptions::default()).expect("gen");
    let db = c
        .db("_system", DbAuth::superuser(su), true)
        .await
        .expect("superuser ok");
    assert!(
        db.databases()
            .await
            .expect("dbs")
            .contains(&"_system".to_owned())
    );
    let bad =
        JwtToken::generate_token(&Secret::new("nope"), GenerateOptions::default()).expect("gen");
    let e = c
        .db("_system", DbAuth::superuser(bad), true)
        .await
        .expect_err("wrong secret");
    assert!(is_unauthorized(&e), "{e}");
    let old = GenerateOptions::default()
        .with_iat(1_000_000)
        .with_exp_seconds(10);
    let old = JwtToken::generate_token(&Secret::new("s3cret"), old).expect("gen");
    let e = c
        .db("_system", DbAuth::superuser(old), true)
        .await
        .expect_err("expired");
    assert!(is_unauthorized(&e), "{e}");
    // The secret never shows in Debug output of the auth.
    let dbg = format!("{:?}", DbAuth::jwt(root()));
    assert!(!dbg.contains("pw\""), "{dbg}");
}

#[tokio::test]
async fn expired_token_is_refreshed_once_and_the_request_retried_on_its_path() {
    let s = server(cfg().with_session_timeout(2)).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    db.create_database("exp").await.expect("create db");
    let first = db.token().expect("token");
    // A second handle starting from that token, refreshed with the credentials.
    let edb = c
        .db("exp", DbAuth::jwt_with_token(root(), first.clone()), false)
        .await
        .expect("db");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    s.clear_log();
    // The token expired on the server side (and locally): the client refreshes before
    // sending; exactly one /_open/auth.
    edb.collections()
        .await
        .expect("request after expiry succeeds");
    let log = s.log();
    assert_eq!(
        log.iter().filter(|e| e.path == "/_open/auth").count(),
        1,
        "{log:?}"
    );
    let new = edb.token().expect("new token");
    assert_ne!(new.token().expose(), first.token().expose());
    let last = log.last().expect("entries");
    assert_eq!(last.path, "/_db/exp/_api/collection");
    assert_eq!(
        last.auth,
        LoggedAuth::Bearer {
            fingerprint: TestServer::fingerprint(new.token().expose())
        }
    );

    // Server-side rejection with a token the client believes valid (secret rotated): the
    // request gets 401, one refresh, and is resent with the new token on the same path.
    s.rotate_secret("rotated");
    s.clear_log();
    edb.collections().await.expect("recovers after rotation");
    let log = s.log();
    let paths: Vec<(&str, u16)> = log.iter().map(|e| (e.path.as_str(), e.status)).collect();
    assert_eq!(
        paths,
        [
            ("/_db/exp/_api/collection", 401),
            ("/_open/auth", 200),
            ("/_db/exp/_api/collection", 200)
        ]
    );
    let newest = edb.token().expect("token");
    assert_eq!(
        log[2].auth,
        LoggedAuth::Bearer {
            fingerprint: TestServer::fingerprint(newest.token().expose())
        }
    );
    assert_ne!(log[0].auth, log[2].auth);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_across_expiry_cause_one_refresh() {
    let s = server(cfg().with_session_timeout(2)).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    assert_eq!(db.refresh_count(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    s.clear_log();
    let futs = (0..50).map(|_| {
        let db = db.clone();
        async move { db.collections().await }
    });
    for r in futures::future::join_all(futs).await {
        r.expect("every request succeeds");
    }
    assert_eq!(db.refresh_count(), 2);
    let log = s.log();
    assert_eq!(log.iter().filter(|e| e.path == "/_open/auth").count(), 1);
    assert_eq!(
        log.iter()
            .filter(|e| e.status == 200 && e.path != "/_open/auth")
            .count(),
        50
    );

    // Same with a rotated secret: all 50 get 401 first; still one refresh.
    s.rotate_secret("again");
    s.clear_log();
    let futs = (0..50).map(|_| {
        let db = db.clone();
        async move { db.collections().await }
    });
    for r in futures::future::join_all(futs).await {
        r.expect("every request recovers");
    }
    let log = s.log();
    assert_eq!(
        log.iter().filter(|e| e.path == "/_open/auth").count(),
        1,
        "one refresh"
    );
    assert_eq!(db.refresh_count(), 3);
}

#[tokio::test]
async fn refresh_failures_are_typed() {
    let s = server(cfg().with_session_timeout(0)).await;
    let c = client(&s);
    let e = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect_err("expired token");
    assert!(
        matches!(e, Error::Refresh(RefreshError::ExpiredToken { .. })),
        "{e}"
    );
    let e = c
        .db(
            "_system",
            DbAuth::Jwt {
                auth: None,
                token: None,
            },
            false,
        )
        .await
        .expect_err("nothing");
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[tokio::test]
async fn databases_collections_documents() {
    let s = server(cfg()).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    assert_eq!(sys.version().await.expect("version").server, "arango");
    sys.create_database("app").await.expect("create");
    assert!(sys.has_database("app").await.expect("list"));
    let e = sys.create_database("app").await.expect_err("duplicate");
    assert_eq!(e.error_num(), Some(1207));
    let db = c.db("app", DbAuth::basic(root()), true).await.expect("app");
    let col = db.create_collection("people").await.expect("collection");
    assert_eq!(db.collections().await.expect("list")[0].name, "people");
    let m = col
        .insert(&json!({"_key": "a", "n": 1}))
        .await
        .expect("insert");
    assert_eq!(m.id, "people/a");
    let e = col
        .insert(&json!({"_key": "a"}))
        .await
        .expect_err("dup key");
    assert_eq!((e.http_code(), e.error_num()), (Some(409), Some(1210)));
    let e = col
        .update("a", &json!({"n": 2}), Some("stale"))
        .await
        .expect_err("precondition");
    assert_eq!((e.http_code(), e.error_num()), (Some(412), Some(1200)));
    let u = col
        .update("a", &json!({"n": 2, "x": {"y": 1}}), Some(&m.rev))
        .await
        .expect("update");
    assert_eq!(u.old_rev.as_deref(), Some(m.rev.as_str()));
    let r = col
        .replace("a", &json!({"z": true}), None)
        .await
        .expect("replace");
    let doc = col.get("a").await.expect("get");
    assert_eq!(doc["z"], true);
    assert!(doc.get("n").is_none());
    assert_eq!(doc["_rev"], Value::from(r.rev.clone()));
    let many = col
        .insert_many(&[
            json!({"_key": "b"}),
            json!({"_key": "a"}),
            json!({"_key": "c"}),
        ])
        .await
        .expect("batch");
    assert!(
        many[0].is_ok()
            && many[1].as_ref().err().and_then(Error::error_num) == Some(1210)
            && many[2].is_ok()
    );
    assert_eq!(col.count().await.expect("count"), 3);
    let got = col.get_many(&["a", "zz"]).await.expect("get many");
    assert!(got[0].is_ok() && got[1].is_err());
    let up = col
        .update_many(
            &[
                json!({"_key": "b", "k": 1}),
                json!({"_key": "c", "_rev": "nope"}),
            ],
            true,
        )
        .await
        .expect("um");
    assert!(up[0].is_ok(), "no _rev given: nothing to check");
    assert_eq!(up[1].as_ref().err().and_then(Error::error_num), Some(1200));
    let up = col
        .update_many(&[json!({"_key": "c", "_rev": "nope"})], false)
        .await
        .expect("um");
    assert!(up[0].is_ok(), "revisions ignored");
    let del = col
        .delete_many(&[json!("b"), json!({"_key": "c"})], false)
        .await
        .expect("dm");
    assert!(del.iter().all(Result::is_ok));
    col.delete("a", Some(&r.rev)).await.expect("delete");
    assert_eq!(
        col.get("a").await.expect_err("gone").error_num(),
        Some(1202)
    );
    col.insert(&json!({"q": 1})).await.expect("auto key");
    col.truncate().await.expect("truncate");
    assert_eq!(col.count().await.expect("count"), 0);
    assert_eq!(col.properties().await.expect("props")["name"], "people");
    db.delete_collection("people").await.expect("drop");
    let e = col.count().await.expect_err("dropped");
    assert_eq!(e.error_num(), Some(1203));
    assert!(
        e.to_string()
            .contains("/_db/app/_api/collection/people/count"),
        "{e}"
    );
    sys.delete_database("app").await.expect("drop db");
    let e = c
        .db("app", DbAuth::basic(root()), true)
        .await
        .expect_err("no db");
    assert_eq!(e.error_num(), Some(1228));
}

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
    for _ in 0..100 {
        if s.live_cursors() == 0 {
            break;
        }
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

#[tokio::test]
async fn transactions_users_permissions() {
    let s = server(cfg()).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("t").await.expect("coll");
    let trx = db.begin_transaction(&["t"], &[]).await.expect("begin");
    trx.db()
        .collection("t")
        .insert(&json!({"_key": "x"}))
        .await
        .expect("in trx");
    assert_eq!(trx.abort().await.expect("abort"), "aborted");
    assert_eq!(col.count().await.expect("count"), 0);
    let e = trx
        .db()
        .collection("t")
        .insert(&json!({}))
        .await
        .expect_err("ended trx");
    assert_eq!(e.error_num(), Some(1655));
    let trx = db.begin_transaction(&["t"], &[]).await.expect("begin");
    trx.db()
        .collection("t")
        .insert(&json!({"_key": "y"}))
        .await
        .expect("in trx");
    assert_eq!(trx.commit().await.expect("commit"), "committed");
    assert_eq!(col.count().await.expect("count"), 1);

    db.create_user("alice", &Secret::new("pa"), true)
        .await
        .expect("user");
    assert!(
        db.users()
            .await
            .expect("users")
            .iter()
            .any(|u| u["user"] == "alice")
    );
    let alice = c
        .db("_system", DbAuth::jwt(Auth::new("alice", "pa")), false)
        .await
        .expect("handle");
    assert!(is_unauthorized(
        &alice.ping().await.expect_err("no permission yet")
    ));
    db.set_permission("alice", "_system", "ro")
        .await
        .expect("grant");
    assert_eq!(db.permission("alice", "_system").await.expect("perm"), "ro");
    alice.ping().await.expect("ro can read");
    let e = alice
        .collection("t")
        .insert(&json!({}))
        .await
        .expect_err("ro cannot write");
    assert_eq!((e.http_code(), e.error_num()), (Some(403), Some(11)));
    db.reset_permission("alice", "_system")
        .await
        .expect("reset");
    assert_eq!(
        db.permission("alice", "_system").await.expect("perm"),
        "none"
    );
    db.delete_user("alice").await.expect("delete user");
}

#[tokio::test]
async fn retries_next_host_on_connection_errors() {
    let s = server(cfg()).await;
    // A port with nothing listening: bind, note it, close.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    let c = ArangoClient::builder()
        .hosts([dead_url.clone(), s.url()])
        .build()
        .expect("client");
    c.db("_system", DbAuth::basic(root()), true)
        .await
        .expect("falls over to the live host");
    let c = ArangoClient::builder()
        .hosts([dead_url])
        .max_retries(0)
        .build()
        .expect("client");
    let e = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect_err("dead");
    assert!(matches!(e, Error::Connection { .. }), "{e}");
    assert!(!e.to_string().contains("pw"));
}
