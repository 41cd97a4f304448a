//! End to end: the reference Python scylla-driver (judge/reference.py) through an in-process
//! scylla-sim. Asserts that the driver sees a sharded node, holds one connection per shard,
//! and that none of its 10,000 token-aware EXECUTEs arrives on the wrong shard.
//!
//! `real_backend`: the sim (127.0.0.44) in front of the real node of `CQL_TEST_HOSTS` (first
//! entry, default 127.0.0.1, port 9042). `shard_awareness_disabled_is_seen`: the negative
//! control, the driver with shard awareness off. Credentials: `SIM_CQL_USERNAME` /
//! `SIM_CQL_PASSWORD` (default the test cluster's cassandra/cassandra). Several nodes are
//! tested by the driver's own suite against the 3-node cluster. All need `DRIVER_TEST_PYTHON`.

mod common;

use common::{backend, json_number, python, run_reference, start_sim};

fn check(result: &str) {
    assert!(result.contains("\"is_shard_aware\": true"), "{result}");
    assert_eq!(json_number(result, "shards_count"), 8, "{result}");
    assert_eq!(
        json_number(result, "connected"),
        8,
        "one pool connection per shard: {result}"
    );
    assert_eq!(json_number(result, "host_shards_count"), 8);
    assert_eq!(json_number(result, "routed_requests"), 10_000, "{result}");
    assert_eq!(json_number(result, "right_shard"), 10_000, "{result}");
    assert_eq!(json_number(result, "wrong_shard"), 0, "{result}");
    for shard in 0..8 {
        let c = format!("\"shard\": {shard}, ");
        assert!(
            result.contains(&c),
            "no open connection on shard {shard}: {result}"
        );
    }
}

#[test]
fn real_backend() {
    let _ = python();
    let (_rt, control) = start_sim(&format!("--backend {}=127.0.0.44", backend()), "127.0.0.44");
    let result = run_reference("127.0.0.44", &control, &["--keyspace", "sim_reference"]);
    check(&result);
    // The node reports its own address in system.local: the driver sees the sim's.
    assert!(
        result.contains("\"host_address\": \"127.0.0.44\""),
        "{result}"
    );
}

/// Negative control: with the driver's shard awareness disabled, the sim must see wrong-shard
/// arrivals (its counter is not trivially "right").
#[test]
fn shard_awareness_disabled_is_seen() {
    let flags = format!(
        "--backend {}=127.0.0.45 --port 9545 --shard-aware-port 19545",
        backend()
    );
    let (_rt, control) = start_sim(&flags, "127.0.0.45");
    let args = [
        "--keyspace",
        "sim_reference_off",
        "--port",
        "9545",
        "--disable-shard-awareness",
    ];
    let result = run_reference("127.0.0.45", &control, &args);
    assert_eq!(json_number(&result, "routed_requests"), 10_000, "{result}");
    assert!(json_number(&result, "wrong_shard") > 1_000, "{result}");
}
