use std::collections::BTreeMap;
use std::sync::Arc;

use cql_protocol::types::{ColumnType, UserDefinedType};

use super::*;
use crate::metadata::{KeyspaceMetadata, ReplicationStrategy, parse_cql_type, quote_identifier};

fn no_udts(_: &str) -> Option<Arc<UserDefinedType>> {
    None
}

fn udt(name: &str, fields: Vec<(&str, ColumnType)>) -> Arc<UserDefinedType> {
    Arc::new(UserDefinedType {
        keyspace: "ks".into(),
        name: name.into(),
        fields: fields.into_iter().map(|(n, t)| (n.into(), t)).collect(),
    })
}

#[test]
fn parses_native_and_collection_types() {
    let p = |s: &str| parse_cql_type(s, &no_udts).unwrap();
    assert_eq!(p("int"), ColumnType::Int);
    assert_eq!(p("  TEXT "), ColumnType::Text);
    assert_eq!(p("varchar"), ColumnType::Text);
    assert_eq!(
        p("frozen<map<text, int>>"),
        ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int))
    );
    assert_eq!(
        p("list<frozen<set<timeuuid>>>"),
        ColumnType::List(Box::new(ColumnType::Set(Box::new(ColumnType::Timeuuid))))
    );
    assert_eq!(
        p("tuple<int,text , blob>"),
        ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text, ColumnType::Blob])
    );
    assert_eq!(
        p("vector<float, 3>"),
        ColumnType::Vector {
            element: Box::new(ColumnType::Float),
            dimensions: 3
        }
    );
    assert_eq!(
        p("'org.apache.cassandra.db.marshal.LongType'"),
        ColumnType::BigInt
    );
    assert_eq!(
        p("'com.example.My''Type'"),
        ColumnType::Custom(Arc::from("com.example.My'Type"))
    );
}

