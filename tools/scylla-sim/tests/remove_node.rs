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

use common::{backend, start_sim};
use scylla_sim::tablets::TabletMap;
use scylla_sim::token::murmur3_token;
use scylla_sim::topology::removed_node_event;
use scylla_sim::wire::{Reader, put_bytes, put_i32, put_string_map, put_u16};

const REMOVED: &str = "127.0.0.47";
const KEPT: &str = "127.0.0.48";
const PORT: u16 = 9347;
const KEYSPACE: &str = "sim_remove";

/// A frame from the sim: (stream, header flags, opcode, body).
type Response = (i16, u8, u8, Vec<u8>);

struct Client {
    s: TcpStream,
    shard: u32,
    /// The EVENT frames (stream -1) read so far.
    events: Vec<Vec<u8>>,
}

impl Client {
    fn read(&mut self) -> std::io::Result<Response> {
        let mut h = [0u8; 9];
        self.s.read_exact(&mut h)?;
        let n = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) as usize;
        let mut b = vec![0u8; n];
        self.s.read_exact(&mut b)?;
        Ok((i16::from_be_bytes([h[2], h[3]]), h[1], h[4], b))
    }

    /// Sends a request on stream 1 and returns its response (events met are kept).
    fn request(&mut self, opcode: u8, body: &[u8]) -> (u8, u8, Vec<u8>) {
        let mut f = vec![4, 0, 0, 1, opcode];
        f.extend_from_slice(&(body.len() as u32).to_be_bytes());
        f.extend_from_slice(body);
        self.s.write_all(&f).unwrap();
        loop {
            let (stream, flags, op, b) = self.read().unwrap();
            match stream {
                1 => return (flags, op, b),
                -1 if op == 0x0C => self.events.push(b),
                _ => {}
            }
        }
    }

    /// Connects to `host`, starts up with `TABLETS_ROUTING_V1` and logs in.
    fn connect(host: &str) -> Client {
        let s = TcpStream::connect((host, PORT)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut c = Client {
            s,
            shard: 0,
            events: Vec::new(),
        };
        let (_, op, body) = c.request(0x05, &[]);
        assert_eq!(op, 0x06);
        let m = Reader::new(&body).string_multimap().unwrap();
        let shard = m.iter().find(|(k, _)| k == "SCYLLA_SHARD").unwrap();
        c.shard = shard.1[0].parse().unwrap();
        let mut b = Vec::new();
        let opts = [
            ("CQL_VERSION".to_string(), "3.0.0".to_string()),
            ("TABLETS_ROUTING_V1".to_string(), String::new()),
        ];
        put_string_map(&mut b, &opts);
        let (_, op, _) = c.request(0x01, &b);
        if op == 0x03 {
            let user = std::env::var("SIM_CQL_USERNAME").unwrap_or_else(|_| "cassandra".into());
            let pw = std::env::var("SIM_CQL_PASSWORD").unwrap_or_else(|_| "cassandra".into());
            let mut b = Vec::new();
            put_bytes(&mut b, Some(format!("\0{user}\0{pw}").as_bytes()));
            let (_, op, body) = c.request(0x0F, &b);
            assert_eq!(op, 0x10, "login failed: {}", String::from_utf8_lossy(&body));
        } else {
            assert_eq!(op, 0x02, "READY expected");
        }
        c
    }

    /// REGISTER for topology and status events (answered READY).
    fn register(&mut self) {
        let mut b = Vec::new();
        put_u16(&mut b, 2);
        for t in ["TOPOLOGY_CHANGE", "STATUS_CHANGE"] {
            put_u16(&mut b, t.len() as u16);
            b.extend_from_slice(t.as_bytes());
        }
        assert_eq!(self.request(0x0B, &b).1, 0x02, "REGISTER: READY expected");
    }

    fn query(&mut self, q: &str) {
        let mut b = Vec::new();
        put_i32(&mut b, q.len() as i32);
        b.extend_from_slice(q.as_bytes());
        put_u16(&mut b, 0x0001);
        b.push(0);
        let (_, op, body) = self.request(0x07, &b);
        assert_eq!(op, 0x08, "{q}: {}", String::from_utf8_lossy(&body));
    }

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

    /// Executes the INSERT for key `k`; true if the RESULT carries a custom payload with
    /// the `tablets-routing-v1` key.
    fn execute_has_payload(&mut self, id: &[u8], k: i64) -> bool {
        let mut b = Vec::new();
        put_u16(&mut b, id.len() as u16);
        b.extend_from_slice(id);
        put_u16(&mut b, 0x0001);
        b.push(0x01);
        put_u16(&mut b, 2);
        put_bytes(&mut b, Some(&k.to_be_bytes()));
        put_bytes(&mut b, Some(b"v"));
        let (flags, op, body) = self.request(0x0A, &b);
        assert_eq!(op, 0x08, "{}", String::from_utf8_lossy(&body));
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

    /// Reads until the end of the stream; the events met are kept. True if it ended (EOF or
    /// reset) rather than timing out.
    fn until_closed(&mut self) -> bool {
        self.s
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        loop {
            match self.read() {
                Ok((-1, _, 0x0C, b)) => self.events.push(b),
                Ok(_) => {}
                Err(e) => return !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            }
        }
    }
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
    let mut kept = Client::connect(KEPT);
    kept.register();
    let mut gone = Client::connect(REMOVED);
    gone.register();
    let mut quiet = Client::connect(REMOVED);
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
        kept.execute_has_payload(&id, k),
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
    assert!(!kept.execute_has_payload(&id, k), "a hit after the removal");
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
