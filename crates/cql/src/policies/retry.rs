//! Retry policies: what to do when a node answers with a timeout, an unavailable error or
//! another request error.
//!
//! The session asks the policy only when retrying can make sense, and never retries a
//! statement that is not idempotent once a write may have happened (a client-side timeout, a
//! connection lost with the request in flight, a server error, a write timeout other than
//! `BATCH_LOG`), whatever the policy says.

use std::time::Duration;

use crate::error::Error;
use cql_protocol::types::Consistency;

pub use cql_protocol::message::response::WriteType;

/// What to do with a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Try again on the same node, at `consistency` when given, after `delay`.
    RetrySameHost {
        /// Another consistency level for the retry.
        consistency: Option<Consistency>,
        /// Wait this long first.
        delay: Duration,
    },
    /// Try the next node of the query plan, at `consistency` when given, after `delay`.
    RetryNextHost {
        /// Another consistency level for the retry.
        consistency: Option<Consistency>,
        /// Wait this long first.
        delay: Duration,
    },
    /// Return the error to the caller.
    Rethrow,
    /// Return an empty result to the caller as if the statement succeeded.
    Ignore,
}

impl RetryDecision {
    /// Retry on the same node now, at the same consistency.
    pub const fn same_host() -> Self {
        RetryDecision::RetrySameHost {
            consistency: None,
            delay: Duration::ZERO,
        }
    }

    /// Retry on the next node now, at the same consistency.
    pub const fn next_host() -> Self {
        RetryDecision::RetryNextHost {
            consistency: None,
            delay: Duration::ZERO,
        }
    }
}

/// What a retry policy knows about the failed attempt.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryContext {
    /// Retries already made for this statement (0 on the first failure).
    pub retry_num: u32,
    /// Whether the statement is marked idempotent.
    pub idempotent: bool,
    /// The consistency level of the failed attempt.
    pub consistency: Consistency,
}

impl RetryContext {
    /// A context (for tests of policies).
    pub fn new(retry_num: u32, idempotent: bool, consistency: Consistency) -> Self {
        RetryContext {
            retry_num,
            idempotent,
            consistency,
        }
    }
}

/// Decides whether and where a failed request is tried again. Implement it for your own
/// policy; the provided ones follow the reference driver.
pub trait RetryPolicy: Send + Sync + std::fmt::Debug {
    /// The coordinator got fewer read answers than needed in time (`READ_TIMEOUT`).
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        required: i32,
        received: i32,
        data_retrieved: bool,
    ) -> RetryDecision;

    /// The coordinator got fewer write acknowledgements than needed in time
    /// (`WRITE_TIMEOUT`).
    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        write_type: &WriteType,
        required: i32,
        received: i32,
    ) -> RetryDecision;

    /// Not enough replicas were alive to even try (`UNAVAILABLE`); nothing was executed.
    fn on_unavailable(&self, ctx: &RetryContext, required: i32, alive: i32) -> RetryDecision;

    /// Any other retryable failure: the node was overloaded or bootstrapping, a server error,
    /// a truncate error, a client-side timeout, or the connection was lost with the request
    /// in flight.
    fn on_request_error(&self, ctx: &RetryContext, error: &Error) -> RetryDecision;

    /// ScyllaDB refused the request under its per-partition rate limit
    /// ([`ServerErrorKind::RateLimitReached`](crate::error::ServerErrorKind::RateLimitReached)).
    /// ScyllaDB asks drivers not to retry it: the default rethrows, so the caller decides
    /// (back off, shed the load). A policy may retry it, for instance after a delay; a write
    /// refused by the replicas (not the coordinator) is retried only when idempotent.
    fn on_rate_limit(&self, _ctx: &RetryContext, _error: &Error) -> RetryDecision {
        RetryDecision::Rethrow
    }

    /// Whether a request that could not be sent at all (no open connection, all stream ids
    /// busy, connection closed before sending) moves on to the next node of the plan. Nothing
    /// was executed in that case; the default is `true`.
    fn try_next_host_when_unsent(&self) -> bool {
        true
    }
}

