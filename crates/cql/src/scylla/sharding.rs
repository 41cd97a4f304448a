//! Shards: the `SCYLLA_*` sharding keys of SUPPORTED, and the shard of a token.
//!
//! The keys (all optional; a node that sends `SCYLLA_SHARD` sends the ones it needs):
//! `SCYLLA_SHARD` (the shard serving this connection), `SCYLLA_NR_SHARDS`,
//! `SCYLLA_PARTITIONER`, `SCYLLA_SHARDING_ALGORITHM` (`biased-token-round-robin`),
//! `SCYLLA_SHARDING_IGNORE_MSB`, and `SCYLLA_SHARD_AWARE_PORT` / `SCYLLA_SHARD_AWARE_PORT_SSL`
//! (a port that assigns a connection the shard `source port % shards`).
//!
//! Values that make no sense (no shards, more than [`MAX_SHARDS`], an algorithm or partitioner
//! this driver cannot compute, a shift of 64 bits or more) are a [`ShardingError`]: the pool
//! then routes as for Cassandra, one connection per host slot, no shard chosen.

use std::collections::HashMap;
use std::num::NonZeroU16;
use std::ops::RangeInclusive;

use crate::token::Token;

/// The only sharding algorithm ScyllaDB documents.
pub const BIASED_TOKEN_ROUND_ROBIN: &str = "biased-token-round-robin";

/// The most shards a node may claim: far above any real machine's cores (a pool keeps a
/// connection per shard), far below what would exhaust the local port range.
pub const MAX_SHARDS: u16 = 4096;

/// Source ports for connections to the shard-aware port, unless configured otherwise: the
/// IANA dynamic range, as the reference driver uses.
pub const DEFAULT_LOCAL_PORTS: RangeInclusive<u16> = 49152..=65535;

/// How a node maps tokens to its shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sharding {
    nr_shards: NonZeroU16,
    ignore_msb: u8,
}

impl Sharding {
    /// `nr_shards` shards, the token's `ignore_msb` most significant bits ignored; `None` for
    /// 0 or more than [`MAX_SHARDS`] shards, or a shift of 64 bits or more.
    pub fn new(nr_shards: u16, ignore_msb: u8) -> Option<Self> {
        let n = NonZeroU16::new(nr_shards).filter(|n| n.get() <= MAX_SHARDS)?;
        (ignore_msb < 64).then_some(Sharding {
            nr_shards: n,
            ignore_msb,
        })
    }

    /// The node's number of shards.
    pub fn nr_shards(&self) -> u16 {
        self.nr_shards.get()
    }

    /// The bits ignored at the top of a token.
    pub fn ignore_msb(&self) -> u8 {
        self.ignore_msb
    }

    /// The shard that owns `token` (biased-token-round-robin): the token moved to unsigned
    /// (plus 2^63), its top `ignore_msb` bits dropped, scaled to `[0, nr_shards)`.
    pub fn shard_of(&self, token: Token) -> u16 {
        let biased = (token.0 as u64) ^ (1 << 63);
        let shifted = biased << self.ignore_msb;
        // < nr_shards: the product's high word is below the multiplier.
        ((u128::from(shifted) * u128::from(self.nr_shards.get())) >> 64) as u16
    }

    /// Source ports in `range` that the shard-aware port maps to `shard`, starting at a
    /// pseudo-random one (so that clients on one machine do not all try the same ports
    /// first) and wrapping around once.
    pub fn local_ports(
        &self,
        shard: u16,
        range: RangeInclusive<u16>,
        seed: u64,
    ) -> impl Iterator<Item = u16> + use<> {
        let n = u32::from(self.nr_shards.get());
        let (lo, hi) = (u32::from(*range.start()), u32::from(*range.end()));
        let shard = u32::from(shard) % n;
        // The first port of the range that is `shard` modulo n.
        let first = lo + (shard + n - lo % n) % n;
        let count = if first > hi { 0 } else { (hi - first) / n + 1 };
        let offset = if count == 0 {
            0
        } else {
            (seed % u64::from(count)) as u32
        };
        (0..count).map(move |i| (first + ((offset + i) % count) * n) as u16)
    }
}

