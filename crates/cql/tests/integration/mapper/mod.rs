//! The object mapper (`cql::mapper`) against the real server: models, queries, writes,
//! LWT, batches, the typed stream over all pages, counters, schema management, and the
//! cross-check with the reference cqlengine.

mod cross_check;
mod models;
mod options;
mod queries;
mod schema;
mod stream;
mod variants;
mod writes;

use cql::Session;
use cql::mapper::{Model, SchemaManager};

use crate::common::{keyspace, session};

/// A session on `version` using a fresh keyspace, with `M`'s table synced.
pub(crate) async fn setup(version: cql::ProtocolVersion, tag: &str) -> (Session, String) {
    let s = session(version).await;
    let ks = keyspace(&s, tag).await;
    s.use_keyspace(&ks).await.expect("use keyspace");
    (s, ks)
}

/// Creates `M`'s table in the session's keyspace.
pub(crate) async fn sync<M: Model>(s: &Session) {
    SchemaManager::opt_in(s)
        .sync_table::<M>(None)
        .await
        .unwrap_or_else(|e| panic!("sync_table {}: {e}", M::TABLE.name));
}
