//! Stream ids of one connection: allocation, recycling and orphans.
//!
//! A request takes a free id and registers where its response goes. The id returns to the free
//! list only when the response (or the connection's end) arrives, never when the caller gives up
//! waiting: a late response for a timed-out request must not be delivered to a newer request
//! that reused the id. Such ids are *orphaned*: the response is dropped when it comes.

use tokio::sync::oneshot;

/// The largest number of requests in flight on one connection (v3+ stream ids are `i16`, and
/// negative ids belong to the server).
pub(crate) const MAX_STREAMS: usize = 32768;

pub(crate) enum Slot<T> {
    Free,
    Waiting(oneshot::Sender<T>),
    Orphaned,
}

/// The table of stream ids; guarded by the connection's mutex.
pub(crate) struct StreamTable<T> {
    slots: Vec<Slot<T>>,
    free: Vec<i16>,
    in_flight: usize,
    orphans: usize,
    limit: usize,
}

impl<T> StreamTable<T> {
    /// A table with ids `0..limit` (at most [`MAX_STREAMS`]).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, MAX_STREAMS);
        let mut slots = Vec::with_capacity(limit);
        slots.resize_with(limit, || Slot::Free);
        // Low ids first: popped from the end.
        let free = (0..limit)
            .rev()
            .map(|i| i16::try_from(i).unwrap_or(i16::MAX))
            .collect();
        Self {
            slots,
            free,
            in_flight: 0,
            orphans: 0,
            limit,
        }
    }

    /// Takes a free id for a request whose response goes to `tx`; `None` when all are in use.
    pub(crate) fn allocate(&mut self, tx: oneshot::Sender<T>) -> Option<i16> {
        let id = self.free.pop()?;
        self.slots[id as usize] = Slot::Waiting(tx);
        self.in_flight += 1;
        Some(id)
    }

    /// The response for `id` arrived: returns where to send it (`None` for an orphan or an id
    /// that was not in use) and frees the id.
    pub(crate) fn complete(&mut self, id: i16) -> Option<oneshot::Sender<T>> {
        let slot = self.slots.get_mut(usize::try_from(id).ok()?)?;
        match std::mem::replace(slot, Slot::Free) {
            Slot::Free => None,
            Slot::Waiting(tx) => {
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
            if matches!(slot, Slot::Waiting(_)) {
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
                Slot::Waiting(_) => {}
            }
            self.in_flight -= 1;
            self.free.push(id);
        }
    }

    /// Ends every waiting request (the connection closed); their senders are dropped.
    pub(crate) fn drain(&mut self) -> Vec<oneshot::Sender<T>> {
        let mut out = Vec::new();
        for slot in &mut self.slots {
            if let Slot::Waiting(tx) = std::mem::replace(slot, Slot::Free) {
                out.push(tx);
            }
        }
        self.free = (0..self.limit)
            .rev()
            .map(|i| i16::try_from(i).unwrap_or(i16::MAX))
            .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_recycled_lowest_first() {
        let mut t = StreamTable::<u8>::new(4);
        let (a, _ra) = oneshot::channel();
        let (b, _rb) = oneshot::channel();
        assert_eq!(t.allocate(a), Some(0));
        assert_eq!(t.allocate(b), Some(1));
        assert!(t.complete(0).is_some());
        let (c, _rc) = oneshot::channel();
        assert_eq!(t.allocate(c), Some(0));
        assert_eq!(t.in_flight(), 2);
    }

    #[test]
    fn exhaustion_and_out_of_range_ids() {
        let mut t = StreamTable::<u8>::new(2);
        let mut keep = Vec::new();
        for _ in 0..2 {
            let (tx, rx) = oneshot::channel();
            keep.push(rx);
            assert!(t.allocate(tx).is_some());
        }
        let (tx, _rx) = oneshot::channel();
        assert_eq!(t.allocate(tx), None);
        assert!(t.complete(-1).is_none());
        assert!(t.complete(5).is_none());
        assert_eq!(t.in_flight(), 2);
    }

    #[test]
    fn orphaned_id_is_not_reused_before_its_response() {
        let mut t = StreamTable::<u8>::new(1);
        let (tx, _rx) = oneshot::channel();
        let id = t.allocate(tx).expect("id");
        t.orphan(id);
        assert_eq!(t.orphans(), 1);
        let (tx2, _rx2) = oneshot::channel();
        assert_eq!(t.allocate(tx2), None, "orphan must keep its id");
        assert!(t.complete(id).is_none(), "late response is dropped");
        assert_eq!(t.orphans(), 0);
        let (tx3, _rx3) = oneshot::channel();
        assert_eq!(t.allocate(tx3), Some(id));
    }

    #[test]
    fn drain_returns_waiters_and_resets() {
        let mut t = StreamTable::<u8>::new(8);
        for _ in 0..3 {
            let (tx, _rx) = oneshot::channel();
            t.allocate(tx);
        }
        t.orphan(1);
        assert_eq!(t.drain().len(), 2);
        assert_eq!(t.in_flight(), 0);
        let (tx, _rx) = oneshot::channel();
        assert_eq!(t.allocate(tx), Some(0));
    }
}
