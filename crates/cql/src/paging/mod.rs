//! Results over all pages: a background task fetches the pages of a statement one ahead of
//! the consumer, and the row streams read them.
//!
//! Memory is bounded by two pages whatever the result's size: the one being read and the
//! next one, fetched while the first is read. The task asks for a free slot before it fetches
//! a page, so a third page is never requested while two are held; every stream counts the
//! pages it holds and keeps the peak ([`TypedRowStream::peak_pages_held`]).

mod rows;
mod typed;

pub use rows::RowStream;
pub use typed::TypedRowStream;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use cql_protocol::serialize::SerializedValues;
use tokio::sync::mpsc;

use crate::error::Error;
use crate::result::QueryResult;
use crate::session::{OwnedStatement, Session};

/// How many pages of one stream are in client memory, and the most there ever were.
#[derive(Debug, Default)]
struct PageCount {
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl PageCount {
    fn hold(self: &Arc<Self>) -> PageGuard {
        let now = self.live.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        PageGuard(Arc::clone(self))
    }
}

/// One page held in memory; counted until dropped.
#[derive(Debug)]
struct PageGuard(Arc<PageCount>);

impl Drop for PageGuard {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A page received from the server, with its place in the count.
#[derive(Debug)]
pub(crate) struct HeldPage {
    pub(crate) result: QueryResult,
    _held: PageGuard,
}

/// The consumer's end of the page fetcher.
#[derive(Debug)]
pub(crate) struct Pages {
    rx: mpsc::Receiver<Result<HeldPage, Error>>,
    count: Arc<PageCount>,
}

impl Pages {
    /// Starts fetching the pages of `statement` (with `values` for a simple statement) in a
    /// background task; dropping the returned end stops it, also in the middle of a page.
    pub(crate) fn start(
        session: Session,
        statement: OwnedStatement,
        values: Option<SerializedValues>,
    ) -> Self {
        // Capacity 1, and a slot is reserved before each fetch: while the consumer reads one
        // page the task fetches at most the next one.
        let (tx, rx) = mpsc::channel(1);
        let count = Arc::new(PageCount::default());
        let counter = Arc::clone(&count);
        let values = values.unwrap_or_default();
        tokio::spawn(async move {
            let mut paging_state: Option<Bytes> = None;
            loop {
                let Ok(slot) = tx.reserve().await else {
                    return;
                };
                let fetch = async {
                    match &statement {
                        OwnedStatement::Simple(s) => {
                            session.execute_page(s, &values, paging_state.take()).await
                        }
                        OwnedStatement::Bound(b) => {
                            session.execute_page(b, (), paging_state.take()).await
                        }
                    }
                };
                let page = tokio::select! {
                    page = fetch => page,
                    () = tx.closed() => return,
                };
                let next = page.as_ref().ok().and_then(QueryResult::paging_state);
                let failed = page.is_err();
                slot.send(page.map(|result| HeldPage {
                    result,
                    _held: counter.hold(),
                }));
                match next {
                    Some(state) if !failed => paging_state = Some(state),
                    _ => return,
                }
            }
        });
        Pages { rx, count }
    }

    /// The next page; `None` after the last one (or after an error was returned).
    pub(crate) async fn next(&mut self) -> Option<Result<HeldPage, Error>> {
        self.rx.recv().await
    }

    pub(crate) fn poll_next(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<HeldPage, Error>>> {
        self.rx.poll_recv(cx)
    }

    /// The most pages this stream ever held at once (the one being read and the one fetched
    /// ahead: at most 2).
    pub(crate) fn peak_held(&self) -> usize {
        self.count.peak.load(Ordering::Relaxed)
    }
}
