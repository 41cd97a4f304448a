//! Every kind of literal, written in an INSERT, reads back equal from the real server.

use std::time::SystemTime;

use bytes::Bytes;
use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use cql::util::{
    CqlLiteral, HIGHEST_TIME_UUID, LOWEST_TIME_UUID, ToCqlLiteral, max_uuid_from_time,
    min_uuid_from_time, uuid_from_time,
};
use cql::{ColumnType, CqlValue, ProtocolVersion};
use uuid::Uuid;

use crate::common::{VERSIONS, keyspace, session};

fn same(a: &CqlValue, b: &CqlValue) -> bool {
    use CqlValue as V;
    let all = |x: &[CqlValue], y: &[CqlValue]| {
        x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
    };
    let opt = |x: &Option<CqlValue>, y: &Option<CqlValue>| match (x, y) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    };
    match (a, b) {
        (V::Double(x), V::Double(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (V::Float(x), V::Float(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (V::List(x), V::List(y)) | (V::Vector(x), V::Vector(y)) => all(x, y),
        (V::Set(x), V::Set(y)) => {
            let mut left: Vec<&CqlValue> = y.iter().collect();
            x.len() == y.len()
                && x.iter()
                    .all(|e| match left.iter().position(|o| same(e, o)) {
                        Some(i) => {
                            left.remove(i);
                            true
                        }
                        None => false,
                    })
        }
        (V::Map(x), V::Map(y)) => {
            let mut left: Vec<&(CqlValue, CqlValue)> = y.iter().collect();
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    match left.iter().position(|(k2, v2)| same(k, k2) && same(v, v2)) {
                        Some(i) => {
                            left.remove(i);
                            true
                        }
                        None => false,
                    }
                })
        }
        (V::Tuple(x), V::Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| opt(a, b)),
        (
            V::Udt {
                keyspace: k1,
                name: n1,
                fields: f1,
            },
            V::Udt {
                keyspace: k2,
                name: n2,
                fields: f2,
            },
        ) => {
            k1 == k2
                && n1 == n2
                && f1.len() == f2.len()
                && f1
                    .iter()
                    .zip(f2)
                    .all(|((a, x), (b, y))| a == b && opt(x, y))
        }
        _ => a == b,
    }
}

const COLUMNS: &str = "c_ascii ascii, c_bigint bigint, c_blob blob, c_boolean boolean, \
    c_date date, c_decimal decimal, c_double double, c_duration duration, c_float float, \
    c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, \
    c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, \
    c_varint varint, c_list_text list<text>, c_list_double list<double>, \
    c_set_int set<int>, c_set_text set<text>, c_set_blob set<blob>, c_map map<text, int>, \
    c_map_nested map<int, frozen<list<text>>>, c_list_map list<frozen<map<text, double>>>, \
    c_set_tuple set<frozen<tuple<int, text>>>, c_map_time map<time, date>, \
    c_map_inet map<inet, varint>, c_list_decimal list<decimal>, \
    c_list_duration list<duration>, c_tuple tuple<int, text, double>, c_tuple1 tuple<int>, \
    c_udt frozen<addr>, c_list_udt list<frozen<addr>>, c_vec_float vector<float, 3>, \
    c_vec_text vector<text, 2>, c_vec_double vector<double, 2>, \
    c_custom 'org.apache.cassandra.db.marshal.LexicalUUIDType'";

/// One literal to write: the column, the value (`None`: null), what must read back when it
/// is not the same value, and the column type for a typed literal.
struct Case {
    column: &'static str,
    value: Option<CqlValue>,
    back: Option<Option<CqlValue>>,
    typ: Option<ColumnType>,
}

fn case(column: &'static str, value: CqlValue) -> Case {
    Case {
        column,
        value: Some(value),
        back: None,
        typ: None,
    }
}

fn varint_of(bytes: &[u8]) -> CqlVarint {
    CqlVarint::from_signed_bytes_be(bytes.to_vec())
}

fn addr(ks: &str, street: Option<&str>, zip: Option<i32>, from: Option<i64>) -> CqlValue {
    CqlValue::Udt {
        keyspace: ks.to_owned(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), street.map(|s| CqlValue::Text(s.into()))),
            ("Zip Code".into(), zip.map(CqlValue::Int)),
            (
                "from".into(),
                from.map(|t| CqlValue::Timestamp(CqlTimestamp(t))),
            ),
            (
                "tags".into(),
                Some(CqlValue::Set(vec![
                    CqlValue::Text(String::new()),
                    CqlValue::Text("it's".into()),
                ])),
            ),
        ],
    }
}

