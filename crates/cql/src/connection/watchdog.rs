//! The tasks that watch a connection besides its reader and writer: the sweeper (deadlines,
//! and a node that stopped answering) and the idle heartbeat.
//!
//! A node that hangs with its sockets open (a stopped process, a full GC that never ends, a
//! network that drops packets silently) answers nothing and closes nothing. Deadlines alone
//! would let every request sent to it wait its full timeout, for as long as it hangs. So when
//! requests have waited `unresponsive` and not a byte came from the node meanwhile, the
//! connection sends a heartbeat (OPTIONS, which a live node answers at once even while it runs
//! slow queries); no answer within `unresponsive` closes the connection. Its requests fail
//! then (to be retried elsewhere where the retry policy allows), and the pool reconnects with
//! its back-off: the node gets no new requests until it answers again.

use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cql_protocol::message::Request;
use tokio::sync::watch;

use super::{Inner, MAX_ORPHANS, SendOptions};
use crate::error::Error;

impl Inner {
    /// When the last byte was read (the connection's start before the first).
    fn last_read_at(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_read.load(Ordering::Relaxed))
    }
}

/// Fails requests whose deadline passed: looks at the stream table at the earliest deadline
/// (or `idle` after the last look when nothing is in flight), earlier when a new request is due
/// first. Their ids stay orphaned until the late responses come; too many such ids close the
/// connection. With `unresponsive` set, it also looks when the node has been silent that long
/// with requests waiting, and probes it.
pub(super) async fn sweeper(
    inner: Arc<Inner>,
    idle: Duration,
    unresponsive: Option<Duration>,
    mut closed: watch::Receiver<bool>,
) {
    loop {
        let now = Instant::now();
        let Ok((found, too_many_orphans)) = inner.streams.lock().map(|mut s| {
            let found = s.expire(now, idle);
            (found, s.orphans() > MAX_ORPHANS)
        }) else {
            return;
        };
        for (tx, timeout) in found.waiters {
            let _ = tx.send(Err(Error::Timeout {
                addr: inner.addr,
                timeout,
            }));
        }
        if too_many_orphans {
            inner.shutdown("too many requests timed out without a response");
            return;
        }
        let mut next = found.next;
        if let (Some(limit), Some(oldest)) = (unresponsive, found.oldest) {
            // Silent since the later of: the oldest waiting request, the last byte read.
            let silent_since = oldest.max(inner.last_read_at());
            let due = silent_since + limit;
            if now >= due {
                probe(
                    &inner,
                    limit,
                    "requests waiting and nothing read from the node",
                );
            } else {
                next = next.min(due);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep_until(next.into()) => {}
            _ = inner.sweeper.notified() => {}
            _ = closed.wait_for(|c| *c) => return,
        }
    }
}

/// Sends a heartbeat in the background (one at a time per connection); the connection closes
/// when it gets no answer within `timeout`.
pub(super) fn probe(inner: &Arc<Inner>, timeout: Duration, why: &'static str) {
    if inner.closed.load(Ordering::Acquire) || inner.probing.swap(true, Ordering::AcqRel) {
        return;
    }
    tracing::debug!(addr = %inner.addr, why, "checking that the node still answers");
    let weak = Arc::downgrade(inner);
    tokio::spawn(async move {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let sent = Instant::now();
        let answer = inner
            .send(&Request::Options, SendOptions::timeout(timeout))
            .await;
        match answer {
            Ok(_) => inner.probing.store(false, Ordering::Release),
            // Other responses came meanwhile: a node that is busy, not hung (its backlog may
            // hold the heartbeat back).
            Err(Error::Timeout { .. }) if inner.last_read_at() > sent => {
                tracing::debug!(addr = %inner.addr, "heartbeat late, but the node answers other requests");
                inner.probing.store(false, Ordering::Release);
            }
            Err(e) => {
                tracing::warn!(addr = %inner.addr, why, error = %e, "node does not answer; closing the connection");
                inner.shutdown(&format!(
                    "the node did not answer a heartbeat within {timeout:?} ({why})"
                ));
            }
        }
    });
}

/// Sends OPTIONS on a connection that has read nothing for `interval`; closes it when that
/// fails. Holds the connection weakly, and ends as soon as it closes.
pub(super) async fn heartbeat(
    inner: Weak<Inner>,
    interval: Duration,
    mut closed: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = closed.wait_for(|c| *c) => return,
        }
        let Some(strong) = inner.upgrade() else {
            return;
        };
        if strong.closed.load(Ordering::Acquire) {
            return;
        }
        if strong.last_read_at().elapsed() < interval {
            continue;
        }
        let opts = SendOptions::timeout(interval.min(Duration::from_secs(30)));
        if let Err(e) = strong.send(&Request::Options, opts).await {
            tracing::warn!(addr = %strong.addr, error = %e, "heartbeat failed; closing the connection");
            strong.shutdown(&format!("heartbeat failed: {e}"));
            return;
        }
    }
}
