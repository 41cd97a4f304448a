//! Indexes of every type: create (idempotent), list, get, delete, bad definitions, and the same
//! collection read and changed by python-arango-async.

use arango::{DbAuth, Error, IndexDefinition, IndexInfo, VectorMetric};
use serde_json::{Value, json};

use crate::{cfg, client, pyref, root, server};

fn by_name<'a>(list: &'a [IndexInfo], name: &str) -> Option<&'a IndexInfo> {
    list.iter().find(|i| i.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexes_of_every_type_round_trip_and_match_the_reference_client() {
    let s = server(cfg()).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    sys.create_database("idx").await.expect("create db");
    let db = c.db("idx", DbAuth::basic(root()), true).await.expect("idx");
    let col = db.create_collection("places").await.expect("collection");

    let defs = [
        (
            "p",
            IndexDefinition::persistent(["a", "b.c"])
                .unique(true)
                .name("p"),
        ),
        ("t", IndexDefinition::ttl("at", 3600.0).name("t")),
        ("g", IndexDefinition::geo(["loc"], true).name("g")),
        ("f", IndexDefinition::fulltext("text", 3).name("f")),
        ("i", IndexDefinition::inverted(["text", "tags"]).name("i")),
        ("m", IndexDefinition::mdi(["x", "y"]).name("m")),
        (
            "mp",
            IndexDefinition::mdi_prefixed(["x"], ["kind"]).name("mp"),
        ),
        (
            "v",
            IndexDefinition::vector("emb", VectorMetric::Cosine, 4, 1).name("v"),
        ),
    ];
    let mut created = Vec::new();
    for (name, def) in &defs {
        let idx = col.ensure_index(def).await.expect(name);
        assert_eq!(idx.is_newly_created, Some(true), "{name}");
        assert_eq!(&idx.name, name);
        assert!(idx.id.starts_with("places/"), "{}", idx.id);
        // The same definition again: the existing index, not a new one.
        let again = col.ensure_index(def).await.expect(name);
        assert_eq!(again.is_newly_created, Some(false), "{name}");
        assert_eq!(again.id, idx.id);
        created.push(idx);
    }
    let p = &created[0];
    assert!(p.unique && !p.sparse);
    assert_eq!(p.fields, [json!("a"), json!("b.c")]);
    assert_eq!(created[1].extra["expireAfter"], json!(3600.0));
    assert_eq!(created[2].extra["geoJson"], json!(true));
    assert_eq!(created[3].extra["minLength"], json!(3));
    assert_eq!(
        created[4].fields,
        [json!({"name": "text"}), json!({"name": "tags"})]
    );
    assert_eq!(created[5].extra["fieldValueTypes"], json!("double"));
    assert_eq!(created[6].extra["prefixFields"], json!(["kind"]));
    assert_eq!(created[7].extra["params"]["nLists"], json!(1));

    let list = col.indexes().await.expect("list");
    assert_eq!(list.len(), 1 + defs.len());
    assert_eq!(
        (list[0].index_type.as_str(), list[0].id.as_str()),
        ("primary", "places/0")
    );
    for (name, _) in &defs {
        assert!(by_name(&list, name).is_some(), "{name} listed");
    }
    // Get by full id, by number and by name.
    let number = p.id.split_once('/').map(|(_, n)| n).expect("id");
    assert_eq!(
        col.index(&p.id).await.expect("by id"),
        col.index(number).await.expect("by n")
    );
    assert_eq!(col.index("p").await.expect("by name").id, p.id);

    // Bad definitions and unknown names: typed server errors.
    let cases = [
        (IndexDefinition::new("ttl", ["at2"]), 400, 10),
        (IndexDefinition::new("banana", ["x"]), 400, 10),
        (
            IndexDefinition::new("persistent", Vec::<String>::new()),
            400,
            10,
        ),
        (IndexDefinition::new("vector", ["emb"]), 400, 10),
        (IndexDefinition::new("mdi", ["x"]), 400, 10),
        (IndexDefinition::new("primary", ["_key"]), 400, 10),
        (IndexDefinition::persistent(["q"]).name("p"), 409, 1207),
        (IndexDefinition::ttl("other", 5.0), 400, 10),
        (IndexDefinition::persistent(["_id"]), 400, 10),
        (IndexDefinition::persistent(["a._id"]), 400, 10),
        (
            IndexDefinition::persistent(["z"]).name("no/slash"),
            400,
            1208,
        ),
    ];
    for (def, code, num) in cases {
        let e = col.ensure_index(&def).await.expect_err("refused");
        assert_eq!(
            (e.http_code(), e.error_num()),
            (Some(code), Some(num)),
            "{def:?}: {e}"
        );
    }
    let e = db
        .collection("nope")
        .ensure_index(&IndexDefinition::persistent(["a"]))
        .await
        .expect_err("no collection");
    assert_eq!(e.error_num(), Some(1203));
    let e = col.index("places/999999").await.expect_err("no index");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1212)));
    let e = col
        .delete_index("places/0")
        .await
        .expect_err("primary stays");
    assert_eq!(e.http_code(), Some(403));

    // The reference client reads the same indexes, adds one and deletes "f".
    let url = s.url();
    let out = pyref::run("indexes.py", &[&url, "pw", "idx", "places", "f"]).await;
    let py_list = pyref::tagged(&out, "LIST");
    let raw: Vec<Value> = list
        .iter()
        .map(|i| {
            let mut m = i.extra.clone();
            m.insert("id".into(), json!(i.id));
            m.insert("name".into(), json!(i.name));
            m.insert("type".into(), json!(i.index_type));
            m.insert("fields".into(), json!(i.fields));
            m.insert("unique".into(), json!(i.unique));
            m.insert("sparse".into(), json!(i.sparse));
            Value::Object(m)
        })
        .collect();
    assert_eq!(
        py_list,
        Value::Array(raw),
        "both clients read the same indexes"
    );
    assert_eq!(pyref::tagged(&out, "UNIQUE"), json!([409, 1210]));
    let after = col.indexes().await.expect("list");
    assert!(by_name(&after, "f").is_none(), "python deleted f");
    let py_idx = by_name(&after, "py_idx").expect("python's index");
    assert!(py_idx.unique);
    assert_eq!(
        pyref::tagged(&out, "AFTER").as_array().map(Vec::len),
        Some(after.len())
    );
    col.delete_index(&py_idx.id).await.expect("delete");
    let e = col.delete_index(&py_idx.id).await.expect_err("gone");
    assert_eq!(e.error_num(), Some(1212));
    assert_eq!(col.indexes().await.expect("list").len(), defs.len());
}

