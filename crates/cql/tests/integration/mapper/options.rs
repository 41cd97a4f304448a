//! Per-call options reach the server (consistency, serial consistency, timeout, tracing),
//! timeuuid functions, and a model that does not match its table.

use std::time::{Duration, Instant};

use cql::mapper::{Error, ModelExt, WriteError, max_timeuuid, min_timeuuid};
use cql::protocol::types::CqlTimestamp;
use cql::statement::Consistency;
use uuid::Uuid;

use super::models::Account;
use super::{setup, sync};

#[tokio::test]
async fn consistency_serial_consistency_timeout_and_tracing_apply() {
    let (s, ks) = setup(cql::ProtocolVersion::V5, "mapper_opts").await;
    sync::<Account>(&s).await;
    let q = || Account::objects().filter(Account::ID.eq(1));
    // THREE on a one-node keyspace of RF 1: the server says it cannot be met.
    let r = q().consistency(Consistency::Three).first(&s).await;
    match r {
        Err(Error::Driver(e)) => assert!(
            e.to_string()
                .contains("Cannot achieve consistency level THREE"),
            "{e}"
        ),
        other => panic!("expected unavailable, got {other:?}"),
    }
    q().consistency(Consistency::One)
        .first(&s)
        .await
        .expect("ONE is met");
    // A serial consistency that is not serial is refused by the server.
    let a = Account {
        id: 1,
        name: "a".into(),
        balance: None,
        tags: None,
        log: None,
        attrs: None,
    };
    let r = a
        .insert()
        .if_not_exists()
        .serial_consistency(Consistency::One)
        .execute(&s)
        .await;
    assert!(
        matches!(r, Err(WriteError::Failed(Error::Driver(_)))),
        "{r:?}"
    );
    a.insert()
        .if_not_exists()
        .serial_consistency(Consistency::LocalSerial)
        .execute(&s)
        .await
        .expect("LOCAL_SERIAL");
    // A timeout too short for any answer.
    let r = q().timeout(Duration::from_micros(1)).first(&s).await;
    assert!(
        matches!(&r, Err(Error::Driver(cql::Error::Timeout { .. }))),
        "{r:?}"
    );
    // Tracing: the server records the query.
    q().tracing(true).count(&s).await.expect("traced count");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // Every traced session of the server (other tests trace too), over all pages.
        let mut rows = s
            .execute_iter::<(Option<std::collections::HashMap<String, String>>,)>(
                "SELECT parameters FROM system_traces.sessions",
                (),
            )
            .await
            .expect("traces");
        let mut seen = false;
        while let Some(row) = rows.next_row().await {
            let (p,) = row.expect("trace row");
            seen |= p.is_some_and(|p| p.values().any(|v| v.contains(&ks) && v.contains("COUNT")));
        }
        if seen {
            break;
        }
        assert!(Instant::now() < deadline, "no trace of the traced query");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A version 1 UUID of millisecond `ms` since the epoch, `n` telling apart the same ms.
fn v1(ms: i64, n: u8) -> Uuid {
    let ts = (ms as u64) * 10_000 + 0x01B2_1DD2_1381_4000 + u64::from(n);
    Uuid::from_fields(
        (ts & 0xFFFF_FFFF) as u32,
        ((ts >> 32) & 0xFFFF) as u16,
        (((ts >> 48) & 0x0FFF) as u16) | 0x1000,
        &[0x80, 0x01, 1, 2, 3, 4, 5, 6],
    )
}

#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "timeline")]
struct Tick {
    #[cql(partition_key)]
    stream: i32,
    #[cql(clustering, cql_type = "timeuuid")]
    id: Uuid,
}

#[tokio::test]
async fn min_and_max_timeuuid_bound_a_timeuuid_range() {
    let (s, _ks) = setup(cql::ProtocolVersion::V4, "mapper_tu").await;
    sync::<Tick>(&s).await;
    let ids = [v1(1_000, 0), v1(2_000, 0), v1(2_000, 9), v1(3_000, 0)];
    for id in ids {
        Tick { stream: 1, id }
            .insert()
            .execute(&s)
            .await
            .expect("insert");
    }
    let q = || Tick::objects().filter(Tick::STREAM.eq(1));
    let in_2000: Vec<Uuid> = q()
        .filter(Tick::ID.ge_bound(min_timeuuid(CqlTimestamp(2_000))))
        .filter(Tick::ID.le_bound(max_timeuuid(CqlTimestamp(2_000))))
        .all(&s)
        .await
        .expect("range")
        .try_collect()
        .await
        .expect("rows")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(in_2000, vec![ids[1], ids[2]]);
    let after = q()
        .filter(Tick::ID.gt_bound(max_timeuuid(CqlTimestamp(2_000))))
        .count(&s)
        .await
        .expect("after");
    assert_eq!(after, 1);
    let before = q()
        .filter(Tick::ID.lt_bound(min_timeuuid(CqlTimestamp(2_000))))
        .count(&s)
        .await
        .expect("before");
    assert_eq!(before, 1);
}

/// The accounts table read by a model with a column the table does not have.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "accounts")]
struct AccountPlus {
    #[cql(partition_key)]
    id: i32,
    name: String,
    nickname: Option<String>,
}

/// The accounts table read with another type for a column.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "accounts")]
struct AccountWrong {
    #[cql(partition_key)]
    id: i32,
    name: i32,
}

#[tokio::test]
async fn a_model_that_does_not_match_its_table_fails_naming_the_column() {
    let (s, _ks) = setup(cql::ProtocolVersion::V5, "mapper_mismatch").await;
    sync::<Account>(&s).await;
    Account {
        id: 1,
        name: "a".into(),
        balance: None,
        tags: None,
        log: None,
        attrs: None,
    }
    .insert()
    .execute(&s)
    .await
    .expect("insert");
    let e = AccountPlus::objects()
        .filter(AccountPlus::ID.eq(1))
        .get(&s)
        .await
        .expect_err("no such column");
    assert!(e.to_string().contains("nickname"), "{e}");
    let e = AccountWrong::objects()
        .filter(AccountWrong::ID.eq(1))
        .get(&s)
        .await
        .expect_err("other type");
    assert!(e.to_string().contains("name"), "{e}");
    let r = AccountWrong { id: 2, name: 5 }.insert().execute(&s).await;
    let e = r.expect_err("other type on write");
    assert!(e.to_string().contains("name"), "{e}");
    // The failed write wrote nothing.
    assert_eq!(
        Account::objects()
            .filter(Account::ID.eq(2))
            .first(&s)
            .await
            .expect("read"),
        None
    );
}
