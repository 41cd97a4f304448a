//! Query traces: what the server recorded in `system_traces` for a traced request.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use uuid::Uuid;

use cql_protocol::types::CqlValue;

use crate::error::{Error, ResultError};
use crate::result::Row;
use crate::session::Session;
use crate::statement::{Consistency, SimpleStatement};

/// The trace of one request: a row of `system_traces.sessions` and its events.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueryTrace {
    /// The tracing session id (from the traced response).
    pub trace_id: Uuid,
    /// The request type, e.g. "Execute CQL3 query".
    pub request: Option<String>,
    /// The command (`QUERY`, `EXECUTE`, ...).
    pub command: Option<String>,
    /// How long the coordinator took, in microseconds.
    pub duration_us: Option<i32>,
    /// The coordinator node.
    pub coordinator: Option<IpAddr>,
    /// The coordinator's port (Cassandra 4.0 and later).
    pub coordinator_port: Option<i32>,
    /// The client's address, as the coordinator saw it.
    pub client: Option<IpAddr>,
    /// When the coordinator started the request.
    pub started_at: Option<SystemTime>,
    /// What the coordinator recorded about the request: the query text, consistency level,
    /// page size, serial consistency...
    pub parameters: BTreeMap<String, String>,
    /// What happened, in order.
    pub events: Vec<TraceEvent>,
}

/// One step of a traced request (a row of `system_traces.events`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TraceEvent {
    /// The event's id (a timeuuid: when it happened, see [`timestamp`](Self::timestamp)).
    pub event_id: Uuid,
    /// When it happened (from the event id).
    pub timestamp: Option<SystemTime>,
    /// What happened.
    pub activity: String,
    /// The node it happened on.
    pub source: Option<IpAddr>,
    /// The node's port (Cassandra 4.0 and later).
    pub source_port: Option<i32>,
    /// Microseconds since the request started.
    pub source_elapsed_us: Option<i32>,
    /// The server thread.
    pub thread: Option<String>,
}

fn text(row: &Row, name: &str) -> Option<String> {
    match row.get(name) {
        Some(CqlValue::Text(t) | CqlValue::Ascii(t)) => Some(t.clone()),
        _ => None,
    }
}

fn int(row: &Row, name: &str) -> Option<i32> {
    match row.get(name) {
        Some(CqlValue::Int(i)) => Some(*i),
        _ => None,
    }
}

fn inet(row: &Row, name: &str) -> Option<IpAddr> {
    match row.get(name) {
        Some(CqlValue::Inet(a)) => Some(*a),
        _ => None,
    }
}

fn session_of(trace_id: Uuid, row: &Row, events: Vec<TraceEvent>) -> QueryTrace {
    let started_at = match row.get("started_at") {
        Some(CqlValue::Timestamp(t)) => {
            let ms = t.0;
            if ms >= 0 {
                SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(ms as u64))
            } else {
                SystemTime::UNIX_EPOCH.checked_sub(Duration::from_millis(ms.unsigned_abs()))
            }
        }
        _ => None,
    };
    let parameters = match row.get("parameters") {
        Some(CqlValue::Map(pairs)) => pairs
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (CqlValue::Text(k), CqlValue::Text(v)) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    QueryTrace {
        trace_id,
        request: text(row, "request"),
        command: text(row, "command"),
        duration_us: int(row, "duration"),
        coordinator: inet(row, "coordinator"),
        coordinator_port: int(row, "coordinator_port"),
        client: inet(row, "client"),
        started_at,
        parameters,
        events,
    }
}

fn event_of(row: &Row) -> Option<TraceEvent> {
    let event_id = match row.get("event_id") {
        Some(CqlValue::Timeuuid(u) | CqlValue::Uuid(u)) => *u,
        _ => return None,
    };
    Some(TraceEvent {
        event_id,
        timestamp: crate::util::timeuuid::system_time_from_uuid1(event_id).ok(),
        activity: text(row, "activity").unwrap_or_default(),
        source: inet(row, "source"),
        source_port: int(row, "source_port"),
        source_elapsed_us: int(row, "source_elapsed"),
        thread: text(row, "thread"),
    })
}

pub(crate) async fn fetch(
    session: &Session,
    trace_id: Uuid,
    max_wait: Duration,
) -> Result<QueryTrace, Error> {
    let started = tokio::time::Instant::now();
    // Every column, by name: the tables gained columns across Cassandra versions.
    let sessions =
        SimpleStatement::new("SELECT * FROM system_traces.sessions WHERE session_id = ?")
            .with_consistency(Consistency::One);
    let events = SimpleStatement::new("SELECT * FROM system_traces.events WHERE session_id = ?")
        .with_consistency(Consistency::One);
    loop {
        let rs = session.execute(&sessions, (trace_id,)).await?;
        let row = rs.rows()?.into_iter().next();
        // The coordinator writes `duration` last: until then the trace is incomplete.
        if let Some(row) = row.filter(|r| int(r, "duration").is_some()) {
            let mut out = Vec::new();
            let mut rows = session.execute_stream(&events, (trace_id,)).await?;
            while let Some(ev) = rows.next_row().await {
                out.extend(event_of(&ev?));
            }
            return Ok(session_of(trace_id, &row, out));
        }
        if started.elapsed() >= max_wait {
            return Err(Error::Result(ResultError::TraceIncomplete {
                trace_id,
                waited: max_wait,
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Session {
    /// Reads the trace of a traced request from `system_traces` (waits until the server wrote
    /// it, up to `max_wait`).
    pub async fn query_trace(
        &self,
        tracing_id: uuid::Uuid,
        max_wait: Duration,
    ) -> Result<QueryTrace, Error> {
        self.check_open()?;
        fetch(self, tracing_id, max_wait).await
    }
}
