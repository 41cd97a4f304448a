//! The prepared-statement cache behind [`Session::prepare_cached`](crate::Session::prepare_cached):
//! by query text, least recently used out first, bounded. Concurrent calls for one text
//! prepare it once (they wait for the first); a failed prepare is not cached.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::Error;
use crate::statement::PreparedStatement;

type Slot = Arc<OnceCell<PreparedStatement>>;

#[derive(Debug)]
pub(crate) struct PreparedCache {
    inner: Mutex<Entries>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Entries {
    /// Query text to its slot and the tick of its last use.
    map: HashMap<String, (Slot, u64)>,
    tick: u64,
}

impl PreparedCache {
    /// A cache of at most `capacity` statements (at least 1: the builder checks).
    pub(crate) fn new(capacity: usize) -> Self {
        PreparedCache {
            inner: Mutex::new(Entries::default()),
            capacity: capacity.max(1),
        }
    }

    /// The statement for `query`, prepared with `prepare` when it is not cached.
    pub(crate) async fn get_or_prepare<F, Fut>(
        &self,
        query: &str,
        prepare: F,
    ) -> Result<PreparedStatement, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<PreparedStatement, Error>>,
    {
        let slot = self.slot(query);
        let result = slot.get_or_try_init(prepare).await.cloned();
        if result.is_err() {
            // Not cached: the next call tries again.
            if let Ok(mut e) = self.inner.lock() {
                if e.map.get(query).is_some_and(|(s, _)| Arc::ptr_eq(s, &slot)) {
                    e.map.remove(query);
                }
            }
        }
        result
    }

    /// The slot of `query` (a new, empty one when absent), marked used now; evicts the least
    /// recently used entry when the cache is over its capacity.
    fn slot(&self, query: &str) -> Slot {
        let Ok(mut e) = self.inner.lock() else {
            return Slot::default();
        };
        e.tick += 1;
        let tick = e.tick;
        if let Some((slot, used)) = e.map.get_mut(query) {
            *used = tick;
            return Arc::clone(slot);
        }
        let slot = Slot::default();
        e.map.insert(query.to_owned(), (Arc::clone(&slot), tick));
        if e.map.len() > self.capacity {
            let oldest = e
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                e.map.remove(&k);
            }
        }
        slot
    }

    /// The number of statements cached (or being prepared).
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().map(|e| e.map.len()).unwrap_or(0)
    }
}
