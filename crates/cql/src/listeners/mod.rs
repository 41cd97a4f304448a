//! Listeners (the reference driver's `Cluster.register_listener` and request listeners): code
//! of yours told when a node is added, removed, goes down or comes back up
//! ([`HostListener`]), and after each request, what each of its attempts did
//! ([`RequestListener`], the request's [`RequestHistory`]).
//!
//! Register them on the builder ([`ClusterBuilder::host_listener`],
//! [`ClusterBuilder::request_listener`]) or on a live session
//! ([`Session::add_host_listener`], [`Session::add_request_listener`]).
//!
//! Listeners never run on the request path: events go through a bounded queue to one thread
//! of the session that calls them in order. A listener that panics is caught (the others
//! still run); one that blocks holds up the later events only: when the queue is full, new
//! events are dropped. Either way one warning is logged. With no request listener the
//! request path only reads a flag.
//!
//! [`ClusterBuilder::host_listener`]: crate::ClusterBuilder::host_listener
//! [`ClusterBuilder::request_listener`]: crate::ClusterBuilder::request_listener
//! [`Session::add_host_listener`]: crate::Session::add_host_listener
//! [`Session::add_request_listener`]: crate::Session::add_request_listener

mod dispatch;
pub(crate) mod history;
pub(crate) mod host_watch;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use dispatch::Listeners;

/// A change of the cluster's nodes as this session sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostEvent {
    /// A node joined the metadata (a contact point, or a node found in `system.peers`).
    Added(SocketAddr),
    /// A node left the metadata.
    Removed(SocketAddr),
    /// A node that was down is up again (a connection to it opened, or the cluster said so).
    Up(SocketAddr),
    /// A node is down (no connection to it can be opened).
    Down(SocketAddr),
}

impl HostEvent {
    /// The node concerned.
    pub fn address(&self) -> SocketAddr {
        match *self {
            HostEvent::Added(a) | HostEvent::Removed(a) | HostEvent::Up(a) | HostEvent::Down(a) => {
                a
            }
        }
    }
}

/// Told about [`HostEvent`]s. Closures `Fn(&HostEvent)` are listeners.
pub trait HostListener: Send + Sync {
    /// Called once per event, in order, on the session's listener thread.
    fn on_host_event(&self, event: &HostEvent);
}

impl<F: Fn(&HostEvent) + Send + Sync> HostListener for F {
    fn on_host_event(&self, event: &HostEvent) {
        self(event)
    }
}

/// Told about every request once it ended. Closures `Fn(&RequestHistory)` are listeners.
pub trait RequestListener: Send + Sync {
    /// Called once per request (each page and each batch is one), on the session's listener
    /// thread.
    fn on_request(&self, history: &RequestHistory);
}

impl<F: Fn(&RequestHistory) + Send + Sync> RequestListener for F {
    fn on_request(&self, history: &RequestHistory) {
        self(history)
    }
}

/// Why an attempt was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptKind {
    /// The first attempt of the first execution.
    First,
    /// The first attempt of a speculative execution (the previous ones were slow).
    Speculative,
    /// A retry after a failed attempt (on the same node or the next one), as the retry policy
    /// decided or because the request could not be sent.
    Retry,
}

/// What kind of failure ended an attempt (the full error goes to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptErrorKind {
    /// No answer in time (client side).
    Timeout,
    /// The connection failed, closed or had no free stream.
    Connection,
    /// The node answered with an error; the CQL error code.
    Server(i32),
    /// Anything else (a malformed answer, a request the client refused to send, ...).
    Other,
}

impl AttemptErrorKind {
    pub(crate) fn of(e: &crate::Error) -> Self {
        match e {
            crate::Error::Timeout { .. } => AttemptErrorKind::Timeout,
            crate::Error::Server { error, .. } => AttemptErrorKind::Server(error.code),
            e if e.is_connection() => AttemptErrorKind::Connection,
            _ => AttemptErrorKind::Other,
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The node answered (a result, or an error the retry policy chose to ignore).
    Success,
    /// The attempt failed.
    Failed(AttemptErrorKind),
    /// Abandoned before an answer: another execution of the same request won.
    Cancelled,
}

/// One attempt of a request on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// The node it went to.
    pub host: SocketAddr,
    /// When it started.
    pub start: Instant,
    /// When it ended (answer, error, or abandoned).
    pub end: Instant,
    /// Why it was made.
    pub kind: AttemptKind,
    /// Its execution: 1 for the first, 2 and up for speculative ones.
    pub execution: u32,
    /// How it ended.
    pub outcome: AttemptOutcome,
}

impl AttemptRecord {
    /// How long it took.
    pub fn latency(&self) -> Duration {
        self.end.saturating_duration_since(self.start)
    }
}

/// A request as it happened: its attempts in the order they ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestHistory {
    /// When the call started.
    pub start: Instant,
    /// When it returned.
    pub end: Instant,
    /// Whether the caller got a result.
    pub succeeded: bool,
    /// Every attempt, speculative and retried ones included.
    pub attempts: Vec<AttemptRecord>,
}

impl RequestHistory {
    /// The speculative executions started (0 when there was only the first).
    pub fn speculative_executions(&self) -> usize {
        self.attempts
            .iter()
            .filter(|a| a.kind == AttemptKind::Speculative)
            .count()
    }
}

/// Listeners given to the builder, before the session exists.
#[derive(Clone, Default)]
pub(crate) struct InitialListeners {
    pub(crate) host: Vec<Arc<dyn HostListener>>,
    pub(crate) request: Vec<Arc<dyn RequestListener>>,
}

impl std::fmt::Debug for InitialListeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("host", &self.host.len())
            .field("request", &self.request.len())
            .finish()
    }
}

#[cfg(test)]
#[path = "listeners_tests.rs"]
mod tests;
