//! Schema metadata from `system_schema`: every kind of object, updates through SCHEMA_CHANGE
//! events seen by another session, schema agreement, and `export_as_string` recreating an
//! equal schema.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cql::metadata::{
    ClusterMetadata, ClusteringOrder, ColumnKind, IndexKind, KeyspaceMetadata, ReplicationStrategy,
};
use cql::{ColumnType, ProtocolVersion, Session};

use crate::common::python;
use crate::common::{REQUEST_TIMEOUT, VERSIONS, session};

fn unique_keyspace(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "it_{tag}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn run(s: &Session, cql: &str) {
    s.execute(cql, ())
        .await
        .unwrap_or_else(|e| panic!("{cql}: {e}"));
}

/// Polls `s`'s metadata (no explicit refresh) until `ready` holds for it; fails only when it
/// never does (the deadline allows for a cold server on a busy machine).
async fn wait_for_metadata(
    s: &Session,
    what: &str,
    ready: impl Fn(&ClusterMetadata) -> bool,
) -> Arc<ClusterMetadata> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = s.cluster_metadata();
        if ready(&m) {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never showed in the metadata"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The schema: mixed-case and reserved names, a composite partition key, DESC clustering, a
/// static column, collections, nested user types, a vector, three kinds of index, two views,
/// functions and aggregates.
fn ddl(ks: &str, dc: &str) -> Vec<String> {
    [
        format!(
            "CREATE KEYSPACE {ks} WITH replication = {{'class': 'NetworkTopologyStrategy', '{dc}': 1}}"
        ),
        format!("CREATE TYPE {ks}.zip (code text, \"Plus4\" int)"),
        format!("CREATE TYPE {ks}.\"Address\" (street text, zip frozen<zip>, tags set<text>)"),
        format!(
            "CREATE TABLE {ks}.\"Events\" (
                \"Tenant\" text, day date, ts timeuuid, seq int,
                region text static,
                payload blob, score int, \"select\" text,
                tags set<text>, attrs map<text, int>,
                history list<frozen<tuple<int, text>>>,
                home frozen<\"Address\">, addrs list<frozen<\"Address\">>,
                counts frozen<map<text, frozen<list<int>>>>,
                v vector<float, 3>,
                PRIMARY KEY ((\"Tenant\", day), ts, seq)
            ) WITH CLUSTERING ORDER BY (ts DESC, seq ASC)
              AND comment = 'it''s events'
              AND default_time_to_live = 3600
              AND gc_grace_seconds = 7200
              AND compaction = {{'class': 'LeveledCompactionStrategy'}}
              AND caching = {{'keys': 'ALL', 'rows_per_partition': '10'}}"
        ),
        format!("CREATE INDEX events_by_select ON {ks}.\"Events\" (\"select\")"),
        format!("CREATE INDEX ON {ks}.\"Events\" (keys(attrs))"),
        format!("CREATE INDEX events_by_score ON {ks}.\"Events\" (score) USING 'sai'"),
        format!(
            "CREATE TABLE {ks}.users (id int PRIMARY KEY, name text, email text, \"quo\"\"te\" text)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW {ks}.users_by_name AS
                SELECT id, name, email FROM {ks}.users
                WHERE name IS NOT NULL AND id IS NOT NULL
                PRIMARY KEY (name, id) WITH CLUSTERING ORDER BY (id DESC)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW {ks}.\"UsersByEmail\" AS
                SELECT * FROM {ks}.users
                WHERE email IS NOT NULL AND id IS NOT NULL
                PRIMARY KEY (email, id)"
        ),
        format!(
            "CREATE FUNCTION {ks}.\"Plus\"(a int, \"from\" int)
                RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java
                AS 'return a + from;'"
        ),
        format!(
            "CREATE FUNCTION {ks}.halve(s int)
                CALLED ON NULL INPUT RETURNS double LANGUAGE java
                AS $$ return s == null ? null : s / 2.0; $$"
        ),
        format!("CREATE AGGREGATE {ks}.total(int) SFUNC \"Plus\" STYPE int INITCOND 0"),
        format!(
            "CREATE AGGREGATE {ks}.half_total(int) SFUNC \"Plus\" STYPE int FINALFUNC halve INITCOND 0"
        ),
    ]
    .into()
}

fn complete(m: &ClusterMetadata, ks: &str) -> bool {
    m.keyspaces().get(ks).is_some_and(|k| {
        k.aggregates.contains_key("half_total(int)")
            && k.views.len() == 2
            && k.tables.get("Events").is_some_and(|t| t.indexes.len() == 3)
    })
}

fn check_keyspace(k: &KeyspaceMetadata, dc: &str) {
    let ks = k.name.as_str();
    assert!(k.durable_writes);
    assert_eq!(
        k.strategy,
        ReplicationStrategy::NetworkTopology {
            datacenters: [(dc.to_owned(), 1)].into_iter().collect()
        }
    );
    assert_eq!(
        k.replication,
        [
            (
                "class".to_owned(),
                "org.apache.cassandra.locator.NetworkTopologyStrategy".to_owned()
            ),
            (dc.to_owned(), "1".to_owned()),
        ]
        .into_iter()
        .collect()
    );

    // User types, the outer one resolved with the inner one inside.
    let names: Vec<&String> = k.user_types.keys().collect();
    assert_eq!(names, ["Address", "zip"]);
    let zip = &k.user_types["zip"];
    let zip_fields: Vec<(&str, &str, &ColumnType)> = zip
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.type_text.as_str(), &f.cql_type))
        .collect();
    assert_eq!(
        zip_fields,
        [
            ("code", "text", &ColumnType::Text),
            ("Plus4", "int", &ColumnType::Int)
        ]
    );
    let address = &k.user_types["Address"];
    assert_eq!(address.keyspace, ks);
    let texts: Vec<(&str, &str)> = address
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.type_text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            ("street", "text"),
            ("zip", "frozen<zip>"),
            ("tags", "set<text>")
        ]
    );
    assert_eq!(address.fields[1].cql_type, zip.to_column_type());
    let order: Vec<&str> = k
        .user_types_in_dependency_order()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(order, ["zip", "Address"]);

    // The table.
    let names: Vec<&String> = k.tables.keys().collect();
    assert_eq!(names, ["Events", "users"]);
    let t = &k.tables["Events"];
    assert_eq!((t.keyspace.as_str(), t.name.as_str()), (ks, "Events"));
    assert_eq!(t.partition_key, ["Tenant", "day"]);
    assert_eq!(t.clustering_key, ["ts", "seq"]);
    let columns: Vec<(&str, &str, ColumnKind, Option<ClusteringOrder>, i32)> = t
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_text.as_str(),
                c.kind,
                c.clustering_order,
                c.position,
            )
        })
        .collect();
    use ClusteringOrder::{Asc, Desc};
    use ColumnKind::{Clustering, PartitionKey, Regular, Static};
    assert_eq!(
        columns,
        [
            ("Tenant", "text", PartitionKey, None, 0),
            ("day", "date", PartitionKey, None, 1),
            ("ts", "timeuuid", Clustering, Some(Desc), 0),
            ("seq", "int", Clustering, Some(Asc), 1),
            ("addrs", "list<frozen<\"Address\">>", Regular, None, -1),
            ("attrs", "map<text, int>", Regular, None, -1),
            (
                "counts",
                "frozen<map<text, frozen<list<int>>>>",
                Regular,
                None,
                -1
            ),
            (
                "history",
                "list<frozen<tuple<int, text>>>",
                Regular,
                None,
                -1
            ),
            ("home", "frozen<\"Address\">", Regular, None, -1),
            ("payload", "blob", Regular, None, -1),
            ("region", "text", Static, None, -1),
            ("score", "int", Regular, None, -1),
            ("select", "text", Regular, None, -1),
            ("tags", "set<text>", Regular, None, -1),
            ("v", "vector<float, 3>", Regular, None, -1),
        ]
    );
    let ty = |name: &str| &t.column(name).expect(name).cql_type;
    assert_eq!(*ty("day"), ColumnType::Date);
    assert_eq!(*ty("home"), address.to_column_type());
    assert_eq!(
        *ty("addrs"),
        ColumnType::List(Box::new(address.to_column_type()))
    );
    assert_eq!(
        *ty("counts"),
        ColumnType::Map(
            Box::new(ColumnType::Text),
            Box::new(ColumnType::List(Box::new(ColumnType::Int)))
        )
    );
    assert_eq!(
        *ty("history"),
        ColumnType::List(Box::new(ColumnType::Tuple(vec![
            ColumnType::Int,
            ColumnType::Text
        ])))
    );
    assert_eq!(
        *ty("v"),
        ColumnType::Vector {
            element: Box::new(ColumnType::Float),
            dimensions: 3
        }
    );
    let opt = |name: &str| t.options.get(name).map(String::as_str);
    assert_eq!(opt("comment"), Some("'it''s events'"));
    assert_eq!(opt("default_time_to_live"), Some("3600"));
    assert_eq!(opt("gc_grace_seconds"), Some("7200"));
    assert_eq!(
        opt("caching"),
        Some("{'keys': 'ALL', 'rows_per_partition': '10'}")
    );
    let compaction = opt("compaction").expect("compaction");
    assert!(
        compaction
            .contains("'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy'"),
        "{compaction}"
    );
    assert!(opt("compression").is_some_and(|c| c.starts_with('{')));
    assert!(opt("id").is_none() && opt("flags").is_none() && opt("table_name").is_none());

    // Indexes: built-in on a column and on map keys, and SAI.
    let names: Vec<&String> = t.indexes.keys().collect();
    assert_eq!(
        names,
        ["Events_attrs_idx", "events_by_score", "events_by_select"]
    );
    let idx = &t.indexes["events_by_select"];
    assert_eq!(idx.kind, IndexKind::Composites);
    assert_eq!(idx.target(), Some("\"select\""));
    assert_eq!(idx.table, "Events");
    assert_eq!(t.indexes["Events_attrs_idx"].target(), Some("keys(attrs)"));
    let sai = &t.indexes["events_by_score"];
    assert_eq!(sai.kind, IndexKind::Custom);
    assert_eq!(sai.target(), Some("score"));
    assert_eq!(
        sai.options.get("class_name").map(String::as_str),
        Some("sai")
    );

    let users = &k.tables["users"];
    let names: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "name", "quo\"te"]);
    assert!(users.clustering_key.is_empty());

    // Views.
    let names: Vec<&String> = k.views.keys().collect();
    assert_eq!(names, ["UsersByEmail", "users_by_name"]);
    let v = &k.views["users_by_name"];
    assert_eq!(v.base_table, "users");
    assert!(!v.include_all_columns);
    assert_eq!(v.where_clause, "name IS NOT NULL AND id IS NOT NULL");
    assert_eq!(v.partition_key, ["name"]);
    assert_eq!(v.clustering_key, ["id"]);
    let columns: Vec<(&str, ColumnKind, Option<ClusteringOrder>)> = v
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind, c.clustering_order))
        .collect();
    assert_eq!(
        columns,
        [
            ("name", PartitionKey, None),
            ("id", Clustering, Some(Desc)),
            ("email", Regular, None),
        ]
    );
    let all = &k.views["UsersByEmail"];
    assert!(all.include_all_columns);
    assert_eq!(all.columns.len(), 4);
    assert_eq!(all.partition_key, ["email"]);

    // Functions and aggregates, by signature.
    let names: Vec<&String> = k.functions.keys().collect();
    assert_eq!(names, ["Plus(int,int)", "halve(int)"]);
    let plus = &k.functions["Plus(int,int)"];
    assert_eq!(plus.argument_names, ["a", "from"]);
    assert_eq!(plus.argument_types, ["int", "int"]);
    assert_eq!(plus.return_type, "int");
    assert_eq!(plus.language, "java");
    assert_eq!(plus.body, "return a + from;");
    assert!(!plus.called_on_null_input);
    let halve = &k.functions["halve(int)"];
    assert!(halve.called_on_null_input);
    assert_eq!(halve.return_type, "double");
    assert_eq!(halve.body, " return s == null ? null : s / 2.0; ");
    let names: Vec<&String> = k.aggregates.keys().collect();
    assert_eq!(names, ["half_total(int)", "total(int)"]);
    let total = &k.aggregates["total(int)"];
    assert_eq!(total.argument_types, ["int"]);
    assert_eq!(total.state_func, "Plus");
    assert_eq!(total.state_type, "int");
    assert_eq!(total.final_func, None);
    assert_eq!(total.initcond.as_deref(), Some("0"));
    assert_eq!(total.return_type, "int");
    let half = &k.aggregates["half_total(int)"];
    assert_eq!(half.final_func.as_deref(), Some("halve"));
    assert_eq!(half.return_type, "double");
}

