//! Running a [`Query`]: every row as a typed stream over all pages, `get`, `first`, `count`,
//! and partial selects (`only` into tuples, `defer` into the model).

use std::any::TypeId;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use cql_protocol::deserialize::DeserializeRow;
use cql_protocol::metadata::ResultMetadata;

use super::cache::{self, Found};
use super::column::Column;
use super::cql_text;
use super::error::Error;
use super::model::Model;
use super::query::{Query, Selection};
use super::slots::Common;
use crate::{QueryResult, Session, TypedRowStream};

/// Columns of model `M` read together (`only`): a column or a tuple of columns, read as a
/// tuple of their field types.
pub trait Columns<M> {
    /// What a row of these columns is read as.
    type Row: for<'f> DeserializeRow<'f> + Send + 'static;
    /// The columns' indexes.
    fn indexes(&self) -> Vec<usize>;
}

macro_rules! columns_tuple {
    ($($T:ident $F:ident $i:tt),+) => {
        impl<M: Model, $($T, $F: for<'f> cql_protocol::deserialize::DeserializeValue<'f> + Send + 'static),+>
            Columns<M> for ($(Column<M, $T, $F>,)+)
        {
            type Row = ($($F,)+);
            fn indexes(&self) -> Vec<usize> {
                vec![$(self.$i.index()),+]
            }
        }
    };
}
columns_tuple!(A FA 0);
columns_tuple!(A FA 0, B FB 1);
columns_tuple!(A FA 0, B FB 1, C FC 2);
columns_tuple!(A FA 0, B FB 1, C FC 2, D FD 3);
columns_tuple!(A FA 0, B FB 1, C FC 2, D FD 3, E FE 4);
columns_tuple!(A FA 0, B FB 1, C FC 2, D FD 3, E FE 4, F FF 5);

/// Runs the `SELECT` of `q` reading `columns` into `R`.
async fn stream<M: Model, R: for<'f> DeserializeRow<'f>>(
    q: &Query<M>,
    session: &Session,
    what: Selection<'_>,
    limit: Option<i32>,
) -> Result<TypedRowStream<R>, Error> {
    let ks = cql_text::keyspace(M::TABLE, q.opts.keyspace.as_deref(), session)?;
    let p = prepared(q, session, &ks, what, limit).await?;
    let rows = session
        .execute_iter::<R>(&*q.opts.on(&p), q.values(limit, None))
        .await?;
    Ok(rows)
}

/// The prepared `SELECT` of `what` of `q` (found by its shape); the query's options go on
/// with `q.opts.on`.
async fn prepared<'s, M: Model>(
    q: &Query<M>,
    session: &'s Session,
    ks: &str,
    what: Selection<'_>,
    limit: Option<i32>,
) -> Result<Found<'s>, Error> {
    let shape = || q.shape(ks, &what, limit);
    let common = common(q, what, limit).map(|c| (c, ks));
    let p = cache::find::<M>(session, common, shape, || q.select_cql(ks, what, limit)).await?;
    Ok(p)
}

/// Which of a model's common statements the `SELECT` of `what` of `q` is, if any.
fn common<M: Model>(q: &Query<M>, what: Selection<'_>, limit: Option<i32>) -> Option<Common> {
    let by_key = matches!(what, Selection::All) && limit.is_some() && q.is_key_lookup();
    by_key.then_some(Common::ByKey)
}

/// The first `WANT` rows (1 or 2) of the `SELECT` of `q`: the first row, and whether a
/// second one came, given to `finish`. Read page by page in the calling task (`get` and
/// `first` read one or two rows: no background page fetcher as for `all`). `finish` makes the
/// caller's answer here, so that `get` and `first` return this future itself rather than one
/// more around it (a layer costs a copy of the result on every call); it and `WANT` are
/// generic so that each caller's copy is made for it (no call through a pointer).
async fn leading<M, R, T, const WANT: usize>(
    q: &Query<M>,
    session: &Session,
    what: Selection<'_>,
    limit: Option<i32>,
    finish: impl FnOnce(Option<R>, bool) -> Result<T, Error>,
) -> Result<T, Error>
where
    M: Model,
    R: for<'f> DeserializeRow<'f> + 'static,
{
    let ks = cql_text::keyspace(M::TABLE, q.opts.keyspace.as_deref(), session)?;
    let kept = common(q, what, limit).and_then(|c| cache::kept::<M>(session, c, &ks));
    let p = match kept {
        Some(p) => p,
        None => prepared(q, session, &ks, what, limit).await?,
    };
    // A kept statement's rows are read as `M` only: `R` is `M` for it.
    let checked = p
        .checked()
        .filter(|_| TypeId::of::<R>() == TypeId::of::<M>());
    let p = q.opts.on(&p);
    let mut first = None;
    let mut state = None;
    loop {
        // Each page is read where it arrives; only the step comes out.
        let step = session
            .execute_page_with(&*p, q.values(limit, None), state.take(), |page| {
                read_leading::<R, WANT>(&page, &mut first, checked)
            })
            .await??;
        match step {
            Leading::Done { more } => return finish(first, more),
            Leading::Next(s) => state = Some(s),
        }
    }
}

/// What a page of [`leading`] gave.
enum Leading {
    /// The answer is complete; `more`: a second row came.
    Done { more: bool },
    /// No answer yet: the next page starts here.
    Next(Bytes),
}

