//! Prepared statements cached per session and query text: a mapper query of one shape
//! (same CQL, any values) is prepared once per session. Everything goes through [`prepare`],
//! so the cache can be replaced by the session's own when it has one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use crate::statement::PreparedStatement;
use crate::{Error, Session};

type Identity = Weak<dyn std::any::Any + Send + Sync>;

struct Entry {
    session: Identity,
    statements: HashMap<Arc<str>, PreparedStatement>,
}

static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// The prepared statement for `cql` on `session`, prepared on first use.
pub(crate) async fn prepare(session: &Session, cql: &str) -> Result<PreparedStatement, Error> {
    let me = session.identity();
    if let Some(p) = lookup(&me, cql) {
        return Ok(p);
    }
    let p = session.prepare(cql).await?;
    if let Ok(mut cache) = CACHE.lock() {
        // Sessions that are gone leave with their statements.
        cache.retain(|e| e.session.strong_count() > 0);
        let i = match cache.iter().position(|e| e.session.ptr_eq(&me)) {
            Some(i) => i,
            None => {
                cache.push(Entry {
                    session: me,
                    statements: HashMap::new(),
                });
                cache.len() - 1
            }
        };
        cache[i].statements.insert(Arc::from(cql), p.clone());
    }
    Ok(p)
}

fn lookup(me: &Identity, cql: &str) -> Option<PreparedStatement> {
    let cache = CACHE.lock().ok()?;
    let e = cache.iter().find(|e| e.session.ptr_eq(me))?;
    e.statements.get(cql).cloned()
}

/// How many statements are cached for `session` (for tests of the cache).
pub fn cached_statements(session: &Session) -> usize {
    let me = session.identity();
    CACHE
        .lock()
        .ok()
        .and_then(|c| {
            c.iter()
                .find(|e| e.session.ptr_eq(&me))
                .map(|e| e.statements.len())
        })
        .unwrap_or(0)
}
