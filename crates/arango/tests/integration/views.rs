//! ArangoSearch views and analyzers: create/list/get/update/replace/rename/delete, the
//! server's validation, and the same objects read and made by python-arango-async.

use arango::{AnalyzerFeature, DbAuth, IndexDefinition, ViewInfo};
use serde_json::{Map, Value, json};

use crate::{cfg, client, pyref, root, server};

fn props(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

fn as_json(v: &ViewInfo) -> Value {
    let mut m = v.properties.clone();
    m.insert("id".into(), json!(v.id));
    m.insert("name".into(), json!(v.name));
    m.insert("type".into(), json!(v.view_type));
    m.insert("globallyUniqueId".into(), json!(v.globally_unique_id));
    Value::Object(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_and_analyzers_round_trip_and_match_the_reference_client() {
    let s = server(cfg()).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");
    sys.create_database("views").await.expect("create db");
    let db = c
        .db("views", DbAuth::basic(root()), true)
        .await
        .expect("views");
    let docs = db.create_collection("docs").await.expect("collection");
    docs.ensure_index(&IndexDefinition::inverted(["title"]).name("inv"))
        .await
        .expect("inverted index");

    // Analyzers.
    let builtin = db.analyzers().await.expect("list");
    assert!(builtin.iter().any(|a| a.name == "identity"));
    assert!(
        builtin
            .iter()
            .any(|a| a.name == "text_en" && a.analyzer_type == "text")
    );
    let an = db
        .create_analyzer(
            "an",
            "delimiter",
            props(json!({"delimiter": ","})),
            &[AnalyzerFeature::Frequency],
        )
        .await
        .expect("create");
    assert_eq!(an.name, "views::an");
    assert_eq!(an.features, [AnalyzerFeature::Frequency]);
    let again = db
        .create_analyzer(
            "an",
            "delimiter",
            props(json!({"delimiter": ","})),
            &[AnalyzerFeature::Frequency],
        )
        .await
        .expect("identical");
    assert_eq!(again, an);
    assert_eq!(db.analyzer("an").await.expect("short"), an);
    assert_eq!(db.analyzer("views::an").await.expect("full"), an);
    let refusals = [
        (
            "an",
            "delimiter",
            json!({"delimiter": ";"}),
            vec![],
            400,
            10,
        ),
        ("x", "banana", json!({}), vec![], 400, 10),
        (
            "x",
            "ngram",
            json!({"min": 3, "max": 2, "preserveOriginal": false}),
            vec![],
            400,
            10,
        ),
        ("x", "delimiter", json!({}), vec![], 400, 10),
        (
            "x",
            "identity",
            json!({}),
            vec![AnalyzerFeature::Offset],
            400,
            10,
        ),
        ("9x", "identity", json!({}), vec![], 400, 10),
        ("other::x", "identity", json!({}), vec![], 400, 10),
    ];
    for (name, t, p, f, code, num) in refusals {
        let e = db
            .create_analyzer(name, t, props(p), &f)
            .await
            .expect_err("refused");
        assert_eq!(
            (e.http_code(), e.error_num()),
            (Some(code), Some(num)),
            "{name} {t}: {e}"
        );
    }
    let e = db.analyzer("nope").await.expect_err("missing");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1202)));
    let e = db
        .delete_analyzer("identity", false)
        .await
        .expect_err("built-in");
    assert_eq!(e.http_code(), Some(403));

    // An arangosearch view: defaults filled in, links checked.
    let links =
        json!({"links": {"docs": {"analyzers": ["an", "text_en"], "includeAllFields": true}}});
    let v = db
        .create_view("dv", "arangosearch", props(links))
        .await
        .expect("create");
    assert_eq!(
        (v.name.as_str(), v.view_type.as_str()),
        ("dv", "arangosearch")
    );
    assert_eq!(v.properties["links"]["docs"]["includeAllFields"], true);
    assert_eq!(v.properties["links"]["docs"]["storeValues"], "none");
    assert_eq!(v.properties["commitIntervalMsec"], 1000);
    assert_eq!(v.properties["primarySortCompression"], "lz4");
    assert_eq!(v.properties["consolidationPolicy"]["type"], "tier");
    let listed = db.views().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), listed[0].name.as_str()),
        (v.id.as_str(), "dv")
    );
    assert!(
        listed[0].properties.is_empty(),
        "the list has no properties"
    );
    assert_eq!(
        db.view("dv").await.expect("get").globally_unique_id,
        v.globally_unique_id
    );
    assert_eq!(db.view_properties("dv").await.expect("props"), v);
    let refusals = [
        ("dv", "arangosearch", json!({}), 409, 1207),
        ("docs", "arangosearch", json!({}), 409, 1207),
        ("x", "banana", json!({}), 400, 10),
        ("", "arangosearch", json!({}), 400, 1208),
        (
            "x",
            "arangosearch",
            json!({"links": {"nope": {}}}),
            404,
            1203,
        ),
        (
            "x",
            "arangosearch",
            json!({"links": {"docs": {"analyzers": ["nope"]}}}),
            400,
            10,
        ),
        (
            "x",
            "search-alias",
            json!({"indexes": [{"collection": "docs", "index": "nope"}]}),
            404,
            1212,
        ),
    ];
    for (name, t, p, code, num) in refusals {
        let e = db
            .create_view(name, t, props(p.clone()))
            .await
            .expect_err("refused");
        assert_eq!(
            (e.http_code(), e.error_num()),
            (Some(code), Some(num)),
            "{name} {t} {p}: {e}"
        );
    }

    // Update merges, replace resets; immutable properties keep their creation values.
    let u = db
        .update_view(
            "dv",
            props(json!({"commitIntervalMsec": 500, "primarySortCompression": "none"})),
        )
        .await
        .expect("update");
    assert_eq!(u.properties["commitIntervalMsec"], 500);
    assert_eq!(u.properties["primarySortCompression"], "lz4");
    assert!(u.properties["links"]["docs"].is_object(), "links kept");
    let r = db
        .replace_view("dv", props(json!({"consolidationIntervalMsec": 7})))
        .await
        .expect("replace");
    assert_eq!(
        r.properties["commitIntervalMsec"], 1000,
        "back to the default"
    );
    assert_eq!(r.properties["consolidationIntervalMsec"], 7);
    assert_eq!(r.properties["links"], json!({}));
    let u = db
        .update_view(
            "dv",
            props(json!({"links": {"docs": {"analyzers": ["an"]}}})),
        )
        .await
        .expect("link again");
    assert_eq!(u.properties["links"]["docs"]["analyzers"], json!(["an"]));
    let e = db
        .update_view("nope", Map::new())
        .await
        .expect_err("missing");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1203)));

    // An analyzer a view links is not deleted without force.
    let e = db.delete_analyzer("an", false).await.expect_err("in use");
    assert_eq!((e.http_code(), e.error_num()), (Some(409), Some(1200)));

    // Rename.
    let renamed = db.rename_view("dv", "dv2").await.expect("rename");
    assert_eq!(
        (renamed.name.as_str(), renamed.id.as_str()),
        ("dv2", v.id.as_str())
    );
    let e = db.view("dv").await.expect_err("old name");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1203)));
    let e = db
        .rename_view("dv2", "docs")
        .await
        .expect_err("a collection's name");
    assert_eq!(e.error_num(), Some(1207));

    // A search-alias view over the inverted index.
    let alias = db
        .create_view(
            "alias",
            "search-alias",
            props(json!({"indexes": [{"collection": "docs", "index": "inv"}]})),
        )
        .await
        .expect("alias");
    assert_eq!(
        alias.properties["indexes"],
        json!([{"collection": "docs", "index": "inv"}])
    );

    // The reference client reads them and adds its own.
    let out = pyref::run(
        "views.py",
        &[&s.url(), "pw", "views", "dv2", "an", "docs", "inv"],
    )
    .await;
    let dv2 = db.view_properties("dv2").await.expect("props");
    assert_eq!(pyref::tagged(&out, "PROPS"), as_json(&dv2));
    assert_eq!(
        pyref::tagged(&out, "INFO"),
        json!({"id": dv2.id, "name": "dv2", "type": "arangosearch", "globallyUniqueId": dv2.globally_unique_id})
    );
    let py_views = pyref::tagged(&out, "VIEWS");
    assert_eq!(py_views.as_array().map(Vec::len), Some(2), "{py_views}");
    let py_an = pyref::tagged(&out, "AN");
    assert_eq!(py_an["name"], "views::an");
    assert_eq!(py_an["properties"], json!({"delimiter": ","}));
    assert_eq!(py_an["features"], json!(["frequency"]));
    assert_eq!(
        pyref::tagged(&out, "ANALYZERS").as_array().map(Vec::len),
        Some(builtin.len() + 1)
    );
    assert_eq!(
        pyref::tagged(&out, "REFUSED"),
        json!({"in_use": [409, 1200], "renamed": [404, 1203]})
    );
    let names: Vec<String> = db
        .views()
        .await
        .expect("list")
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["alias", "dv2", "py_alias", "py_view2"]);
    let py_view = db.view_properties("py_view2").await.expect("python's view");
    assert_eq!(py_view.properties["commitIntervalMsec"], 2000);
    assert_eq!(
        py_view.properties["links"]["docs"]["analyzers"],
        json!(["py_norm"])
    );
    let py_norm = db.analyzer("py_norm").await.expect("python's analyzer");
    assert_eq!(
        (py_norm.name.as_str(), py_norm.analyzer_type.as_str()),
        ("views::py_norm", "norm")
    );

    // Delete everything.
    for name in ["alias", "dv2", "py_alias", "py_view2"] {
        db.delete_view(name).await.expect("delete");
    }
    assert!(db.views().await.expect("list").is_empty());
    let e = db.delete_view("dv2").await.expect_err("gone");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1203)));
    db.delete_analyzer("an", false)
        .await
        .expect("no longer in use");
    db.delete_analyzer("views::py_norm", false)
        .await
        .expect("full name");
    let e = db.delete_analyzer("an", true).await.expect_err("gone");
    assert_eq!(e.error_num(), Some(1202));
    assert_eq!(db.analyzers().await.expect("list").len(), builtin.len());
}