/// The reference driver's default decisions:
/// - read timeout: retry once on the same node if enough replicas answered but the data was
///   not among the answers;
/// - write timeout: retry once on the same node if the batch log write timed out;
/// - unavailable: retry once on the next node;
/// - other request errors: retry on the next node.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultRetryPolicy;

impl RetryPolicy for DefaultRetryPolicy {
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        required: i32,
        received: i32,
        data_retrieved: bool,
    ) -> RetryDecision {
        if ctx.retry_num == 0 && received >= required && !data_retrieved {
            RetryDecision::same_host()
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        write_type: &WriteType,
        _required: i32,
        _received: i32,
    ) -> RetryDecision {
        if ctx.retry_num == 0 && *write_type == WriteType::BatchLog {
            RetryDecision::same_host()
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_unavailable(&self, ctx: &RetryContext, _required: i32, _alive: i32) -> RetryDecision {
        if ctx.retry_num == 0 {
            RetryDecision::next_host()
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_request_error(&self, _ctx: &RetryContext, _error: &Error) -> RetryDecision {
        RetryDecision::next_host()
    }
}

/// Never retries a failed attempt: every timeout, unavailable and request error goes to the
/// caller. A request that could not be sent still moves on to the next node.
#[derive(Debug, Clone, Copy, Default)]
pub struct FallthroughRetryPolicy;

impl RetryPolicy for FallthroughRetryPolicy {
    fn on_read_timeout(&self, _: &RetryContext, _: i32, _: i32, _: bool) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_write_timeout(&self, _: &RetryContext, _: &WriteType, _: i32, _: i32) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_unavailable(&self, _: &RetryContext, _: i32, _: i32) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_request_error(&self, _: &RetryContext, _: &Error) -> RetryDecision {
        RetryDecision::Rethrow
    }
}

/// Like [`FallthroughRetryPolicy`], and a request is never moved to another node either: only
/// the first node of the plan is ever tried.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeverRetryPolicy;

impl RetryPolicy for NeverRetryPolicy {
    fn on_read_timeout(&self, c: &RetryContext, r: i32, n: i32, d: bool) -> RetryDecision {
        FallthroughRetryPolicy.on_read_timeout(c, r, n, d)
    }
    fn on_write_timeout(&self, c: &RetryContext, w: &WriteType, r: i32, n: i32) -> RetryDecision {
        FallthroughRetryPolicy.on_write_timeout(c, w, r, n)
    }
    fn on_unavailable(&self, c: &RetryContext, r: i32, a: i32) -> RetryDecision {
        FallthroughRetryPolicy.on_unavailable(c, r, a)
    }
    fn on_request_error(&self, c: &RetryContext, e: &Error) -> RetryDecision {
        FallthroughRetryPolicy.on_request_error(c, e)
    }
    fn try_next_host_when_unsent(&self) -> bool {
        false
    }
}

/// Retries at a lower consistency level when not enough replicas are available or answered,
/// as the reference driver's `DowngradingConsistencyRetryPolicy` does. The application must
/// accept that a read or write may then be satisfied by fewer replicas than it asked for.
///
/// - read timeout: fewer replicas answered than required → retry at the level those replicas
///   can satisfy; enough answered but no data → retry at the same level; once only;
/// - write timeout: `SIMPLE`, `BATCH` or `COUNTER` with at least one acknowledgement →
///   ignore (the write is durable on some replica); `UNLOGGED_BATCH` → retry at the level
///   the acknowledgements satisfy; `BATCH_LOG` → retry; once only;
/// - unavailable: retry at the level the alive replicas can satisfy (serial levels: next
///   node); once only;
/// - other request errors: next node.
#[derive(Debug, Clone, Copy, Default)]
pub struct DowngradingConsistencyRetryPolicy;

/// The strongest level `n` replicas can satisfy.
fn downgraded(n: i32) -> RetryDecision {
    let consistency = match n {
        n if n >= 3 => Consistency::Three,
        2 => Consistency::Two,
        1 => Consistency::One,
        _ => return RetryDecision::Rethrow,
    };
    RetryDecision::RetrySameHost {
        consistency: Some(consistency),
        delay: Duration::ZERO,
    }
}

fn is_serial(c: Consistency) -> bool {
    matches!(c, Consistency::Serial | Consistency::LocalSerial)
}

impl RetryPolicy for DowngradingConsistencyRetryPolicy {
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        required: i32,
        received: i32,
        data_retrieved: bool,
    ) -> RetryDecision {
        if ctx.retry_num != 0 || is_serial(ctx.consistency) {
            RetryDecision::Rethrow
        } else if received < required {
            downgraded(received)
        } else if !data_retrieved {
            RetryDecision::same_host()
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        write_type: &WriteType,
        _required: i32,
        received: i32,
    ) -> RetryDecision {
        if ctx.retry_num != 0 {
            return RetryDecision::Rethrow;
        }
        match write_type {
            WriteType::Simple | WriteType::Batch | WriteType::Counter if received > 0 => {
                RetryDecision::Ignore
            }
            WriteType::UnloggedBatch => downgraded(received),
            WriteType::BatchLog => RetryDecision::same_host(),
            _ => RetryDecision::Rethrow,
        }
    }

    fn on_unavailable(&self, ctx: &RetryContext, _required: i32, alive: i32) -> RetryDecision {
        if ctx.retry_num != 0 {
            RetryDecision::Rethrow
        } else if is_serial(ctx.consistency) {
            RetryDecision::next_host()
        } else {
            downgraded(alive)
        }
    }

    fn on_request_error(&self, _ctx: &RetryContext, _error: &Error) -> RetryDecision {
        RetryDecision::next_host()
    }
}

/// The default decisions repeated up to `max_retries` times, waiting between attempts:
/// `min_delay` doubling up to `max_delay`, with ±25% jitter so that many clients do not
/// retry in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct ExponentialBackoffRetryPolicy {
    max_retries: u32,
    min_delay: Duration,
    max_delay: Duration,
}

impl ExponentialBackoffRetryPolicy {
    /// Up to `max_retries` retries; delays from `min_delay` doubling up to `max_delay`.
    pub fn new(max_retries: u32, min_delay: Duration, max_delay: Duration) -> Self {
        ExponentialBackoffRetryPolicy {
            max_retries,
            min_delay,
            max_delay: max_delay.max(min_delay),
        }
    }

    /// The wait before retry number `retry_num + 1`.
    pub fn delay(&self, retry_num: u32) -> Duration {
        let base = self
            .min_delay
            .saturating_mul(1u32 << retry_num.min(20))
            .min(self.max_delay);
        // Jitter in [-25%, +25%) from the clock's sub-second nanoseconds.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let quarter = base / 4;
        let spread = u64::try_from((quarter * 2).as_nanos()).unwrap_or(u64::MAX);
        let offset = Duration::from_nanos(u64::from(nanos) % spread.max(1));
        (base - quarter + offset).min(self.max_delay + quarter)
    }

    fn retry(&self, ctx: &RetryContext, same_host: bool) -> RetryDecision {
        if ctx.retry_num >= self.max_retries {
            return RetryDecision::Rethrow;
        }
        let delay = self.delay(ctx.retry_num);
        if same_host {
            RetryDecision::RetrySameHost {
                consistency: None,
                delay,
            }
        } else {
            RetryDecision::RetryNextHost {
                consistency: None,
                delay,
            }
        }
    }
}

impl Default for ExponentialBackoffRetryPolicy {
    /// 3 retries, 100 ms doubling up to 10 s.
    fn default() -> Self {
        Self::new(3, Duration::from_millis(100), Duration::from_secs(10))
    }
}

impl RetryPolicy for ExponentialBackoffRetryPolicy {
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        required: i32,
        received: i32,
        data_retrieved: bool,
    ) -> RetryDecision {
        if received >= required && !data_retrieved {
            self.retry(ctx, true)
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        write_type: &WriteType,
        _required: i32,
        _received: i32,
    ) -> RetryDecision {
        if *write_type == WriteType::BatchLog {
            self.retry(ctx, true)
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_unavailable(&self, ctx: &RetryContext, _required: i32, _alive: i32) -> RetryDecision {
        self.retry(ctx, false)
    }

    fn on_request_error(&self, ctx: &RetryContext, _error: &Error) -> RetryDecision {
        self.retry(ctx, false)
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
