//! Paging over 10,000 rows: the stream and manual resumption give the same rows; page size 0
//! turns paging off.

use cql::{Consistency, SimpleStatement};

use crate::common::{VERSIONS, heavy, heavy_session, keyspace};

/// 10,000 inserts with 256 in flight and 10,000-row reads: a heavy test.
#[tokio::test]
async fn stream_and_manual_paging_give_the_same_10000_rows() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let s = heavy_session(v, 1).await;
        let ks = keyspace(&s, "paging").await;
        s.execute(
            format!(
                "CREATE TABLE {ks}.p (part int, seq int, payload text, PRIMARY KEY (part, seq))"
            )
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
        // 10 partitions x 1000 rows, inserted with many requests in flight.
        let mut pending = Vec::new();
        for part in 0..10_i32 {
            for seq in 0..1000_i32 {
                let s = s.clone();
                let ins = ins.clone();
                pending.push(tokio::spawn(async move {
                    s.execute(&ins, (part, seq, format!("row {part}/{seq}")))
                        .await
                }));
                if pending.len() >= 256 {
                    for p in pending.drain(..) {
                        p.await.expect("task").expect("insert");
                    }
                }
            }
        }
        for p in pending {
            p.await.expect("task").expect("insert");
        }

        let select = SimpleStatement::new(format!("SELECT part, seq, payload FROM {ks}.p"))
            .with_page_size(100)
            .with_consistency(Consistency::One);

        // Manual: follow the paging state page by page.
        let mut manual = Vec::new();
        let mut state = None;
        let mut pages = 0;
        loop {
            let page = s
                .execute_page(&select, (), state.take())
                .await
                .expect("page");
            pages += 1;
            assert!(page.rows_count() <= 100);
            for row in page.rows_typed::<(i32, i32, String)>().expect("typed") {
                manual.push(row.expect("row"));
            }
            match page.paging_state() {
                Some(p) => state = Some(p),
                None => break,
            }
        }
        assert_eq!(manual.len(), 10_000, "{v:?}");
        assert!(pages >= 100, "{pages} pages");

        // Stream: pages fetched in the background.
        let mut stream = s.execute_stream(&select, ()).await.expect("stream");
        let mut streamed = Vec::new();
        while let Some(row) = stream.next_row().await {
            let row = row.expect("row");
            let part = match row.get("part") {
                Some(cql::CqlValue::Int(i)) => *i,
                other => panic!("{other:?}"),
            };
            let seq = match row.get("seq") {
                Some(cql::CqlValue::Int(i)) => *i,
                other => panic!("{other:?}"),
            };
            let payload = match row.get("payload") {
                Some(cql::CqlValue::Text(t)) => t.clone(),
                other => panic!("{other:?}"),
            };
            streamed.push((part, seq, payload));
        }
        assert_eq!(streamed, manual, "{v:?}: stream and manual paging differ");
        let mut sorted = manual.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 10_000, "duplicate rows across pages");
        assert_eq!(sorted[0], (0, 0, "row 0/0".to_owned()));

        // Resuming from a saved paging state (as another process would) continues exactly there.
        let first = s.execute_page(&select, (), None).await.expect("page 1");
        let saved = first.paging_state().expect("more pages").to_vec();
        let resumed = s
            .execute_page(&select, (), Some(bytes::Bytes::from(saved)))
            .await
            .expect("resumed page");
        let r: Vec<(i32, i32, String)> = resumed
            .rows_typed()
            .expect("typed")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(r, manual[100..200].to_vec());

        // Page size 0: paging off, every row in one response, no paging state.
        let unpaged = SimpleStatement::new(format!("SELECT part, seq, payload FROM {ks}.p"))
            .with_page_size(0)
            .with_consistency(Consistency::One);
        let all = s.execute(&unpaged, ()).await.expect("unpaged");
        assert_eq!(all.rows_count(), 10_000, "{v:?}");
        assert!(all.paging_state().is_none());
        let mut rows: Vec<(i32, i32, String)> = all
            .rows_typed()
            .expect("typed")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort();
        assert_eq!(rows, sorted, "{v:?}");
    }
}
