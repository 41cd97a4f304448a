use cql_protocol::types::{ColumnType, CqlValue};

use super::*;
use crate::metadata::{ColumnKind, IndexKind};
use crate::result::Row;

fn t(s: &str) -> Option<CqlValue> {
    Some(CqlValue::Text(s.to_owned()))
}

fn list(items: &[&str]) -> Option<CqlValue> {
    Some(CqlValue::List(
        items
            .iter()
            .map(|s| CqlValue::Text((*s).to_owned()))
            .collect(),
    ))
}

fn map(pairs: &[(&str, &str)]) -> Option<CqlValue> {
    Some(CqlValue::Map(
        pairs
            .iter()
            .map(|(k, v)| (CqlValue::Text((*k).into()), CqlValue::Text((*v).into())))
            .collect(),
    ))
}

fn keyspace(name: &str) -> Row {
    Row::for_test(
        &["keyspace_name", "durable_writes", "replication"],
        vec![
            t(name),
            Some(CqlValue::Boolean(true)),
            map(&[
                ("class", "org.apache.cassandra.locator.SimpleStrategy"),
                ("replication_factor", "1"),
            ]),
        ],
    )
}

fn table(ks: &str, name: &str) -> Row {
    Row::for_test(
        &[
            "keyspace_name",
            "table_name",
            "comment",
            "gc_grace_seconds",
            "crc_check_chance",
            "bloom_filter_fp_chance",
            "caching",
            "extensions",
            "id",
            "flags",
            "memtable",
        ],
        vec![
            t(ks),
            t(name),
            t("it's"),
            Some(CqlValue::Int(10)),
            Some(CqlValue::Double(1.0)),
            Some(CqlValue::Double(0.01)),
            map(&[("keys", "ALL")]),
            Some(CqlValue::Map(Vec::new())),
            Some(CqlValue::Uuid(uuid::Uuid::nil())),
            Some(CqlValue::Set(vec![CqlValue::Text("compound".into())])),
            None,
        ],
    )
}

fn column(ks: &str, table: &str, name: &str, kind: &str, pos: i32, ty: &str) -> Row {
    Row::for_test(
        &[
            "keyspace_name",
            "table_name",
            "column_name",
            "clustering_order",
            "kind",
            "position",
            "type",
        ],
        vec![
            t(ks),
            t(table),
            t(name),
            t(if kind == "clustering" { "desc" } else { "none" }),
            t(kind),
            Some(CqlValue::Int(pos)),
            t(ty),
        ],
    )
}

fn user_type(ks: &str, name: &str, fields: &[&str], types: &[&str]) -> Row {
    Row::for_test(
        &["keyspace_name", "type_name", "field_names", "field_types"],
        vec![t(ks), t(name), list(fields), list(types)],
    )
}

#[test]
fn a_broken_table_does_not_lose_the_others() {
    let rows = SchemaRows {
        keyspaces: vec![keyspace("ks")],
        tables: vec![
            table("ks", "good"),
            table("ks", "bad_type"),
            table("ks", "no_columns"),
        ],
        columns: vec![
            column("ks", "good", "v", "regular", -1, "frozen<outer>"),
            column("ks", "good", "c", "clustering", 0, "int"),
            column("ks", "good", "k", "partition_key", 0, "text"),
            column("ks", "bad_type", "k", "partition_key", 0, "map<int>"),
        ],
        indexes: vec![Row::for_test(
            &[
                "keyspace_name",
                "table_name",
                "index_name",
                "kind",
                "options",
            ],
            vec![
                t("ks"),
                t("good"),
                t("good_v"),
                t("COMPOSITES"),
                map(&[("target", "v")]),
            ],
        )],
        triggers: vec![Row::for_test(
            &["keyspace_name", "table_name", "trigger_name", "options"],
            vec![
                t("ks"),
                t("good"),
                t("audit"),
                map(&[("class", "com.example.Audit")]),
            ],
        )],
        // The outer type comes first and uses the inner one; a third type is broken.
        types: vec![
            user_type("ks", "outer", &["i"], &["frozen<inner>"]),
            user_type("ks", "inner", &["x"], &["int"]),
            user_type("ks", "broken", &["x"], &["frozen<missing>"]),
        ],
        ..SchemaRows::default()
    };
    let out = build(&rows);
    let ks = &out["ks"];
    assert_eq!(ks.user_types.keys().collect::<Vec<_>>(), ["inner", "outer"]);
    assert_eq!(ks.tables.keys().collect::<Vec<_>>(), ["good"]);
    let good = &ks.tables["good"];
    let names: Vec<(&str, ColumnKind)> = good
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("k", ColumnKind::PartitionKey),
            ("c", ColumnKind::Clustering),
            ("v", ColumnKind::Regular)
        ]
    );
    assert_eq!(
        good.column("v").map(|c| &c.cql_type),
        Some(&ks.user_types["outer"].to_column_type())
    );
    let ColumnType::Udt(outer) = &good.columns[2].cql_type else {
        panic!("not a udt");
    };
    assert_eq!(outer.fields[0].1, ks.user_types["inner"].to_column_type());
    assert_eq!(
        good.options
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        [
            "bloom_filter_fp_chance=0.01",
            "caching={'keys': 'ALL'}",
            "comment='it''s'",
            "crc_check_chance=1.0",
            "gc_grace_seconds=10",
        ]
    );
    assert_eq!(good.indexes["good_v"].kind, IndexKind::Composites);
    assert_eq!(good.indexes["good_v"].target(), Some("v"));
    assert_eq!(
        good.triggers["audit"].as_cql_query(),
        "CREATE TRIGGER audit ON ks.good USING 'com.example.Audit'"
    );
}

#[test]
fn literals_of_option_values() {
    assert_eq!(literal(&CqlValue::Text("a'b".into())), "'a''b'");
    assert_eq!(literal(&CqlValue::Boolean(false)), "false");
    assert_eq!(literal(&CqlValue::Double(0.1)), "0.1");
    assert_eq!(literal(&CqlValue::Double(2.0)), "2.0");
    assert_eq!(
        literal(&CqlValue::Blob(bytes::Bytes::from_static(&[0, 0xab]))),
        "0x00ab"
    );
    assert_eq!(
        literal(&CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)])),
        "[1, 2]"
    );
    assert_eq!(
        literal(&CqlValue::Set(vec![CqlValue::Text("x".into())])),
        "{'x'}"
    );
}
