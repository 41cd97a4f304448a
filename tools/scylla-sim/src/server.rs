//! Listeners: the regular and shard-aware ports of every virtual node, shard assignment of
//! accepted connections, and the control port.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::addresses::AddrMap;
use crate::config::{Config, ShardAwarePort};
use crate::host_ids::HostIds;
use crate::proxy::{ConnInfo, serve};
use crate::statements::Statements;
use crate::stats::Stats;
use crate::tablets::TabletMap;
use crate::topology::{Removal, Topology};

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    /// Configuration.
    pub cfg: Config,
    /// Counters.
    pub stats: Stats,
    /// Prepared statements seen.
    pub statements: Statements,
    /// Backend → listen addresses.
    pub addr_map: AddrMap,
    /// Requests seen by the rate limiter.
    pub rate_counter: AtomicU64,
    /// Host ids of the virtual nodes, learned from system.local/peers rows.
    pub host_ids: HostIds,
    /// The tablet layout of every tablet table.
    pub tablet_map: TabletMap,
    /// Removed virtual nodes and the open client connections (see [`Shared::remove_node`]).
    pub topology: Topology,
    round_robin: Vec<AtomicU32>,
}

impl Shared {
    /// Simulates the removal of the virtual node listening on `ip` (its listen IP, as in
    /// `--backend ...=LISTEN_IP`). From then on: the rows of `system.peers` and
    /// `system.peers_v2` whose address columns name it are left out of results; every client
    /// connection that sent a REGISTER including `TOPOLOGY_CHANGE` gets one
    /// `TOPOLOGY_CHANGE REMOVED_NODE ip:port` event (`port` = `--port`), those connected to
    /// the removed node too; then the connections to the removed node are closed and new
    /// ones (regular and shard-aware port) are closed at accept; in tablets mode its tablets
    /// are served by the next live node (config order, wrapping), same shard. Removing an
    /// already removed node does nothing ([`Removal::AlreadyRemoved`]); there is no way back.
    pub fn remove_node(&self, ip: IpAddr) -> Removal {
        let r = self.topology.remove(ip);
        if let Removal::Removed { events, closed, .. } = r {
            eprintln!(
                "scylla-sim: node {ip} removed: {events} event(s), {closed} connection(s) closed"
            );
        }
        r
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct Sim {
    /// Shared state (stats can be read and reset directly in-process).
    pub shared: Arc<Shared>,
    /// The control port's actual address, if enabled.
    pub control: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regular,
    ShardAware,
    Closing,
}

/// Binds every listener and spawns the accept loops on the current runtime.
pub async fn start(cfg: Config) -> std::io::Result<Sim> {
    let addr_map = AddrMap {
        pairs: cfg
            .backends
            .iter()
            .map(|b| (b.backend.ip(), b.listen))
            .collect(),
        port: cfg.port,
    };
    let tablet_map = TabletMap {
        count: cfg.tablets_per_table,
        nodes: cfg.backends.len(),
        shards: cfg.shards,
    };
    let shared = Arc::new(Shared {
        host_ids: HostIds::new(cfg.backends.len()),
        tablet_map,
        topology: Topology::new(cfg.backends.iter().map(|b| b.listen).collect(), cfg.port),
        round_robin: cfg.backends.iter().map(|_| AtomicU32::new(0)).collect(),
        cfg,
        stats: Stats::default(),
        statements: Statements::default(),
        addr_map,
        rate_counter: AtomicU64::new(0),
    });
    for (i, b) in shared.cfg.backends.iter().enumerate() {
        let regular = TcpListener::bind((b.listen, shared.cfg.port)).await?;
        tokio::spawn(accept_loop(shared.clone(), regular, i, Kind::Regular));
        let sa = match shared.cfg.shard_aware {
            ShardAwarePort::Listen(p) => Some((p, Kind::ShardAware)),
            ShardAwarePort::Closing(p) => Some((p, Kind::Closing)),
            ShardAwarePort::Off => None,
        };
        if let Some((p, kind)) = sa {
            let l = TcpListener::bind((b.listen, p)).await?;
            tokio::spawn(accept_loop(shared.clone(), l, i, kind));
        }
    }
    let control = match shared.cfg.control {
        Some(a) => {
            let l = TcpListener::bind(a).await?;
            let addr = l.local_addr()?;
            tokio::spawn(control_loop(shared.clone(), l));
            Some(addr)
        }
        None => None,
    };
    Ok(Sim { shared, control })
}

async fn accept_loop(shared: Arc<Shared>, l: TcpListener, node: usize, kind: Kind) {
    loop {
        let (sock, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("scylla-sim: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if shared.topology.is_removed(node) {
            // A removed node accepts nothing.
            drop(sock);
            continue;
        }
        let shards = shared.cfg.shards;
        let (shard, port_kind) = match kind {
            Kind::Closing => {
                drop(sock);
                continue;
            }
            Kind::ShardAware => (u32::from(peer.port()) % shards, "shard_aware"),
            Kind::Regular => (
                shared.round_robin[node].fetch_add(1, Ordering::Relaxed) % shards,
                "regular",
            ),
        };
        let info = ConnInfo {
            node,
            node_name: shared.cfg.backends[node].listen.to_string(),
            shard,
            port_kind,
            peer,
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            shared
                .stats
                .conn_opened(&info.node_name, shard, port_kind, peer.port());
            let name = info.node_name.clone();
            serve(shared.clone(), sock, info).await;
            shared.stats.conn_closed(&name, shard, port_kind);
        });
    }
}

async fn control_loop(shared: Arc<Shared>, l: TcpListener) {
    loop {
        if let Ok((sock, _)) = l.accept().await {
            tokio::spawn(control_conn(shared.clone(), sock));
        }
    }
}

/// The stats JSON with `"removed_nodes":["IP",...]` (listen IPs of the removed nodes) added.
fn stats_json(shared: &Shared) -> String {
    let mut s = shared.stats.to_json();
    let removed: Vec<String> = shared
        .cfg
        .backends
        .iter()
        .enumerate()
        .filter(|(i, _)| shared.topology.is_removed(*i))
        .map(|(_, b)| format!("\"{}\"", b.listen))
        .collect();
    if s.ends_with('}') {
        s.pop();
        s.push_str(&format!(",\"removed_nodes\":[{}]}}", removed.join(",")));
    }
    s
}

/// The answer to `remove NODE_IP` / `GET /remove/NODE_IP` (`arg` = what follows `remove`).
fn remove_command(shared: &Shared, arg: &str) -> String {
    let arg = arg.trim_start_matches([' ', '/']).trim();
    let Ok(ip) = arg.parse::<IpAddr>() else {
        return format!(
            "{{\"error\":\"remove: not an IP address: {}\"}}",
            arg.replace(['"', '\\'], "")
        );
    };
    match shared.remove_node(ip) {
        Removal::Removed { events, closed, .. } => {
            format!("{{\"removed\":\"{ip}\",\"events\":{events},\"closed\":{closed}}}")
        }
        Removal::AlreadyRemoved => format!("{{\"removed\":\"{ip}\",\"already\":true}}"),
        Removal::UnknownNode => {
            format!("{{\"error\":\"remove: no virtual node listens on {ip}\"}}")
        }
    }
}

/// One control request: an HTTP `GET /stats`, `GET /reset` or `GET /remove/NODE_IP`, or a
/// line `stats`, `reset` or `remove NODE_IP`.
async fn control_conn(shared: Arc<Shared>, mut sock: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let read = async {
        while !buf.contains(&b'\n') && buf.len() < 8192 {
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    if tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .is_err()
    {
        return;
    }
    let line = String::from_utf8_lossy(&buf);
    let line = line.lines().next().unwrap_or("").trim().to_string();
    let (http, cmd) = match line.strip_prefix("GET ") {
        Some(rest) => (
            true,
            rest.split_whitespace()
                .next()
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string(),
        ),
        None => (false, line),
    };
    let body = match cmd.as_str() {
        "reset" => {
            shared.stats.reset();
            "{\"reset\":true}".to_string()
        }
        "" | "stats" => stats_json(&shared),
        c if c.starts_with("remove") && (c.len() == 6 || c[6..].starts_with([' ', '/'])) => {
            remove_command(&shared, &c[6..])
        }
        other => format!(
            "{{\"error\":\"unknown command {}\"}}",
            other.replace(['"', '\\'], "")
        ),
    };
    let out = if http {
        format!(
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        format!("{body}\n")
    };
    let _ = sock.write_all(out.as_bytes()).await;
    let _ = sock.shutdown().await;
}
