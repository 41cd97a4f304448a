//! Prepared statements per query shape, per session: a mapper statement of one shape (model,
//! kind of statement, filter targets and operators, order, which clauses are bound, keyspace)
//! has one text whatever its values, so once prepared it is found again by its shape without
//! building the text or hashing it. Building the text (quoting names, formatting) costs more
//! instructions than the rest of a request.

use std::any::TypeId;
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use crate::statement::PreparedStatement;

/// Words of a shape key; a shape needing more (a long keyspace name, many filters) is not
/// kept (its statement goes through the text cache of `Session::prepare_cached` instead).
const MAX_WORDS: usize = 24;

/// At most this many shapes are kept per session (keyspaces given per call are unbounded);
/// past it, statements go through the text cache.
const MAX_SHAPES: usize = 4096;

/// A shape's key, built on the stack: numbers and the keyspace name.
pub(crate) struct Shape {
    words: [u32; MAX_WORDS],
    len: usize,
    fits: bool,
}

impl Shape {
    /// A key starting with the statement kind.
    pub(crate) fn new(kind: u32) -> Self {
        let mut s = Shape {
            words: [0; MAX_WORDS],
            len: 0,
            fits: true,
        };
        s.push(kind);
        s
    }

    /// Appends a number.
    pub(crate) fn push(&mut self, w: u32) {
        match self.words.get_mut(self.len) {
            Some(slot) => {
                *slot = w;
                self.len += 1;
            }
            None => self.fits = false,
        }
    }

    /// Appends a string (its length, then its bytes four to a word).
    pub(crate) fn push_str(&mut self, s: &str) {
        self.push(u32::try_from(s.len()).unwrap_or(u32::MAX));
        let mut word = 0u32;
        for (i, b) in s.bytes().enumerate() {
            word |= u32::from(b) << (8 * (i % 4));
            if i % 4 == 3 {
                self.push(word);
                word = 0;
            }
        }
        if s.len() % 4 != 0 {
            self.push(word);
        }
    }

    /// Marks the shape as not kept (something in it has no number).
    pub(crate) fn unkept(&mut self) {
        self.fits = false;
    }

    pub(crate) fn key(&self) -> Option<&[u32]> {
        self.fits.then(|| &self.words[..self.len])
    }
}

type ByShape = FxHashMap<Box<[u32]>, Arc<PreparedStatement>>;

/// The prepared statements of one session's mapper, by model type and shape. Read on every
/// mapper call, written once per shape.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    map: RwLock<FxHashMap<TypeId, ByShape>>,
    /// The most common statements of each model, found before the map (`slots.rs`).
    pub(crate) slots: super::slots::Slots,
}

impl Shapes {
    /// The statement of `shape` of model `model`, if prepared before.
    pub(crate) fn get(&self, model: TypeId, shape: &Shape) -> Option<Arc<PreparedStatement>> {
        let key = shape.key()?;
        let map = self.map.read().ok()?;
        map.get(&model)?.get(key).cloned()
    }

    /// Keeps `p` as the statement of `shape` (unless the shape does not fit or the session
    /// keeps [`MAX_SHAPES`] already).
    pub(crate) fn put(&self, model: TypeId, shape: &Shape, p: &Arc<PreparedStatement>) {
        let Some(key) = shape.key() else { return };
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if map.values().map(FxHashMap::len).sum::<usize>() < MAX_SHAPES {
            map.entry(model)
                .or_default()
                .insert(key.into(), Arc::clone(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_make_distinct_keys() {
        let mut a = Shape::new(1);
        a.push_str("ks");
        a.push(7);
        let mut b = Shape::new(1);
        b.push_str("ks\0");
        b.push(7);
        let mut c = Shape::new(1);
        c.push_str("ks");
        c.push(7);
        assert_ne!(a.key(), b.key());
        assert_eq!(a.key(), c.key());
    }

    #[test]
    fn a_shape_too_long_is_not_kept() {
        let mut s = Shape::new(1);
        s.push_str(&"k".repeat(4 * MAX_WORDS));
        assert!(s.key().is_none());
        let mut u = Shape::new(1);
        u.unkept();
        assert!(u.key().is_none());
    }
}
