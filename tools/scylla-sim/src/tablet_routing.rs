//! Tablets mode at request time: whether an EXECUTE of a tablet table reached its tablet's
//! replica (counted as a tablet hit or miss), the `tablets-routing-v1` payload a miss earns
//! a client that negotiated the extension, and learning host ids from the rows that pass.

use crate::host_ids::{Owner, host_ids_in_rows};
use crate::metadata::Column;
use crate::payload::tablet_routing_v1;
use crate::proxy::ConnInfo;
use crate::server::Shared;
use crate::statements::Statement;

/// Checks an EXECUTE of `st` with token `token` arriving on `info`'s (node, shard). Counts a
/// tablet hit or miss when the statement's table is in a `--tablets` keyspace, and returns
/// the payload value to add to the RESULT for a miss when `negotiated` and the replica's
/// host id is known. `None`: not a tablet table, a hit, or nothing to report.
pub fn on_execute(
    shared: &Shared,
    info: &ConnInfo,
    negotiated: bool,
    st: &Statement,
    token: i64,
) -> Option<Vec<u8>> {
    let (keyspace, _) = st.table.as_ref()?;
    if !shared.cfg.is_tablet_keyspace(keyspace) {
        return None;
    }
    let mut tablet = shared.tablet_map.tablet_of(token);
    // The tablets of a removed node moved to the next live node (same shard).
    tablet.node = shared.topology.live_node(tablet.node);
    let hit = tablet.node == info.node && tablet.shard == info.shard;
    shared.stats.tablet(&info.node_name, hit);
    if hit || !negotiated {
        return None;
    }
    // A tablet whose node's host id is not known yet is not reported.
    let host = shared.host_ids.get(tablet.node)?;
    let shard = i32::try_from(tablet.shard).ok()?;
    Some(tablet_routing_v1(
        tablet.first,
        tablet.last,
        &[(host, shard)],
    ))
}

/// Learns host ids from a ROWS message of `system.local` (the answering `node`'s) or
/// `system.peers(_v2)` (the node in front of the row's `peer` backend address).
pub fn learn_host_ids(shared: &Shared, node: usize, msg: &[u8], cached: Option<&[Column]>) {
    for (owner, id) in host_ids_in_rows(msg, cached) {
        let n = match owner {
            Owner::Local => Some(node),
            Owner::Peer(ip) => shared.cfg.node_of_backend(ip),
        };
        if let Some(n) = n {
            shared.host_ids.set(n, id);
        }
    }
}
