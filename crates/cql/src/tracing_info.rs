//! Query traces: what the server recorded in `system_traces` for a traced request.

use std::net::IpAddr;
use std::time::Duration;

use uuid::Uuid;

use crate::error::{Error, ResultError};
use crate::session::Session;
use crate::statement::{Consistency, SimpleStatement};

/// The trace of one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueryTrace {
    /// The tracing session id (from the traced response).
    pub trace_id: Uuid,
    /// The request type, e.g. "Execute CQL3 query".
    pub request: Option<String>,
    /// How long the coordinator took, in microseconds.
    pub duration_us: Option<i32>,
    /// The coordinator node.
    pub coordinator: Option<IpAddr>,
    /// What happened, in order.
    pub events: Vec<TraceEvent>,
}

/// One step of a traced request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TraceEvent {
    /// What happened.
    pub activity: String,
    /// The node it happened on.
    pub source: Option<IpAddr>,
    /// Microseconds since the request started.
    pub source_elapsed_us: Option<i32>,
    /// The server thread.
    pub thread: Option<String>,
}

pub(crate) async fn fetch(
    session: &Session,
    trace_id: Uuid,
    max_wait: Duration,
) -> Result<QueryTrace, Error> {
    let started = tokio::time::Instant::now();
    let sessions = SimpleStatement::new(
        "SELECT request, duration, coordinator FROM system_traces.sessions WHERE session_id = ?",
    )
    .with_consistency(Consistency::One);
    let events = SimpleStatement::new(
        "SELECT activity, source, source_elapsed, thread FROM system_traces.events WHERE session_id = ?",
    )
    .with_consistency(Consistency::One);
    loop {
        let rs = session.execute(&sessions, (trace_id,)).await?;
        let row = rs
            .rows_typed::<(Option<String>, Option<i32>, Option<IpAddr>)>()?
            .next()
            .transpose()?;
        // The coordinator writes `duration` last: until then the trace is incomplete.
        if let Some((request, Some(duration), coordinator)) = row {
            let rs = session.execute(&events, (trace_id,)).await?;
            let mut out = Vec::new();
            for ev in
                rs.rows_typed::<(Option<String>, Option<IpAddr>, Option<i32>, Option<String>)>()?
            {
                let (activity, source, source_elapsed_us, thread) = ev?;
                out.push(TraceEvent {
                    activity: activity.unwrap_or_default(),
                    source,
                    source_elapsed_us,
                    thread,
                });
            }
            return Ok(QueryTrace {
                trace_id,
                request,
                duration_us: Some(duration),
                coordinator,
                events: out,
            });
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
