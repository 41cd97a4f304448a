//! The statements a session prepared, so that a node that comes back (or joins) is given
//! them before it gets traffic: the reference driver's `reprepare_on_up`.
//!
//! A node forgets its prepared statements when it restarts (Cassandra keeps them in
//! `system.prepared_statements`, but not every server does, and a node that was down while
//! a statement was prepared never saw it). Without this, the first execution of each
//! statement on that node costs an UNPREPARED answer and a second round trip.
//!
//! Bounded, so that a node coming back does not set off a re-prepare storm: only
//! statements the application still holds (the registry keeps weak references), at most
//! [`ClusterBuilder::reprepare_on_up_max`](crate::ClusterBuilder::reprepare_on_up_max) of
//! them, and only those in recent use: executed (or prepared) within the last
//! [`RECENT`](crate::recency::RECENT), most recently executed first; a few at a time, on one
//! connection of the node, within the request timeout. A statement not used for longer
//! prepares on first use (one UNPREPARED answer).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use cql_protocol::message::{Prepare, Request, Response, ResultMessage};
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::connection::{Connection, SendOptions};
use crate::statement::Prepared;

/// PREPAREs in flight at once on a node that came back.
const CONCURRENCY: usize = 8;

/// A registered statement: the statement, its registration order, when it was prepared.
type Entry = (Weak<Prepared>, u64, u64);

/// The statements to give to nodes that come back.
#[derive(Debug)]
pub(crate) struct PreparedRegistry {
    /// By query text: the latest statement prepared from it, its registration order, and
    /// when it was prepared ([`crate::recency::now_secs`]).
    entries: Mutex<HashMap<String, Entry>>,
    next: AtomicU64,
    /// At most this many are re-prepared on a node; 0: none.
    max: usize,
    /// Statements prepared on nodes that came back or joined.
    pub(crate) reprepared: AtomicU64,
}

impl PreparedRegistry {
    pub(crate) fn new(max: usize) -> Self {
        PreparedRegistry {
            entries: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            max,
            reprepared: AtomicU64::new(0),
        }
    }

    /// Remembers a statement just prepared (its query text replaces an older one).
    pub(crate) fn register(&self, p: &Arc<Prepared>) {
        if self.max == 0 {
            return;
        }
        let order = self.next.fetch_add(1, Ordering::Relaxed);
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.insert(
            p.query.clone(),
            (Arc::downgrade(p), order, crate::recency::now_secs()),
        );
        // Forget the statements the application dropped, and keep the table bounded.
        if entries.len() > self.max.saturating_mul(2).max(64) {
            entries.retain(|_, (w, _, _)| w.strong_count() > 0);
            if entries.len() > self.max * 2 {
                let mut orders: Vec<u64> = entries.values().map(|(_, o, _)| *o).collect();
                orders.sort_unstable();
                let cut = orders[orders.len() - self.max];
                entries.retain(|_, (_, o, _)| *o >= cut);
            }
        }
    }

    /// The statements to re-prepare on a node: those executed or prepared within
    /// [`RECENT`](crate::recency::RECENT), most recently executed first (then most recently
    /// prepared); at most `max`. Asking changes nothing: every node that comes back gets
    /// the same choice.
    pub(crate) fn recent(&self) -> Vec<Arc<Prepared>> {
        self.recent_at(crate::recency::now_secs())
    }

    /// [`recent`](Self::recent) as seen at `now` ([`crate::recency::now_secs`]).
    fn recent_at(&self, now: u64) -> Vec<Arc<Prepared>> {
        let Ok(mut entries) = self.entries.lock() else {
            return Vec::new();
        };
        entries.retain(|_, (w, _, _)| w.strong_count() > 0);
        let mut alive: Vec<(u64, u64, Arc<Prepared>)> = entries
            .values()
            .filter_map(|(w, order, prepared_at)| {
                let p = w.upgrade()?;
                let used = p.used_at();
                let recent = crate::recency::is_recent_at(used.max(*prepared_at), now);
                recent.then_some((used, *order, p))
            })
            .collect();
        alive.sort_unstable_by_key(|a| std::cmp::Reverse((a.0, a.1)));
        alive.truncate(self.max);
        alive.into_iter().map(|(_, _, p)| p).collect()
    }

