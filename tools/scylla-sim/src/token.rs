//! Partition tokens: Cassandra's `Murmur3Partitioner` (MurmurHash3 x64 128-bit, seed 0, first
//! 64 bits as a signed token) including its quirk of sign-extending the tail bytes, and the
//! routing key of a (possibly composite) partition key.

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

fn fmix(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

fn mix_k1(k1: u64) -> u64 {
    k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2)
}

fn mix_k2(k2: u64) -> u64 {
    k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1)
}

/// A tail byte as Cassandra reads it: a signed Java `byte` widened to `long`.
fn signed(b: u8) -> u64 {
    b as i8 as i64 as u64
}

/// The Murmur3Partitioner token of a routing key. `i64::MIN` is mapped to `i64::MAX`, as the
/// partitioner does (the minimum token is reserved).
pub fn murmur3_token(key: &[u8]) -> i64 {
    let mut h1: u64 = 0;
    let mut h2: u64 = 0;
    let mut blocks = key.chunks_exact(16);
    for block in &mut blocks {
        let mut a = [0u8; 8];
        a.copy_from_slice(&block[..8]);
        let k1 = u64::from_le_bytes(a);
        a.copy_from_slice(&block[8..]);
        let k2 = u64::from_le_bytes(a);
        h1 ^= mix_k1(k1);
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(k2);
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    let mut k1: u64 = 0;
    let mut k2: u64 = 0;
    for (i, &b) in tail.iter().enumerate() {
        if i < 8 {
            k1 ^= signed(b) << (8 * i);
        } else {
            k2 ^= signed(b) << (8 * (i - 8));
        }
    }
    if tail.len() > 8 {
        h2 ^= mix_k2(k2);
    }
    if !tail.is_empty() {
        h1 ^= mix_k1(k1);
    }
    let len = key.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    let token = h1 as i64;
    if token == i64::MIN { i64::MAX } else { token }
}

/// The routing key of a partition key given its components in partition-key order: the
/// value itself for one component, else `[u16 length][bytes][0x00]` per component. `None`
/// when a component is null/unset or longer than 65535 bytes (not routable).
pub fn routing_key(components: &[Option<&[u8]>]) -> Option<Vec<u8>> {
    match components {
        [] => None,
        [one] => one.map(<[u8]>::to_vec),
        many => {
            let mut out = Vec::new();
            for c in many {
                let c = (*c)?;
                let n = u16::try_from(c.len()).ok()?;
                out.extend_from_slice(&n.to_be_bytes());
                out.extend_from_slice(c);
                out.push(0);
            }
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tokens() {
        // Value printed by the reference driver: cassandra.murmur3.murmur3(b'abc').
        assert_eq!(murmur3_token(b"abc"), -5434086359492102041);
    }

    #[test]
    fn composite_routing_key_layout() {
        let k = routing_key(&[Some(&[1, 2][..]), Some(&[3][..])]).unwrap();
        assert_eq!(k, vec![0, 2, 1, 2, 0, 0, 1, 3, 0]);
        assert!(routing_key(&[None]).is_none());
        assert!(routing_key(&[Some(&[1][..]), None]).is_none());
    }
}
