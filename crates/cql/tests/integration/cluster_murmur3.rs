//! Tokens computed here agree with the reference Python driver's `cassandra.murmur3` on many
//! keys of every length class (empty, partial blocks, whole blocks, bytes >= 0x80), and the
//! composite routing key agrees with the driver's encoding. Needs scripts/pyenv.

use std::process::Command;

use cql::token::{Token, murmur3_x64_128_h1, routing_key};

use crate::common::python;

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn keys() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::new();
    for len in 0..=70usize {
        for _ in 0..4 {
            out.push((0..len).map(|_| next() as u8).collect());
        }
    }
    out.push(vec![0xff; 31]);
    out.push(vec![0x80; 17]);
    out
}

const SCRIPT: &str = r#"
import sys
from cassandra.murmur3 import murmur3
from cassandra.query import SimpleStatement
for line in sys.stdin:
    line = line.strip()
    if line.startswith("c "):
        parts = [bytes.fromhex(p) for p in line[2:].split(",")]
        # The driver's composite routing key encoding.
        key = b"".join(SimpleStatement("")._key_parts_packed(parts))
        print(key.hex(), murmur3(key))
    else:
        print(murmur3(bytes.fromhex(line)))
"#;

#[test]
fn murmur3_and_composite_keys_match_the_python_driver() {
    let keys = keys();
    let mut input = String::new();
    for k in &keys {
        input.push_str(&hex(k));
        input.push('\n');
    }
    // Composite keys of 2 and 3 components built from the same keys.
    let composites: Vec<Vec<Vec<u8>>> = keys
        .chunks(3)
        .take(40)
        .map(|c| {
            c.iter()
                .filter(|k| !k.is_empty())
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|c| c.len() >= 2)
        .collect();
    for c in &composites {
        input.push_str("c ");
        input.push_str(&c.iter().map(|p| hex(p)).collect::<Vec<_>>().join(","));
        input.push('\n');
    }
    let mut child = Command::new(python())
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "python side failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let mut lines = text.lines();
    for k in &keys {
        let theirs: i64 = lines.next().expect("line").parse().expect("int");
        assert_eq!(murmur3_x64_128_h1(k), theirs, "key {}", hex(k));
        let token = Token::of_key(k).0;
        assert_eq!(token, if theirs == i64::MIN { i64::MAX } else { theirs });
    }
    for c in &composites {
        let line = lines.next().expect("line");
        let (their_key, their_hash) = line.split_once(' ').expect("two fields");
        // Bind the parts as positional values, the key made of all of them in order.
        let mut values = Vec::new();
        for p in c {
            values.extend_from_slice(&i32::try_from(p.len()).expect("len").to_be_bytes());
            values.extend_from_slice(p);
        }
        let idx: Vec<u16> = (0..c.len() as u16).collect();
        let ours = routing_key(&values, c.len(), &idx).expect("routing key");
        assert_eq!(hex(&ours), their_key);
        assert_eq!(
            murmur3_x64_128_h1(&ours),
            their_hash.parse::<i64>().expect("int")
        );
    }
    assert_eq!(lines.next(), None);
    assert!(keys.len() > 250 && composites.len() > 30);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