fn cases(ks: &str) -> Vec<Case> {
    use CqlValue as V;
    let t = |s: &str| V::Text(s.into());
    let d = |months, days, nanoseconds| {
        V::Duration(CqlDuration {
            months,
            days,
            nanoseconds,
        })
    };
    // 2^200 and -(2^200), minimal two's complement.
    let mut pow200 = vec![0x01];
    pow200.extend([0u8; 25]);
    let mut neg200 = vec![0xff];
    neg200.extend([0u8; 25]);
    let now = SystemTime::now();
    let mut out = vec![
        case("c_ascii", V::Ascii(String::new())),
        case("c_ascii", V::Ascii("it's ''quoted''".into())),
        case("c_ascii", V::Ascii("\u{1}\t\n\u{7f} ~".into())),
        case("c_bigint", V::BigInt(i64::MIN)),
        case("c_bigint", V::BigInt(i64::MAX)),
        case("c_blob", V::Blob(Bytes::new())),
        case(
            "c_blob",
            V::Blob(Bytes::from((0..=255u8).collect::<Vec<_>>())),
        ),
        case("c_boolean", V::Boolean(true)),
        case("c_boolean", V::Boolean(false)),
        case("c_date", V::Date(CqlDate(0))),
        case("c_date", V::Date(CqlDate(u32::MAX))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(0))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(-1))),
        case("c_date", V::Date(CqlDate::from_days_since_epoch(-719_162))), // 0001-01-01
        case("c_decimal", V::Decimal(CqlDecimal::new(0, 0))),
        case("c_decimal", V::Decimal(CqlDecimal::new(0, 5))),
        case("c_decimal", V::Decimal(CqlDecimal::new(0, -2))),
        case("c_decimal", V::Decimal(CqlDecimal::new(-150, 2))),
        case("c_decimal", V::Decimal(CqlDecimal::new(i64::MIN, 7))),
        case("c_decimal", V::Decimal(CqlDecimal::new(123, -5))),
        case("c_decimal", V::Decimal(CqlDecimal::new(-1, 7))),
        case("c_decimal", V::Decimal(CqlDecimal::new(7, i32::MAX))),
        case("c_decimal", V::Decimal(CqlDecimal::new(1, -300))),
        // Beyond a double: written as bytes.
        case("c_decimal", V::Decimal(CqlDecimal::new(-15, -400))),
        case("c_decimal", V::Decimal(CqlDecimal::new(7, i32::MIN))),
        case(
            "c_decimal",
            V::Decimal(CqlDecimal {
                unscaled: varint_of(&pow200),
                scale: 30,
            }),
        ),
        case("c_double", V::Double(f64::NAN)),
        case("c_double", V::Double(f64::INFINITY)),
        case("c_double", V::Double(f64::NEG_INFINITY)),
        case("c_double", V::Double(-0.0)),
        case("c_double", V::Double(0.1)),
        case("c_double", V::Double(1e16)),
        case("c_double", V::Double(1e-5)),
        case("c_double", V::Double(f64::MAX)),
        case("c_double", V::Double(f64::MIN)),
        case("c_double", V::Double(f64::MIN_POSITIVE)),
        case("c_double", V::Double(5e-324)),
        case("c_duration", d(0, 0, 0)),
        case("c_duration", d(1, 2, 3)),
        case("c_duration", d(-1, -2, -3)),
        case("c_duration", d(0, 0, -1)),
        case("c_duration", d(i32::MAX, i32::MAX, i64::MAX)),
        case("c_duration", d(-i32::MAX, -i32::MAX, -i64::MAX)),
        case("c_float", V::Float(f32::NAN)),
        case("c_float", V::Float(f32::INFINITY)),
        case("c_float", V::Float(f32::NEG_INFINITY)),
        case("c_float", V::Float(-0.0)),
        case("c_float", V::Float(0.1)),
        case("c_float", V::Float(f32::MAX)),
        case("c_float", V::Float(f32::MIN_POSITIVE)),
        case("c_float", V::Float(1e-45)),
        case("c_float", V::Float(16_777_216.0)),
        case("c_inet", V::Inet("0.0.0.0".parse().expect("ip"))),
        case("c_inet", V::Inet("255.255.255.255".parse().expect("ip"))),
        case("c_inet", V::Inet("::".parse().expect("ip"))),
        case("c_inet", V::Inet("::1".parse().expect("ip"))),
        case("c_inet", V::Inet("1:0:0:2:0:0:0:3".parse().expect("ip"))),
        case("c_inet", V::Inet("fe80::abcd:ef01".parse().expect("ip"))),
        case("c_inet", V::Inet("::1.2.3.4".parse().expect("ip"))),
        Case {
            // Cassandra's parser turns an IPv4-mapped address into the IPv4 one.
            back: Some(Some(V::Inet("1.2.3.4".parse().expect("ip")))),
            ..case("c_inet", V::Inet("::ffff:1.2.3.4".parse().expect("ip")))
        },
        case("c_int", V::Int(i32::MIN)),
        case("c_int", V::Int(i32::MAX)),
        case("c_smallint", V::SmallInt(i16::MIN)),
        case("c_smallint", V::SmallInt(i16::MAX)),
        case("c_tinyint", V::TinyInt(i8::MIN)),
        case("c_tinyint", V::TinyInt(i8::MAX)),
        case("c_text", t("")),
        case("c_text", t("'")),
        case("c_text", t("it's ''quoted'' \"double\" \\ $$dollar$$")),
        case("c_text", t("ünïcødé ✓ 数据 🎉\n\ttabs\0nul")),
        case("c_time", V::Time(CqlTime(0))),
        case("c_time", V::Time(CqlTime(CqlTime::NANOS_PER_DAY - 1))),
        case("c_time", V::Time(CqlTime(45_296_000_000_001))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(i64::MIN))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(i64::MAX))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(0))),
        case("c_timestamp", V::Timestamp(CqlTimestamp(-1))),
        case("c_timeuuid", V::Timeuuid(LOWEST_TIME_UUID)),
        case("c_timeuuid", V::Timeuuid(HIGHEST_TIME_UUID)),
        case(
            "c_timeuuid",
            V::Timeuuid(min_uuid_from_time(now).expect("now")),
        ),
        case(
            "c_timeuuid",
            V::Timeuuid(max_uuid_from_time(now).expect("now")),
        ),
        case(
            "c_timeuuid",
            V::Timeuuid(uuid_from_time(now, None, None).expect("now")),
        ),
        case("c_uuid", V::Uuid(Uuid::nil())),
        case("c_uuid", V::Uuid(Uuid::max())),
        case(
            "c_uuid",
            V::Uuid(
                "550e8400-e29b-41d4-a716-446655440000"
                    .parse()
                    .expect("uuid"),
            ),
        ),
        case("c_varint", V::Varint(CqlVarint::from(0))),
        case("c_varint", V::Varint(CqlVarint::from(-1))),
        case("c_varint", V::Varint(varint_of(&pow200))),
        case("c_varint", V::Varint(varint_of(&neg200))),
        case(
            "c_varint",
            V::Varint(varint_of(&[
                0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ])),
        ),
        case(
            "c_list_text",
            V::List(vec![t(""), t("it's"), t("✓"), t("")]),
        ),
        case(
            "c_list_double",
            V::List(vec![
                V::Double(f64::NAN),
                V::Double(f64::NEG_INFINITY),
                V::Double(-0.0),
                V::Double(1e-5),
                V::Double(1e300),
            ]),
        ),
        case(
            "c_set_int",
            V::Set(vec![
                V::Int(i32::MIN),
                V::Int(-1),
                V::Int(0),
                V::Int(i32::MAX),
            ]),
        ),
        case("c_set_text", V::Set(vec![t(""), t("''"), t("z")])),
        case(
            "c_set_blob",
            V::Set(vec![
                V::Blob(Bytes::new()),
                V::Blob(Bytes::from_static(&[0, 0xff])),
            ]),
        ),
        case(
            "c_map",
            V::Map(vec![(t("a'"), V::Int(1)), (t(""), V::Int(i32::MIN))]),
        ),
        case(
            "c_map_nested",
            V::Map(vec![
                (V::Int(-5), V::List(vec![t("x"), t("'")])),
                (V::Int(7), V::List(vec![])),
            ]),
        ),
        case(
            "c_list_map",
            V::List(vec![
                V::Map(vec![]),
                V::Map(vec![
                    (t("x"), V::Double(f64::NAN)),
                    (t("y"), V::Double(-1.5)),
                ]),
            ]),
        ),
        case(
            "c_set_tuple",
            V::Set(vec![
                V::Tuple(vec![Some(V::Int(1)), Some(t("a"))]),
                V::Tuple(vec![Some(V::Int(2)), None]),
            ]),
        ),
        case(
            "c_map_time",
            V::Map(vec![
                (V::Time(CqlTime(0)), V::Date(CqlDate(0))),
                (
                    V::Time(CqlTime(CqlTime::NANOS_PER_DAY - 1)),
                    V::Date(CqlDate(u32::MAX)),
                ),
            ]),
        ),
        case(
            "c_map_inet",
            V::Map(vec![
                (
                    V::Inet("::1".parse().expect("ip")),
                    V::Varint(varint_of(&pow200)),
                ),
                (
                    V::Inet("10.0.0.1".parse().expect("ip")),
                    V::Varint(CqlVarint::from(-1)),
                ),
            ]),
        ),
        case(
            "c_list_decimal",
            V::List(vec![
                V::Decimal(CqlDecimal::new(150, 2)),
                V::Decimal(CqlDecimal::new(-1, 7)),
                V::Decimal(CqlDecimal::new(0, -2)),
                V::Decimal(CqlDecimal::new(1, -309)),
            ]),
        ),
        case(
            "c_list_duration",
            V::List(vec![d(1, 2, 3), d(-1, -2, -3), d(0, 0, 0)]),
        ),
        case(
            "c_tuple",
            V::Tuple(vec![
                Some(V::Int(i32::MIN)),
                Some(t("it's")),
                Some(V::Double(f64::NAN)),
            ]),
        ),
        case("c_tuple", V::Tuple(vec![None, None, None])),
        case(
            "c_tuple",
            V::Tuple(vec![Some(V::Int(0)), Some(t("")), None]),
        ),
        case("c_tuple1", V::Tuple(vec![Some(V::Int(5))])),
        case(
            "c_udt",
            addr(ks, Some("Main St, 'North'"), Some(12345), Some(-1)),
        ),
        case("c_udt", addr(ks, None, None, None)),
        case(
            "c_list_udt",
            V::List(vec![
                addr(ks, Some(""), Some(i32::MIN), Some(i64::MAX)),
                addr(ks, None, Some(0), None),
            ]),
        ),
        case(
            "c_vec_float",
            V::Vector(vec![
                V::Float(1.5),
                V::Float(f32::NAN),
                V::Float(f32::NEG_INFINITY),
            ]),
        ),
        case("c_vec_text", V::Vector(vec![t(""), t("it's")])),
        case(
            "c_vec_double",
            V::Vector(vec![V::Double(f64::MAX), V::Double(-0.0)]),
        ),
        case(
            "c_custom",
            V::Custom(Bytes::from_static(&[
                0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ])),
        ),
        // Null.
        Case {
            value: None,
            ..case("c_text", V::Empty)
        },
        Case {
            value: None,
            ..case("c_list_udt", V::Empty)
        },
    ];
    // Empty values, written with their type (Cassandra has none of `date`, `time`,
    // `smallint`, `tinyint` and `duration`).
    for (column, typ) in [
        ("c_int", ColumnType::Int),
        ("c_bigint", ColumnType::BigInt),
        ("c_double", ColumnType::Double),
        ("c_timestamp", ColumnType::Timestamp),
        ("c_uuid", ColumnType::Uuid),
        ("c_boolean", ColumnType::Boolean),
        ("c_inet", ColumnType::Inet),
        ("c_decimal", ColumnType::Decimal),
        ("c_timeuuid", ColumnType::Timeuuid),
        ("c_float", ColumnType::Float),
    ] {
        out.push(Case {
            typ: Some(typ),
            ..case(column, V::Empty)
        });
    }
    // A varint of no bytes is the empty varint.
    out.push(Case {
        typ: Some(ColumnType::Varint),
        ..case("c_varint", V::Varint(varint_of(&[])))
    });
    out
}

