//! The `biased-token-round-robin` sharding algorithm of the Scylla protocol extensions.

/// The shard owning `token` on a node with `nr_shards` shards and `ignore_msb` ignored most
/// significant bits: bias the token by 2^63, shift left by `ignore_msb` (mod 2^64), then take
/// the high 64 bits of the 128-bit product with `nr_shards`.
pub fn shard_of(token: i64, nr_shards: u32, ignore_msb: u32) -> u32 {
    let biased = (token as u64).wrapping_add(1u64 << 63);
    let shifted = biased.checked_shl(ignore_msb).unwrap_or(0);
    ((shifted as u128 * nr_shards as u128) >> 64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes() {
        assert_eq!(shard_of(i64::MIN, 8, 0), 0);
        assert_eq!(shard_of(i64::MAX, 8, 0), 7);
        assert_eq!(shard_of(0, 8, 0), 4);
        for t in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert!(shard_of(t, 3, 12) < 3);
            assert_eq!(shard_of(t, 1, 12), 0);
        }
    }
}