/// Compares two keyspaces object by object (for readable failures), then as a whole.
fn assert_same_schema(a: &KeyspaceMetadata, b: &KeyspaceMetadata) {
    assert_eq!(
        a.tables.keys().collect::<Vec<_>>(),
        b.tables.keys().collect::<Vec<_>>()
    );
    for (name, ta) in &a.tables {
        let tb = &b.tables[name];
        assert_eq!(ta.columns.len(), tb.columns.len(), "{name}");
        for (ca, cb) in ta.columns.iter().zip(&tb.columns) {
            assert_eq!(ca, cb, "table {name}");
        }
        assert_eq!(ta.partition_key, tb.partition_key, "{name}");
        assert_eq!(ta.clustering_key, tb.clustering_key, "{name}");
        assert_eq!(ta.options, tb.options, "{name}");
        assert_eq!(ta.indexes, tb.indexes, "{name}");
    }
    for (name, va) in &a.views {
        let vb = b.views.get(name).expect(name);
        for (ca, cb) in va.columns.iter().zip(&vb.columns) {
            assert_eq!(ca, cb, "view {name}");
        }
        assert_eq!(va.options, vb.options, "{name}");
    }
    assert_eq!(a.user_types, b.user_types);
    assert_eq!(a.functions, b.functions);
    assert_eq!(a.aggregates, b.aggregates);
    assert_eq!(a, b);
}

