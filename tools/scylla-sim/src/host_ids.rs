//! Host ids of the virtual nodes, learned from the `host_id` column of `system.local`,
//! `system.peers` and `system.peers_v2` rows passing through the sim: the same values the
//! driver reads, so the replicas of a tablet payload name hosts the driver knows. The
//! `system.local` row answered on a node's connection is that node's; a peers row belongs to
//! the virtual node in front of its `peer` address.

use std::net::IpAddr;
use std::sync::RwLock;

use crate::metadata::{Column, KIND_ROWS, read_metadata};
use crate::wire::Reader;

/// CQL type id of `uuid`.
const TYPE_UUID: u16 = 0x000C;

/// The host id learned for each virtual node (index = node).
#[derive(Debug, Default)]
pub struct HostIds {
    ids: RwLock<Vec<Option<[u8; 16]>>>,
}

impl HostIds {
    /// A table for `nodes` nodes, none known yet.
    pub fn new(nodes: usize) -> Self {
        HostIds {
            ids: RwLock::new(vec![None; nodes]),
        }
    }

    /// The host id of `node`, if learned.
    pub fn get(&self, node: usize) -> Option<[u8; 16]> {
        self.ids
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .copied()
            .flatten()
    }

    /// Records the host id of `node` (ignored for unknown nodes).
    pub fn set(&self, node: usize, id: [u8; 16]) {
        let mut g = self.ids.write().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = g.get_mut(node) {
            *slot = Some(id);
        }
    }
}

/// Where a row of a ROWS result says a host id belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The node that answered (a `system.local` row).
    Local,
    /// The node whose backend has this address (a `system.peers*` row).
    Peer(IpAddr),
}

fn decode_ip(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// The (owner, host id) pairs of a ROWS message of `system.local` / `system.peers(_v2)`
/// (backend addresses, before the address rewrite). `cached` = the prepared statement's
/// result columns for rows sent without metadata. Malformed or other results give nothing.
pub fn host_ids_in_rows(msg: &[u8], cached: Option<&[Column]>) -> Vec<(Owner, [u8; 16])> {
    rows(msg, cached).unwrap_or_default()
}

fn rows(msg: &[u8], cached: Option<&[Column]>) -> Option<Vec<(Owner, [u8; 16])>> {
    let mut r = Reader::new(msg);
    if r.i32()? != KIND_ROWS {
        return None;
    }
    let meta = read_metadata(&mut r, false)?;
    let columns: &[Column] = match (&meta.columns, cached) {
        (Some(c), _) => c,
        (None, Some(c)) if c.len() == meta.columns_count => c,
        _ => return None,
    };
    let first = columns.first()?;
    if first.keyspace != "system" {
        return None;
    }
    let local = match first.table.as_str() {
        "local" => true,
        "peers" | "peers_v2" => false,
        _ => return None,
    };
    let host_col = columns
        .iter()
        .position(|c| c.name == "host_id" && c.type_id == TYPE_UUID)?;
    let peer_col = columns.iter().position(|c| c.name == "peer");
    if !local && peer_col.is_none() {
        return None;
    }
    let n = r.i32()?;
    let mut out = Vec::new();
    for _ in 0..n.max(0) {
        let (mut host, mut peer) = (None, None);
        for i in 0..columns.len() {
            let cell = r.bytes()?;
            if i == host_col {
                host = cell.and_then(|b| <[u8; 16]>::try_from(b).ok());
            } else if Some(i) == peer_col {
                peer = cell.and_then(decode_ip);
            }
        }
        let owner = match (local, peer) {
            (true, _) => Owner::Local,
            (false, Some(ip)) => Owner::Peer(ip),
            (false, None) => continue,
        };
        if let Some(h) = host {
            out.push((owner, h));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::GLOBAL_TABLES_SPEC;
    use crate::wire::{put_bytes, put_i32, put_string, put_u16};

    fn rows_msg(table: &str, cells: &[Option<&[u8]>]) -> Vec<u8> {
        let mut b = Vec::new();
        put_i32(&mut b, KIND_ROWS);
        put_i32(&mut b, GLOBAL_TABLES_SPEC);
        put_i32(&mut b, 2);
        put_string(&mut b, "system");
        put_string(&mut b, table);
        put_string(&mut b, "peer");
        put_u16(&mut b, 0x0010);
        put_string(&mut b, "host_id");
        put_u16(&mut b, TYPE_UUID);
        put_i32(&mut b, (cells.len() / 2) as i32);
        for c in cells {
            put_bytes(&mut b, *c);
        }
        b
    }

    #[test]
    fn local_and_peer_rows() {
        let id = [3u8; 16];
        let ip = [127, 0, 0, 31];
        let local = rows_msg("local", &[Some(&ip), Some(&id)]);
        assert_eq!(host_ids_in_rows(&local, None), vec![(Owner::Local, id)]);
        let peers = rows_msg("peers_v2", &[Some(&ip), Some(&id), Some(&ip), None]);
        assert_eq!(
            host_ids_in_rows(&peers, None),
            vec![(Owner::Peer("127.0.0.31".parse().unwrap()), id)]
        );
        assert!(host_ids_in_rows(&rows_msg("clients", &[Some(&ip), Some(&id)]), None).is_empty());
        assert!(host_ids_in_rows(&local[..local.len() - 3], None).is_empty());
        let h = HostIds::new(2);
        assert_eq!(h.get(1), None);
        h.set(1, id);
        h.set(5, id);
        assert_eq!((h.get(0), h.get(1), h.get(5)), (None, Some(id), None));
    }
}
