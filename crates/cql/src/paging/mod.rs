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
pub use typed::{PageRows, TypedRowStream};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use cql_protocol::deserialize::DeserializeRow;
use cql_protocol::serialize::{SerializeRow, SerializedValues};
use tokio::sync::mpsc;

use crate::error::Error;
use crate::result::QueryResult;
use crate::session::{OwnedStatement, Session, Statement};
use crate::statement::SimpleStatement;

impl Session {
    /// Executes a statement and streams all its rows as dynamic [`Row`](crate::Row)s,
    /// fetching the next page in the background while the current one is consumed. Waits
    /// for the first page: an error of the statement is the error of this call.
    pub async fn execute_stream<'s>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
    ) -> Result<RowStream, Error> {
        let mut pages = self.pages(statement.into(), &values)?;
        let first = pages.next().await.transpose()?;
        RowStream::new(pages, first)
    }

    /// Executes a statement and returns every row of its result, over all pages, as `R`
    /// (a tuple or a `#[derive(DeserializeRow)]` type): the way to read a result of any
    /// size. One page is fetched ahead in the background while the current one is read, so
    /// at most two pages are in memory. Waits for the first page: an error of the statement,
    /// or a row type that does not match its columns, is the error of this call.
    ///
    /// [`execute`](Self::execute) returns the first page only (see
    /// [`QueryResult::has_more_pages`](crate::QueryResult::has_more_pages)).
    ///
    /// ```no_run
    /// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
    /// let names: Vec<(i32, String)> = session
    ///     .execute_iter("SELECT id, name FROM ks.t", ())
    ///     .await?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_iter<'s, R>(
        &self,
        statement: impl Into<Statement<'s>>,
        values: impl SerializeRow + Sync,
    ) -> Result<TypedRowStream<R>, Error>
    where
        R: for<'f> DeserializeRow<'f>,
    {
        let pages = self.pages(statement.into(), &values)?;
        TypedRowStream::start(pages).await
    }

    /// Starts the background fetching of a statement's pages.
    fn pages(
        &self,
        statement: Statement<'_>,
        values: &(dyn SerializeRow + Sync),
    ) -> Result<Pages, Error> {
        self.check_open()?;
        let owned = match statement {
            Statement::Text(q) => OwnedStatement::Simple(SimpleStatement::new(q)),
            Statement::Simple(s) => OwnedStatement::Simple(s.clone()),
            Statement::Prepared(p) => OwnedStatement::Bound(p.bind(values)?),
            Statement::Bound(b) => OwnedStatement::Bound(b.clone()),
        };
        let values = match &owned {
            OwnedStatement::Simple(_) => Some(
                cql_protocol::serialize::SerializedValues::from_row(values, None)
                    .map_err(Error::Serialize)?,
            ),
            OwnedStatement::Bound(_) => None,
        };
        Ok(Pages::start(self.clone(), owned, values))
    }
}

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
