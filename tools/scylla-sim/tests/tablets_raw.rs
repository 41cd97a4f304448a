//! Wire-level checks of tablets mode in front of the real node of `CQL_TEST_HOSTS` (login
//! with `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD`, default cassandra/cassandra): the sim on
//! 127.0.0.48 with ports 9248/19248. A raw client reads the host id from `system.local`,
//! prepares an INSERT into a tablet table and executes it for keys whose tablet lives on
//! another shard (a miss) and on the connection's shard (a hit). Only the miss of a client
//! that negotiated `TABLETS_ROUTING_V1` carries the payload, and the payload decodes to the
//! tablet's range and the (host id, shard) replica.

mod common;

use common::raw::Client;
use common::{backend, start_sim};
use scylla_sim::tablets::TabletMap;
use scylla_sim::token::murmur3_token;
use scylla_sim::wire::Reader;

const SIM: &str = "127.0.0.48";
const PORT: u16 = 9248;
const KEYSPACE: &str = "sim_tablets_raw";

/// A raw client on the sim, negotiating tablets when `tablets`.
fn connect(tablets: bool) -> Client {
    let startup: &[&str] = if tablets {
        &["TABLETS_ROUTING_V1"]
    } else {
        &[]
    };
    let c = Client::connect(SIM, PORT, startup);
    assert_eq!(c.supported("TABLETS_ROUTING_V1"), Some(vec![String::new()]));
    c
}

/// The host id in the first row of `SELECT host_id FROM system.local`.
fn host_id(c: &mut Client) -> [u8; 16] {
    let (_, _, body) = c.query("SELECT host_id FROM system.local");
    let mut r = Reader::new(&body);
    assert_eq!(r.i32(), Some(2));
    let flags = r.i32().unwrap();
    assert_eq!(r.i32(), Some(1));
    assert_eq!(flags & 1, 1, "global table spec expected");
    r.string().unwrap();
    r.string().unwrap();
    r.string().unwrap();
    r.u16().unwrap();
    assert_eq!(r.i32(), Some(1));
    r.bytes().unwrap().unwrap().try_into().unwrap()
}

/// A decoded tablet: (first token, last token, [(host id, shard)]).
type Decoded = (i64, i64, Vec<([u8; 16], i32)>);

/// The decoded `tablets-routing-v1` entry of a RESULT's custom payload, if any.
fn payload(flags: u8, body: &[u8]) -> Option<Decoded> {
    if flags & 0x04 == 0 {
        return None;
    }
    let mut r = Reader::new(body);
    let n = r.u16().unwrap();
    let mut found = None;
    for _ in 0..n {
        let k = r.string().unwrap();
        let v = r.bytes().unwrap().unwrap();
        if k == b"tablets-routing-v1" {
            found = Some(v);
        }
    }
    assert_eq!(
        r.i32(),
        Some(1),
        "the message follows the payload: RESULT Void"
    );
    let mut t = Reader::new(found?);
    let long = |b: &[u8]| i64::from_be_bytes(b.try_into().unwrap());
    let first = long(t.bytes().unwrap().unwrap());
    let last = long(t.bytes().unwrap().unwrap());
    let mut l = Reader::new(t.bytes().unwrap().unwrap());
    assert!(t.rest().is_empty());
    let mut replicas = Vec::new();
    for _ in 0..l.i32().unwrap() {
        let mut e = Reader::new(l.bytes().unwrap().unwrap());
        let host = e.bytes().unwrap().unwrap().try_into().unwrap();
        let shard = i32::from_be_bytes(e.bytes().unwrap().unwrap().try_into().unwrap());
        replicas.push((host, shard));
    }
    Some((first, last, replicas))
}

/// A key whose tablet is (`on_shard`) or is not on `shard`.
fn key(map: &TabletMap, shard: u32, on_shard: bool) -> i64 {
    (1i64..)
        .find(|k| (map.tablet_of(murmur3_token(&k.to_be_bytes())).shard == shard) == on_shard)
        .unwrap()
}

#[test]
fn payload_on_misses_of_negotiating_clients_only() {
    let flags = format!(
        "--backend {}={SIM} --port {PORT} --shard-aware-port 19248 --tablets {KEYSPACE}",
        backend()
    );
    let (_rt, _control) = start_sim(&flags, SIM);
    let map = TabletMap {
        count: 16,
        nodes: 1,
        shards: 8,
    };
    let mut c = connect(true);
    let host = host_id(&mut c);
    c.query(&format!(
        "CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} WITH replication = \
         {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    ));
    c.query(&format!(
        "CREATE TABLE IF NOT EXISTS {KEYSPACE}.kv (k bigint PRIMARY KEY, v text)"
    ));
    let id = c.prepare(&format!("INSERT INTO {KEYSPACE}.kv (k, v) VALUES (?, ?)"));

    // A miss: the payload names the key's tablet and its replica.
    let miss = key(&map, c.shard, false);
    let (flags, _, body) = c.execute(&id, miss);
    let tablet = map.tablet_of(murmur3_token(&miss.to_be_bytes()));
    assert_eq!(
        payload(flags, &body),
        Some((tablet.first, tablet.last, vec![(host, tablet.shard as i32)]))
    );
    // A hit: no payload.
    let (flags, _, body) = c.execute(&id, key(&map, c.shard, true));
    assert_eq!(payload(flags, &body), None);

    // A client that did not negotiate the extension never gets it.
    let mut plain = connect(false);
    let (flags, _, body) = plain.execute(&id, key(&map, plain.shard, false));
    assert_eq!(payload(flags, &body), None);
}
