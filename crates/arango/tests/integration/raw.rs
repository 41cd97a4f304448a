//! The raw request escape hatch: any method, path, query and body, with the handle's
//! authentication, refresh and retries; any status comes back as it is.

use std::time::Duration;

use arango::{DbAuth, Error, RawRequest};
use serde_json::json;

use crate::{cfg, client, paths, root, server};

#[tokio::test]
async fn raw_requests_reach_any_endpoint_and_return_any_status() {
    let s = server(cfg()).await;
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let v = db
        .request(RawRequest::get("/_api/version"))
        .await
        .expect("version");
    assert_eq!(v.status, 200);
    assert_eq!(v.header("server"), Some("ArangoDB"));
    assert_eq!(v.json().expect("json")["server"], "arango");
    db.create_collection("raw").await.expect("coll");
    let w = db
        .request(
            RawRequest::post("/_api/document/raw")
                .query("returnNew", "true")
                .json(&json!({"_key": "a", "x": 1}))
                .expect("body"),
        )
        .await
        .expect("insert");
    assert_eq!(w.status, 202);
    assert_eq!(w.json().expect("json")["new"]["x"], 1);
    // A missing document is a 404 reply, not an error.
    let missing = db
        .request(RawRequest::get("/_api/document/raw/nope"))
        .await
        .expect("a reply, not an error");
    assert_eq!(missing.status, 404);
    assert!(!missing.is_success());
    assert_eq!(missing.json().expect("json")["errorNum"], 1202);
    // Server-root paths.
    let a = db
        .request(RawRequest::get("/_admin/server/availability").absolute())
        .await
        .expect("availability");
    assert_eq!(a.json().expect("json")["mode"], "default");
    assert_eq!(
        s.log().last().map(|e| e.path.clone()).as_deref(),
        Some("/_admin/server/availability")
    );
    // The handle's credentials cannot be overridden.
    assert!(matches!(
        RawRequest::get("/").header("Authorization", "bearer x"),
        Err(Error::Config(_))
    ));
}

#[tokio::test]
async fn raw_requests_get_the_refresh_and_the_retry_with_the_new_token() {
    // Tokens the server rejects while they look valid here: the 401 is discovered by the
    // raw request itself.
    let s = server(cfg().with_session_timeout(2).with_clock_offset(30)).await;
    let db = client(&s)
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    s.set_session_timeout(3600);
    s.clear_log();
    let r = db
        .request(RawRequest::get("/_api/collection"))
        .await
        .expect("reply");
    assert_eq!(r.status, 200);
    assert_eq!(
        paths(&s.log()),
        [
            ("/_db/_system/_api/collection", 401),
            ("/_open/auth", 200),
            ("/_db/_system/_api/collection", 200),
        ]
    );
}