async fn full_schema_round_trip(version: ProtocolVersion) {
    // `observer` only watches: its metadata follows the DDL through SCHEMA_CHANGE events.
    let observer = session(version).await;
    let writer = session(version).await;
    let dc = writer
        .refresh_metadata()
        .await
        .expect("metadata")
        .local_dc()
        .expect("local data center")
        .to_owned();
    let ks = unique_keyspace("schema");
    for cql in ddl(&ks, &dc) {
        run(&writer, &cql).await;
    }
    // The writer waited for agreement and re-read the schema before each DDL returned.
    assert!(complete(&writer.cluster_metadata(), &ks));
    assert!(
        writer
            .wait_for_schema_agreement(REQUEST_TIMEOUT)
            .await
            .expect("agreement")
    );

    let m = wait_for_metadata(&observer, "the new schema", |m| complete(m, &ks)).await;
    let before = m.keyspaces()[&ks].clone();
    check_keyspace(&before, &dc);

    // Drop and recreate from the export: the schema read back is equal.
    let statements = before.export_statements();
    let exported = before.export_as_string();
    for s in &statements {
        assert!(exported.contains(s.as_str()));
    }
    run(&writer, &format!("DROP KEYSPACE {ks}")).await;
    wait_for_metadata(&observer, "the dropped keyspace", |m| {
        !m.keyspaces().contains_key(&ks)
    })
    .await;
    for s in &statements {
        run(&writer, s).await;
    }
    let m = wait_for_metadata(&observer, "the recreated schema", |m| complete(m, &ks)).await;
    let after = &m.keyspaces()[&ks];
    assert_same_schema(&before, after);
    assert_same_schema(&before, &writer.cluster_metadata().keyspaces()[&ks]);
    // The recreated functions and aggregates work.
    for id in [1, 2] {
        run(
            &writer,
            &format!("INSERT INTO {ks}.users (id, name) VALUES ({id}, 'n')"),
        )
        .await;
    }
    let rs = writer
        .execute(
            format!("SELECT {ks}.total(id), {ks}.half_total(id) FROM {ks}.users").as_str(),
            (),
        )
        .await
        .expect("aggregates");
    let (total, half): (i32, f64) = rs.first_row_typed().expect("row");
    assert_eq!((total, half), (3, 1.5));

    // Changes to a single object show up too.
    run(&writer, &format!("ALTER TABLE {ks}.users ADD age int")).await;
    run(
        &writer,
        &format!("DROP MATERIALIZED VIEW {ks}.users_by_name"),
    )
    .await;
    let m = wait_for_metadata(&observer, "the altered table", |m| {
        m.keyspaces()[&ks]
            .tables
            .get("users")
            .is_some_and(|t| t.column("age").is_some())
            && !m.keyspaces()[&ks].views.contains_key("users_by_name")
    })
    .await;
    let age = m.keyspaces()[&ks].tables["users"]
        .column("age")
        .expect("age")
        .clone();
    assert_eq!(
        (age.kind, age.cql_type, age.position),
        (ColumnKind::Regular, ColumnType::Int, -1)
    );
    run(&writer, &format!("DROP KEYSPACE {ks}")).await;
}

