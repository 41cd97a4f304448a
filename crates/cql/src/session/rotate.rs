//! Replacing the session's connections without downtime: on demand
//! ([`Session::rotate_connections`]) and at the end of their maximum lifetime.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::Session;
use crate::control::Shared;
use crate::error::Error;
use crate::rotation::RotationReport;

impl Session {
    /// Replaces every open connection, make-before-break (see [`crate::rotation`]): after
    /// changing credentials (the auth provider answers with the new ones) or TLS material
    /// ([`TlsConfig::replace`](crate::TlsConfig::replace)), so that no connection keeps
    /// using the old ones. Nodes are rotated at once, the connections of one node one after
    /// the other. The report says, per node, how many were replaced and why the others were
    /// not (a rejected password, a provider error or hang: the connect timeout, a TLS
    /// failure); connections that could not be replaced keep serving. Requests keep running
    /// meanwhile: the old connections close once their requests have ended.
    ///
    /// The control connection is one of the pools' connections: it moves to a new one.
    pub async fn rotate_connections(&self) -> Result<RotationReport, Error> {
        self.check_open()?;
        let pools = self.inner.shared.pools.load_full();
        let mut running: FuturesUnordered<_> = pools.values().map(|p| p.rotate()).collect();
        let mut hosts = Vec::with_capacity(pools.len());
        while let Some(h) = running.next().await {
            if let Some(e) = &h.error {
                tracing::warn!(addr = %h.addr, error = %e, rotated = h.rotated, of = h.before,
                    "connection rotation failed; the old connections keep serving");
            }
            hosts.push(h);
        }
        hosts.sort_by_key(|h| h.addr);
        Ok(RotationReport { hosts })
    }
}

/// Replaces the connections that reached `lifetime` (± their jitter), looking a few times
/// per lifetime; runs until aborted (the session closes).
pub(super) async fn lifetime_task(shared: Arc<Shared>, lifetime: Duration, jitter: Duration) {
    let every = (lifetime.saturating_sub(jitter) / 8)
        .clamp(Duration::from_millis(100), Duration::from_secs(5));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let pools = shared.pools.load_full();
        let mut running: FuturesUnordered<_> = pools
            .values()
            .map(|p| p.rotate_expired(lifetime, jitter))
            .collect();
        while running.next().await.is_some() {}
    }
}
