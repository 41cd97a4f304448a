//! Every CQL type through a real table, with prepared and unprepared statements, on v4 and v5.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use cql::CqlValue;
use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use uuid::Uuid;

use crate::common::{VERSIONS, keyspace, session};

fn varint(bytes: &[u8]) -> CqlVarint {
    CqlVarint::from_signed_bytes_be(bytes.to_vec())
}

/// One value per column, in the column order of the table below.
fn sample(ks: &str) -> Vec<(&'static str, CqlValue)> {
    vec![
        ("c_ascii", CqlValue::Ascii("plain ascii".into())),
        ("c_bigint", CqlValue::BigInt(-9_007_199_254_740_993)),
        (
            "c_blob",
            CqlValue::Blob(bytes::Bytes::from_static(&[0, 1, 2, 0xfe, 0xff])),
        ),
        ("c_boolean", CqlValue::Boolean(true)),
        (
            "c_date",
            CqlValue::Date(CqlDate::from_days_since_epoch(-12_345)),
        ),
        (
            "c_decimal",
            CqlValue::Decimal(CqlDecimal {
                unscaled: varint(&[0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]),
                scale: 7,
            }),
        ),
        ("c_double", CqlValue::Double(-1.25e300)),
        (
            "c_duration",
            CqlValue::Duration(CqlDuration {
                months: 14,
                days: 3,
                nanoseconds: 1_000_000_123,
            }),
        ),
        ("c_float", CqlValue::Float(3.5)),
        ("c_inet", CqlValue::Inet("2001:db8::7".parse().expect("ip"))),
        ("c_int", CqlValue::Int(i32::MIN)),
        ("c_smallint", CqlValue::SmallInt(-32_000)),
        ("c_text", CqlValue::Text("ünïcødé ✓ 数据".into())),
        ("c_time", CqlValue::Time(CqlTime(86_399_999_999_999))),
        (
            "c_timestamp",
            CqlValue::Timestamp(CqlTimestamp(1_700_000_000_123)),
        ),
        (
            "c_timeuuid",
            CqlValue::Timeuuid(
                Uuid::parse_str("fe2b4360-28c6-11e2-81c1-0800200c9a66").expect("uuid"),
            ),
        ),
        ("c_tinyint", CqlValue::TinyInt(-128)),
        (
            "c_uuid",
            CqlValue::Uuid(Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").expect("uuid")),
        ),
        (
            "c_varint",
            CqlValue::Varint(varint(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
        ),
        (
            "c_list",
            CqlValue::List(vec![CqlValue::Int(3), CqlValue::Int(1), CqlValue::Int(2)]),
        ),
        (
            "c_set",
            CqlValue::Set(vec![CqlValue::Text("a".into()), CqlValue::Text("b".into())]),
        ),
        (
            "c_map",
            CqlValue::Map(vec![
                (CqlValue::Text("one".into()), CqlValue::Int(1)),
                (CqlValue::Text("two".into()), CqlValue::Int(2)),
            ]),
        ),
        (
            "c_tuple",
            CqlValue::Tuple(vec![
                Some(CqlValue::Int(7)),
                None,
                Some(CqlValue::Text("x".into())),
            ]),
        ),
        (
            "c_udt",
            CqlValue::Udt {
                keyspace: ks.to_owned(),
                name: "address".into(),
                fields: vec![
                    ("street".into(), Some(CqlValue::Text("1 Main St".into()))),
                    ("zip".into(), Some(CqlValue::Int(12345))),
                    (
                        "tags".into(),
                        Some(CqlValue::Set(vec![CqlValue::Text("home".into())])),
                    ),
                ],
            },
        ),
        (
            "c_nested",
            CqlValue::List(vec![CqlValue::Map(vec![(
                CqlValue::Text("k".into()),
                CqlValue::Set(vec![CqlValue::Int(1), CqlValue::Int(2)]),
            )])]),
        ),
        (
            "c_vector",
            CqlValue::Vector(vec![
                CqlValue::Float(1.0),
                CqlValue::Float(-2.5),
                CqlValue::Float(0.125),
            ]),
        ),
        (
            "c_vector_text",
            CqlValue::Vector(vec![
                CqlValue::Text("var".into()),
                CqlValue::Text("size".into()),
            ]),
        ),
    ]
}

async fn create(s: &cql::Session, ks: &str) {
    s.execute(
        format!("CREATE TYPE {ks}.address (street text, zip int, tags frozen<set<text>>)").as_str(),
        (),
    )
    .await
    .expect("udt");
    s.execute(
        format!(
            "CREATE TABLE {ks}.all_types (id int PRIMARY KEY, c_ascii ascii, c_bigint bigint, c_blob blob, \
             c_boolean boolean, c_date date, c_decimal decimal, c_double double, c_duration duration, \
             c_float float, c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, \
             c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, c_varint varint, \
             c_list list<int>, c_set set<text>, c_map map<text, int>, c_tuple tuple<int, text, text>, \
             c_udt frozen<address>, c_nested list<frozen<map<text, frozen<set<int>>>>>, \
             c_vector vector<float, 3>, c_vector_text vector<text, 2>)"
        )
        .as_str(),
        (),
    )
    .await
    .expect("table");
}

fn insert_cql(ks: &str, cols: &[(&str, CqlValue)]) -> String {
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let marks = vec!["?"; cols.len()].join(", ");
    format!(
        "INSERT INTO {ks}.all_types (id, {}) VALUES (?, {marks})",
        names.join(", ")
    )
}

#[tokio::test]
async fn every_type_round_trips_prepared_and_unprepared() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "types").await;
        create(&s, &ks).await;
        let cols = sample(&ks);
        let query = insert_cql(&ks, &cols);

        let mut values: Vec<CqlValue> = vec![CqlValue::Int(1)];
        values.extend(cols.iter().map(|(_, v)| v.clone()));
        let prepared = s.prepare(query.clone()).await.expect("prepare");
        s.execute(&prepared, values.clone())
            .await
            .expect("prepared insert");
        values[0] = CqlValue::Int(2);
        s.execute(query.as_str(), values)
            .await
            .expect("unprepared insert");

        let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
        let select = format!(
            "SELECT {} FROM {ks}.all_types WHERE id = ?",
            names.join(", ")
        );
        let select_prepared = s.prepare(select.clone()).await.expect("prepare select");
        for id in [1_i32, 2] {
            for rs in [
                s.execute(select.as_str(), (id,)).await.expect("select"),
                s.execute(&select_prepared, (id,))
                    .await
                    .expect("select prepared"),
            ] {
                let rows = rs.rows().expect("rows");
                assert_eq!(rows.len(), 1);
                for (i, (name, want)) in cols.iter().enumerate() {
                    let got = rows[0].get_index(i);
                    assert_eq!(got, Some(want), "{v:?} id {id}: column {name}");
                }
            }
        }
    }
}