    /// Prepares the recent statements on `conn` (a node that came back or joined), before
    /// the connection takes requests. Failures are logged: the node then answers UNPREPARED
    /// once for that statement, which the session handles.
    pub(crate) async fn prepare_on(&self, conn: &Connection, timeout: Duration) {
        let statements = self.recent();
        if statements.is_empty() {
            return;
        }
        let t0 = std::time::Instant::now();
        let total = statements.len();
        let mut pending = statements.into_iter();
        let mut running = FuturesUnordered::new();
        let mut done = 0usize;
        // All of them within one request timeout: a node that hangs delays its pool once.
        let all = async {
            loop {
                while running.len() < CONCURRENCY {
                    match pending.next() {
                        Some(p) => running.push(prepare_one(conn, p, timeout)),
                        None => break,
                    }
                }
                match running.next().await {
                    Some(ok) => done += usize::from(ok),
                    None => break,
                }
            }
        };
        if tokio::time::timeout(timeout, all).await.is_err() {
            tracing::warn!(addr = %conn.addr(), "re-preparing on a node that came back took longer than the request timeout; the rest prepare on first use");
        }
        self.reprepared.fetch_add(done as u64, Ordering::Relaxed);
        tracing::info!(addr = %conn.addr(), prepared = done, of = total, took = ?t0.elapsed(),
            "node came back: recent statements prepared on it before it takes requests");
    }
}

/// Prepares one statement on `conn`; whether the node accepted it.
async fn prepare_one(conn: &Connection, p: Arc<Prepared>, timeout: Duration) -> bool {
    let sent = conn.send(
        &Request::Prepare(Prepare {
            query: &p.query,
            keyspace: None,
        }),
        SendOptions::timeout(timeout),
    );
    match sent.await {
        Ok(f) => matches!(f.response, Response::Result(ResultMessage::Prepared(_))),
        Err(e) => {
            tracing::debug!(addr = %conn.addr(), error = %e, "re-prepare on a node that came back failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::RwLock;

    fn prepared(query: &str) -> Arc<Prepared> {
        Arc::new(Prepared {
            query: query.to_owned(),
            id: RwLock::new(bytes::Bytes::from_static(b"id")),
            result_metadata_id: RwLock::new(None),
            bind_markers: Vec::new(),
            pk_indexes: Vec::new(),
            is_lwt: false,
            result_metadata: RwLock::new(None),
            used_at: Default::default(),
        })
    }

    /// Statements in recent use are chosen, most recently executed first, and asking does
    /// not change the choice (a second node that comes back gets the same); statements
    /// neither executed nor prepared within the window, and dropped ones, are left out.
    #[test]
    fn only_statements_in_recent_use_are_chosen_every_time() {
        let r = PreparedRegistry::new(10);
        let (a, b, c) = (prepared("a"), prepared("b"), prepared("c"));
        for p in [&a, &b, &c] {
            r.register(p);
        }
        // `b` executed just now, `a` long ago (as if before the window), `c` never.
        b.mark_used();
        a.used_at.store(1, Ordering::Relaxed);
        let first: Vec<String> = r.recent().iter().map(|p| p.query.clone()).collect();
        assert_eq!(first[0], "b", "{first:?}");
        assert_eq!(first.len(), 3, "all were prepared just now: {first:?}");
        assert_eq!(
            first,
            r.recent()
                .iter()
                .map(|p| p.query.clone())
                .collect::<Vec<_>>()
        );
        // Seen from 10 minutes and more later: only what was executed since counts. `a`
        // was executed at second 1 and prepared now; `b` is executed again then.
        let later = crate::recency::now_secs() + crate::recency::RECENT.as_secs() + 5;
        b.used_at.store(later, Ordering::Relaxed);
        let chosen: Vec<String> = r.recent_at(later).iter().map(|p| p.query.clone()).collect();
        assert_eq!(chosen, vec!["b".to_owned()]);
        drop(b);
        assert!(r.recent().iter().all(|p| p.query != "b"));
    }
}
