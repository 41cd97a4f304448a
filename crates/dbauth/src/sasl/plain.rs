//! PLAIN (RFC 4616): `authzid \0 username \0 password`, as Cassandra's PasswordAuthenticator,
//! ScyllaDB's TransitionalAuthenticator and SaslauthdAuthenticator expect it, and DSE's
//! DseAuthenticator after the mechanism name.

use std::fmt;

use super::dse::DSE_AUTHENTICATOR;
use super::{AuthProvider, Authenticator, HostInfo};
use crate::{Error, Secret};

/// Username/password authentication for every connection (the reference driver's
/// `PlainTextAuthProvider`).
#[derive(Clone)]
pub struct PlainTextAuthProvider {
    username: String,
    password: Secret,
    authorization_id: Option<String>,
}

impl fmt::Debug for PlainTextAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            username,
            password: _,
            authorization_id,
        } = self;
        f.debug_struct("PlainTextAuthProvider")
            .field("username", username)
            .field("password", &"***")
            .field("authorization_id", authorization_id)
            .finish()
    }
}

impl PlainTextAuthProvider {
    /// Credentials for every connection.
    pub fn new(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        PlainTextAuthProvider {
            username: username.into(),
            password: password.into(),
            authorization_id: None,
        }
    }

    /// Act as another role (DSE proxy authentication; sent as the PLAIN authorization id).
    #[must_use]
    pub fn with_authorization_id(mut self, authzid: impl Into<String>) -> Self {
        self.authorization_id = Some(authzid.into());
        self
    }
}

#[async_trait::async_trait]
impl AuthProvider for PlainTextAuthProvider {
    async fn new_authenticator(
        &self,
        _host: &HostInfo,
        authenticator_class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        // Any other class gets PLAIN: the server decides whether it understands it.
        let dse = authenticator_class == DSE_AUTHENTICATOR;
        Ok(Box::new(PlainAuthenticator::new(
            self.authorization_id.as_deref(),
            &self.username,
            &self.password,
            dse,
        )))
    }
}

/// One PLAIN exchange. With `dse` it first sends `PLAIN` and answers the server's
/// `PLAIN-START` challenge with the credentials.
pub struct PlainAuthenticator {
    message: Secret,
    dse: bool,
    state: PlainState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainState {
    Start,
    Sent,
    Done,
}

impl fmt::Debug for PlainAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainAuthenticator")
            .field("dse", &self.dse)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl PlainAuthenticator {
    /// An exchange for these credentials.
    pub fn new(authzid: Option<&str>, username: &str, password: &Secret, dse: bool) -> Self {
        let mut m = String::with_capacity(username.len() + password.expose().len() + 2);
        m.push_str(authzid.unwrap_or(""));
        m.push('\0');
        m.push_str(username);
        m.push('\0');
        m.push_str(password.expose());
        PlainAuthenticator {
            message: Secret::new(m),
            dse,
            state: PlainState::Start,
        }
    }

    fn credentials(&self) -> Vec<u8> {
        self.message.expose().as_bytes().to_vec()
    }
}

#[async_trait::async_trait]
impl Authenticator for PlainAuthenticator {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.state != PlainState::Start {
            return Err(Error::UnexpectedStep {
                mechanism: "PLAIN",
                detail: "initial response requested twice",
            });
        }
        self.state = PlainState::Sent;
        if self.dse {
            Ok(Some(b"PLAIN".to_vec()))
        } else {
            Ok(Some(self.credentials()))
        }
    }

    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        match (self.state, self.dse, challenge) {
            (PlainState::Sent, true, Some(b"PLAIN-START")) => {
                self.state = PlainState::Done;
                Ok(Some(self.credentials()))
            }
            (PlainState::Sent, true, other) => Err(Error::MalformedServerMessage(format!(
                "expected PLAIN-START, got {}",
                printable(other.unwrap_or_default())
            ))),
            (PlainState::Start, ..) => Err(Error::UnexpectedStep {
                mechanism: "PLAIN",
                detail: "challenge before the initial response",
            }),
            _ => Err(Error::UnexpectedStep {
                mechanism: "PLAIN",
                detail: "challenge after the credentials were sent",
            }),
        }
    }

    async fn on_authentication_success(&mut self, _token: Option<&[u8]>) -> Result<(), Error> {
        self.state = PlainState::Done;
        Ok(())
    }
}

/// A short, printable rendering of server bytes for error messages.
pub(crate) fn printable(b: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(&b[..b.len().min(64)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    format!("{s:?}")
}
