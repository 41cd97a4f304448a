//! Statements (the reference driver's `cassandra.query`): simple, prepared, batch; with their
//! per-statement options (consistency, serial consistency, page size, timestamp, timeout,
//! idempotence, tracing).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cql_protocol::metadata::{ColumnSpec, ResultMetadata};
use cql_protocol::serialize::{SerializeRow, SerializedValues};

pub use cql_protocol::message::BatchType;
pub use cql_protocol::types::Consistency;

use crate::error::Error;
use crate::policies::RetryPolicy;

/// Options every statement carries; unset ones fall back to the session's defaults.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StatementOptions {
    /// Consistency level.
    pub consistency: Option<Consistency>,
    /// Serial consistency for conditional (LWT) statements.
    pub serial_consistency: Option<Consistency>,
    /// Rows per page.
    pub page_size: Option<i32>,
    /// Write timestamp in microseconds (otherwise the session's generator gives one).
    pub timestamp: Option<i64>,
    /// Client-side timeout.
    pub timeout: Option<Duration>,
    /// Whether executing twice is harmless (then it may be retried after a timeout).
    pub idempotent: bool,
    /// Ask the server to trace this request.
    pub tracing: bool,
    /// The execution profile (by name) whose settings and policies apply where the statement
    /// sets none.
    pub execution_profile: Option<Arc<str>>,
    /// Run on this node only (the reference's `execute(host=...)`): no other node is tried,
    /// and a node that is down or not in the cluster is an error.
    pub host: Option<SocketAddr>,
    /// The retry policy of this statement, over the profile's and the session's.
    pub retry_policy: Option<Arc<dyn RetryPolicy>>,
    /// Sent with the request (the protocol's custom payload; servers with a custom query
    /// handler read it, others ignore it). A result's payload is
    /// [`QueryResult::custom_payload`](crate::QueryResult::custom_payload).
    pub custom_payload: Option<Arc<CustomPayload>>,
}

/// A custom payload: names to byte values (a value may be null).
pub type CustomPayload = HashMap<String, Option<Bytes>>;

macro_rules! statement_options {
    () => {
        /// Sets the consistency level.
        #[must_use]
        pub fn with_consistency(mut self, c: Consistency) -> Self {
            self.options.consistency = Some(c);
            self
        }
        /// Sets the serial consistency (`SERIAL` or `LOCAL_SERIAL`) for conditional updates.
        #[must_use]
        pub fn with_serial_consistency(mut self, c: Consistency) -> Self {
            self.options.serial_consistency = Some(c);
            self
        }
        /// Sets the number of rows per page. Zero or less turns paging off: the server
        /// returns every row in one response (the reference driver's `fetch_size=None`),
        /// which also spares it the paging machinery for single-row reads and writes.
        #[must_use]
        pub fn with_page_size(mut self, rows: i32) -> Self {
            self.options.page_size = Some(rows);
            self
        }
        /// Sets the write timestamp (microseconds since the epoch).
        #[must_use]
        pub fn with_timestamp(mut self, micros: i64) -> Self {
            self.options.timestamp = Some(micros);
            self
        }
        /// Sets the client-side timeout.
        #[must_use]
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }
        /// Marks the statement idempotent (safe to retry).
        #[must_use]
        pub fn with_idempotent(mut self, idempotent: bool) -> Self {
            self.options.idempotent = idempotent;
            self
        }
        /// Asks the server to trace the request; read the trace with `Session::query_trace`.
        #[must_use]
        pub fn with_tracing(mut self, tracing: bool) -> Self {
            self.options.tracing = tracing;
            self
        }
        /// Selects a named execution profile (see `ClusterBuilder::execution_profile`).
        #[must_use]
        pub fn with_execution_profile(mut self, name: &str) -> Self {
            self.options.execution_profile = Some(Arc::from(name));
            self
        }
        /// Runs the statement on this node only, for node-local tables (`system.local`,
        /// virtual tables) and diagnostics: no other node is tried, and a node that is down
        /// or not in the cluster is an error
        /// ([`Error::NoSuchHost`](crate::Error::NoSuchHost), or
        /// [`Error::NoHostAvailable`](crate::Error::NoHostAvailable) naming it).
        #[must_use]
        pub fn with_host(mut self, node: SocketAddr) -> Self {
            self.options.host = Some(node);
            self
        }
        /// The retry policy of this statement (over its profile's and the session's).
        #[must_use]
        pub fn with_retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
            self.options.retry_policy = Some(Arc::new(policy));
            self
        }
        /// A custom payload sent with the statement.
        #[must_use]
        pub fn with_custom_payload<K, V>(
            mut self,
            payload: impl IntoIterator<Item = (K, V)>,
        ) -> Self
        where
            K: Into<String>,
            V: Into<Bytes>,
        {
            self.options.custom_payload = Some(Arc::new(
                payload
                    .into_iter()
                    .map(|(k, v)| (k.into(), Some(v.into())))
                    .collect(),
            ));
            self
        }
        /// The statement's options.
        pub fn options(&self) -> &StatementOptions {
            &self.options
        }
    };
}

