//! Speculative execution: when a node is slow to answer, the same statement is also sent to
//! the next node of the query plan, and the first answer wins. Only idempotent statements are
//! ever executed speculatively.

use std::time::Duration;

/// When to start more executions of a statement that has not been answered yet.
pub trait SpeculativeExecutionPolicy: Send + Sync + std::fmt::Debug {
    /// The wait, counted from the start of the previous execution, before starting execution
    /// number `n + 1` when `n` executions are running (`n` is 1 for the first speculative
    /// one); `None` starts no more.
    fn next_execution(&self, n: u32) -> Option<Duration>;
}

/// Never executes speculatively (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSpeculativeExecutionPolicy;

impl SpeculativeExecutionPolicy for NoSpeculativeExecutionPolicy {
    fn next_execution(&self, _: u32) -> Option<Duration> {
        None
    }
}

/// Starts another execution every `delay` until `max_attempts` speculative executions are
/// running (so at most `1 + max_attempts` in all).
#[derive(Debug, Clone, Copy)]
pub struct ConstantSpeculativeExecutionPolicy {
    delay: Duration,
    max_attempts: u32,
}

impl ConstantSpeculativeExecutionPolicy {
    /// Up to `max_attempts` speculative executions, `delay` apart.
    pub fn new(delay: Duration, max_attempts: u32) -> Self {
        ConstantSpeculativeExecutionPolicy {
            delay,
            max_attempts,
        }
    }
}

impl SpeculativeExecutionPolicy for ConstantSpeculativeExecutionPolicy {
    fn next_execution(&self, n: u32) -> Option<Duration> {
        (n <= self.max_attempts).then_some(self.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_policy_stops_after_max_attempts() {
        let p = ConstantSpeculativeExecutionPolicy::new(Duration::from_millis(5), 2);
        assert_eq!(p.next_execution(1), Some(Duration::from_millis(5)));
        assert_eq!(p.next_execution(2), Some(Duration::from_millis(5)));
        assert_eq!(p.next_execution(3), None);
        assert_eq!(NoSpeculativeExecutionPolicy.next_execution(1), None);
    }
}
