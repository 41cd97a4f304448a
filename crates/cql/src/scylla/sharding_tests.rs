use super::*;

const MURMUR3: &str = "org.apache.cassandra.dht.Murmur3Partitioner";

fn supported(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
        .collect()
}

fn scylla(overrides: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    let mut m = supported(&[
        ("SCYLLA_SHARD", "3"),
        ("SCYLLA_NR_SHARDS", "8"),
        ("SCYLLA_PARTITIONER", MURMUR3),
        ("SCYLLA_SHARDING_ALGORITHM", BIASED_TOKEN_ROUND_ROBIN),
        ("SCYLLA_SHARDING_IGNORE_MSB", "12"),
        ("SCYLLA_SHARD_AWARE_PORT", "19042"),
        ("COMPRESSION", "lz4"),
    ]);
    for (k, v) in overrides {
        if v.is_empty() {
            m.remove(*k);
        } else {
            m.insert((*k).to_owned(), vec![(*v).to_owned()]);
        }
    }
    m
}

#[test]
fn cassandra_sends_no_sharding() {
    let m = supported(&[("COMPRESSION", "lz4"), ("CQL_VERSION", "3.4.7")]);
    assert_eq!(ShardInfo::from_supported(&m), Ok(None));
}

#[test]
fn a_scylla_node_is_read() {
    let info = ShardInfo::from_supported(&scylla(&[]))
        .expect("valid")
        .expect("sharded");
    assert_eq!(info.shard, 3);
    assert_eq!(info.sharding.nr_shards(), 8);
    assert_eq!(info.sharding.ignore_msb(), 12);
    assert_eq!(info.shard_aware_port, Some(19042));
    assert_eq!(info.shard_aware_port_ssl, None);
}

#[test]
fn nonsense_is_an_error_not_a_panic() {
    for (key, value) in [
        ("SCYLLA_NR_SHARDS", "0"),
        ("SCYLLA_NR_SHARDS", "-1"),
        ("SCYLLA_NR_SHARDS", "100000"),
        ("SCYLLA_NR_SHARDS", "4097"),
        ("SCYLLA_NR_SHARDS", "eight"),
        ("SCYLLA_NR_SHARDS", ""),
        ("SCYLLA_SHARDING_IGNORE_MSB", "64"),
        ("SCYLLA_SHARDING_IGNORE_MSB", "-3"),
        ("SCYLLA_SHARD", "8"),
        ("SCYLLA_SHARD", "-1"),
        ("SCYLLA_SHARD_AWARE_PORT", "0"),
        ("SCYLLA_SHARD_AWARE_PORT", "70000"),
    ] {
        let got = ShardInfo::from_supported(&scylla(&[(key, value)]));
        assert!(
            matches!(got, Err(ShardingError::Invalid { .. })),
            "{key}={value:?}: {got:?}"
        );
        let text = got.expect_err("invalid").to_string();
        assert!(text.contains(key), "{text}");
    }
    assert_eq!(
        ShardInfo::from_supported(&scylla(&[("SCYLLA_SHARDING_ALGORITHM", "modulo")])),
        Err(ShardingError::UnknownAlgorithm("modulo".into()))
    );
    assert!(matches!(
        ShardInfo::from_supported(&scylla(&[(
            "SCYLLA_PARTITIONER",
            "org.apache.cassandra.dht.RandomPartitioner"
        )])),
        Err(ShardingError::Partitioner(_))
    ));
    // No algorithm at all is not one this driver knows either.
    assert!(ShardInfo::from_supported(&scylla(&[("SCYLLA_SHARDING_ALGORITHM", "")])).is_err());
}

#[test]
fn shards_split_the_ring_in_order() {
    let s = Sharding::new(8, 0).expect("valid");
    // Without ignored bits, shard k owns the k-th eighth of the ring.
    assert_eq!(s.shard_of(Token(i64::MIN)), 0);
    assert_eq!(s.shard_of(Token(-1)), 3);
    assert_eq!(s.shard_of(Token(0)), 4);
    assert_eq!(s.shard_of(Token(i64::MAX)), 7);
    let one = Sharding::new(1, 12).expect("valid");
    for t in [i64::MIN, -5, 0, 17, i64::MAX] {
        assert_eq!(one.shard_of(Token(t)), 0);
    }
    let max = Sharding::new(MAX_SHARDS, 63).expect("valid");
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        assert!(max.shard_of(Token(x as i64)) < MAX_SHARDS);
    }
    assert!(Sharding::new(0, 12).is_none());
    assert!(Sharding::new(8, 64).is_none());
}

#[test]
fn local_ports_map_to_their_shard_and_stay_in_range() {
    let s = Sharding::new(8, 12).expect("valid");
    for shard in 0..8 {
        for seed in [0, 1, 7, 12_345, u64::MAX] {
            let ports: Vec<u16> = s.local_ports(shard, DEFAULT_LOCAL_PORTS, seed).collect();
            assert_eq!(ports.len(), 16384 / 8);
            assert!(ports.iter().all(|p| p % 8 == shard && *p >= 49152));
            let mut sorted = ports.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ports.len(), "each port once");
        }
    }
    // A range too small for the shard: no port.
    assert_eq!(s.local_ports(5, 50000..=50004, 3).count(), 0);
    assert_eq!(
        s.local_ports(5, 50000..=50005, 3).collect::<Vec<_>>(),
        [50005]
    );
    // Seeds spread the first port tried.
    let firsts: std::collections::HashSet<u16> = (0..50)
        .filter_map(|seed| s.local_ports(1, DEFAULT_LOCAL_PORTS, seed).next())
        .collect();
    assert!(firsts.len() > 40, "{}", firsts.len());
}
