//! The builder's settings of the connection lifecycle: the wait queue for stream ids and the
//! maximum connection lifetime.

use std::time::Duration;

use super::ClusterBuilder;
use crate::error::Error;

impl ClusterBuilder {
    /// What happens when every stream id of a connection is in use (32,768 requests in flight
    /// on it): up to `max_waiting` requests per node wait for an id to free up, each at most
    /// `max_wait` (and never past its call's timeout); further ones, and those whose wait ran
    /// out, fail with [`Error::Busy`] (surely not sent: the session tries the next node, and
    /// [`Error::is_busy`] tells the caller to slow down). Default 256 requests, 5 s;
    /// `max_waiting` 0 fails them at once.
    pub fn stream_wait_queue(mut self, max_waiting: usize, max_wait: Duration) -> Self {
        self.config.max_queued_per_host = max_waiting;
        self.config.queue_wait = max_wait;
        self
    }

    /// Replaces every connection after `lifetime` ± up to `jitter` (a random share per
    /// connection, so that they do not all turn over at once), make-before-break as
    /// [`Session::rotate_connections`](crate::Session::rotate_connections) does: the new
    /// connection (with the provider's current credentials and the current TLS material) is
    /// open before the old one stops taking requests, and the old one closes when its
    /// requests have ended. Default: off. `jitter` must be below `lifetime`.
    pub fn max_connection_lifetime(mut self, lifetime: Option<Duration>, jitter: Duration) -> Self {
        if let Some(l) = lifetime {
            if l.is_zero() || jitter >= l {
                self.error.get_or_insert(Error::Config(format!(
                    "max_connection_lifetime {l:?} must be positive and above its jitter {jitter:?}"
                )));
            }
        }
        self.config.max_connection_lifetime = lifetime;
        self.config.lifetime_jitter = jitter;
        self
    }
}
