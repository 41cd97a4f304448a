//! Collections created with options, reconfigured, renamed, counted, truncated and their
//! figures; databases created with users and options; the same read and done by
//! python-arango-async.

use arango::dbauth::http::Auth;
use arango::{
    CollectionConfig, CreateCollectionOptions, DatabaseOptions, DatabaseUser, DbAuth,
    IndexDefinition, Secret,
};
use serde_json::{Value, json};

use crate::{cfg, client, is_unauthorized, pyref, root, server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collection_settings_and_databases_with_users() {
    let s = server(cfg()).await;
    let c = client(&s);
    let sys = c
        .db("_system", DbAuth::basic(root()), true)
        .await
        .expect("db");

    // A database created with a user, who can then use it (and only it).
    let alice = Secret::new("alice-pw");
    let opts = DatabaseOptions::default().sharding("").write_concern(1);
    sys.create_database_with(
        "shop",
        &[DatabaseUser::new("alice", &alice).active(true)],
        &opts,
    )
    .await
    .expect("create");
    let user = DatabaseUser::new("carol", &Secret::new("hidden-pw"));
    assert!(
        !format!("{user:?}").contains("hidden-pw"),
        "no password in Debug"
    );
    let as_alice = c
        .db("shop", DbAuth::basic(Auth::new("alice", "alice-pw")), true)
        .await
        .expect("alice gets rw on her database");
    as_alice.create_collection("mine").await.expect("write");
    let e = c
        .db(
            "_system",
            DbAuth::basic(Auth::new("alice", "alice-pw")),
            true,
        )
        .await
        .expect_err("no access elsewhere");
    assert!(is_unauthorized(&e), "{e}");
    let e = sys
        .create_database_with("shop", &[], &DatabaseOptions::default())
        .await
        .expect_err("duplicate");
    assert_eq!(e.error_num(), Some(1207));

    // A collection created with options; properties answer them back.
    let db = c
        .db("shop", DbAuth::basic(root()), true)
        .await
        .expect("shop");
    let schema = json!({"rule": {"type": "object", "required": ["sku"]}, "level": "moderate"});
    let opts = CreateCollectionOptions::default()
        .wait_for_sync(true)
        .key_options(json!({"type": "autoincrement", "increment": 5, "offset": 10}))
        .schema(schema.clone())
        .computed_values(
            json!([{"name": "at", "expression": "RETURN DATE_NOW()", "overwrite": true}]),
        )
        .cache_enabled(true)
        .option("numberOfShards", json!(1));
    let items = db
        .create_collection_with("items", &opts)
        .await
        .expect("create");
    let p = items.properties().await.expect("properties");
    assert_eq!(p["waitForSync"], true);
    assert_eq!(p["cacheEnabled"], true);
    assert_eq!(p["keyOptions"]["type"], "autoincrement");
    assert_eq!(p["keyOptions"]["increment"], 5);
    assert_eq!(p["schema"]["level"], "moderate");
    assert_eq!(p["schema"]["rule"], schema["rule"]);
    assert_eq!(p["computedValues"][0]["name"], "at");
    let bad = [
        (
            CreateCollectionOptions::default().key_options(json!({"type": "banana"})),
            400,
            10,
        ),
        (
            CreateCollectionOptions::default().schema(json!({"level": "strict"})),
            400,
            1620,
        ),
        (
            CreateCollectionOptions::default().computed_values(json!([{"name": "x"}])),
            400,
            1510,
        ),
        (
            CreateCollectionOptions::default()
                .cache_enabled(true)
                .option("keyOptions", json!(3)),
            400,
            10,
        ),
    ];
    for (o, code, num) in bad {
        let e = db
            .create_collection_with("bad", &o)
            .await
            .expect_err("refused");
        assert_eq!(
            (e.http_code(), e.error_num()),
            (Some(code), Some(num)),
            "{o:?}: {e}"
        );
    }
    let edge = db
        .create_collection_with("rel", &CreateCollectionOptions::default().edge())
        .await
        .expect("edge");
    assert_eq!(edge.info().await.expect("info").collection_type, 3);

    // Configure: only what is given changes; the schema can be removed.
    let cfgd = items
        .configure(
            &CollectionConfig::default()
                .cache_enabled(false)
                .schema(Value::Null),
        )
        .await
        .expect("configure");
    assert_eq!(cfgd["cacheEnabled"], false);
    assert_eq!(cfgd["schema"], Value::Null);
    assert_eq!(cfgd["waitForSync"], true, "unchanged");
    let e = items
        .configure(&CollectionConfig::default().schema(json!("nope")))
        .await
        .expect_err("bad schema");
    assert_eq!(e.error_num(), Some(1620));

    // Count, figures, truncate.
    for i in 0..7 {
        items
            .insert(&json!({"_key": format!("k{i}"), "sku": i}))
            .await
            .expect("insert");
    }
    items
        .ensure_index(&IndexDefinition::persistent(["sku"]))
        .await
        .expect("index");
    assert_eq!(items.count().await.expect("count"), 7);
    let f = items.figures().await.expect("figures");
    assert_eq!(f["count"], 7);
    assert_eq!(f["figures"]["indexes"]["count"], 2, "primary and sku");
    assert!(
        f["figures"]["documentsSize"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );

    // The reference client reads the same and renames back and forth.
    let out = pyref::run(
        "collection_settings.py",
        &[&s.url(), "pw", "shop", "items", "items2"],
    )
    .await;
    let py_props = pyref::tagged(&out, "PROPS");
    assert_eq!(py_props["name"], "items");
    assert_eq!(pyref::tagged(&out, "COUNT"), json!(7));
    let stats = pyref::tagged(&out, "STATS");
    assert_eq!(stats, f, "python reads the same figures");
    let configured = pyref::tagged(&out, "CONFIGURED");
    assert!(configured.to_string().contains("false"), "{configured}");
    let p = items.properties().await.expect("properties");
    assert_eq!(
        (p["cacheEnabled"].clone(), p["waitForSync"].clone()),
        (json!(false), json!(false))
    );
    let bob = c
        .db("pyusers", DbAuth::basic(Auth::new("bob", "bobpw")), true)
        .await
        .expect("python's user on python's database");
    assert_eq!(bob.collections().await.expect("list")[0].name, "bobs");

    // Rename.
    let renamed = items.rename("stock").await.expect("rename");
    assert_eq!(renamed.count().await.expect("count"), 7);
    let e = items.count().await.expect_err("old name");
    assert_eq!((e.http_code(), e.error_num()), (Some(404), Some(1203)));
    let e = renamed.rename("rel").await.expect_err("taken");
    assert_eq!((e.http_code(), e.error_num()), (Some(409), Some(1207)));
    let e = renamed.rename("bad/name").await.expect_err("illegal");
    assert_eq!((e.http_code(), e.error_num()), (Some(400), Some(1208)));
    let e = db
        .collection("ghost")
        .rename("x")
        .await
        .expect_err("missing");
    assert_eq!(e.error_num(), Some(1203));
    assert_eq!(
        renamed.properties().await.expect("props")["keyOptions"]["type"],
        "autoincrement"
    );
    renamed.truncate_with(true, true).await.expect("truncate");
    assert_eq!(renamed.count().await.expect("count"), 0);
}
