//! The token ring and the replicas of every ring range, per replication strategy.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::{Host, KeyspaceMetadata, ReplicationStrategy, Token};

/// Replicas (host indexes, primary first) of each ring range, by range index.
type ReplicaTable = Arc<Vec<Vec<usize>>>;

/// Tokens in ring order with the index of the host that owns each, and the replica table of
/// each keyspace (keyspaces with the same strategy share one table).
#[derive(Debug, Default)]
pub(crate) struct TokenRing {
    ring: Vec<(Token, usize)>,
    /// Looked up on every routed request: a fast hasher (the names come from the cluster).
    by_keyspace: HashMap<String, ReplicaTable, rustc_hash::FxBuildHasher>,
}

impl TokenRing {
    pub(crate) fn new(hosts: &[Arc<Host>], keyspaces: &HashMap<String, KeyspaceMetadata>) -> Self {
        let mut ring: Vec<(Token, usize)> = hosts
            .iter()
            .enumerate()
            .flat_map(|(i, h)| h.tokens.iter().map(move |&t| (t, i)))
            .collect();
        ring.sort();
        ring.dedup_by_key(|(t, _)| *t);
        let mut tables: HashMap<&ReplicationStrategy, ReplicaTable> = HashMap::new();
        let mut by_keyspace = HashMap::default();
        if !ring.is_empty() {
            for ks in keyspaces.values() {
                let table = match tables.get(&ks.strategy) {
                    Some(t) => Arc::clone(t),
                    None => {
                        let Some(t) = compute(&ring, hosts, &ks.strategy) else {
                            continue;
                        };
                        let t = Arc::new(t);
                        tables.insert(&ks.strategy, Arc::clone(&t));
                        t
                    }
                };
                by_keyspace.insert(ks.name.clone(), table);
            }
        }
        TokenRing { ring, by_keyspace }
    }

    /// The index of the range containing `token`: the first ring token >= it, wrapping.
    fn range_of(&self, token: Token) -> Option<usize> {
        if self.ring.is_empty() {
            return None;
        }
        let i = self.ring.partition_point(|(t, _)| *t < token);
        Some(if i == self.ring.len() { 0 } else { i })
    }

    pub(crate) fn owner(&self, token: Token) -> Option<usize> {
        self.range_of(token).map(|i| self.ring[i].1)
    }

    pub(crate) fn replicas(&self, keyspace: &str, token: Token) -> &[usize] {
        match (self.by_keyspace.get(keyspace), self.range_of(token)) {
            (Some(table), Some(i)) => table.get(i).map(Vec::as_slice).unwrap_or_default(),
            _ => &[],
        }
    }
}

fn compute(
    ring: &[(Token, usize)],
    hosts: &[Arc<Host>],
    strategy: &ReplicationStrategy,
) -> Option<Vec<Vec<usize>>> {
    match strategy {
        ReplicationStrategy::Simple { replication_factor } => Some(
            (0..ring.len())
                .map(|start| simple(ring, start, *replication_factor))
                .collect(),
        ),
        ReplicationStrategy::NetworkTopology { datacenters } => {
            let mut racks: HashMap<&str, HashSet<Option<&str>>> = HashMap::new();
            for h in hosts {
                if let Some(dc) = h.datacenter() {
                    racks.entry(dc).or_default().insert(h.rack());
                }
            }
            Some(
                (0..ring.len())
                    .map(|start| network_topology(ring, hosts, start, datacenters, &racks))
                    .collect(),
            )
        }
        ReplicationStrategy::Local | ReplicationStrategy::Other { .. } => None,
    }
}

/// The next `rf` distinct hosts clockwise from `start`.
fn simple(ring: &[(Token, usize)], start: usize, rf: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(rf);
    for j in 0..ring.len() {
        if out.len() >= rf {
            break;
        }
        let host = ring[(start + j) % ring.len()].1;
        if !out.contains(&host) {
            out.push(host);
        }
    }
    out
}

#[derive(Default)]
struct DcState<'a> {
    taken: usize,
    racks_seen: HashSet<Option<&'a str>>,
    skipped: Vec<usize>,
}

/// Per data center, the next hosts clockwise from `start`, on distinct racks first; hosts on
/// racks already used are taken (in ring order) once every rack of the DC has a replica.
fn network_topology<'a>(
    ring: &[(Token, usize)],
    hosts: &'a [Arc<Host>],
    start: usize,
    datacenters: &BTreeMap<String, usize>,
    racks: &HashMap<&str, HashSet<Option<&'a str>>>,
) -> Vec<usize> {
    let wanted: usize = datacenters
        .iter()
        .filter_map(|(dc, rf)| {
            let size = hosts
                .iter()
                .filter(|h| h.datacenter() == Some(dc.as_str()))
                .count();
            Some((*rf).min(size)).filter(|_| racks.contains_key(dc.as_str()))
        })
        .sum();
    let mut out: Vec<usize> = Vec::new();
    let mut state: HashMap<&str, DcState<'a>> = HashMap::new();
    for j in 0..ring.len() {
        if out.len() >= wanted {
            break;
        }
        let index = ring[(start + j) % ring.len()].1;
        let host = &hosts[index];
        let Some(dc) = host.datacenter() else {
            continue;
        };
        let Some(&rf) = datacenters.get(dc) else {
            continue;
        };
        let dc_racks = racks.get(dc).map_or(0, HashSet::len);
        let st = state.entry(dc).or_default();
        if st.taken >= rf || out.contains(&index) || st.skipped.contains(&index) {
            continue;
        }
        let rack = host.rack();
        if st.racks_seen.len() >= dc_racks {
            out.push(index);
            st.taken += 1;
        } else if st.racks_seen.insert(rack) {
            out.push(index);
            st.taken += 1;
            if st.racks_seen.len() >= dc_racks {
                // Every rack has a replica: the hosts passed over fill the remaining places.
                for s in std::mem::take(&mut st.skipped) {
                    if st.taken >= rf {
                        break;
                    }
                    out.push(s);
                    st.taken += 1;
                }
            }
        } else {
            st.skipped.push(index);
        }
    }
    out
}
