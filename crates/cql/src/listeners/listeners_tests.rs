use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::history::Recorder;
use super::*;

fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, n], 9042))
}

#[test]
fn a_panicking_listener_does_not_stop_the_others_or_later_events() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let mut initial = InitialListeners::default();
    initial.host.push(Arc::new(|e: &HostEvent| {
        if matches!(e, HostEvent::Down(_)) {
            panic!("listener bug");
        }
    }));
    initial.host.push(Arc::new(move |e: &HostEvent| {
        let _ = tx.lock().expect("lock").send(*e);
    }));
    let l = Listeners::new(&initial);
    l.host_event(HostEvent::Down(addr(1)));
    l.host_event(HostEvent::Up(addr(1)));
    let got: Vec<HostEvent> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(10)).expect("event"))
        .collect();
    assert_eq!(got, vec![HostEvent::Down(addr(1)), HostEvent::Up(addr(1))]);
}

#[test]
fn a_blocked_listener_does_not_block_the_sender() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let l = Listeners::new(&InitialListeners::default());
    assert!(!l.wants_history());
    l.add_request(Arc::new(move |_: &RequestHistory| {
        let _ = release_rx.lock().expect("lock").recv();
    }));
    assert!(l.wants_history());
    let t0 = Instant::now();
    for _ in 0..(2 * 4096) {
        l.request_done(Recorder::new(Instant::now()).finish(true));
    }
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "the queue is bounded and full events are dropped: {:?}",
        t0.elapsed()
    );
    drop(release_tx);
}

#[test]
fn attempts_dropped_unfinished_are_cancelled() {
    let r = Recorder::new(Instant::now());
    r.attempt(addr(1), AttemptKind::First, 1)
        .end(AttemptOutcome::Failed(AttemptErrorKind::Timeout));
    let dropped = r.attempt(addr(2), AttemptKind::Speculative, 2);
    r.attempt(addr(3), AttemptKind::Retry, 1)
        .end(AttemptOutcome::Success);
    drop(dropped);
    let h = r.finish(true);
    let outcomes: Vec<_> = h.attempts.iter().map(|a| (a.host, a.outcome)).collect();
    assert_eq!(
        outcomes,
        vec![
            (addr(1), AttemptOutcome::Failed(AttemptErrorKind::Timeout)),
            (addr(3), AttemptOutcome::Success),
            (addr(2), AttemptOutcome::Cancelled),
        ]
    );
    assert_eq!(h.speculative_executions(), 1);
    assert!(h.succeeded);
}
