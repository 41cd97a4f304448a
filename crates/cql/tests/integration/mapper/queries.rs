//! Queries: filters of every kind, order, limits, get/first/count, partial selects, token
//! ranges, and the filters refused before sending.

use cql::mapper::{Error, ModelExt, token};
use cql::protocol::types::CqlTimestamp;

use super::models::{AllTypes, Event};
use super::{setup, sync};
use crate::common::VERSIONS;

fn event(tenant: &str, day: i32, at: i64, seq: i32, kind: &str) -> Event {
    Event {
        tenant: tenant.to_owned(),
        day,
        at,
        seq,
        owner: None,
        kind: kind.to_owned(),
        body: Some(format!("{tenant}/{day}/{at}/{seq}")),
        score: Some(f64::from(seq) / 2.0),
    }
}

async fn events(s: &cql::Session) -> Vec<Event> {
    sync::<Event>(s).await;
    let mut all = Vec::new();
    for day in [1, 2] {
        for at in 0..5 {
            for seq in 0..2 {
                let kind = if at % 2 == 0 { "even" } else { "odd" };
                let e = event("acme", day, at, seq, kind);
                e.insert().execute(s).await.expect("insert");
                all.push(e);
            }
        }
    }
    all
}

#[tokio::test]
async fn filters_order_limits_and_counts() {
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_q").await;
        let all = events(&s).await;
        let part = || {
            Event::objects()
                .filter(Event::TENANT.eq("acme"))
                .filter(Event::DAY.eq(1))
        };

        // A whole partition, in clustering order (at DESC, seq ASC).
        let rows = part()
            .all(&s)
            .await
            .expect("all")
            .try_collect()
            .await
            .expect("rows");
        let mut want: Vec<Event> = all.iter().filter(|e| e.day == 1).cloned().collect();
        want.sort_by(|a, b| b.at.cmp(&a.at).then(a.seq.cmp(&b.seq)));
        assert_eq!(rows, want, "{v:?}");

        // Reversed order, a clustering range, a limit.
        let rows = part()
            .filter(Event::AT.ge(1))
            .filter(Event::AT.lt(4))
            .order_by(Event::AT.asc())
            .order_by(Event::SEQ.desc())
            .limit(4)
            .all(&s)
            .await
            .expect("range")
            .try_collect()
            .await
            .expect("rows");
        let keys: Vec<(i64, i32)> = rows.iter().map(|e| (e.at, e.seq)).collect();
        assert_eq!(keys, vec![(1, 1), (1, 0), (2, 1), (2, 0)], "{v:?}");

        // IN on the partition key and on the last clustering column.
        let n = Event::objects()
            .filter(Event::TENANT.eq("acme"))
            .filter(Event::DAY.is_in([1, 2]))
            .filter(Event::AT.eq(3))
            .filter(Event::SEQ.is_in([1]))
            .count(&s)
            .await
            .expect("count");
        assert_eq!(n, 2, "{v:?}");

        // count, per-partition limit over the table, an index, allow_filtering.
        assert_eq!(Event::objects().count(&s).await.expect("count"), 20);
        let per = Event::objects()
            .per_partition_limit(3)
            .all(&s)
            .await
            .expect("ppl")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(per.len(), 6, "{v:?}: 3 rows of each of 2 partitions");
        let odd = Event::objects()
            .filter(Event::KIND.eq("odd"))
            .count(&s)
            .await
            .expect("by index");
        assert_eq!(odd, 8, "{v:?}");
        let high = Event::objects()
            .filter(Event::SCORE.gt(0.4))
            .allow_filtering()
            .count(&s)
            .await
            .expect("filtering");
        assert_eq!(high, 10, "{v:?}");

        // get: exactly one, typed errors otherwise; first.
        let one = part()
            .filter(Event::AT.eq(4))
            .filter(Event::SEQ.eq(1))
            .get(&s)
            .await
            .expect("get");
        assert_eq!(one, event("acme", 1, 4, 1, "even"));
        let none = part()
            .filter(Event::AT.eq(99))
            .filter(Event::SEQ.eq(0))
            .get(&s)
            .await;
        assert!(
            matches!(none, Err(Error::NotFound { table: "events" })),
            "{none:?}"
        );
        let many = part().filter(Event::AT.eq(4)).get(&s).await;
        assert!(matches!(many, Err(Error::MultipleRows { .. })), "{many:?}");
        // One row per page: the one row, and the second, come on later pages.
        let one_by_one = part().filter(Event::AT.eq(4)).fetch_size(1);
        let many = one_by_one.get(&s).await;
        assert!(matches!(many, Err(Error::MultipleRows { .. })), "{many:?}");
        let one = one_by_one
            .clone()
            .filter(Event::SEQ.eq(1))
            .get(&s)
            .await
            .expect("get, pages of one row");
        assert_eq!(one, event("acme", 1, 4, 1, "even"));
        let first = part().first(&s).await.expect("first").expect("a row");
        assert_eq!((first.at, first.seq), (4, 0));
        assert!(
            part()
                .filter(Event::AT.gt(100))
                .first(&s)
                .await
                .expect("first")
                .is_none()
        );

        // Partial selects: tuples of the column types; distinct partition keys; defer.
        let pairs = part()
            .filter(Event::AT.eq(0))
            .only((Event::SEQ, Event::BODY))
            .all(&s)
            .await
            .expect("only")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(
            pairs,
            vec![
                (0, Some("acme/1/0/0".to_owned())),
                (1, Some("acme/1/0/1".to_owned()))
            ]
        );
        let mut keys = Event::objects()
            .only((Event::TENANT, Event::DAY))
            .distinct()
            .all(&s)
            .await
            .expect("distinct")
            .try_collect()
            .await
            .expect("rows");
        keys.sort();
        assert_eq!(keys, vec![("acme".to_owned(), 1), ("acme".to_owned(), 2)]);
        let deferred = part()
            .filter(Event::AT.eq(0))
            .defer(&s, (Event::BODY,))
            .await
            .expect("defer")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(deferred.len(), 2);
        assert!(
            deferred
                .iter()
                .all(|e| e.body.is_none() && e.kind == "even")
        );
        let refused = part().defer(&s, (Event::KIND,)).await;
        assert!(
            matches!(&refused, Err(Error::InvalidFilter { column, .. }) if column == "kind"),
            "{refused:?}"
        );

        // Token ranges cover the table once.
        let mut seen = 0;
        let mut rows = Event::objects()
            .filter(token::<Event>().gt(cql::token::Token(i64::MIN)))
            .all(&s)
            .await
            .expect("token");
        while let Some(r) = rows.next_row().await {
            r.expect("row");
            seen += 1;
        }
        assert_eq!(seen, 20, "{v:?}");
        let lo = Event::objects()
            .filter(token::<Event>().le(cql::token::Token(0)))
            .count(&s)
            .await
            .expect("lo");
        let hi = Event::objects()
            .filter(token::<Event>().gt(cql::token::Token(0)))
            .count(&s)
            .await
            .expect("hi");
        assert_eq!(lo + hi, 20, "{v:?}");

        // Options reach the statement: a traced query has a trace id... via fetch size
        // of 3 the stream still reads every row.
        let paged = part().fetch_size(3).all(&s).await.expect("paged");
        assert_eq!(paged.try_collect().await.expect("rows").len(), 10);
        let _ = CqlTimestamp(0);
    }
}

