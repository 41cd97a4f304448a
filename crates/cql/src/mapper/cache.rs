//! Prepared statements per query shape: a mapper query of one shape (same CQL, any values)
//! is prepared once per session, through the session's prepared-statement cache
//! ([`Session::prepare_cached`]: by query text, bounded, least recently used out first).

use crate::statement::PreparedStatement;
use crate::{Error, Session};

/// The prepared statement for `cql` on `session`, prepared on first use.
pub(crate) async fn prepare(session: &Session, cql: &str) -> Result<PreparedStatement, Error> {
    session.prepare_cached(cql).await
}
