//! Authentication for database drivers, with no networking of its own.
//!
//! - [`sasl`]: the challenge/response authenticators of connection start-up (CQL):
//!   [`AuthProvider`] makes one [`Authenticator`] per connection; [`PlainTextAuthProvider`]
//!   (PLAIN, also DSE's mechanism negotiation), [`SaslAuthProvider`] (PLAIN, SCRAM-SHA-256).
//! - [`http`]: credentials for HTTP APIs (ArangoDB): [`http::Auth`] for basic auth,
//!   [`http::JwtToken`] to read, generate (HS256 superuser tokens) and verify JWTs, and
//!   [`http::TokenHolder`] that refreshes a token once for many waiting requests.
//! - [`Secret`]: passwords, tokens and keys that never print and are wiped on drop.
//!
//! ## The SASL lifecycle (what a CQL connection calls)
//!
//! ```text
//! AuthProvider::new_authenticator(&self, host: &HostInfo, authenticator_class: &str)
//!     -> Result<Box<dyn Authenticator>, Error>                      once per connection
//! Authenticator::initial_response(&mut self) -> Result<Option<Vec<u8>>, Error>
//!     first AUTH_RESPONSE (None: send an empty token)
//! Authenticator::evaluate_challenge(&mut self, challenge: Option<&[u8]>)
//!     -> Result<Option<Vec<u8>>, Error>                             each AUTH_CHALLENGE
//! Authenticator::on_authentication_success(&mut self, token: Option<&[u8]>)
//!     -> Result<(), Error>                                          AUTH_SUCCESS
//! ```
//!
//! All are `async` (through `async_trait`, so `dyn`-compatible), providers are `Send + Sync`,
//! authenticators `Send`. An error from any step ends the connection's authentication. For
//! DSE's `DseAuthenticator` class, the built-in providers first name the mechanism and wait
//! for `<MECHANISM>-START` ([`sasl::DseNegotiation`]). A custom mechanism implements the two
//! traits itself: see `examples/custom_provider.rs`.
//!
//! GSSAPI (Kerberos V5, RFC 4752) is behind the cargo feature `gssapi` (system MIT krb5
//! library): `sasl::gssapi::GssapiAuthenticator`, and `"GSSAPI"` in [`SaslAuthProvider::new`].
//! Without the feature, [`SaslAuthProvider::new`] answers [`Error::MechanismNotSupported`].
//!
//! ```
//! use dbauth::{AuthProvider, HostInfo, PlainTextAuthProvider};
//! # futures_executor::block_on(async {
//! let provider = PlainTextAuthProvider::new("cassandra", "cassandra");
//! let host = HostInfo::new("127.0.0.1:9042".parse().unwrap());
//! let mut auth = provider
//!     .new_authenticator(&host, "org.apache.cassandra.auth.PasswordAuthenticator")
//!     .await?;
//! assert_eq!(auth.initial_response().await?, Some(b"\0cassandra\0cassandra".to_vec()));
//! # Ok::<(), dbauth::Error>(()) }).unwrap();
//! ```

mod error;
pub mod http;
pub mod sasl;
mod secret;

pub use error::Error;
#[cfg(feature = "gssapi")]
pub use sasl::gssapi::GssapiAuthenticator;
pub use sasl::scram::{ScramAuthProvider, ScramSha256};
pub use sasl::{
    AuthProvider, Authenticator, HostInfo, PlainTextAuthProvider, SaslAuthProvider, SaslOptions,
    SwappableAuthProvider,
};
pub use secret::Secret;
