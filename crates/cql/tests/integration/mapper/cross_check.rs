//! The cross-check with the reference cqlengine (`cqlengine_check.py`, same models): schema
//! made by either side is what the other side makes and plans no change on; rows written by
//! either read back equal through the other; the same queries return the same rows.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use cql::mapper::{Model, ModelExt, SchemaManager};
use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use uuid::Uuid;

use super::models::{Address, Event, Hits};
use super::wait_for_indexes;
use crate::common::python;
use crate::common::{hosts, keyspace, session};

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "kitchen")]
struct Kitchen {
    #[cql(partition_key)]
    id: Uuid,
    #[cql(cql_type = "timeuuid")]
    c_timeuuid: Option<Uuid>,
    #[cql(cql_type = "ascii")]
    c_ascii: Option<String>,
    c_bigint: Option<i64>,
    c_blob: Option<Vec<u8>>,
    c_boolean: Option<bool>,
    c_date: Option<CqlDate>,
    c_decimal: Option<CqlDecimal>,
    c_double: Option<f64>,
    c_duration: Option<CqlDuration>,
    c_float: Option<f32>,
    c_inet: Option<std::net::IpAddr>,
    c_int: Option<i32>,
    c_smallint: Option<i16>,
    c_tinyint: Option<i8>,
    c_text: Option<String>,
    c_time: Option<CqlTime>,
    c_timestamp: Option<CqlTimestamp>,
    c_varint: Option<CqlVarint>,
    c_list: Option<Vec<i32>>,
    c_set: Option<BTreeSet<String>>,
    c_map: Option<BTreeMap<String, i64>>,
    c_tuple: Option<(i32, String, bool)>,
    c_udt: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(
    table = "ephemeral",
    default_ttl = 3600,
    option = "gc_grace_seconds = 7200",
    option = "compaction = {'class': 'LeveledCompactionStrategy'}"
)]
struct Ephemeral {
    #[cql(partition_key)]
    id: i32,
    note: Option<String>,
    #[cql(index)]
    labels: Option<BTreeSet<String>>,
}

