//! A coarse clock for "used recently": whole seconds since the first look, cheap enough to
//! read on every execution of a prepared statement.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Statements executed (or prepared) within this long count as in use: they are prepared on
/// a node that comes back; older ones are left to prepare on first use.
pub(crate) const RECENT: Duration = Duration::from_secs(10 * 60);

/// Seconds since the process first asked, plus one (0 stands for "never").
pub(crate) fn now_secs() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_secs() + 1
}

/// Whether `at` lies within [`RECENT`] of `now` (both from [`now_secs`]).
pub(crate) fn is_recent_at(at: u64, now: u64) -> bool {
    at != 0 && now.saturating_sub(at) <= RECENT.as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_recent_and_never_is_not() {
        let now = now_secs();
        assert!(now >= 1);
        assert!(is_recent_at(now, now_secs()));
        assert!(!is_recent_at(0, now));
        // A time older than the window (when the process has run that long) is not recent;
        // here: one that lies in the future of the window's start is.
        assert!(is_recent_at(
            now.saturating_sub(RECENT.as_secs()).max(1),
            now
        ));
        let later = RECENT.as_secs() + 100;
        assert!(!is_recent_at(1, later));
        assert!(is_recent_at(later - RECENT.as_secs(), later));
    }
}
