//! Simple, prepared and batch statements; LWT; tracing; re-preparing; USE.

use std::time::Duration;

use cql::{BatchStatement, BatchType, Consistency, SimpleStatement};

use crate::common::{VERSIONS, keyspace, session};

#[tokio::test]
async fn prepared_and_simple_statements_round_trip() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "stmt").await;
        s.execute(
            format!("CREATE TABLE {ks}.kv (k int PRIMARY KEY, v text)").as_str(),
            (),
        )
        .await
        .expect("table");
        let insert = s
            .prepare(format!("INSERT INTO {ks}.kv (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        assert_eq!(insert.bind_markers().len(), 2);
        assert_eq!(insert.partition_key_indexes(), &[0]);
        for i in 0..10_i32 {
            s.execute(&insert, (i, format!("value-{i}")))
                .await
                .expect("insert");
        }
        // Positional values on a simple statement, and named values.
        s.execute(
            format!("INSERT INTO {ks}.kv (k, v) VALUES (?, ?)").as_str(),
            (100_i32, "simple"),
        )
        .await
        .expect("simple insert");
        let mut named = std::collections::HashMap::new();
        named.insert("k", cql::CqlValue::Int(101));
        named.insert("v", cql::CqlValue::Text("named".into()));
        s.execute(
            format!("INSERT INTO {ks}.kv (k, v) VALUES (:k, :v)").as_str(),
            named,
        )
        .await
        .expect("named insert");

        let select = s
            .prepare(format!("SELECT v FROM {ks}.kv WHERE k = ?"))
            .await
            .expect("prepare select");
        for (k, want) in [(3, "value-3"), (100, "simple"), (101, "named")] {
            let rs = s.execute(&select, (k,)).await.expect("select");
            let (got,): (&str,) = rs.first_row_typed().expect("row");
            assert_eq!(got, want, "{v:?}");
        }
        let rs = s
            .execute(format!("SELECT count(*) FROM {ks}.kv").as_str(), ())
            .await
            .expect("count");
        let (n,): (i64,) = rs.first_row_typed().expect("count row");
        assert_eq!(n, 12);
        // Binding the wrong type is a typed client-side error naming nothing secret.
        let err = s
            .execute(&select, ("not an int",))
            .await
            .expect_err("type mismatch");
        assert!(matches!(err, cql::Error::Serialize(_)), "{err:?}");
    }
}

#[tokio::test]
async fn logged_batch_is_visible_as_a_whole() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "batch").await;
        s.execute(
            format!("CREATE TABLE {ks}.acct (id int PRIMARY KEY, bal int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let upd = s
            .prepare(format!("INSERT INTO {ks}.acct (id, bal) VALUES (?, ?)"))
            .await
            .expect("prepare");
        let mut batch = BatchStatement::new(BatchType::Logged).with_consistency(Consistency::One);
        batch.add_prepared(&upd, (1_i32, 90_i32)).expect("add");
        batch
            .add_simple(
                format!("INSERT INTO {ks}.acct (id, bal) VALUES (?, ?)"),
                (2_i32, 110_i32),
            )
            .expect("add");
        s.batch(&batch).await.expect("batch");
        let rs = s
            .execute(format!("SELECT id, bal FROM {ks}.acct").as_str(), ())
            .await
            .expect("select");
        let mut rows: Vec<(i32, i32)> = rs
            .rows_typed()
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("decode");
        rows.sort();
        assert_eq!(rows, vec![(1, 90), (2, 110)]);

        // A batch with an invalid statement applies nothing.
        let mut bad = BatchStatement::new(BatchType::Logged);
        bad.add_prepared(&upd, (3_i32, 1_i32)).expect("add");
        bad.add_simple(
            format!("INSERT INTO {ks}.missing_table (id) VALUES (1)"),
            (),
        )
        .expect("add");
        assert!(s.batch(&bad).await.is_err());
        let rs = s
            .execute(
                format!("SELECT id FROM {ks}.acct WHERE id = 3").as_str(),
                (),
            )
            .await
            .expect("select");
        assert_eq!(
            rs.rows_count(),
            0,
            "{v:?}: part of a failed batch was applied"
        );
    }
}