async fn literals_read_back(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_lit").await;
    for ddl in [
        format!(
            "CREATE TYPE {ks}.addr (street text, \"Zip Code\" int, \"from\" timestamp, \
             tags frozen<set<text>>)"
        ),
        format!("CREATE TABLE {ks}.lit (id int PRIMARY KEY, {COLUMNS})"),
        format!("CREATE TABLE {ks}.cnt (id int PRIMARY KEY, c counter)"),
    ] {
        s.execute(ddl.as_str(), ()).await.expect("ddl");
    }
    let cases = cases(&ks);
    let mut columns_seen = std::collections::BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        let literal = match &c.typ {
            Some(t) => CqlLiteral::of(c.value.as_ref()).typed(t).to_string(),
            None => CqlLiteral::of(c.value.as_ref()).to_string(),
        };
        let insert = format!(
            "INSERT INTO {ks}.lit (id, {}) VALUES ({i}, {literal})",
            c.column
        );
        s.execute(insert.as_str(), ())
            .await
            .unwrap_or_else(|e| panic!("{version:?} {insert}: {e}"));
        let rs = s
            .execute(
                format!("SELECT {} FROM {ks}.lit WHERE id = {i}", c.column).as_str(),
                (),
            )
            .await
            .expect("select");
        let rows = rs.rows().expect("rows");
        let got = rows[0].values()[0].clone();
        let want = c.back.clone().unwrap_or_else(|| c.value.clone());
        let equal = match (&want, &got) {
            (None, None) => true,
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        assert!(
            equal,
            "{version:?} {}: wrote {literal}, read {got:?}, want {want:?}",
            c.column
        );
        columns_seen.insert(c.column);
    }
    // Every column of the table was written.
    assert_eq!(
        columns_seen.len(),
        COLUMNS.split(", c_").count(),
        "{columns_seen:?}"
    );

    // Counters take their literal in an update.
    for (id, delta) in [(1, i64::MAX), (2, i64::MIN), (3, -1), (4, 0)] {
        let lit = CqlValue::Counter(delta).to_cql_literal();
        s.execute(
            format!("UPDATE {ks}.cnt SET c = c + {lit} WHERE id = {id}").as_str(),
            (),
        )
        .await
        .expect("counter update");
        let rs = s
            .execute(
                format!("SELECT c FROM {ks}.cnt WHERE id = {id}").as_str(),
                (),
            )
            .await
            .expect("select counter");
        let rows = rs.rows().expect("rows");
        assert_eq!(rows[0].get("c"), Some(&CqlValue::Counter(delta)), "{lit}");
    }

    // Values no literal holds: the documented limits of Cassandra's parser.
    for v in [
        CqlValue::Duration(CqlDuration {
            months: i32::MIN,
            days: 0,
            nanoseconds: 0,
        }),
        CqlValue::Duration(CqlDuration {
            months: 0,
            days: 0,
            nanoseconds: i64::MIN,
        }),
    ] {
        let insert = format!(
            "INSERT INTO {ks}.lit (id, c_duration) VALUES (-1, {})",
            v.to_cql_literal()
        );
        assert!(s.execute(insert.as_str(), ()).await.is_err(), "{insert}");
    }
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_literals_read_back_equal() {
    for v in VERSIONS {
        literals_read_back(v).await;
    }
}
