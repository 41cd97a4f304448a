//! The typed stream over all pages: 25,000 rows in pages of 1,000, never more than two
//! pages held.

use cql::mapper::ModelExt;

use super::models::Reading;
use super::{setup, sync};
use crate::common::{VERSIONS, heavy};

#[tokio::test]
async fn streams_25000_rows_in_pages_of_1000_holding_at_most_two() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let (s, _ks) = setup(v, "mapper_stream").await;
        sync::<Reading>(&s).await;
        let rows: Vec<Reading> = (0..25_000)
            .map(|n| Reading {
                sensor: 1,
                n,
                value: f64::from(n) * 0.5,
            })
            .collect();
        // Inserted through the mapper, 64 at a time.
        let sr = &s;
        for chunk in rows.chunks(64) {
            let writes = chunk
                .iter()
                .map(|r| async move { r.insert().execute(sr).await });
            for r in futures_util::future::join_all(writes).await {
                r.expect("insert");
            }
        }
        let mut stream = Reading::objects()
            .filter(Reading::SENSOR.eq(1))
            .fetch_size(1_000)
            .all(&s)
            .await
            .expect("stream");
        let mut next = 0;
        while let Some(r) = stream.next_row().await {
            let r = r.expect("row");
            assert_eq!(r, rows[next as usize], "{v:?}: row {next}");
            next += 1;
        }
        assert_eq!(next, 25_000, "{v:?}: every row");
        let peak = stream.peak_pages_held();
        assert!((1..=2).contains(&peak), "{v:?}: {peak} pages held at once");
        assert_eq!(
            Reading::objects()
                .filter(Reading::SENSOR.eq(1))
                .count(&s)
                .await
                .expect("count"),
            25_000
        );
    }
}
