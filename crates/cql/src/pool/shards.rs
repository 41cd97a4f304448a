//! A pool's view of its node's shards (ScyllaDB): which shard a token's request goes to,
//! which shard the next connection should serve, and whether the shard-aware port works.
//!
//! A node that sends no sharding keys (Cassandra) leaves all of this empty: requests pick
//! the least busy connection as before, after one atomic load.
//!
//! Connections are opened through the node's shard-aware port with a source port chosen for
//! the shard that has the fewest connections. When that port cannot be reached (refused,
//! timed out, closed during start-up) the same attempt falls back to the regular port at
//! once, and the shard-aware port rests for [`PORT_REST`] (one warning); a connection that
//! lands on another shard than its source port asked for (NAT rewrote the port) rests it for
//! [`NAT_REST`]. Through the regular port the node picks the shard: a connection to a shard
//! that is already covered while others are not is closed and another one opened, at most
//! twice the shard count in a row, then kept.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::connection::{Connection, Route};
use crate::error::Error;
use crate::scylla::{ShardAwareOptions, ShardInfo, ShardStats, Sharding};
use crate::token::Token;

/// How long the shard-aware port rests after it could not be reached.
pub(crate) const PORT_REST: Duration = Duration::from_secs(60);

/// How long it rests after a connection landed on another shard than asked for.
pub(crate) const NAT_REST: Duration = Duration::from_secs(600);

/// The shards of one node, as its connections reported them.
#[derive(Debug, Default)]
pub(crate) struct Shards {
    /// `nr_shards << 8 | ignore_msb`; 0: not sharded (read on every request).
    packed: AtomicU32,
    /// The node's latest sharding keys (ports included).
    info: Mutex<Option<ShardInfo>>,
    /// Until when the shard-aware port is not used.
    port_rests_until: Mutex<Option<Instant>>,
    /// Connections in a row that landed on a shard already covered.
    excess: AtomicU32,
    /// Whether the node's unusable sharding keys were reported already.
    warned: AtomicBool,
}

impl Shards {
    /// The node's sharding, if it is sharded and shard awareness is on.
    pub(crate) fn sharding(&self) -> Option<Sharding> {
        let p = self.packed.load(Ordering::Relaxed);
        if p == 0 {
            return None;
        }
        Sharding::new((p >> 8) as u16, (p & 0xff) as u8)
    }

    /// The shard a request for `token` goes to (none: any connection).
    pub(crate) fn shard_for(&self, token: Option<Token>) -> Option<u16> {
        let p = self.packed.load(Ordering::Relaxed);
        if p == 0 {
            return None;
        }
        let t = token?;
        Sharding::new((p >> 8) as u16, (p & 0xff) as u8).map(|s| s.shard_of(t))
    }

    /// Connections to keep open for a pool of `base` connections: at least one per shard.
    pub(crate) fn target(&self, base: usize) -> usize {
        match self.sharding() {
            None => base,
            Some(s) => {
                let n = usize::from(s.nr_shards());
                n * base.div_ceil(n).max(1)
            }
        }
    }

