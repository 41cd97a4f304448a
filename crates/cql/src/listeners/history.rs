//! Collecting a request's attempts while it runs (only when a request listener wants them).

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use super::{AttemptKind, AttemptOutcome, AttemptRecord, RequestHistory};

/// The attempts of one request so far; shared by its executions.
#[derive(Debug)]
pub(crate) struct Recorder {
    start: Instant,
    attempts: Mutex<Vec<AttemptRecord>>,
}

impl Recorder {
    pub(crate) fn new(start: Instant) -> Self {
        Recorder {
            start,
            attempts: Mutex::new(Vec::new()),
        }
    }

    /// Starts recording an attempt; it is recorded `Cancelled` if dropped unfinished.
    pub(crate) fn attempt(
        &self,
        host: SocketAddr,
        kind: AttemptKind,
        execution: u32,
    ) -> AttemptGuard<'_> {
        AttemptGuard {
            recorder: self,
            host,
            start: Instant::now(),
            kind,
            execution,
            done: false,
        }
    }

    fn push(&self, record: AttemptRecord) {
        if let Ok(mut v) = self.attempts.lock() {
            v.push(record);
        }
    }

    pub(crate) fn finish(self, succeeded: bool) -> RequestHistory {
        RequestHistory {
            start: self.start,
            end: Instant::now(),
            succeeded,
            attempts: self.attempts.into_inner().unwrap_or_default(),
        }
    }
}

/// An attempt being recorded.
pub(crate) struct AttemptGuard<'a> {
    recorder: &'a Recorder,
    host: SocketAddr,
    start: Instant,
    kind: AttemptKind,
    execution: u32,
    done: bool,
}

impl AttemptGuard<'_> {
    pub(crate) fn end(mut self, outcome: AttemptOutcome) {
        self.done = true;
        self.record(outcome);
    }

    fn record(&self, outcome: AttemptOutcome) {
        self.recorder.push(AttemptRecord {
            host: self.host,
            start: self.start,
            end: Instant::now(),
            kind: self.kind,
            execution: self.execution,
            outcome,
        });
    }
}

impl Drop for AttemptGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.record(AttemptOutcome::Cancelled);
        }
    }
}