fn assert_refused<T: std::fmt::Debug>(r: Result<T, Error>, col: &str, rule_part: &str) {
    match r {
        Err(Error::InvalidFilter { column, rule }) => {
            assert_eq!(column, col, "{rule}");
            assert!(rule.contains(rule_part), "{rule}");
        }
        other => panic!("expected a refused filter on {col}, got {other:?}"),
    }
}

#[tokio::test]
async fn filters_the_server_would_refuse_are_refused_before_sending() {
    let (s, _ks) = setup(cql::ProtocolVersion::V5, "mapper_refuse").await;
    sync::<Event>(&s).await;
    let before = s.metrics();
    let full = || {
        Event::objects()
            .filter(Event::TENANT.eq("a"))
            .filter(Event::DAY.eq(1))
    };
    assert_refused(
        Event::objects()
            .filter(Event::SCORE.eq(1.0))
            .count(&s)
            .await,
        "score",
        "allow_filtering",
    );
    assert_refused(
        Event::objects()
            .filter(Event::TENANT.eq("a"))
            .filter(Event::DAY.gt(1))
            .count(&s)
            .await,
        "day",
        "partition key",
    );
    assert_refused(
        full().filter(Event::AT.is_in([1, 2])).count(&s).await,
        "at",
        "last clustering column",
    );
    assert_refused(
        Event::objects()
            .filter(Event::TENANT.eq("a"))
            .count(&s)
            .await,
        "day",
        "every partition key column",
    );
    assert_refused(
        full().filter(Event::SEQ.eq(1)).count(&s).await,
        "seq",
        "preceding at",
    );
    assert_refused(
        Event::objects().filter(Event::AT.eq(1)).count(&s).await,
        "at",
        "whole partition key",
    );
    assert_refused(
        full().order_by(Event::SEQ.asc()).count(&s).await,
        "seq",
        "declared order",
    );
    assert_refused(
        full()
            .order_by(Event::AT.asc())
            .order_by(Event::SEQ.asc())
            .count(&s)
            .await,
        "seq",
        "exact reverse",
    );
    assert_refused(
        Event::objects().order_by(Event::AT.asc()).count(&s).await,
        "at",
        "partition key",
    );
    assert_refused(
        Event::objects().filter(Event::KIND.gt("a")).count(&s).await,
        "kind",
        "indexed",
    );
    assert_refused(
        Event::objects()
            .only((Event::TENANT, Event::AT))
            .distinct()
            .get(&s)
            .await,
        "at",
        "distinct",
    );
    // Nothing reached the server.
    let after = s.metrics();
    assert_eq!(
        after.requests, before.requests,
        "refused filters are not sent"
    );
    // The same filters with allow_filtering go to the server and work.
    Event::objects()
        .filter(Event::SCORE.eq(1.0))
        .allow_filtering()
        .count(&s)
        .await
        .expect("allowed");
}

