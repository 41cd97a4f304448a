//! Values outside their type's range are refused before anything is sent: Cassandra stores a
//! `time` of -1 ns or of a whole day, and the reference driver then fails to read the row.
//! The first and last nanosecond of the day round-trip, read back by us and by it.

use cql::CqlValue;
use cql::protocol::types::{CqlDecimal, CqlDuration, CqlTime, CqlVarint};
use cql::{ProtocolVersion, Session};
use uuid::Uuid;

use crate::common::python;
use crate::common::{VERSIONS, keyspace, session};

const LAST_NANO: i64 = 86_399_999_999_999;

/// A column and a value for it the client must refuse, with words its error must contain.
fn refused() -> Vec<(&'static str, CqlValue, &'static str)> {
    let empty = || CqlVarint::from_signed_bytes_be(Vec::new());
    vec![
        (
            "t",
            CqlValue::Time(CqlTime(-1)),
            "time value CqlTime(-1) is out of range",
        ),
        (
            "t",
            CqlValue::Time(CqlTime(LAST_NANO + 1)),
            "time value CqlTime(86400000000000) is out of range",
        ),
        (
            "l",
            CqlValue::List(vec![
                CqlValue::Time(CqlTime(0)),
                CqlValue::Time(CqlTime(-7)),
            ]),
            "time value CqlTime(-7) is out of range",
        ),
        (
            "d",
            CqlValue::Duration(CqlDuration {
                months: 1,
                days: -1,
                nanoseconds: 0,
            }),
            "duration value",
        ),
        ("v", CqlValue::Varint(empty()), "varint"),
        (
            "dec",
            CqlValue::Decimal(CqlDecimal {
                unscaled: empty(),
                scale: 2,
            }),
            "decimal",
        ),
        (
            "u",
            CqlValue::Timeuuid(
                Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").expect("uuid"),
            ),
            "version 4 UUID",
        ),
    ]
}

async fn count(s: &Session, ks: &str) -> usize {
    s.execute(format!("SELECT id FROM {ks}.r").as_str(), ())
        .await
        .expect("select")
        .rows()
        .expect("rows")
        .len()
}

/// The reference driver's reading of `ks.r`'s `t` column, `id=nanoseconds` per row, sorted.
const PY_READ: &str = r#"
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
cluster = Cluster([sys.argv[1]], auth_provider=PlainTextAuthProvider("cassandra", "cassandra"))
rows = cluster.connect().execute("SELECT id, t FROM %s.r" % sys.argv[2])
print(" ".join(sorted("%d=%d" % (r.id, r.t.nanosecond_time) for r in rows)))
cluster.shutdown()
"#;

async fn ranges(version: ProtocolVersion) {
    let s = session(version).await;
    let ks = keyspace(&s, "ranges").await;
    s.execute(
        format!(
            "CREATE TABLE {ks}.r (id int PRIMARY KEY, t time, l list<time>, d duration, \
             v varint, dec decimal, u timeuuid)"
        )
        .as_str(),
        (),
    )
    .await
    .expect("table");

    for (i, (column, value, words)) in refused().into_iter().enumerate() {
        let cql = format!("INSERT INTO {ks}.r (id, {column}) VALUES (?, ?)");
        let prepared = s.prepare(cql.clone()).await.expect("prepare");
        let id = i32::try_from(i).expect("id");
        for (how, result) in [
            ("prepared", s.execute(&prepared, (id, value.clone())).await),
            (
                "unprepared",
                s.execute(cql.as_str(), (id, value.clone())).await,
            ),
        ] {
            let e = result.expect_err(how);
            // Refused by the client (a server refusal would be Error::Server).
            assert!(
                matches!(e, cql::Error::Serialize(..)),
                "{how} {value:?}: {e:?}"
            );
            assert!(e.to_string().contains(words), "{how} {value:?}: {e}");
        }
    }
    // The typed Rust value is refused the same way.
    let insert_time = s
        .prepare(format!("INSERT INTO {ks}.r (id, t) VALUES (?, ?)"))
        .await
        .expect("prepare");
    let e = s
        .execute(&insert_time, (100_i32, CqlTime(-1)))
        .await
        .expect_err("typed time");
    assert!(matches!(e, cql::Error::Serialize(..)), "{e:?}");
    assert_eq!(count(&s, &ks).await, 0, "a refused value was written");

    // The bounds of the day round-trip, prepared and not.
    let bounds = [(1_i32, CqlTime(0)), (2, CqlTime(LAST_NANO))];
    for (id, t) in bounds {
        s.execute(&insert_time, (id, t)).await.expect("insert");
        s.execute(
            format!("INSERT INTO {ks}.r (id, t) VALUES (?, ?)").as_str(),
            (id + 10, CqlValue::Time(t)),
        )
        .await
        .expect("unprepared insert");
    }
    for (id, t) in bounds {
        for id in [id, id + 10] {
            let rs = s
                .execute(format!("SELECT t FROM {ks}.r WHERE id = ?").as_str(), (id,))
                .await
                .expect("select");
            let (got,): (CqlTime,) = rs.first_row_typed().expect("row");
            assert_eq!(got, t, "id {id}");
        }
    }
    let host = crate::common::hosts()[0].clone();
    let table_ks = ks.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .args(["-c", PY_READ, &host, &table_ks])
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
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("11=0 12={LAST_NANO} 1=0 2={LAST_NANO}")
    );
    s.execute(format!("DROP KEYSPACE {ks}").as_str(), ())
        .await
        .expect("drop");
}

#[tokio::test]
async fn out_of_range_values_are_refused_before_sending() {
    for v in VERSIONS {
        ranges(v).await;
    }
}
