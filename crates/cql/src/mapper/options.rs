//! Per-call options of mapper statements (fetch size, consistency, timeout, tracing), put
//! on the cached prepared statement's copy.

use std::borrow::Cow;
use std::time::Duration;

use crate::statement::{Consistency, PreparedStatement};

/// Options of one mapper call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) keyspace: Option<String>,
    pub(crate) page_size: Option<i32>,
    pub(crate) consistency: Option<Consistency>,
    pub(crate) serial_consistency: Option<Consistency>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) tracing: bool,
    pub(crate) timestamp: Option<i64>,
}

impl CallOptions {
    /// `p` with these options: itself when the call sets none (the common case: no copy).
    pub(crate) fn on<'p>(&self, p: &'p PreparedStatement) -> Cow<'p, PreparedStatement> {
        let none = self.page_size.is_none()
            && self.consistency.is_none()
            && self.serial_consistency.is_none()
            && self.timeout.is_none()
            && !self.tracing;
        if none {
            Cow::Borrowed(p)
        } else {
            Cow::Owned(self.apply(p.clone()))
        }
    }

    pub(crate) fn apply(&self, mut p: PreparedStatement) -> PreparedStatement {
        if let Some(n) = self.page_size {
            p = p.with_page_size(n);
        }
        if let Some(c) = self.consistency {
            p = p.with_consistency(c);
        }
        if let Some(c) = self.serial_consistency {
            p = p.with_serial_consistency(c);
        }
        if let Some(t) = self.timeout {
            p = p.with_timeout(t);
        }
        if self.tracing {
            p = p.with_tracing(true);
        }
        p
    }
}

/// The option setters every mapper builder has.
macro_rules! call_options {
    () => {
        /// Runs in this keyspace instead of the model's or the session's.
        #[must_use]
        pub fn keyspace(mut self, ks: impl Into<String>) -> Self {
            self.opts.keyspace = Some(ks.into());
            self
        }
        /// Sets the consistency level.
        #[must_use]
        pub fn consistency(mut self, c: crate::statement::Consistency) -> Self {
            self.opts.consistency = Some(c);
            self
        }
        /// Sets the serial consistency (conditional writes, serial reads).
        #[must_use]
        pub fn serial_consistency(mut self, c: crate::statement::Consistency) -> Self {
            self.opts.serial_consistency = Some(c);
            self
        }
        /// Sets the client-side timeout.
        #[must_use]
        pub fn timeout(mut self, t: std::time::Duration) -> Self {
            self.opts.timeout = Some(t);
            self
        }
        /// Asks the server to trace the request.
        #[must_use]
        pub fn tracing(mut self, on: bool) -> Self {
            self.opts.tracing = on;
            self
        }
    };
}
pub(crate) use call_options;
