//! Every future of the crate's public API can move between threads (tokio::spawn on a
//! multi-thread runtime). A compile-time check: this file fails to build if one stops being
//! Send.
//!
//! How the list was gathered (keep it complete when adding API): every `pub async fn` and every
//! pub fn returning a future of a public type in crates/cql/src, from
//! `grep -rn 'pub async fn\|-> impl .*Future\|BoxFuture\|Pin<Box<dyn\|Future for\|Stream for' crates/cql/src`
//! (the `pub(crate)` ones left out): the async fns, `ExecuteConcurrent` (a hand-written future,
//! returned by `execute_concurrent` and `execute_concurrent_with_args`) and `RowStream` (a
//! `Stream`). The authentication traits the driver calls are checked in
//! crates/dbauth/tests/send_futures.rs.
//!
//! Each future is checked as returned and, with `send_nested!`, awaited inside another async
//! block, which is what `tokio::spawn(async move { .. })` compiles: some higher-ranked
//! lifetime errors ("implementation of FnOnce is not general enough") show up only there.

use std::time::Duration;

use cql::concurrent::OnError;
use cql::{
    BatchStatement, BatchType, BoundStatement, Cluster, PreparedStatement, RowStream, Session,
    SimpleStatement,
};

fn assert_send<T: Send>(_: &T) {}

/// The future both as returned and held across an await in an enclosing async block.
macro_rules! send_nested {
    ($f:expr) => {
        assert_send(&$f);
        assert_send(&async {
            let _ = $f.await;
        });
    };
}

#[allow(dead_code)]
fn cluster_futures_are_send(c: &Cluster) {
    send_nested!(c.connect());
    send_nested!(c.connect_keyspace("ks"));
}

#[allow(dead_code)]
fn session_futures_are_send(
    s: &Session,
    p: &PreparedStatement,
    bound: &BoundStatement,
    b: &BatchStatement,
) {
    let st = SimpleStatement::new("SELECT 1");
    let text = String::from("SELECT 1");
    send_nested!(s.execute("SELECT 1", ()));
    send_nested!(s.execute(&text, ()));
    send_nested!(s.execute(&st, (1_i32, "x")));
    send_nested!(s.execute(p, (1_i32,)));
    send_nested!(s.execute(bound, ()));
    send_nested!(s.execute_page(&st, (), None));
    send_nested!(s.execute_stream(&st, ()));
    send_nested!(s.execute_iter::<(i32, String)>(&st, ()));
    send_nested!(s.execute_iter::<(i32,)>(p, (1_i32,)));
    send_nested!(s.prepare("SELECT 1"));
    send_nested!(s.batch(b));
    send_nested!(s.query_trace(uuid::Uuid::nil(), Duration::from_secs(1)));
    send_nested!(s.use_keyspace("ks"));
    send_nested!(s.refresh_metadata());
    send_nested!(s.wait_for_schema_agreement(Duration::from_secs(1)));
    send_nested!(s.shutdown());
}

#[allow(dead_code)]
fn concurrent_futures_are_send(s: &Session, p: &PreparedStatement, st: &SimpleStatement) {
    let queries = ["SELECT 1", "SELECT 2"];
    send_nested!(s.execute_concurrent(vec![(p, (1_i32, 2_i64))], 4, OnError::Stop));
    send_nested!(s.execute_concurrent(
        (0..10).map(|i| (p, (i, i64::from(i)))),
        4,
        OnError::Continue
    ));
    send_nested!(s.execute_concurrent(vec![("SELECT 1", ())], 4, OnError::Stop));
    send_nested!(s.execute_concurrent(queries.iter().map(|q| (*q, ())), 4, OnError::Stop));
    send_nested!(s.execute_concurrent([(st, (1_i32,))], 1, OnError::Continue));
    send_nested!(s.execute_concurrent_with_args(p, vec![(1_i32, 2_i64)], 4, OnError::Stop));
    send_nested!(s.execute_concurrent_with_args(
        p,
        (0..10).map(|i| (i, i64::from(i))),
        4,
        OnError::Continue
    ));
    let keys = [1_i32, 2, 3];
    send_nested!(s.execute_concurrent_with_args(p, keys.iter().map(|k| (*k,)), 2, OnError::Stop));
    send_nested!(s.execute_concurrent_with_args(p, &[(1_i32,), (2,)], 2, OnError::Stop));
    send_nested!(s.execute_concurrent_rows::<(i32, String), _, _, _>(
        keys.iter().map(|k| (p, (*k,))),
        2,
        OnError::Stop
    ));
}

/// The streaming form of `execute_concurrent`, consumed inside a spawned task.
#[allow(dead_code)]
fn concurrent_stream_spawns(s: Session, p: PreparedStatement) {
    use futures_util::StreamExt;
    drop(tokio::spawn(async move {
        let mut results = s
            .execute_concurrent_with_args(&p, (0..10).map(|i| (i,)), 4, OnError::Continue)
            .into_stream();
        while let Some(r) = results.next().await {
            drop(r);
        }
    }));
}

/// The shape of the report: the futures handed to `tokio::spawn` with owned data.
#[allow(dead_code)]
fn concurrent_futures_spawn(s: Session, p: PreparedStatement) {
    let (s2, p2) = (s.clone(), p.clone());
    drop(tokio::spawn(async move {
        s.execute_concurrent((0..10).map(|i| (&p, (i, i64::from(i)))), 4, OnError::Stop)
            .await
    }));
    drop(tokio::spawn(async move {
        s2.execute_concurrent_with_args(&p2, (0..10).map(|i| (i,)), 4, OnError::Continue)
            .await
    }));
}

#[allow(dead_code)]
fn row_stream_is_send(rows: &mut RowStream, typed: &mut cql::TypedRowStream<(i32, String)>) {
    assert_send(rows);
    assert_send(typed);
    send_nested!(rows.next_row());
}

#[test]
fn batch_statement_builds_without_a_server() {
    let mut b = BatchStatement::new(BatchType::Unlogged);
    b.add_simple("INSERT INTO ks.t (k) VALUES (?)", (1_i32,))
        .expect("add");
    assert_eq!(b.len(), 1);
}
