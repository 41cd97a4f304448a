//! SASL-style authentication for connection start-up (used by the CQL driver).
//!
//! The server names its authenticator class; the shared [`AuthProvider`] makes one
//! [`Authenticator`] per connection for that class and host; the connection then sends
//! [`initial_response`](Authenticator::initial_response), answers each challenge with
//! [`evaluate_challenge`](Authenticator::evaluate_challenge), and hands the server's final
//! token to [`on_authentication_success`](Authenticator::on_authentication_success).

mod dse;
#[cfg(feature = "gssapi")]
pub mod gssapi;
mod plain;
mod provider;
pub mod scram;
mod swappable;

use std::net::SocketAddr;

pub use dse::{DSE_AUTHENTICATOR, DseNegotiation};
pub use plain::{PlainAuthenticator, PlainTextAuthProvider};
pub use provider::{SaslAuthProvider, SaslOptions};
pub use swappable::SwappableAuthProvider;

use crate::Error;

/// The node a connection authenticates to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostInfo {
    /// The node's address.
    pub address: SocketAddr,
    /// Its host name, when known (e.g. for Kerberos service principals).
    pub name: Option<String>,
}

impl HostInfo {
    /// A host known by its address only.
    pub fn new(address: SocketAddr) -> Self {
        HostInfo {
            address,
            name: None,
        }
    }

    /// Adds the host name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// The client side of one authentication exchange, for one connection.
///
/// Tokens are bytes; `None` means "no token" (the protocol sends an empty/null value).
#[async_trait::async_trait]
pub trait Authenticator: Send {
    /// The token of the first AUTH_RESPONSE.
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error>;

    /// The answer to a server challenge; `None` when the client has nothing more to say.
    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error>;

    /// The server accepted; `token` is its optional final message (checked by mechanisms
    /// such as SCRAM that authenticate the server too).
    async fn on_authentication_success(&mut self, token: Option<&[u8]>) -> Result<(), Error>;
}

/// Makes an [`Authenticator`] for each new connection. Shared by all connections.
#[async_trait::async_trait]
pub trait AuthProvider: Send + Sync {
    /// A fresh authenticator for a connection to `host`, whose server announced
    /// `authenticator_class` (e.g. `org.apache.cassandra.auth.PasswordAuthenticator`).
    async fn new_authenticator(
        &self,
        host: &HostInfo,
        authenticator_class: &str,
    ) -> Result<Box<dyn Authenticator>, Error>;
}
