//! The driver's errors: what the server said (with every field it sent), and what went wrong
//! on the client side (connections, timeouts, protocol, configuration, (de)serialization).

use std::net::SocketAddr;
use std::time::Duration;

pub use cql_protocol::message::ErrorKind as ServerErrorKind;
pub use cql_protocol::message::ErrorResponse as ServerError;

/// Everything that can go wrong when talking to the cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid (reported by `build()` or `connect()`).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A statement was targeted at a node (`with_host`) that is not in the cluster.
    #[error("{0} is not a node of the cluster (with_host)")]
    NoSuchHost(SocketAddr),

    /// TCP connection (or I/O during start-up) failed.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The node.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },

    /// Opening the connection (including the handshake) took too long.
    #[error("connecting to {addr} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The node.
        addr: SocketAddr,
        /// The configured connect timeout.
        timeout: Duration,
    },

    /// The TLS handshake failed (unknown CA, name mismatch, no TLS on the server, ...).
    #[error("TLS handshake with {addr} failed: {source}")]
    Tls {
        /// The node.
        addr: SocketAddr,
        /// The TLS error, as I/O error from the TLS layer.
        source: std::io::Error,
    },

    /// The server rejected the credentials; `message` is the server's text.
    #[error("authentication to {addr} failed: {message}")]
    AuthenticationFailed {
        /// The node.
        addr: SocketAddr,
        /// What the server said, e.g. "Provided username cassandra and/or password are incorrect".
        message: String,
    },

    /// The server requires authentication but no provider is configured.
    #[error(
        "{addr} requires authentication ({authenticator}); configure credentials with \
         Cluster::builder().credentials(user, password) or .auth_provider(...)"
    )]
    AuthenticationRequired {
        /// The node.
        addr: SocketAddr,
        /// The server's authenticator class.
        authenticator: String,
    },

    /// The authentication provider or authenticator failed.
    #[error("authentication provider failed for {addr}: {source}")]
    AuthProvider {
        /// The node.
        addr: SocketAddr,
        /// The provider's typed error.
        source: dbauth::Error,
    },

    /// The server answered with an ERROR.
    #[error("{addr} answered: {error}")]
    Server {
        /// The node (coordinator).
        addr: SocketAddr,
        /// The error with all its fields.
        error: Box<ServerError>,
        /// The tracing session of the attempt, when it was traced and the server sent one.
        tracing_id: Option<uuid::Uuid>,
    },

    /// No response within the request timeout. The request may still have been executed.
    #[error("request to {addr} timed out after {timeout:?}")]
    Timeout {
        /// The node.
        addr: SocketAddr,
        /// The timeout that fired.
        timeout: Duration,
    },

    /// The connection closed while the request was in flight or before it was sent.
    #[error("connection to {addr} closed: {reason}")]
    ConnectionClosed {
        /// The node.
        addr: SocketAddr,
        /// Why it closed.
        reason: String,
        /// Whether the request may have reached the node (it was queued for writing); when
        /// `false` it surely was not executed.
        in_flight: bool,
    },

    /// The request is larger than the server accepts (see
    /// [`ClusterBuilder::max_request_size`](crate::ClusterBuilder::max_request_size)); it was
    /// not sent.
    #[error("request of {size} bytes to {addr} exceeds the limit of {limit} bytes; not sent")]
    RequestTooLarge {
        /// The node.
        addr: SocketAddr,
        /// The request's size (or the least it would be).
        size: usize,
        /// The limit.
        limit: usize,
    },

    /// The session was shut down; it sends nothing any more.
    #[error("session is shut down")]
    Shutdown,

    /// All stream ids of the connection are in use and the node's wait queue is full, or the
    /// wait for a free id ran out (see
    /// [`ClusterBuilder::stream_wait_queue`](crate::ClusterBuilder::stream_wait_queue)). The
    /// request was not sent.
    #[error("connection to {addr} has no free stream id (too many requests in flight)")]
    Busy {
        /// The node.
        addr: SocketAddr,
    },

    /// The server sent bytes that do not follow the protocol.
    #[error("protocol error from {addr}: {source}")]
    Protocol {
        /// The node.
        addr: SocketAddr,
        /// What was wrong.
        source: cql_protocol::ProtocolError,
    },

    /// The server answered with a message that makes no sense at this point.
    #[error("unexpected {got} from {addr} in answer to {during}")]
    UnexpectedResponse {
        /// The node.
        addr: SocketAddr,
        /// The request that was answered.
        during: &'static str,
        /// The response's opcode name.
        got: &'static str,
    },

    /// No node could take the request; the error of each node tried.
    #[error("no host available: {}", display_attempts(.0))]
    NoHostAvailable(Vec<(SocketAddr, Error)>),

    /// Values could not be serialized for the statement (match on the cause: a type
    /// mismatch, a value out of its type's range, a missing or extra value, ...).
    #[error("cannot serialize values: {0}")]
    Serialize(#[source] cql_protocol::serialize::SerializeError),

    /// The request could not be encoded (other than its values: see [`Error::Serialize`]).
    #[error("cannot encode the request: {0}")]
    Encode(#[source] cql_protocol::ProtocolError),

    /// Rows could not be read as the requested Rust types (match on the cause).
    #[error("cannot deserialize rows: {0}")]
    Deserialize(#[source] cql_protocol::deserialize::DeserializeError),

    /// The result is not what the call expected (e.g. no rows for `first_row`).
    #[error("{0}")]
    Result(#[source] ResultError),
}

/// Why a result is not what the call expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultError {
    /// Rows were asked of a result that is not a set of rows (e.g. of an `INSERT`).
    #[error("the statement returned no rows")]
    NotRows,
    /// A row was asked of an empty set of rows.
    #[error("the result has no rows")]
    NoRows,
    /// `was_applied` on a result without the `[applied]` column (not a conditional statement).
    #[error("the result has no [applied] column")]
    NoAppliedColumn,
    /// The node answered UNPREPARED again right after the statement was prepared on it.
    #[error("the statement stayed unprepared after re-preparing it")]
    StillUnprepared,
    /// The trace of a request was not complete in `system_traces` in time.
    #[error("trace {trace_id} was not complete in system_traces after {waited:?}")]
    TraceIncomplete {
        /// The trace (the request's tracing id).
        trace_id: uuid::Uuid,
        /// How long it was waited for.
        waited: Duration,
    },
    /// A system table the driver reads lacks what every node has (e.g. `system.local`'s row).
    #[error("{0}")]
    Metadata(&'static str),
}

fn display_attempts(errors: &[(SocketAddr, Error)]) -> String {
    if errors.is_empty() {
        return "no node was tried".to_owned();
    }
    errors
        .iter()
        .map(|(a, e)| format!("{a}: {e}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether nodes were tried and the error of each one is of the kind `is`.
fn every_node(errors: &[(SocketAddr, Error)], is: fn(&Error) -> bool) -> bool {
    !errors.is_empty() && errors.iter().all(|(_, e)| is(e))
}

impl Error {
    /// An encoding failure, with the values' error kept as [`Error::Serialize`].
    pub(crate) fn encode(e: cql_protocol::ProtocolError) -> Error {
        match e {
            cql_protocol::ProtocolError::Serialize(e) => Error::Serialize(e),
            other => Error::Encode(other),
        }
    }

    /// The server's error, when the server answered with one.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Server { error, .. } => Some(error),
            Error::NoHostAvailable(errors) => errors.iter().find_map(|(_, e)| e.server_error()),
            _ => None,
        }
    }

    /// The tracing session of a traced attempt that the server refused (read it with
    /// [`Session::query_trace`](crate::Session::query_trace)).
    pub fn tracing_id(&self) -> Option<uuid::Uuid> {
        match self {
            Error::Server { tracing_id, .. } => *tracing_id,
            _ => None,
        }
    }

    /// Whether credentials were rejected or missing (also inside `NoHostAvailable`).
    pub fn is_authentication(&self) -> bool {
        match self {
            Error::AuthenticationFailed { .. }
            | Error::AuthenticationRequired { .. }
            | Error::AuthProvider { .. } => true,
            Error::NoHostAvailable(errors) => every_node(errors, Error::is_authentication),
            _ => false,
        }
    }

    /// Whether the request (or opening the connection) timed out on the client side; for
    /// `NoHostAvailable`, whether it did on every node tried.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::ConnectTimeout { .. } => true,
            Error::NoHostAvailable(errors) => every_node(errors, Error::is_timeout),
            _ => false,
        }
    }

    /// ScyllaDB refused the request under its per-partition rate limit (not retried by the
    /// default retry policy: slow down, or retry with a back-off).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            Error::Server { error, .. } if matches!(error.kind, ServerErrorKind::RateLimitReached { .. })
        )
    }

    /// Whether the node (for `NoHostAvailable`: every node tried) had no room for the request:
    /// every stream id in use and its wait queue full. The request was not sent; slow down.
    pub fn is_busy(&self) -> bool {
        match self {
            Error::Busy { .. } => true,
            Error::NoHostAvailable(errors) => every_node(errors, Error::is_busy),
            _ => false,
        }
    }

    /// Whether the request surely was not executed: it could not be sent (no free stream id,
    /// connection closed before writing, no connection).
    pub fn is_unsent(&self) -> bool {
        matches!(
            self,
            Error::Busy { .. }
                | Error::Connect { .. }
                | Error::ConnectTimeout { .. }
                | Error::Tls { .. }
                | Error::ConnectionClosed {
                    in_flight: false,
                    ..
                }
        )
    }

    /// Whether the connection failed (the request may be tried on another connection); for
    /// `NoHostAvailable`, whether it did on every node tried.
    pub fn is_connection(&self) -> bool {
        match self {
            Error::Connect { .. }
            | Error::ConnectTimeout { .. }
            | Error::ConnectionClosed { .. }
            | Error::Busy { .. }
            | Error::Tls { .. } => true,
            Error::NoHostAvailable(errors) => every_node(errors, Error::is_connection),
            _ => false,
        }
    }

    /// Whether the first attempt at v5 was refused as an unsupported version.
    pub(crate) fn is_version_rejection(&self) -> bool {
        match self {
            Error::Server { error, .. } => {
                matches!(error.kind, ServerErrorKind::ProtocolError)
                    && error.message.contains("version")
            }
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
