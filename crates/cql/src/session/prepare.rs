//! Preparing statements: on every node that is up at once, remembered for nodes that come
//! back, and cached by query text.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::Session;
use crate::connection::deadline;
use crate::error::Error;
use crate::metrics::Counters;
use crate::policies::RequestInfo;
use crate::statement::{PreparedStatement, StatementOptions};

impl Session {
    /// Prepares a statement. By default on every node that is up, at once (see
    /// [`ClusterBuilder::prepare_on_all_hosts`](crate::ClusterBuilder::prepare_on_all_hosts)),
    /// so that no node answers its first execution with UNPREPARED; the call returns when
    /// all have answered (a node that fails is logged, not an error: it prepares the
    /// statement on first use). Nodes that come back later get it before they take requests.
    /// Keep the returned statement, or use [`prepare_cached`](Self::prepare_cached).
    pub async fn prepare(&self, query: impl Into<String>) -> Result<PreparedStatement, Error> {
        let query = query.into();
        self.check_open()?;
        let r = self.resolve(None)?;
        let deadline = deadline(Instant::now(), r.opts.timeout.unwrap_or_default());
        let plan = self.query_plan(r.lb(), &RequestInfo::default(), None)?;
        let mut prepared = None;
        while let Some(conn) = plan.next() {
            match self.prepare_on(&conn, &query, &r.opts, deadline).await {
                Ok(p) => {
                    prepared = Some((conn.addr(), p));
                    break;
                }
                Err(e) if e.is_connection() => plan.failed(conn.addr(), e),
                Err(e) => return Err(e),
            }
        }
        let Some((first, p)) = prepared else {
            return Err(plan.no_host_available());
        };
        if self.inner.config.prepare_on_all_hosts {
            self.prepare_on_others(first, &query, &r.opts, deadline)
                .await;
        }
        let prepared = Arc::new(p);
        self.inner.shared.prepared.register(&prepared);
        Counters::bump(&self.inner.counters.prepares);
        Ok(PreparedStatement {
            prepared,
            options: StatementOptions::default(),
        })
    }

    /// The prepared statement for `query` from the session's cache, prepared (once, also
    /// when called concurrently) if it is not there: for code that builds query texts at
    /// run time (mappers, query builders) instead of keeping statements. The cache keeps
    /// [`ClusterBuilder::prepared_cache_capacity`](crate::ClusterBuilder::prepared_cache_capacity)
    /// statements, least recently used out first; a failed prepare is not cached.
    ///
    /// ```no_run
    /// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
    /// for id in 0..100_i32 {
    ///     // Prepared on the first iteration only.
    ///     let select = session.prepare_cached("SELECT v FROM ks.t WHERE k = ?").await?;
    ///     session.execute(&select, (id,)).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn prepare_cached(&self, query: &str) -> Result<PreparedStatement, Error> {
        self.inner
            .prepared_cache
            .get_or_prepare(query, || self.prepare(query))
            .await
    }

    /// The mapper's prepared statements by query shape.
    #[inline]
    pub(crate) fn mapper_shapes(&self) -> &crate::mapper::shapes::Shapes {
        &self.inner.mapper_shapes
    }

    /// The number of statements in the [`prepare_cached`](Self::prepare_cached) cache.
    pub fn prepared_cache_len(&self) -> usize {
        self.inner.prepared_cache.len()
    }

    /// Prepares `query` on every node with an open connection but `first`, all at once.
    async fn prepare_on_others(
        &self,
        first: SocketAddr,
        query: &str,
        opts: &StatementOptions,
        deadline: Instant,
    ) {
        let pools = self.inner.shared.pools.load();
        let others: Vec<_> = pools
            .iter()
            .filter(|(addr, _)| **addr != first)
            .filter_map(|(_, pool)| pool.pick())
            .collect();
        let all = others
            .iter()
            .map(|conn| self.prepare_on(conn, query, opts, deadline));
        for (conn, r) in others.iter().zip(futures_util::future::join_all(all).await) {
            match r {
                Ok(_) => Counters::bump(&self.inner.counters.prepared_on_other_nodes),
                Err(e) => {
                    tracing::warn!(addr = %conn.addr(), error = %e, "PREPARE failed on a node; it prepares on first use")
                }
            }
        }
    }
}
