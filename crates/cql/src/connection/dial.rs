//! The TCP connection under a CQL connection: to the node's address, or to a ScyllaDB node's
//! shard-aware port from a source port that selects the wanted shard.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::RangeInclusive;

use tokio::net::{TcpSocket, TcpStream};

use crate::error::Error;
use crate::scylla::Sharding;

/// Where a new connection's TCP stream goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// The node's address.
    Regular,
    /// The node's shard-aware `port`, from a source port that the node maps to `shard`.
    ShardAware {
        port: u16,
        shard: u16,
        sharding: Sharding,
    },
}

/// Source ports tried before giving up: ports in use (other connections, TIME_WAIT) are
/// skipped; this many busy ones in a row means the range is exhausted.
const MAX_BIND_TRIES: usize = 64;

/// Connects to `addr` (or its shard-aware port, per `route`); `nodelay` set.
pub(super) async fn dial(
    addr: SocketAddr,
    route: Route,
    local_ports: &RangeInclusive<u16>,
) -> Result<TcpStream, Error> {
    let stream = match route {
        Route::Regular => TcpStream::connect(addr)
            .await
            .map_err(|e| Error::Connect { addr, source: e })?,
        Route::ShardAware {
            port,
            shard,
            sharding,
        } => {
            shard_aware(
                SocketAddr::new(addr.ip(), port),
                shard,
                sharding,
                local_ports,
            )
            .await?
        }
    };
    stream
        .set_nodelay(true)
        .map_err(|e| Error::Connect { addr, source: e })?;
    Ok(stream)
}

async fn shard_aware(
    target: SocketAddr,
    shard: u16,
    sharding: Sharding,
    local_ports: &RangeInclusive<u16>,
) -> Result<TcpStream, Error> {
    let unspecified = match target.ip() {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let fail = |source| Error::Connect {
        addr: target,
        source,
    };
    let ports = sharding.local_ports(shard, local_ports.clone(), crate::reconnect::random_u64());
    for local in ports.take(MAX_BIND_TRIES) {
        let socket = match target {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(fail)?;
        // A port whose last connection is in TIME_WAIT may be bound again; its 4-tuple is
        // new as long as the node's port differs (a clash fails `connect`: next port).
        socket.set_reuseaddr(true).map_err(fail)?;
        match socket.bind(SocketAddr::new(unspecified, local)) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
            Err(e) => return Err(fail(e)),
        }
        match socket.connect(target).await {
            Ok(stream) => return Ok(stream),
            Err(e) if matches!(e.kind(), ErrorKind::AddrInUse | ErrorKind::AddrNotAvailable) => {
                continue;
            }
            Err(e) => return Err(fail(e)),
        }
    }
    Err(fail(std::io::Error::new(
        ErrorKind::AddrInUse,
        format!(
            "no free source port for shard {shard} of {} in {local_ports:?}",
            sharding.nr_shards()
        ),
    )))
}
