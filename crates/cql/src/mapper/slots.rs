//! The most common statements of each model, found without a lookup: a plain `INSERT` of the
//! row and the `SELECT` of `get` / `first` by the whole partition key. Each derived model has a
//! number (given at its first use, process-wide); each session keeps, per model number and
//! statement, one cell set once. A hit reads the model's number, one cell, and compares the
//! keyspace: no shape key is built and nothing is hashed (`shapes.rs` does that for every
//! other statement).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use cql_protocol::metadata::ResultMetadata;

use crate::statement::PreparedStatement;

/// Models beyond this many (in one process) use the shape map only.
const MODELS: usize = 64;

/// The number of statements kept per model ([`Common`]'s variants).
const KINDS: usize = 2;

/// The next model number to give (0 is "none yet" in [`ModelSlot`]).
static NEXT: AtomicU32 = AtomicU32::new(1);

/// A model's number in every session's [`Slots`]; generated as a `static` by
/// `#[derive(Model)]`.
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelSlot(AtomicU32);

impl ModelSlot {
    /// A model with no number yet.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        ModelSlot(AtomicU32::new(0))
    }

    /// The model's number, given now if it has none.
    #[inline]
    fn index(&self) -> usize {
        let n = self.0.load(Ordering::Relaxed);
        if n != 0 {
            return n as usize - 1;
        }
        let mine = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .0
            .compare_exchange(0, mine, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => mine as usize - 1,
            // Another thread numbered it first; `mine` stays unused.
            Err(theirs) => theirs as usize - 1,
        }
    }
}

/// The statements a model's number keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Common {
    /// `INSERT` of every column, without TTL, timestamp or condition.
    Insert = 0,
    /// `SELECT` of every column by the whole partition key (`=` each, in key order) with
    /// `LIMIT ?` (`get` binds 2, `first` 1).
    ByKey = 1,
}

/// One kept statement.
#[derive(Debug)]
pub(crate) struct Entry {
    keyspace: Box<str>,
    /// The address of the model's own keyspace text (a `&'static str`, passed again on every
    /// call that does not name another) when the cell was set from it, else 0: equal
    /// addresses and lengths skip the byte compare. Static text is never freed, so no other
    /// keyspace can come at that address. Compared, never dereferenced.
    seen_at: usize,
    statement: Arc<PreparedStatement>,
    /// The result metadata the model's row type passed its type check against: rows read
    /// with this same metadata (the statement's, shared, when the server sends none) are not
    /// checked again. Set once; after a change of the table's columns every page is checked.
    checked: OnceLock<Arc<ResultMetadata>>,
}

impl Entry {
    /// The statement.
    pub(crate) fn statement(&self) -> &PreparedStatement {
        &self.statement
    }

    /// See the field.
    pub(crate) fn checked(&self) -> &OnceLock<Arc<ResultMetadata>> {
        &self.checked
    }

    #[inline]
    fn is_for(&self, ks: &str) -> bool {
        (ks.as_ptr() as usize == self.seen_at && ks.len() == self.keyspace.len())
            || *self.keyspace == *ks
    }
}

/// One session's cells: `MODELS` × `KINDS`, each set once (its keyspace with it).
#[derive(Debug)]
pub(crate) struct Slots {
    cells: Box<[OnceLock<Entry>]>,
}

impl Default for Slots {
    fn default() -> Self {
        Slots {
            cells: (0..MODELS * KINDS).map(|_| OnceLock::new()).collect(),
        }
    }
}

impl Slots {
    #[inline]
    fn cell(&self, model: &ModelSlot, kind: Common) -> Option<&OnceLock<Entry>> {
        self.cells.get(model.index() * KINDS + kind as usize)
    }

    /// The statement kept for `kind` of `model` in keyspace `ks`.
    #[inline]
    pub(crate) fn get(&self, model: &ModelSlot, kind: Common, ks: &str) -> Option<&Entry> {
        let e = self.cell(model, kind)?.get()?;
        e.is_for(ks).then_some(e)
    }

    /// Keeps `p` for `kind` of `model` in keyspace `ks`, unless the cell is set (a statement
    /// of another keyspace stays; that keyspace's calls keep hitting it, the others go through
    /// the shape map). `model_ks`: `ks` is the model's own `&'static` keyspace text.
    pub(crate) fn put(
        &self,
        model: &ModelSlot,
        kind: Common,
        ks: &str,
        model_ks: bool,
        p: &Arc<PreparedStatement>,
    ) {
        if let Some(cell) = self.cell(model, kind) {
            let _ = cell.set(Entry {
                keyspace: ks.into(),
                seen_at: if model_ks { ks.as_ptr() as usize } else { 0 },
                statement: Arc::clone(p),
                checked: OnceLock::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_get_distinct_numbers_once() {
        let a = ModelSlot::new();
        let b = ModelSlot::new();
        let (ia, ib) = (a.index(), b.index());
        assert_ne!(ia, ib);
        assert_eq!(a.index(), ia);
        assert_eq!(b.index(), ib);
    }
}
