//! A fast, unkeyed hasher for the per-request maps whose keys come from the cluster itself
//! (node addresses, keyspace names): the default SipHash costs a few hundred instructions a
//! lookup and its flood resistance buys nothing there.

use std::hash::{BuildHasherDefault, Hasher};

/// Multiplies in each word; [`Hasher::finish`] mixes the high bits down so that the low bits
/// (the table index) depend on every input bit.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

/// Odd constant with well-spread bits: 2^64 divided by the golden ratio.
const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(K) ^ (h >> 29)
    }
}

/// Builds [`FastHasher`]s (for `HashMap::default()`).
pub(crate) type FastBuildHasher = BuildHasherDefault<FastHasher>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::{BuildHasher, Hash};
    use std::net::SocketAddr;

    use super::*;

    fn hash<T: Hash>(v: &T) -> u64 {
        FastBuildHasher::default().hash_one(v)
    }

    #[test]
    fn nearby_addresses_spread_over_the_low_bits() {
        // Nodes of one subnet on one port, the usual cluster: the index bits must differ.
        let buckets: HashSet<u64> = (1..=64u8)
            .map(|i| hash(&SocketAddr::from(([10, 0, 0, i], 9042))) & 63)
            .collect();
        assert!(
            buckets.len() > 32,
            "only {} of 64 buckets used",
            buckets.len()
        );
        let ports: HashSet<u64> = (9042..9042 + 64u16)
            .map(|p| hash(&SocketAddr::from(([127, 0, 0, 1], p))) & 63)
            .collect();
        assert!(ports.len() > 32, "only {} of 64 buckets used", ports.len());
    }

    #[test]
    fn strings_differing_in_length_or_tail_differ() {
        assert_ne!(hash(&"ks"), hash(&"ks\0"));
        assert_ne!(hash(&"keyspace_a"), hash(&"keyspace_b"));
        assert_eq!(hash(&"bench"), hash(&String::from("bench")));
    }
}
