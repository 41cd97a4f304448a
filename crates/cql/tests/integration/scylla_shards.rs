//! The shard of a token, as the driver computes it for ScyllaDB's biased-token-round-robin
//! sharding, agrees with the reference scylla driver's `cassandra.shard_info` (its pure
//! Python class and its compiled one) on 10,000+ tokens per sharding, edge tokens included.
//! Needs scripts/pyenv.

use std::io::Write;
use std::process::{Command, Stdio};

use cql::scylla::Sharding;
use cql::token::Token;

use crate::common::python;

const SCRIPT: &str = r#"
import sys
from cassandra.shard_info import _ShardingInfo, ShardingInfo
infos = {}
out = []
for line in sys.stdin:
    n, msb, token = (int(x) for x in line.split())
    key = (n, msb)
    if key not in infos:
        args = (0, n, "org.apache.cassandra.dht.Murmur3Partitioner", "biased-token-round-robin", msb, 19042, None)
        infos[key] = (_ShardingInfo(*args), ShardingInfo(*args))
    pure, compiled = infos[key]
    out.append("%d %d" % (pure.shard_id_from_token(token), compiled.shard_id_from_token(token)))
sys.stdout.write("\n".join(out) + "\n")
"#;

/// Deterministic pseudo-random tokens (xorshift), so failures reproduce, and the edges.
fn tokens() -> Vec<i64> {
    let mut x: u64 = 0x853c_49e6_748f_ea9b;
    let mut out = vec![i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    out.extend((0..10_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as i64
    }));
    out
}

#[test]
fn shards_of_tokens_match_the_reference_driver() {
    let shardings = [(8u16, 12u8), (1, 12), (3, 0), (12, 12), (7, 63), (255, 12)];
    let tokens = tokens();
    let mut input = String::new();
    let mut ours = Vec::new();
    for (n, msb) in shardings {
        let s = Sharding::new(n, msb).expect("valid sharding");
        for &t in &tokens {
            input.push_str(&format!("{n} {msb} {t}\n"));
            ours.push(s.shard_of(Token(t)));
        }
    }
    let mut child = Command::new(python())
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the reference driver");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python output");
    writer.join().expect("writer").expect("write tokens");
    assert!(out.status.success(), "python failed");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let theirs: Vec<&str> = text.lines().collect();
    assert_eq!(theirs.len(), ours.len());
    let mut checked = 0;
    for (i, (line, ours)) in theirs.iter().zip(&ours).enumerate() {
        let (pure, compiled) = line.split_once(' ').expect("two shards");
        let (n, msb) = shardings[i / tokens.len()];
        let t = tokens[i % tokens.len()];
        assert_eq!(pure, compiled, "the reference disagrees with itself on {t}");
        assert_eq!(
            pure.parse::<u16>().expect("shard"),
            *ours,
            "token {t}, {n} shards, {msb} bits ignored"
        );
        checked += 1;
    }
    assert!(checked >= 6 * 10_000);
}
