//! Every future a Session returns can move between threads (tokio::spawn on a multi-thread
//! runtime). A compile-time check: this file fails to build if one stops being Send.

use cql::{BatchStatement, BatchType, PreparedStatement, Session, SimpleStatement};

fn assert_send<T: Send>(_: &T) {}

#[allow(dead_code)]
fn session_futures_are_send(s: &Session, p: &PreparedStatement, b: &BatchStatement) {
    let st = SimpleStatement::new("SELECT 1");
    assert_send(&s.execute("SELECT 1", ()));
    assert_send(&s.execute(&st, (1_i32, "x")));
    assert_send(&s.execute(p, (1_i32,)));
    assert_send(&s.execute_page(&st, (), None));
    assert_send(&s.execute_stream(&st, ()));
    assert_send(&s.prepare("SELECT 1"));
    assert_send(&s.batch(b));
    assert_send(&s.use_keyspace("ks"));
}

#[test]
fn batch_statement_builds_without_a_server() {
    let mut b = BatchStatement::new(BatchType::Unlogged);
    b.add_simple("INSERT INTO ks.t (k) VALUES (?)", (1_i32,))
        .expect("add");
    assert_eq!(b.len(), 1);
}
