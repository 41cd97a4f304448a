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

use std::time::{Duration, Instant};

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

/// Creates `M`'s table in the session's keyspace, and waits until its indexes are built.
pub(crate) async fn sync<M: Model>(s: &Session) {
    SchemaManager::opt_in(s)
        .sync_table::<M>(None)
        .await
        .unwrap_or_else(|e| panic!("sync_table {}: {e}", M::TABLE.name));
    let ks = s.keyspace().expect("a session keyspace");
    wait_for_indexes::<M>(s, &ks).await;
}

/// Waits until every index of `M`'s table in keyspace `ks` is built (listed in
/// `system."IndexInfo"` under the name the server gives an unnamed index). The server builds
/// a new index in the background: `sync_table` waits for schema agreement, and a query by
/// an index whose build is not over fails (IndexNotAvailableException).
pub(crate) async fn wait_for_indexes<M: Model>(s: &Session, ks: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for c in M::TABLE.columns.iter().filter(|c| c.indexed) {
        let index = format!("{}_{}_idx", M::TABLE.name, c.name);
        loop {
            let built = s
                .execute(
                    r#"SELECT index_name FROM system."IndexInfo" WHERE table_name = ? AND index_name = ?"#,
                    (ks, &index),
                )
                .await
                .expect("built indexes");
            if built.rows_count() > 0 {
                break;
            }
            assert!(Instant::now() < deadline, "index {ks}.{index} never built");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