#[test]
fn resolves_user_types_by_exact_name() {
    let address = udt("address", vec![("street", ColumnType::Text)]);
    let mixed = udt("My \"Type\"", vec![("x", ColumnType::Int)]);
    let resolve = |n: &str| match n {
        "address" => Some(Arc::clone(&address)),
        "My \"Type\"" => Some(Arc::clone(&mixed)),
        _ => None,
    };
    assert_eq!(
        parse_cql_type("frozen<address>", &resolve).unwrap(),
        ColumnType::Udt(Arc::clone(&address))
    );
    // Unquoted names are case-insensitive, quoted ones exact.
    assert_eq!(
        parse_cql_type("Address", &resolve).unwrap(),
        ColumnType::Udt(Arc::clone(&address))
    );
    assert_eq!(
        parse_cql_type("ks.address", &resolve).unwrap(),
        ColumnType::Udt(Arc::clone(&address))
    );
    assert_eq!(
        parse_cql_type(r#"map<text, frozen<"My ""Type""">>"#, &resolve).unwrap(),
        ColumnType::Map(
            Box::new(ColumnType::Text),
            Box::new(ColumnType::Udt(Arc::clone(&mixed)))
        )
    );
    assert!(parse_cql_type("\"Address\"", &resolve).is_err());
}

#[test]
fn rejects_bad_type_text_with_an_error() {
    for bad in [
        "",
        "map<int>",
        "list<int, int>",
        "frozen<",
        "list<int>>",
        "tuple<>",
        "vector<float, 0>",
        "vector<float, x>",
        "unknown_udt",
        "foo<int>",
        "\"unterminated",
        "'unterminated",
        "int int",
        "map<int; int>",
    ] {
        let e = parse_cql_type(bad, &no_udts);
        assert!(e.is_err(), "{bad:?} parsed as {e:?}");
    }
    let deep = format!("{}int{}", "list<".repeat(40), ">".repeat(40));
    let e = parse_cql_type(&deep, &no_udts).unwrap_err();
    assert!(e.to_string().contains("nested deeper"), "{e}");
}

#[test]
fn quotes_identifiers_only_when_needed() {
    assert_eq!(quote_identifier("users"), "users");
    assert_eq!(quote_identifier("a_1"), "a_1");
    assert_eq!(quote_identifier("Users"), "\"Users\"");
    assert_eq!(quote_identifier("_x"), "\"_x\"");
    assert_eq!(quote_identifier("1x"), "\"1x\"");
    assert_eq!(quote_identifier("select"), "\"select\"");
    assert_eq!(quote_identifier("token"), "\"token\"");
    assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    assert_eq!(quote_identifier("\"q\""), "\"\"\"q\"\"\"");
    assert_eq!(quote_identifier("with space"), "\"with space\"");
    assert_eq!(quote_identifier("é"), "\"é\"");
    assert_eq!(quote_identifier(""), "\"\"");
    // Non-reserved keywords stay as they are.
    assert_eq!(quote_identifier("key"), "key");
    assert_eq!(quote_identifier("type"), "type");
}

fn col(name: &str, t: &str, kind: ColumnKind, pos: i32, desc: bool) -> ColumnMetadata {
    ColumnMetadata {
        name: name.into(),
        cql_type: parse_cql_type(t, &no_udts).unwrap_or(ColumnType::Blob),
        type_text: t.into(),
        kind,
        clustering_order: (kind == ColumnKind::Clustering).then_some(if desc {
            ClusteringOrder::Desc
        } else {
            ClusteringOrder::Asc
        }),
        position: pos,
    }
}

fn tricky_table() -> TableMetadata {
    TableMetadata {
        keyspace: "Ks".into(),
        name: "select".into(),
        columns: vec![
            col("Id", "int", ColumnKind::PartitionKey, 0, false),
            col("from", "text", ColumnKind::PartitionKey, 1, false),
            col("c\"1", "int", ColumnKind::Clustering, 0, true),
            col("c2", "timeuuid", ColumnKind::Clustering, 1, false),
            col("S", "int", ColumnKind::Static, -1, false),
            col(
                "v",
                "frozen<map<text, int>>",
                ColumnKind::Regular,
                -1,
                false,
            ),
        ],
        partition_key: vec!["Id".into(), "from".into()],
        clustering_key: vec!["c\"1".into(), "c2".into()],
        options: BTreeMap::from([
            ("comment".to_owned(), "'it''s'".to_owned()),
            ("gc_grace_seconds".to_owned(), "10".to_owned()),
        ]),
        indexes: BTreeMap::from([(
            "by V".to_owned(),
            IndexMetadata {
                keyspace: "Ks".into(),
                table: "select".into(),
                name: "by V".into(),
                kind: IndexKind::Composites,
                options: BTreeMap::from([("target".to_owned(), "values(v)".to_owned())]),
            },
        )]),
        triggers: BTreeMap::from([(
            "Audit".to_owned(),
            TriggerMetadata {
                keyspace: "Ks".into(),
                table: "select".into(),
                name: "Audit".into(),
                options: BTreeMap::from([("class".to_owned(), "com.example.Au'dit".to_owned())]),
            },
        )]),
    }
}

#[test]
fn renders_tables_with_tricky_names() {
    let t = tricky_table();
    assert_eq!(
        t.as_cql_query(),
        "CREATE TABLE \"Ks\".\"select\" (\n    \"Id\" int,\n    \"from\" text,\n    \"c\"\"1\" int,\n    c2 timeuuid,\n    \"S\" int static,\n    v frozen<map<text, int>>,\n    PRIMARY KEY ((\"Id\", \"from\"), \"c\"\"1\", c2)\n) WITH CLUSTERING ORDER BY (\"c\"\"1\" DESC, c2 ASC)\n    AND comment = 'it''s'\n    AND gc_grace_seconds = 10"
    );
    assert_eq!(
        t.export_as_string(),
        format!(
            "{};\n\nCREATE INDEX \"by V\" ON \"Ks\".\"select\" (values(v));\n\nCREATE TRIGGER \"Audit\" ON \"Ks\".\"select\" USING 'com.example.Au''dit';",
            t.as_cql_query()
        )
    );
}

#[test]
fn renders_single_key_table_without_options() {
    let t = TableMetadata {
        keyspace: "ks".into(),
        name: "t".into(),
        columns: vec![col("k", "int", ColumnKind::PartitionKey, 0, false)],
        partition_key: vec!["k".into()],
        clustering_key: vec![],
        options: BTreeMap::new(),
        indexes: BTreeMap::new(),
        triggers: BTreeMap::new(),
    };
    assert_eq!(
        t.as_cql_query(),
        "CREATE TABLE ks.t (\n    k int,\n    PRIMARY KEY (k)\n)"
    );
}

#[test]
fn renders_custom_indexes_views_types_functions_aggregates() {
    let i = IndexMetadata {
        keyspace: "ks".into(),
        table: "t".into(),
        name: "i".into(),
        kind: IndexKind::Custom,
        options: BTreeMap::from([
            ("target".to_owned(), "v".to_owned()),
            (
                "class_name".to_owned(),
                "org.apache.cassandra.index.sai.StorageAttachedIndex".to_owned(),
            ),
            ("case_sensitive".to_owned(), "false".to_owned()),
        ]),
    };
    assert_eq!(
        i.as_cql_query(),
        "CREATE CUSTOM INDEX i ON ks.t (v) USING 'org.apache.cassandra.index.sai.StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': 'false'}"
    );

    let v = MaterializedViewMetadata {
        keyspace: "ks".into(),
        name: "By Name".into(),
        base_table: "t".into(),
        where_clause: "name IS NOT NULL AND k IS NOT NULL".into(),
        include_all_columns: false,
        columns: vec![
            col("name", "text", ColumnKind::PartitionKey, 0, false),
            col("k", "int", ColumnKind::Clustering, 0, true),
            col("v", "int", ColumnKind::Regular, -1, false),
        ],
        partition_key: vec!["name".into()],
        clustering_key: vec!["k".into()],
        options: BTreeMap::from([("comment".to_owned(), "''".to_owned())]),
    };
    assert_eq!(
        v.as_cql_query(),
        "CREATE MATERIALIZED VIEW ks.\"By Name\" AS\n    SELECT name, k, v\n    FROM ks.t\n    WHERE name IS NOT NULL AND k IS NOT NULL\n    PRIMARY KEY (name, k) WITH CLUSTERING ORDER BY (k DESC)\n    AND comment = ''"
    );

    let f = FunctionMetadata {
        keyspace: "ks".into(),
        name: "Plus".into(),
        argument_names: vec!["a".into(), "from".into()],
        argument_types: vec!["int".into(), "int".into()],
        return_type: "int".into(),
        language: "java".into(),
        body: "return a + from;".into(),
        called_on_null_input: false,
        deterministic: None,
        monotonic: None,
    };
    assert_eq!(f.signature(), "Plus(int,int)");
    assert_eq!(
        f.as_cql_query(),
        "CREATE FUNCTION ks.\"Plus\"(a int, \"from\" int)\n    RETURNS NULL ON NULL INPUT\n    RETURNS int\n    LANGUAGE java\n    AS $$return a + from;$$"
    );
    let dollars = FunctionMetadata {
        body: "return \"$$\" + 'x';".into(),
        called_on_null_input: true,
        ..f
    };
    assert!(
        dollars
            .as_cql_query()
            .ends_with("CALLED ON NULL INPUT\n    RETURNS int\n    LANGUAGE java\n    AS 'return \"$$\" + ''x'';'"),
        "{}",
        dollars.as_cql_query()
    );

    let a = AggregateMetadata {
        keyspace: "ks".into(),
        name: "total".into(),
        argument_types: vec!["int".into()],
        state_func: "Plus".into(),
        state_type: "int".into(),
        final_func: None,
        initcond: Some("0".into()),
        return_type: "int".into(),
        deterministic: None,
    };
    assert_eq!(a.signature(), "total(int)");
    assert_eq!(
        a.as_cql_query(),
        "CREATE AGGREGATE ks.total(int)\n    SFUNC \"Plus\"\n    STYPE int\n    INITCOND 0"
    );
}

fn user_type(name: &str, fields: &[(&str, &str)], known: &[&UserTypeMetadata]) -> UserTypeMetadata {
    let resolve = |n: &str| {
        known
            .iter()
            .find(|t| t.name == n)
            .and_then(|t| match t.to_column_type() {
                ColumnType::Udt(u) => Some(u),
                _ => None,
            })
    };
    UserTypeMetadata {
        keyspace: "ks".into(),
        name: name.into(),
        fields: fields
            .iter()
            .map(|(n, t)| UserTypeField {
                name: (*n).into(),
                cql_type: parse_cql_type(t, &resolve).unwrap(),
                type_text: (*t).into(),
            })
            .collect(),
    }
}

#[test]
fn exports_user_types_after_the_types_they_use() {
    let zip = user_type("a_zip", &[("code", "text")], &[]);
    let address = user_type("b_address", &[("zip", "frozen<a_zip>")], &[&zip]);
    // Sorted by name "a_person" comes first, but it uses b_address.
    let person = user_type(
        "a_person",
        &[("home", "frozen<b_address>"), ("Tags", "set<text>")],
        &[&address],
    );
    let mut ks = KeyspaceMetadata::new(
        "ks",
        false,
        ReplicationStrategy::Simple {
            replication_factor: 1,
        },
    );
    ks.replication = BTreeMap::from([
        (
            "class".to_owned(),
            "org.apache.cassandra.locator.SimpleStrategy".to_owned(),
        ),
        ("replication_factor".to_owned(), "1".to_owned()),
    ]);
    for t in [&person, &address, &zip] {
        ks.user_types.insert(t.name.clone(), t.clone());
    }
    let order: Vec<&str> = ks
        .user_types_in_dependency_order()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(order, ["a_zip", "b_address", "a_person"]);
    let statements = ks.export_statements();
    assert_eq!(
        statements[0],
        "CREATE KEYSPACE ks WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'} AND durable_writes = false;"
    );
    assert_eq!(
        statements[3],
        "CREATE TYPE ks.a_person (\n    home frozen<b_address>,\n    \"Tags\" set<text>\n);"
    );
    assert_eq!(ks.export_as_string(), statements.join("\n\n"));
}

#[test]
fn export_leaves_out_the_views_behind_scylla_indexes() {
    let mut ks = KeyspaceMetadata::new(
        "ks",
        true,
        ReplicationStrategy::Simple {
            replication_factor: 1,
        },
    );
    let table = tricky_table();
    let view = |name: &str, extra: &str| MaterializedViewMetadata {
        keyspace: "ks".into(),
        name: name.into(),
        base_table: table.name.clone(),
        where_clause: "v IS NOT NULL".into(),
        include_all_columns: false,
        columns: vec![
            col("v", "int", ColumnKind::PartitionKey, 0, false),
            col(extra, "bigint", ColumnKind::Clustering, 0, false),
        ],
        partition_key: vec!["v".into()],
        clustering_key: vec![extra.into()],
        options: BTreeMap::new(),
    };
    for v in [
        view("by V_index", "idx_token"),
        view("other_index", "idx_token"),
        view("by V_index_2", "idx_token"),
    ] {
        ks.views.insert(v.name.clone(), v);
    }
    ks.tables.insert(table.name.clone(), table);
    let views: Vec<String> = ks
        .export_statements()
        .into_iter()
        .filter(|s| s.starts_with("CREATE MATERIALIZED VIEW"))
        .collect();
    assert_eq!(views.len(), 2, "{views:?}");
    assert!(!views.iter().any(|v| v.contains("\"by V_index\" AS")));
}

#[test]
fn random_type_text_never_panics() {
    const PIECES: &[&str] = &[
        "<",
        ">",
        ",",
        ".",
        "\"",
        "'",
        "''",
        "\"\"",
        " ",
        "frozen",
        "list",
        "map",
        "set",
        "tuple",
        "vector",
        "int",
        "3",
        "0",
        "x",
        "é",
        "address",
        "'org.apache.cassandra.db.marshal.Int32Type'",
    ];
    let address = udt("address", vec![("street", ColumnType::Text)]);
    let resolve = |n: &str| (n == "address").then(|| Arc::clone(&address));
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut parsed = 0;
    for _ in 0..20_000 {
        let mut s = String::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 12) as usize;
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
        }
        if parse_cql_type(&s, &resolve).is_ok() {
            parsed += 1;
        }
    }
    // Some of them are valid types.
    assert!(parsed > 100, "{parsed}");
}

