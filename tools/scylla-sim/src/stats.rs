//! Counters of the simulator: per-node routing figures and per-shard connection counts,
//! rendered as JSON for the control port.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Routing figures of one node.
#[derive(Debug, Default, Clone, Copy)]
pub struct NodeStats {
    /// Every QUERY, EXECUTE and BATCH received.
    pub requests_total: u64,
    /// EXECUTEs whose token could be computed.
    pub routed_requests: u64,
    /// Routed EXECUTEs that arrived on the connection of the token's shard.
    pub right_shard: u64,
    /// Routed EXECUTEs that arrived on another shard's connection.
    pub wrong_shard: u64,
    /// Requests answered with the rate-limit error.
    pub rate_limited: u64,
    /// Routed EXECUTEs of tablet tables that arrived on the tablet's replica (node, shard).
    pub tablet_hits: u64,
    /// Routed EXECUTEs of tablet tables that arrived elsewhere.
    pub tablet_misses: u64,
}

/// Connection counts of one (node, shard, port kind).
#[derive(Debug, Default, Clone, Copy)]
pub struct ConnStats {
    /// Connections open now (not reset).
    pub open: u64,
    /// Connections accepted since the last reset.
    pub opened: u64,
    /// The lowest and highest client source port of those (0: none yet).
    pub min_source_port: u16,
    /// See `min_source_port`.
    pub max_source_port: u16,
}

#[derive(Debug, Default)]
struct Inner {
    nodes: BTreeMap<String, NodeStats>,
    conns: BTreeMap<(String, u32, &'static str), ConnStats>,
}

/// All counters, shared by every connection.
#[derive(Debug, Default)]
pub struct Stats {
    inner: Mutex<Inner>,
}

/// The outcome of one request, for [`Stats::request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// No token (QUERY, BATCH, unknown statement, null key).
    Unrouted,
    /// Token shard equals the connection's shard.
    Right,
    /// Token shard differs from the connection's shard.
    Wrong,
}

impl Stats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request on `node`.
    pub fn request(&self, node: &str, routing: Routing, rate_limited: bool) {
        let mut g = self.lock();
        let n = g.nodes.entry(node.to_string()).or_default();
        n.requests_total += 1;
        match routing {
            Routing::Unrouted => {}
            Routing::Right => {
                n.routed_requests += 1;
                n.right_shard += 1;
            }
            Routing::Wrong => {
                n.routed_requests += 1;
                n.wrong_shard += 1;
            }
        }
        if rate_limited {
            n.rate_limited += 1;
        }
    }

    /// Counts one routed EXECUTE of a tablet table on `node`: `hit` = on the replica.
    pub fn tablet(&self, node: &str, hit: bool) {
        let mut g = self.lock();
        let n = g.nodes.entry(node.to_string()).or_default();
        if hit {
            n.tablet_hits += 1;
        } else {
            n.tablet_misses += 1;
        }
    }

    /// A connection from `source_port` was accepted and assigned `shard`.
    pub fn conn_opened(&self, node: &str, shard: u32, kind: &'static str, source_port: u16) {
        let mut g = self.lock();
        let c = g.conns.entry((node.to_string(), shard, kind)).or_default();
        c.open += 1;
        c.opened += 1;
        if c.min_source_port == 0 || source_port < c.min_source_port {
            c.min_source_port = source_port;
        }
        c.max_source_port = c.max_source_port.max(source_port);
    }

    /// Every (node, shard, port kind) with its connection counts.
    pub fn connections(&self) -> Vec<(String, u32, &'static str, ConnStats)> {
        self.lock()
            .conns
            .iter()
            .map(|((n, s, k), c)| (n.clone(), *s, *k, *c))
            .collect()
    }

    /// A connection assigned `shard` was closed.
    pub fn conn_closed(&self, node: &str, shard: u32, kind: &'static str) {
        let mut g = self.lock();
        if let Some(c) = g.conns.get_mut(&(node.to_string(), shard, kind)) {
            c.open = c.open.saturating_sub(1);
        }
    }

    /// Zeroes every counter except the open-connection gauges.
    pub fn reset(&self) {
        let mut g = self.lock();
        g.nodes.clear();
        g.conns.retain(|_, c| c.open > 0);
        for c in g.conns.values_mut() {
            c.opened = 0;
            c.min_source_port = 0;
            c.max_source_port = 0;
        }
    }

    /// The figures of one node (zero if it saw nothing).
    pub fn node(&self, node: &str) -> NodeStats {
        self.lock().nodes.get(node).copied().unwrap_or_default()
    }

    /// Every counter as one JSON object.
    pub fn to_json(&self) -> String {
        let g = self.lock();
        let mut total = NodeStats::default();
        for n in g.nodes.values() {
            total.requests_total += n.requests_total;
            total.routed_requests += n.routed_requests;
            total.right_shard += n.right_shard;
            total.wrong_shard += n.wrong_shard;
            total.rate_limited += n.rate_limited;
            total.tablet_hits += n.tablet_hits;
            total.tablet_misses += n.tablet_misses;
        }
        let mut s = String::from("{");
        s.push_str(&fields(&total));
        s.push_str(",\"nodes\":{");
        let nodes: Vec<String> = g
            .nodes
            .iter()
            .map(|(k, n)| format!("\"{k}\":{{{}}}", fields(n)))
            .collect();
        s.push_str(&nodes.join(","));
        s.push_str("},\"connections\":[");
        let conns: Vec<String> = g
            .conns
            .iter()
            .map(|((node, shard, kind), c)| {
                format!(
                    "{{\"node\":\"{node}\",\"shard\":{shard},\"port_kind\":\"{kind}\",\"open\":{},\"opened\":{},\"min_source_port\":{},\"max_source_port\":{}}}",
                    c.open, c.opened, c.min_source_port, c.max_source_port
                )
            })
            .collect();
        s.push_str(&conns.join(","));
        s.push_str("]}");
        s
    }
}

fn fields(n: &NodeStats) -> String {
    format!(
        "\"requests_total\":{},\"routed_requests\":{},\"right_shard\":{},\"wrong_shard\":{},\"rate_limited\":{},\"tablet_hits\":{},\"tablet_misses\":{}",
        n.requests_total,
        n.routed_requests,
        n.right_shard,
        n.wrong_shard,
        n.rate_limited,
        n.tablet_hits,
        n.tablet_misses
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_reset() {
        let s = Stats::default();
        s.conn_opened("a", 1, "shard_aware", 50001);
        s.request("a", Routing::Right, false);
        s.request("a", Routing::Wrong, true);
        s.request("a", Routing::Unrouted, false);
        s.tablet("a", true);
        s.tablet("a", false);
        s.tablet("a", false);
        assert_eq!((s.node("a").tablet_hits, s.node("a").tablet_misses), (1, 2));
        assert!(s.to_json().starts_with(
            "{\"requests_total\":3,\"routed_requests\":2,\"right_shard\":1,\"wrong_shard\":1,\"rate_limited\":1,\"tablet_hits\":1,\"tablet_misses\":2,"
        ));
        let n = s.node("a");
        assert_eq!(
            (
                n.requests_total,
                n.routed_requests,
                n.right_shard,
                n.wrong_shard
            ),
            (3, 2, 1, 1)
        );
        assert!(
            s.to_json()
                .contains("\"shard\":1,\"port_kind\":\"shard_aware\",\"open\":1")
        );
        s.reset();
        assert_eq!(s.node("a").requests_total, 0);
        assert_eq!(s.node("a").tablet_misses, 0);
        assert!(s.to_json().contains("\"open\":1,\"opened\":0"));
    }
}
