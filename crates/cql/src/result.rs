//! Results of statements: rows (typed, borrowed from the frame, or dynamic), paging state,
//! tracing id, warnings, LWT `[applied]`, schema changes.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::deserialize::{DeserializeRow, Row as RawRow, TypedRowIterator};
use cql_protocol::message::{Response, ResponseFrame, ResultMessage, SchemaChange};
use cql_protocol::metadata::{ColumnSpec, ResultMetadata};
use cql_protocol::types::CqlValue;
use uuid::Uuid;

use crate::error::{Error, ResultError};
use crate::statement::CustomPayload;

/// The outcome of one request (one page for SELECTs).
#[derive(Debug, Clone)]
pub struct QueryResult {
    coordinator: SocketAddr,
    tracing_id: Option<Uuid>,
    warnings: Vec<String>,
    kind: ResultMessage,
    /// Column metadata when the server skipped it (prepared statements).
    cached_metadata: Option<Arc<ResultMetadata>>,
    /// Boxed: rare, and results move through several layers on every request.
    custom_payload: Option<Box<CustomPayload>>,
    /// Traced requests: the tracing sessions of the attempts that failed before this one.
    failed_attempt_traces: Vec<Uuid>,
}

/// A row with its column names, for untyped use.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    names: Arc<[String]>,
    values: Vec<Option<CqlValue>>,
}

impl Row {
    /// The value of the column `name` (`None` when null or no such column).
    pub fn get(&self, name: &str) -> Option<&CqlValue> {
        let i = self.names.iter().position(|n| n == name)?;
        self.values.get(i)?.as_ref()
    }

    /// The value at `index` (`None` when null or out of range).
    pub fn get_index(&self, index: usize) -> Option<&CqlValue> {
        self.values.get(index)?.as_ref()
    }

    /// Column names, in order.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// Values, in column order.
    pub fn values(&self) -> &[Option<CqlValue>] {
        &self.values
    }

    /// Consumes the row into its values.
    pub fn into_values(self) -> Vec<Option<CqlValue>> {
        self.values
    }
    /// A row from names and values (for unit tests of code that reads rows).
    #[cfg(test)]
    pub(crate) fn from_parts(names: &[&str], values: Vec<Option<CqlValue>>) -> Row {
        Row {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            values,
        }
    }
}

#[cfg(test)]
impl Row {
    /// A row made by hand, for unit tests of code that reads rows.
    pub(crate) fn for_test(names: &[&str], values: Vec<Option<CqlValue>>) -> Row {
        Row {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            values,
        }
    }
}

impl QueryResult {
    pub(crate) fn from_response(
        coordinator: SocketAddr,
        frame: ResponseFrame,
        cached_metadata: Option<Arc<ResultMetadata>>,
    ) -> Result<Self, Error> {
        let ResponseFrame {
            tracing_id,
            warnings,
            response,
            custom_payload,
            ..
        } = frame;
        for w in &warnings {
            tracing::warn!(%coordinator, warning = %w, "server warning");
        }
        match response {
            Response::Result(kind) => Ok(QueryResult {
                coordinator,
                tracing_id,
                warnings,
                kind,
                cached_metadata,
                custom_payload: custom_payload.map(Box::new),
                failed_attempt_traces: Vec::new(),
            }),
            other => Err(Error::UnexpectedResponse {
                addr: coordinator,
                during: "a statement",
                got: opcode_name(&other),
            }),
        }
    }

    /// An empty result (what a retry policy's `Ignore` decision returns).
    pub(crate) fn void(coordinator: SocketAddr) -> Self {
        QueryResult {
            coordinator,
            tracing_id: None,
            warnings: Vec::new(),
            kind: ResultMessage::Void,
            cached_metadata: None,
            custom_payload: None,
            failed_attempt_traces: Vec::new(),
        }
    }

    /// The node that coordinated the request.
    pub fn coordinator(&self) -> SocketAddr {
        self.coordinator
    }

    /// The tracing session id when the statement was traced.
    pub fn tracing_id(&self) -> Option<Uuid> {
        self.tracing_id
    }

    /// The custom payload the server attached (a server with a custom query handler; see
    /// `with_custom_payload` on statements).
    pub fn custom_payload(&self) -> Option<&CustomPayload> {
        self.custom_payload.as_deref()
    }

    /// The tracing sessions of every traced attempt of the request, in order: those the
    /// server refused before the request was retried (on the same node or the next), then
    /// this one's
    /// ([`tracing_id`](Self::tracing_id)). Read each with
    /// [`Session::query_trace`](crate::Session::query_trace).
    pub fn attempt_tracing_ids(&self) -> Vec<Uuid> {
        let mut ids = self.failed_attempt_traces.clone();
        ids.extend(self.tracing_id);
        ids
    }

    pub(crate) fn set_failed_attempt_traces(&mut self, ids: Vec<Uuid>) {
        self.failed_attempt_traces = ids;
    }

    /// Warnings the server attached.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Where the next page starts; `None` on the last page.
    #[inline]
    pub fn paging_state(&self) -> Option<Bytes> {
        match &self.kind {
            ResultMessage::Rows(r) => r.metadata.paging_state.clone().filter(|p| !p.is_empty()),
            _ => None,
        }
    }

