//! End to end: the reference Python scylla-driver (judge/reference.py) through an in-process
//! scylla-sim. Asserts that the driver sees a sharded node, holds one connection per shard,
//! and that none of its 10,000 token-aware EXECUTEs arrives on the wrong shard.
//!
//! `real_backend`: the sim in front of the real node of `CQL_TEST_HOSTS` (first entry,
//! default 127.0.0.1, port 9042), listening on 127.0.0.44. Credentials, if that node needs
//! them: `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD`.
//! `fake_backend`: the sim (127.0.0.45) in front of judge/fake_cassandra.py (127.0.0.47).
//! Both need `DRIVER_TEST_PYTHON`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{json_number, judge, python, run_reference};
use scylla_sim::config::Config;

fn start_sim(backend: &str, listen: &str) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let args = format!("--backend {backend}={listen} --control {listen}:0");
    let cfg = Config::parse(args.split_whitespace().map(String::from)).unwrap();
    let sim = rt
        .block_on(scylla_sim::server::start(cfg))
        .expect("sim cannot listen");
    (rt, sim.control.unwrap().to_string())
}

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
    let mut fake = Command::new(python())
        .arg(judge("fake_cassandra.py"))
        .args(["127.0.0.47", "9043"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot start fake_cassandra.py");
    let mut line = String::new();
    BufReader::new(fake.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "fake_cassandra.py: {line}");
    let (_rt, control) = start_sim("127.0.0.47:9043", "127.0.0.45");
    let result = run_reference("127.0.0.45", &control, &["--no-ddl"]);
    let _ = fake.kill();
    let _ = fake.wait();
    check(&result);
    // The fake reports 127.0.0.47 in system.local: the driver sees the sim's address.
    assert!(
        result.contains("\"host_address\": \"127.0.0.45\""),
        "{result}"
    );
}
