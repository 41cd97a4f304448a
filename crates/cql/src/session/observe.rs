//! What the request path tells the outside: one `tracing` span per request and one per
//! attempt, with the OpenTelemetry database semantic-convention attribute names, and the
//! request's history for request listeners. With no subscriber interested and no listener,
//! this is a few loads and compares per request.
//!
//! Statement text is recorded only when the cluster was built with
//! `ClusterBuilder::record_statement_text(true)`; bound values never are.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tracing::Span;
use tracing::field::Empty;

use crate::error::{Error, ServerErrorKind};
use crate::listeners::history::{AttemptGuard, Recorder};
use crate::listeners::{AttemptErrorKind, AttemptKind, AttemptOutcome, Listeners};
use crate::result::QueryResult;
use crate::statement::StatementOptions;

/// What the spans say about a statement.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Described<'a> {
    /// The CQL text (a batch: none).
    pub(super) text: Option<&'a str>,
    /// The table, when the statement's metadata names it.
    pub(super) table: Option<&'a str>,
    /// The keyspace of the table, when known, else the request's.
    pub(super) keyspace: Option<&'a str>,
    /// Statements in a batch.
    pub(super) batch_size: Option<usize>,
    /// Whether the request reads a page after the first.
    pub(super) continued_page: bool,
}

/// The observation of one request: made only when its span is enabled or a listener wants
/// its history. When not (no subscriber, no listener: the common case), the request path
/// has no `Observed` and skips every observation of its attempts.
pub(super) struct Observed {
    pub(super) span: Span,
    history: Option<Recorder>,
    attempts: AtomicU32,
    speculative: AtomicU32,
}

/// The timing of a request's attempts for a load-balancing policy that wants their latencies
/// ([`LoadBalancingPolicy::wants_feedback`](crate::policies::LoadBalancingPolicy::wants_feedback)).
/// Without one, attempts are not timed.
pub(super) struct Timing {
    /// When the request started.
    start: Instant,
    /// When the attempt that answered ended, in nanoseconds after `start` (0: not known),
    /// so that the request's latency reuses that clock read.
    answered_at: AtomicU64,
}

impl Timing {
    pub(super) fn new(start: Instant) -> Self {
        Timing {
            start,
            answered_at: AtomicU64::new(0),
        }
    }

    /// When the request started.
    pub(super) fn start(&self) -> Instant {
        self.start
    }

    /// The attempt that answered the request ended at `end`.
    pub(super) fn answered(&self, end: Instant) {
        // At least 1: 0 means not known. Nanoseconds in a u64 last 584 years.
        let nanos = end.saturating_duration_since(self.start).as_nanos() as u64;
        self.answered_at.store(nanos.max(1), Ordering::Relaxed);
    }

    /// The request's latency: up to the end of the attempt that answered when known, else now.
    pub(super) fn latency(&self) -> Duration {
        match self.answered_at.load(Ordering::Relaxed) {
            0 => self.start.elapsed(),
            nanos => Duration::from_nanos(nanos),
        }
    }
}

/// The first word of a statement, upper-cased, as the operation name (`SELECT`, `INSERT`,
/// ...; `BEGIN BATCH` is `BATCH`).
fn operation(text: &str) -> String {
    let word: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if word == "BEGIN" {
        "BATCH".to_owned()
    } else {
        word
    }
}

/// `error.type`: a short, stable name of the failure.
fn error_type(e: &Error) -> &'static str {
    match e {
        Error::Timeout { .. } => "timeout",
        Error::Server { error, .. } => match error.kind {
            ServerErrorKind::ReadTimeout { .. } => "read_timeout",
            ServerErrorKind::WriteTimeout { .. } => "write_timeout",
            ServerErrorKind::Unavailable { .. } => "unavailable",
            ServerErrorKind::Overloaded => "overloaded",
            ServerErrorKind::IsBootstrapping => "is_bootstrapping",
            ServerErrorKind::Unprepared { .. } => "unprepared",
            ServerErrorKind::SyntaxError => "syntax_error",
            ServerErrorKind::Invalid => "invalid",
            ServerErrorKind::Unauthorized => "unauthorized",
            ServerErrorKind::RateLimitReached { .. } => "rate_limited",
            _ => "server_error",
        },
        Error::NoHostAvailable(_) => "no_host_available",
        e if e.is_connection() => "connection",
        _ => "_OTHER",
    }
}

fn record_error(span: &Span, e: &Error) {
    span.record("error.type", error_type(e));
    span.record("otel.status_code", "ERROR");
    if let Some(s) = e.server_error() {
        span.record(
            "db.response.status_code",
            format!("{:#06x}", s.code).as_str(),
        );
    }
}

