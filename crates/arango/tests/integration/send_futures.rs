//! Every future of the client's public API can move between threads (tokio::spawn on a
//! multi-thread runtime). A compile-time check: this module fails to build if one stops being
//! Send.
//!
//! How the list was gathered (keep it complete when adding API): every `pub async fn` and every
//! pub fn returning a future in crates/arango/src, from
//! `grep -rn 'pub async fn\|-> impl .*Future\|BoxFuture\|Pin<Box<dyn' crates/arango/src`
//! (the `pub(crate)` ones left out). The token holder the client refreshes with is dbauth's,
//! checked in crates/dbauth/tests/send_futures.rs.
//!
//! Each future is checked as returned and, with `send_nested!`, awaited inside another async
//! block, which is what `tokio::spawn(async move { .. })` compiles (some higher-ranked
//! lifetime errors show up only there).

use arango::{ArangoClient, Collection, Cursor, Database, DbAuth, Secret, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

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

#[derive(Serialize, Deserialize)]
struct Doc {
    name: String,
}

#[allow(dead_code)]
fn client_futures_are_send(c: &ArangoClient, auth: DbAuth) {
    send_nested!(c.db("_system", auth.clone(), true));
}

#[allow(dead_code)]
fn database_futures_are_send(db: &Database, password: &Secret) {
    send_nested!(db.refresh_token());
    send_nested!(db.ping());
    send_nested!(db.version());
    send_nested!(db.databases());
    send_nested!(db.has_database("app"));
    send_nested!(db.create_database("app"));
    send_nested!(db.delete_database("app"));
    send_nested!(db.collections());
    send_nested!(db.create_collection("c"));
    send_nested!(db.delete_collection("c"));
    send_nested!(db.aql("RETURN 1", Map::new(), Some(10)));
    send_nested!(db.aql_as::<Doc>("RETURN 1", Map::new(), None));
    send_nested!(db.begin_transaction(&["c"], &[]));
    send_nested!(db.users());
    send_nested!(db.create_user("u", password, true));
    send_nested!(db.delete_user("u"));
    send_nested!(db.permission("u", "app"));
    send_nested!(db.set_permission("u", "app", "rw"));
    send_nested!(db.reset_permission("u", "app"));
}

#[allow(dead_code)]
fn transaction_futures_are_send(t: &Transaction) {
    send_nested!(t.commit());
    send_nested!(t.abort());
}

#[allow(dead_code)]
fn collection_futures_are_send(c: &Collection) {
    let doc = Doc { name: "a".into() };
    let docs = [json!({"_key": "a"}), json!({"_key": "b"})];
    send_nested!(c.properties());
    send_nested!(c.count());
    send_nested!(c.truncate());
    send_nested!(c.insert(&json!({"a": 1})));
    send_nested!(c.insert(&doc));
    send_nested!(c.insert_many(&docs));
    send_nested!(c.get("a"));
    send_nested!(c.get_as::<Doc>("a"));
    send_nested!(c.get_many(&["a", "b"]));
    send_nested!(c.update("a", &json!({"n": 2}), Some("rev")));
    send_nested!(c.replace("a", &doc, None));
    send_nested!(c.delete("a", None));
    send_nested!(c.update_many(&docs, true));
    send_nested!(c.replace_many(&docs, false));
    send_nested!(c.delete_many(&["a", "b"], false));
}

#[allow(dead_code)]
fn cursor_futures_are_send(values: &mut Cursor, docs: &mut Cursor<Doc>) {
    send_nested!(values.next_batch());
    send_nested!(values.next());
    send_nested!(docs.next_batch());
    send_nested!(docs.next());
}

/// The futures that take the cursor by value, as returned and as a spawned task owns them.
#[allow(dead_code)]
fn consuming_cursor_futures_are_send(a: Cursor, b: Cursor<Doc>, c: Cursor, d: Cursor<Doc>) {
    assert_send(&a.collect());
    assert_send(&b.close());
    assert_send(&async move {
        let _ = c.collect().await;
        let _ = d.close().await;
    });
}
