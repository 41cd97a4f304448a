//! Writes: update of chosen columns, collection operations, deletes (row, columns, range),
//! TTL, USING TIMESTAMP, LWT with the current row, batches (all or nothing), counters under
//! concurrent writers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cql::mapper::{Batch, Error, ModelExt, WriteError};

use super::models::{Account, Event, Hits};
use super::{setup, sync};
use crate::common::VERSIONS;

fn account(id: i32, name: &str) -> Account {
    Account {
        id,
        name: name.to_owned(),
        balance: Some(100),
        tags: None,
        log: None,
        attrs: None,
    }
}

async fn get(s: &cql::Session, id: i32) -> Option<Account> {
    Account::objects()
        .filter(Account::ID.eq(id))
        .first(s)
        .await
        .expect("read")
}

#[tokio::test]
async fn updates_collections_and_deletes() {
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_w").await;
        sync::<Account>(&s).await;
        let mut a = account(1, "ann");
        a.insert().execute(&s).await.expect("insert");

        // An insert leaves the columns of `None` fields as they are (unset, no tombstone).
        Account {
            balance: None,
            ..account(1, "ann")
        }
        .insert()
        .execute(&s)
        .await
        .expect("insert with None");
        assert_eq!(get(&s, 1).await.expect("row").balance, Some(100), "{v:?}");

        // Update chosen columns from the model: only those change.
        a.name = "anne".into();
        a.balance = Some(5);
        a.update()
            .columns((Account::NAME,))
            .execute(&s)
            .await
            .expect("update");
        let back = get(&s, 1).await.expect("row");
        assert_eq!(
            (back.name.as_str(), back.balance),
            ("anne", Some(100)),
            "{v:?}"
        );

        // Collection operations keep every element, in order.
        let by_id = || Account::objects().filter(Account::ID.eq(1));
        by_id()
            .update()
            .set(Account::LOG.append(vec!["b".into(), "c".into()]))
            .set(Account::TAGS.add_all(["x".to_owned(), "y".to_owned()].into()))
            .set(Account::ATTRS.put("k1", "v1"))
            .execute(&s)
            .await
            .expect("collections");
        by_id()
            .update()
            .set(Account::LOG.prepend(vec!["a0".into(), "a1".into()]))
            .set(Account::LOG.append(vec!["c".into()]))
            .set(Account::TAGS.remove(["x".to_owned()].into()))
            .set(Account::ATTRS.put_all([("k2".to_owned(), "v2".to_owned())].into()))
            .execute(&s)
            .await
            .expect("more collections");
        let back = get(&s, 1).await.expect("row");
        assert_eq!(
            back.log,
            Some(vec![
                "a0".into(),
                "a1".into(),
                "b".into(),
                "c".into(),
                "c".into()
            ]),
            "{v:?}"
        );
        assert_eq!(back.tags, Some(BTreeSet::from(["y".to_owned()])));
        assert_eq!(
            back.attrs,
            Some(BTreeMap::from([
                ("k1".to_owned(), "v1".to_owned()),
                ("k2".to_owned(), "v2".to_owned())
            ]))
        );
        by_id()
            .update()
            .set(Account::LOG.remove(vec!["c".into()]))
            .set(Account::ATTRS.remove_keys(["k1".to_owned()].into()))
            .set(Account::BALANCE.set_null())
            .execute(&s)
            .await
            .expect("removals");
        let back = get(&s, 1).await.expect("row");
        assert_eq!(back.log, Some(vec!["a0".into(), "a1".into(), "b".into()]));
        assert_eq!(back.attrs.map(|m| m.len()), Some(1));
        assert_eq!(back.balance, None);

        // Delete columns, then the row.
        by_id()
            .delete()
            .columns((Account::LOG, Account::TAGS))
            .execute(&s)
            .await
            .expect("delete columns");
        let back = get(&s, 1).await.expect("row");
        assert_eq!((&back.log, &back.tags), (&None, &None));
        back.delete().execute(&s).await.expect("delete row");
        assert_eq!(get(&s, 1).await, None);

        // USING TIMESTAMP: an older write loses to a newer one.
        let b = account(2, "new");
        b.insert()
            .timestamp(2_000)
            .execute(&s)
            .await
            .expect("newer");
        account(2, "old")
            .insert()
            .timestamp(1_000)
            .execute(&s)
            .await
            .expect("older");
        assert_eq!(get(&s, 2).await.expect("row").name, "new");

        // Updates that cannot work are refused.
        let r = Account::objects()
            .update()
            .set(Account::NAME.set("x"))
            .execute(&s)
            .await;
        assert!(
            matches!(&r, Err(WriteError::Failed(Error::InvalidFilter { column, .. })) if column == "id"),
            "{r:?}"
        );
        let r = by_id().update().execute(&s).await;
        assert!(
            matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
            "{r:?}"
        );
        let r = by_id()
            .update()
            .set(Account::BALANCE.incr(1))
            .execute(&s)
            .await;
        assert!(
            matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn clustering_range_delete_and_static_columns() {
    let (s, _ks) = setup(cql::ProtocolVersion::V5, "mapper_range").await;
    sync::<Event>(&s).await;
    for at in 0..6 {
        Event {
            tenant: "t".into(),
            day: 1,
            at,
            seq: 0,
            owner: Some(format!("owner{at}")),
            kind: "k".into(),
            body: None,
            score: None,
        }
        .insert()
        .execute(&s)
        .await
        .expect("insert");
    }
    let part = || {
        Event::objects()
            .filter(Event::TENANT.eq("t"))
            .filter(Event::DAY.eq(1))
    };
    // The static column has one value per partition: the last written.
    let rows = part()
        .all(&s)
        .await
        .expect("all")
        .try_collect()
        .await
        .expect("rows");
    assert!(rows.iter().all(|e| e.owner.as_deref() == Some("owner5")));
    part()
        .update()
        .set(Event::OWNER.set("boss"))
        .execute(&s)
        .await
        .expect("static update by partition");
    part()
        .filter(Event::AT.ge(2))
        .filter(Event::AT.lt(5))
        .delete()
        .execute(&s)
        .await
        .expect("range delete");
    let rows = part()
        .all(&s)
        .await
        .expect("all")
        .try_collect()
        .await
        .expect("rows");
    let ats: Vec<i64> = rows.iter().map(|e| e.at).collect();
    assert_eq!(ats, vec![5, 1, 0]);
    assert!(rows.iter().all(|e| e.owner.as_deref() == Some("boss")));
}

#[tokio::test]
async fn lwt_not_applied_returns_the_current_row() {
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_lwt").await;
        sync::<Account>(&s).await;
        let first = account(7, "first");
        first
            .insert()
            .if_not_exists()
            .execute(&s)
            .await
            .expect("applied");
        let r = account(7, "second")
            .insert()
            .if_not_exists()
            .execute(&s)
            .await;
        match r {
            Err(WriteError::NotApplied { current: Some(row) }) => assert_eq!(*row, first, "{v:?}"),
            other => panic!("{v:?}: expected not applied with the row, got {other:?}"),
        }
        // IF on a column: not applied carries the whole current row.
        let by_id = || Account::objects().filter(Account::ID.eq(7));
        let r = by_id()
            .update()
            .set(Account::NAME.set("third"))
            .iff(Account::BALANCE.eq(1))
            .execute(&s)
            .await;
        match r {
            Err(WriteError::NotApplied { current: Some(row) }) => assert_eq!(*row, first),
            other => panic!("{v:?}: expected not applied, got {other:?}"),
        }
        by_id()
            .update()
            .set(Account::NAME.set("third"))
            .iff(Account::BALANCE.eq(100))
            .execute(&s)
            .await
            .expect("condition holds");
        assert_eq!(get(&s, 7).await.expect("row").name, "third");
        // IF EXISTS on no row: not applied, no row.
        let r = Account::objects()
            .filter(Account::ID.eq(8))
            .update()
            .set(Account::NAME.set("x"))
            .if_exists()
            .execute(&s)
            .await;
        assert!(
            matches!(r, Err(WriteError::NotApplied { current: None })),
            "{r:?}"
        );
        let r = account(8, "x").delete().if_exists().execute(&s).await;
        assert!(
            matches!(r, Err(WriteError::NotApplied { current: None })),
            "{r:?}"
        );
        assert_eq!(get(&s, 8).await, None, "IF EXISTS created nothing");
        // Converts to the untyped error.
        let e: Error = account(7, "y")
            .insert()
            .if_not_exists()
            .execute(&s)
            .await
            .expect_err("exists")
            .into();
        assert!(matches!(e, Error::NotApplied { table: "accounts" }));
    }
}

#[tokio::test]
async fn a_logged_batch_applies_all_or_nothing() {
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_batch").await;
        sync::<Account>(&s).await;
        let (a, b) = (account(1, "a"), account(2, "b"));
        Batch::logged()
            .push(a.insert())
            .push(b.insert())
            .execute(&s)
            .await
            .expect("batch");
        assert!(
            get(&s, 1).await.is_some() && get(&s, 2).await.is_some(),
            "{v:?}"
        );

        // A batch whose last statement the server refuses (a TTL too long) applies none.
        let c = account(3, "c");
        let upd = Account::objects()
            .filter(Account::ID.eq(1))
            .update()
            .set(Account::NAME.set("changed"));
        let bad = account(4, "d");
        let r = Batch::logged()
            .push(c.insert())
            .push(upd)
            .push(bad.insert().ttl(Duration::from_secs(30 * 365 * 24 * 3600)))
            .execute(&s)
            .await;
        assert!(matches!(r, Err(Error::Driver(_))), "{v:?}: {r:?}");
        assert_eq!(get(&s, 3).await, None, "{v:?}: nothing applied");
        assert_eq!(get(&s, 1).await.expect("row").name, "a", "{v:?}");

        // A conditional batch (one partition) that does not apply: none of it.
        let r = Batch::logged()
            .push(
                Account::objects()
                    .filter(Account::ID.eq(1))
                    .update()
                    .set(Account::NAME.set("z"))
                    .iff(Account::NAME.eq("nope")),
            )
            .push(
                Account::objects()
                    .filter(Account::ID.eq(1))
                    .update()
                    .set(Account::BALANCE.set(0)),
            )
            .execute(&s)
            .await;
        assert!(
            matches!(r, Err(Error::NotApplied { table: "accounts" })),
            "{r:?}"
        );
        assert_eq!(get(&s, 1).await.expect("row").balance, Some(100));
    }
}

