//! Running many statements at once with a bound on how many are in flight (the reference
//! driver's `execute_concurrent` and `execute_concurrent_with_args`).
//!
//! Both return [`ExecuteConcurrent`], a hand-written future rather than an `async fn`: an async
//! fn keeps the iterator as `<I as IntoIterator>::IntoIter` in its state, and proving such a
//! future `Send` inside another async block (`tokio::spawn(async move { .. })`) makes the
//! compiler re-prove `Iterator` for the caller's iterator under erased lifetimes, which fails
//! for closures such as `.map(|q| (*q, ()))` ("implementation of FnOnce is not general
//! enough"). In a named type the iterator type is resolved where the method is called.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_util::stream::{FuturesOrdered, StreamExt};

use cql_protocol::deserialize::DeserializeRow;
use cql_protocol::serialize::SerializeRow;

use crate::error::Error;
use crate::result::QueryResult;
use crate::session::{Session, Statement};
use crate::statement::PreparedStatement;

/// What [`Session::execute_concurrent`] does when a statement fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Go on with the other statements; every statement has its result.
    #[default]
    Continue,
    /// Start no more statements and return at once: the results end with the first error
    /// (in input order). Statements already sent may have been executed by the cluster.
    Stop,
}

impl Session {
    /// Executes `(statement, values)` pairs with at most `concurrency` of them in flight
    /// (at least 1), and returns their results in input order.
    ///
    /// The returned future is `Send` (it can be given to `tokio::spawn`) when the iterator,
    /// the statements and the values are.
    ///
    /// ```no_run
    /// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
    /// use cql::concurrent::OnError;
    /// let insert = session.prepare("INSERT INTO ks.t (id, v) VALUES (?, ?)").await?;
    /// let results = session
    ///     .execute_concurrent((0..1000).map(|i| (&insert, (i, i * 2))), 64, OnError::Continue)
    ///     .await;
    /// assert!(results.iter().all(Result::is_ok));
    /// # Ok(()) }
    /// ```
    pub fn execute_concurrent<'a, 's, I, S, V>(
        &'a self,
        statements: I,
        concurrency: usize,
        on_error: OnError,
    ) -> ExecuteConcurrent<
        'a,
        I::IntoIter,
        S,
        V,
        impl Future<Output = Result<QueryResult, Error>> + use<'a, 's, I, S, V>,
    >
    where
        I: IntoIterator<Item = (S, V)>,
        S: Into<Statement<'s>>,
        V: SerializeRow + Sync,
    {
        ExecuteConcurrent::new(
            self,
            statements.into_iter(),
            Session::execute,
            concurrency,
            on_error,
        )
    }

    /// As [`execute_concurrent`](Self::execute_concurrent), and reads every page of each
    /// statement's result: each statement's result is all its rows as `R` (see
    /// [`execute_iter`](Self::execute_iter)). Each result is held whole, so use it for
    /// statements with results of bounded size (one partition, a key lookup), and
    /// [`into_stream`](ExecuteConcurrent::into_stream) to take them one by one.
    pub fn execute_concurrent_rows<'a, 's, R, I, S, V>(
        &'a self,
        statements: I,
        concurrency: usize,
        on_error: OnError,
    ) -> ExecuteConcurrent<
        'a,
        I::IntoIter,
        S,
        V,
        impl Future<Output = Result<Vec<R>, Error>> + use<'a, 's, R, I, S, V>,
    >
    where
        R: for<'f> DeserializeRow<'f>,
        I: IntoIterator<Item = (S, V)>,
        S: Into<Statement<'s>>,
        V: SerializeRow + Sync,
    {
        ExecuteConcurrent::new(
            self,
            statements.into_iter(),
            all_rows::<R, S, V>,
            concurrency,
            on_error,
        )
    }

