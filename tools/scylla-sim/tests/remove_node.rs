//! The simulated removal of a virtual node, on the wire, in front of the real node of
//! `CQL_TEST_HOSTS` (login with `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD`, default
//! cassandra/cassandra). One sim with two virtual nodes, 127.0.0.47 and 127.0.0.48 (ports
//! 9347/19347), both in front of the same real node, in tablets mode (keyspace `sim_remove`,
//! 7 shards so that node 0 owns a tablet on every shard). Both virtual nodes report the same
//! host id, so no driver sees them as a faithful cluster; raw clients check what the removal
//! changes on the wire: the REMOVED_NODE event to every client that registered for topology
//! events, the connections to the removed node closed and new ones refused, and the tablet
//! that lived on the removed node now served by the other one (a miss with a payload before,
//! a hit after). The peers filter needs a backend with peers: it is unit-tested
//! (`addresses::tests`).

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::raw::Client;
use common::{backend, start_sim};
use scylla_sim::tablets::TabletMap;
use scylla_sim::token::murmur3_token;
use scylla_sim::topology::removed_node_event;
use scylla_sim::wire::{Reader, put_u16};

const REMOVED: &str = "127.0.0.47";
const KEPT: &str = "127.0.0.48";
const PORT: u16 = 9347;
const KEYSPACE: &str = "sim_remove";

/// A raw client on `host` that negotiates tablets.
fn connect(host: &str) -> Client {
    Client::connect(host, PORT, &["TABLETS_ROUTING_V1"])
}

/// REGISTER for topology and status events (answered READY).
fn register(c: &mut Client) {
    let mut b = Vec::new();
    put_u16(&mut b, 2);
    for t in ["TOPOLOGY_CHANGE", "STATUS_CHANGE"] {
        put_u16(&mut b, t.len() as u16);
        b.extend_from_slice(t.as_bytes());
    }
    assert_eq!(c.request(0x0B, &b).1, 0x02, "REGISTER: READY expected");
}

/// Executes the INSERT for key `k`; true if the RESULT carries a custom payload with the
/// `tablets-routing-v1` key.
fn execute_has_payload(c: &mut Client, id: &[u8], k: i64) -> bool {
    let (flags, _, body) = c.execute(id, k);
    if flags & 0x04 == 0 {
        return false;
    }
    let mut r = Reader::new(&body);
    (0..r.u16().unwrap()).any(|_| {
        let k = r.string().unwrap();
        r.bytes().unwrap();
        k == b"tablets-routing-v1"
    })
}

