//! [`TypedRowStream`]: every row of a statement as a Rust type, page after page.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use cql_protocol::deserialize::{DeserializeRow, RowIterator};
use futures_core::Stream;

use super::{HeldPage, Pages};
use crate::error::Error;

/// Every row of a statement's result, over all pages, as `R` (a tuple or a type with
/// `#[derive(DeserializeRow)]`); what [`Session::execute_iter`](crate::Session::execute_iter)
/// returns.
///
/// Rows are decoded one at a time from the page's bytes as they are read, never a page at
/// once; the next page is fetched in the background while the current one is read, so the
/// stream holds at most two pages whatever the size of the result. Dropping it stops the
/// fetching. Each page is type-checked against `R` when it arrives; a mismatch is an error
/// naming the column, and ends the stream.
///
/// ```no_run
/// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
/// let mut rows = session
///     .execute_iter::<(i32, String)>("SELECT id, name FROM ks.t", ())
///     .await?;
/// while let Some(row) = rows.next_row().await {
///     let (id, name) = row?;
///     println!("{id} {name}");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TypedRowStream<R> {
    pages: Pages,
    current: Option<Cursor>,
    done: bool,
    _row: PhantomData<fn() -> R>,
}

/// A page being read: where its next row starts and how many rows are left.
#[derive(Debug)]
struct Cursor {
    page: HeldPage,
    offset: usize,
    remaining: usize,
}

impl<R> TypedRowStream<R>
where
    R: for<'f> DeserializeRow<'f>,
{
    /// Waits for the first page so that a statement the server refuses, or a row type that
    /// does not match its columns, fails the call that started the stream.
    pub(crate) async fn start(mut pages: Pages) -> Result<Self, Error> {
        let first = match pages.next().await {
            Some(page) => Some(Self::open(page?)?),
            None => None,
        };
        Ok(TypedRowStream {
            pages,
            done: first.is_none(),
            current: first,
            _row: PhantomData,
        })
    }

    /// Type-checks a page's columns against `R`.
    fn open(page: HeldPage) -> Result<Cursor, Error> {
        let rows = page.result.rows_msg()?;
        R::type_check(page.result.column_specs()).map_err(Error::Deserialize)?;
        let remaining = rows.rows_count;
        Ok(Cursor {
            page,
            offset: 0,
            remaining,
        })
    }

    /// The next row, or `None` after the last one.
    pub async fn next_row(&mut self) -> Option<Result<R, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Reads the rest of the rows into a `Vec` (the whole result in memory: for results
    /// known to be small).
    pub async fn try_collect(mut self) -> Result<Vec<R>, Error> {
        let mut out = Vec::new();
        while let Some(row) = self.next_row().await {
            out.push(row?);
        }
        Ok(out)
    }

    /// The most pages this stream held at once (at most 2: the one being read and the next).
    pub fn peak_pages_held(&self) -> usize {
        self.pages.peak_held()
    }
}

impl Cursor {
    /// Decodes the next row of this page, if there is one.
    fn next_row<R: for<'f> DeserializeRow<'f>>(&mut self) -> Option<Result<R, Error>> {
        if self.remaining == 0 {
            return None;
        }
        let result = &self.page.result;
        let rows = result.rows_msg().ok()?;
        let mut it = RowIterator::resume(
            &rows.raw_rows,
            self.offset,
            self.remaining,
            result.column_specs(),
        );
        let row = it.next()?;
        self.offset = it.offset();
        self.remaining = it.remaining();
        Some(row.and_then(R::deserialize).map_err(Error::Deserialize))
    }
}

impl<R> Stream for TypedRowStream<R>
where
    R: for<'f> DeserializeRow<'f>,
{
    type Item = Result<R, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(cursor) = &mut self.current {
                if let Some(row) = cursor.next_row::<R>() {
                    if row.is_err() {
                        self.done = true;
                        self.current = None;
                    }
                    return Poll::Ready(Some(row));
                }
            }
            // The page is read: let it go before taking the next, so that at most two are
            // held.
            self.current = None;
            if self.done {
                return Poll::Ready(None);
            }
            match self.pages.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(page)) => match page.and_then(Self::open) {
                    Ok(cursor) => self.current = Some(cursor),
                    Err(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
            }
        }
    }
}
