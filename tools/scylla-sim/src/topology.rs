//! Simulated topology change: removing a virtual node. The sim keeps which virtual nodes are
//! removed and a registry of the open client connections (their node, whether they
//! registered for `TOPOLOGY_CHANGE` events, and a channel to push frames to them). Removing
//! a node sends every registered client one `TOPOLOGY_CHANGE REMOVED_NODE` event, then
//! closes the connections to the removed node; the accept loops refuse new ones, the peers
//! rows naming it are left out of results and its tablets move to the next live node.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::frame::{EVENT, Frame};
use crate::wire::{put_i32, put_string};

/// What the sim pushes to a client connection outside the request/response flow.
#[derive(Debug)]
pub enum Push {
    /// Write this frame to the client.
    Frame(Frame),
    /// Close the connection (its node was removed).
    Close,
}

#[derive(Debug)]
struct Handle {
    node: usize,
    /// Protocol version of the connection's frames, once known (0 = none seen yet).
    version: u8,
    topology_events: bool,
    tx: UnboundedSender<Push>,
}

/// The outcome of [`Topology::remove`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The node is now removed: `events` clients got the event, `closed` connections to the
    /// node were closed.
    Removed {
        /// Index of the node.
        node: usize,
        /// REMOVED_NODE events pushed.
        events: usize,
        /// Connections to the removed node closed.
        closed: usize,
    },
    /// The node had been removed before: nothing was done.
    AlreadyRemoved,
    /// No virtual node listens on that IP.
    UnknownNode,
}

/// Removed nodes and the open client connections.
#[derive(Debug)]
pub struct Topology {
    listen: Vec<IpAddr>,
    port: u16,
    removed: Vec<AtomicBool>,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Handle>>,
}

/// A connection's entry in the registry; unregisters itself when dropped.
#[derive(Debug)]
pub struct Registration<'a> {
    topology: &'a Topology,
    id: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.topology.lock().remove(&self.id);
    }
}

impl Registration<'_> {
    /// The connection's id, for [`Topology::registered`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// See [`Topology::registered`].
    pub fn registered(&self, version: u8, topology: bool) {
        self.topology.registered(self.id, version, topology);
    }
}

