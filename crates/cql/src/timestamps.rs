//! Client-side timestamps for writes (the reference driver's `cassandra.timestamps`).
//!
//! Every request carries a default timestamp in microseconds since the Unix epoch, so that the
//! order of writes from one client is the order in which the client issued them, even when two
//! writes fall in the same microsecond or the wall clock steps back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of write timestamps, in microseconds since the Unix epoch.
pub trait TimestampGenerator: Send + Sync + std::fmt::Debug {
    /// The timestamp for the next request.
    fn next_timestamp(&self) -> i64;
}

/// Timestamps that never go back: the wall clock in microseconds, or one more than the last
/// timestamp given when the clock has not moved forward (or moved back).
///
/// When the clock lags the last timestamp by more than `warning_threshold`, a warning is
/// logged through `tracing`, at most once per `warning_interval`.
#[derive(Debug)]
pub struct MonotonicTimestampGenerator {
    last: AtomicI64,
    warn_on_drift: bool,
    warning_threshold: Duration,
    warning_interval: Duration,
    last_warning: Mutex<Option<std::time::Instant>>,
    clock: fn() -> i64,
}

impl Default for MonotonicTimestampGenerator {
    fn default() -> Self {
        Self::new()
    }
}

fn wall_clock_micros() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

impl MonotonicTimestampGenerator {
    /// A generator on the system clock that warns when the clock is more than one second behind
    /// the timestamps already given, at most once a second.
    pub fn new() -> Self {
        Self::with_clock(wall_clock_micros)
    }

    /// A generator on a given clock (microseconds); for tests.
    pub fn with_clock(clock: fn() -> i64) -> Self {
        Self {
            last: AtomicI64::new(i64::MIN),
            warn_on_drift: true,
            warning_threshold: Duration::from_secs(1),
            warning_interval: Duration::from_secs(1),
            last_warning: Mutex::new(None),
            clock,
        }
    }

    /// Whether to warn when the clock drifts behind; on by default.
    #[must_use]
    pub fn warn_on_drift(mut self, warn: bool) -> Self {
        self.warn_on_drift = warn;
        self
    }

    /// How far behind the clock may fall before a warning, and how often to warn.
    #[must_use]
    pub fn drift_warning(mut self, threshold: Duration, interval: Duration) -> Self {
        self.warning_threshold = threshold;
        self.warning_interval = interval;
        self
    }

    fn maybe_warn(&self, now: i64, last: i64) {
        if !self.warn_on_drift {
            return;
        }
        let behind = Duration::from_micros(u64::try_from(last - now).unwrap_or(0));
        if behind <= self.warning_threshold {
            return;
        }
        let Ok(mut at) = self.last_warning.lock() else {
            return;
        };
        let due = at.is_none_or(|t| t.elapsed() >= self.warning_interval);
        if due {
            *at = Some(std::time::Instant::now());
            tracing::warn!(
                behind_us = last - now,
                "clock is behind the last write timestamp; timestamps continue from the last one"
            );
        }
    }
}

impl TimestampGenerator for MonotonicTimestampGenerator {
    fn next_timestamp(&self) -> i64 {
        let now = (self.clock)();
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = if now > last {
                now
            } else {
                last.saturating_add(1)
            };
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    if next != now {
                        self.maybe_warn(now, last);
                    }
                    return next;
                }
                Err(seen) => last = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    #[test]
    fn follows_the_wall_clock() {
        let g = MonotonicTimestampGenerator::new();
        let before = wall_clock_micros();
        let t = g.next_timestamp();
        let after = wall_clock_micros();
        assert!(before <= t && t <= after + 1, "{before} <= {t} <= {after}");
    }

    #[test]
    fn never_goes_back_when_the_clock_stands_still_or_steps_back() {
        static CLOCK: AtomicI64 = AtomicI64::new(1_000_000);
        let g = MonotonicTimestampGenerator::with_clock(|| CLOCK.load(Ordering::SeqCst))
            .warn_on_drift(false);
        assert_eq!(g.next_timestamp(), 1_000_000);
        assert_eq!(g.next_timestamp(), 1_000_001);
        CLOCK.store(500_000, Ordering::SeqCst); // the clock steps back half a second
        assert_eq!(g.next_timestamp(), 1_000_002);
        CLOCK.store(2_000_000, Ordering::SeqCst);
        assert_eq!(g.next_timestamp(), 2_000_000);
    }

    #[test]
    fn unique_across_threads() {
        static FROZEN: fn() -> i64 = || 42;
        let g = Arc::new(MonotonicTimestampGenerator::with_clock(FROZEN));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let g = Arc::clone(&g);
                std::thread::spawn(move || {
                    (0..1000).map(|_| g.next_timestamp()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = HashSet::new();
        for h in handles {
            for t in h.join().expect("thread") {
                assert!(all.insert(t), "timestamp {t} given twice");
            }
        }
        assert_eq!(all.len(), 4000);
        assert_eq!(all.iter().max().copied(), Some(42 + 3999));
    }
}