    /// Executes one prepared statement with each set of values, at most `concurrency` at a
    /// time; results in input order. The future is `Send` when the iterator and the values
    /// are.
    pub fn execute_concurrent_with_args<'a, I, V>(
        &'a self,
        statement: &'a PreparedStatement,
        values: I,
        concurrency: usize,
        on_error: OnError,
    ) -> ExecuteConcurrent<
        'a,
        WithStatement<'a, I::IntoIter>,
        &'a PreparedStatement,
        V,
        impl Future<Output = Result<QueryResult, Error>> + use<'a, I, V>,
    >
    where
        I: IntoIterator<Item = V>,
        V: SerializeRow + Sync,
    {
        let pairs = WithStatement {
            statement,
            values: values.into_iter(),
        };
        ExecuteConcurrent::new(self, pairs, Session::execute, concurrency, on_error)
    }
}

/// Every row of one statement, over all its pages.
async fn all_rows<'s, R, S, V>(session: &Session, statement: S, values: V) -> Result<Vec<R>, Error>
where
    R: for<'f> DeserializeRow<'f>,
    S: Into<Statement<'s>>,
    V: SerializeRow + Sync,
{
    session
        .execute_iter::<R>(statement, values)
        .await?
        .try_collect()
        .await
}

/// The future of [`Session::execute_concurrent`] and
/// [`Session::execute_concurrent_with_args`]: the results in input order.
///
/// Statements are started when it is polled, at most `concurrency` at a time; dropping it
/// drops the statements in flight (their late answers are discarded). To take each result
/// as it comes instead of all of them at the end (bounded memory for any number of
/// statements), turn it into a stream with [`into_stream`](Self::into_stream).
#[must_use = "futures do nothing unless awaited"]
pub struct ExecuteConcurrent<'a, It, S, V, Fut: Future> {
    core: Core<'a, It, S, V, Fut>,
    out: Vec<Fut::Output>,
}

/// The results of [`ExecuteConcurrent::into_stream`], one by one in input order (Python's
/// `results_generator=True`). It holds at most `concurrency` results at a time: the ones in
/// flight and the ones that finished before an earlier one.
#[must_use = "streams do nothing unless polled"]
pub struct ConcurrentResults<'a, It, S, V, Fut: Future> {
    core: Core<'a, It, S, V, Fut>,
}

/// What both forms share: the input, the statements in flight and the error rule.
struct Core<'a, It, S, V, Fut: Future> {
    session: &'a Session,
    /// `None` once the iterator is exhausted or the run has finished.
    pending: Option<It>,
    /// Starts one statement (`Session::execute`; a plain fn pointer keeps the type nameable).
    start: fn(&'a Session, S, V) -> Fut,
    in_flight: FuturesOrdered<Fut>,
    concurrency: usize,
    on_error: OnError,
    /// The most statements in flight or finished but not yet handed out, at any time.
    peak: usize,
}

impl<'a, It, S, V, T, Fut> Core<'a, It, S, V, Fut>
where
    It: Iterator<Item = (S, V)>,
    Fut: Future<Output = Result<T, Error>>,
{
    /// Starts statements until `concurrency` are in flight or the input is exhausted.
    fn fill(&mut self) {
        while self.in_flight.len() < self.concurrency {
            let Some(pending) = &mut self.pending else {
                break;
            };
            let Some((statement, values)) = pending.next() else {
                self.pending = None;
                break;
            };
            self.in_flight
                .push_back((self.start)(self.session, statement, values));
        }
        self.peak = self.peak.max(self.in_flight.len());
    }

    /// The next result in input order; `None` when every statement has its result, or after
    /// the first error under [`OnError::Stop`].
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        self.fill();
        let Some(result) = ready!(self.in_flight.poll_next_unpin(cx)) else {
            return Poll::Ready(None);
        };
        if result.is_err() && self.on_error == OnError::Stop {
            self.stop();
        }
        Poll::Ready(Some(result))
    }

    /// Starts nothing more and drops what is still in flight.
    fn stop(&mut self) {
        self.pending = None;
        self.in_flight = FuturesOrdered::new();
    }
}

