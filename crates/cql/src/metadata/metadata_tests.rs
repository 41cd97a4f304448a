use super::*;

fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, i], 9042))
}

fn host(i: u8, dc: &str, rack: &str, tokens: &[i64]) -> Arc<Host> {
    Arc::new(
        Host::new(addr(i))
            .with_datacenter(dc)
            .with_rack(rack)
            .with_tokens(tokens.iter().map(|&t| Token(t)).collect()),
    )
}

fn ks(name: &str, strategy: ReplicationStrategy) -> (String, KeyspaceMetadata) {
    (name.to_owned(), KeyspaceMetadata::new(name, true, strategy))
}

fn addrs(hosts: &[Arc<Host>]) -> Vec<u8> {
    hosts
        .iter()
        .map(|h| match h.address().ip() {
            std::net::IpAddr::V4(v4) => v4.octets()[3],
            std::net::IpAddr::V6(_) => 0,
        })
        .collect()
}

fn nts(pairs: &[(&str, usize)]) -> ReplicationStrategy {
    ReplicationStrategy::NetworkTopology {
        datacenters: pairs.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect(),
    }
}

#[test]
fn owner_is_the_first_token_clockwise_and_wraps() {
    let hosts = vec![
        host(1, "dc1", "r1", &[-100]),
        host(2, "dc1", "r1", &[0]),
        host(3, "dc1", "r1", &[100]),
    ];
    let m = ClusterMetadata::new(None, None, hosts, HashMap::new(), None);
    let owner = |t: i64| addrs(&[Arc::clone(m.token_owner(Token(t)).expect("owner"))])[0];
    assert_eq!(
        owner(-100),
        1,
        "a token equal to a node's token is that node's"
    );
    assert_eq!(owner(-99), 2);
    assert_eq!(owner(0), 2);
    assert_eq!(owner(1), 3);
    assert_eq!(owner(100), 3);
    assert_eq!(owner(101), 1, "past the last token wraps to the first");
    assert_eq!(owner(i64::MIN + 1), 1);
}

#[test]
fn simple_strategy_takes_distinct_hosts_clockwise() {
    // Two vnodes each: ring is 1(-200) 2(-100) 1(0) 3(100) 2(200).
    let hosts = vec![
        host(1, "dc1", "r1", &[-200, 0]),
        host(2, "dc1", "r1", &[-100, 200]),
        host(3, "dc1", "r1", &[100]),
    ];
    let keyspaces = [
        ks(
            "rf2",
            ReplicationStrategy::Simple {
                replication_factor: 2,
            },
        ),
        ks(
            "rf5",
            ReplicationStrategy::Simple {
                replication_factor: 5,
            },
        ),
        ks("local", ReplicationStrategy::Local),
    ]
    .into_iter()
    .collect();
    let m = ClusterMetadata::new(None, None, hosts, keyspaces, None);
    assert_eq!(addrs(&m.replicas("rf2", Token(-150))), [2, 1]);
    assert_eq!(addrs(&m.replicas("rf2", Token(150))), [2, 1]);
    assert_eq!(addrs(&m.replicas("rf2", Token(50))), [3, 2]);
    assert_eq!(
        addrs(&m.replicas("rf5", Token(-250))),
        [1, 2, 3],
        "RF above the node count: every node once"
    );
    assert!(m.replicas("local", Token(0)).is_empty());
    assert!(m.replicas("unknown", Token(0)).is_empty());
}

#[test]
fn network_topology_counts_per_dc_and_spreads_over_racks() {
    // dc1: 1(r1) 2(r1) 3(r2); dc2: 4(r1) 5(r1). Ring order by token: 1 2 4 3 5.
    let hosts = vec![
        host(1, "dc1", "r1", &[0]),
        host(2, "dc1", "r1", &[10]),
        host(3, "dc1", "r2", &[30]),
        host(4, "dc2", "r1", &[20]),
        host(5, "dc2", "r1", &[40]),
    ];
    let keyspaces = [
        ks("a", nts(&[("dc1", 2), ("dc2", 1)])),
        ks("b", nts(&[("dc1", 3)])),
        ks("c", nts(&[("dc2", 5), ("dc9", 2)])),
    ]
    .into_iter()
    .collect();
    let m = ClusterMetadata::new(None, None, hosts, keyspaces, None);
    // From 1: dc1 takes 1 (r1), skips 2 (r1 already used), takes 3 (r2); dc2 takes 4.
    assert_eq!(addrs(&m.replicas("a", Token(0))), [1, 4, 3]);
    // From 2: 2 (r1), 4 (dc2), 3 (r2).
    assert_eq!(addrs(&m.replicas("a", Token(5))), [2, 4, 3]);
    // RF 3 in dc1: after both racks are used, the skipped host 2 fills the third place.
    assert_eq!(addrs(&m.replicas("b", Token(0))), [1, 3, 2]);
    // RF above the DC's size; a DC without nodes is ignored.
    assert_eq!(addrs(&m.replicas("c", Token(15))), [4, 5]);
}

#[test]
fn replication_options_parse_into_strategies() {
    let opts = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        ReplicationStrategy::from_options(&opts(&[
            ("class", "org.apache.cassandra.locator.SimpleStrategy"),
            ("replication_factor", "3"),
        ])),
        ReplicationStrategy::Simple {
            replication_factor: 3
        }
    );
    assert_eq!(
        ReplicationStrategy::from_options(&opts(&[
            (
                "class",
                "org.apache.cassandra.locator.NetworkTopologyStrategy"
            ),
            ("dc1", "3/1"),
            ("dc2", "2"),
        ])),
        nts(&[("dc1", 3), ("dc2", 2)])
    );
    assert_eq!(
        ReplicationStrategy::from_options(&opts(&[(
            "class",
            "org.apache.cassandra.locator.LocalStrategy"
        )])),
        ReplicationStrategy::Local
    );
    assert!(matches!(
        ReplicationStrategy::from_options(&opts(&[
            ("class", "SimpleStrategy"),
            ("replication_factor", "many"),
        ])),
        ReplicationStrategy::Other { .. }
    ));
}
