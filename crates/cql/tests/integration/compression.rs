//! Compression: LZ4 and Snappy per frame on v4, LZ4 segments on v5.

use cql::{Compression, ProtocolVersion};

use crate::common::{builder, keyspace};

#[tokio::test]
async fn compressed_connections_carry_large_values_intact() {
    let cases = [
        (ProtocolVersion::V4, Compression::Lz4),
        (ProtocolVersion::V4, Compression::Snappy),
        (ProtocolVersion::V5, Compression::Lz4),
    ];
    for (v, c) in cases {
        let s = builder(v)
            .credentials("cassandra", "cassandra")
            .compression(Some(c))
            .build()
            .expect("config")
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{v:?} {c:?}: {e}"));
        let ks = keyspace(&s, "lz").await;
        s.execute(
            format!("CREATE TABLE {ks}.big (k int PRIMARY KEY, body text)").as_str(),
            (),
        )
        .await
        .expect("table");
        // Compressible, and larger than one v5 segment (128 KiB) to exercise multi-segment
        // envelopes in both directions.
        let body: String = (0..40_000).map(|i| format!("{:05} ", i % 997)).collect();
        assert!(body.len() > 200 * 1024);
        let ins = s
            .prepare(format!("INSERT INTO {ks}.big (k, body) VALUES (?, ?)"))
            .await
            .expect("prepare");
        for k in 0..3_i32 {
            s.execute(&ins, (k, body.as_str())).await.expect("insert");
        }
        let rs = s
            .execute(format!("SELECT k, body FROM {ks}.big").as_str(), ())
            .await
            .expect("select");
        let mut n = 0;
        for row in rs.rows_typed::<(i32, &str)>().expect("typed") {
            let (_, got) = row.expect("row");
            assert_eq!(got, body, "{v:?} {c:?}");
            n += 1;
        }
        assert_eq!(n, 3);
    }
}