/// Every name here is a word CQL only accepts quoted (`true`, `false`, `token`, the type
/// names `count` and `int`, the function names `json` and `key`); the server's own type
/// text, index targets and view clause spell `true` and `false` unquoted.
fn keyspace_of_reserved_names() -> KeyspaceMetadata {
    let mut ks = KeyspaceMetadata::new(
        "true",
        true,
        ReplicationStrategy::Simple {
            replication_factor: 1,
        },
    );
    let t = user_type("true", &[("true", "int"), ("false", "text")], &[]);
    let count = user_type("count", &[("a", "int")], &[]);
    let int = user_type("int", &[("a", "int")], &[]);
    let outer = user_type(
        "outer",
        &[
            ("t", "frozen<true>"),
            ("c", "list<frozen<count>>"),
            ("s", "frozen<\"select\">"),
            ("k", "frozen<\"true\".true>"),
        ],
        &[&t, &count, &int, &user_type("select", &[], &[])],
    );
    for mut u in [t, count, int, outer] {
        u.keyspace = "true".into();
        ks.user_types.insert(u.name.clone(), u);
    }
    let table = TableMetadata {
        keyspace: "true".into(),
        name: "false".into(),
        columns: vec![
            col("true", "int", ColumnKind::PartitionKey, 0, false),
            col("false", "int", ColumnKind::Clustering, 0, true),
            col("token", "int", ColumnKind::Regular, -1, false),
            col(
                "m",
                "frozen<map<frozen<true>, frozen<\"select\">>>",
                ColumnKind::Regular,
                -1,
                false,
            ),
            col("x", "true", ColumnKind::Static, -1, false),
        ],
        partition_key: vec!["true".into()],
        clustering_key: vec!["false".into()],
        options: BTreeMap::new(),
        indexes: [
            ("true", "keys(false)"),
            ("false", "\"token\""),
            ("t", "true"),
        ]
        .into_iter()
        .map(|(name, target)| {
            let i = IndexMetadata {
                keyspace: "true".into(),
                table: "false".into(),
                name: name.into(),
                kind: IndexKind::Composites,
                options: BTreeMap::from([("target".to_owned(), target.to_owned())]),
            };
            (name.to_owned(), i)
        })
        .collect(),
        triggers: BTreeMap::new(),
    };
    ks.tables.insert(table.name.clone(), table);
    let view = MaterializedViewMetadata {
        keyspace: "true".into(),
        name: "true".into(),
        base_table: "false".into(),
        where_clause:
            "true IS NOT NULL AND false IS NOT NULL AND \"token\" = true AND (false) >= (1)".into(),
        include_all_columns: false,
        columns: vec![
            col("token", "int", ColumnKind::PartitionKey, 0, false),
            col("true", "int", ColumnKind::Clustering, 0, false),
            col("false", "int", ColumnKind::Clustering, 1, true),
        ],
        partition_key: vec!["token".into()],
        clustering_key: vec!["true".into(), "false".into()],
        options: BTreeMap::new(),
    };
    ks.views.insert(view.name.clone(), view);
    let f = FunctionMetadata {
        keyspace: "true".into(),
        name: "json".into(),
        argument_names: vec!["true".into(), "key".into()],
        argument_types: vec!["frozen<true>".into(), "int".into()],
        return_type: "frozen<true>".into(),
        language: "java".into(),
        body: "return null;".into(),
        called_on_null_input: true,
        deterministic: None,
        monotonic: None,
    };
    ks.functions.insert(f.signature(), f);
    let a = AggregateMetadata {
        keyspace: "true".into(),
        name: "key".into(),
        argument_types: vec!["int".into()],
        state_func: "json".into(),
        state_type: "frozen<true>".into(),
        final_func: Some("distinct".into()),
        initcond: None,
        return_type: "frozen<true>".into(),
        deterministic: None,
    };
    ks.aggregates.insert(a.signature(), a);
    ks
}