impl<'a, It, S, V, T, Fut> ExecuteConcurrent<'a, It, S, V, Fut>
where
    It: Iterator<Item = (S, V)>,
    Fut: Future<Output = Result<T, Error>>,
{
    fn new(
        session: &'a Session,
        pending: It,
        start: fn(&'a Session, S, V) -> Fut,
        concurrency: usize,
        on_error: OnError,
    ) -> Self {
        ExecuteConcurrent {
            out: Vec::with_capacity(pending.size_hint().0.min(64 * 1024)),
            core: Core {
                session,
                pending: Some(pending),
                start,
                in_flight: FuturesOrdered::new(),
                concurrency: concurrency.max(1),
                on_error,
                peak: 0,
            },
        }
    }

    /// The results one by one as they complete, in input order, instead of all of them at
    /// the end: memory stays bounded by `concurrency` results for any number of statements.
    ///
    /// ```no_run
    /// # async fn demo(session: cql::Session) -> Result<(), cql::Error> {
    /// use cql::concurrent::OnError;
    /// use futures_util::StreamExt;
    /// let insert = session.prepare("INSERT INTO ks.t (id, v) VALUES (?, ?)").await?;
    /// let mut results = session
    ///     .execute_concurrent_with_args(&insert, (0..1_000_000).map(|i| (i, i)), 64, OnError::Stop)
    ///     .into_stream();
    /// while let Some(result) = results.next().await {
    ///     result?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(mut self) -> ConcurrentResults<'a, It, S, V, Fut> {
        // Results already collected stay in this future: a stream is taken before polling.
        debug_assert!(self.out.is_empty());
        self.out = Vec::new();
        ConcurrentResults { core: self.core }
    }
}

impl<'a, It, S, V, T, Fut> Future for ExecuteConcurrent<'a, It, S, V, Fut>
where
    It: Iterator<Item = (S, V)>,
    Fut: Future<Output = Result<T, Error>>,
{
    type Output = Vec<Fut::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while let Some(result) = ready!(this.core.poll_next(cx)) {
            this.out.push(result);
        }
        this.core.stop();
        Poll::Ready(std::mem::take(&mut this.out))
    }
}

impl<'a, It, S, V, T, Fut> ConcurrentResults<'a, It, S, V, Fut>
where
    It: Iterator<Item = (S, V)>,
    Fut: Future<Output = Result<T, Error>>,
{
    /// The most results this stream held at once (in flight, or finished before an earlier
    /// one): never more than the concurrency.
    pub fn peak_held(&self) -> usize {
        self.core.peak
    }
}

impl<'a, It, S, V, T, Fut> Stream for ConcurrentResults<'a, It, S, V, Fut>
where
    It: Iterator<Item = (S, V)>,
    Fut: Future<Output = Result<T, Error>>,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().core.poll_next(cx)
    }
}

// No field is ever pinned: the statements in flight live in FuturesOrdered's own allocations,
// and the iterator is only used through `&mut`.
impl<It, S, V, Fut: Future> Unpin for ExecuteConcurrent<'_, It, S, V, Fut> {}
impl<It, S, V, Fut: Future> Unpin for ConcurrentResults<'_, It, S, V, Fut> {}

impl<It, S, V, Fut: Future> fmt::Debug for Core<'_, It, S, V, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecuteConcurrent")
            .field("in_flight", &self.in_flight.len())
            .field("input_exhausted", &self.pending.is_none())
            .field("concurrency", &self.concurrency)
            .field("on_error", &self.on_error)
            .finish_non_exhaustive()
    }
}

impl<It, S, V, Fut: Future> fmt::Debug for ExecuteConcurrent<'_, It, S, V, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

impl<It, S, V, Fut: Future> fmt::Debug for ConcurrentResults<'_, It, S, V, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

/// The statements of [`Session::execute_concurrent_with_args`]: each set of values paired
/// with the one prepared statement. A named type, not a closure, so that the future's type
/// stays nameable (see the module's documentation).
#[derive(Debug, Clone)]
pub struct WithStatement<'a, I> {
    statement: &'a PreparedStatement,
    values: I,
}

impl<'a, I: Iterator> Iterator for WithStatement<'a, I> {
    type Item = (&'a PreparedStatement, I::Item);

    fn next(&mut self) -> Option<Self::Item> {
        self.values.next().map(|v| (self.statement, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}