    /// Learns the node's sharding from a new connection.
    pub(crate) fn learn(&self, addr: SocketAddr, conn: &Connection, options: &ShardAwareOptions) {
        if let Some(e) = conn.sharding_error() {
            if !self.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(%addr, error = %e,
                    "the node's sharding information is unusable; routing without shards");
            }
        }
        let info = conn.shard_info().copied().filter(|_| !options.disable);
        let packed = info.map_or(0, |i| {
            u32::from(i.sharding.nr_shards()) << 8 | u32::from(i.sharding.ignore_msb())
        });
        if self.packed.swap(packed, Ordering::Relaxed) != packed {
            if let Some(i) = &info {
                tracing::debug!(%addr, shards = i.sharding.nr_shards(), "node is sharded");
            }
        }
        if let Ok(mut slot) = self.info.lock() {
            *slot = info;
        }
    }

    /// The shard the next connection should serve (`want`, else the one with the fewest
    /// connections), and the route to it.
    pub(crate) fn next_route(
        &self,
        conns: &[Connection],
        want: Option<u16>,
        tls: bool,
        options: &ShardAwareOptions,
    ) -> (Route, Option<u16>) {
        let Some(info) = self.info.lock().ok().and_then(|i| *i) else {
            return (Route::Regular, None);
        };
        let shard = want
            .filter(|s| *s < info.sharding.nr_shards())
            .unwrap_or_else(|| least_covered(conns, info.sharding.nr_shards()));
        let port = if tls {
            info.shard_aware_port_ssl
        } else {
            info.shard_aware_port
        };
        let resting = self
            .port_rests_until
            .lock()
            .ok()
            .and_then(|u| *u)
            .is_some_and(|until| Instant::now() < until);
        match port {
            Some(port) if !options.disable_shard_aware_port && !resting => (
                Route::ShardAware {
                    port,
                    shard,
                    sharding: info.sharding,
                },
                Some(shard),
            ),
            _ => (Route::Regular, Some(shard)),
        }
    }

    /// The shard-aware port could not be used: it rests, and the caller connects through the
    /// regular port.
    pub(crate) fn port_failed(&self, addr: SocketAddr, e: &Error) {
        if self.rest_port(PORT_REST) {
            tracing::warn!(%addr, error = %e,
                "the shard-aware port cannot be used; connecting through the regular port");
        }
    }

    /// A connection through the shard-aware port landed on `got` instead of `want`.
    pub(crate) fn landed_elsewhere(&self, addr: SocketAddr, want: u16, got: Option<u16>) {
        if self.rest_port(NAT_REST) {
            tracing::warn!(%addr, want, ?got,
                "a connection through the shard-aware port got another shard (NAT?); using the regular port for a while");
        }
    }

    /// Rests the shard-aware port; `true` when it was not resting already.
    fn rest_port(&self, rest: Duration) -> bool {
        let Ok(mut until) = self.port_rests_until.lock() else {
            return false;
        };
        let now = Instant::now();
        let was = until.is_some_and(|u| now < u);
        *until = Some(now + rest);
        !was
    }

    /// Whether `conn` should be closed rather than join: its shard has its connections while
    /// another shard has fewer (and not too many such connections came in a row).
    pub(crate) fn is_excess(&self, conn: &Connection, conns: &[Connection], base: usize) -> bool {
        let (Some(s), Some(shard)) = (self.sharding(), conn.shard()) else {
            return false;
        };
        let n = s.nr_shards();
        let per = base.div_ceil(usize::from(n)).max(1);
        let counts = counts(conns, n);
        let full = counts.get(usize::from(shard)).is_some_and(|c| *c >= per);
        let others_short = counts.iter().any(|c| *c < per);
        if full && others_short && self.excess.fetch_add(1, Ordering::Relaxed) < 2 * u32::from(n) {
            return true;
        }
        self.excess.store(0, Ordering::Relaxed);
        false
    }
}

/// The pool's connections per shard, if the node is sharded.
pub(crate) fn stats(shards: &Shards, conns: &[Connection]) -> Option<ShardStats> {
    let s = shards.sharding()?;
    let per_shard = counts(conns, s.nr_shards());
    Some(ShardStats {
        nr_shards: s.nr_shards(),
        connected_shards: per_shard.iter().filter(|c| **c > 0).count() as u16,
        connections: conns.iter().filter(|c| !c.is_closed()).count(),
        per_shard,
    })
}

/// Open connections per shard.
fn counts(conns: &[Connection], n: u16) -> Vec<usize> {
    let mut counts = vec![0usize; usize::from(n)];
    for c in conns.iter().filter(|c| !c.is_closed()) {
        if let Some(slot) = c.shard().and_then(|s| counts.get_mut(usize::from(s))) {
            *slot += 1;
        }
    }
    counts
}

/// The shard with the fewest open connections (the lowest of those).
fn least_covered(conns: &[Connection], n: u16) -> u16 {
    let counts = counts(conns, n);
    let mut best = 0u16;
    for (i, c) in counts.iter().enumerate() {
        if *c < counts[usize::from(best)] {
            best = i as u16;
        }
    }
    best
}
