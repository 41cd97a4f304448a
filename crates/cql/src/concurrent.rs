//! Running many statements at once with a bound on how many are in flight (the reference
//! driver's `execute_concurrent` and `execute_concurrent_with_args`).

use futures_util::stream::{self, StreamExt};

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
    pub async fn execute_concurrent<'s, I, S, V>(
        &self,
        statements: I,
        concurrency: usize,
        on_error: OnError,
    ) -> Vec<Result<QueryResult, Error>>
    where
        I: IntoIterator<Item = (S, V)>,
        S: Into<Statement<'s>>,
        V: SerializeRow + Sync,
    {
        let iter = statements.into_iter();
        let mut out = Vec::with_capacity(iter.size_hint().0);
        let mut results = stream::iter(iter)
            .map(|(statement, values)| async move { self.execute(statement, values).await })
            .buffered(concurrency.max(1));
        while let Some(result) = results.next().await {
            let failed = result.is_err();
            out.push(result);
            if failed && on_error == OnError::Stop {
                break;
            }
        }
        out
    }

    /// Executes one prepared statement with each set of values, at most `concurrency` at a
    /// time; results in input order.
    pub async fn execute_concurrent_with_args<I, V>(
        &self,
        statement: &PreparedStatement,
        values: I,
        concurrency: usize,
        on_error: OnError,
    ) -> Vec<Result<QueryResult, Error>>
    where
        I: IntoIterator<Item = V>,
        V: SerializeRow + Sync,
    {
        self.execute_concurrent(
            values.into_iter().map(|v| (statement, v)),
            concurrency,
            on_error,
        )
        .await
    }
}