/// The attributes of an enabled request span that say what the statement is.
#[inline(never)]
fn describe_span(
    span: &Span,
    record_text: bool,
    opts: &StatementOptions,
    session_keyspace: impl FnOnce() -> Option<String>,
    d: Described<'_>,
) {
    span.record("cql.continued_page", d.continued_page);
    let op = match (d.batch_size, d.text) {
        (Some(_), _) => "BATCH".to_owned(),
        (None, Some(t)) => operation(t),
        (None, None) => String::new(),
    };
    let in_use;
    let ks = match d.keyspace {
        Some(k) => Some(k),
        None => {
            in_use = session_keyspace();
            in_use.as_deref()
        }
    };
    let name = match (d.table, ks) {
        (Some(t), Some(k)) => format!("{op} {k}.{t}"),
        (Some(t), None) => format!("{op} {t}"),
        (None, Some(k)) if !op.is_empty() => format!("{op} {k}"),
        _ if op.is_empty() => "cassandra".to_owned(),
        _ => op.clone(),
    };
    span.record("otel.name", name.as_str());
    if !op.is_empty() {
        span.record("db.operation.name", op.as_str());
    }
    if let Some(k) = ks {
        span.record("db.namespace", k);
    }
    if let Some(t) = d.table {
        span.record("db.collection.name", t);
    }
    if let Some(n) = d.batch_size {
        span.record("db.operation.batch.size", n as u64);
    }
    if record_text {
        if let Some(t) = d.text {
            span.record("db.query.text", t);
        }
    }
    if let Some(c) = opts.consistency {
        span.record(
            "cassandra.consistency.level",
            c.as_str().to_ascii_lowercase().as_str(),
        );
    }
    if let Some(p) = opts.page_size.filter(|&p| p > 0) {
        span.record("cassandra.page.size", i64::from(p));
    }
}

impl Observed {
    /// The observation of a request, if anybody observes it.
    pub(super) fn new<'d>(
        listeners: &Listeners,
        record_text: bool,
        opts: &StatementOptions,
        session_keyspace: impl FnOnce() -> Option<String>,
        describe: impl FnOnce() -> Described<'d>,
        start: Instant,
    ) -> Option<Self> {
        let span = tracing::info_span!(
            target: "cql::request",
            "cql.request",
            otel.name = Empty,
            otel.kind = "client",
            otel.status_code = Empty,
            db.system.name = "cassandra",
            db.namespace = Empty,
            db.collection.name = Empty,
            db.operation.name = Empty,
            db.operation.batch.size = Empty,
            db.query.text = Empty,
            db.response.returned_rows = Empty,
            db.response.status_code = Empty,
            error.type = Empty,
            cassandra.consistency.level = Empty,
            cassandra.page.size = Empty,
            cassandra.query.idempotent = opts.idempotent,
            cassandra.speculative_execution.count = Empty,
            cql.attempts = Empty,
            cql.continued_page = Empty,
        );
        let wants_history = listeners.wants_history();
        if span.is_disabled() && !wants_history {
            return None;
        }
        if !span.is_disabled() {
            describe_span(&span, record_text, opts, session_keyspace, describe());
        }
        Some(Observed {
            span,
            history: wants_history.then(|| Recorder::new(start)),
            attempts: AtomicU32::new(0),
            speculative: AtomicU32::new(0),
        })
    }

    /// Starts an attempt: its span (a child of the request's) and its history record.
    pub(super) fn attempt(
        &self,
        addr: SocketAddr,
        execution: u32,
        retry: u32,
        opts: &StatementOptions,
    ) -> Attempt<'_> {
        let n = self.attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let kind = match (retry, execution) {
            (0, 1) => AttemptKind::First,
            (0, _) => AttemptKind::Speculative,
            _ => AttemptKind::Retry,
        };
        let span = if self.span.is_disabled() {
            Span::none()
        } else {
            let s = tracing::info_span!(
                target: "cql::request",
                parent: &self.span,
                "cql.attempt",
                otel.name = "cql.attempt",
                otel.kind = "client",
                otel.status_code = Empty,
                db.system.name = "cassandra",
                server.address = %addr.ip(),
                server.port = addr.port(),
                cassandra.consistency.level = Empty,
                cql.attempt = n,
                cql.execution = execution,
                cql.retry = retry,
                cql.speculative = execution > 1,
                db.response.status_code = Empty,
                error.type = Empty,
            );
            if let Some(c) = opts.consistency {
                s.record(
                    "cassandra.consistency.level",
                    c.as_str().to_ascii_lowercase().as_str(),
                );
            }
            s
        };
        Attempt {
            span,
            record: self
                .history
                .as_ref()
                .map(|h| h.attempt(addr, kind, execution)),
        }
    }

    /// Ends the request: the span's last attributes, and the history to the listeners.
    pub(super) fn finish(self, listeners: &Listeners, result: &Result<QueryResult, Error>) {
        let speculative = self.speculative.load(Ordering::Relaxed);
        if !self.span.is_disabled() {
            let span = &self.span;
            span.record("cql.attempts", self.attempts.load(Ordering::Relaxed));
            span.record("cassandra.speculative_execution.count", speculative);
            match result {
                Ok(r) => {
                    if r.has_rows() {
                        span.record("db.response.returned_rows", r.rows_count() as u64);
                    }
                }
                Err(e) => record_error(span, e),
            }
        }
        if let Some(h) = self.history {
            listeners.request_done(h.finish(result.is_ok()));
        }
    }

    /// A speculative execution started.
    pub(super) fn speculative_started(&self) {
        self.speculative.fetch_add(1, Ordering::Relaxed);
    }
}

/// One attempt being observed.
pub(super) struct Attempt<'a> {
    pub(super) span: Span,
    record: Option<AttemptGuard<'a>>,
}

impl Attempt<'_> {
    pub(super) fn end(self, result: Result<(), &Error>) {
        if let Err(e) = result {
            if !self.span.is_disabled() {
                record_error(&self.span, e);
            }
        }
        if let Some(r) = self.record {
            r.end(match result {
                Ok(()) => AttemptOutcome::Success,
                Err(e) => AttemptOutcome::Failed(AttemptErrorKind::of(e)),
            });
        }
    }
}
