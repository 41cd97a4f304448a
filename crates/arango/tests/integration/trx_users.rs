//! Stream transactions, users and database permissions.

use arango::{Auth, DbAuth, Secret};
use serde_json::json;

use crate::{cfg, client, is_unauthorized, root, server};

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
async fn write_write_conflicts_and_the_idle_timeout() {
    let s = server(cfg()).await;
    s.set_trx_idle_timeout(std::time::Duration::from_secs(1));
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("w").await.expect("coll");
    col.insert(&json!({"_key": "k", "v": 0}))
        .await
        .expect("insert");
    let a = db.begin_transaction(&["w"], &[]).await.expect("a");
    let b = db.begin_transaction(&["w"], &[]).await.expect("b");
    a.db()
        .collection("w")
        .update("k", &json!({"v": 1}), None)
        .await
        .expect("a writes first");
    let e = b
        .db()
        .collection("w")
        .update("k", &json!({"v": 2}), None)
        .await
        .expect_err("conflict");
    assert_eq!(
        (e.http_code(), e.error_num()),
        (Some(409), Some(1200)),
        "{e}"
    );
    let e = col
        .update("k", &json!({"v": 3}), None)
        .await
        .expect_err("outside any transaction too");
    assert_eq!(e.error_num(), Some(1200));
    assert_eq!(b.abort().await.expect("abort b"), "aborted");
    assert_eq!(a.commit().await.expect("commit a"), "committed");
    assert_eq!(
        col.get("k").await.expect("get")["v"],
        1,
        "b's abort kept a's write"
    );
    // Idle for longer than the timeout: aborted, its write undone.
    let c = db.begin_transaction(&["w"], &[]).await.expect("c");
    c.db()
        .collection("w")
        .update("k", &json!({"v": 9}), None)
        .await
        .expect("c writes");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while col.get("k").await.expect("get")["v"] != 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(col.get("k").await.expect("get")["v"], 1);
    let e = c.commit().await.expect_err("expired");
    assert!(e.http_code().is_some(), "{e}");
}
