//! Access tokens: create, list, use as a basic password and for JWT logins, delete.

use arango::{Auth, DbAuth};

use crate::{cfg, client, is_unauthorized, root, server};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn access_tokens_act_as_passwords_until_deleted_or_expired() {
    let s = server(cfg()).await;
    s.add_user("svc", "svc-password");
    s.grant("svc", "_system", "rw");
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("root");
    let t = sys
        .create_access_token("svc", "ci", now() + 3600)
        .await
        .expect("create");
    assert!(t.active);
    let secret = t.token.clone().expect("the token comes with its creation");
    assert!(!format!("{t:?}").contains(secret.expose()), "{t:?}");
    let listed = sys.access_tokens("svc").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].name.as_str()), (t.id, "ci"));
    assert!(listed[0].token.is_none(), "listing never shows the token");

    let as_basic = c
        .db(
            "_system",
            DbAuth::basic(Auth::new("svc", secret.clone())),
            true,
        )
        .await
        .expect("basic with the token");
    let as_jwt = c
        .db(
            "_system",
            DbAuth::jwt(Auth::new("svc", secret.clone())),
            true,
        )
        .await
        .expect("a JWT obtained with the token");
    as_jwt.collections().await.expect("jwt works");
    // svc lists its own tokens.
    assert_eq!(as_basic.access_tokens("svc").await.expect("own").len(), 1);

    sys.delete_access_token("svc", t.id).await.expect("delete");
    let e = as_basic.collections().await.expect_err("revoked");
    assert!(is_unauthorized(&e), "{e}");
    let e = sys
        .delete_access_token("svc", t.id)
        .await
        .expect_err("gone");
    assert_eq!(e.http_code(), Some(404));
    // An expired token is listed inactive and refused.
    let old = sys
        .create_access_token("svc", "old", now() - 10)
        .await
        .expect("create");
    assert!(!old.active);
    let e = c
        .db(
            "_system",
            DbAuth::basic(Auth::new("svc", old.token.expect("token"))),
            true,
        )
        .await
        .expect_err("expired");
    assert!(e.is_auth_failure(), "{e}");
}
