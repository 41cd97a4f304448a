//! Per-call options of mapper statements (fetch size, consistency, timeout, tracing), put
//! on the cached prepared statement's copy.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use crate::statement::{Consistency, PreparedStatement};

/// Options of one mapper call: none set (the common case) is a null pointer, so that a
/// query or write carries one word for them, checks one word before running, and copies
/// nothing more when the builder moves. Read through `Deref` (the defaults when none is
/// set); the first write through `DerefMut` allocates them.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions(Option<Box<Set>>);

/// The options a call can set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Set {
    pub(crate) keyspace: Option<String>,
    pub(crate) page_size: Option<i32>,
    pub(crate) consistency: Option<Consistency>,
    pub(crate) serial_consistency: Option<Consistency>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) tracing: bool,
    pub(crate) timestamp: Option<i64>,
}

/// What a call reads when it sets nothing.
static UNSET: Set = Set {
    keyspace: None,
    page_size: None,
    consistency: None,
    serial_consistency: None,
    timeout: None,
    tracing: false,
    timestamp: None,
};

impl Deref for CallOptions {
    type Target = Set;
    #[inline]
    fn deref(&self) -> &Set {
        self.0.as_deref().unwrap_or(&UNSET)
    }
}

impl DerefMut for CallOptions {
    fn deref_mut(&mut self) -> &mut Set {
        self.0.get_or_insert_with(Box::default)
    }
}

impl CallOptions {
    /// `p` with these options: itself when the call sets none that goes on a statement
    /// (the common case: no copy).
    #[inline]
    pub(crate) fn on<'p>(&self, p: &'p PreparedStatement) -> Cow<'p, PreparedStatement> {
        match self.0.as_deref() {
            Some(set) if set.changes_statement() => Cow::Owned(self.apply(p.clone())),
            _ => Cow::Borrowed(p),
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

impl Set {
    /// Whether any option [`CallOptions::apply`] puts on the statement is set.
    fn changes_statement(&self) -> bool {
        self.page_size.is_some()
            || self.consistency.is_some()
            || self.serial_consistency.is_some()
            || self.timeout.is_some()
            || self.tracing
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