/// What a node said about sharding on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardInfo {
    /// The shard serving the connection.
    pub shard: u16,
    /// The node's sharding.
    pub sharding: Sharding,
    /// The port whose connections get the shard `source port % shards` (plain connections).
    pub shard_aware_port: Option<u16>,
    /// The same for TLS connections.
    pub shard_aware_port_ssl: Option<u16>,
}

/// SUPPORTED's sharding keys make no sense; the connection is used without shard awareness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardingError {
    /// A key's value is missing or not a number in range.
    #[error("SUPPORTED key {key} has an invalid value {value:?}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Its value, as sent.
        value: String,
    },
    /// The node shards with an algorithm this driver does not know.
    #[error("unknown sharding algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The node's partitioner is not Murmur3: tokens cannot be computed.
    #[error("shard awareness needs the Murmur3 partitioner, the node uses {0:?}")]
    Partitioner(String),
}

impl ShardInfo {
    /// Reads the sharding keys of a SUPPORTED answer: `Ok(None)` when the node sends none
    /// (Cassandra).
    pub fn from_supported(
        supported: &HashMap<String, Vec<String>>,
    ) -> Result<Option<ShardInfo>, ShardingError> {
        let get = |key: &str| {
            supported
                .get(key)
                .and_then(|v| v.first())
                .map(String::as_str)
        };
        let Some(shard) = get("SCYLLA_SHARD") else {
            return Ok(None);
        };
        let number = |key: &'static str, value: Option<&str>| -> Result<u32, ShardingError> {
            let value = value.unwrap_or_default();
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| ShardingError::Invalid {
                    key,
                    value: value.to_owned(),
                })
        };
        let invalid = |key: &'static str, value: Option<&str>| ShardingError::Invalid {
            key,
            value: value.unwrap_or_default().to_owned(),
        };
        let algorithm = get("SCYLLA_SHARDING_ALGORITHM").unwrap_or_default();
        if algorithm != BIASED_TOKEN_ROUND_ROBIN {
            return Err(ShardingError::UnknownAlgorithm(algorithm.to_owned()));
        }
        // Murmur3, in any package: ScyllaDB sends `org.apache.cassandra.dht`, its spec names
        // `org.apache.cassandra.partitioners`.
        if let Some(p) = get("SCYLLA_PARTITIONER").filter(|p| !p.ends_with(".Murmur3Partitioner")) {
            return Err(ShardingError::Partitioner(p.to_owned()));
        }
        let nr_value = get("SCYLLA_NR_SHARDS");
        let nr = number("SCYLLA_NR_SHARDS", nr_value)?;
        let msb_value = get("SCYLLA_SHARDING_IGNORE_MSB");
        let msb = number("SCYLLA_SHARDING_IGNORE_MSB", msb_value)?;
        let sharding = u16::try_from(nr)
            .ok()
            .zip(u8::try_from(msb).ok())
            .and_then(|(n, m)| Sharding::new(n, m))
            .ok_or_else(|| {
                if nr == 0 || nr > u32::from(MAX_SHARDS) {
                    invalid("SCYLLA_NR_SHARDS", nr_value)
                } else {
                    invalid("SCYLLA_SHARDING_IGNORE_MSB", msb_value)
                }
            })?;
        let shard_value = Some(shard);
        let shard = number("SCYLLA_SHARD", shard_value)?;
        let shard = u16::try_from(shard)
            .ok()
            .filter(|s| *s < sharding.nr_shards())
            .ok_or_else(|| invalid("SCYLLA_SHARD", shard_value))?;
        let port = |key: &'static str| -> Result<Option<u16>, ShardingError> {
            match get(key) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .map(Some)
                    .ok_or_else(|| invalid(key, Some(v))),
            }
        };
        Ok(Some(ShardInfo {
            shard,
            sharding,
            shard_aware_port: port("SCYLLA_SHARD_AWARE_PORT")?,
            shard_aware_port_ssl: port("SCYLLA_SHARD_AWARE_PORT_SSL")?,
        }))
    }
}

#[cfg(test)]
#[path = "sharding_tests.rs"]
mod tests;
