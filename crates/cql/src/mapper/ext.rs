//! The entry points on models and queries: `User::objects()`, `user.insert()`,
//! `user.update()`, `user.delete()`, `query.update()`, `query.delete()`.

use super::model::Model;
use super::query::Query;
use super::write::{Delete, Insert, Update};

/// Methods every [`Model`] has (import `cql::mapper::ModelExt`).
pub trait ModelExt: Model {
    /// A query of every row of the table; narrow it with [`Query::filter`].
    fn objects() -> Query<Self> {
        Query::new()
    }

    /// An `INSERT` of this row (`save`).
    fn insert(&self) -> Insert<'_, Self> {
        Insert::new(self)
    }

    /// An `UPDATE` of this row (by its primary key): add what to change with
    /// [`Update::columns`] or [`Update::set`].
    fn update(&self) -> Update<'_, Self> {
        Update::of_row(self)
    }

    /// A `DELETE` of this row (by its primary key), or of some of its columns.
    fn delete(&self) -> Delete<'_, Self> {
        Delete::of_row(self)
    }
}

impl<M: Model> ModelExt for M {}

impl<M: Model> Query<M> {
    /// An `UPDATE` of the rows this query selects (its filters are the `WHERE`).
    pub fn update(&self) -> Update<'static, M> {
        Update::of_filters(self.filters.to_vec(), self.opts.clone())
    }

    /// A `DELETE` of the rows this query selects (a partition, a clustering range...).
    pub fn delete(&self) -> Delete<'static, M> {
        Delete::of_filters(self.filters.to_vec(), self.opts.clone())
    }
}
