//! Stream ids of one connection: allocation, recycling, deadlines and orphans.
//!
//! A request takes a free id and registers where its response goes and by when it must come.
//! The id returns to the free list only when the response (or the connection's end) arrives,
//! never when the caller gives up waiting: a late response for a timed-out request must not be
//! delivered to a newer request that reused the id. Such ids are *orphaned*: the response is
//! dropped when it comes.
//!
//! Deadlines are enforced by the connection's sweeper ([`StreamTable::expire`]), not by a timer
//! per request: registering and clearing a runtime timer for every request cost more than the
//! rest of the table's work together, and it took a lock shared by all worker threads.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// The largest number of requests in flight on one connection (v3+ stream ids are `i16`, and
/// negative ids belong to the server).
pub(crate) const MAX_STREAMS: usize = 32768;

pub(crate) enum Slot<T> {
    Free,
    Waiting {
        tx: oneshot::Sender<T>,
        /// When the request was queued: the connection's watchdog looks at the oldest.
        sent: Instant,
        deadline: Instant,
        timeout: Duration,
    },
    Orphaned,
}

/// What [`StreamTable::expire`] found.
pub(crate) struct Expired<T> {
    /// The waiters whose deadline passed, with their timeouts; their ids are orphaned.
    pub(crate) waiters: Vec<(oneshot::Sender<T>, Duration)>,
    /// When the sweeper must look again.
    pub(crate) next: Instant,
    /// When the oldest request still waiting was queued (`None`: nothing waits).
    pub(crate) oldest: Option<Instant>,
}

/// The table of stream ids; guarded by the connection's mutex. Slots are made as ids are first
/// needed: most connections never have more than a few hundred requests in flight, and a full
/// table is over a megabyte.
pub(crate) struct StreamTable<T> {
    slots: Vec<Slot<T>>,
    free: Vec<i16>,
    in_flight: usize,
    orphans: usize,
    limit: usize,
    /// One past the highest id handed out: the sweeper scans no further.
    high: usize,
    /// When the sweeper will look next (`None` before its first look): a request due earlier
    /// must wake it.
    sweep_at: Option<Instant>,
}

impl<T> StreamTable<T> {
    /// A table with ids `0..limit` (at most [`MAX_STREAMS`]).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, MAX_STREAMS);
        Self {
            slots: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            orphans: 0,
            limit,
            high: 0,
            sweep_at: None,
        }
    }

    /// Takes a free id for a request queued at `now` whose response goes to `tx` by
    /// `deadline` (`timeout` is what a timeout error reports); `None` when all are in use. The
    /// flag says whether the sweeper must be woken: this deadline comes before its next look.
    pub(crate) fn allocate(
        &mut self,
        tx: oneshot::Sender<T>,
        now: Instant,
        deadline: Instant,
        timeout: Duration,
    ) -> Option<(i16, bool)> {
        // Recycled ids first (the lowest on top), then a new slot while under the limit.
        let id = match self.free.pop() {
            Some(id) => id,
            None if self.slots.len() < self.limit => {
                let id = i16::try_from(self.slots.len()).ok()?;
                self.slots.push(Slot::Free);
                id
            }
            None => return None,
        };
        self.slots[id as usize] = Slot::Waiting {
            tx,
            sent: now,
            deadline,
            timeout,
        };
        self.in_flight += 1;
        self.high = self.high.max(id as usize + 1);
        let wake = self.sweep_at.is_some_and(|at| deadline < at);
        Some((id, wake))
    }

    /// The sweeper's look at `now`: waiters past their deadline are taken (their ids orphaned
    /// until their responses come), and the next look is planned at the earliest deadline left,
    /// or `idle` from now when nothing waits.
    pub(crate) fn expire(&mut self, now: Instant, idle: Duration) -> Expired<T> {
        let mut waiters = Vec::new();
        let mut next = deadline(now, idle);
        let mut oldest: Option<Instant> = None;
        for slot in &mut self.slots[..self.high] {
            let Slot::Waiting { deadline, sent, .. } = slot else {
                continue;
            };
            if *deadline > now {
                next = next.min(*deadline);
                oldest = Some(oldest.map_or(*sent, |o| o.min(*sent)));
                continue;
            }
            if let Slot::Waiting { tx, timeout, .. } = std::mem::replace(slot, Slot::Orphaned) {
                waiters.push((tx, timeout));
                self.orphans += 1;
            }
        }
        self.sweep_at = Some(next);
        Expired {
            waiters,
            next,
            oldest,
        }
    }

    /// The response for `id` arrived: returns where to send it (`None` for an orphan or an id
    /// that was not in use) and frees the id.
    pub(crate) fn complete(&mut self, id: i16) -> Option<oneshot::Sender<T>> {
        let slot = self.slots.get_mut(usize::try_from(id).ok()?)?;
        match std::mem::replace(slot, Slot::Free) {
            Slot::Free => None,
            Slot::Waiting { tx, .. } => {
                self.in_flight -= 1;
                self.free.push(id);
                Some(tx)
            }
            Slot::Orphaned => {
                self.in_flight -= 1;
                self.orphans -= 1;
                self.free.push(id);
                None
            }
        }
    }

    /// The caller of `id` stopped waiting (timeout or cancellation) before the response came.
    /// The id stays taken until the response arrives.
    pub(crate) fn orphan(&mut self, id: i16) {
        if let Some(slot) = usize::try_from(id).ok().and_then(|i| self.slots.get_mut(i)) {
            if matches!(slot, Slot::Waiting { .. }) {
                *slot = Slot::Orphaned;
                self.orphans += 1;
            }
        }
    }

    /// A request could not be sent after all: frees `id` at once.
    pub(crate) fn release_unsent(&mut self, id: i16) {
        if let Some(slot) = usize::try_from(id).ok().and_then(|i| self.slots.get_mut(i)) {
            let was = std::mem::replace(slot, Slot::Free);
            match was {
                Slot::Free => return,
                Slot::Orphaned => self.orphans -= 1,
                Slot::Waiting { .. } => {}
            }
            self.in_flight -= 1;
            self.free.push(id);
        }
    }

    /// Ends every waiting request (the connection closed); their senders are dropped.
    pub(crate) fn drain(&mut self) -> Vec<oneshot::Sender<T>> {
        let out = self
            .slots
            .drain(..)
            .filter_map(|slot| match slot {
                Slot::Waiting { tx, .. } => Some(tx),
                _ => None,
            })
            .collect();
        self.free = Vec::new();
        self.high = 0;
        self.in_flight = 0;
        self.orphans = 0;
        out
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub(crate) fn orphans(&self) -> usize {
        self.orphans
    }
}

