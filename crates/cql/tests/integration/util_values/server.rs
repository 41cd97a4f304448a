//! Min/max timeuuids against Cassandra's own ordering, `OrderedMap` order, and UDT literal
//! names.

use super::python::{system_time, unix_micros};
use super::*;
use std::sync::Arc;

use cql::protocol::types::{CqlTimestamp, UserDefinedType};
use cql::util::{
    CqlLiteral, HIGHEST_TIME_UUID, LOWEST_TIME_UUID, OrderedMap, ToCqlLiteral, datetime_from_uuid1,
    max_uuid_from_time, min_uuid_from_time, uuid_from_time,
};
use cql::{ColumnType, CqlValue, ProtocolVersion, Session};
use uuid::Uuid;

use crate::common::{VERSIONS, keyspace, session};

async fn first_uuid(s: &Session, query: &str) -> Uuid {
    let rs = s.execute(query, ()).await.expect(query);
    let (u,): (Uuid,) = rs.first_row_typed().expect("row");
    u
}

async fn timeuuid_bounds(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_tu").await;
    s.execute(
        format!("CREATE TABLE {ks}.ev (p int, t timeuuid, PRIMARY KEY (p, t))").as_str(),
        (),
    )
    .await
    .expect("table");

    // Our min of a whole millisecond is Cassandra's minTimeuuid; Cassandra reads back the
    // time we put in.
    for ms in [
        0_i64,
        1_700_000_000_123,
        -1_000,
        -12_219_292_800_000,
        103_072_857_660_684,
    ] {
        let ours = min_uuid_from_time(CqlTimestamp(ms)).expect("in range");
        let theirs = first_uuid(&s, &format!("SELECT minTimeuuid({ms}) FROM system.local")).await;
        assert_eq!(ours, theirs, "minTimeuuid({ms})");
        let u = uuid_from_time(CqlTimestamp(ms), None, None).expect("in range");
        let rs = s
            .execute(
                format!(
                    "SELECT toUnixTimestamp({}) FROM system.local",
                    CqlValue::Timeuuid(u).to_cql_literal()
                )
                .as_str(),
                (),
            )
            .await
            .expect("toUnixTimestamp");
        let (back,): (i64,) = rs.first_row_typed().expect("row");
        assert_eq!(back, ms);
    }

    // Timeuuids of a few microseconds, each with extreme and random nodes and clocks, and
    // their neighbours one microsecond before and after: a range from min to max of a time
    // selects exactly that time's, as Cassandra sorts.
    let base = 1_700_000_000_000_000_i64;
    let times: Vec<i64> = vec![base - 1, base, base + 1, base + 1000, 0, -1];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut by_time: Vec<(i64, Vec<Uuid>)> = Vec::new();
    for &m in &times {
        let t = system_time(m);
        let mut us = vec![
            uuid_from_time(t, Some(0), Some(0)).expect("t"),
            uuid_from_time(t, Some(0xffff_ffff_ffff), Some(0x3fff)).expect("t"),
            uuid_from_time(t, Some(0x8080_8080_8080), Some(0x0080)).expect("t"),
            uuid_from_time(t, Some(0x7f7f_7f7f_7f7f), Some(0x3f7f)).expect("t"),
            uuid_from_time(t, Some(0x7fff_ffff_ffff), Some(0x2000)).expect("t"),
            uuid_from_time(t, Some(0x8000_0000_0000), Some(0x1fff)).expect("t"),
        ];
        for _ in 0..10 {
            us.push(uuid_from_time(t, Some(rng.next() & 0xffff_ffff_ffff), None).expect("t"));
        }
        for u in &us {
            s.execute(
                format!(
                    "INSERT INTO {ks}.ev (p, t) VALUES (0, {})",
                    CqlValue::Timeuuid(*u).to_cql_literal()
                )
                .as_str(),
                (),
            )
            .await
            .expect("insert");
        }
        us.sort();
        by_time.push((m, us));
    }
    for (m, want) in &by_time {
        let t = system_time(*m);
        let (lo, hi) = (
            min_uuid_from_time(t).expect("t"),
            max_uuid_from_time(t).expect("t"),
        );
        let q = format!(
            "SELECT t FROM {ks}.ev WHERE p = 0 AND t >= {} AND t <= {}",
            CqlValue::Timeuuid(lo).to_cql_literal(),
            CqlValue::Timeuuid(hi).to_cql_literal()
        );
        let rs = s.execute(q.as_str(), ()).await.expect("range");
        let mut got: Vec<Uuid> = rs
            .rows_typed::<(Uuid,)>()
            .expect("rows")
            .map(|r| r.expect("row").0)
            .collect();
        got.sort();
        assert_eq!(&got, want, "{version:?} time {m} µs");
        for u in &got {
            assert_eq!(
                unix_micros(datetime_from_uuid1(*u).expect("v1")),
                i128::from(*m)
            );
        }
    }
    // The lowest and highest of all bound everything.
    let q = format!(
        "SELECT t FROM {ks}.ev WHERE p = 0 AND t > {LOWEST_TIME_UUID} AND t < {HIGHEST_TIME_UUID}"
    );
    let rs = s.execute(q.as_str(), ()).await.expect("all");
    assert_eq!(rs.rows().expect("rows").len(), times.len() * 16);
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_min_max_timeuuids_bound_a_time_as_cassandra_sorts() {
    for v in VERSIONS {
        timeuuid_bounds(v).await;
    }
}

async fn ordered_maps(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "util_om").await;
    s.execute(
        format!(
            "CREATE TABLE {ks}.om (id int PRIMARY KEY, m map<int, text>, \
             d map<double, int>, u map<timeuuid, frozen<list<int>>>)"
        )
        .as_str(),
        (),
    )
    .await
    .expect("table");
    let insert = s
        .prepare(format!(
            "INSERT INTO {ks}.om (id, m, d, u) VALUES (?, ?, ?, ?)"
        ))
        .await
        .expect("prepare");
    let m: OrderedMap<i32, String> = [(5, "five"), (-3, "minus three"), (0, ""), (i32::MIN, "'")]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    let d: OrderedMap<f64, i32> = [(1.5, 1), (0.0, 2), (f64::NEG_INFINITY, 3)]
        .into_iter()
        .collect();
    // Timeuuids: Cassandra orders them by time, which Rust's `Uuid` order is not.
    let early = uuid_from_time(1_000_000_000.0, Some(0xffff_ffff_ffff), Some(0)).expect("t");
    let late = (1..)
        .map(|s| uuid_from_time(1_000_000_000.0 + f64::from(s), Some(0), Some(0)).expect("t"))
        .find(|late| *late < early)
        .expect("a later time with smaller bytes");
    let u: OrderedMap<Uuid, Vec<i32>> =
        [(late, vec![2]), (early, vec![1, 1])].into_iter().collect();
    s.execute(&insert, (1_i32, &m, &d, &u))
        .await
        .expect("insert");
    // -0.0 and 0.0 are distinct keys to Cassandra (and `==` to Rust, so `insert` would
    // merge them): written as a literal, read back as two entries.
    let both = CqlValue::Map(vec![
        (CqlValue::Double(0.0), CqlValue::Int(2)),
        (CqlValue::Double(-0.0), CqlValue::Int(4)),
    ]);
    s.execute(
        format!(
            "UPDATE {ks}.om SET d = d + {} WHERE id = 2",
            both.to_cql_literal()
        )
        .as_str(),
        (),
    )
    .await
    .expect("update");
    let rs = s
        .execute(format!("SELECT d FROM {ks}.om WHERE id = 2").as_str(), ())
        .await
        .expect("select");
    let (zeros,): (OrderedMap<f64, i32>,) = rs.first_row_typed().expect("row");
    assert_eq!(
        zeros
            .iter()
            .map(|(k, v)| (k.to_bits(), *v))
            .collect::<Vec<_>>(),
        [((-0.0f64).to_bits(), 4), (0.0f64.to_bits(), 2)]
    );

    let rs = s
        .execute(
            format!("SELECT m, d, u FROM {ks}.om WHERE id = 1").as_str(),
            (),
        )
        .await
        .expect("select");
    type Maps = (
        OrderedMap<i32, String>,
        OrderedMap<f64, i32>,
        OrderedMap<Uuid, Vec<i32>>,
    );
    let (m_back, d_back, u_back): Maps = rs.first_row_typed().expect("row");
    // The server's order: ints ascending, doubles ascending, timeuuids by time.
    assert_eq!(
        m_back.keys().copied().collect::<Vec<_>>(),
        [i32::MIN, -3, 0, 5]
    );
    assert_eq!(m_back.get(&-3).map(String::as_str), Some("minus three"));
    assert_eq!(m_back.get(&0).map(String::as_str), Some(""));
    let d_keys: Vec<u64> = d_back.keys().map(|k| k.to_bits()).collect();
    assert_eq!(
        d_keys,
        [f64::NEG_INFINITY, 0.0, 1.5]
            .iter()
            .map(|k| k.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(d_back.get(&1.5), Some(&1));
    assert_eq!(u_back.keys().copied().collect::<Vec<_>>(), [early, late]);
    assert_eq!(u_back.get(&late), Some(&vec![2]));
    // The same through CqlValue.
    let rows = rs.rows().expect("rows");
    let as_value: OrderedMap<CqlValue, CqlValue> = rows[0]
        .get("u")
        .cloned()
        .and_then(CqlValue::into_map)
        .expect("map")
        .into_iter()
        .collect();
    assert_eq!(
        as_value.get(&CqlValue::Timeuuid(early)),
        Some(&CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(1)]))
    );
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn util_values_ordered_maps_keep_the_server_order() {
    for v in VERSIONS {
        ordered_maps(v).await;
    }
}

#[test]
fn util_values_udt_literal_names_are_quoted() {
    // The UDT of the round-trip table, typed: quoting does not depend on the type.
    let udt = ColumnType::Udt(Arc::new(UserDefinedType {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), ColumnType::Text),
            ("Zip Code".into(), ColumnType::Int),
        ],
    }));
    let v = CqlValue::Udt {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), Some(CqlValue::Text("x".into()))),
            ("Zip Code".into(), Some(CqlValue::Empty)),
        ],
    };
    assert_eq!(
        CqlLiteral::new(&v).typed(&udt).to_string(),
        "{street: 'x', \"Zip Code\": blobAsInt(0x)}"
    );
}
