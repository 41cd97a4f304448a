//! Every row of a result, typed, over all pages: `execute_iter` against a 12,000-row
//! partition (pages of 5,000, at most two held), row types that do not match, paging states
//! from another statement, and `execute_concurrent` as a stream and over all pages.

use cql::concurrent::OnError;
use cql::{DeserializeRow, Error, SimpleStatement};
use futures_util::StreamExt;

use crate::common::{REQUEST_TIMEOUT, VERSIONS, heavy, heavy_session, keyspace, session};

#[derive(Debug, PartialEq, DeserializeRow)]
struct Entry {
    part: i32,
    seq: i32,
    payload: String,
}

/// A table `{ks}.p` with one partition of `rows` rows (`part` 7).
async fn one_big_partition(s: &cql::Session, ks: &str, rows: i32) {
    s.execute(
        format!("CREATE TABLE {ks}.p (part int, seq int, payload text, PRIMARY KEY (part, seq))")
            .as_str(),
        (),
    )
    .await
    .expect("table");
    let ins = s
        .prepare(format!(
            "INSERT INTO {ks}.p (part, seq, payload) VALUES (?, ?, ?)"
        ))
        .await
        .expect("prepare");
    let results = s
        .execute_concurrent_with_args(
            &ins,
            (0..rows).map(|seq| (7_i32, seq, format!("row {seq}"))),
            128,
            OnError::Stop,
        )
        .await;
    assert_eq!(results.len(), rows as usize);
    for r in results {
        r.expect("insert");
    }
}

/// 12,000 inserts and reads of all of them: a heavy test.
#[tokio::test]
async fn execute_iter_reads_all_12000_rows_holding_at_most_two_pages() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let s = heavy_session(v, 1).await;
        let ks = keyspace(&s, "typed_paging").await;
        one_big_partition(&s, &ks, 12_000).await;
        let query = format!("SELECT part, seq, payload FROM {ks}.p WHERE part = 7");

        // The single-page call says there is more.
        let first = s.execute(query.as_str(), ()).await.expect("first page");
        assert_eq!(first.rows_count(), 5_000, "{v:?}: default page size");
        assert!(first.has_more_pages(), "{v:?}");

        // The typed stream: every row, in clustering order, two pages at most.
        let mut rows = s
            .execute_iter::<Entry>(query.as_str(), ())
            .await
            .expect("stream");
        // While the first page is read, the second is fetched.
        let mut n = 0;
        let first_row = rows.next_row().await.expect("a row").expect("row");
        assert_eq!(first_row.seq, 0);
        n += 1;
        let waited = std::time::Instant::now();
        while rows.peak_pages_held() < 2 && waited.elapsed() < REQUEST_TIMEOUT {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            rows.peak_pages_held(),
            2,
            "{v:?}: no page was fetched ahead"
        );
        while let Some(row) = rows.next_row().await {
            let row = row.expect("row");
            assert_eq!(
                row,
                Entry {
                    part: 7,
                    seq: n,
                    payload: format!("row {n}")
                },
                "{v:?}"
            );
            n += 1;
        }
        assert_eq!(n, 12_000, "{v:?}");
        assert!(
            rows.peak_pages_held() <= 2,
            "{v:?}: {} pages held at once",
            rows.peak_pages_held()
        );
        // Three pages (5,000 + 5,000 + 2,000): the next page was fetched ahead.
        assert_eq!(
            rows.peak_pages_held(),
            2,
            "{v:?}: no page was fetched ahead"
        );

        // Page by page through the stream's plain iterator, after two rows read one by one:
        // every row once, in order.
        let mut paged = s
            .execute_iter::<(i32, i32, String)>(query.as_str(), ())
            .await
            .expect("stream");
        let mut seqs = Vec::new();
        for _ in 0..2 {
            seqs.push(paged.next_row().await.expect("row").expect("row").1);
        }
        let mut pages = 0;
        while let Some(page) = paged.next_page().await {
            pages += 1;
            for row in page.expect("page") {
                seqs.push(row.expect("row").1);
            }
        }
        assert_eq!(seqs, (0..12_000).collect::<Vec<_>>(), "{v:?}");
        assert_eq!(pages, 3, "{v:?}: the rest of page 1, then pages 2 and 3");
        assert!(paged.peak_pages_held() <= 2, "{v:?}");
        assert!(paged.next_row().await.is_none());

        // Prepared, and as tuples borrowing nothing.
        let sel = s
            .prepare(format!(
                "SELECT seq, payload FROM {ks}.p WHERE part = ? AND seq >= ?"
            ))
            .await
            .expect("prepare");
        let tail: Vec<(i32, String)> = s
            .execute_iter(&sel, (7_i32, 11_990_i32))
            .await
            .expect("stream")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(
            tail,
            (11_990..12_000)
                .map(|i| (i, format!("row {i}")))
                .collect::<Vec<_>>()
        );

        // A dynamic-row stream of the same rows holds at most two pages too.
        let mut dynamic = s
            .execute_stream(
                &SimpleStatement::new(query.clone()).with_page_size(1_000),
                (),
            )
            .await
            .expect("stream");
        let mut m = 0;
        while let Some(row) = dynamic.next_row().await {
            row.expect("row");
            m += 1;
        }
        assert_eq!(m, 12_000);
        assert!(dynamic.peak_pages_held() <= 2, "{v:?}");
    }
}

