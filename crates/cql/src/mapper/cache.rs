//! Prepared statements per query shape: a mapper query of one shape (same CQL, any values)
//! is prepared once per session, through the session's prepared-statement cache
//! ([`Session::prepare_cached`]: by query text, bounded, least recently used out first).

use std::any::TypeId;
use std::sync::{OnceLock, RwLock};

use rustc_hash::FxHashMap;

use crate::statement::PreparedStatement;
use crate::{Error, Session};

/// The prepared statement for `cql` on `session`, prepared on first use.
pub(crate) async fn prepare(session: &Session, cql: &str) -> Result<PreparedStatement, Error> {
    session.prepare_cached(cql).await
}

/// Statement texts by model type, statement shape and keyspace, built on first use: the text
/// of one model's statement of one shape never changes, and building it (quoting names,
/// formatting) costs more instructions than the rest of a request.
type Texts = FxHashMap<(TypeId, u8), FxHashMap<String, String>>;
static TEXTS: OnceLock<RwLock<Texts>> = OnceLock::new();

/// At most this many texts are kept (keyspaces given per call are unbounded); past it,
/// texts are built every time.
const MAX_TEXTS: usize = 4096;

/// The text of model `model`'s statement of shape `shape` in keyspace `ks`: `build`'s, built
/// once.
pub(crate) fn text(model: TypeId, shape: u8, ks: &str, build: impl FnOnce() -> String) -> String {
    let texts = TEXTS.get_or_init(Default::default);
    if let Ok(t) = texts.read() {
        if let Some(s) = t.get(&(model, shape)).and_then(|m| m.get(ks)) {
            return s.clone();
        }
    }
    let s = build();
    if let Ok(mut t) = texts.write() {
        if t.values().map(FxHashMap::len).sum::<usize>() < MAX_TEXTS {
            t.entry((model, shape))
                .or_default()
                .insert(ks.to_owned(), s.clone());
        }
    }
    s
}
