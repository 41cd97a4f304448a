//! A provider that picks a SASL mechanism by name.

use std::fmt;

use super::dse::{DSE_AUTHENTICATOR, DseNegotiation};
#[cfg(feature = "gssapi")]
use super::gssapi::GssapiAuthenticator;
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

/// Authenticates with the SASL mechanism named at construction: `PLAIN`, `SCRAM-SHA-256`, or
/// with the `gssapi` feature `GSSAPI` (service from [`SaslOptions::service`], required; host
/// from [`SaslOptions::host_name`], else the connection's [`HostInfo::name`]; a non-empty
/// username picks the client principal, a non-empty password gets it a fresh ticket; with
/// neither, the environment's default credentials are used).
///
/// When the server's class is DSE's [`DSE_AUTHENTICATOR`], the mechanism is named first
/// ([`DseNegotiation`](super::DseNegotiation)), as the reference driver does; other classes
/// get the mechanism's exchange directly.
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
    #[cfg(feature = "gssapi")]
    Gssapi,
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
            #[cfg(feature = "gssapi")]
            "GSSAPI" => Mechanism::Gssapi,
            other => return Err(Error::MechanismNotSupported(other.to_owned())),
        };
        if options.qop.as_deref().is_some_and(|q| q != "auth") {
            return Err(Error::MechanismNotSupported(format!(
                "{mechanism:?} has no security layer; only qop=auth"
            )));
        }
        let (username, password) = (username.into(), password.into());
        #[cfg(feature = "gssapi")]
        if mechanism == Mechanism::Gssapi {
            check_gssapi(&username, &password, &options)?;
        }
        Ok(SaslAuthProvider {
            mechanism,
            username,
            password,
            options,
        })
    }

    /// The mechanism's name as SASL spells it.
    pub fn mechanism(&self) -> &'static str {
        match self.mechanism {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            #[cfg(feature = "gssapi")]
            Mechanism::Gssapi => "GSSAPI",
        }
    }
}

#[async_trait::async_trait]
impl AuthProvider for SaslAuthProvider {
    async fn new_authenticator(
        &self,
        #[cfg_attr(not(feature = "gssapi"), allow(unused_variables))] host: &HostInfo,
        class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        let authzid = self.options.authorization_id.clone();
        let inner: Box<dyn Authenticator> = match self.mechanism {
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
            #[cfg(feature = "gssapi")]
            Mechanism::Gssapi => Box::new(self.gssapi(host)?),
        };
        Ok(if class == DSE_AUTHENTICATOR {
            Box::new(DseNegotiation::new(self.mechanism(), inner))
        } else {
            inner
        })
    }
}

#[cfg(feature = "gssapi")]
fn check_gssapi(username: &str, password: &Secret, options: &SaslOptions) -> Result<(), Error> {
    if options.service.as_deref().is_none_or(str::is_empty) {
        return Err(Error::InvalidCredentials(
            "GSSAPI needs SaslOptions.service (e.g. cassandra)".into(),
        ));
    }
    if username.is_empty() && !password.is_empty() {
        return Err(Error::InvalidCredentials(
            "GSSAPI: a password needs the principal as username".into(),
        ));
    }
    Ok(())
}

#[cfg(feature = "gssapi")]
impl SaslAuthProvider {
    fn gssapi(&self, host: &HostInfo) -> Result<GssapiAuthenticator, Error> {
        let service = self.options.service.as_deref().unwrap_or_default();
        let host_name = self
            .options
            .host_name
            .as_deref()
            .or(host.name.as_deref())
            .ok_or_else(|| {
                Error::Gssapi(format!(
                    "no host name for the service principal of {}: set SaslOptions.host_name",
                    host.address
                ))
            })?;
        let auth = if self.username.is_empty() {
            GssapiAuthenticator::new(service, host_name)?
        } else {
            let password = (!self.password.is_empty()).then_some(&self.password);
            GssapiAuthenticator::for_principal(service, host_name, &self.username, password)?
        };
        Ok(match &self.options.authorization_id {
            Some(a) => auth.with_authorization_id(a.clone()),
            None => auth,
        })
    }
}
