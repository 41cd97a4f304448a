//! Partition tokens: the Murmur3 partitioner's hash of a partition key, and the routing key
//! (the serialized partition key) of a bound statement.
//!
//! Cassandra's Murmur3Partitioner hashes the partition key with MurmurHash3 x64/128 (seed 0)
//! and keeps the first 64-bit half as a signed token; the one value `i64::MIN` is reserved as
//! the ring's minimum and maps to `i64::MAX`. Cassandra's implementation sign-extends the
//! bytes of the trailing partial block, and so does this one (tokens must match the server's,
//! not the textbook hash).

/// A token on the Murmur3 ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub i64);

impl Token {
    /// The token of a routing key (a serialized partition key, see [`routing_key`]).
    pub fn of_key(key: &[u8]) -> Token {
        let h = murmur3_x64_128_h1(key);
        Token(if h == i64::MIN { i64::MAX } else { h })
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

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

/// The first half of Cassandra's MurmurHash3 x64/128 with seed 0, as a signed value.
pub fn murmur3_x64_128_h1(data: &[u8]) -> i64 {
    let mut h1: u64 = 0;
    let mut h2: u64 = 0;
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let (a, b) = block.split_at(8);
        let k1 = u64::from_le_bytes(a.try_into().unwrap_or([0; 8]));
        let k2 = u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
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
    // Bytes of the partial block, sign-extended as the server does.
    let byte = |i: usize| tail[i] as i8 as i64 as u64;
    let mut k1: u64 = 0;
    let mut k2: u64 = 0;
    for i in (8..tail.len()).rev() {
        k2 ^= byte(i) << ((i - 8) * 8);
    }
    if tail.len() > 8 {
        h2 ^= mix_k2(k2);
    }
    for i in (0..tail.len().min(8)).rev() {
        k1 ^= byte(i) << (i * 8);
    }
    if !tail.is_empty() {
        h1 ^= mix_k1(k1);
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h1 as i64
}

/// Why a routing key could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingKeyError {
    /// A partition key value is null or unset (the server would reject the request).
    #[error("partition key component {0} is null or unset")]
    NullComponent(u16),
    /// A partition key index points past the bound values.
    #[error("partition key index {0} is out of range")]
    OutOfRange(u16),
    /// The serialized values are malformed.
    #[error("malformed serialized values")]
    Malformed,
    /// A composite key component is longer than 65535 bytes.
    #[error("partition key component {0} is too long for a composite key")]
    TooLong(u16),
}

/// Splits positional serialized values (`[int length][bytes]` each) into their contents
/// (`None` for null or unset).
pub(crate) fn split_values(
    bytes: &[u8],
    count: usize,
) -> Result<Vec<Option<&[u8]>>, RoutingKeyError> {
    let mut out = Vec::with_capacity(count.min(bytes.len() / 4 + 1));
    let mut rest = bytes;
    for _ in 0..count {
        let (len, tail) = rest
            .split_first_chunk::<4>()
            .ok_or(RoutingKeyError::Malformed)?;
        let len = i32::from_be_bytes(*len);
        if len < 0 {
            out.push(None);
            rest = tail;
            continue;
        }
        let len = usize::try_from(len).map_err(|_| RoutingKeyError::Malformed)?;
        if tail.len() < len {
            return Err(RoutingKeyError::Malformed);
        }
        let (v, tail) = tail.split_at(len);
        out.push(Some(v));
        rest = tail;
    }
    Ok(out)
}

/// The routing key of a statement: the partition key value itself for a single-column key,
/// else the composite encoding (`[u16 length][bytes][0]` per component, in key order).
/// `values` are the positional serialized values (`[int length][bytes]` each, `count` of
/// them); `pk_indexes` the bind marker index of each partition key column in key order.
pub fn routing_key(
    values: &[u8],
    count: usize,
    pk_indexes: &[u16],
) -> Result<Vec<u8>, RoutingKeyError> {
    let parts = split_values(values, count)?;
    let component = |i: u16| -> Result<&[u8], RoutingKeyError> {
        parts
            .get(usize::from(i))
            .ok_or(RoutingKeyError::OutOfRange(i))?
            .ok_or(RoutingKeyError::NullComponent(i))
    };
    if let [single] = pk_indexes {
        return Ok(component(*single)?.to_vec());
    }
    let mut key = Vec::new();
    for &i in pk_indexes {
        let part = component(i)?;
        let len = u16::try_from(part.len()).map_err(|_| RoutingKeyError::TooLong(i))?;
        key.extend_from_slice(&len.to_be_bytes());
        key.extend_from_slice(part);
        key.push(0);
    }
    Ok(key)
}

/// The `index`th of `count` positional serialized values, found without collecting them.
fn nth_value(values: &[u8], count: usize, index: u16) -> Result<&[u8], RoutingKeyError> {
    let mut rest = values;
    for i in 0..count {
        let (len, tail) = rest
            .split_first_chunk::<4>()
            .ok_or(RoutingKeyError::Malformed)?;
        let len = i32::from_be_bytes(*len);
        let (v, tail) = match usize::try_from(len) {
            Ok(len) if tail.len() < len => return Err(RoutingKeyError::Malformed),
            Ok(len) => {
                let (v, tail) = tail.split_at(len);
                (Some(v), tail)
            }
            Err(_) => (None, tail),
        };
        if i == usize::from(index) {
            return v.ok_or(RoutingKeyError::NullComponent(index));
        }
        rest = tail;
    }
    Err(RoutingKeyError::OutOfRange(index))
}

/// The token of a statement's partition key, as `Token::of_key(&routing_key(..)?)` but without
/// allocating for a single-column key (the common case, computed on every routed request).
pub(crate) fn token_of_values(
    values: &[u8],
    count: usize,
    pk_indexes: &[u16],
) -> Result<Token, RoutingKeyError> {
    if let [single] = pk_indexes {
        return Ok(Token::of_key(nth_value(values, count, *single)?));
    }
    Ok(Token::of_key(&routing_key(values, count, pk_indexes)?))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
