//! Running the writes: prepare (cached), bind, execute; for a conditional write, a
//! not-applied result becomes [`WriteError::NotApplied`] with the current row as the model.

use crate::statement::Consistency;
use crate::{QueryResult, Session};

use super::cache;
use super::column::Filter;
use super::cql_text;
use super::error::{Error, WriteError};
use super::model::Model;
use super::model::RowSource;
use super::options::CallOptions;
use super::query::{Query, Selection};
use super::slots::Common;
use super::value::Binds;
use super::write::{Delete, Insert, Statement, Update, key_filters};

async fn run(
    session: &Session,
    st: &Statement<'_>,
    opts: &CallOptions,
) -> Result<QueryResult, Error> {
    let p = opts.apply(cache::prepare(session, &st.cql).await?);
    let r = session
        .execute(
            &p,
            Binds {
                items: &st.binds,
                row: st.row,
            },
        )
        .await?;
    Ok(r)
}

/// The outcome of a conditional write: `Ok` when applied, else the current row.
async fn outcome<M: Model>(
    session: &Session,
    r: &QueryResult,
    ks: &str,
    key: &[Filter<M>],
    row: Option<&dyn super::model::RowSource>,
    opts: &CallOptions,
) -> Result<(), WriteError<M>> {
    if r.was_applied()? {
        return Ok(());
    }
    // `IF NOT EXISTS` returns the whole existing row; `IF EXISTS` on no row returns only
    // `[applied]`; `IF column = ..` returns the columns of the condition, so the row is read
    // again, at serial consistency (the state the condition saw or a later one).
    if let Ok(m) = r.first_row_typed::<M>() {
        return Err(WriteError::NotApplied {
            current: Some(Box::new(m)),
        });
    }
    if r.column_specs().len() <= 1 {
        return Err(WriteError::NotApplied { current: None });
    }
    let mut q = Query::<M>::new();
    q.filters = key.iter().cloned().collect();
    let shape = || q.shape(ks, &Selection::All, Some(2));
    let serial = opts.serial_consistency.unwrap_or(Consistency::Serial);
    let p = cache::by_shape::<M>(session, shape, || q.select_cql(ks, Selection::All, Some(2)))
        .await?
        .as_ref()
        .clone()
        .with_consistency(serial);
    let r = session
        .execute(&p, q.values(Some(2), row))
        .await
        .map_err(Error::from)?;
    let current = r.rows_typed::<M>()?.next().transpose()?.map(Box::new);
    Err(WriteError::NotApplied { current })
}

impl<M: Model> Insert<'_, M> {
    /// Writes the row. With [`if_not_exists`](Self::if_not_exists), an existing row gives
    /// [`WriteError::NotApplied`] carrying it.
    pub async fn execute(&self, session: &Session) -> Result<(), WriteError<M>> {
        let ks = cql_text::keyspace(M::TABLE, self.opts.keyspace.as_deref(), session)?;
        let values = self.values()?;
        let shape = || self.shape(&ks);
        let plain = !self.if_not_exists && values.ttl.is_none() && values.timestamp.is_none();
        let common = plain.then_some((Common::Insert, &*ks));
        let p = match common.and_then(|(c, ks)| cache::kept::<M>(session, c, ks)) {
            Some(p) => p,
            None => {
                cache::find::<M>(session, common, shape, || Ok(self.text(&ks, &values))).await?
            }
        };
        // The result leaves the request's future only for a conditional insert (the others
        // have nothing to read in it).
        let conditional = self.if_not_exists;
        let r = session
            .execute_page_with(&*self.opts.on(&p), values, None, |r| {
                conditional.then_some(r)
            })
            .await
            .map_err(Error::from)?;
        if let Some(r) = r {
            let key = key_filters::<M>();
            return outcome::<M>(
                session,
                &r,
                &ks,
                &key,
                Some(self.model as &dyn RowSource),
                &self.opts,
            )
            .await;
        }
        Ok(())
    }
}

impl<M: Model> Update<'_, M> {
    /// Runs the update; a condition that does not hold gives [`WriteError::NotApplied`]
    /// with the current row.
    pub async fn execute(&self, session: &Session) -> Result<(), WriteError<M>> {
        let ks = cql_text::keyspace(M::TABLE, self.opts.keyspace.as_deref(), session)?;
        let st = self.statement(&ks)?;
        let r = run(session, &st, &self.opts).await?;
        if st.conditional {
            return outcome::<M>(session, &r, &ks, self.key_filters(), st.row, &self.opts).await;
        }
        Ok(())
    }
}

impl<M: Model> Delete<'_, M> {
    /// Runs the delete; a condition that does not hold gives [`WriteError::NotApplied`]
    /// with the current row.
    pub async fn execute(&self, session: &Session) -> Result<(), WriteError<M>> {
        let ks = cql_text::keyspace(M::TABLE, self.opts.keyspace.as_deref(), session)?;
        let st = self.statement(&ks)?;
        let r = run(session, &st, &self.opts).await?;
        if st.conditional {
            return outcome::<M>(session, &r, &ks, self.key_filters(), st.row, &self.opts).await;
        }
        Ok(())
    }
}
