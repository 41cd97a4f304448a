//! Many requests over one connection (stream-id reuse) and timeouts that must not corrupt it.

use std::time::Duration;

use cql::{ProtocolVersion, SimpleStatement};

use crate::common::{VERSIONS, builder, keyspace};

async fn one_connection_session(v: ProtocolVersion) -> cql::Session {
    builder(v)
        .credentials("cassandra", "cassandra")
        .connections_per_host(1)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_requests_on_one_connection() {
    for v in VERSIONS {
        let s = one_connection_session(v).await;
        let ks = keyspace(&s, "conc").await;
        s.execute(
            format!("CREATE TABLE {ks}.sq (n int PRIMARY KEY, sq bigint)").as_str(),
            (),
        )
        .await
        .expect("table");
        let ins = s
            .prepare(format!("INSERT INTO {ks}.sq (n, sq) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let sel = s
            .prepare(format!("SELECT sq FROM {ks}.sq WHERE n = ?"))
            .await
            .expect("prepare");
        let mut tasks = Vec::with_capacity(10_000);
        for n in 0..10_000_i32 {
            let (s, ins) = (s.clone(), ins.clone());
            tasks.push(tokio::spawn(async move {
                s.execute(&ins, (n, i64::from(n) * i64::from(n))).await
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("insert");
        }
        let mut tasks = Vec::with_capacity(10_000);
        for n in 0..10_000_i32 {
            let (s, sel) = (s.clone(), sel.clone());
            tasks.push(tokio::spawn(async move {
                let rs = s.execute(&sel, (n,)).await?;
                let (sq,): (i64,) = rs.first_row_typed()?;
                Ok::<_, cql::Error>((n, sq))
            }));
        }
        for t in tasks {
            let (n, sq) = t.await.expect("task").expect("select");
            assert_eq!(
                sq,
                i64::from(n) * i64::from(n),
                "{v:?}: response for the wrong request"
            );
        }
        assert_eq!(s.pool_state()[0].1, 1, "still exactly one connection");
    }
}

#[tokio::test]
async fn a_timed_out_request_does_not_corrupt_the_connection() {
    for v in VERSIONS {
        let s = one_connection_session(v).await;
        let ks = keyspace(&s, "tmo").await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v text)").as_str(),
            (),
        )
        .await
        .expect("table");
        for k in 0..50_i32 {
            s.execute(
                format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)").as_str(),
                (k, format!("v{k}")),
            )
            .await
            .expect("insert");
        }
        // A request that cannot finish in 1 µs: its response arrives after the caller left.
        let slow = SimpleStatement::new("SELECT * FROM system_schema.columns")
            .with_timeout(Duration::from_micros(1));
        let mut timeouts = 0;
        for _ in 0..20 {
            match s.execute(&slow, ()).await {
                Err(e) if e.is_timeout() => timeouts += 1,
                Err(cql::Error::NoHostAvailable(errs))
                    if errs.iter().all(|(_, e)| e.is_timeout()) =>
                {
                    timeouts += 1
                }
                Err(e) => panic!("{v:?}: {e:?}"),
                Ok(_) => {}
            }
        }
        assert!(timeouts > 0, "no request timed out");
        // Every later request still gets its own response.
        let sel = s
            .prepare(format!("SELECT v FROM {ks}.t WHERE k = ?"))
            .await
            .expect("prepare");
        for k in 0..50_i32 {
            let rs = s.execute(&sel, (k,)).await.expect("select after timeouts");
            let (got,): (String,) = rs.first_row_typed().expect("row");
            assert_eq!(got, format!("v{k}"), "{v:?}");
        }
        assert_eq!(s.pool_state()[0].1, 1, "the connection survived");
    }
}
