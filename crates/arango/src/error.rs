//! Errors of the client. None of them carries a password, token or `Authorization` header.

/// Why a token refresh failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The connection has no username/password to log in with.
    #[error("no credentials to refresh the token with")]
    NoCredentials,
    /// `POST /_open/auth` rejected the username/password.
    #[error("wrong credentials (HTTP {code}, errorNum {error_num}: {message})")]
    WrongCredentials {
        /// HTTP status.
        code: u16,
        /// ArangoDB's errorNum.
        error_num: i64,
        /// ArangoDB's errorMessage.
        message: String,
    },
    /// The server returned a token that was expired on arrival by its own times (`exp` not
    /// after `iat`, e.g. a session timeout of 0).
    #[error("the server returned an already expired token (exp {exp})")]
    ExpiredToken {
        /// The token's `exp`.
        exp: i64,
    },
    /// The server issued a token valid until `exp` at its time `server_iat`, but the local
    /// clock is already past `exp`: the clocks are out of sync by more than the session
    /// lifetime.
    #[error(
        "clock skew: the server issued a token at {server_iat} valid until {exp}, but the local clock says {local_now}"
    )]
    ClockSkew {
        /// The token's `iat` (the server's clock).
        server_iat: i64,
        /// The token's `exp`.
        exp: i64,
        /// The local clock when the token arrived.
        local_now: i64,
    },
    /// The server answered something other than `{"jwt": "..."}` or an error envelope.
    #[error("unexpected answer to /_open/auth: {0}")]
    BadResponse(String),
    /// The refresh request failed at the transport level.
    #[error("refresh request failed: {0}")]
    Transport(String),
}

/// A problem with an async job (see `AsyncDatabase`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The server knows no job with this id (never created, already fetched or deleted).
    #[error("async job {id} not found")]
    NotFound {
        /// The job id.
        id: String,
    },
    /// The job is still pending: its result cannot be fetched yet.
    #[error("async job {id} is not done")]
    NotDone {
        /// The job id.
        id: String,
    },
    /// The closure given to `submit` made no request, so there is no job.
    #[error("the async job closure made no request")]
    NoRequest,
    /// The closure given to `submit` tried a second request; a job is one request.
    #[error("an async job is one request; the closure tried a second one")]
    SecondRequest,
    /// The server accepted the request as a job (what `submit` turns into an `AsyncJob`; only
    /// seen if a closure keeps it from `submit`).
    #[error("submitted as async job {id:?}")]
    Submitted {
        /// The job id (none for fire-and-forget requests).
        id: Option<String>,
    },
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error envelope (or a non-success status).
    #[error("{method} {url}: HTTP {code}, errorNum {error_num}: {message}")]
    Server {
        /// HTTP status.
        code: u16,
        /// ArangoDB's errorNum (the HTTP status when the body had none).
        error_num: i64,
        /// ArangoDB's errorMessage.
        message: String,
        /// Request method.
        method: String,
        /// Request URL (without credentials).
        url: String,
    },
    /// The server refused a token that was fresh from a refresh: the 401 is not about the
    /// token but about access (no permission on the database, or a database that does not
    /// exist: ArangoDB answers 401 to users who may not know). Further 401s with the same
    /// token are reported like this without a new login.
    #[error("{method} {url}: not authorized (HTTP {code}, errorNum {error_num}: {message})")]
    Permission {
        /// HTTP status.
        code: u16,
        /// errorNum.
        error_num: i64,
        /// errorMessage.
        message: String,
        /// Request method.
        method: String,
        /// Request URL.
        url: String,
    },
    /// The server dropped the request because it waited in its queue longer than the
    /// client's maximum queue time (HTTP 412, errorNum 21004).
    #[error("{method} {url}: the server's queue time exceeded the maximum: {message}")]
    QueueTimeViolated {
        /// ArangoDB's errorMessage.
        message: String,
        /// Request method.
        method: String,
        /// Request URL.
        url: String,
    },
    /// No host could be reached (after the configured retries).
    #[error("connection to {url} failed: {message}")]
    Connection {
        /// The last URL tried.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// The response body was larger than the client accepts; refused before buffering it.
    #[error("the response of {url} is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A request took longer than the configured timeout.
    #[error("request to {url} timed out")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// A request body could not be serialized.
    #[error("cannot serialize the request: {0}")]
    Serialization(String),
    /// A response body could not be parsed.
    #[error("cannot parse the response of {url}: {message}")]
    Deserialization {
        /// The URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// No `Authorization` header could be built.
    #[error("cannot build the authorization header: {0}")]
    AuthHeader(String),
    /// Refreshing the JWT failed.
    #[error("token refresh failed: {0}")]
    Refresh(#[from] RefreshError),
    /// `db(..., verify = true)` could not use the database: the server rejected the
    /// credentials (or the database is missing, or it is unreachable). `source` says which.
    #[error("cannot verify access to database {database:?} with {auth} authentication: {source}")]
    Verify {
        /// The database.
        database: String,
        /// `basic`, `jwt` or `superuser`.
        auth: &'static str,
        /// What went wrong.
        source: Box<Error>,
    },
    /// Invalid client settings.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An async job problem.
    #[error(transparent)]
    Job(#[from] JobError),
    /// A credential or token problem reported by `dbauth`.
    #[error(transparent)]
    Auth(#[from] dbauth::Error),
}

impl Error {
    /// ArangoDB's errorNum, for server errors (also inside [`Error::Verify`]).
    pub fn error_num(&self) -> Option<i64> {
        match self {
            Error::QueueTimeViolated { .. } => Some(21004),
            Error::Server { error_num, .. } | Error::Permission { error_num, .. } => {
                Some(*error_num)
            }
            Error::Verify { source, .. } => source.error_num(),
            _ => None,
        }
    }
    /// The HTTP status, for server errors (also inside [`Error::Verify`]).
    pub fn http_code(&self) -> Option<u16> {
        match self {
            Error::QueueTimeViolated { .. } => Some(412),
            Error::Server { code, .. } | Error::Permission { code, .. } => Some(*code),
            Error::Verify { source, .. } => source.http_code(),
            _ => None,
        }
    }
    /// Whether the credentials were refused: HTTP 401 from the server, or a failed token
    /// refresh (also inside [`Error::Verify`]).
    pub fn is_auth_failure(&self) -> bool {
        match self {
            Error::Server { code, .. } | Error::Permission { code, .. } => *code == 401,
            Error::Refresh(_) | Error::AuthHeader(_) => true,
            Error::Verify { source, .. } => source.is_auth_failure(),
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