    /// Whether the result has more pages than this one: [`Session::execute`] returns one
    /// page (up to the fetch size, 5,000 rows by default); read all of them with
    /// [`Session::execute_iter`] (or page by page with [`Session::execute_page`] and
    /// [`paging_state`](Self::paging_state)).
    ///
    /// [`Session::execute`]: crate::Session::execute
    /// [`Session::execute_iter`]: crate::Session::execute_iter
    /// [`Session::execute_page`]: crate::Session::execute_page
    #[inline]
    pub fn has_more_pages(&self) -> bool {
        match &self.kind {
            ResultMessage::Rows(r) => r
                .metadata
                .paging_state
                .as_ref()
                .is_some_and(|p| !p.is_empty()),
            _ => false,
        }
    }

    /// The keyspace a `USE` statement switched to.
    pub fn set_keyspace(&self) -> Option<&str> {
        match &self.kind {
            ResultMessage::SetKeyspace(ks) => Some(ks),
            _ => None,
        }
    }

    /// The schema change a DDL statement made.
    pub fn schema_change(&self) -> Option<&SchemaChange> {
        match &self.kind {
            ResultMessage::SchemaChange(c) => Some(c),
            _ => None,
        }
    }

    /// Whether the result carries rows (possibly zero of them).
    pub fn has_rows(&self) -> bool {
        matches!(self.kind, ResultMessage::Rows(_))
    }

    /// Number of rows in this page.
    pub fn rows_count(&self) -> usize {
        match &self.kind {
            ResultMessage::Rows(r) => r.rows_count,
            _ => 0,
        }
    }

    /// The columns of the rows.
    pub fn column_specs(&self) -> &[ColumnSpec] {
        match &self.kind {
            ResultMessage::Rows(r) if r.metadata.no_metadata => self
                .cached_metadata
                .as_deref()
                .map(|m| m.columns.as_slice())
                .unwrap_or(&[]),
            ResultMessage::Rows(r) => &r.metadata.columns,
            _ => &[],
        }
    }

    pub(crate) fn rows_msg(&self) -> Result<&cql_protocol::message::Rows, Error> {
        match &self.kind {
            ResultMessage::Rows(r) => Ok(r),
            _ => Err(Error::Result(ResultError::NotRows)),
        }
    }

    /// The rows as Rust values (tuples, or types with `DeserializeRow`), type-checked first;
    /// `&str` and `&[u8]` borrow from the response without copying.
    pub fn rows_typed<'a, R: DeserializeRow<'a> + 'a>(
        &'a self,
    ) -> Result<impl Iterator<Item = Result<R, Error>> + 'a, Error> {
        self.rows_typed_checked(None)
    }

    /// The prepared statement's result metadata these rows are read with, when the server
    /// sent none with them (the statement's own, shared between its results).
    pub(crate) fn cached_metadata(&self) -> Option<&Arc<ResultMetadata>> {
        match &self.kind {
            ResultMessage::Rows(r) if r.metadata.no_metadata => self.cached_metadata.as_ref(),
            _ => None,
        }
    }

    /// [`rows_typed`](Self::rows_typed), without the type check when these rows are read
    /// with `checked`, the metadata `R` passed it on before.
    pub(crate) fn rows_typed_checked<'a, R: DeserializeRow<'a> + 'a>(
        &'a self,
        checked: Option<&Arc<ResultMetadata>>,
    ) -> Result<impl Iterator<Item = Result<R, Error>> + 'a, Error> {
        let raw = self.rows_msg()?.raw_iter(self.column_specs());
        let same = checked.zip(self.cached_metadata());
        let iter = match same {
            Some((a, b)) if Arc::ptr_eq(a, b) => TypedRowIterator::checked_before(raw),
            _ => TypedRowIterator::new(raw).map_err(Error::Deserialize)?,
        };
        Ok(iter.map(|r| r.map_err(Error::Deserialize)))
    }

    /// The first row as Rust values; an error when there is none.
    pub fn first_row_typed<'a, R: DeserializeRow<'a> + 'a>(&'a self) -> Result<R, Error> {
        self.rows_typed::<R>()?
            .next()
            .unwrap_or_else(|| Err(Error::Result(ResultError::NoRows)))
    }

    /// The rows as dynamic values with column names.
    pub fn rows(&self) -> Result<Vec<Row>, Error> {
        let names: Arc<[String]> = self.column_specs().iter().map(|c| c.name.clone()).collect();
        self.rows_typed::<RawRow>()?
            .map(|r| {
                r.map(|raw| Row {
                    names: Arc::clone(&names),
                    values: raw.columns,
                })
            })
            .collect()
    }

    /// For a conditional statement (`IF ...`): whether it was applied.
    pub fn was_applied(&self) -> Result<bool, Error> {
        let rows = self.rows()?;
        let first = rows
            .first()
            .ok_or_else(|| Error::Result(ResultError::NoRows))?;
        match first.get("[applied]") {
            Some(CqlValue::Boolean(b)) => Ok(*b),
            _ => Err(Error::Result(ResultError::NoAppliedColumn)),
        }
    }
}

fn opcode_name(r: &Response) -> &'static str {
    match r {
        Response::Error(_) => "ERROR",
        Response::Ready => "READY",
        Response::Authenticate(_) => "AUTHENTICATE",
        Response::Supported(_) => "SUPPORTED",
        Response::Result(_) => "RESULT",
        Response::Event(_) => "EVENT",
        Response::AuthChallenge(_) => "AUTH_CHALLENGE",
        Response::AuthSuccess(_) => "AUTH_SUCCESS",
        _ => "an unknown message",
    }
}

pub(crate) fn response_name(r: &Response) -> &'static str {
    opcode_name(r)
}

#[cfg(test)]
#[path = "result_tests.rs"]
mod tests;