#[tokio::test]
async fn schema_metadata_follows_ddl_and_exports_an_equal_schema() {
    for v in VERSIONS {
        full_schema_round_trip(v).await;
    }
}

#[tokio::test]
async fn schema_changes_wait_for_agreement_unless_disabled() {
    let s = session(ProtocolVersion::V5).await;
    assert!(
        s.wait_for_schema_agreement(REQUEST_TIMEOUT)
            .await
            .expect("agreement")
    );
    let ks = unique_keyspace("agree");
    run(
        &s,
        &format!(
            "CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
        ),
    )
    .await;
    // Shown as soon as the statement returns: the driver waited and re-read the schema.
    run(
        &s,
        &format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v text)"),
    )
    .await;
    let m = s.cluster_metadata();
    let t = &m.keyspaces()[&ks].tables["t"];
    assert_eq!(t.partition_key, ["k"]);
    assert_eq!(
        t.as_cql_query().lines().take(4).collect::<Vec<_>>(),
        [
            format!("CREATE TABLE {ks}.t ("),
            "    k int,".to_owned(),
            "    v text,".to_owned(),
            "    PRIMARY KEY (k)".to_owned()
        ]
    );

    // With the wait disabled the DDL still works, and the event brings the change.
    let quick = crate::common::builder(ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .max_schema_agreement_wait(Duration::ZERO)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    run(&quick, &format!("CREATE TABLE {ks}.u (k int PRIMARY KEY)")).await;
    wait_for_metadata(&quick, "table u", |m| {
        m.keyspaces()
            .get(&ks)
            .is_some_and(|k| k.tables.contains_key("u"))
    })
    .await;
    // The session's own change, only that keyspace re-read: the other keyspaces stay.
    run(&s, &format!("DROP KEYSPACE {ks}")).await;
    let m = s.cluster_metadata();
    assert!(!m.keyspaces().contains_key(&ks));
    assert!(m.keyspaces().contains_key("system_schema"));
}

