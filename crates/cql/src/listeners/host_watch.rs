//! The task that turns metadata snapshots and node state changes into [`HostEvent`]s.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::watch;

use super::{HostEvent, Listeners};
use crate::control::Shared;

/// Watches the session's nodes until aborted (or the session is gone). The nodes of the
/// first snapshot are reported `Added` (and `Down` when they are).
pub(crate) async fn run(shared: Arc<Shared>, listeners: Arc<Listeners>) {
    let mut generation = shared.generation.subscribe();
    // Per node: its state's receiver and the state last reported.
    let mut known: HashMap<SocketAddr, (watch::Receiver<bool>, bool)> = HashMap::new();
    loop {
        let metadata = shared.metadata.load_full();
        for h in metadata.hosts() {
            let addr = h.address();
            if known.contains_key(&addr) {
                continue;
            }
            let mut rx = h.state().subscribe();
            let up = *rx.borrow_and_update();
            listeners.host_event(HostEvent::Added(addr));
            if !up {
                listeners.host_event(HostEvent::Down(addr));
            }
            known.insert(addr, (rx, up));
        }
        known.retain(|addr, _| {
            let kept = metadata.host(*addr).is_some();
            if !kept {
                listeners.host_event(HostEvent::Removed(*addr));
            }
            kept
        });
        for (addr, (rx, reported)) in known.iter_mut() {
            let up = *rx.borrow_and_update();
            if up != *reported {
                *reported = up;
                listeners.host_event(if up {
                    HostEvent::Up(*addr)
                } else {
                    HostEvent::Down(*addr)
                });
            }
        }
        let mut changes: FuturesUnordered<_> = known
            .iter_mut()
            .map(|(addr, (rx, _))| async move { (*addr, rx.changed().await.is_err()) })
            .collect();
        let gone = tokio::select! {
            r = generation.changed() => if r.is_err() { return } else { None },
            Some((addr, gone)) = changes.next() => gone.then_some(addr),
        };
        drop(changes);
        // That node's state was replaced: follow the one the metadata has now (or drop the
        // node at the next pass if the metadata no longer lists it).
        if let Some(addr) = gone {
            match (shared.metadata.load().host(addr), known.get_mut(&addr)) {
                (Some(h), Some(entry)) => entry.0 = h.state().subscribe(),
                _ => {
                    known.remove(&addr);
                    listeners.host_event(HostEvent::Removed(addr));
                }
            }
        }
    }
}
