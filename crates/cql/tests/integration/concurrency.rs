//! Many requests over one connection (stream-id reuse), timeouts that must not corrupt it, and
//! `execute_concurrent` in spawned tasks.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cql::concurrent::OnError;
use cql::{ProtocolVersion, ServerErrorKind, Session, SimpleStatement};

use crate::common::{VERSIONS, builder, heavy, heavy_session, keyspace, session};

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

/// All 10,000 requests of a round are queued at once on one connection, so the last one waits
/// for the server to work through the 9,999 before it (on a cold server sharing 2 busy cores,
/// far longer than a request normally may). What is tested is that every response reaches its
/// own request: a heavy test, with its long request timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_requests_on_one_connection() {
    let _turn = heavy().await;
    for v in VERSIONS {
        let s = heavy_session(v, 1).await;
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
        let t0 = Instant::now();
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
        eprintln!(
            "{v:?}: 10,000 concurrent inserts answered in {:?}",
            t0.elapsed()
        );
        let t0 = Instant::now();
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
        eprintln!(
            "{v:?}: 10,000 concurrent selects answered in {:?}",
            t0.elapsed()
        );
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

/// The keys of `table`, sorted.
async fn keys(s: &Session, table: &str) -> BTreeSet<i32> {
    s.execute(format!("SELECT k FROM {table}").as_str(), ())
        .await
        .expect("select keys")
        .rows_typed::<(i32,)>()
        .expect("typed")
        .map(|r| r.expect("row").0)
        .collect()
}

fn is_invalid(e: &cql::Error) -> bool {
    matches!(
        e.server_error().map(|x| &x.kind),
        Some(ServerErrorKind::Invalid)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_concurrent_runs_in_spawned_tasks() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "spawned").await;
        for t in ["t", "stop", "stop_args"] {
            s.execute(
                format!("CREATE TABLE {ks}.{t} (k int PRIMARY KEY, v bigint)").as_str(),
                (),
            )
            .await
            .expect("table");
        }
        let insert = s
            .prepare(format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let select = s
            .prepare(format!("SELECT v FROM {ks}.t WHERE k = ?"))
            .await
            .expect("prepare");

        // with_args over a range, on another worker thread.
        let (s1, ins) = (s.clone(), insert.clone());
        let written = tokio::spawn(async move {
            s1.execute_concurrent_with_args(
                &ins,
                (0..300).map(|k| (k, i64::from(k) * 7)),
                16,
                OnError::Stop,
            )
            .await
        })
        .await
        .expect("task");
        assert_eq!(written.len(), 300, "{v:?}");
        assert!(written.iter().all(Result::is_ok), "{v:?}: {written:?}");

        // execute_concurrent over a Vec of (&PreparedStatement, values): read back in order.
        let (s2, sel) = (s.clone(), select.clone());
        let read = tokio::spawn(async move {
            let pairs: Vec<_> = (0..300).map(|k| (&sel, (k,))).collect();
            s2.execute_concurrent(pairs, 32, OnError::Continue).await
        })
        .await
        .expect("task");
        assert_eq!(read.len(), 300, "{v:?}");
        for (k, r) in read.iter().enumerate() {
            let (got,): (i64,) = r.as_ref().expect("read").first_row_typed().expect("row");
            assert_eq!(got, k as i64 * 7, "{v:?}: result {k} out of order");
        }

        // OnError::Stop over borrowed text (the closure takes references): the statement at
        // index 10 of 40 fails; with 4 in flight, when its result is taken statements 11..=13
        // may have started, 14 and later must never start.
        let good = format!("INSERT INTO {ks}.stop (k, v) VALUES (?, ?)");
        let bad = format!("INSERT INTO {ks}.no_such_table (k, v) VALUES (?, ?)");
        let list: Vec<String> = (0..40)
            .map(|i| if i == 10 { bad.clone() } else { good.clone() })
            .collect();
        let s3 = s.clone();
        let stopped = tokio::spawn(async move {
            s3.execute_concurrent(
                list.iter()
                    .enumerate()
                    .map(|(i, q)| (q.as_str(), (i as i32, i as i64))),
                4,
                OnError::Stop,
            )
            .await
        })
        .await
        .expect("task");
        assert_eq!(stopped.len(), 11, "{v:?}: results up to the first error");
        assert!(stopped[..10].iter().all(Result::is_ok), "{v:?}");
        let e = stopped[10].as_ref().expect_err("the bad one");
        assert!(is_invalid(e), "{v:?}: {e}");
        let stop_keys = keys(&s, &format!("{ks}.stop")).await;
        assert!(
            (0..10).all(|k| stop_keys.contains(&k)),
            "{v:?}: {stop_keys:?}"
        );
        assert!(
            stop_keys.iter().all(|&k| k < 14),
            "{v:?}: statements started after the error: {stop_keys:?}"
        );

        // OnError::Stop with one at a time: a null key fails at index 5, nothing after it runs.
        let ins_stop = s
            .prepare(format!("INSERT INTO {ks}.stop_args (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let s4 = s.clone();
        let stopped = tokio::spawn(async move {
            s4.execute_concurrent_with_args(
                &ins_stop,
                (0..30).map(|k| ((k != 5).then_some(k), i64::from(k))),
                1,
                OnError::Stop,
            )
            .await
        })
        .await
        .expect("task");
        assert_eq!(stopped.len(), 6, "{v:?}");
        assert!(stopped[..5].iter().all(Result::is_ok), "{v:?}");
        let e = stopped[5].as_ref().expect_err("null key");
        assert!(is_invalid(e), "{v:?}: {e}");
        let args_keys = keys(&s, &format!("{ks}.stop_args")).await;
        assert_eq!(args_keys, (0..5).collect::<BTreeSet<_>>(), "{v:?}");
    }
}