impl Topology {
    /// No node removed; `listen` = the listen IP of every virtual node, `port` = the regular
    /// CQL port (the port of the events' addresses).
    pub fn new(listen: Vec<IpAddr>, port: u16) -> Self {
        Topology {
            removed: listen.iter().map(|_| AtomicBool::new(false)).collect(),
            listen,
            port,
            next_id: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Handle>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether virtual node `node` was removed.
    pub fn is_removed(&self, node: usize) -> bool {
        self.removed
            .get(node)
            .is_some_and(|r| r.load(Ordering::SeqCst))
    }

    /// Whether the virtual node listening on `ip` was removed.
    pub fn is_removed_ip(&self, ip: IpAddr) -> bool {
        self.listen
            .iter()
            .position(|l| *l == ip)
            .is_some_and(|n| self.is_removed(n))
    }

    /// The node that serves what was placed on `node`: `node` itself while it is live, else
    /// the next live node (in config order, wrapping). If every node is removed, `node`.
    pub fn live_node(&self, node: usize) -> usize {
        let n = self.removed.len();
        (0..n)
            .map(|i| (node + i) % n)
            .find(|&c| !self.is_removed(c))
            .unwrap_or(node)
    }

    /// Records that connection `id` sent REGISTER (`topology` = its event types include
    /// `TOPOLOGY_CHANGE`) in a frame of protocol `version`. Unknown ids are ignored.
    pub fn registered(&self, id: u64, version: u8, topology: bool) {
        if let Some(h) = self.lock().get_mut(&id) {
            h.version = version;
            h.topology_events |= topology;
        }
    }

    /// Registers a new connection to `node`. `None` if the node is removed (refuse it).
    pub fn register(&self, node: usize) -> Option<(Registration<'_>, UnboundedReceiver<Push>)> {
        let mut g = self.lock();
        // Checked under the lock: `remove` sets the flag before sweeping under the same
        // lock, so a connection is either seen by the sweep or refused here.
        if self.is_removed(node) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = unbounded_channel();
        g.insert(
            id,
            Handle {
                node,
                version: 0,
                topology_events: false,
                tx,
            },
        );
        Some((Registration { topology: self, id }, rx))
    }

    /// Removes the virtual node listening on `ip`: marks it removed, pushes one
    /// `TOPOLOGY_CHANGE REMOVED_NODE ip:port` event to every client that registered for
    /// topology events (those of the removed node too, before they are closed), then closes
    /// every connection to the removed node.
    pub fn remove(&self, ip: IpAddr) -> Removal {
        let Some(node) = self.listen.iter().position(|l| *l == ip) else {
            return Removal::UnknownNode;
        };
        if self.removed[node].swap(true, Ordering::SeqCst) {
            return Removal::AlreadyRemoved;
        }
        let body = removed_node_event(ip, self.port);
        let (mut events, mut closed) = (0, 0);
        for h in self.lock().values() {
            if h.topology_events {
                let f = event_frame(h.version, body.clone());
                if h.tx.send(Push::Frame(f)).is_ok() {
                    events += 1;
                }
            }
            if h.node == node && h.tx.send(Push::Close).is_ok() {
                closed += 1;
            }
        }
        Removal::Removed {
            node,
            events,
            closed,
        }
    }
}

/// The body of a `TOPOLOGY_CHANGE` `REMOVED_NODE` event: `[string] [string] [inet]`, the
/// `[inet]` being `[byte n][n address bytes][int port]`.
pub fn removed_node_event(ip: IpAddr, port: u16) -> Vec<u8> {
    let mut b = Vec::new();
    put_string(&mut b, "TOPOLOGY_CHANGE");
    put_string(&mut b, "REMOVED_NODE");
    let a = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    b.push(a.len() as u8);
    b.extend_from_slice(&a);
    put_i32(&mut b, i32::from(port));
    b
}

/// An EVENT response frame (stream -1) of protocol `version` (v4 when unknown).
pub fn event_frame(version: u8, body: Vec<u8>) -> Frame {
    let v = if (3..=4).contains(&version) {
        version
    } else {
        4
    };
    Frame {
        version: 0x80 | v,
        flags: 0,
        stream: -1,
        opcode: EVENT,
        body,
    }
}

/// Whether a REGISTER message (`[string list]` of event types) asks for `TOPOLOGY_CHANGE`.
/// `None` if malformed.
pub fn registers_topology(msg: &[u8]) -> Option<bool> {
    let types = crate::wire::Reader::new(msg).string_list()?;
    Some(types.iter().any(|t| t == "TOPOLOGY_CHANGE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips() -> Vec<IpAddr> {
        vec![
            "127.0.0.47".parse().unwrap(),
            "127.0.0.48".parse().unwrap(),
            "127.0.0.49".parse().unwrap(),
        ]
    }

    #[test]
    fn event_encoding() {
        let b = removed_node_event("127.0.0.47".parse().unwrap(), 9042);
        let mut want = vec![0, 15];
        want.extend_from_slice(b"TOPOLOGY_CHANGE");
        want.extend_from_slice(&[0, 12]);
        want.extend_from_slice(b"REMOVED_NODE");
        want.extend_from_slice(&[4, 127, 0, 0, 47, 0, 0, 0x23, 0x52]);
        assert_eq!(b, want);
        let v6 = removed_node_event("::1".parse().unwrap(), 1);
        assert_eq!(v6[31], 16);
        assert_eq!(v6.len(), 31 + 1 + 16 + 4);
        let f = event_frame(3, b.clone());
        assert_eq!(&f.encode()[..5], &[0x83, 0, 0xff, 0xff, 0x0C]);
        assert_eq!(event_frame(0, b).version, 0x84);
    }

    #[test]
    fn register_message() {
        let mut m = Vec::new();
        crate::wire::put_u16(&mut m, 2);
        put_string(&mut m, "STATUS_CHANGE");
        put_string(&mut m, "TOPOLOGY_CHANGE");
        assert_eq!(registers_topology(&m), Some(true));
        assert_eq!(registers_topology(&m[..6]), None);
        let mut s = Vec::new();
        crate::wire::put_u16(&mut s, 1);
        put_string(&mut s, "SCHEMA_CHANGE");
        assert_eq!(registers_topology(&s), Some(false));
    }

    #[test]
    fn removal_pushes_events_once_closes_and_relocates() {
        let t = Topology::new(ips(), 9042);
        let (r0, mut rx0) = t.register(0).unwrap();
        let (r1, mut rx1) = t.register(1).unwrap();
        let (_r2, mut rx2) = t.register(2).unwrap();
        r0.registered(4, true);
        r1.registered(3, true);
        assert_eq!(t.remove("10.0.0.1".parse().unwrap()), Removal::UnknownNode);
        assert_eq!(
            t.remove("127.0.0.47".parse().unwrap()),
            Removal::Removed {
                node: 0,
                events: 2,
                closed: 1
            }
        );
        assert!(matches!(rx0.try_recv(), Ok(Push::Frame(f)) if f.version == 0x84));
        assert!(matches!(rx0.try_recv(), Ok(Push::Close)));
        match rx1.try_recv() {
            Ok(Push::Frame(f)) => {
                assert_eq!((f.version, f.stream, f.opcode), (0x83, -1, EVENT));
                assert_eq!(f.body, removed_node_event(ips()[0], 9042));
            }
            other => panic!("{other:?}"),
        }
        assert!(rx1.try_recv().is_err());
        assert!(rx2.try_recv().is_err(), "not registered: no event");
        assert_eq!(
            t.remove("127.0.0.47".parse().unwrap()),
            Removal::AlreadyRemoved
        );
        assert!(rx1.try_recv().is_err(), "the event is sent once");
        assert!(t.register(0).is_none());
        assert!(t.is_removed(0) && t.is_removed_ip(ips()[0]) && !t.is_removed(1));
        assert_eq!((t.live_node(0), t.live_node(1), t.live_node(2)), (1, 1, 2));
        t.remove(ips()[2]);
        assert_eq!(t.live_node(2), 1);
        t.remove(ips()[1]);
        assert_eq!(t.live_node(2), 2, "nothing live: unchanged");
        drop(r1);
        assert_eq!(t.lock().len(), 2);
    }
}
