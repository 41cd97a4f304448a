//! Wire-level checks of tablets mode in front of the real node of `CQL_TEST_HOSTS` (login
//! with `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD`, default cassandra/cassandra): the sim on
//! 127.0.0.48 with ports 9248/19248. A raw client reads the host id from `system.local`,
//! prepares an INSERT into a tablet table and executes it for keys whose tablet lives on
//! another shard (a miss) and on the connection's shard (a hit). Only the miss of a client
//! that negotiated `TABLETS_ROUTING_V1` carries the payload, and the payload decodes to the
//! tablet's range and the (host id, shard) replica.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{backend, start_sim};
use scylla_sim::tablets::TabletMap;
use scylla_sim::token::murmur3_token;
use scylla_sim::wire::{Reader, put_bytes, put_i32, put_string_map, put_u16};

const SIM: &str = "127.0.0.48";
const PORT: u16 = 9248;
const KEYSPACE: &str = "sim_tablets_raw";

/// A response: (header flags, opcode, body).
type Response = (u8, u8, Vec<u8>);

struct Client {
    s: TcpStream,
    shard: u32,
}

impl Client {
    fn request(&mut self, opcode: u8, body: &[u8]) -> Response {
        let mut f = vec![4, 0, 0, 1, opcode];
        f.extend_from_slice(&(body.len() as u32).to_be_bytes());
        f.extend_from_slice(body);
        self.s.write_all(&f).unwrap();
        loop {
            let mut h = [0u8; 9];
            self.s.read_exact(&mut h).unwrap();
            let n = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) as usize;
            let mut b = vec![0u8; n];
            self.s.read_exact(&mut b).unwrap();
            if i16::from_be_bytes([h[2], h[3]]) == 1 {
                return (h[1], h[4], b);
            }
        }
    }

    /// Connects, reads SUPPORTED, starts up (negotiating tablets if asked) and logs in.
    fn connect(tablets: bool) -> Client {
        let s = TcpStream::connect((SIM, PORT)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut c = Client { s, shard: 0 };
        let (_, op, body) = c.request(0x05, &[]);
        assert_eq!(op, 0x06);
        let m = Reader::new(&body).string_multimap().unwrap();
        let get = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("TABLETS_ROUTING_V1"), Some(vec![String::new()]));
        c.shard = get("SCYLLA_SHARD").unwrap()[0].parse().unwrap();
        let mut opts = vec![("CQL_VERSION".to_string(), "3.0.0".to_string())];
        if tablets {
            opts.push(("TABLETS_ROUTING_V1".into(), String::new()));
        }
        let mut b = Vec::new();
        put_string_map(&mut b, &opts);
        let (_, op, _) = c.request(0x01, &b);
        if op == 0x03 {
            let user = std::env::var("SIM_CQL_USERNAME").unwrap_or_else(|_| "cassandra".into());
            let pw = std::env::var("SIM_CQL_PASSWORD").unwrap_or_else(|_| "cassandra".into());
            let token = format!("\0{user}\0{pw}");
            let mut b = Vec::new();
            put_bytes(&mut b, Some(token.as_bytes()));
            let (_, op, body) = c.request(0x0F, &b);
            assert_eq!(op, 0x10, "login failed: {}", String::from_utf8_lossy(&body));
        } else {
            assert_eq!(op, 0x02, "READY expected");
        }
        c
    }

    fn query(&mut self, q: &str) -> Response {
        let mut b = Vec::new();
        put_i32(&mut b, q.len() as i32);
        b.extend_from_slice(q.as_bytes());
        put_u16(&mut b, 0x0001);
        b.push(0);
        let r = self.request(0x07, &b);
        assert_eq!(r.1, 0x08, "{q}: {}", String::from_utf8_lossy(&r.2));
        r
    }

    /// The statement id of a PREPARE.
    fn prepare(&mut self, q: &str) -> Vec<u8> {
        let mut b = Vec::new();
        put_i32(&mut b, q.len() as i32);
        b.extend_from_slice(q.as_bytes());
        let (_, op, body) = self.request(0x09, &b);
        assert_eq!(op, 0x08, "{}", String::from_utf8_lossy(&body));
        let mut r = Reader::new(&body);
        assert_eq!(r.i32(), Some(4));
        r.short_bytes().unwrap().to_vec()
    }

    fn execute(&mut self, id: &[u8], k: i64) -> Response {
        let mut b = Vec::new();
        put_u16(&mut b, id.len() as u16);
        b.extend_from_slice(id);
        put_u16(&mut b, 0x0001);
        b.push(0x01);
        put_u16(&mut b, 2);
        put_bytes(&mut b, Some(&k.to_be_bytes()));
        put_bytes(&mut b, Some(b"v"));
        let r = self.request(0x0A, &b);
        assert_eq!(r.1, 0x08, "{}", String::from_utf8_lossy(&r.2));
        r
    }
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
    let mut c = Client::connect(true);
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
    let mut plain = Client::connect(false);
    let (flags, _, body) = plain.execute(&id, key(&map, plain.shard, false));
    assert_eq!(payload(flags, &body), None);
}
