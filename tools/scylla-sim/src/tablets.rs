//! The simulated tablet map: every table of a `--tablets` keyspace is split into N tablets
//! of (almost) equal token ranges, each with one replica (RF=1) on a fixed (node, shard)
//! that differs from the vnode ring's biased-token shard, so a driver that ignores tablets
//! lands on the wrong shard.

/// One tablet of a table: the token range `(first, last]` and its single replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tablet {
    /// Index of the tablet in the table (0-based, in token order).
    pub index: u32,
    /// First token, exclusive.
    pub first: i64,
    /// Last token, inclusive.
    pub last: i64,
    /// Virtual node of the replica (index in the config's backends).
    pub node: usize,
    /// Shard of the replica on that node.
    pub shard: u32,
}

/// The layout every tablet table shares: `count` tablets over `nodes` nodes of `shards`
/// shards each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabletMap {
    /// Tablets per table (at least 1).
    pub count: u32,
    /// Virtual nodes (at least 1).
    pub nodes: usize,
    /// Shards per node (at least 1).
    pub shards: u32,
}

/// Number of Murmur3 tokens: `i64::MIN + 1 ..= i64::MAX` (`i64::MIN` is not a token).
const RING: u128 = u64::MAX as u128;

impl TabletMap {
    /// The last (inclusive) token of tablet `t` (`t < count`): the ring after `i64::MIN` is
    /// cut into `count` ranges, the last one ending at `i64::MAX`.
    pub fn last_token(&self, t: u32) -> i64 {
        let count = u128::from(self.count.max(1));
        let t = u128::from(t).min(count - 1);
        let offset = (t + 1) * RING / count;
        // offset <= RING = 2^64 - 1, so MIN + offset stays within i64.
        (i64::MIN as i128 + offset as i128) as i64
    }

    /// The first (exclusive) token of tablet `t`: `i64::MIN` for the first tablet, else the
    /// last token of the previous one.
    pub fn first_token(&self, t: u32) -> i64 {
        if t == 0 {
            i64::MIN
        } else {
            self.last_token(t - 1)
        }
    }

    /// The replica placement of tablet `t`: node `t % nodes`, shard `(t * 3 + 1) % shards`.
    pub fn replica(&self, t: u32) -> (usize, u32) {
        let nodes = self.nodes.max(1);
        let shards = u64::from(self.shards.max(1));
        let node = (t as usize) % nodes;
        let shard = ((u64::from(t) * 3 + 1) % shards) as u32;
        (node, shard)
    }

    /// The tablet whose range holds `token`. `i64::MIN` (not a Murmur3 token) is treated as
    /// the partitioner does, as `i64::MAX`.
    pub fn tablet_of(&self, token: i64) -> Tablet {
        let token = if token == i64::MIN { i64::MAX } else { token };
        // The first tablet whose last token is >= token.
        let (mut lo, mut hi) = (0u32, self.count.max(1) - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.last_token(mid) >= token {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        self.tablet(lo)
    }

    /// Tablet `t` with its range and replica.
    pub fn tablet(&self, t: u32) -> Tablet {
        let (node, shard) = self.replica(t);
        Tablet {
            index: t,
            first: self.first_token(t),
            last: self.last_token(t),
            node,
            shard,
        }
    }

    /// Whether a request for `token` arriving on (`node`, `shard`) reached the replica.
    pub fn is_replica(&self, token: i64, node: usize, shard: u32) -> bool {
        let t = self.tablet_of(token);
        t.node == node && t.shard == shard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(count: u32) -> TabletMap {
        TabletMap {
            count,
            nodes: 1,
            shards: 8,
        }
    }

    #[test]
    fn ranges_cover_the_ring_without_gaps() {
        for count in [1, 2, 3, 16, 17, 1000] {
            let m = map(count);
            assert_eq!(m.first_token(0), i64::MIN);
            assert_eq!(m.last_token(count - 1), i64::MAX);
            for t in 1..count {
                assert_eq!(m.first_token(t), m.last_token(t - 1));
                assert!(m.last_token(t) > m.last_token(t - 1));
            }
        }
        // 16 tablets: equal ranges of (2^64 - 1) / 16 tokens, rounded down.
        let m = map(16);
        assert_eq!(m.last_token(7), -1);
        assert_eq!(m.last_token(0), i64::MIN + (u64::MAX / 16) as i64);
    }

    #[test]
    fn lookup_at_boundaries() {
        let m = map(16);
        for t in 0..16 {
            let (first, last) = (m.first_token(t), m.last_token(t));
            assert_eq!(m.tablet_of(last).index, t, "last token of {t}");
            if first != i64::MIN {
                assert_eq!(m.tablet_of(first).index, t - 1, "first token of {t}");
            }
            assert_eq!(m.tablet_of(first.wrapping_add(1)).index, t);
        }
        assert_eq!(m.tablet_of(i64::MIN + 1).index, 0);
        assert_eq!(m.tablet_of(i64::MAX).index, 15);
        assert_eq!(m.tablet_of(i64::MIN).index, 15);
        assert_eq!(m.tablet_of(0).index, 8);
        assert_eq!(map(1).tablet_of(12345).index, 0);
    }

    #[test]
    fn placement() {
        let m = TabletMap {
            count: 16,
            nodes: 3,
            shards: 8,
        };
        assert_eq!(m.replica(0), (0, 1));
        assert_eq!(m.replica(1), (1, 4));
        assert_eq!(m.replica(2), (2, 7));
        assert_eq!(m.replica(3), (0, 2));
        assert_eq!(m.replica(15), (0, 6));
        let t = m.tablet_of(m.last_token(4));
        assert_eq!((t.node, t.shard), (1, 5));
        assert!(m.is_replica(m.last_token(4), 1, 5));
        assert!(!m.is_replica(m.last_token(4), 1, 4));
        // One node with 8 shards: every shard owns two of the 16 tablets.
        let one = map(16);
        let mut per_shard = [0; 8];
        for t in 0..16 {
            per_shard[one.replica(t).1 as usize] += 1;
        }
        assert_eq!(per_shard, [2; 8]);
    }
}
