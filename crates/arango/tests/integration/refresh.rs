//! JWT refresh: before a request near `exp`, after a 401 (one retry, new header, same path),
//! single-flight under concurrency, secret rotation, and typed failures.

use std::time::Duration;

use arango::{ArangoClient, DbAuth, Error, RefreshError};
use arango_testserver::LoggedAuth;

use crate::{bearer, cfg, client, paths, root, server};

/// Sleeps past the 2-second session of a token issued just now.
async fn past_expiry() {
    tokio::time::sleep(Duration::from_millis(2100)).await;
}

/// Tokens the stand-in issues from now on live an hour. Called once the token under test has
/// expired: the token its refresh brings must be accepted by the requests that follow, and a
/// 2-second one (1 to 2 s in fact: `exp` is in whole seconds) would leave a loaded machine
/// little time for them.
fn long_sessions_from_now(s: &arango_testserver::TestServer) {
    s.set_session_timeout(3600);
}

#[tokio::test]
async fn expired_token_is_refreshed_before_the_request_when_clocks_agree() {
    let s = server(cfg().with_session_timeout(2)).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    sys.create_database("exp").await.expect("create db");
    let first = sys.token().expect("token");
    let db = c
        .db("exp", DbAuth::jwt_with_token(root(), first.clone()), false)
        .await
        .expect("db");
    past_expiry().await;
    long_sessions_from_now(&s);
    s.clear_log();
    db.collections().await.expect("no error for the caller");
    let log = s.log();
    let new = db.token().expect("new token");
    assert_ne!(new.token().expose(), first.token().expose());
    // Our clock says the token is stale: log in first, no 401 at all.
    assert_eq!(
        paths(&log),
        [("/_open/auth", 200), ("/_db/exp/_api/collection", 200)]
    );
    assert_eq!(log[1].auth, bearer(&new));
}

#[tokio::test]
async fn server_side_expiry_gets_one_refresh_and_a_retry_with_the_new_token_on_the_same_path() {
    // The server's clock runs 30 s ahead: its tokens look valid to us for 30 s longer than
    // it accepts them, so expiry is discovered by a 401 (as with any clock difference).
    let s = server(cfg().with_session_timeout(2).with_clock_offset(30)).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    sys.create_database("exp").await.expect("create db");
    let db = c.db("exp", DbAuth::jwt(root()), true).await.expect("db");
    let old = db.token().expect("token");
    past_expiry().await;
    assert!(!old.is_expired(), "still valid by our clock");
    long_sessions_from_now(&s);
    s.clear_log();
    let cols = db.collections().await.expect("no error for the caller");
    assert!(cols.is_empty());
    let log = s.log();
    let new = db.token().expect("new token");
    assert_eq!(
        paths(&log),
        [
            ("/_db/exp/_api/collection", 401),
            ("/_open/auth", 200),
            ("/_db/exp/_api/collection", 200),
        ],
        "exactly one login, and the retry on the same path (no doubled /_db prefix)"
    );
    assert_eq!(log[0].auth, bearer(&old));
    assert_eq!(log[2].auth, bearer(&new), "the retry carries the NEW token");
    assert_ne!(log[0].auth, log[2].auth);
    assert_eq!(db.refresh_count(), 2);

    // A write is retried the same way, body and all: a 2-second token again, expired on the
    // server.
    s.set_session_timeout(2);
    db.refresh_token().await.expect("a short-lived token");
    past_expiry().await;
    long_sessions_from_now(&s);
    s.clear_log();
    let col = db.create_collection("after").await.expect("create");
    let meta = col
        .insert(&serde_json::json!({"_key": "k", "v": 1}))
        .await
        .expect("insert");
    assert_eq!(meta.id, "after/k");
    let log = s.log();
    assert_eq!(
        paths(&log)[..3],
        [
            ("/_db/exp/_api/collection", 401),
            ("/_open/auth", 200),
            ("/_db/exp/_api/collection", 200),
        ]
    );
    assert_eq!(col.get("k").await.expect("get")["v"], 1);
}

#[tokio::test]
async fn secret_rotation_recovers_with_credentials_and_fails_cleanly_without() {
    let s = server(cfg()).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    let token_only = c
        .db("_system", DbAuth::jwt_token(db.token().expect("t")), true)
        .await
        .expect("token only");
    s.rotate_secret("rotated");
    s.clear_log();
    db.collections().await.expect("recovers after rotation");
    let log = s.log();
    assert_eq!(
        paths(&log),
        [
            ("/_db/_system/_api/collection", 401),
            ("/_open/auth", 200),
            ("/_db/_system/_api/collection", 200),
        ]
    );
    assert_eq!(log[2].auth, bearer(&db.token().expect("new")));
    // Without credentials the 401 is the caller's error; nothing is retried.
    s.clear_log();
    let e = token_only.collections().await.expect_err("old secret");
    assert!(crate::is_unauthorized(&e), "{e}");
    assert_eq!(s.log().len(), 1);
}

async fn fifty(db: &arango::Database) {
    let futs = (0..50).map(|_| {
        let db = db.clone();
        async move { db.collections().await }
    });
    for r in futures::future::join_all(futs).await {
        r.expect("every request succeeds");
    }
}

