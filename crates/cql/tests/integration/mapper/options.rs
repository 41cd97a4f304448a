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
    // Twice: a failed check is not kept as passed (a passed one is, per statement and
    // result metadata), so the second call is refused as the first.
    for call in ["first", "second"] {
        let e = AccountWrong::objects()
            .filter(AccountWrong::ID.eq(1))
            .get(&s)
            .await
            .expect_err(call);
        assert!(e.to_string().contains("name"), "{call}: {e}");
    }
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

/// A model with no keyspace of its own: its statements go to the session's or the call's.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "notes")]
struct Note {
    #[cql(partition_key)]
    id: i32,
    text: String,
}

/// The text of note `id` read with `get` and with `first` (both must agree), in keyspace `ks`
/// when given, else the session's.
async fn note(s: &cql::Session, id: i32, ks: Option<&str>) -> Option<String> {
    let q = || {
        let q = Note::objects().filter(Note::ID.eq(id));
        match ks {
            Some(ks) => q.keyspace(ks),
            None => q,
        }
    };
    let first = q().first(s).await.expect("first").map(|n| n.text);
    match q().get(s).await {
        Ok(n) => assert_eq!(Some(n.text), first),
        Err(Error::NotFound { .. }) => assert_eq!(first, None),
        Err(e) => panic!("get: {e}"),
    }
    first
}

#[tokio::test]
async fn one_model_in_two_keyspaces_writes_and_reads_each() {
    // The insert and the select by key are kept per model and session for the first keyspace
    // they run in; the other keyspace's calls must still go to it.
    let (s, ks_a) = setup(cql::ProtocolVersion::V5, "mapper_ks_a").await;
    let ks_b = crate::common::keyspace(&s, "mapper_ks_b").await;
    sync::<Note>(&s).await;
    cql::mapper::SchemaManager::opt_in(&s)
        .sync_table::<Note>(Some(&ks_b))
        .await
        .expect("sync in b");
    let write = |id: i32, text: &str, ks: Option<&str>| {
        let n = Note {
            id,
            text: text.to_owned(),
        };
        let s = &s;
        let ks = ks.map(str::to_owned);
        async move {
            let i = n.insert();
            match ks {
                Some(ks) => i.keyspace(ks).execute(s).await,
                None => i.execute(s).await,
            }
            .expect("insert")
        }
    };
    write(1, "in a", None).await;
    write(1, "in b", Some(&ks_b)).await;
    assert_eq!(note(&s, 1, None).await.as_deref(), Some("in a"));
    assert_eq!(note(&s, 1, Some(&ks_b)).await.as_deref(), Some("in b"));
    assert_eq!(note(&s, 1, Some(&ks_a)).await.as_deref(), Some("in a"));
    // The session moves to the other keyspace: its default statements follow it.
    s.use_keyspace(&ks_b).await.expect("use b");
    write(2, "two in b", None).await;
    assert_eq!(note(&s, 2, None).await.as_deref(), Some("two in b"));
    assert_eq!(note(&s, 2, Some(&ks_a)).await, None);
    assert_eq!(note(&s, 1, None).await.as_deref(), Some("in b"));
}