/// Reads the rows of `page` into `first` until `WANT` rows have come. Only the first row
/// is read: a second is known from the page's row count (`get` reports it, not its values).
/// `checked`: the result metadata `R` passed its type check against for this statement
/// (set here on the first page that passes).
fn read_leading<R: for<'f> DeserializeRow<'f>, const WANT: usize>(
    page: &QueryResult,
    first: &mut Option<R>,
    checked: Option<&OnceLock<Arc<ResultMetadata>>>,
) -> Result<Leading, Error> {
    // Made on every page, empty or not: it checks the columns against `R` (unless they are
    // the ones it passed on before).
    let mut typed = page.rows_typed_checked::<R>(checked.and_then(OnceLock::get))?;
    if let Some(cell) = checked.filter(|c| c.get().is_none()) {
        if let Some(m) = page.cached_metadata() {
            let _ = cell.set(Arc::clone(m));
        }
    }
    let rows = page.rows_count();
    if rows > 0 {
        if first.is_some() {
            return Ok(Leading::Done { more: true });
        }
        *first = typed.next().transpose()?;
        if WANT == 1 || rows > 1 {
            return Ok(Leading::Done {
                more: WANT > 1 && rows > 1,
            });
        }
    }
    Ok(match page.paging_state() {
        Some(s) => Leading::Next(s),
        None => Leading::Done { more: false },
    })
}

/// The one row: typed errors for none and for more.
#[inline]
fn exactly_one<M: Model, R>(first: Option<R>, more: bool) -> Result<R, Error> {
    match (first, more) {
        (None, _) => Err(Error::NotFound {
            table: M::TABLE.name,
        }),
        (Some(_), true) => Err(Error::MultipleRows {
            table: M::TABLE.name,
        }),
        (Some(r), false) => Ok(r),
    }
}

impl<M: Model> Query<M> {
    /// Every row, over all pages, as `M`: the next page is fetched while the current one is
    /// read, so at most two pages are held whatever the number of rows.
    pub async fn all(&self, session: &Session) -> Result<TypedRowStream<M>, Error> {
        stream(self, session, Selection::All, self.limit).await
    }

    /// The one row the query selects: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRows`] when there are more.
    pub fn get<'a>(
        &'a self,
        session: &'a Session,
    ) -> impl Future<Output = Result<M, Error>> + Send + 'a {
        let limit = Some(self.limit.map_or(2, |n| n.min(2)));
        leading::<M, M, M, 2>(self, session, Selection::All, limit, exactly_one::<M, M>)
    }

    /// The first row, if any.
    pub fn first<'a>(
        &'a self,
        session: &'a Session,
    ) -> impl Future<Output = Result<Option<M>, Error>> + Send + 'a {
        leading::<M, M, _, 1>(self, session, Selection::All, Some(1), |first, _| Ok(first))
    }

    /// The number of rows the query selects (a `SELECT COUNT(*)` on the server).
    pub async fn count(&self, session: &Session) -> Result<i64, Error> {
        let ks = cql_text::keyspace(M::TABLE, self.opts.keyspace.as_deref(), session)?;
        let p = prepared(self, session, &ks, Selection::Count, self.limit).await?;
        let r = session
            .execute(&*self.opts.on(&p), self.values(self.limit, None))
            .await?;
        let (n,): (i64,) = r.first_row_typed()?;
        Ok(n)
    }

    /// Reads only `columns` (a column or a tuple of them), as a tuple of their field types.
    pub fn only<C: Columns<M>>(&self, columns: C) -> Projection<'_, M, C> {
        Projection {
            query: self,
            columns: columns.indexes(),
            distinct: false,
            _c: std::marker::PhantomData,
        }
    }

    /// Every row as `M` without the `deferred` columns, which are not read: their fields
    /// get `Default::default()`, so each must be a `#[cql(default)]` field.
    pub async fn defer<C: Columns<M>>(
        &self,
        session: &Session,
        deferred: C,
    ) -> Result<TypedRowStream<M>, Error> {
        let def = M::TABLE;
        let deferred = deferred.indexes();
        for i in &deferred {
            let Some(c) = def.columns.get(*i) else {
                return Err(Error::InvalidFilter {
                    column: format!("#{i}"),
                    rule: "no such column".to_owned(),
                });
            };
            if !c.default {
                return Err(Error::InvalidFilter {
                    column: c.name.to_owned(),
                    rule: "a deferred column's field needs #[cql(default)]".to_owned(),
                });
            }
        }
        let cols: Vec<usize> = (0..def.columns.len())
            .filter(|i| !deferred.contains(i))
            .collect();
        let what = Selection::Columns {
            columns: &cols,
            distinct: false,
        };
        stream(self, session, what, self.limit).await
    }
}

impl<M, C> std::fmt::Debug for Projection<'_, M, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projection")
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

/// A query reading only some columns; see [`Query::only`].
pub struct Projection<'q, M, C> {
    query: &'q Query<M>,
    columns: Vec<usize>,
    distinct: bool,
    _c: std::marker::PhantomData<fn() -> C>,
}

impl<M: Model, C: Columns<M>> Projection<'_, M, C> {
    fn selection(&self) -> Selection<'_> {
        Selection::Columns {
            columns: &self.columns,
            distinct: self.distinct,
        }
    }

    /// `SELECT DISTINCT`: the columns must be partition key (or static) columns.
    #[must_use]
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Every row, over all pages.
    pub async fn all(&self, session: &Session) -> Result<TypedRowStream<C::Row>, Error> {
        stream(self.query, session, self.selection(), self.query.limit).await
    }

    /// The one row: typed errors for none and for more.
    pub async fn get(&self, session: &Session) -> Result<C::Row, Error> {
        let limit = Some(self.query.limit.map_or(2, |n| n.min(2)));
        let one = exactly_one::<M, C::Row>;
        leading::<M, C::Row, C::Row, 2>(self.query, session, self.selection(), limit, one).await
    }
}
