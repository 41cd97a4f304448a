//! The bounded wait for a stream id when every id of a connection is in use.
//!
//! A connection carries at most 32,768 requests at once (protocol v3+ stream ids). Without a
//! queue, the request after that fails at once with [`Error::Busy`] (the session then tries
//! the next node of the plan). With one, up to `max_waiting` requests per node wait for an id
//! to free up on the connection they picked, each for at most `max_wait` (and never past the
//! call's deadline); the request after that, or one whose wait ran out, fails with
//! [`Error::Busy`], which is typed, surely unsent, and tells the caller to slow down.
//!
//! The count is shared by all connections of a node (one queue per host); the wake-ups are per
//! connection: a freed id wakes one request waiting on that connection.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::Error;

/// The waiting room of one node's connections.
#[derive(Debug)]
pub(crate) struct WaitQueue {
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

impl WaitQueue {
    /// Room for `max_waiting` requests, each waiting at most `max_wait`.
    pub(crate) fn new(max_waiting: usize, max_wait: Duration) -> Self {
        Self {
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    /// How long one request may wait.
    pub(crate) fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Requests waiting now.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// A place in the queue, or `Busy` when it is full; the place is left when the guard drops.
    pub(crate) fn enter(&self, addr: std::net::SocketAddr) -> Result<Place<'_>, Error> {
        let mut n = self.waiting.load(Ordering::Acquire);
        loop {
            if n >= self.max_waiting {
                return Err(Error::Busy { addr });
            }
            match self
                .waiting
                .compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(Place(self)),
                Err(now) => n = now,
            }
        }
    }
}

/// A request's place in a [`WaitQueue`].
pub(crate) struct Place<'q>(&'q WaitQueue);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_admits_up_to_its_size_and_frees_places_on_drop() {
        let addr = "127.0.0.1:9042".parse().expect("addr");
        let q = WaitQueue::new(2, Duration::from_secs(1));
        let a = q.enter(addr).expect("first");
        let b = q.enter(addr).expect("second");
        assert!(matches!(q.enter(addr), Err(Error::Busy { .. })));
        assert_eq!(q.waiting(), 2);
        drop(a);
        let _c = q.enter(addr).expect("a place freed");
        drop(b);
        assert_eq!(q.waiting(), 1);
        let none = WaitQueue::new(0, Duration::from_secs(1));
        assert!(none.enter(addr).is_err(), "size 0: no queue");
    }
}
