//! Tablets mode judged by the reference Python scylla-driver (judge/tablets.py) through an
//! in-process scylla-sim in front of the real node of `CQL_TEST_HOSTS`.
//!
//! `reference_driver_learns_tablets`: after a 1,000-request warm-up in which the driver
//! learns the tablets from the `tablets-routing-v1` payloads, at least 99% of 10,000
//! token-aware EXECUTEs reach their tablet's replica shard. The negative controls: the
//! driver with RoundRobinPolicy and shard awareness off, and the driver that does not
//! negotiate `TABLETS_ROUTING_V1` (it follows the biased-token shard, which the tablet
//! placement deliberately differs from), both get far fewer hits. Listen addresses
//! 127.0.0.47 and 127.0.0.48. All need `DRIVER_TEST_PYTHON`.

mod common;

use common::{backend, json_number, python, run_result, start_sim};
use scylla_sim::tablets::TabletMap;

/// Starts a tablets-mode sim on `listen`:`port` and runs the judge with `extra` flags.
fn judge(listen: &str, port: u16, keyspace: &str, extra: &[&str]) -> String {
    let _ = python();
    let flags = format!(
        "--backend {}={listen} --port {port} --shard-aware-port {} --tablets {keyspace}",
        backend(),
        port + 10000
    );
    let (_rt, control) = start_sim(&flags, listen);
    let port = port.to_string();
    let mut args = vec![
        "--host",
        listen,
        "--port",
        &port,
        "--control",
        &control,
        "--keyspace",
        keyspace,
    ];
    args.extend_from_slice(extra);
    run_result("tablets.py", &args)
}

#[test]
fn reference_driver_learns_tablets() {
    let r = judge("127.0.0.47", 9042, "sim_tablets", &[]);
    assert!(r.contains("\"supports_tablet_routing\": true"), "{r}");
    assert_eq!(json_number(&r, "learned_tablets"), 16, "{r}");
    // The driver decoded exactly the sim's tablets: ranges, host id and shard.
    let host = r
        .split("\"host_id\": \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no host_id in {r}"));
    let map = TabletMap {
        count: 16,
        nodes: 1,
        shards: 8,
    };
    for t in 0..16 {
        let tablet = map.tablet(t);
        let want = format!(
            "[{}, {}, [[\"{host}\", {}]]]",
            tablet.first, tablet.last, tablet.shard
        );
        assert!(r.contains(&want), "tablet {t} not learned as {want}: {r}");
    }
    assert_eq!(json_number(&r, "routed_requests"), 10_000, "{r}");
    let hits = json_number(&r, "tablet_hits");
    assert_eq!(hits + json_number(&r, "tablet_misses"), 10_000, "{r}");
    assert!(hits >= 9_900, "fewer than 99% tablet hits: {r}");
    // The warm-up taught the driver: it started with misses.
    assert!(json_number(&r, "warmup_tablet_misses") > 0, "{r}");
    // The tablet shards differ from the biased-token shards: right_shard is no longer ~all.
    assert!(json_number(&r, "wrong_shard") > 5_000, "{r}");
}

#[test]
fn round_robin_without_shard_awareness_misses() {
    let r = judge(
        "127.0.0.48",
        9048,
        "sim_tablets_rr",
        &["--negative-control"],
    );
    assert_eq!(json_number(&r, "routed_requests"), 10_000, "{r}");
    assert!(json_number(&r, "tablet_hits") < 3_000, "{r}");
}

#[test]
fn driver_ignoring_tablets_misses() {
    let r = judge(
        "127.0.0.48",
        9148,
        "sim_tablets_vnodes",
        &["--ignore-tablets"],
    );
    assert!(r.contains("\"supports_tablet_routing\": false"), "{r}");
    assert_eq!(json_number(&r, "learned_tablets"), 0, "{r}");
    assert!(json_number(&r, "tablet_hits") < 3_000, "{r}");
    // It still routes perfectly by the vnode ring's shard: only tablets are missed.
    assert_eq!(json_number(&r, "right_shard"), 10_000, "{r}");
}
