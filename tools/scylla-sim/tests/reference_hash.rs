//! The sim's murmur3 token and shard computation against the reference scylla-driver
//! (judge/shard_ids.py), on random tokens and random partition keys.
//! Needs `DRIVER_TEST_PYTHON`.

mod common;

use common::{Rng, run_judge};
use scylla_sim::shard::shard_of;
use scylla_sim::token::{murmur3_token, routing_key};

#[test]
fn shards_match_reference_driver() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut tokens: Vec<i64> = (0..10_000).map(|_| rng.next() as i64).collect();
    tokens.extend([i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX]);
    let input: String = tokens.iter().map(|t| format!("{t}\n")).collect();
    for (nr, msb) in [
        (8u32, 12u32),
        (3, 12),
        (12, 0),
        (64, 5),
        (1, 12),
        (7, 63),
        (4096, 12),
    ] {
        let lines = run_judge(
            "shard_ids.py",
            &["shards", &nr.to_string(), &msb.to_string()],
            &input,
        );
        assert_eq!(lines.len(), tokens.len());
        for (t, line) in tokens.iter().zip(&lines) {
            let ours = shard_of(*t, nr, msb);
            let want: Vec<u32> = line.split(' ').map(|s| s.parse().unwrap()).collect();
            assert_eq!(
                want,
                vec![ours, ours],
                "token {t}, nr_shards {nr}, ignore_msb {msb}"
            );
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn murmur3_matches_reference_driver() {
    let mut rng = Rng(0x5eed_1234_abcd_0002);
    let mut keys: Vec<Vec<u8>> = Vec::new();
    // Every length 0..=48 (all tail sizes), bytes biased towards >= 0x80 half the time so the
    // sign-extension quirk of the tail is exercised.
    for i in 0..1_200 {
        let len = i % 49;
        let high = i % 2 == 0;
        keys.push(
            (0..len)
                .map(|_| (rng.next() as u8) | if high { 0x80 } else { 0 })
                .collect(),
        );
    }
    // Composite keys as the sim builds them.
    for i in 0..300 {
        let a: Vec<u8> = (0..(i % 9)).map(|_| rng.next() as u8).collect();
        let b: Vec<u8> = (0..(i % 17)).map(|_| rng.next() as u8).collect();
        keys.push(routing_key(&[Some(&a), Some(&b)]).unwrap());
    }
    let input: String = keys.iter().map(|k| format!("{}\n", hex(k))).collect();
    let lines = run_judge("shard_ids.py", &["tokens"], &input);
    assert_eq!(lines.len(), keys.len());
    for (k, line) in keys.iter().zip(&lines) {
        let want: i64 = line.parse().unwrap();
        assert_eq!(murmur3_token(k), want, "key {}", hex(k));
    }
}
