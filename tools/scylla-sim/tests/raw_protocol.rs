//! Wire-level checks of the sim in front of the real node of `CQL_TEST_HOSTS` (first entry,
//! default 127.0.0.1:9042): the sim on 127.0.0.44 with ports 9342/19342. Only requests that
//! need no authentication are used (OPTIONS, STARTUP → AUTHENTICATE).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::start_sim;
use scylla_sim::wire::{Reader, put_string_map};

const SIM: &str = "127.0.0.44";

fn backend() -> String {
    let hosts = std::env::var("CQL_TEST_HOSTS").unwrap_or_else(|_| "127.0.0.1".into());
    let first = hosts.split(',').next().unwrap().trim().to_string();
    if first.contains(':') {
        first
    } else {
        format!("{first}:9042")
    }
}

fn frame(version: u8, stream: i16, opcode: u8, body: &[u8]) -> Vec<u8> {
    let mut f = vec![version, 0];
    f.extend_from_slice(&stream.to_be_bytes());
    f.push(opcode);
    f.extend_from_slice(&(body.len() as u32).to_be_bytes());
    f.extend_from_slice(body);
    f
}

/// (version byte, opcode, body) of the next frame, or `None` at end of stream.
fn read(s: &mut TcpStream) -> Option<(u8, u8, Vec<u8>)> {
    let mut h = [0u8; 9];
    s.read_exact(&mut h).ok()?;
    let n = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) as usize;
    let mut body = vec![0u8; n];
    s.read_exact(&mut body).ok()?;
    Some((h[0], h[4], body))
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect((SIM, port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn supported(s: &mut TcpStream) -> Vec<(String, Vec<String>)> {
    s.write_all(&frame(4, 1, 0x05, &[])).unwrap();
    let (v, op, body) = read(s).expect("no SUPPORTED");
    assert_eq!((v, op), (0x84, 0x06));
    Reader::new(&body).string_multimap().unwrap()
}

fn get<'a>(m: &'a [(String, Vec<String>)], k: &str) -> Option<&'a str> {
    m.iter().find(|(n, _)| n == k).map(|(_, v)| v[0].as_str())
}

#[test]
fn wire_behaviour() {
    let backend = backend();
    let flags = format!("--backend {backend}={SIM} --port 9342 --shard-aware-port 19342");
    let (rt, control) = start_sim(&flags, SIM);

    // Regular port: SCYLLA_* keys, shards assigned round robin, COMPRESSION emptied.
    let mut shards = Vec::new();
    for _ in 0..3 {
        let m = supported(&mut connect(9342));
        assert_eq!(get(&m, "SCYLLA_NR_SHARDS"), Some("8"));
        assert_eq!(
            get(&m, "SCYLLA_PARTITIONER"),
            Some("org.apache.cassandra.dht.Murmur3Partitioner")
        );
        assert_eq!(
            get(&m, "SCYLLA_SHARDING_ALGORITHM"),
            Some("biased-token-round-robin")
        );
        assert_eq!(get(&m, "SCYLLA_SHARDING_IGNORE_MSB"), Some("12"));
        assert_eq!(get(&m, "SCYLLA_SHARD_AWARE_PORT"), Some("19342"));
        assert!(
            m.iter().any(|(k, v)| k == "COMPRESSION" && v.is_empty()),
            "{m:?}"
        );
        assert!(
            get(&m, "CQL_VERSION").is_some(),
            "Cassandra's own keys are kept: {m:?}"
        );
        shards.push(get(&m, "SCYLLA_SHARD").unwrap().parse::<u32>().unwrap());
    }
    assert_eq!(shards, vec![0, 1, 2]);

    // Shard-aware port: shard = client source port % 8.
    let mut checked = 0;
    for port in (41_000u16..41_200).step_by(7) {
        let sock = rt.block_on(async {
            let s = tokio::net::TcpSocket::new_v4().unwrap();
            s.bind((SIM.parse::<std::net::IpAddr>().unwrap(), port).into())
                .ok()?;
            s.connect((SIM.parse::<std::net::IpAddr>().unwrap(), 19342).into())
                .await
                .ok()
        });
        let Some(sock) = sock else { continue };
        let mut s = sock.into_std().unwrap();
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let m = supported(&mut s);
        assert_eq!(
            get(&m, "SCYLLA_SHARD"),
            Some((port % 8).to_string().as_str()),
            "port {port}"
        );
        checked += 1;
        if checked == 8 {
            break;
        }
    }
    assert!(checked >= 4, "could bind only {checked} source ports");

    // v5 is refused as Scylla does, in a v4 frame.
    let mut s = connect(9342);
    s.write_all(&frame(5, 3, 0x05, &[])).unwrap();
    let (v, op, body) = read(&mut s).unwrap();
    assert_eq!((v, op), (0x84, 0x00));
    assert_eq!(&body[..4], &[0, 0, 0, 0x0A]);
    assert!(String::from_utf8_lossy(&body).contains("unsupported protocol version: 5"));

    // STARTUP is forwarded (SCYLLA_* keys stripped): the real node answers AUTHENTICATE or READY.
    let mut s = connect(9342);
    let mut m = Vec::new();
    let opts: Vec<(String, String)> = vec![
        ("CQL_VERSION".into(), "3.0.0".into()),
        ("SCYLLA_RATE_LIMIT_ERROR".into(), String::new()),
    ];
    put_string_map(&mut m, &opts);
    s.write_all(&frame(4, 1, 0x01, &m)).unwrap();
    let (_, op, _) = read(&mut s).unwrap();
    assert!(
        op == 0x03 || op == 0x02,
        "AUTHENTICATE or READY expected, got opcode {op}"
    );

    // STARTUP asking for compression is refused (compression is not advertised).
    let mut s = connect(9342);
    let mut m = Vec::new();
    let opts: Vec<(String, String)> = vec![
        ("CQL_VERSION".into(), "3.0.0".into()),
        ("COMPRESSION".into(), "lz4".into()),
    ];
    put_string_map(&mut m, &opts);
    s.write_all(&frame(4, 1, 0x01, &m)).unwrap();
    let (_, op, _) = read(&mut s).unwrap();
    assert_eq!(op, 0x00);

    // Malformed input closes that connection only.
    for bad in [
        frame(0x84, 1, 0x05, &[]),     // a response frame from a client
        frame(4, 1, 0x01, &[0, 5, 1]), // truncated STARTUP map
        frame(4, 1, 0x0A, &[0, 9]),    // truncated EXECUTE
        vec![4, 0, 0, 1, 5, 0xff, 0xff, 0xff, 0xff], // absurd length
    ] {
        let mut s = connect(9342);
        s.write_all(&bad).unwrap();
        assert!(
            read(&mut s).is_none(),
            "connection should be closed after {bad:?}"
        );
    }
    assert_eq!(
        get(&supported(&mut connect(9342)), "SCYLLA_NR_SHARDS"),
        Some("8")
    );

    // Control port: line protocol and HTTP.
    let mut c = TcpStream::connect(&control).unwrap();
    c.write_all(b"stats\n").unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert!(out.contains("\"port_kind\":\"shard_aware\""), "{out}");
    assert!(out.contains("\"port_kind\":\"regular\""), "{out}");
    let mut c = TcpStream::connect(&control).unwrap();
    c.write_all(b"GET /reset HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.0 200 OK") && out.ends_with("{\"reset\":true}"),
        "{out}"
    );
}
