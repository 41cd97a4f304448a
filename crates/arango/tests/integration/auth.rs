//! The auth matrix: every method with missing, wrong and good credentials, checked at `db()`
//! time with `verify` (a clear `Error::Verify`) and on later requests without it.

use arango::dbauth::http::Encoding;
use arango::{Auth, DbAuth, Error, GenerateOptions, JwtToken, RefreshError, Secret};
use arango_testserver::LoggedAuth;

use crate::{bearer, cfg, client, is_unauthorized, root, server};

fn verify_of(e: &Error) -> (&str, &'static str, &Error) {
    match e {
        Error::Verify {
            database,
            auth,
            source,
        } => (database.as_str(), *auth, source),
        other => panic!("expected Error::Verify, got {other:?}"),
    }
}

#[tokio::test]
async fn basic_missing_wrong_ok() {
    let s = server(cfg()).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("good credentials");
    assert_eq!(db.ping().await.expect("ping"), 200);
    assert!(db.token().is_none(), "basic auth has no token");

    for (what, auth) in [
        ("wrong password", Auth::new("root", "bad")),
        ("missing user", Auth::new("nobody", "pw")),
    ] {
        let e = c
            .db("_system", DbAuth::basic(auth), true)
            .await
            .expect_err(what);
        let (database, kind, source) = verify_of(&e);
        assert_eq!((database, kind), ("_system", "basic"));
        assert!(is_unauthorized(source), "{what}: {e}");
        assert!(e.is_auth_failure());
        let text = e.to_string();
        assert!(
            text.contains("basic authentication") && text.contains("401"),
            "{text}"
        );
        assert!(!text.contains("bad") && !text.contains("Basic "), "{text}");
    }

    // Without verify the handle is made; the first request fails with the server's error.
    let lazy = c
        .db("_system", DbAuth::basic(Auth::new("root", "bad")), false)
        .await
        .expect("no request yet");
    let e = lazy.collections().await.expect_err("401");
    assert!(is_unauthorized(&e), "{e}");
    assert!(matches!(e, Error::Server { .. }));

    // A username with ':' cannot be sent with HTTP basic: a client-side error, nothing sent.
    s.clear_log();
    let e = c
        .db("_system", DbAuth::basic(Auth::new("a:b", "pw")), true)
        .await
        .expect_err("colon");
    assert!(matches!(verify_of(&e).2, Error::Auth(_)), "{e}");
    assert!(s.log().is_empty());
}

#[tokio::test]
async fn basic_password_encodings() {
    let s = server(cfg()).await;
    s.add_user("jürgen", "pässwörd");
    assert!(s.grant("jürgen", "_system", "ro"));
    let c = client(&s);
    for enc in [Encoding::Utf8, Encoding::Latin1] {
        let db = c
            .db(
                "_system",
                DbAuth::basic(Auth::new("jürgen", "pässwörd").with_encoding(enc)),
                true,
            )
            .await
            .unwrap_or_else(|e| panic!("{enc:?}: {e}"));
        db.collections().await.expect("read");
    }
    let log = s.log();
    assert!(log.iter().all(|e| e.auth
        == LoggedAuth::Basic {
            username: "jürgen".into()
        }));
}

#[tokio::test]
async fn jwt_from_credentials_missing_wrong_ok() {
    let s = server(cfg()).await;
    let c = client(&s);
    s.clear_log();
    let db = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("good credentials");
    let tok = db.token().expect("a token after verify");
    assert_eq!(tok.claims()["preferred_username"], "root");
    assert_eq!(tok.claims()["iss"], "arangodb");
    assert_eq!(db.refresh_count(), 1);
    let log = s.log();
    assert_eq!(
        crate::paths(&log),
        [("/_open/auth", 200), ("/_db/_system/_api/collection", 200)]
    );
    assert_eq!(
        log[0].auth,
        LoggedAuth::None,
        "the login itself carries no credentials"
    );
    assert_eq!(log[1].auth, bearer(&tok));

    for (what, auth) in [
        ("wrong password", Auth::new("root", "bad")),
        ("missing user", Auth::new("nobody", "pw")),
    ] {
        let e = c
            .db("_system", DbAuth::jwt(auth), true)
            .await
            .expect_err(what);
        let (_, kind, source) = verify_of(&e);
        assert_eq!(kind, "jwt");
        assert!(
            matches!(
                source,
                Error::Refresh(RefreshError::WrongCredentials {
                    code: 401,
                    error_num: 401,
                    ..
                })
            ),
            "{what}: {e}"
        );
        assert!(e.is_auth_failure());
    }
    // Neither credentials nor a token: refused before any request.
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
        .expect_err("nothing to authenticate with");
    assert!(matches!(e, Error::Config(_)), "{e}");
}

