//! Tablets (ScyllaDB's `TABLETS_ROUTING_V1`): a tablet table is not placed by the token ring
//! but in tablets, token ranges each with its own replicas (host and shard). The driver
//! learns them lazily: a request that reaches a node or shard that is not a replica of its
//! tablet is answered normally, with the tablet's range and replicas in the response's custom
//! payload (`tablets-routing-v1`); the next requests for that range go to those replicas.
//!
//! The map is per table; a new tablet replaces every one whose range overlaps it. Tablets
//! naming a node that left the cluster are dropped when the topology changes, and a dropped
//! table or keyspace takes its tablets with it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use uuid::Uuid;

use crate::token::Token;

/// The custom payload key of tablet routing information.
pub const PAYLOAD_KEY: &str = "tablets-routing-v1";

/// The extension's key in SUPPORTED and STARTUP.
pub const TABLETS_ROUTING_V1: &str = "TABLETS_ROUTING_V1";

/// Replicas a tablet may list: far above any replication factor.
const MAX_REPLICAS: usize = 64;

/// One tablet: the token range `(first, last]` and its replicas, in the server's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tablet {
    /// The range's start, exclusive.
    pub first_token: i64,
    /// The range's end, inclusive.
    pub last_token: i64,
    /// Each replica's host id and shard.
    pub replicas: Vec<(Uuid, u16)>,
}

/// A `tablets-routing-v1` payload that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed tablets-routing-v1 payload: {0}")]
pub struct TabletPayloadError(&'static str);

impl Tablet {
    /// Reads the payload: a `tuple<bigint, bigint, list<tuple<uuid, int>>>` value.
    pub fn decode(payload: &[u8]) -> Result<Tablet, TabletPayloadError> {
        let mut r = payload;
        let first_token = i64::from_be_bytes(fixed(element(&mut r, "first token")?)?);
        let last_token = i64::from_be_bytes(fixed(element(&mut r, "last token")?)?);
        let mut list = element(&mut r, "replica list")?;
        if !r.is_empty() {
            return Err(TabletPayloadError("bytes after the tuple"));
        }
        let n = i32::from_be_bytes(fixed(take(&mut list, 4, "replica count")?)?);
        let n = usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_REPLICAS).contains(n))
            .ok_or(TabletPayloadError("replica count out of range"))?;
        let mut replicas = Vec::with_capacity(n);
        for _ in 0..n {
            let mut pair = element(&mut list, "replica")?;
            let host = Uuid::from_bytes(fixed(element(&mut pair, "host id")?)?);
            let shard = i32::from_be_bytes(fixed(element(&mut pair, "shard")?)?);
            let shard =
                u16::try_from(shard).map_err(|_| TabletPayloadError("shard out of range"))?;
            if !pair.is_empty() {
                return Err(TabletPayloadError("bytes after a replica"));
            }
            replicas.push((host, shard));
        }
        if !list.is_empty() {
            return Err(TabletPayloadError("bytes after the replicas"));
        }
        if first_token >= last_token {
            return Err(TabletPayloadError("empty token range"));
        }
        Ok(Tablet {
            first_token,
            last_token,
            replicas,
        })
    }

    /// Whether `token` is in the tablet's range.
    pub fn contains(&self, token: Token) -> bool {
        self.first_token < token.0 && token.0 <= self.last_token
    }

    /// The shard of the replica on `host`, if it is one.
    pub fn shard_on(&self, host: Uuid) -> Option<u16> {
        self.replicas
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, s)| *s)
    }

    fn overlaps(&self, other: &Tablet) -> bool {
        self.first_token < other.last_token && other.first_token < self.last_token
    }
}

fn take<'a>(
    r: &mut &'a [u8],
    n: usize,
    what: &'static str,
) -> Result<&'a [u8], TabletPayloadError> {
    if r.len() < n {
        return Err(TabletPayloadError(what));
    }
    let (head, rest) = r.split_at(n);
    *r = rest;
    Ok(head)
}

