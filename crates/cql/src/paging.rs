//! Row streams: all rows of a statement, page after page, with the next page fetched in the
//! background while the current one is consumed.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use cql_protocol::serialize::SerializedValues;
use futures_core::Stream;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::result::{QueryResult, Row};
use crate::session::{OwnedStatement, Session};

/// A stream of [`Row`]s over every page of a result. Pages are fetched by a background task
/// one page ahead of the consumer; dropping the stream stops it.
#[derive(Debug)]
pub struct RowStream {
    pages: mpsc::Receiver<Result<QueryResult, Error>>,
    current: VecDeque<Row>,
    done: bool,
}

impl RowStream {
    pub(crate) fn start(
        session: Session,
        statement: OwnedStatement,
        values: Option<SerializedValues>,
    ) -> Self {
        // One page in the channel plus the one being fetched: the consumer never waits for a
        // page that could have been fetched while it worked, and memory stays bounded.
        let (tx, rx) = mpsc::channel(1);
        tokio::spawn(async move {
            let mut paging_state: Option<Bytes> = None;
            loop {
                let page = match &statement {
                    OwnedStatement::Simple(s) => {
                        session
                            .execute_page(
                                s,
                                values.as_ref().unwrap_or(&SerializedValues::new()),
                                paging_state.take(),
                            )
                            .await
                    }
                    OwnedStatement::Bound(b) => {
                        session.execute_page(b, (), paging_state.take()).await
                    }
                };
                let next = page.as_ref().ok().and_then(QueryResult::paging_state);
                let failed = page.is_err();
                if tx.send(page).await.is_err() || failed {
                    return;
                }
                match next {
                    Some(state) => paging_state = Some(state),
                    None => return,
                }
            }
        });
        RowStream {
            pages: rx,
            current: VecDeque::new(),
            done: false,
        }
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
            match self.pages.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(page))) => match page.rows() {
                    Ok(rows) => self.current.extend(rows),
                    Err(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
            }
        }
    }
}

impl RowStream {
    /// The next row, or `None` after the last one.
    pub async fn next_row(&mut self) -> Option<Result<Row, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}