/// The reference driver's view of a keyspace, one fact per line (see [`facts`]).
const PY_SCHEMA: &str = r#"
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
host, ks = sys.argv[1], sys.argv[2]
cluster = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
cluster.connect()
k = cluster.metadata.keyspaces[ks]
out = []
def relation(kind, t):
    pk = [c.name for c in t.partition_key]
    ck = [c.name for c in t.clustering_key]
    out.append("%s %s pk %s" % (kind, t.name, ",".join(pk)))
    out.append("%s %s ck %s" % (kind, t.name, ",".join(ck)))
    for c in t.columns.values():
        part = "partition_key" if c.name in pk else "clustering" if c.name in ck else "static" if c.is_static else "regular"
        out.append("%s %s column %s %s %s" % (kind, t.name, c.name, c.cql_type, part))
    for o, value in t.options.items():
        if value is not None:
            out.append("%s %s option %s" % (kind, t.name, o))
for t in k.tables.values():
    relation("table", t)
    for i in t.indexes.values():
        out.append("index %s %s %s" % (t.name, i.name, i.index_options.get("target")))
for v in k.views.values():
    relation("view", v)
for t in k.user_types.values():
    out.append("type %s %s" % (t.name, ",".join("%s:%s" % f for f in zip(t.field_names, t.field_types))))