/// A tuple or collection element: `[int length][bytes]` (a null element is malformed here).
fn element<'a>(r: &mut &'a [u8], what: &'static str) -> Result<&'a [u8], TabletPayloadError> {
    let len = i32::from_be_bytes(fixed(take(r, 4, what)?)?);
    let len = usize::try_from(len).map_err(|_| TabletPayloadError(what))?;
    take(r, len, what)
}

fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N], TabletPayloadError> {
    b.try_into()
        .map_err(|_| TabletPayloadError("a value of the wrong size"))
}

/// The tablets learned so far, per table.
#[derive(Debug, Default)]
pub struct TabletMap {
    /// Any tablet known: lets requests skip the lock when there are none (Cassandra).
    any: AtomicBool,
    /// keyspace → table → tablets by last token.
    tables: RwLock<HashMap<String, HashMap<String, Tablets>>>,
}

/// One table's tablets by last token.
type Tablets = BTreeMap<i64, Arc<Tablet>>;

impl TabletMap {
    /// The tablet of `token` in `keyspace.table`, if known.
    #[inline]
    pub fn get(&self, keyspace: &str, table: &str, token: Token) -> Option<Arc<Tablet>> {
        // One load on every request of a cluster without tablets.
        if !self.any.load(Ordering::Relaxed) {
            return None;
        }
        self.lookup(keyspace, table, token)
    }

    #[inline(never)]
    fn lookup(&self, keyspace: &str, table: &str, token: Token) -> Option<Arc<Tablet>> {
        let tables = self.tables.read().ok()?;
        let (_, tablet) = tables.get(keyspace)?.get(table)?.range(token.0..).next()?;
        tablet.contains(token).then(|| Arc::clone(tablet))
    }

    /// Learns a tablet of `keyspace.table`, replacing the ones it overlaps.
    pub fn insert(&self, keyspace: &str, table: &str, tablet: Tablet) {
        let Ok(mut tables) = self.tables.write() else {
            return;
        };
        let tablets = tables
            .entry(keyspace.to_owned())
            .or_default()
            .entry(table.to_owned())
            .or_default();
        let stale: Vec<i64> = tablets
            .range(tablet.first_token.saturating_add(1)..)
            .take_while(|(_, t)| t.first_token < tablet.last_token)
            .filter(|(_, t)| t.overlaps(&tablet))
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            tablets.remove(&k);
        }
        tablets.insert(tablet.last_token, Arc::new(tablet));
        self.any.store(true, Ordering::Relaxed);
    }

    /// Drops the tablets of a table (`Some`) or of every table of a keyspace (`None`).
    pub fn drop_table(&self, keyspace: &str, table: Option<&str>) {
        if let Ok(mut tables) = self.tables.write() {
            match table {
                None => {
                    tables.remove(keyspace);
                }
                Some(t) => {
                    if let Some(ks) = tables.get_mut(keyspace) {
                        ks.remove(t);
                    }
                }
            }
        }
    }

    /// Drops tablets with a replica on a node not in `hosts` (the topology changed).
    pub fn retain_hosts(&self, hosts: &[Uuid]) {
        if let Ok(mut tables) = self.tables.write() {
            for ks in tables.values_mut() {
                for tablets in ks.values_mut() {
                    tablets.retain(|_, t| t.replicas.iter().all(|(h, _)| hosts.contains(h)));
                }
                ks.retain(|_, v| !v.is_empty());
            }
            tables.retain(|_, v| !v.is_empty());
        }
    }

    /// How many tablets are known, over all tables.
    pub fn len(&self) -> usize {
        self.tables
            .read()
            .map(|t| {
                t.values()
                    .flat_map(|ks| ks.values())
                    .map(BTreeMap::len)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Whether no tablet is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[path = "tablets_tests.rs"]
mod tests;