#[test]
fn exports_reserved_words_and_type_names_quoted() {
    let ks = keyspace_of_reserved_names();
    let statements = ks.export_statements();
    let expected = [
        "CREATE KEYSPACE \"true\" WITH replication = {} AND durable_writes = true;",
        "CREATE TYPE \"true\".\"count\" (\n    a int\n);",
        "CREATE TYPE \"true\".\"int\" (\n    a int\n);",
        "CREATE TYPE \"true\".\"true\" (\n    \"true\" int,\n    \"false\" text\n);",
        "CREATE TYPE \"true\".outer (\n    t frozen<\"true\">,\n    c list<frozen<\"count\">>,\n    s frozen<\"select\">,\n    k frozen<\"true\".\"true\">\n);",
        "CREATE FUNCTION \"true\".\"json\"(\"true\" frozen<\"true\">, key int)\n    CALLED ON NULL INPUT\n    RETURNS frozen<\"true\">\n    LANGUAGE java\n    AS $$return null;$$;",
        "CREATE AGGREGATE \"true\".\"key\"(int)\n    SFUNC \"json\"\n    STYPE frozen<\"true\">\n    FINALFUNC \"distinct\";",
        "CREATE TABLE \"true\".\"false\" (\n    \"true\" int,\n    \"false\" int,\n    \"token\" int,\n    m frozen<map<frozen<\"true\">, frozen<\"select\">>>,\n    x \"true\" static,\n    PRIMARY KEY (\"true\", \"false\")\n) WITH CLUSTERING ORDER BY (\"false\" DESC);",
        "CREATE INDEX \"false\" ON \"true\".\"false\" (\"token\");",
        "CREATE INDEX t ON \"true\".\"false\" (\"true\");",
        "CREATE INDEX \"true\" ON \"true\".\"false\" (keys(\"false\"));",
        "CREATE MATERIALIZED VIEW \"true\".\"true\" AS\n    SELECT \"token\", \"true\", \"false\"\n    FROM \"true\".\"false\"\n    WHERE \"true\" IS NOT NULL AND \"false\" IS NOT NULL AND \"token\" = true AND (\"false\") >= (1)\n    PRIMARY KEY (\"token\", \"true\", \"false\") WITH CLUSTERING ORDER BY (\"true\" ASC, \"false\" DESC);",
    ];
    for (got, want) in statements.iter().zip(expected) {
        assert_eq!(got, want);
    }
    assert_eq!(statements.len(), expected.len(), "{statements:#?}");
}