#[tokio::test]
async fn a_row_type_that_does_not_match_fails_the_call_naming_the_column() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "typed_mismatch").await;
        one_big_partition(&s, &ks, 3).await;
        let err = s
            .execute_iter::<(i32, String, String)>(
                format!("SELECT part, seq, payload FROM {ks}.p").as_str(),
                (),
            )
            .await
            .expect_err("seq is an int, not text");
        assert!(matches!(err, Error::Deserialize(_)), "{v:?}: {err:?}");
        assert!(err.to_string().contains("seq"), "{v:?}: {err}");

        // A statement the server refuses fails the call too.
        let err = s
            .execute_iter::<(i32,)>(format!("SELECT nope FROM {ks}.p").as_str(), ())
            .await
            .expect_err("no such column");
        assert!(matches!(err, Error::Server { .. }), "{v:?}: {err:?}");

        // An empty result is an empty stream.
        let none: Vec<Entry> = s
            .execute_iter(
                format!("SELECT part, seq, payload FROM {ks}.p WHERE part = 99").as_str(),
                (),
            )
            .await
            .expect("stream")
            .try_collect()
            .await
            .expect("rows");
        assert!(none.is_empty());

        // The session works on after all of that.
        let n: Vec<(i32,)> = s
            .execute_iter(format!("SELECT seq FROM {ks}.p").as_str(), ())
            .await
            .expect("stream")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(n.len(), 3);
    }
}

/// A paging state is the server's: one from another statement is refused by it (or starts
/// a page of this statement), never a panic, and the session goes on.
#[tokio::test]
async fn a_paging_state_from_another_statement_is_a_typed_error_or_a_page() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "foreign_state").await;
        one_big_partition(&s, &ks, 30).await;
        s.execute(
            format!("CREATE TABLE {ks}.other (k int PRIMARY KEY, v text)").as_str(),
            (),
        )
        .await
        .expect("table");
        let paged =
            SimpleStatement::new(format!("SELECT part, seq FROM {ks}.p")).with_page_size(10);
        let state = s
            .execute(&paged, ())
            .await
            .expect("page")
            .paging_state()
            .expect("more pages");
        let other = SimpleStatement::new(format!("SELECT k, v FROM {ks}.other")).with_page_size(10);
        match s.execute_page(&other, (), Some(state)).await {
            Ok(page) => assert!(page.rows_count() <= 10, "{v:?}"),
            Err(e) => assert!(
                matches!(e, Error::Server { .. } | Error::Deserialize(_)),
                "{v:?}: {e:?}"
            ),
        }
        // A state that is not one at all.
        let garbage = bytes::Bytes::from_static(b"\x00\x01not a paging state");
        let err = s
            .execute_page(&paged, (), Some(garbage))
            .await
            .expect_err("garbage paging state");
        assert!(matches!(err, Error::Server { .. }), "{v:?}: {err:?}");
        let rows: Vec<(i32, i32)> = s
            .execute_iter(&paged, ())
            .await
            .expect("stream")
            .try_collect()
            .await
            .expect("rows");
        assert_eq!(rows.len(), 30, "{v:?}");
    }
}

/// 10,000 statements: a heavy test.
#[tokio::test]
async fn execute_concurrent_as_a_stream_holds_at_most_concurrency_results() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let s = heavy_session(v, 1).await;
        let ks = keyspace(&s, "concurrent_stream").await;
        s.execute(
            format!("CREATE TABLE {ks}.kv (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let ins = s
            .prepare(format!("INSERT INTO {ks}.kv (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let mut results = s
            .execute_concurrent_with_args(&ins, (0..10_000).map(|i| (i, i * 3)), 64, OnError::Stop)
            .into_stream();
        let mut n = 0;
        while let Some(r) = results.next().await {
            r.expect("insert");
            n += 1;
        }
        assert_eq!(n, 10_000, "{v:?}");
        assert!(
            results.peak_held() <= 64,
            "{v:?}: {} results held",
            results.peak_held()
        );
        assert!(results.peak_held() > 1, "{v:?}: nothing ran concurrently");

        // All pages of each statement: 20 lookups of 50 keys each with pages of 7 rows.
        let sel = s
            .prepare(format!("SELECT k, v FROM {ks}.kv WHERE k IN ?"))
            .await
            .expect("prepare");
        let paged = sel.clone().with_page_size(7);
        let batches: Vec<Vec<i32>> = (0..20).map(|b| (b * 50..b * 50 + 50).collect()).collect();
        let all = s
            .execute_concurrent_rows::<(i32, i32), _, _, _>(
                batches.iter().map(|keys| (&paged, (keys.clone(),))),
                8,
                OnError::Continue,
            )
            .await;
        assert_eq!(all.len(), 20);
        for (b, rows) in all.into_iter().enumerate() {
            let mut rows = rows.expect("rows");
            rows.sort();
            let want: Vec<(i32, i32)> = batches[b].iter().map(|&k| (k, k * 3)).collect();
            assert_eq!(rows, want, "{v:?}: batch {b}");
        }
    }
}