/// A CQL string sent as it is (QUERY), with positional or named values.
#[derive(Debug, Clone)]
pub struct SimpleStatement {
    pub(crate) query: Arc<str>,
    pub(crate) options: StatementOptions,
    pub(crate) routing_key: Option<Bytes>,
    pub(crate) keyspace: Option<Arc<str>>,
}

impl SimpleStatement {
    /// A statement for `query`.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: Arc::from(query.into()),
            options: StatementOptions::default(),
            routing_key: None,
            keyspace: None,
        }
    }

    /// The CQL text.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The serialized partition key, for token-aware routing of a statement the driver does
    /// not parse: the value itself for a single-column key, or for a composite key each
    /// component as a 2-byte length, the bytes and a 0 byte (see
    /// [`crate::token::routing_key`]). Used with [`with_keyspace`](Self::with_keyspace), or
    /// the session's keyspace.
    #[must_use]
    pub fn with_routing_key(mut self, key: impl Into<Bytes>) -> Self {
        self.routing_key = Some(key.into());
        self
    }

    /// The keyspace whose replicas the routing key is looked up in.
    #[must_use]
    pub fn with_keyspace(mut self, keyspace: &str) -> Self {
        self.keyspace = Some(Arc::from(keyspace));
        self
    }

    /// The routing key, if set.
    pub fn routing_key(&self) -> Option<&[u8]> {
        self.routing_key.as_deref()
    }

    statement_options!();
}

impl From<&str> for SimpleStatement {
    fn from(q: &str) -> Self {
        SimpleStatement::new(q)
    }
}

impl From<String> for SimpleStatement {
    fn from(q: String) -> Self {
        SimpleStatement::new(q)
    }
}

/// What the server returned for a PREPARE; shared by all clones of a prepared statement.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) query: String,
    pub(crate) id: RwLock<Bytes>,
    /// v5: the id of the result metadata the client holds, sent with EXECUTE.
    pub(crate) result_metadata_id: RwLock<Option<Bytes>>,
    pub(crate) bind_markers: Vec<ColumnSpec>,
    pub(crate) pk_indexes: Vec<u16>,
    /// ScyllaDB marked it conditional (`SCYLLA_LWT_ADD_METADATA_MARK`).
    pub(crate) is_lwt: bool,
    pub(crate) result_metadata: RwLock<Option<Arc<ResultMetadata>>>,
    /// When it was last executed ([`crate::recency::now_secs`]; 0: never): the re-prepare
    /// registry gives a node that comes back only statements in recent use.
    pub(crate) used_at: AtomicU64,
}

impl Prepared {
    /// Marks the statement executed now: a load on the hot path, a store at most once a
    /// second.
    #[inline]
    pub(crate) fn mark_used(&self) {
        let now = crate::recency::now_secs();
        if self.used_at.load(Ordering::Relaxed) != now {
            self.used_at.store(now, Ordering::Relaxed);
        }
    }

    /// When it was last executed (0: never).
    pub(crate) fn used_at(&self) -> u64 {
        self.used_at.load(Ordering::Relaxed)
    }
}

/// A statement prepared on the server: parsed once, executed by id with typed values.
#[derive(Debug, Clone)]
pub struct PreparedStatement {
    pub(crate) prepared: Arc<Prepared>,
    pub(crate) options: StatementOptions,
}

impl PreparedStatement {
    /// The CQL text it was prepared from.
    pub fn query(&self) -> &str {
        &self.prepared.query
    }

    /// The server's id of the statement.
    pub fn id(&self) -> Bytes {
        self.prepared
            .id
            .read()
            .map(|g| g.clone())
            .unwrap_or_default()
    }

    /// The bind markers: name, table and type of each value the statement takes.
    pub fn bind_markers(&self) -> &[ColumnSpec] {
        &self.prepared.bind_markers
    }