#[tokio::test]
async fn every_column_type_round_trips_and_a_repeated_query_prepares_once() {
    use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlVarint};
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_types").await;
        sync::<AllTypes>(&s).await;
        let addr = super::models::Address {
            street: "Main".into(),
            zip: Some(1234),
            tags: Some(vec!["b".into(), "a".into()]),
        };
        let full = AllTypes {
            id: uuid::Uuid::from_u128(0xA11),
            tu: Some(uuid::Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").expect("v1")),
            a: Some("ascii".into()),
            big: Some(i64::MIN),
            blob: Some(vec![0, 1, 255]),
            flag: Some(true),
            date: Some(CqlDate(1 << 31)),
            dec: Some(CqlDecimal {
                unscaled: CqlVarint::from(-12345_i64),
                scale: 3,
            }),
            dbl: Some(1.5),
            dur: Some(CqlDuration {
                months: 1,
                days: 2,
                nanoseconds: 3,
            }),
            flt: Some(-0.25),
            ip: Some("::1".parse().expect("ip")),
            int: Some(i32::MAX),
            small: Some(-3),
            txt: Some("héllo".into()),
            time: Some(CqlTime(1_000)),
            ts: Some(CqlTimestamp(1_700_000_000_000)),
            tiny: Some(-1),
            var: Some(CqlVarint::from(1_i64 << 40)),
            list: Some(vec![3, 1, 2, 3]),
            set: Some(["x".to_owned(), "y".to_owned()].into()),
            map: Some([("k".to_owned(), 7_i64)].into()),
            nested: Some(vec![[1, 2].into(), [3].into()]),
            tuple: Some((1, "t".into(), false)),
            addr: Some(addr.clone()),
            addrs: Some([("home".to_owned(), addr)].into()),
            frozen: Some(vec![9, 8]),
            vec: Some(vec![1.0, 2.0, 3.5]),
        };
        full.insert().execute(&s).await.expect("insert all types");
        let get = || AllTypes::objects().filter(AllTypes::ID.eq(full.id));
        assert_eq!(get().get(&s).await.expect("get"), full, "{v:?}");
        let before = s.metrics().prepares;
        for _ in 0..3 {
            get().get(&s).await.expect("get again");
        }
        assert_eq!(s.metrics().prepares, before, "prepared once per shape");
        // An empty row: every Option is None.
        let empty = AllTypes {
            id: uuid::Uuid::from_u128(0xE3),
            ..AllTypes::none()
        };
        empty.insert().execute(&s).await.expect("insert empty");
        let back = AllTypes::objects()
            .filter(AllTypes::ID.eq(empty.id))
            .get(&s)
            .await
            .expect("get empty");
        assert_eq!(back, empty, "{v:?}");
    }
}