fn logins(s: &arango_testserver::TestServer) -> usize {
    s.log().iter().filter(|e| e.path == "/_open/auth").count()
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

    // Stale by our clock: one refresh before sending, shared by all 50.
    past_expiry().await;
    long_sessions_from_now(&s);
    s.clear_log();
    fifty(&db).await;
    assert_eq!(logins(&s), 1);
    assert_eq!(db.refresh_count(), 2);
    let log = s.log();
    assert_eq!(log.iter().filter(|e| e.status == 200).count(), 51);

    // Rejected by the server while valid by our clock (rotation): all 50 get a 401, still
    // one refresh, and every retry carries the new token.
    s.rotate_secret("again");
    s.clear_log();
    fifty(&db).await;
    assert_eq!(logins(&s), 1, "one refresh");
    assert_eq!(db.refresh_count(), 3);
    let newest = bearer(&db.token().expect("token"));
    let log = s.log();
    let ok: Vec<_> = log
        .iter()
        .filter(|e| e.status == 200 && e.path != "/_open/auth")
        .collect();
    assert_eq!(ok.len(), 50);
    assert!(ok.iter().all(|e| e.auth == newest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_rejected_after_server_side_expiry_cause_one_refresh() {
    let s = server(cfg().with_session_timeout(2).with_clock_offset(30)).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    past_expiry().await;
    long_sessions_from_now(&s);
    s.clear_log();
    fifty(&db).await;
    assert_eq!(logins(&s), 1);
    let log = s.log();
    // Requests sent before the refresh finished were rejected (and retried); later ones
    // went out with the new token directly. None needed a second login.
    let rejected = log.iter().filter(|e| e.status == 401).count();
    assert!((1..=50).contains(&rejected), "{rejected}");
    assert_eq!(log.iter().filter(|e| e.status == 200).count(), 51);
    let newest = bearer(&db.token().expect("token"));
    assert!(
        log.iter()
            .filter(|e| e.status == 200 && e.path != "/_open/auth")
            .all(|e| e.auth == newest)
    );
}

#[tokio::test]
async fn leeway_refreshes_before_exp_without_a_rejection() {
    // Within the leeway 1 s after login (exp - leeway = iat + 1), expired only after 10 s
    // (9 s at the least, `exp` being in whole seconds): the check that the first token is
    // still valid has ample time on a loaded machine.
    let s = server(cfg().with_session_timeout(10)).await;
    let c = ArangoClient::builder()
        .hosts([s.url()])
        .refresh_leeway(Duration::from_secs(9))
        .build()
        .expect("client");
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    let first = db.token().expect("token");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(!first.is_expired());
    s.clear_log();
    db.collections().await.expect("ok");
    // Still valid: renewed with the token itself, no password on the wire.
    assert_eq!(
        paths(&s.log()),
        [
            ("/_open/auth/renew", 200),
            ("/_db/_system/_api/collection", 200)
        ]
    );
    assert!(db.token().expect("t").exp() > first.exp());
    assert_eq!((db.refresh_count(), db.renew_count()), (1, 1));
}

#[tokio::test]
async fn refresh_failures_are_typed() {
    // The server issues tokens with no lifetime.
    let s = server(cfg().with_session_timeout(0)).await;
    let e = client(&s)
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect_err("expired on arrival");
    assert!(
        matches!(
            &e,
            Error::Verify { source, .. }
                if matches!(**source, Error::Refresh(RefreshError::ExpiredToken { .. }))
        ),
        "{e}"
    );

    // The server's clock is an hour behind ours: a 60 s token is valid by its clock, dead by
    // ours.
    let s = server(cfg().with_session_timeout(60).with_clock_offset(-3600)).await;
    let db = client(&s)
        .db("_system", DbAuth::jwt(root()), false)
        .await
        .expect("handle");
    let e = db.collections().await.expect_err("skew");
    match e {
        Error::Refresh(RefreshError::ClockSkew {
            server_iat,
            exp,
            local_now,
        }) => {
            assert_eq!(exp - server_iat, 60);
            assert!(local_now - server_iat >= 3590, "{local_now} {server_iat}");
        }
        other => panic!("expected ClockSkew, got {other:?}"),
    }

    // The password changed on the server after the token was issued: once the token is
    // rejected, the refresh reports wrong credentials; the request is not retried.
    let s = server(cfg()).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("b");
    sys.create_user("bob", &arango::Secret::new("old"), true)
        .await
        .expect("user");
    sys.set_permission("bob", "_system", "rw")
        .await
        .expect("grant");
    let bob = c
        .db(
            "_system",
            DbAuth::jwt(arango::Auth::new("bob", "old")),
            true,
        )
        .await
        .expect("bob");
    s.add_user("bob", "new");
    s.grant("bob", "_system", "rw");
    s.rotate_secret("rotated");
    s.clear_log();
    let e = bob.collections().await.expect_err("refresh fails");
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
    assert!(e.is_auth_failure());
    assert_eq!(
        paths(&s.log()),
        [("/_db/_system/_api/collection", 401), ("/_open/auth", 401)]
    );
    assert_eq!(s.log()[1].auth, LoggedAuth::None);
    db.collections().await.expect("root recovers");
}
