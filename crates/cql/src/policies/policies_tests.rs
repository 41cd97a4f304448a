use std::collections::HashMap;

use super::*;
use crate::metadata::{KeyspaceMetadata, ReplicationStrategy};

fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, i], 9042))
}

/// dc1: 1, 2, 3 (tokens 0, 100, 200); dc2: 4, 5 (tokens 50, 150). Keyspace `ks`: RF 1 in dc1.
fn cluster() -> ClusterMetadata {
    let h = |i: u8, dc: &str, t: i64| {
        Arc::new(
            Host::new(addr(i))
                .with_datacenter(dc)
                .with_rack("r1")
                .with_tokens(vec![Token(t)]),
        )
    };
    let hosts = vec![
        h(1, "dc1", 0),
        h(2, "dc1", 100),
        h(3, "dc1", 200),
        h(4, "dc2", 50),
        h(5, "dc2", 150),
    ];
    let ks = KeyspaceMetadata::new(
        "ks",
        true,
        ReplicationStrategy::NetworkTopology {
            datacenters: [("dc1".to_owned(), 1)].into_iter().collect(),
        },
    );
    ClusterMetadata::new(
        None,
        None,
        hosts,
        HashMap::from([("ks".to_owned(), ks)]),
        Some("dc1".into()),
    )
}

fn last_octets(plan: &[Arc<Host>]) -> Vec<u8> {
    plan.iter()
        .map(|h| match h.address().ip() {
            std::net::IpAddr::V4(v4) => v4.octets()[3],
            std::net::IpAddr::V6(_) => 0,
        })
        .collect()
}

#[test]
fn round_robin_rotates_over_up_hosts() {
    let c = cluster();
    let p = RoundRobinPolicy::new();
    let info = RequestInfo::default();
    assert_eq!(last_octets(&p.query_plan(&info, &c)), [1, 2, 3, 4, 5]);
    assert_eq!(last_octets(&p.query_plan(&info, &c)), [2, 3, 4, 5, 1]);
    c.hosts()[2].set_up(false);
    assert_eq!(last_octets(&p.query_plan(&info, &c)), [4, 5, 1, 2]);
}

#[test]
fn dc_aware_prefers_the_local_dc_and_limits_remote_hosts() {
    let c = cluster();
    let info = RequestInfo::default();
    let local_only = DcAwareRoundRobinPolicy::new(None, 0);
    assert_eq!(last_octets(&local_only.query_plan(&info, &c)), [1, 2, 3]);
    assert_eq!(last_octets(&local_only.query_plan(&info, &c)), [2, 3, 1]);
    assert_eq!(
        local_only.distance(&c.hosts()[3], &c),
        HostDistance::Ignored
    );
    let one_remote = DcAwareRoundRobinPolicy::new(Some("dc2".into()), 1);
    assert_eq!(last_octets(&one_remote.query_plan(&info, &c)), [4, 5, 1]);
    assert_eq!(one_remote.distance(&c.hosts()[0], &c), HostDistance::Remote);
    assert_eq!(
        one_remote.distance(&c.hosts()[1], &c),
        HostDistance::Ignored
    );
}

#[test]
fn token_aware_puts_the_live_local_replica_first() {
    let c = cluster();
    let p = TokenAwarePolicy::new(DcAwareRoundRobinPolicy::new(None, 0));
    // Token 120 belongs to node 3 (first dc1 token clockwise is 200).
    let info = RequestInfo::new(Some("ks"), Some(Token(120)));
    for _ in 0..3 {
        let plan = last_octets(&p.query_plan(&info, &c));
        assert_eq!(plan[0], 3, "{plan:?}");
        assert_eq!(plan.len(), 3, "no duplicates: {plan:?}");
    }
    // Without a token or with an unknown keyspace: the child's order.
    let plain = last_octets(&p.query_plan(&RequestInfo::new(Some("other"), Some(Token(120))), &c));
    assert_eq!(plain.len(), 3);
    // A replica that is down is not first.
    c.hosts()[2].set_up(false);
    let plan = last_octets(&p.query_plan(&info, &c));
    assert!(!plan.contains(&3), "{plan:?}");
}