/// One control command as a line; the answer line.
fn control(addr: &str, line: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("{line}\n").as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Whether a new connection to `port` of the removed node is closed without an answer.
fn refused(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect((REMOVED, port)) else {
        return true;
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // OPTIONS: a live node answers SUPPORTED.
    let _ = s.write_all(&[4, 0, 0, 1, 0x05, 0, 0, 0, 0]);
    let mut b = [0u8; 9];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}

#[test]
fn removed_node_event_close_refuse_and_tablets_move() {
    let flags = format!(
        "--backend {b}={REMOVED} --backend {b}={KEPT} --port {PORT} --shard-aware-port 19347 \
         --shards 7 --tablets {KEYSPACE}",
        b = backend()
    );
    let (_rt, ctl) = start_sim(&flags, KEPT);
    let map = TabletMap {
        count: 16,
        nodes: 2,
        shards: 7,
    };

    // `kept` on the node that stays, `gone` and `quiet` on the node to remove; `kept` and
    // `gone` register for topology events, `quiet` does not.
    let mut kept = connect(KEPT);
    register(&mut kept);
    let mut gone = connect(REMOVED);
    register(&mut gone);
    let mut quiet = connect(REMOVED);
    // Host ids: each node's system.local passes through the sim.
    kept.query("SELECT host_id FROM system.local");
    gone.query("SELECT host_id FROM system.local");
    kept.query(&format!(
        "CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} WITH replication = \
         {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    ));
    kept.query(&format!(
        "CREATE TABLE IF NOT EXISTS {KEYSPACE}.kv (k bigint PRIMARY KEY, v text)"
    ));
    let id = kept.prepare(&format!("INSERT INTO {KEYSPACE}.kv (k, v) VALUES (?, ?)"));

    // A key whose tablet lives on the node to remove, on the shard of `kept`'s connection.
    let k = (1i64..100_000)
        .find(|k| {
            let t = map.tablet_of(murmur3_token(&k.to_be_bytes()));
            t.node == 0 && t.shard == kept.shard
        })
        .expect("node 0 has a tablet on every shard");
    assert!(
        execute_has_payload(&mut kept, &id, k),
        "a miss before the removal"
    );

    let answer = control(&ctl, &format!("remove {REMOVED}"));
    assert_eq!(
        answer.trim(),
        format!("{{\"removed\":\"{REMOVED}\",\"events\":2,\"closed\":2}}")
    );

    // Every registered client gets the event once, naming the removed node's address and
    // the sim's port; the removed node's connections are then closed.
    let want = removed_node_event(REMOVED.parse().unwrap(), PORT);
    assert!(gone.until_closed(), "connection to the removed node closed");
    assert_eq!(gone.events, vec![want.clone()]);
    assert!(
        quiet.until_closed(),
        "connection to the removed node closed"
    );
    assert!(quiet.events.is_empty(), "not registered: no event");
    // The tablet moved to the node that stays, same shard: now a hit, no payload.
    assert!(
        !execute_has_payload(&mut kept, &id, k),
        "a hit after the removal"
    );
    assert_eq!(kept.events, vec![want.clone()]);

    // New connections to the removed node (both ports) are refused.
    assert!(refused(PORT), "regular port");
    assert!(refused(19347), "shard-aware port");

    // Removing it again does nothing: no second event.
    let again = control(&ctl, &format!("GET /remove/{REMOVED} HTTP/1.0\r\n"));
    assert!(
        again.contains(&format!("{{\"removed\":\"{REMOVED}\",\"already\":true}}")),
        "{again}"
    );
    assert!(control(&ctl, "remove 10.1.2.3").contains("\"error\""));
    assert!(control(&ctl, "remove nonsense").contains("\"error\""));
    kept.query("SELECT host_id FROM system.local");
    assert_eq!(kept.events, vec![want]);
    let stats = control(&ctl, "stats");
    assert!(
        stats.contains("\"tablet_hits\":1,\"tablet_misses\":1"),
        "{stats}"
    );
    assert!(
        stats
            .trim()
            .ends_with(&format!(",\"removed_nodes\":[\"{REMOVED}\"]}}")),
        "{stats}"
    );
}

/// The reference Python driver's reaction (judge/remove_node.py): one virtual node
/// (127.0.0.47, ports 9447/19447) in tablets mode; after the driver learned tablets, the
/// node is removed: the REMOVED_NODE event makes the driver drop the host and the tablets
/// naming it, and a new Cluster cannot connect. Needs `DRIVER_TEST_PYTHON`.
#[test]
fn reference_driver_drops_the_removed_host_and_its_tablets() {
    let flags = format!(
        "--backend {}={REMOVED} --port 9447 --shard-aware-port 19447 --tablets sim_remove_driver",
        backend()
    );
    let (_rt, ctl) = start_sim(&flags, REMOVED);
    let args = [
        "--host",
        REMOVED,
        "--port",
        "9447",
        "--control",
        &ctl,
        "--keyspace",
        "sim_remove_driver",
    ];
    let r = common::run_result("remove_node.py", &args);
    assert!(
        r.contains(&format!("\"hosts_before\": [\"{REMOVED}:9447\"]")),
        "{r}"
    );
    assert_eq!(common::json_number(&r, "tablets_before"), 16, "{r}");
    assert!(r.contains("\"events\": 1"), "{r}");
    assert!(r.contains("\"hosts_after\": []"), "{r}");
    assert_eq!(common::json_number(&r, "tablets_after"), 0, "{r}");
    assert!(r.contains("\"reconnect\": \"no_host_available\""), "{r}");
}
