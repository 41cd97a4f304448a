//! [`TypedRowStream`]: every row of a statement as a Rust type, page after page.

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use cql_protocol::deserialize::{DeserializeRow, RowIterator};
use cql_protocol::metadata::ColumnSpec;
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
pub struct TypedRowStream<R> {
    pages: Pages,
    current: Option<Cursor>,
    done: bool,
    _row: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for TypedRowStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedRowStream")
            .field("pages", &self.pages)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A page being read: where its next row starts and how many rows are left.
#[derive(Debug)]
struct Cursor {
    /// Held until the page is read (the count of held pages).
    _page: HeldPage,
    /// The page's rows and columns, taken out of it once, not for every row.
    raw: Bytes,
    columns: Arc<[ColumnSpec]>,
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
        let columns = page.result.column_specs();
        R::type_check(columns).map_err(Error::Deserialize)?;
        Ok(Cursor {
            raw: rows.raw_rows.clone(),
            columns: columns.into(),
            remaining: rows.rows_count,
            offset: 0,
            _page: page,
        })
    }

    /// The next row, or `None` after the last one.
    pub async fn next_row(&mut self) -> Option<Result<R, Error>> {
        // Most rows are in the page at hand: no trip through the stream's poll.
        if let Some(row) = self.current.as_mut().and_then(Cursor::next_row::<R>) {
            if row.is_err() {
                self.done = true;
                self.current = None;
            }
            return Some(row);
        }
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The rows of the next page, as a plain iterator (the rest of the page at hand if
    /// [`next_row`](Self::next_row) read part of it); `None` after the last page. The next
    /// page is fetched in the background meanwhile, as with `next_row`; this form costs
    /// per row what iterating one page with
    /// [`QueryResult::rows_typed`](crate::QueryResult::rows_typed) costs.
    ///
    /// ```no_run
    /// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
    /// let mut rows = session
    ///     .execute_iter::<(i32, String)>("SELECT id, name FROM ks.t", ())
    ///     .await?;
    /// while let Some(page) = rows.next_page().await {
    ///     for row in page? {
    ///         let (id, name) = row?;
    ///         println!("{id} {name}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_page(&mut self) -> Option<Result<PageRows<'_, R>, Error>> {
        if self.current.as_ref().is_none_or(|c| c.remaining == 0) {
            // Let the page go before taking the next: at most two are held.
            self.current = None;
            if self.done {
                return None;
            }
            match self.pages.next().await {
                None => {
                    self.done = true;
                    return None;
                }
                Some(page) => match page.and_then(Self::open) {
                    Ok(cursor) => self.current = Some(cursor),
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                },
            }
        }
        let Cursor {
            raw,
            columns,
            offset,
            remaining,
            ..
        } = self.current.as_mut()?;
        Some(Ok(PageRows {
            it: RowIterator::resume(raw, *offset, *remaining, columns),
            offset,
            remaining,
            _row: PhantomData,
        }))
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

/// The rows of one page of a [`TypedRowStream`] ([`TypedRowStream::next_page`]).
pub struct PageRows<'s, R> {
    it: RowIterator<'s, 's>,
    /// Where the stream resumes: written back when the iterator is dropped.
    offset: &'s mut usize,
    remaining: &'s mut usize,
    _row: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for PageRows<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageRows")
            .field("remaining", &self.it.remaining())
            .finish_non_exhaustive()
    }
}

impl<'s, R: for<'f> DeserializeRow<'f>> Iterator for PageRows<'s, R> {
    type Item = Result<R, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let row = self.it.next()?.and_then(R::deserialize);
        Some(row.map_err(Error::Deserialize))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.it.size_hint()
    }
}

impl<R> Drop for PageRows<'_, R> {
    fn drop(&mut self) {
        *self.offset = self.it.offset();
        *self.remaining = self.it.remaining();
    }
}

impl Cursor {
    /// Decodes the next row of this page, if there is one; an error ends the page.
    #[inline]
    fn next_row<R: for<'f> DeserializeRow<'f>>(&mut self) -> Option<Result<R, Error>> {
        if self.remaining == 0 {
            return None;
        }
        let mut it = RowIterator::resume(&self.raw, self.offset, self.remaining, &self.columns);
        let row = it.next()?.and_then(R::deserialize);
        self.offset = it.offset();
        self.remaining = if row.is_ok() { it.remaining() } else { 0 };
        Some(row.map_err(Error::Deserialize))
    }
}

impl<R> Stream for TypedRowStream<R>
where
    R: for<'f> DeserializeRow<'f>,
{
    type Item = Result<R, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(row) = this.current.as_mut().and_then(Cursor::next_row::<R>) {
                if row.is_err() {
                    this.done = true;
                    this.current = None;
                }
                return Poll::Ready(Some(row));
            }
            // The page is read: let it go before taking the next, so that at most two are
            // held.
            this.current = None;
            if this.done {
                return Poll::Ready(None);
            }
            match this.pages.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(page)) => match page.and_then(Self::open) {
                    Ok(cursor) => this.current = Some(cursor),
                    Err(e) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
            }
        }
    }
}

// Nothing is ever pinned through the stream: rows are moved in and out of the queue.
impl<R> Unpin for TypedRowStream<R> {}
