//! End to end: the reference Python scylla-driver (judge/reference.py) through an in-process
//! scylla-sim. Asserts that the driver sees a sharded node, holds one connection per shard,
//! and that none of its 10,000 token-aware EXECUTEs arrives on the wrong shard.
//!
//! `real_backend`: the sim in front of the real node of `CQL_TEST_HOSTS` (first entry,
//! default 127.0.0.1, port 9042), listening on 127.0.0.44. Credentials, if that node needs
//! them: `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD`.
//! `fake_backend`: the sim (127.0.0.45) in front of judge/fake_cassandra.py (127.0.0.47).
//! `two_fake_nodes`: two sim nodes (127.0.0.45/46, ports 9444/19444) in front of two fakes
//! (127.0.0.47/48) that report each other in system.peers_v2: the driver must find the
//! second node at the sim's address and port, and be shard aware on both.
//! All need `DRIVER_TEST_PYTHON`.

mod common;

use common::{Fake, json_number, python, run_reference, start_sim};

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
    let hosts = std::env::var("CQL_TEST_HOSTS").unwrap_or_else(|_| "127.0.0.1".into());
    let first = hosts.split(',').next().unwrap().trim().to_string();
    let backend = if first.contains(':') {
        first
    } else {
        format!("{first}:9042")
    };
    let (_rt, control) = start_sim(&format!("--backend {backend}=127.0.0.44"), "127.0.0.44");
    let result = run_reference("127.0.0.44", &control, &["--keyspace", "sim_reference"]);
    check(&result);
    assert!(
        result.contains("\"host_address\": \"127.0.0.44\""),
        "{result}"
    );
}

#[test]
fn fake_backend() {
    let _fake = Fake::start("127.0.0.47", 9043);
    let (_rt, control) = start_sim("--backend 127.0.0.47:9043=127.0.0.45", "127.0.0.45");
    let result = run_reference("127.0.0.45", &control, &["--no-ddl"]);
    check(&result);
    // The fake reports 127.0.0.47 in system.local: the driver sees the sim's address.
    assert!(
        result.contains("\"host_address\": \"127.0.0.45\""),
        "{result}"
    );
}

/// Negative control: with the driver's shard awareness disabled, the sim must see wrong-shard
/// arrivals (its counter is not trivially "right").
#[test]
fn fake_backend_shard_awareness_disabled() {
    let _fake = Fake::start("127.0.0.47", 9045);
    let flags = "--backend 127.0.0.47:9045=127.0.0.45 --port 9545 --shard-aware-port 19545";
    let (_rt, control) = start_sim(flags, "127.0.0.45");
    let args = ["--no-ddl", "--port", "9545", "--disable-shard-awareness"];
    let result = run_reference("127.0.0.45", &control, &args);
    assert_eq!(json_number(&result, "routed_requests"), 10_000, "{result}");
    assert!(json_number(&result, "wrong_shard") > 1_000, "{result}");
}

#[test]
fn two_fake_nodes() {
    let _a = Fake::start_with(
        "127.0.0.47",
        9044,
        &["--token", "0", "--peer", "127.0.0.48:4611686018427387904"],
    );
    let _b = Fake::start_with(
        "127.0.0.48",
        9044,
        &["--token", "4611686018427387904", "--peer", "127.0.0.47:0"],
    );
    let flags = "--backend 127.0.0.47:9044=127.0.0.45 --backend 127.0.0.48:9044=127.0.0.46 \
                 --port 9444 --shard-aware-port 19444";
    let (_rt, control) = start_sim(flags, "127.0.0.45");
    let result = run_reference("127.0.0.45", &control, &["--no-ddl", "--port", "9444"]);
    check(&result);
    assert!(
        result.contains("\"hosts\": [\"127.0.0.45:9444\", \"127.0.0.46:9444\"]"),
        "{result}"
    );
    assert_eq!(result.matches("\"connected\": 8").count(), 2, "{result}");
    for node in ["127.0.0.45", "127.0.0.46"] {
        let at = result
            .find(&format!("\"{node}\": {{\"requests_total\""))
            .expect(node);
        assert!(
            json_number(&result[at..], "requests_total") > 0,
            "{node}: {result}"
        );
        assert_eq!(
            json_number(&result[at..], "wrong_shard"),
            0,
            "{node}: {result}"
        );
    }
}