#[tokio::test]
async fn jwt_from_token_missing_wrong_ok_and_by_hand() {
    let s = server(cfg()).await;
    let c = client(&s);
    let first = c
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("login");
    let tok = first.token().expect("token");

    // Token only: no login possible, but a valid token can be renewed
    // (`/_open/auth/renew`: no password needed).
    let db2 = c
        .db("_system", DbAuth::jwt_token(tok.clone()), true)
        .await
        .expect("token ok");
    assert_eq!(db2.refresh_count(), 0);
    db2.refresh_token().await.expect("renewed");
    assert_eq!((db2.refresh_count(), db2.renew_count()), (0, 1));
    s.set_renew_refused(true);
    assert!(matches!(
        db2.refresh_token().await,
        Err(Error::Refresh(RefreshError::BadResponse(_)))
    ));
    s.set_renew_refused(false);
    // A token for a user the server does not know, and one signed with another secret.
    s.add_user("ghost", "x");
    s.grant("ghost", "*", "rw");
    let ghost = c
        .db("_system", DbAuth::jwt(Auth::new("ghost", "x")), true)
        .await
        .expect("ghost logs in")
        .token()
        .expect("token");
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("root");
    sys.delete_user("ghost").await.expect("delete ghost");
    let e = c
        .db("_system", DbAuth::jwt_token(ghost), true)
        .await
        .expect_err("user gone");
    assert!(is_unauthorized(verify_of(&e).2), "{e}");
    let forged =
        JwtToken::generate_token(&Secret::new("not the secret"), GenerateOptions::default())
            .expect("gen");
    let e = c
        .db("_system", DbAuth::jwt_token(forged), true)
        .await
        .expect_err("wrong secret");
    assert!(is_unauthorized(verify_of(&e).2), "{e}");

    // Token and credentials: the token is used first; refresh_token() renews it while it
    // is valid (a login only when the server refuses to renew).
    let db3 = c
        .db("_system", DbAuth::jwt_with_token(root(), tok.clone()), true)
        .await
        .expect("both");
    assert_eq!(db3.refresh_count(), 0, "the given token was good");
    // Tokens are second-granular: wait so the new one differs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let t2 = db3.refresh_token().await.expect("refresh");
    assert_eq!((db3.refresh_count(), db3.renew_count()), (0, 1));
    assert_ne!(t2.token().expose(), tok.token().expose());
    assert_eq!(
        db3.token().expect("current").token().expose(),
        t2.token().expose()
    );

    // set_token() by hand, as the reference page does with db2.connection.token = new_token.
    db2.set_token(t2.clone()).expect("set token");
    s.clear_log();
    db2.ping().await.expect("ping with the set token");
    assert_eq!(s.log()[0].auth, bearer(&t2));
    assert!(first.set_token(t2).is_ok());
    assert!(
        sys.set_token(tok).is_err(),
        "basic handles have no token to replace"
    );
}

#[tokio::test]
async fn superuser_missing_wrong_ok() {
    let s = server(cfg()).await;
    let c = client(&s);
    let su =
        JwtToken::generate_token(&Secret::new("s3cret"), GenerateOptions::default()).expect("gen");
    let db = c
        .db("_system", DbAuth::superuser(su.clone()), true)
        .await
        .expect("superuser ok");
    assert!(
        db.databases()
            .await
            .expect("superuser may list databases")
            .contains(&"_system".to_owned())
    );
    // Superuser reaches databases no user was granted.
    db.create_database("private").await.expect("create");
    let p = c
        .db("private", DbAuth::superuser(su.clone()), true)
        .await
        .expect("superuser everywhere");
    p.create_collection("c").await.expect("write");
    assert_eq!(db.refresh_count(), 0);
    assert!(matches!(
        db.refresh_token().await,
        Err(Error::Refresh(RefreshError::NoCredentials))
    ));

    let wrong =
        JwtToken::generate_token(&Secret::new("nope"), GenerateOptions::default()).expect("gen");
    let expired = JwtToken::generate_token(
        &Secret::new("s3cret"),
        GenerateOptions::default()
            .with_iat(1_000_000)
            .with_exp_seconds(10),
    )
    .expect("gen");
    let bad_iss = JwtToken::generate_token(
        &Secret::new("s3cret"),
        GenerateOptions::default().with_iss("someone-else"),
    )
    .expect("gen");
    for (what, t) in [
        ("wrong secret", wrong),
        ("expired", expired),
        ("iss", bad_iss),
    ] {
        let e = c
            .db("_system", DbAuth::superuser(t), true)
            .await
            .expect_err(what);
        let (_, kind, source) = verify_of(&e);
        assert_eq!(kind, "superuser");
        assert!(is_unauthorized(source), "{what}: {e}");
    }
    // Debug output never shows a token or a password.
    let dbg = format!(
        "{:?} {:?}",
        DbAuth::superuser(su.clone()),
        DbAuth::jwt(root())
    );
    assert!(
        !dbg.contains(su.token().expose()) && !dbg.contains("\"pw\""),
        "{dbg}"
    );
}