#[tokio::test]
async fn lightweight_transactions_report_applied() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "lwt").await;
        s.execute(
            format!("CREATE TABLE {ks}.users (name text PRIMARY KEY, email text)").as_str(),
            (),
        )
        .await
        .expect("table");
        let ins = SimpleStatement::new(format!(
            "INSERT INTO {ks}.users (name, email) VALUES (?, ?) IF NOT EXISTS"
        ))
        .with_serial_consistency(Consistency::LocalSerial);
        let first = s
            .execute(&ins, ("ada", "ada@example.org"))
            .await
            .expect("lwt");
        assert!(first.was_applied().expect("applied column"));
        let second = s
            .execute(&ins, ("ada", "other@example.org"))
            .await
            .expect("lwt");
        assert!(!second.was_applied().expect("applied column"));
        let row = &second.rows().expect("rows")[0];
        assert_eq!(
            row.get("email"),
            Some(&cql::CqlValue::Text("ada@example.org".into())),
            "the failed LWT returns the current row"
        );
    }
}

#[tokio::test]
async fn tracing_returns_events() {
    for v in VERSIONS {
        let s = session(v).await;
        let stmt = SimpleStatement::new("SELECT * FROM system.local").with_tracing(true);
        let rs = s.execute(&stmt, ()).await.expect("traced query");
        let id = rs.tracing_id().expect("tracing id");
        // The server writes traces in the background: allow a cold one plenty of time.
        let trace = s
            .query_trace(id, Duration::from_secs(60))
            .await
            .expect("trace");
        assert!(!trace.events.is_empty(), "{v:?}: no trace events");
        assert!(trace.duration_us.unwrap_or(0) > 0);
        let untraced = s
            .execute("SELECT * FROM system.local", ())
            .await
            .expect("query");
        assert!(untraced.tracing_id().is_none());
    }
}

#[tokio::test]
async fn statements_are_reprepared_after_the_server_forgets_them() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "reprep").await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let ins = s
            .prepare(format!("INSERT INTO {ks}.t (k, v) VALUES (?, ?)"))
            .await
            .expect("prepare");
        s.execute(&ins, (1_i32, 1_i32)).await.expect("insert");
        // Dropping and recreating the table invalidates its prepared statements on the server.
        s.execute(format!("DROP TABLE {ks}.t").as_str(), ())
            .await
            .expect("drop");
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("recreate");
        let old_id = ins.id();
        let before = s.metrics().reprepares;
        s.execute(&ins, (2_i32, 2_i32))
            .await
            .expect("insert after the server forgot");
        assert_eq!(
            s.metrics().reprepares,
            before + 1,
            "{v:?}: the node did not answer UNPREPARED"
        );
        assert_eq!(
            ins.id(),
            old_id,
            "same statement text re-prepares to the same id"
        );
        let rs = s
            .execute(format!("SELECT v FROM {ks}.t WHERE k = 2").as_str(), ())
            .await
            .expect("select");
        let (got,): (i32,) = rs.first_row_typed().expect("row");
        assert_eq!(got, 2);
    }
}

#[tokio::test]
async fn use_keyspace_applies_to_every_connection() {
    let s = crate::common::builder(cql::ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .connections_per_host(3)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let ks = keyspace(&s, "use").await;
    s.execute(
        format!("CREATE TABLE {ks}.t (k int PRIMARY KEY)").as_str(),
        (),
    )
    .await
    .expect("table");
    s.use_keyspace(&ks).await.expect("use");
    assert_eq!(s.keyspace().as_deref(), Some(ks.as_str()));
    // Many requests spread over every connection must all see the keyspace.
    for i in 0..30_i32 {
        s.execute("INSERT INTO t (k) VALUES (?)", (i,))
            .await
            .expect("unqualified insert");
    }
}

#[tokio::test]
async fn results_that_are_not_what_the_call_expected_say_why_in_a_type() {
    let s = session(cql::ProtocolVersion::V5).await;
    let empty = s
        .execute("SELECT key FROM system.local WHERE key = 'no such key'", ())
        .await
        .expect("select");
    let e = empty.first_row_typed::<(String,)>().expect_err("no row");
    assert!(
        matches!(e, cql::Error::Result(cql::ResultError::NoRows)),
        "{e:?}"
    );
    let e = empty.was_applied().expect_err("not conditional");
    assert!(
        matches!(e, cql::Error::Result(cql::ResultError::NoRows)),
        "{e:?}"
    );
    let ks = keyspace(&s, "res").await;
    let r = s
        .execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY)").as_str(),
            (),
        )
        .await
        .expect("table");
    let e = r.rows().expect_err("a schema change has no rows");
    assert!(
        matches!(e, cql::Error::Result(cql::ResultError::NotRows)),
        "{e:?}"
    );
}
