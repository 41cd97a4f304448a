//! AQL query options ([`AqlQuery`]) and the `extra` a cursor reports ([`QueryExtra`]).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// An AQL query with its bind variables and options, for
/// [`Database::query`](crate::Database::query). Only the options set are sent; the server's defaults apply to
/// the rest (`count` is off unless asked for).
///
/// ```
/// use std::time::Duration;
/// use arango::AqlQuery;
/// let q = AqlQuery::new("FOR d IN @@c FILTER d.n > @n RETURN d")
///     .bind("@c", "things")
///     .bind("n", 3)
///     .batch_size(500)
///     .count(true)
///     .full_count(true)
///     .ttl(Duration::from_secs(60))
///     .allow_retry(true);
/// assert_eq!(q.body()["options"]["fullCount"], true);
/// ```
#[derive(Debug, Clone)]
pub struct AqlQuery {
    query: String,
    bind_vars: Map<String, Value>,
    top: Map<String, Value>,
    options: Map<String, Value>,
}

impl AqlQuery {
    /// A query without bind variables or options.
    pub fn new(query: impl Into<String>) -> Self {
        AqlQuery {
            query: query.into(),
            bind_vars: Map::new(),
            top: Map::new(),
            options: Map::new(),
        }
    }
    /// Binds `@name` (or a collection, `@@name`, with the name `"@name"`).
    #[must_use]
    pub fn bind(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.bind_vars.insert(name.into(), value.into());
        self
    }
    /// Replaces all bind variables.
    #[must_use]
    pub fn bind_vars(mut self, vars: Map<String, Value>) -> Self {
        self.bind_vars = vars;
        self
    }
    /// Results per batch (server default 1000).
    #[must_use]
    pub fn batch_size(mut self, n: u32) -> Self {
        self.top.insert("batchSize".into(), json!(n));
        self
    }
    /// Whether the server counts the results ([`Cursor::count`](crate::Cursor::count));
    /// not for stream queries.
    #[must_use]
    pub fn count(mut self, yes: bool) -> Self {
        self.top.insert("count".into(), json!(yes));
        self
    }
    /// How long the server keeps the cursor without access (server default 30 s).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.top.insert("ttl".into(), json!(ttl.as_secs_f64()));
        self
    }
    /// Whether the query result may come from the query results cache.
    #[must_use]
    pub fn cache(mut self, yes: bool) -> Self {
        self.top.insert("cache".into(), json!(yes));
        self
    }
    /// The most memory (bytes) the query may use.
    #[must_use]
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.top.insert("memoryLimit".into(), json!(bytes));
        self
    }
    /// A stream query: results are produced as they are fetched (no count, statistics
    /// with the last batch).
    #[must_use]
    pub fn stream(mut self, yes: bool) -> Self {
        self.options.insert("stream".into(), json!(yes));
        self
    }
    /// The number of results without the last LIMIT, in
    /// [`QueryExtra::full_count`].
    #[must_use]
    pub fn full_count(mut self, yes: bool) -> Self {
        self.options.insert("fullCount".into(), json!(yes));
        self
    }
    /// The server kills the query after this long.
    #[must_use]
    pub fn max_runtime(mut self, t: Duration) -> Self {
        self.options
            .insert("maxRuntime".into(), json!(t.as_secs_f64()));
        self
    }
    /// Batches can be fetched again after a lost answer (`nextBatchId`); the cursor does so
    /// by itself after a timeout or connection error.
    #[must_use]
    pub fn allow_retry(mut self, yes: bool) -> Self {
        self.options.insert("allowRetry".into(), json!(yes));
        self
    }
    /// A warning makes the query fail instead of being reported in `extra`.
    #[must_use]
    pub fn fail_on_warning(mut self, yes: bool) -> Self {
        self.options.insert("failOnWarning".into(), json!(yes));
        self
    }
    /// At most this many warnings are reported.
    #[must_use]
    pub fn max_warning_count(mut self, n: u64) -> Self {
        self.options.insert("maxWarningCount".into(), json!(n));
        self
    }
    /// Profiling level (0: none, 1: phases, 2: phases and plan with statistics).
    #[must_use]
    pub fn profile(mut self, level: u8) -> Self {
        self.options.insert("profile".into(), json!(level));
        self
    }
    /// Whether reads may go to followers (cluster).
    #[must_use]
    pub fn allow_dirty_read(mut self, yes: bool) -> Self {
        self.options.insert("allowDirtyRead".into(), json!(yes));
        self
    }
    /// Any other entry of the query's `options` object.
    #[must_use]
    pub fn option(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }

    pub(crate) fn allows_retry(&self) -> bool {
        self.options.get("allowRetry") == Some(&Value::Bool(true))
    }

    /// The body of `POST /_api/cursor`.
    pub fn body(&self) -> Value {
        let mut m = self.top.clone();
        m.insert("query".into(), Value::from(self.query.as_str()));
        m.insert("bindVars".into(), Value::Object(self.bind_vars.clone()));
        if !self.options.is_empty() {
            m.insert("options".into(), Value::Object(self.options.clone()));
        }
        Value::Object(m)
    }
}

/// A warning the query raised.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryWarning {
    /// ArangoDB's error number of the warning.
    pub code: i64,
    /// Its text.
    pub message: String,
}

/// The `extra` of a cursor: execution statistics and warnings (and the profile, if asked).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct QueryExtra {
    /// `stats`: `writesExecuted`, `scannedFull`, `filtered`, `executionTime`, ... as sent.
    #[serde(default)]
    pub stats: Map<String, Value>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<QueryWarning>,
    /// `profile`, when asked for.
    #[serde(default)]
    pub profile: Option<Value>,
}

impl QueryExtra {
    /// Results without the last LIMIT (with [`AqlQuery::full_count`]).
    pub fn full_count(&self) -> Option<u64> {
        self.stats.get("fullCount").and_then(Value::as_u64)
    }
}
