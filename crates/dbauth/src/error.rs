//! The crate's error: kinds a caller can match, never a secret in the text.

/// What went wrong while authenticating or handling credentials.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The server rejected the credentials (its message, never the password).
    #[error("bad credentials: {0}")]
    BadCredentials(String),
    /// The server sent a message that does not follow the mechanism.
    #[error("malformed server message: {0}")]
    MalformedServerMessage(String),
    /// A step arrived out of order (e.g. a challenge after the exchange finished).
    #[error("unexpected step in the {mechanism} exchange: {detail}")]
    UnexpectedStep {
        /// The mechanism.
        mechanism: &'static str,
        /// What happened.
        detail: &'static str,
    },
    /// The mechanism is unknown or not built in.
    #[error("SASL mechanism not supported: {0}")]
    MechanismNotSupported(String),
    /// SCRAM: the server's nonce does not extend the client's.
    #[error("SCRAM: the server nonce does not start with the client nonce")]
    NonceMismatch,
    /// SCRAM: the server proved it does not know the password (or is not the server).
    #[error("SCRAM: the server signature is wrong")]
    BadServerSignature,
    /// SCRAM: the server ended the exchange with `e=...`.
    #[error("the server reported a SASL error: {0}")]
    ServerReported(String),
    /// A credential is not usable as given (e.g. `:` in an HTTP basic username).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// A JWT could not be parsed.
    #[error("malformed token: {0}")]
    MalformedToken(String),
    /// A JWT has expired (or expires within the leeway).
    #[error("token expired at {exp} (now {now})")]
    TokenExpired {
        /// The token's `exp`.
        exp: i64,
        /// The local clock.
        now: i64,
    },
    /// A JWT's `iat` lies in the future beyond the leeway: the clocks disagree.
    #[error("token issued in the future (iat {iat}, now {now}): clock skew")]
    ClockSkew {
        /// The token's `iat`.
        iat: i64,
        /// The local clock.
        now: i64,
    },
    /// A JWT's signature does not verify with the given secret.
    #[error("token signature does not verify")]
    BadSignature,
    /// A token refresh failed.
    #[error("token refresh failed: {0}")]
    RefreshFailed(String),
    /// The GSSAPI library failed (major/minor status text).
    #[error("GSSAPI failure: {0}")]
    Gssapi(String),
    /// A custom provider's failure.
    #[error("{0}")]
    Provider(String),
}