#[tokio::test]
async fn unique_indexes_hold_for_document_writes() {
    let s = server(cfg()).await;
    let c = client(&s);
    let db = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    let users = db.create_collection("users").await.expect("collection");
    users
        .ensure_index(
            &IndexDefinition::persistent(["email"])
                .unique(true)
                .sparse(true),
        )
        .await
        .expect("unique sparse");
    users
        .ensure_index(&IndexDefinition::persistent(["org", "no"]).unique(true))
        .await
        .expect("unique compound");
    users
        .insert(&json!({"_key": "a", "email": "a@x", "org": 1, "no": 1}))
        .await
        .expect("first");
    let e = users
        .insert(&json!({"_key": "b", "email": "a@x", "org": 1, "no": 2}))
        .await
        .expect_err("same email");
    assert_eq!(
        (e.http_code(), e.error_num()),
        (Some(409), Some(1210)),
        "{e}"
    );
    assert!(users.get("b").await.is_err(), "nothing was written");
    let e = users
        .insert(&json!({"_key": "b", "email": "b@x", "org": 1, "no": 1}))
        .await
        .expect_err("same (org, no)");
    assert_eq!(e.error_num(), Some(1210));
    // Sparse: documents without an email do not clash; the compound index is not sparse.
    users
        .insert(&json!({"_key": "c", "org": 2, "no": 1}))
        .await
        .expect("no email");
    users
        .insert(&json!({"_key": "d", "org": 2, "no": 2}))
        .await
        .expect("no email");
    // Updates and replacements are checked too, and a refused one changes nothing.
    let e = users
        .update("c", &json!({"email": "a@x"}), None)
        .await
        .expect_err("update to a taken email");
    assert_eq!(e.error_num(), Some(1210));
    assert!(users.get("c").await.expect("c").get("email").is_none());
    let e = users
        .replace("d", &json!({"org": 2, "no": 1}), None)
        .await
        .expect_err("replace onto (2, 1)");
    assert_eq!(e.error_num(), Some(1210));
    assert_eq!(users.get("d").await.expect("d")["no"], 2);
    users
        .update("c", &json!({"email": "c@x"}), None)
        .await
        .expect("a free email");
    // Batches: a clash fails only its slot.
    let slots = users
        .insert_many(&[
            json!({"_key": "e", "email": "e@x", "org": 3, "no": 1}),
            json!({"_key": "f", "email": "e@x", "org": 3, "no": 2}),
            json!({"_key": "g", "email": "g@x", "org": 3, "no": 3}),
        ])
        .await
        .expect("batch");
    assert!(slots[0].is_ok() && slots[2].is_ok());
    assert_eq!(
        slots[1].as_ref().err().and_then(Error::error_num),
        Some(1210)
    );
    // a, c, d, e, g.
    assert_eq!(users.count().await.expect("count"), 5);
    // Without the index the same write is fine.
    let idx = users.indexes().await.expect("list");
    let email = idx
        .iter()
        .find(|i| i.fields == [json!("email")])
        .expect("email index");
    users.delete_index(&email.id).await.expect("drop");
    users
        .insert(&json!({"_key": "h", "email": "a@x", "org": 9, "no": 9}))
        .await
        .expect("no longer unique");
}