for f in k.functions:
    out.append("function %s" % f)
for a in k.aggregates:
    out.append("aggregate %s" % a)
print("\n".join(sorted(out)))
cluster.shutdown()
"#;

/// Our metadata in the script's format; options only where the reference driver knows them.
fn facts(k: &KeyspaceMetadata, options: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut relation = |kind: &str,
                        name: &str,
                        pk: &[String],
                        ck: &[String],
                        cols: &[cql::metadata::ColumnMetadata],
                        opts: &std::collections::BTreeMap<String, String>| {
        out.push(format!("{kind} {name} pk {}", pk.join(",")));
        out.push(format!("{kind} {name} ck {}", ck.join(",")));
        for c in cols {
            let part = match c.kind {
                ColumnKind::PartitionKey => "partition_key",
                ColumnKind::Clustering => "clustering",
                ColumnKind::Static => "static",
                _ => "regular",
            };
            out.push(format!(
                "{kind} {name} column {} {} {part}",
                c.name, c.type_text
            ));
        }
        if options {
            for o in opts.keys() {
                out.push(format!("{kind} {name} option {o}"));
            }
        }
    };
    for t in k.tables.values() {
        relation(
            "table",
            &t.name,
            &t.partition_key,
            &t.clustering_key,
            &t.columns,
            &t.options,
        );
    }
    for v in k.views.values() {
        relation(
            "view",
            &v.name,
            &v.partition_key,
            &v.clustering_key,
            &v.columns,
            &v.options,
        );
    }
    for t in k.tables.values() {
        for i in t.indexes.values() {
            out.push(format!(
                "index {} {} {}",
                t.name,
                i.name,
                i.target().unwrap_or("None")
            ));
        }
    }
    for t in k.user_types.values() {
        let f: Vec<String> = t
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.type_text))
            .collect();
        out.push(format!("type {} {}", t.name, f.join(",")));
    }
    out.extend(k.functions.keys().map(|f| format!("function {f}")));
    out.extend(k.aggregates.keys().map(|a| format!("aggregate {a}")));
    out.sort();
    out
}

#[tokio::test]
async fn schema_metadata_agrees_with_the_reference_driver() {
    let s = session(ProtocolVersion::V5).await;
    let dc = s
        .refresh_metadata()
        .await
        .expect("metadata")
        .local_dc()
        .expect("local data center")
        .to_owned();
    let ks = unique_keyspace("pyschema");
    for cql in ddl(&ks, &dc) {
        run(&s, &cql).await;
    }
    let k = s.cluster_metadata().keyspaces()[&ks].clone();
    let host = crate::common::hosts()[0].clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .args(["-c", PY_SCHEMA, &host, &k.name])
            .output()
            .expect("run python")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let m = s.cluster_metadata();
    let k = &m.keyspaces()[&ks];
    // Everything but options is the same; of options, they know a subset of ours.
    let is_option = |l: &&String| l.contains(" option ");
    let ours_no_opts = facts(k, false);
    let theirs_no_opts: Vec<String> = theirs.iter().filter(|l| !is_option(l)).cloned().collect();
    assert_eq!(ours_no_opts, theirs_no_opts);
    let ours = facts(k, true);
    let missing: Vec<&String> = theirs
        .iter()
        .filter(is_option)
        .filter(|l| !ours.contains(l))
        .collect();
    assert!(missing.is_empty(), "options we do not report: {missing:?}");
    assert!(theirs.iter().filter(is_option).count() > 10);
    run(&s, &format!("DROP KEYSPACE {ks}")).await;
}