    /// Whether the node marked it a conditional statement (a lightweight transaction; only
    /// ScyllaDB does, through `SCYLLA_LWT_ADD_METADATA_MARK`). Such statements go to their
    /// replicas in a fixed order.
    pub fn is_lwt(&self) -> bool {
        self.prepared.is_lwt
    }

    /// Indexes of the bind markers that make up the partition key (for routing).
    pub fn partition_key_indexes(&self) -> &[u16] {
        &self.prepared.pk_indexes
    }

    /// Binds values now, checking them against the bind markers' types.
    pub fn bind(&self, values: impl SerializeRow) -> Result<BoundStatement, Error> {
        let values = SerializedValues::from_row(&values, Some(&self.prepared.bind_markers))
            .map_err(Error::Serialize)?;
        Ok(BoundStatement {
            statement: self.clone(),
            values,
        })
    }

    statement_options!();
}

/// A prepared statement with its values serialized.
#[derive(Debug, Clone)]
pub struct BoundStatement {
    pub(crate) statement: PreparedStatement,
    pub(crate) values: SerializedValues,
}

impl BoundStatement {
    /// The prepared statement.
    pub fn prepared(&self) -> &PreparedStatement {
        &self.statement
    }
}

/// One statement of a batch.
#[derive(Debug, Clone)]
pub(crate) enum BatchItem {
    Simple(Arc<str>, SerializedValues),
    Prepared(Arc<Prepared>, SerializedValues),
}

/// Several modifications applied together: `LOGGED` (atomic), `UNLOGGED` or `COUNTER`.
#[derive(Debug, Clone)]
pub struct BatchStatement {
    pub(crate) batch_type: BatchType,
    pub(crate) items: Vec<BatchItem>,
    pub(crate) options: StatementOptions,
    /// Spare room the next statements' values are serialized into: the statements of a batch
    /// share a few allocations instead of one each.
    values: BytesMut,
}

/// Statements a batch makes room for at its first statement (unless sized by
/// [`BatchStatement::with_capacity`]).
const BATCH_START_STATEMENTS: usize = 16;
/// Bytes of values a batch reserves at a time.
const BATCH_VALUES_CHUNK: usize = 1024;

impl BatchStatement {
    /// An empty batch of the given type.
    pub fn new(batch_type: BatchType) -> Self {
        Self::with_capacity(batch_type, 0)
    }

    /// An empty batch with room for `statements` statements.
    pub fn with_capacity(batch_type: BatchType, statements: usize) -> Self {
        Self {
            batch_type,
            items: Vec::with_capacity(statements),
            options: StatementOptions::default(),
            values: BytesMut::new(),
        }
    }

    /// Serializes one statement's values into the batch's spare value buffer.
    fn serialize(
        &mut self,
        values: &dyn SerializeRow,
        specs: Option<&[ColumnSpec]>,
    ) -> Result<SerializedValues, Error> {
        if self.items.capacity() == 0 {
            self.items.reserve(BATCH_START_STATEMENTS);
        }
        if self.values.capacity() < BATCH_VALUES_CHUNK / 4 {
            self.values = BytesMut::with_capacity(BATCH_VALUES_CHUNK);
        }
        SerializedValues::from_row_in(&mut self.values, values, specs).map_err(Error::Serialize)
    }

    /// Adds a CQL string with its values.
    pub fn add_simple(
        &mut self,
        query: impl Into<String>,
        values: impl SerializeRow,
    ) -> Result<&mut Self, Error> {
        let values = self.serialize(&values, None)?;
        self.items
            .push(BatchItem::Simple(Arc::from(query.into()), values));
        Ok(self)
    }

    /// Adds a prepared statement with its values (checked against its bind markers).
    pub fn add_prepared(
        &mut self,
        statement: &PreparedStatement,
        values: impl SerializeRow,
    ) -> Result<&mut Self, Error> {
        let values = self.serialize(&values, Some(&statement.prepared.bind_markers))?;
        self.items
            .push(BatchItem::Prepared(Arc::clone(&statement.prepared), values));
        Ok(self)
    }

    /// Adds a bound statement.
    pub fn add_bound(&mut self, bound: &BoundStatement) -> &mut Self {
        if self.items.capacity() == 0 {
            self.items.reserve(BATCH_START_STATEMENTS);
        }
        self.items.push(BatchItem::Prepared(
            Arc::clone(&bound.statement.prepared),
            bound.values.clone(),
        ));
        self
    }

    /// Number of statements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the batch has no statement.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    statement_options!();
}
