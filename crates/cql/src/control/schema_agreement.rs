//! Schema agreement: every node that is up reports the same schema version, and that version
//! includes the change the session just made.
//!
//! Each node is asked for its own version (`schema_version` of its `system.local`) on a
//! connection of its pool. Reading the versions from one node's `system.local` and
//! `system.peers` is not enough: a node learns its peers' versions by gossip, so a node that
//! has not applied a change yet still sees every peer on the old version and reports them all
//! equal. The node that coordinated the change is always asked, even when it is marked down:
//! it applied the change before answering, so every node agreeing with it has the change.
//!
//! Nodes that are down are not waited for. A node that should be asked but has no open
//! connection, or does not answer in time, means "not agreed yet": the check is repeated until
//! the deadline. Nodes the load balancing policy ignores have no pool; their versions come from
//! the `system.peers` rows of a node that was asked (the coordinator when there is one): gossip
//! lags behind, so such a row can only make agreement come later, never too early.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cql_protocol::message::ErrorKind;
use cql_protocol::types::CqlValue;
use uuid::Uuid;

use super::{Shared, peer_connect_address, query};
use crate::connection::Connection;
use crate::error::Error;
use crate::result::Row;

/// How often the versions are compared while waiting for agreement.
const POLL: Duration = Duration::from_millis(200);

/// Which nodes one round asks, and how.
#[derive(Debug, Default, PartialEq, Eq)]
struct Targets {
    /// Asked for their own version, on a connection of their pool.
    direct: Vec<SocketAddr>,
    /// Up, but without a pool: their version is read from a peer's `system.peers`.
    by_peers: Vec<SocketAddr>,
}

/// The nodes to ask: those that are up (`(address, up, has a pool)` for every known node) and
/// the coordinator of the change, if any, whatever its state.
fn targets(hosts: &[(SocketAddr, bool, bool)], coordinator: Option<SocketAddr>) -> Targets {
    let mut t = Targets::default();
    for &(addr, up, pooled) in hosts {
        let is_coordinator = coordinator == Some(addr);
        if !up && !is_coordinator {
            continue;
        }
        if pooled || is_coordinator {
            t.direct.push(addr);
        } else {
            t.by_peers.push(addr);
        }
    }
    if let Some(c) = coordinator.filter(|c| !t.direct.contains(c)) {
        // Not in the metadata (yet): still the one node known to have the change.
        t.direct.push(c);
    }
    t
}

/// One round's outcome.
#[derive(Debug, PartialEq, Eq)]
enum Round {
    Agreed(Uuid),
    /// Every node answered; the versions differ.
    Differ(Vec<(SocketAddr, Uuid)>),
    /// These nodes could not be asked or did not say.
    Unanswered(Vec<SocketAddr>),
}

fn decide(answers: Vec<(SocketAddr, Option<Uuid>)>) -> Round {
    let unanswered: Vec<SocketAddr> = answers
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(a, _)| *a)
        .collect();
    if !unanswered.is_empty() {
        return Round::Unanswered(unanswered);
    }
    let versions: Vec<(SocketAddr, Uuid)> = answers
        .into_iter()
        .filter_map(|(a, v)| v.map(|v| (a, v)))
        .collect();
    match versions.first() {
        Some(&(_, first)) if versions.iter().all(|(_, v)| *v == first) => Round::Agreed(first),
        Some(_) => Round::Differ(versions),
        None => Round::Unanswered(Vec::new()),
    }
}

/// Whether a failed read only means "not now": the node is slow, paused, restarting or busy.
fn transient(e: &Error) -> bool {
    e.is_connection()
        || e.is_timeout()
        || e.server_error().is_some_and(|s| {
            matches!(
                s.kind,
                ErrorKind::Overloaded | ErrorKind::IsBootstrapping | ErrorKind::ServerError
            )
        })
}

fn version(row: &Row) -> Option<Uuid> {
    match row.get("schema_version")? {
        CqlValue::Uuid(v) | CqlValue::Timeuuid(v) => Some(*v),
        _ => None,
    }
}

