//! Databases, collections and documents (JSON and typed), with `_rev` preconditions and
//! batch variants.

use arango::{DbAuth, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{cfg, client, root, server};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Person {
    #[serde(rename = "_key")]
    key: String,
    name: String,
    born: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

#[derive(Debug, Serialize)]
struct Patch<'a> {
    field: &'a str,
}

#[tokio::test]
async fn typed_documents_and_cursors() {
    let s = server(cfg()).await;
    let db = client(&s)
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let col = db.create_collection("people").await.expect("coll");
    let ada = Person {
        key: "ada".into(),
        name: "Ada Lovelace".into(),
        born: 1815,
        field: None,
    };
    let meta = col.insert(&ada).await.expect("insert a struct");
    assert_eq!(meta.key, "ada");
    let people: Vec<Person> = (0..5)
        .map(|i| Person {
            key: format!("p{i}"),
            name: format!("person {i}"),
            born: 1900 + i,
            field: None,
        })
        .collect();
    assert!(
        col.insert_many(&people)
            .await
            .expect("many")
            .iter()
            .all(Result::is_ok)
    );
    col.update("ada", &Patch { field: "maths" }, Some(&meta.rev))
        .await
        .expect("typed patch");
    let got: Person = col.get_as("ada").await.expect("typed get");
    assert_eq!(
        got,
        Person {
            field: Some("maths".into()),
            ..ada.clone()
        }
    );
    // A document that does not fit the type is a deserialization error, not a panic.
    col.insert(&json!({"_key": "odd", "name": 5}))
        .await
        .expect("insert");
    let e = col.get_as::<Person>("odd").await.expect_err("wrong shape");
    assert!(matches!(e, Error::Deserialization { .. }), "{e}");

    let mut binds = Map::new();
    binds.insert("min".into(), json!(1902));
    let cur = db
        .aql_as::<Person>(
            "FOR p IN people FILTER p.born >= @min SORT p.born DESC RETURN p",
            binds,
            Some(2),
        )
        .await
        .expect("query");
    let found = cur.collect().await.expect("all");
    let years: Vec<u32> = found.iter().map(|p| p.born).collect();
    assert_eq!(years, [1904, 1903, 1902]);
    let names = db
        .aql_as::<String>(
            "FOR p IN people FILTER p.born == 1815 RETURN p.name",
            Map::new(),
            None,
        )
        .await
        .expect("q")
        .collect()
        .await
        .expect("names");
    assert_eq!(names, ["Ada Lovelace"]);
}