#[test]
fn white_list_ignores_other_hosts() {
    let c = cluster();
    let p = WhiteListPolicy::new(RoundRobinPolicy::new(), [addr(2), addr(5)]);
    assert_eq!(
        last_octets(&p.query_plan(&RequestInfo::default(), &c)),
        [2, 5]
    );
    assert_eq!(p.distance(&c.hosts()[0], &c), HostDistance::Ignored);
    assert_eq!(p.distance(&c.hosts()[1], &c), HostDistance::Local);
}

#[test]
fn reconnection_delays() {
    let c = ConstantReconnectionPolicy::new(Duration::from_millis(250));
    assert_eq!(c.delay(1), Duration::from_millis(250));
    assert_eq!(c.delay(40), Duration::from_millis(250));
    let e = ExponentialReconnectionPolicy::new(Duration::from_secs(1), Duration::from_secs(10));
    let within = |d: Duration, lo: u64| {
        d >= Duration::from_millis(lo) && d <= Duration::from_millis(lo * 115 / 100 + 1)
    };
    assert!(within(e.delay(1), 1000), "{:?}", e.delay(1));
    assert!(within(e.delay(2), 2000), "{:?}", e.delay(2));
    assert!(within(e.delay(4), 8000), "{:?}", e.delay(4));
    assert!(within(e.delay(5), 10_000), "{:?}", e.delay(5));
    assert!(within(e.delay(u32::MAX), 10_000));
}

#[test]
fn token_aware_shuffling_spreads_requests_over_the_replicas() {
    let hosts: Vec<_> = (1..=3u8)
        .map(|i| {
            Arc::new(
                Host::new(addr(i))
                    .with_datacenter("dc1")
                    .with_rack("r1")
                    .with_tokens(vec![Token(i64::from(i) * 100)]),
            )
        })
        .collect();
    let ks = KeyspaceMetadata::new(
        "ks2",
        true,
        ReplicationStrategy::NetworkTopology {
            datacenters: [("dc1".to_owned(), 2)].into_iter().collect(),
        },
    );
    let c = ClusterMetadata::new(
        None,
        None,
        hosts,
        HashMap::from([("ks2".to_owned(), ks)]),
        Some("dc1".into()),
    );
    // Token 150: replicas are node 2 (token 200) then node 3 (token 300).
    let info = RequestInfo::new(Some("ks2"), Some(Token(150)));
    let fixed = TokenAwarePolicy::new(RoundRobinPolicy::new());
    for _ in 0..4 {
        let plan = last_octets(&fixed.query_plan(&info, &c));
        assert_eq!(&plan[..2], [2, 3], "{plan:?}");
        assert_eq!(plan.len(), 3);
    }
    let shuffled = TokenAwarePolicy::new(RoundRobinPolicy::new()).with_shuffle_replicas(true);
    let mut firsts = Vec::new();
    for _ in 0..4 {
        let plan = last_octets(&shuffled.query_plan(&info, &c));
        let mut head = plan[..2].to_vec();
        head.sort_unstable();
        assert_eq!(head, [2, 3], "replicas still first: {plan:?}");
        assert_eq!(plan.len(), 3, "no duplicates: {plan:?}");
        firsts.push(plan[0]);
    }
    assert_eq!(firsts, [2, 3, 2, 3]);
    // Conditional statements keep the replicas' order even when shuffling (Paxos rounds on
    // one partition queue up at the primary replica instead of contending), and do not
    // disturb the rotation of the others.
    let lwt = info.with_lwt(true);
    for _ in 0..4 {
        let plan = last_octets(&shuffled.query_plan(&lwt, &c));
        assert_eq!(&plan[..2], [2, 3], "{plan:?}");
        assert_eq!(plan.len(), 3);
    }
    let next: Vec<u8> = (0..2)
        .map(|_| last_octets(&shuffled.query_plan(&info, &c))[0])
        .collect();
    assert_eq!(next, [2, 3]);
}