/// The node's own schema version; `Ok(None)` when it could not say now.
async fn own_version(conn: &Connection, timeout: Duration) -> Result<Option<Uuid>, Error> {
    let read = async {
        let rows = query(
            conn,
            "SELECT schema_version FROM system.local WHERE key = 'local'",
            timeout,
        )
        .await?
        .rows()?;
        Ok::<_, Error>(rows.first().and_then(version))
    };
    match read.await {
        Ok(v) => Ok(v),
        Err(e) if transient(&e) => {
            tracing::debug!(addr = %conn.addr(), error = %e, "schema version read failed");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl Shared {
    /// Waits until every node that is up, and `coordinator` (the node that executed a schema
    /// change) whatever its state, report one schema version, each asked for its own;
    /// `Ok(false)` when they still differ, or some could not be asked, at `timeout`.
    pub(crate) async fn wait_for_schema_agreement(
        &self,
        timeout: Duration,
        coordinator: Option<SocketAddr>,
    ) -> Result<bool, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self
                .schema_versions(left.min(self.config.request_timeout), coordinator)
                .await?
            {
                Round::Agreed(version) => {
                    tracing::debug!(%version, ?coordinator, "schema agreement");
                    return Ok(true);
                }
                Round::Differ(versions) => {
                    tracing::debug!(?versions, "schema versions differ; waiting for agreement");
                }
                Round::Unanswered(nodes) => {
                    tracing::debug!(?nodes, "schema versions not known yet; waiting");
                }
            }
            if tokio::time::Instant::now() + POLL >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One round: asks every node [`targets`] lists, all at once. Fails with
    /// `NoHostAvailable` when no node at all has an open connection.
    async fn schema_versions(
        &self,
        timeout: Duration,
        coordinator: Option<SocketAddr>,
    ) -> Result<Round, Error> {
        let metadata = self.metadata.load_full();
        let pools = self.pools.load_full();
        let hosts: Vec<(SocketAddr, bool, bool)> = metadata
            .hosts()
            .iter()
            .map(|h| (h.address(), h.is_up(), pools.contains_key(&h.address())))
            .collect();
        let targets = targets(&hosts, coordinator);
        let conns: Vec<(SocketAddr, Option<Connection>)> = targets
            .direct
            .iter()
            .map(|a| (*a, pools.get(a).and_then(|p| p.pick())))
            .collect();
        if conns.iter().all(|(_, c)| c.is_none()) {
            return Err(Error::NoHostAvailable(Vec::new()));
        }
        let asked = futures_util::future::join_all(conns.iter().map(|(_, c)| async move {
            match c {
                Some(c) => own_version(c, timeout).await,
                None => Ok(None),
            }
        }))
        .await;
        let mut answers = Vec::with_capacity(conns.len() + targets.by_peers.len());
        for ((addr, _), v) in conns.iter().zip(asked) {
            answers.push((*addr, v?));
        }
        if !targets.by_peers.is_empty() {
            // A node that answered, the coordinator first: it has the change.
            let answered = |a: &SocketAddr| answers.iter().any(|(x, v)| x == a && v.is_some());
            let peer_view = conns
                .iter()
                .filter(|(a, c)| c.is_some() && answered(a))
                .min_by_key(|(a, _)| coordinator != Some(*a))
                .and_then(|(_, c)| c.as_ref());
            let gossiped = match peer_view {
                Some(c) => self.peer_versions(c, timeout).await?,
                None => HashMap::new(),
            };
            answers.extend(
                targets
                    .by_peers
                    .iter()
                    .map(|a| (*a, gossiped.get(a).copied())),
            );
        }
        Ok(decide(answers))
    }

    /// The schema versions that the node behind `conn` knows of its peers, by their
    /// connection addresses; empty when it could not say now.
    async fn peer_versions(
        &self,
        conn: &Connection,
        timeout: Duration,
    ) -> Result<HashMap<SocketAddr, Uuid>, Error> {
        let cql = if self.use_peers_v2.load(Ordering::Relaxed) {
            "SELECT peer, native_address, native_port, schema_version FROM system.peers_v2"
        } else {
            "SELECT peer, rpc_address, schema_version FROM system.peers"
        };
        let rows = match query(conn, cql, timeout).await.and_then(|r| r.rows()) {
            Ok(rows) => rows,
            Err(e) if transient(&e) => {
                tracing::debug!(addr = %conn.addr(), error = %e, "peers' schema versions read failed");
                return Ok(HashMap::new());
            }
            Err(e) => return Err(e),
        };
        Ok(rows
            .iter()
            .filter_map(|row| Some((peer_connect_address(row, &self.config)?, version(row)?)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u8) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, n], 9042))
    }

    #[test]
    fn up_nodes_and_the_coordinator_are_asked() {
        // Node 1 up with a pool, 2 down, 3 up without a pool (ignored by the policy).
        let hosts = [
            (addr(1), true, true),
            (addr(2), false, true),
            (addr(3), true, false),
        ];
        assert_eq!(
            targets(&hosts, None),
            Targets {
                direct: vec![addr(1)],
                by_peers: vec![addr(3)],
            }
        );
        // The coordinator is asked even when it is marked down, or has no pool.
        assert_eq!(targets(&hosts, Some(addr(2))).direct, [addr(1), addr(2)]);
        let t = targets(&hosts, Some(addr(3)));
        assert_eq!((t.direct, t.by_peers), (vec![addr(1), addr(3)], vec![]));
        // Or when the metadata does not list it yet.
        assert_eq!(targets(&hosts, Some(addr(4))).direct, [addr(1), addr(4)]);
    }

    #[test]
    fn agreement_needs_every_answer_and_one_version() {
        let (v1, v2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(
            decide(vec![(addr(1), Some(v1)), (addr(2), Some(v1))]),
            Round::Agreed(v1)
        );
        assert_eq!(
            decide(vec![(addr(1), Some(v1)), (addr(2), Some(v2))]),
            Round::Differ(vec![(addr(1), v1), (addr(2), v2)])
        );
        // A node that did not answer holds agreement up, even if the others agree.
        assert_eq!(
            decide(vec![
                (addr(1), Some(v1)),
                (addr(2), None),
                (addr(3), Some(v1))
            ]),
            Round::Unanswered(vec![addr(2)])
        );
        assert_eq!(decide(Vec::new()), Round::Unanswered(Vec::new()));
    }

    #[test]
    fn only_passing_failures_are_retried() {
        let a = addr(1);
        assert!(transient(&Error::Timeout {
            addr: a,
            timeout: Duration::from_secs(1),
        }));
        assert!(transient(&Error::ConnectionClosed {
            addr: a,
            reason: "closed".into(),
            in_flight: true,
        }));
        assert!(!transient(&Error::Result(
            crate::error::ResultError::NoRows
        )));
    }
}
