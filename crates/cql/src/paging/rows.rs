//! [`RowStream`]: every row of a statement as dynamic [`Row`]s, page after page.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::{HeldPage, Pages};
use crate::error::Error;
use crate::result::Row;

/// A stream of dynamic [`Row`]s over every page of a result (for typed rows, see
/// [`TypedRowStream`](super::TypedRowStream)). The next page is fetched in the background
/// while the current one is consumed; dropping the stream stops it.
#[derive(Debug)]
pub struct RowStream {
    pages: Pages,
    current: VecDeque<Row>,
    /// The page `current` was read from, kept until its rows are consumed so that the
    /// count of held pages tells the truth.
    page: Option<HeldPage>,
    done: bool,
}

impl RowStream {
    /// A stream that starts with `first`, the page already received.
    pub(crate) fn new(pages: Pages, first: Option<HeldPage>) -> Result<Self, Error> {
        let mut stream = RowStream {
            pages,
            current: VecDeque::new(),
            page: None,
            done: first.is_none(),
        };
        if let Some(page) = first {
            stream.current.extend(page.result.rows()?);
            stream.page = Some(page);
        }
        Ok(stream)
    }

    /// The next row, or `None` after the last one.
    pub async fn next_row(&mut self) -> Option<Result<Row, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The most pages this stream held at once (at most 2: the one being read and the next).
    pub fn peak_pages_held(&self) -> usize {
        self.pages.peak_held()
    }
}

impl Stream for RowStream {
    type Item = Result<Row, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(row) = self.current.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            self.page = None;
            match self.pages.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(page))) => match page.result.rows() {
                    Ok(rows) => {
                        self.current.extend(rows);
                        self.page = Some(page);
                    }
                    Err(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
            }
        }
    }
}
