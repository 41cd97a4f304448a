//! Schema management: sync_table creates, adds columns and indexes, alters options, never
//! retypes; plans print as CQL; user types; keyspaces.

use cql::mapper::{Error, Model, ModelExt, SchemaManager};

use super::models::{AllTypes, Event};
use super::{setup, wait_for_indexes};

mod v1 {
    /// The first version of a model.
    #[derive(Debug, Clone, PartialEq, cql::Model)]
    #[cql(table = "profiles")]
    pub(crate) struct Profile {
        #[cql(partition_key)]
        pub(crate) id: i32,
        pub(crate) name: String,
    }
}

mod v2 {
    /// The model grows a column (indexed) and an option.
    #[derive(Debug, Clone, PartialEq, cql::Model)]
    #[cql(table = "profiles", option = "gc_grace_seconds = 3600")]
    pub(crate) struct Profile {
        #[cql(partition_key)]
        pub(crate) id: i32,
        pub(crate) name: String,
        #[cql(index)]
        pub(crate) email: Option<String>,
    }
}

mod retyped {
    /// The name column retyped: refused.
    #[derive(Debug, Clone, PartialEq, cql::Model)]
    #[cql(table = "profiles")]
    pub(crate) struct Profile {
        #[cql(partition_key)]
        pub(crate) id: i32,
        pub(crate) name: i64,
        pub(crate) email: Option<i32>,
    }
}

