//! DSE's `DseAuthenticator`: the client first names its SASL mechanism, the server answers
//! `<MECHANISM>-START`, then the mechanism's own exchange runs.

use std::fmt;

use super::Authenticator;
use super::plain::printable;
use crate::Error;

/// The authenticator class of DataStax Enterprise, which negotiates the mechanism first.
pub const DSE_AUTHENTICATOR: &str = "com.datastax.bdp.cassandra.auth.DseAuthenticator";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Named,
    Running,
    Failed,
}

/// Wraps a mechanism's authenticator for a server whose class is [`DSE_AUTHENTICATOR`]:
///
/// 1. initial response: the mechanism name (e.g. `GSSAPI`);
/// 2. the server's challenge `<MECHANISM>-START` is answered with the mechanism's own initial
///    response;
/// 3. every later challenge, and the success token, go to the mechanism.
///
/// Any other first challenge is [`Error::MalformedServerMessage`].
pub struct DseNegotiation {
    mechanism: String,
    inner: Box<dyn Authenticator>,
    state: State,
}

impl fmt::Debug for DseNegotiation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DseNegotiation")
            .field("mechanism", &self.mechanism)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl DseNegotiation {
    /// Runs `inner` after naming `mechanism` (its SASL name, e.g. `PLAIN` or `GSSAPI`).
    pub fn new(mechanism: impl Into<String>, inner: Box<dyn Authenticator>) -> Self {
        DseNegotiation {
            mechanism: mechanism.into(),
            inner,
            state: State::Initial,
        }
    }

    /// The mechanism named to the server.
    pub fn mechanism(&self) -> &str {
        &self.mechanism
    }

    fn out_of_order(&mut self, detail: &'static str) -> Error {
        self.state = State::Failed;
        Error::UnexpectedStep {
            mechanism: "DSE negotiation",
            detail,
        }
    }
}

#[async_trait::async_trait]
impl Authenticator for DseNegotiation {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.state != State::Initial {
            return Err(self.out_of_order("initial response requested twice"));
        }
        self.state = State::Named;
        Ok(Some(self.mechanism.as_bytes().to_vec()))
    }

    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        match self.state {
            State::Named => {
                let got = challenge.unwrap_or_default();
                let start = format!("{}-START", self.mechanism);
                if got != start.as_bytes() {
                    self.state = State::Failed;
                    return Err(Error::MalformedServerMessage(format!(
                        "expected {start}, got {}",
                        printable(got)
                    )));
                }
                self.state = State::Failed;
                let first = self.inner.initial_response().await?;
                self.state = State::Running;
                // An empty token rather than none: the server waits for the mechanism's start.
                Ok(Some(first.unwrap_or_default()))
            }
            State::Running => self.inner.evaluate_challenge(challenge).await,
            State::Initial => Err(self.out_of_order("challenge before the initial response")),
            State::Failed => Err(self.out_of_order("challenge after a failed step")),
        }
    }

    async fn on_authentication_success(&mut self, token: Option<&[u8]>) -> Result<(), Error> {
        match self.state {
            State::Running => self.inner.on_authentication_success(token).await,
            _ => Err(self.out_of_order("success before the mechanism ran")),
        }
    }
}