#[tokio::test]
async fn natural_rust_types_nulls_and_unset() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "rust").await;
        create(&s, &ks).await;
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.all_types (id, c_bigint, c_text, c_blob, c_uuid, c_inet, c_list, c_set, c_map, c_boolean, c_double, c_tuple) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .await
            .expect("prepare");
        let uuid = Uuid::parse_str("123e4567-e89b-12d3-a456-426614174000").expect("uuid");
        let ip: IpAddr = "10.1.2.3".parse().expect("ip");
        let set: BTreeSet<String> = ["x".to_owned(), "y".to_owned()].into();
        let map: HashMap<String, i32> = [("a".to_owned(), 1), ("b".to_owned(), 2)].into();
        s.execute(
            &ins,
            (
                10_i32,
                42_i64,
                "hello",
                vec![1_u8, 2, 3],
                uuid,
                ip,
                vec![5_i32, 6],
                set.clone(),
                map.clone(),
                false,
                0.5_f64,
                (1_i32, "two".to_owned(), "three"),
            ),
        )
        .await
        .expect("insert");
        let rs = s
            .execute(
                format!("SELECT c_bigint, c_text, c_blob, c_uuid, c_inet, c_list, c_set, c_map, c_boolean, c_double, c_tuple FROM {ks}.all_types WHERE id = 10").as_str(),
                (),
            )
            .await
            .expect("select");
        #[allow(clippy::type_complexity)]
        let row: (
            i64,
            &str,
            &[u8],
            Uuid,
            IpAddr,
            Vec<i32>,
            BTreeSet<String>,
            BTreeMap<String, i32>,
            bool,
            f64,
            (i32, String, String),
        ) = rs.first_row_typed().expect("typed row");
        assert_eq!(row.0, 42);
        assert_eq!(row.1, "hello");
        assert_eq!(row.2, &[1, 2, 3]);
        assert_eq!(row.3, uuid);
        assert_eq!(row.4, ip);
        assert_eq!(row.5, vec![5, 6]);
        assert_eq!(row.6, set);
        assert_eq!(row.7, map.into_iter().collect::<BTreeMap<_, _>>());
        assert!(!row.8);
        assert_eq!(row.9, 0.5);
        assert_eq!(row.10, (1, "two".to_owned(), "three".to_owned()));

        // Wrong Rust type for a column: a typed error naming the column.
        let err = rs
            .first_row_typed::<(
                String,
                &str,
                &[u8],
                Uuid,
                IpAddr,
                Vec<i32>,
                BTreeSet<String>,
                BTreeMap<String, i32>,
                bool,
                f64,
                (i32, String, String),
            )>()
            .expect_err("bigint is not a String");
        assert!(err.to_string().contains("c_bigint"), "{err}");

        // Null overwrites, unset leaves the column as it was.
        let upd = s
            .prepare(format!(
                "UPDATE {ks}.all_types SET c_text = ?, c_bigint = ? WHERE id = ?"
            ))
            .await
            .expect("prepare update");
        s.execute(
            &upd,
            (None::<&str>, cql::protocol::serialize::Unset, 10_i32),
        )
        .await
        .expect("update");
        let rs = s
            .execute(
                format!("SELECT c_text, c_bigint FROM {ks}.all_types WHERE id = 10").as_str(),
                (),
            )
            .await
            .expect("select");
        let (text, big): (Option<String>, Option<i64>) = rs.first_row_typed().expect("row");
        assert_eq!(text, None, "null was written");
        assert_eq!(big, Some(42), "unset kept the old value");
    }
}

#[tokio::test]
async fn counters() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "counter").await;
        s.execute(
            format!("CREATE TABLE {ks}.c (k text PRIMARY KEY, n counter)").as_str(),
            (),
        )
        .await
        .expect("table");
        let inc = s
            .prepare(format!("UPDATE {ks}.c SET n = n + ? WHERE k = ?"))
            .await
            .expect("prepare");
        for _ in 0..5 {
            s.execute(&inc, (CqlValue::Counter(3), "hits"))
                .await
                .expect("increment");
        }
        let rs = s
            .execute(
                format!("SELECT n FROM {ks}.c WHERE k = 'hits'").as_str(),
                (),
            )
            .await
            .expect("select");
        assert_eq!(
            rs.rows().expect("rows")[0].get("n"),
            Some(&CqlValue::Counter(15))
        );
    }
}
