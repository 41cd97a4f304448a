//! Host listeners on the real cluster: stopping and starting a node is heard as `Down` and
//! `Up` events for that node, each within 5 s of the node's state changing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::listeners::HostEvent;

use super::super::{failover_session, node_addr};
use super::{EVENTUALLY, Stopped, enabled, wait_until};

/// How soon after the node stopped (or served CQL again) its event must come.
const WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_start_of_a_node_are_down_and_up_events() {
    if !enabled() {
        return;
    }
    let s = failover_session().await;
    let events: Arc<Mutex<Vec<(Instant, HostEvent)>>> = Arc::default();
    let e = Arc::clone(&events);
    // Registered on the live session.
    s.add_host_listener(move |ev: &HostEvent| {
        e.lock().expect("lock").push((Instant::now(), *ev));
    });
    let node3 = node_addr(3);
    let seen = |wanted: HostEvent| {
        let events = Arc::clone(&events);
        move || {
            events
                .lock()
                .expect("lock")
                .iter()
                .any(|(_, e)| *e == wanted)
        }
    };
    let when = |wanted: HostEvent| {
        events
            .lock()
            .expect("lock")
            .iter()
            .find(|(_, e)| *e == wanted)
            .map(|(t, _)| *t)
    };

    let stopped = Stopped::new(3, false).await;
    let gone = Instant::now();
    let took = wait_until(
        EVENTUALLY,
        "node 3 reported down",
        seen(HostEvent::Down(node3)),
    )
    .await;
    let down_at = when(HostEvent::Down(node3)).expect("down event");
    eprintln!(
        "down event {:?} after stop-node returned (waited {took:?})",
        down_at.saturating_duration_since(gone)
    );
    assert!(
        down_at.saturating_duration_since(gone) <= WITHIN,
        "down event {:?} after the node stopped",
        down_at.saturating_duration_since(gone)
    );
    assert!(
        !events
            .lock()
            .expect("lock")
            .iter()
            .any(|(_, e)| matches!(e, HostEvent::Down(a) if *a != node3)),
        "only node 3 went down: {:?}",
        events.lock().expect("lock")
    );

    stopped.start().await;
    let serving = Instant::now();
    wait_until(EVENTUALLY, "node 3 reported up", seen(HostEvent::Up(node3))).await;
    let up_at = when(HostEvent::Up(node3)).expect("up event");
    eprintln!(
        "up event {:?} after start-node returned",
        up_at.saturating_duration_since(serving)
    );
    assert!(
        up_at.saturating_duration_since(serving) <= WITHIN,
        "up event {:?} after the node served CQL again",
        up_at.saturating_duration_since(serving)
    );
    assert!(up_at > down_at);
    s.shutdown().await;
}
