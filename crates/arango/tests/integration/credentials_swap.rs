//! New credentials applied to a live handle (`Database::set_credentials`) after the password
//! changed on the server: a request in flight (held by the stand-in) finishes, the next ones
//! authenticate with the new credentials; with JWT a refused new password changes nothing.

use std::time::Duration;

use arango::{Auth, DbAuth, Error};

use crate::{bearer, cfg, client, server};

/// The user `app` with `password` and read-write rights on `_system` (replacing any before).
fn app_user(s: &arango_testserver::TestServer, password: &str) {
    s.add_user("app", password);
    assert!(s.grant("app", "_system", "rw"));
}

#[tokio::test]
async fn basic_credentials_are_replaced_without_failing_a_request_in_flight() {
    let s = server(cfg()).await;
    app_user(&s, "pw1");
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::basic(Auth::new("app", "pw1")), true)
        .await
        .expect("basic");
    s.delay_next_response("/_db/_system/_api/collection", Duration::from_millis(800));
    let in_flight = tokio::spawn({
        let db = db.clone();
        async move { db.collections().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    app_user(&s, "pw2");
    let stale = c
        .db("_system", DbAuth::basic(Auth::new("app", "pw1")), false)
        .await
        .expect("handle");
    let e = stale
        .collections()
        .await
        .expect_err("the old password is refused now");
    assert!(e.is_auth_failure(), "{e:?}");
    db.set_credentials(Auth::new("app", "pw2"))
        .await
        .expect("swap");
    in_flight
        .await
        .expect("task")
        .expect("the request in flight finished");
    db.collections().await.expect("the new password is used");
    let e = db
        .set_credentials(Auth::new("a:b", "x"))
        .await
        .expect_err("a colon in a basic username");
    assert!(
        matches!(e, Error::AuthHeader(_) | Error::Config(_) | Error::Auth(_)),
        "{e:?}"
    );
    db.collections()
        .await
        .expect("the last good credentials stay");
}

#[tokio::test]
async fn jwt_credentials_log_in_first_and_a_refused_password_changes_nothing() {
    let s = server(cfg()).await;
    app_user(&s, "pw1");
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::jwt(Auth::new("app", "pw1")), true)
        .await
        .expect("jwt");
    let first = db.token().expect("token");
    s.delay_next_response("/_db/_system/_api/collection", Duration::from_millis(800));
    let in_flight = tokio::spawn({
        let db = db.clone();
        async move { db.collections().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    app_user(&s, "pw2");

    let e = db
        .set_credentials(Auth::new("app", "not-it-7331"))
        .await
        .expect_err("refused");
    assert!(e.is_auth_failure(), "{e:?}");
    assert!(
        !format!("{e} {e:?}").contains("not-it-7331"),
        "password in {e:?}"
    );
    assert_eq!(
        db.token().expect("token").token().expose(),
        first.token().expose(),
        "a refused login keeps the token"
    );
    db.collections().await.expect("the old token still serves");

    let logins = db.refresh_count();
    db.set_credentials(Auth::new("app", "pw2"))
        .await
        .expect("swap");
    assert_eq!(
        db.refresh_count(),
        logins + 1,
        "logged in with the new password"
    );
    let second = db.token().expect("token");
    in_flight
        .await
        .expect("task")
        .expect("the request in flight finished");
    s.clear_log();
    db.collections().await.expect("with the new token");
    let log = s.log();
    assert_eq!(
        log.last().map(|e| &e.auth),
        Some(&bearer(&second)),
        "{log:?}"
    );

    let su = c
        .db("_system", DbAuth::jwt(crate::root()), true)
        .await
        .expect("root");
    let token = su.token().expect("token");
    let su = c
        .db("_system", DbAuth::superuser(token), false)
        .await
        .expect("superuser");
    let e = su
        .set_credentials(Auth::new("app", "pw2"))
        .await
        .expect_err("a superuser handle has no credentials");
    assert!(matches!(e, Error::Config(_)), "{e:?}");
}