impl AllTypes {
    fn none() -> Self {
        AllTypes {
            id: uuid::Uuid::nil(),
            tu: None,
            a: None,
            big: None,
            blob: None,
            flag: None,
            date: None,
            dec: None,
            dbl: None,
            dur: None,
            flt: None,
            ip: None,
            int: None,
            small: None,
            txt: None,
            time: None,
            ts: None,
            tiny: None,
            var: None,
            list: None,
            set: None,
            map: None,
            nested: None,
            tuple: None,
            addr: None,
            addrs: None,
            frozen: None,
            vec: None,
        }
    }
}

#[tokio::test]
async fn contains_and_contains_key_on_collections() {
    use super::models::Account;
    let (s, _ks) = setup(cql::ProtocolVersion::V4, "mapper_contains").await;
    sync::<Account>(&s).await;
    for (id, tags, log, key) in [
        (1, ["a", "b"], ["x"], "k1"),
        (2, ["b", "c"], ["y"], "k2"),
        (3, ["c", "d"], ["x"], "k1"),
    ] {
        Account {
            id,
            name: format!("n{id}"),
            balance: Some(i64::from(id)),
            tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
            log: Some(log.iter().map(|t| (*t).to_owned()).collect()),
            attrs: Some([(key.to_owned(), format!("v{id}"))].into()),
        }
        .insert()
        .execute(&s)
        .await
        .expect("insert");
    }
    let ids = |q: cql::mapper::Query<Account>| {
        let s = s.clone();
        async move {
            let mut v: Vec<i32> = q
                .allow_filtering()
                .all(&s)
                .await
                .expect("query")
                .try_collect()
                .await
                .expect("rows")
                .into_iter()
                .map(|a| a.id)
                .collect();
            v.sort_unstable();
            v
        }
    };
    assert_eq!(
        ids(Account::objects().filter(Account::TAGS.contains("b"))).await,
        vec![1, 2]
    );
    assert_eq!(
        ids(Account::objects().filter(Account::LOG.contains("x"))).await,
        vec![1, 3]
    );
    assert_eq!(
        ids(Account::objects().filter(Account::ATTRS.contains_key("k1"))).await,
        vec![1, 3]
    );
    assert_eq!(
        ids(Account::objects().filter(Account::ATTRS.contains_value("v2"))).await,
        vec![2]
    );
    assert_eq!(
        ids(Account::objects().filter(Account::BALANCE.le(2_i64))).await,
        vec![1, 2]
    );
    // Without allow_filtering (no index on the collection): refused before sending.
    let r = Account::objects()
        .filter(Account::TAGS.contains("b"))
        .count(&s)
        .await;
    assert!(
        matches!(&r, Err(Error::InvalidFilter { column, .. }) if column == "tags"),
        "{r:?}"
    );
}