/// The values the script writes (`kitchen_values`), as our model.
fn kitchen(id: u128) -> Kitchen {
    Kitchen {
        id: Uuid::from_u128(id),
        c_timeuuid: Some(Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").expect("uuid")),
        c_ascii: Some("ascii".into()),
        c_bigint: Some(-9_000_000_000),
        c_blob: Some(vec![0, 1, 255]),
        c_boolean: Some(true),
        // 2024-02-29: 19,782 days after the epoch.
        c_date: Some(CqlDate((1 << 31) + 19_782)),
        c_decimal: Some(CqlDecimal {
            unscaled: CqlVarint::from(-12_345_i64),
            scale: 3,
        }),
        c_double: Some(1.5),
        c_duration: Some(CqlDuration {
            months: 1,
            days: 2,
            nanoseconds: 3,
        }),
        c_float: Some(-0.25),
        c_inet: Some("::1".parse().expect("ip")),
        c_int: Some(i32::MAX),
        c_smallint: Some(-3),
        c_tinyint: Some(-1),
        c_text: Some("h\u{e9}llo".into()),
        c_time: Some(CqlTime(3_723 * 1_000_000_000)),
        c_timestamp: Some(CqlTimestamp(1_700_000_000_000)),
        c_varint: Some(CqlVarint::from(1_i64 << 40)),
        c_list: Some(vec![3, 1, 2, 3]),
        c_set: Some(["x".to_owned(), "y".to_owned()].into()),
        c_map: Some([("k".to_owned(), 7_i64)].into()),
        c_tuple: Some((1, "t".into(), false)),
        c_udt: Some(Address {
            street: "Main".into(),
            zip: Some(1234),
            tags: Some(vec!["b".into(), "a".into()]),
        }),
    }
}

/// The script's `event_rows`.
fn event_rows() -> Vec<Event> {
    let mut out = Vec::new();
    for day in [1, 2] {
        for at in 0..5_i64 {
            for seq in 0..2 {
                out.push(Event {
                    tenant: "acme".into(),
                    day,
                    at,
                    seq,
                    owner: None,
                    kind: if at % 2 == 0 { "even" } else { "odd" }.into(),
                    body: Some(format!("acme/{day}/{at}/{seq}")),
                    score: Some(f64::from(seq) / 2.0),
                });
            }
        }
    }
    out
}

/// Runs a command of the script; its stdout lines.
fn script(command: &str, ks: &str) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/mapper/cqlengine_check.py"
    );
    let out = Command::new(python())
        .arg(path)
        .arg(command)
        .arg(&hosts()[0])
        .arg(ks)
        .output()
        .expect("run the cqlengine script");
    assert!(
        out.status.success(),
        "cqlengine_check.py {command} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The schema of a keyspace as CQL, its name replaced so that two keyspaces compare.
async fn schema_text(s: &cql::Session, ks: &str) -> String {
    let meta = s.refresh_metadata().await.expect("metadata");
    let k = &meta.keyspaces()[ks];
    let mut parts: Vec<String> = k.tables.values().map(|t| t.export_as_string()).collect();
    parts.extend(k.user_types.values().map(|u| u.as_cql_query()));
    parts.sort();
    parts.join("\n").replace(ks, "KS")
}

async fn sync_all(m: &SchemaManager, ks: &str) {
    m.sync_table::<Event>(Some(ks)).await.expect("events");
    m.sync_table::<Kitchen>(Some(ks)).await.expect("kitchen");
    m.sync_table::<Hits>(Some(ks)).await.expect("hits");
    m.sync_table::<Ephemeral>(Some(ks))
        .await
        .expect("ephemeral");
}

#[tokio::test]
async fn cross_check_with_the_reference_cqlengine() {
    let s = session(cql::ProtocolVersion::V4).await;
    let ks_py = keyspace(&s, "cqle_py").await;
    let ks_rs = keyspace(&s, "cqle_rs").await;
    let m = SchemaManager::opt_in(&s);

    // Schema: Python's tables need no change of ours, ours none of Python's; both equal.
    script("sync", &ks_py);
    wait_for_indexes::<Event>(&s, &ks_py).await;
    wait_for_indexes::<Ephemeral>(&s, &ks_py).await;
    for (name, plan) in [
        ("events", m.plan_table::<Event>(Some(&ks_py)).await),
        ("kitchen", m.plan_table::<Kitchen>(Some(&ks_py)).await),
        ("page_hits", m.plan_table::<Hits>(Some(&ks_py)).await),
        ("ephemeral", m.plan_table::<Ephemeral>(Some(&ks_py)).await),
    ] {
        let plan = plan.unwrap_or_else(|e| panic!("plan {name}: {e}"));
        assert!(plan.is_empty(), "our plan for cqlengine's {name}:\n{plan}");
    }
    sync_all(&m, &ks_rs).await;
    wait_for_indexes::<Event>(&s, &ks_rs).await;
    wait_for_indexes::<Ephemeral>(&s, &ks_rs).await;
    let ours = schema_text(&s, &ks_rs).await;
    script("sync", &ks_rs);
    assert_eq!(
        schema_text(&s, &ks_rs).await,
        ours,
        "cqlengine's sync_table changed our tables"
    );
    assert_eq!(
        schema_text(&s, &ks_py).await,
        ours,
        "the two sides' schemas differ"
    );

    // Rows written through cqlengine read back equal through ours.
    script("write", &ks_py);
    let k = Kitchen::objects()
        .keyspace(&ks_py)
        .filter(Kitchen::ID.eq(Uuid::from_u128(1)))
        .get(&s)
        .await
        .expect("cqlengine's kitchen row");
    assert_eq!(k, kitchen(1));
    let part = |day: i32, ks: &str| {
        Event::objects()
            .keyspace(ks)
            .filter(Event::TENANT.eq("acme"))
            .filter(Event::DAY.eq(day))
    };
    let mut events = Vec::new();
    for day in [1, 2] {
        events.extend(
            part(day, &ks_py)
                .all(&s)
                .await
                .expect("events")
                .try_collect()
                .await
                .expect("rows"),
        );
    }
    let mut want = event_rows();
    want.sort_by(|a, b| (a.day, b.at, a.seq).cmp(&(b.day, a.at, b.seq)));
    assert_eq!(events, want, "cqlengine's events");
    let h = Hits::objects()
        .keyspace(&ks_py)
        .filter(Hits::PAGE.eq("home"))
        .get(&s)
        .await
        .expect("hits");
    assert_eq!((h.hits, h.bytes), (3, 300));
    let e = Ephemeral::objects()
        .keyspace(&ks_py)
        .filter(Ephemeral::ID.eq(1))
        .get(&s)
        .await
        .expect("eph");
    assert_eq!(e.labels, Some(["l1".to_owned(), "l2".to_owned()].into()));

    // Rows written through ours read back equal through cqlengine.
    kitchen(2)
        .insert()
        .keyspace(&ks_rs)
        .execute(&s)
        .await
        .expect("kitchen");
    for e in event_rows() {
        e.insert()
            .keyspace(&ks_rs)
            .execute(&s)
            .await
            .expect("event");
    }
    for _ in 0..3 {
        Hits::objects()
            .keyspace(&ks_rs)
            .filter(Hits::PAGE.eq("home"))
            .update()
            .set(Hits::HITS.incr(1))
            .set(Hits::BYTES.incr(100))
            .execute(&s)
            .await
            .expect("hits");
    }
    Ephemeral {
        id: 1,
        note: Some("n".into()),
        labels: Some(["l1".to_owned(), "l2".to_owned()].into()),
    }
    .insert()
    .keyspace(&ks_rs)
    .execute(&s)
    .await
    .expect("ephemeral");
    let verdicts = script("read", &ks_rs);
    let differs: Vec<&String> = verdicts
        .iter()
        .filter(|l| !l.starts_with("equal "))
        .collect();
    assert!(
        differs.is_empty(),
        "cqlengine read our rows differently: {differs:#?}"
    );
    // Every field of every row was compared: 23 kitchen fields, 20 events of 7, 2 + 2.
    assert_eq!(verdicts.len(), 23 + 20 * 7 + 2 + 2, "{verdicts:#?}");

    // The same queries return the same rows.
    let py = script("query", &ks_py);
    let keys = |rows: Vec<Event>| -> String {
        let v: Vec<String> = rows
            .iter()
            .map(|e| format!("[{}, {}, {}]", e.day, e.at, e.seq))
            .collect();
        format!("[{}]", v.join(", "))
    };
    let sorted = |mut rows: Vec<Event>| {
        rows.sort_by_key(|e| (e.day, e.at, e.seq));
        rows
    };
    let all = |q: cql::mapper::Query<Event>| {
        let s = s.clone();
        async move {
            q.all(&s)
                .await
                .expect("query")
                .try_collect()
                .await
                .expect("rows")
        }
    };
    let ours = vec![
        keys(all(part(1, &ks_py)).await),
        keys(
            all(part(1, &ks_py)
                .filter(Event::AT.ge(1))
                .filter(Event::AT.lt(4))
                .order_by(Event::AT.asc())
                .order_by(Event::SEQ.desc())
                .limit(4))
            .await,
        ),
        keys(
            all(Event::objects()
                .keyspace(&ks_py)
                .filter(Event::TENANT.eq("acme"))
                .filter(Event::DAY.is_in([1, 2]))
                .filter(Event::AT.eq(3)))
            .await,
        ),
        keys(sorted(
            all(Event::objects()
                .keyspace(&ks_py)
                .filter(Event::SCORE.gt(0.4))
                .allow_filtering())
            .await,
        )),
        keys(sorted(
            all(Event::objects()
                .keyspace(&ks_py)
                .filter(Event::KIND.eq("odd")))
            .await,
        )),
        keys(
            all(Event::objects()
                .keyspace(&ks_py)
                .filter(Event::SCORE.gt(0.4))
                .allow_filtering()
                .limit(3))
            .await,
        ),
    ];
    assert_eq!(py, ours, "cqlengine's rows vs ours, query by query");
    assert!(Kitchen::TABLE.columns.len() == 24);
}
