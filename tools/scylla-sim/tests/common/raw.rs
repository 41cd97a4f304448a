//! A raw protocol-v4 client for the wire-level tests: OPTIONS, STARTUP (with the options
//! asked for), PLAIN login with `SIM_CQL_USERNAME` / `SIM_CQL_PASSWORD` (default the test
//! cluster's cassandra/cassandra), then QUERY / PREPARE / EXECUTE of `(bigint, text)` inserts.
//! Every request goes on stream 1; EVENT frames met meanwhile are kept.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use scylla_sim::wire::{Reader, put_bytes, put_i32, put_string_map, put_u16};

/// A response: (header flags, opcode, body).
pub(crate) type Response = (u8, u8, Vec<u8>);

pub(crate) struct Client {
    pub(crate) s: TcpStream,
    /// The shard SUPPORTED named for this connection.
    pub(crate) shard: u32,
    /// The SUPPORTED answer.
    pub(crate) supported: Vec<(String, Vec<String>)>,
    /// The EVENT frames (stream -1) read so far.
    pub(crate) events: Vec<Vec<u8>>,
}

impl Client {
    /// Connects to `host:port`, starts up with `startup` options besides CQL_VERSION, and
    /// logs in if asked.
    pub(crate) fn connect(host: &str, port: u16, startup: &[&str]) -> Client {
        let s = TcpStream::connect((host, port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut c = Client {
            s,
            shard: 0,
            supported: Vec::new(),
            events: Vec::new(),
        };
        let (_, op, body) = c.request(0x05, &[]);
        assert_eq!(op, 0x06);
        c.supported = Reader::new(&body).string_multimap().unwrap();
        c.shard = c.supported("SCYLLA_SHARD").unwrap()[0].parse().unwrap();
        let mut opts = vec![("CQL_VERSION".to_string(), "3.0.0".to_string())];
        opts.extend(startup.iter().map(|k| ((*k).to_string(), String::new())));
        let mut b = Vec::new();
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

    /// The values of a SUPPORTED key.
    pub(crate) fn supported(&self, key: &str) -> Option<Vec<String>> {
        self.supported
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// One frame: (stream, header flags, opcode, body).
    pub(crate) fn read(&mut self) -> std::io::Result<(i16, u8, u8, Vec<u8>)> {
        let mut h = [0u8; 9];
        self.s.read_exact(&mut h)?;
        let n = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) as usize;
        let mut b = vec![0u8; n];
        self.s.read_exact(&mut b)?;
        Ok((i16::from_be_bytes([h[2], h[3]]), h[1], h[4], b))
    }

    /// Sends a request on stream 1 and returns its response (events met are kept).
    pub(crate) fn request(&mut self, opcode: u8, body: &[u8]) -> Response {
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

    /// A QUERY at ONE; a RESULT is expected.
    pub(crate) fn query(&mut self, q: &str) -> Response {
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
    pub(crate) fn prepare(&mut self, q: &str) -> Vec<u8> {
        let mut b = Vec::new();
        put_i32(&mut b, q.len() as i32);
        b.extend_from_slice(q.as_bytes());
        let (_, op, body) = self.request(0x09, &b);
        assert_eq!(op, 0x08, "{}", String::from_utf8_lossy(&body));
        let mut r = Reader::new(&body);
        assert_eq!(r.i32(), Some(4));
        r.short_bytes().unwrap().to_vec()
    }

    /// Executes the `(k bigint, v text)` INSERT `id` for key `k`; a RESULT is expected.
    pub(crate) fn execute(&mut self, id: &[u8], k: i64) -> Response {
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

    /// Reads until the end of the stream; the events met are kept. True if it ended (EOF or
    /// reset) rather than timing out.
    pub(crate) fn until_closed(&mut self) -> bool {
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
