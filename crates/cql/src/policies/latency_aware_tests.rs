use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::policies::RoundRobinPolicy;

fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, n], 9042))
}

fn cluster() -> ClusterMetadata {
    let hosts = (1..=3).map(|n| Arc::new(Host::new(addr(n)))).collect();
    ClusterMetadata::new(None, None, hosts, HashMap::new(), None)
}

fn firsts(p: &impl LoadBalancingPolicy, c: &ClusterMetadata, n: usize) -> Vec<SocketAddr> {
    (0..n)
        .map(|_| p.query_plan(&RequestInfo::default(), c)[0].address())
        .collect()
}

#[test]
fn a_slow_node_goes_last_until_its_figures_are_stale() {
    let c = cluster();
    let p = LatencyAwarePolicy::new(RoundRobinPolicy::new())
        .with_minimum_measurements(5)
        .with_retry_period(Duration::from_millis(300));
    assert_eq!(firsts(&p, &c, 3).len(), 3);
    for _ in 0..10 {
        p.on_attempt(addr(1), Duration::from_millis(1), Ok(()));
        p.on_attempt(addr(2), Duration::from_millis(2), Ok(()));
        p.on_attempt(addr(3), Duration::from_millis(50), Ok(()));
    }
    for _ in 0..6 {
        let plan = p.query_plan(&RequestInfo::default(), &c);
        assert_eq!(plan.len(), 3, "the slow node stays in the plan");
        assert_eq!(plan[2].address(), addr(3), "and comes last");
    }
    let (avg, n) = p.average(addr(3)).expect("measured");
    assert!(avg > Duration::from_millis(20), "{avg:?}");
    assert_eq!(n, 10);
    std::thread::sleep(Duration::from_millis(400));
    let seen = firsts(&p, &c, 3);
    assert!(
        seen.contains(&addr(3)),
        "stale figures: back in turn: {seen:?}"
    );
    assert_eq!(p.average(addr(3)), None);
}

#[test]
fn too_few_measurements_or_connection_errors_judge_nothing() {
    let c = cluster();
    let p = LatencyAwarePolicy::new(RoundRobinPolicy::new()).with_minimum_measurements(5);
    for _ in 0..4 {
        p.on_attempt(addr(1), Duration::from_millis(1), Ok(()));
        p.on_attempt(addr(3), Duration::from_millis(80), Ok(()));
    }
    let closed = crate::Error::ConnectionClosed {
        addr: addr(2),
        reason: "test".into(),
        in_flight: false,
    };
    for _ in 0..20 {
        p.on_attempt(addr(2), Duration::from_secs(5), Err(&closed));
    }
    let seen = firsts(&p, &c, 3);
    assert!(
        seen.contains(&addr(3)) && seen.contains(&addr(2)),
        "{seen:?}"
    );
    assert_eq!(p.average(addr(2)), None);
}

#[test]
fn sub_millisecond_differences_move_no_node_unless_asked() {
    let c = cluster();
    let feed = |p: &LatencyAwarePolicy<RoundRobinPolicy>| {
        for _ in 0..10 {
            p.on_attempt(addr(1), Duration::from_micros(200), Ok(()));
            p.on_attempt(addr(2), Duration::from_micros(250), Ok(()));
            p.on_attempt(addr(3), Duration::from_micros(700), Ok(()));
        }
    };
    // 3.5 times the best, but 0.5 ms: noise on a busy host, not a slow node.
    let p = LatencyAwarePolicy::new(RoundRobinPolicy::new()).with_minimum_measurements(5);
    feed(&p);
    assert!(firsts(&p, &c, 6).contains(&addr(3)), "still takes its turn");
    // Without the floor the ratio alone decides.
    let p = LatencyAwarePolicy::new(RoundRobinPolicy::new())
        .with_minimum_measurements(5)
        .with_minimum_difference(Duration::ZERO);
    feed(&p);
    for _ in 0..6 {
        let plan = p.query_plan(&RequestInfo::default(), &c);
        assert_eq!(plan[2].address(), addr(3));
    }
}
