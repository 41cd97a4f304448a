//! Document options: returnNew/Old, silent, overwriteMode, keepNull, mergeObjects,
//! waitForSync, If-Match, If-None-Match and HEAD.

use arango::{DbAuth, DocHead, DocOptions, OverwriteMode};
use serde_json::json;

use crate::{cfg, client, root, server};

#[tokio::test]
async fn write_options_reach_the_server_and_shape_the_answer() {
    let s = server(cfg()).await;
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("opts").await.expect("coll");
    let m = col
        .insert_with(
            &json!({"_key": "a", "o": {"x": 1, "y": 2}, "n": 1}),
            &DocOptions::new().return_new(true).wait_for_sync(true),
        )
        .await
        .expect("insert")
        .expect("meta");
    assert_eq!(m.new.as_ref().map(|n| n["n"].clone()), Some(json!(1)));
    assert_eq!(
        s.log().last().map(|e| e.status),
        Some(201),
        "waitForSync: 201"
    );
    // overwriteMode update merges into the stored document, and returns the old one.
    let m = col
        .insert_with(
            &json!({"_key": "a", "o": {"z": 3}, "n": null}),
            &DocOptions::new()
                .overwrite_mode(OverwriteMode::Update)
                .keep_null(false)
                .return_old(true),
        )
        .await
        .expect("upsert")
        .expect("meta");
    assert_eq!(m.old.as_ref().map(|o| o["n"].clone()), Some(json!(1)));
    let doc = col.get("a").await.expect("get");
    assert_eq!(doc["o"], json!({"x": 1, "y": 2, "z": 3}));
    assert!(doc.get("n").is_none(), "keepNull false removed it: {doc}");
    // mergeObjects false replaces the object.
    col.update_with(
        "a",
        &json!({"o": {"only": true}}),
        &DocOptions::new().merge_objects(false),
    )
    .await
    .expect("update");
    assert_eq!(col.get("a").await.expect("get")["o"], json!({"only": true}));
    // ignore keeps the document; conflict refuses.
    col.insert_with(
        &json!({"_key": "a", "o": 0}),
        &DocOptions::new().overwrite_mode(OverwriteMode::Ignore),
    )
    .await
    .expect("ignored");
    assert_eq!(col.get("a").await.expect("get")["o"], json!({"only": true}));
    let e = col
        .insert_with(
            &json!({"_key": "a"}),
            &DocOptions::new().overwrite_mode(OverwriteMode::Conflict),
        )
        .await
        .expect_err("conflict");
    assert_eq!(e.error_num(), Some(1210));
    // silent: no meta; batches give only their errors.
    assert!(
        col.insert_with(&json!({"_key": "b"}), &DocOptions::new().silent(true))
            .await
            .expect("silent")
            .is_none()
    );
    let r = col
        .insert_many_with(
            &[json!({"_key": "c"}), json!({"_key": "b"})],
            &DocOptions::new().silent(true),
        )
        .await
        .expect("batch");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].as_ref().err().and_then(|e| e.error_num()), Some(1210));
    // If-Match on a single write.
    let rev = col.get("c").await.expect("get")["_rev"]
        .as_str()
        .expect("rev")
        .to_owned();
    let e = col
        .replace_with("c", &json!({"v": 1}), &DocOptions::new().if_match("stale"))
        .await
        .expect_err("412");
    assert_eq!((e.http_code(), e.error_num()), (Some(412), Some(1200)));
    col.replace_with("c", &json!({"v": 1}), &DocOptions::new().if_match(&rev))
        .await
        .expect("matching rev");
    // ignoreRevs false on a batch: each _rev must match.
    let r = col
        .update_many_with(
            &[json!({"_key": "c", "_rev": "stale", "v": 2})],
            &DocOptions::new().ignore_revs(false),
        )
        .await
        .expect("batch");
    assert_eq!(r[0].as_ref().err().and_then(|e| e.error_num()), Some(1200));
    let m = col
        .delete_with("c", &DocOptions::new().return_old(true))
        .await
        .expect("delete")
        .expect("meta");
    assert_eq!(m.old.as_ref().map(|o| o["v"].clone()), Some(json!(1)));
}

#[tokio::test]
async fn conditional_reads_and_head() {
    let s = server(cfg()).await;
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("cond").await.expect("coll");
    let rev = col
        .insert(&json!({"_key": "k", "v": 1}))
        .await
        .expect("insert")
        .rev;
    assert!(col.has("k").await.expect("has"));
    assert!(!col.has("nope").await.expect("has"));
    assert_eq!(
        col.head("k", None, None).await.expect("head"),
        DocHead::Present { rev: rev.clone() }
    );
    assert_eq!(
        col.head("k", None, Some(&rev)).await.expect("head"),
        DocHead::Unchanged
    );
    let e = col.head("k", Some("stale"), None).await.expect_err("412");
    assert_eq!(e.http_code(), Some(412));
    assert_eq!(col.get_if_changed("k", &rev).await.expect("304"), None);
    col.update("k", &json!({"v": 2}), None)
        .await
        .expect("update");
    let doc = col.get_if_changed("k", &rev).await.expect("changed");
    assert_eq!(doc.map(|d| d["v"].clone()), Some(json!(2)));
}