/// `now + timeout`, or a year from now for timeouts too long to add.
pub(crate) fn deadline(now: Instant, timeout: Duration) -> Instant {
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn alloc<T>(t: &mut StreamTable<T>, tx: oneshot::Sender<T>) -> Option<i16> {
        at(t, tx, Instant::now(), MINUTE).map(|(id, _)| id)
    }

    fn at<T>(
        t: &mut StreamTable<T>,
        tx: oneshot::Sender<T>,
        now: Instant,
        timeout: Duration,
    ) -> Option<(i16, bool)> {
        t.allocate(tx, now, deadline(now, timeout), timeout)
    }

    #[test]
    fn expire_takes_overdue_waiters_and_plans_the_next_look() {
        let mut t = StreamTable::<u8>::new(8);
        let t0 = Instant::now();
        let (a, _ra) = oneshot::channel();
        let (b, _rb) = oneshot::channel();
        let (c, _rc) = oneshot::channel();
        let (short, _) = at(&mut t, a, t0, Duration::from_millis(10)).expect("id");
        at(&mut t, b, t0, Duration::from_millis(30)).expect("id");
        at(&mut t, c, t0, MINUTE).expect("id");

        let found = t.expire(t0 + Duration::from_millis(20), MINUTE);
        assert_eq!(found.waiters.len(), 1);
        assert_eq!(found.waiters[0].1, Duration::from_millis(10));
        assert_eq!(found.next, t0 + Duration::from_millis(30));
        // The expired id stays taken until its late response comes, which is dropped.
        assert_eq!(t.orphans(), 1);
        assert_eq!(t.in_flight(), 3);
        assert!(t.complete(short).is_none());
        assert_eq!(t.in_flight(), 2);

        // Nothing waits: the next look is `idle` from now.
        let mut t = StreamTable::<u8>::new(8);
        let found = t.expire(t0, Duration::from_secs(5));
        assert!(found.waiters.is_empty());
        assert_eq!(found.next, t0 + Duration::from_secs(5));
    }

    #[test]
    fn allocate_wakes_the_sweeper_only_for_an_earlier_deadline() {
        let mut t = StreamTable::<u8>::new(8);
        let t0 = Instant::now();
        let (a, _ra) = oneshot::channel();
        // Before the sweeper's first look nobody needs waking: that look will see it.
        assert_eq!(at(&mut t, a, t0, MINUTE), Some((0, false)));
        assert_eq!(t.expire(t0, MINUTE).next, t0 + MINUTE);
        let (b, _rb) = oneshot::channel();
        let (c, _rc) = oneshot::channel();
        assert_eq!(
            at(&mut t, b, t0 + Duration::from_secs(1), MINUTE),
            Some((1, false))
        );
        assert_eq!(at(&mut t, c, t0, Duration::from_secs(1)), Some((2, true)));
        // Timeouts too long to add to an instant do not overflow.
        let (d, _rd) = oneshot::channel();
        assert_eq!(at(&mut t, d, t0, Duration::MAX), Some((3, false)));
    }

    #[test]
    fn ids_are_recycled_lowest_first() {
        let mut t = StreamTable::<u8>::new(4);
        let (a, _ra) = oneshot::channel();
        let (b, _rb) = oneshot::channel();
        assert_eq!(alloc(&mut t, a), Some(0));
        assert_eq!(alloc(&mut t, b), Some(1));
        assert!(t.complete(0).is_some());
        let (c, _rc) = oneshot::channel();
        assert_eq!(alloc(&mut t, c), Some(0));
        assert_eq!(t.in_flight(), 2);
    }

    #[test]
    fn exhaustion_and_out_of_range_ids() {
        let mut t = StreamTable::<u8>::new(2);
        let mut keep = Vec::new();
        for _ in 0..2 {
            let (tx, rx) = oneshot::channel();
            keep.push(rx);
            assert!(alloc(&mut t, tx).is_some());
        }
        let (tx, _rx) = oneshot::channel();
        assert_eq!(alloc(&mut t, tx), None);
        assert!(t.complete(-1).is_none());
        assert!(t.complete(5).is_none());
        assert_eq!(t.in_flight(), 2);
    }

    #[test]
    fn orphaned_id_is_not_reused_before_its_response() {
        let mut t = StreamTable::<u8>::new(1);
        let (tx, _rx) = oneshot::channel();
        let id = alloc(&mut t, tx).expect("id");
        t.orphan(id);
        assert_eq!(t.orphans(), 1);
        let (tx2, _rx2) = oneshot::channel();
        assert_eq!(alloc(&mut t, tx2), None, "orphan must keep its id");
        assert!(t.complete(id).is_none(), "late response is dropped");
        assert_eq!(t.orphans(), 0);
        let (tx3, _rx3) = oneshot::channel();
        assert_eq!(alloc(&mut t, tx3), Some(id));
    }

    #[test]
    fn drain_returns_waiters_and_resets() {
        let mut t = StreamTable::<u8>::new(8);
        for _ in 0..3 {
            let (tx, _rx) = oneshot::channel();
            alloc(&mut t, tx);
        }
        t.orphan(1);
        assert_eq!(t.drain().len(), 2);
        assert_eq!(t.in_flight(), 0);
        let (tx, _rx) = oneshot::channel();
        assert_eq!(alloc(&mut t, tx), Some(0));
    }

    #[test]
    fn slots_are_made_on_demand_up_to_the_limit() {
        let mut t = StreamTable::<u8>::new(MAX_STREAMS);
        assert_eq!(
            t.slots.capacity(),
            0,
            "nothing allocated before the first request"
        );
        let mut keep = Vec::new();
        for want in 0..3 {
            let (tx, rx) = oneshot::channel();
            keep.push(rx);
            assert_eq!(alloc(&mut t, tx), Some(want));
        }
        assert_eq!(t.slots.len(), 3);
        let mut t = StreamTable::<u8>::new(3);
        for _ in 0..3 {
            let (tx, rx) = oneshot::channel();
            keep.push(rx);
            assert!(alloc(&mut t, tx).is_some());
        }
        let (tx, _rx) = oneshot::channel();
        assert_eq!(alloc(&mut t, tx), None, "the limit holds");
    }

    #[test]
    fn expire_reports_when_the_oldest_waiting_request_was_sent() {
        let mut t = StreamTable::<u8>::new(8);
        let t0 = Instant::now();
        assert_eq!(t.expire(t0, MINUTE).oldest, None);
        let (a, _ra) = oneshot::channel();
        let (b, _rb) = oneshot::channel();
        let (c, _rc) = oneshot::channel();
        at(&mut t, a, t0, Duration::from_millis(5)).expect("id");
        let (second, _) = at(&mut t, b, t0 + Duration::from_secs(1), MINUTE).expect("id");
        at(&mut t, c, t0 + Duration::from_secs(2), MINUTE).expect("id");
        // The first one expired: it no longer counts as waiting.
        let found = t.expire(t0 + Duration::from_secs(3), MINUTE);
        assert_eq!(found.oldest, Some(t0 + Duration::from_secs(1)));
        assert!(t.complete(second).is_some());
        let found = t.expire(t0 + Duration::from_secs(3), MINUTE);
        assert_eq!(found.oldest, Some(t0 + Duration::from_secs(2)));
    }
}
