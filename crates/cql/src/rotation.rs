//! What [`Session::rotate_connections`](crate::Session::rotate_connections) reports.
//!
//! The CQL protocol authenticates a connection once, at start-up, and TLS material is fixed
//! at the handshake: new credentials or certificates reach a running session only through new
//! connections. Rotation replaces each connection make-before-break: a new one is opened (with
//! the auth provider's current credentials and the [`TlsConfig`](crate::tls::TlsConfig)'s
//! current material, within the connect timeout) and only then does the old one stop taking
//! requests; it closes once those in flight have ended. A node whose new connection cannot be
//! opened keeps its old ones, and its error is in the report.

use std::net::SocketAddr;

use crate::error::Error;

/// The outcome of a rotation, one entry per node the session has a pool for.
#[derive(Debug)]
#[non_exhaustive]
pub struct RotationReport {
    /// Per node, ordered by address.
    pub hosts: Vec<HostRotation>,
}

/// The outcome of a rotation on one node.
#[derive(Debug)]
#[non_exhaustive]
pub struct HostRotation {
    /// The node.
    pub addr: SocketAddr,
    /// Its open connections when the rotation started.
    pub before: usize,
    /// How many of them were replaced by new connections.
    pub rotated: usize,
    /// Why the next one could not be replaced (the old connections keep serving); `None`
    /// when every one was.
    pub error: Option<Error>,
}

impl RotationReport {
    /// Whether every connection of every node was replaced.
    pub fn is_complete(&self) -> bool {
        self.hosts
            .iter()
            .all(|h| h.error.is_none() && h.rotated >= h.before)
    }

    /// Connections replaced, over all nodes.
    pub fn rotated(&self) -> usize {
        self.hosts.iter().map(|h| h.rotated).sum()
    }

    /// The nodes where the rotation failed, with the error.
    pub fn failures(&self) -> impl Iterator<Item = (SocketAddr, &Error)> {
        self.hosts
            .iter()
            .filter_map(|h| h.error.as_ref().map(|e| (h.addr, e)))
    }
}