#[tokio::test]
async fn sync_table_adds_columns_and_indexes_and_refuses_retypes() {
    let (s, ks) = setup(cql::ProtocolVersion::V5, "mapper_sync").await;
    let m = SchemaManager::opt_in(&s);
    let created = m.sync_table::<v1::Profile>(None).await.expect("create");
    assert_eq!(created.statements.len(), 1);
    assert!(
        created.statements[0].starts_with("CREATE TABLE"),
        "{created}"
    );
    v1::Profile {
        id: 1,
        name: "a".into(),
    }
    .insert()
    .execute(&s)
    .await
    .expect("insert v1");
    assert!(
        m.plan_table::<v1::Profile>(None)
            .await
            .expect("plan")
            .is_empty()
    );

    let plan = m.plan_table::<v2::Profile>(None).await.expect("plan v2");
    let text = plan.to_string();
    assert_eq!(plan.statements.len(), 3, "{text}");
    assert!(
        text.contains(&format!("ALTER TABLE {ks}.profiles ADD email text;")),
        "{text}"
    );
    assert!(text.contains("gc_grace_seconds = 3600"), "{text}");
    assert!(text.contains("CREATE INDEX IF NOT EXISTS ON"), "{text}");
    // Planning changed nothing.
    let meta = s.refresh_metadata().await.expect("meta");
    assert!(
        meta.keyspaces()[&ks].tables["profiles"]
            .column("email")
            .is_none()
    );

    let applied = m.sync_table::<v2::Profile>(None).await.expect("sync v2");
    assert_eq!(applied, plan);
    let meta = s.refresh_metadata().await.expect("meta");
    let t = &meta.keyspaces()[&ks].tables["profiles"];
    assert_eq!(
        t.column("email").map(|c| c.type_text.as_str()),
        Some("text")
    );
    assert_eq!(t.indexes.len(), 1);
    assert_eq!(
        t.options.get("gc_grace_seconds").map(String::as_str),
        Some("3600")
    );
    assert!(
        m.plan_table::<v2::Profile>(None)
            .await
            .expect("plan")
            .is_empty(),
        "in sync"
    );
    let back = v2::Profile::objects()
        .filter(v2::Profile::ID.eq(1))
        .get(&s)
        .await
        .expect("old row, new model");
    assert_eq!(back.email, None);
    // The server builds a new index in the background: `sync_table` waits for schema
    // agreement, and a query by the index before the build is over fails (IndexNotAvailable).
    wait_for_indexes::<v2::Profile>(&s, &ks).await;
    let by_index = v2::Profile::objects()
        .filter(v2::Profile::EMAIL.eq("nobody"))
        .count(&s)
        .await
        .expect("by the new index");
    assert_eq!(by_index, 0);

    let r = m.sync_table::<retyped::Profile>(None).await;
    match r {
        Err(Error::Incompatible { differences, .. }) => {
            assert_eq!(differences.len(), 2, "{differences:?}");
            assert!(
                differences[0].contains("column name")
                    && differences[0].contains("bigint")
                    && differences[0].contains("text"),
                "{differences:?}"
            );
            assert!(
                differences[1].contains("column email") && differences[1].contains("int"),
                "{differences:?}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let meta = s.refresh_metadata().await.expect("meta");
    assert_eq!(
        meta.keyspaces()[&ks].tables["profiles"]
            .column("name")
            .map(|c| c.type_text.as_str()),
        Some("text"),
        "nothing changed"
    );

    // A model whose table reads with another type fails at first use, naming the column.
    let r = retyped::Profile::objects()
        .filter(retyped::Profile::ID.eq(1))
        .get(&s)
        .await;
    let e = r.expect_err("mismatch");
    assert!(e.to_string().contains("name"), "{e}");

    m.drop_table::<v2::Profile>(None).await.expect("drop");
    let meta = s.refresh_metadata().await.expect("meta");
    assert!(!meta.keyspaces()[&ks].tables.contains_key("profiles"));
}

#[tokio::test]
async fn sync_table_creates_types_keys_orders_and_options_as_declared() {
    let (s, ks) = setup(cql::ProtocolVersion::V4, "mapper_create").await;
    let m = SchemaManager::opt_in(&s);
    m.sync_table::<Event>(None).await.expect("events");
    m.sync_table::<AllTypes>(None)
        .await
        .expect("all types, with the user type");
    let meta = s.refresh_metadata().await.expect("meta");
    let k = &meta.keyspaces()[&ks];
    let t = &k.tables["events"];
    assert_eq!(t.partition_key, vec!["tenant", "day"]);
    assert_eq!(t.clustering_key, vec!["at", "seq"]);
    assert_eq!(
        t.column("at").and_then(|c| c.clustering_order),
        Some(cql::metadata::ClusteringOrder::Desc)
    );
    assert_eq!(
        t.column("owner").map(|c| c.kind),
        Some(cql::metadata::ColumnKind::Static)
    );
    assert!(t.column("body_text").is_some(), "renamed column");
    assert_eq!(
        t.options.get("comment").map(String::as_str),
        Some("'mapper events'")
    );
    assert!(k.user_types.contains_key("address"));
    let all = &k.tables["all_types"];
    for c in AllTypes::TABLE.columns {
        let have = all.column(c.name).unwrap_or_else(|| panic!("{}", c.name));
        assert_eq!(
            have.type_text.replace(' ', ""),
            (c.cql_type)().to_cql().replace(' ', ""),
            "column {}",
            c.name
        );
    }
    for_keyspaces(&m).await;
}

async fn for_keyspaces(m: &SchemaManager) {
    let name = format!("it_mapper_ks_{}", std::process::id());
    m.create_keyspace_simple(&name, 1, true)
        .await
        .expect("create simple");
    m.create_keyspace_simple(&name, 1, true)
        .await
        .expect("again: no-op");
    m.drop_keyspace(&name).await.expect("drop");
    m.create_keyspace_network_topology(&name, &[("datacenter1", 1)], false)
        .await
        .expect("create nts");
    m.drop_keyspace(&name).await.expect("drop nts");
}

mod types_v1 {
    #[derive(Debug, Clone, PartialEq, cql::UserType)]
    #[cql(name = "point")]
    pub(crate) struct Point {
        pub(crate) x: i32,
        pub(crate) y: i32,
    }
}

mod types_v2 {
    #[derive(Debug, Clone, PartialEq, cql::UserType)]
    #[cql(name = "point")]
    pub(crate) struct Point {
        pub(crate) x: i32,
        pub(crate) y: i32,
        pub(crate) label: Option<Vec<String>>,
    }
}

mod types_bad {
    #[derive(Debug, Clone, PartialEq, cql::UserType)]
    #[cql(name = "point")]
    pub(crate) struct Point {
        pub(crate) x: String,
        pub(crate) y: i32,
    }
}

#[tokio::test]
async fn sync_type_creates_adds_fields_and_refuses_retypes() {
    let (s, ks) = setup(cql::ProtocolVersion::V5, "mapper_types_sync").await;
    let m = SchemaManager::opt_in(&s);
    let fields = |meta: &cql::metadata::ClusterMetadata| -> Vec<(String, String)> {
        meta.keyspaces()[&ks].user_types["point"]
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.type_text.clone()))
            .collect()
    };
    m.sync_type::<types_v1::Point>(&ks).await.expect("create");
    let meta = s.refresh_metadata().await.expect("meta");
    assert_eq!(
        fields(&meta),
        vec![("x".into(), "int".into()), ("y".into(), "int".into())]
    );
    m.sync_type::<types_v2::Point>(&ks)
        .await
        .expect("add a field");
    let meta = s.refresh_metadata().await.expect("meta");
    assert_eq!(
        fields(&meta).last(),
        Some(&("label".to_owned(), "list<text>".to_owned()))
    );
    let r = m.sync_type::<types_bad::Point>(&ks).await;
    match r {
        Err(Error::Incompatible { differences, .. }) => {
            assert_eq!(differences.len(), 1, "{differences:?}");
            let d = &differences[0];
            assert!(
                d.contains("field x") && d.contains("text") && d.contains("int"),
                "{d}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let meta = s.refresh_metadata().await.expect("meta");
    assert_eq!(
        fields(&meta)[0],
        ("x".to_owned(), "int".to_owned()),
        "nothing changed"
    );
    m.drop_type::<types_v2::Point>(&ks).await.expect("drop");
    let meta = s.refresh_metadata().await.expect("meta");
    assert!(!meta.keyspaces()[&ks].user_types.contains_key("point"));
}
