//! A provider that picks a SASL mechanism by name.

use std::fmt;

use super::plain::PlainAuthenticator;
use super::scram::ScramSha256;
use super::{AuthProvider, Authenticator, HostInfo};
use crate::{Error, Secret};

/// Options of a SASL mechanism.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SaslOptions {
    /// Service name (Kerberos service principal, e.g. `cassandra`).
    pub service: Option<String>,
    /// The server's host name, when it is not the connection's.
    pub host_name: Option<String>,
    /// Authorization id: the identity to act as, when it differs from the credentials.
    pub authorization_id: Option<String>,
    /// Quality of protection (`auth`, `auth-int`, `auth-conf`), for mechanisms that have one.
    pub qop: Option<String>,
}

/// Authenticates with the SASL mechanism named at construction: `PLAIN` or `SCRAM-SHA-256`
/// (`GSSAPI` is not built in; see the crate docs).
#[derive(Clone)]
pub struct SaslAuthProvider {
    mechanism: Mechanism,
    username: String,
    password: Secret,
    options: SaslOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    Plain,
    ScramSha256,
}

impl fmt::Debug for SaslAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            mechanism,
            username,
            password: _,
            options,
        } = self;
        f.debug_struct("SaslAuthProvider")
            .field("mechanism", mechanism)
            .field("username", username)
            .field("password", &"***")
            .field("options", options)
            .finish()
    }
}

impl SaslAuthProvider {
    /// A provider for `mechanism` (case-insensitive) with these credentials.
    pub fn new(
        mechanism: &str,
        username: impl Into<String>,
        password: impl Into<Secret>,
        options: SaslOptions,
    ) -> Result<Self, Error> {
        let mechanism = match mechanism.to_ascii_uppercase().as_str() {
            "PLAIN" => Mechanism::Plain,
            "SCRAM-SHA-256" => Mechanism::ScramSha256,
            other => return Err(Error::MechanismNotSupported(other.to_owned())),
        };
        if options.qop.as_deref().is_some_and(|q| q != "auth") {
            return Err(Error::MechanismNotSupported(format!(
                "{mechanism:?} has no security layer; only qop=auth"
            )));
        }
        Ok(SaslAuthProvider {
            mechanism,
            username: username.into(),
            password: password.into(),
            options,
        })
    }

    /// The mechanism's name as SASL spells it.
    pub fn mechanism(&self) -> &'static str {
        match self.mechanism {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
        }
    }
}

#[async_trait::async_trait]
impl AuthProvider for SaslAuthProvider {
    async fn new_authenticator(
        &self,
        _host: &HostInfo,
        _class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        let authzid = self.options.authorization_id.clone();
        Ok(match self.mechanism {
            Mechanism::Plain => Box::new(PlainAuthenticator::new(
                authzid.as_deref(),
                &self.username,
                &self.password,
                false,
            )),
            Mechanism::ScramSha256 => Box::new(ScramSha256::new(
                self.username.clone(),
                self.password.clone(),
                authzid,
            )?),
        })
    }
}