#[tokio::test]
async fn ttl_expires_a_row() {
    let (s, _ks) = setup(cql::ProtocolVersion::V5, "mapper_ttl").await;
    sync::<Account>(&s).await;
    account(1, "short")
        .insert()
        .ttl(Duration::from_secs(2))
        .execute(&s)
        .await
        .expect("insert with ttl");
    account(2, "kept")
        .insert()
        .execute(&s)
        .await
        .expect("insert");
    Account::objects()
        .filter(Account::ID.eq(2))
        .update()
        .set(Account::BALANCE.set(5))
        .ttl(Duration::from_secs(2))
        .execute(&s)
        .await
        .expect("update with ttl");
    assert!(get(&s, 1).await.is_some(), "there before it expires");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let gone = get(&s, 1).await.is_none();
        let two = get(&s, 2)
            .await
            .expect("row 2 stays (its INSERT had no TTL)");
        assert_eq!(two.name, "kept");
        if gone && two.balance.is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "the TTL never expired the row");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let r = account(3, "x")
        .insert()
        .ttl(Duration::from_millis(1500))
        .execute(&s)
        .await;
    assert!(r.is_ok(), "whole seconds are taken: {r:?}");
}

#[tokio::test]
async fn counters_add_up_under_16_concurrent_writers() {
    let _turn = crate::common::heavy().await;
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_counter").await;
        sync::<Hits>(&s).await;
        let mut tasks = Vec::new();
        for w in 0..16_i64 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25_i64 {
                    Hits::objects()
                        .filter(Hits::PAGE.eq("home"))
                        .update()
                        .set(Hits::HITS.incr(1))
                        .set(Hits::BYTES.incr(w * 100 + i))
                        .execute(&s)
                        .await
                        .expect("increment");
                }
                Hits::objects()
                    .filter(Hits::PAGE.eq("home"))
                    .update()
                    .set(Hits::HITS.decr(1))
                    .execute(&s)
                    .await
                    .expect("decrement");
            }));
        }
        for t in tasks {
            t.await.expect("writer");
        }
        let h = Hits::objects()
            .filter(Hits::PAGE.eq("home"))
            .get(&s)
            .await
            .expect("counters");
        let bytes: i64 = (0..16_i64)
            .map(|w| (0..25).map(|i| w * 100 + i).sum::<i64>())
            .sum();
        assert_eq!((h.hits, h.bytes), (16 * 25 - 16, bytes), "{v:?}");
        // Counter tables take no INSERT and no SET.
        let r = h.insert().execute(&s).await;
        assert!(
            matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
            "{r:?}"
        );
        let r = h.update().set(Hits::HITS.set(3)).execute(&s).await;
        assert!(
            matches!(r, Err(WriteError::Failed(Error::InvalidWrite { .. }))),
            "{r:?}"
        );
        Batch::counter()
            .push(h.update().set(Hits::HITS.incr(10)))
            .execute(&s)
            .await
            .expect("counter batch");
        let h2 = Hits::objects()
            .filter(Hits::PAGE.eq("home"))
            .get(&s)
            .await
            .expect("get");
        assert_eq!(h2.hits, h.hits + 10);
    }
}
