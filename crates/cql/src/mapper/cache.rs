//! Prepared statements per query shape: a mapper query of one shape (same CQL, any values)
//! is prepared once per session. Found first by shape (`shapes.rs`: no text built), else its
//! text is built and goes through the session's prepared-statement cache
//! ([`Session::prepare_cached`]: by query text, bounded, least recently used out first).

use std::any::TypeId;
use std::sync::Arc;

use crate::statement::PreparedStatement;
use crate::{Error, Session};

use super::error::Error as MapperError;
use super::shapes::Shape;

/// The prepared statement for `cql` on `session`, prepared on first use.
pub(crate) async fn prepare(session: &Session, cql: &str) -> Result<PreparedStatement, Error> {
    session.prepare_cached(cql).await
}

/// The prepared statement of model `M`'s statement of shape `shape()`: the one kept for the
/// shape, else `text()`'s (which also checks the statement), prepared and kept. The shape is
/// made again rather than held while preparing: it is larger than the rest of the call.
pub(crate) async fn by_shape<M: 'static>(
    session: &Session,
    shape: impl Fn() -> Shape,
    text: impl FnOnce() -> Result<String, MapperError>,
) -> Result<Arc<PreparedStatement>, MapperError> {
    let shapes = session.mapper_shapes();
    if let Some(p) = shapes.get(TypeId::of::<M>(), &shape()) {
        return Ok(p);
    }
    let cql = text()?;
    let p = Arc::new(prepare(session, &cql).await?);
    shapes.put(TypeId::of::<M>(), &shape(), &p);
    Ok(p)
}
