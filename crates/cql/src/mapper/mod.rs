//! The object mapper (the reference Python driver's `cqlengine`): a struct is the one
//! description of a table, its columns, its queries and its writes.
//!
//! ```no_run
//! # async fn demo(session: cql::Session) -> Result<(), cql::mapper::Error> {
//! use cql::mapper::ModelExt;
//!
//! #[derive(Debug, cql::Model)]
//! #[cql(table = "users", keyspace = "app")]
//! struct User {
//!     #[cql(partition_key)]
//!     id: i32,
//!     #[cql(clustering = "desc")]
//!     seen: i64,
//!     #[cql(index)]
//!     email: String,
//!     name: Option<String>,
//! }
//!
//! User { id: 1, seen: 10, email: "a@b".into(), name: None }
//!     .insert()
//!     .execute(&session)
//!     .await?;
//! let latest = User::objects()
//!     .filter(User::ID.eq(1))
//!     .order_by(User::SEEN.desc())
//!     .first(&session)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! See `docs/mapper.md` for every attribute and each cqlengine concept's counterpart.

mod batch;
mod bound;
mod cache;
mod column;
mod cql_text;
mod error;
mod exec;
mod ext;
mod model;
mod options;
#[doc(hidden)]
pub mod polymorphic;
mod query;
mod read;
pub mod schema;
pub(crate) mod shapes;
mod slots;
mod types;
mod validate;
mod value;
mod write;

pub use batch::{Batch, BatchEntry, BatchWrite};
pub use column::{
    Assignment, Column, ColumnValue, Filter, Op, OrderBy, TimeuuidBound, TokenRef, max_timeuuid,
    min_timeuuid, token,
};
pub use error::{Error, WriteError};
pub use ext::ModelExt;
pub use model::{ColumnDef, Model, Order, Role, TableDef, ViewDef};
pub use query::Query;
pub use read::{Columns, Projection};
pub use schema::{Plan, SchemaManager};
#[doc(hidden)]
pub use slots::ModelSlot;
pub use types::{CqlType, TypeDesc, TypeFn, UserType, UserTypeDef};
#[doc(hidden)]
pub use value::named as __named;
pub use write::{Delete, Insert, Update};

#[cfg(test)]
#[path = "mapper_tests.rs"]
mod tests;
