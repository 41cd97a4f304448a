//! Prepared statements per query shape: a mapper query of one shape (same CQL, any values)
//! is prepared once per session. Found first in the model's own cells for the most common
//! statements (`slots.rs`), then by shape (`shapes.rs`: no text built), else its text is
//! built and goes through the session's prepared-statement cache
//! ([`Session::prepare_cached`]: by query text, bounded, least recently used out first).

use std::any::TypeId;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use cql_protocol::metadata::ResultMetadata;

use crate::statement::PreparedStatement;
use crate::{Error, Session};

use super::error::Error as MapperError;
use super::model::Model;
use super::shapes::Shape;
use super::slots::{Common, Entry};

/// The prepared statement for `cql` on `session`, prepared on first use.
pub(crate) async fn prepare(session: &Session, cql: &str) -> Result<PreparedStatement, Error> {
    session.prepare_cached(cql).await
}

/// A statement found for a call: borrowed from the session's cells, or shared.
pub(crate) enum Found<'s> {
    Kept(&'s Entry),
    Shared(Arc<PreparedStatement>),
}

impl Found<'_> {
    /// The result metadata the model was checked against, for a kept statement.
    pub(crate) fn checked(&self) -> Option<&OnceLock<Arc<ResultMetadata>>> {
        match self {
            Found::Kept(e) => Some(e.checked()),
            Found::Shared(_) => None,
        }
    }
}

impl Deref for Found<'_> {
    type Target = PreparedStatement;
    fn deref(&self) -> &PreparedStatement {
        match self {
            Found::Kept(e) => e.statement(),
            Found::Shared(p) => p,
        }
    }
}

/// The statement kept in model `M`'s cell of `kind` in keyspace `ks`, found without
/// awaiting (the common calls' path: no future of the lookup is built).
pub(crate) fn kept<'s, M: Model>(
    session: &'s Session,
    kind: Common,
    ks: &str,
) -> Option<Found<'s>> {
    let p = session.mapper_shapes().slots.get(M::slot()?, kind, ks)?;
    Some(Found::Kept(p))
}

/// The prepared statement of model `M`'s statement of shape `shape()`: the model's cell of
/// `common` in keyspace `ks` when the call is one of the common statements, else the one kept
/// for the shape, else `text()`'s (which also checks the statement), prepared and kept. The
/// shape is made again rather than held while preparing: it is larger than the rest of the
/// call.
pub(crate) async fn find<'s, M: Model>(
    session: &'s Session,
    common: Option<(Common, &str)>,
    shape: impl Fn() -> Shape,
    text: impl FnOnce() -> Result<String, MapperError>,
) -> Result<Found<'s>, MapperError> {
    let shapes = session.mapper_shapes();
    let cell = common.and_then(|c| Some((M::slot()?, c)));
    if let Some((slot, (kind, ks))) = cell {
        if let Some(p) = shapes.slots.get(slot, kind, ks) {
            return Ok(Found::Kept(p));
        }
    }
    let p = by_shape::<M>(session, shape, text).await?;
    if let Some((slot, (kind, ks))) = cell {
        let model_ks = M::TABLE.keyspace.is_some_and(|k| std::ptr::eq(k, ks));
        shapes.slots.put(slot, kind, ks, model_ks, &p);
    }
    Ok(Found::Shared(p))
}

/// The prepared statement of model `M`'s statement of shape `shape()`: the one kept for the
/// shape, else `text()`'s, prepared and kept.
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
