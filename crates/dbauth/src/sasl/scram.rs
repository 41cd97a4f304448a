//! SCRAM-SHA-256 (RFC 5802, RFC 7677) as a state machine that does no I/O.
//!
//! Message order:
//!
//! 1. client-first: `n,,n=<user>,r=<client nonce>` ([`ScramSha256::client_first`])
//! 2. server-first: `r=<client nonce + server nonce>,s=<salt>,i=<iterations>`
//! 3. client-final: `c=biws,r=<nonce>,p=<proof>` ([`ScramSha256::handle_server_first`])
//! 4. server-final: `v=<server signature>` or `e=<error>` ([`ScramSha256::handle_server_final`])
//!
//! Steps out of order are errors. The server proves it knows the salted password with its
//! signature; a wrong signature is [`Error::BadServerSignature`].

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::plain::printable;
use super::{AuthProvider, Authenticator, HostInfo};
use crate::{Error, Secret};

type HmacSha256 = Hmac<Sha256>;

/// The largest iteration count accepted from a server: bounds the CPU a hostile server can
/// make the client spend.
pub const MAX_ITERATIONS: u32 = 1_000_000;
/// The smallest iteration count accepted (RFC 7677 asks for at least 4096).
pub const MIN_ITERATIONS: u32 = 4096;

enum State {
    Initial,
    SentFirst {
        client_first_bare: String,
    },
    SentFinal {
        server_signature: Zeroizing<[u8; 32]>,
    },
    Done,
    Failed,
}

/// One SCRAM-SHA-256 exchange.
pub struct ScramSha256 {
    username: String,
    password: Secret,
    authzid: Option<String>,
    nonce: String,
    state: State,
}

impl fmt::Debug for ScramSha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Initial => "initial",
            State::SentFirst { .. } => "sent client-first",
            State::SentFinal { .. } => "sent client-final",
            State::Done => "done",
            State::Failed => "failed",
        };
        f.debug_struct("ScramSha256")
            .field("username", &self.username)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// `=` and `,` in SCRAM user names are written `=3D` and `=2C` (RFC 5802 §5.1).
fn sasl_name(s: &str) -> String {
    s.replace('=', "=3D").replace(',', "=2C")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(data);
    m.finalize().into_bytes().into()
}

/// Splits `a=value,b=value` into attributes, rejecting anything else.
fn attributes(msg: &str) -> Result<Vec<(char, &str)>, Error> {
    msg.split(',')
        .map(|part| {
            let mut chars = part.chars();
            match (chars.next(), chars.next()) {
                (Some(k), Some('=')) if k.is_ascii_alphabetic() => Ok((k, &part[2..])),
                _ => Err(Error::MalformedServerMessage(format!(
                    "SCRAM attribute {}",
                    printable(part.as_bytes())
                ))),
            }
        })
        .collect()
}

impl ScramSha256 {
    /// An exchange with a fresh random client nonce.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<Secret>,
        authzid: Option<String>,
    ) -> Result<Self, Error> {
        let mut raw = [0u8; 18];
        getrandom::fill(&mut raw).map_err(|e| Error::Provider(format!("no random nonce: {e}")))?;
        Ok(Self::with_nonce(
            username,
            password,
            authzid,
            STANDARD.encode(raw),
        ))
    }

    /// An exchange with a fixed client nonce: for tests against recorded exchanges only.
    pub fn with_nonce(
        username: impl Into<String>,
        password: impl Into<Secret>,
        authzid: Option<String>,
        nonce: impl Into<String>,
    ) -> Self {
        ScramSha256 {
            username: username.into(),
            password: password.into(),
            authzid,
            nonce: nonce.into(),
            state: State::Initial,
        }
    }

    fn gs2_header(&self) -> String {
        match &self.authzid {
            Some(a) => format!("n,a={},", sasl_name(a)),
            None => "n,,".to_owned(),
        }
    }

    /// Step 1: the client-first message.
    pub fn client_first(&mut self) -> Result<String, Error> {
        if !matches!(self.state, State::Initial) {
            return Err(self.fail("client-first requested twice"));
        }
        let bare = format!("n={},r={}", sasl_name(&self.username), self.nonce);
        let msg = format!("{}{bare}", self.gs2_header());
        self.state = State::SentFirst {
            client_first_bare: bare,
        };
        Ok(msg)
    }

    fn fail(&mut self, detail: &'static str) -> Error {
        self.state = State::Failed;
        Error::UnexpectedStep {
            mechanism: "SCRAM-SHA-256",
            detail,
        }
    }

    /// Step 3: reads the server-first message, returns the client-final message.
    pub fn handle_server_first(&mut self, server_first: &[u8]) -> Result<String, Error> {
        let State::SentFirst { client_first_bare } =
            std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(self.fail("server-first out of order"));
        };
        let msg = std::str::from_utf8(server_first)
            .map_err(|_| Error::MalformedServerMessage("server-first is not UTF-8".into()))?;
        let attrs = attributes(msg)?;
        if let Some((_, e)) = attrs.iter().find(|(k, _)| *k == 'e') {
            return Err(Error::ServerReported((*e).to_owned()));
        }
        let mut it = attrs.iter();
        let (nonce, salt, iterations) = match (it.next(), it.next(), it.next()) {
            (Some(('r', r)), Some(('s', s)), Some(('i', i))) => (*r, *s, *i),
            (Some(('m', _)), ..) => {
                return Err(Error::MalformedServerMessage(
                    "SCRAM extensions (m=) are not supported".into(),
                ));
            }
            _ => {
                return Err(Error::MalformedServerMessage(format!(
                    "server-first must be r=,s=,i=: {}",
                    printable(server_first)
                )));
            }
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(Error::NonceMismatch);
        }
        if !nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(Error::MalformedServerMessage(
                "nonce has invalid characters".into(),
            ));
        }
        let salt = STANDARD
            .decode(salt)
            .map_err(|_| Error::MalformedServerMessage("salt is not base64".into()))?;
        let iterations: u32 = iterations.parse().map_err(|_| {
            Error::MalformedServerMessage(format!(
                "iteration count {}",
                printable(iterations.as_bytes())
            ))
        })?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(Error::MalformedServerMessage(format!(
                "iteration count {iterations} outside {MIN_ITERATIONS}..={MAX_ITERATIONS}"
            )));
        }

        let prepared = stringprep::saslprep(self.password.expose()).map_err(|_| {
            Error::InvalidCredentials("the password is not allowed by SASLprep".into())
        })?;
        let mut salted = Zeroizing::new([0u8; 32]);
        pbkdf2::pbkdf2_hmac::<Sha256>(prepared.as_bytes(), &salt, iterations, salted.as_mut());
        let client_key = Zeroizing::new(hmac(salted.as_ref(), b"Client Key"));
        let stored_key: [u8; 32] = Sha256::digest(client_key.as_ref()).into();
        let server_key = Zeroizing::new(hmac(salted.as_ref(), b"Server Key"));

        let without_proof = format!("c={},r={nonce}", STANDARD.encode(self.gs2_header()));
        let auth_message = format!("{client_first_bare},{msg},{without_proof}");
        let client_signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_signature = Zeroizing::new(hmac(server_key.as_ref(), auth_message.as_bytes()));

        self.state = State::SentFinal { server_signature };
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)))
    }

    /// Step 4: checks the server-final message.
    pub fn handle_server_final(&mut self, server_final: &[u8]) -> Result<(), Error> {
        let State::SentFinal { server_signature } =
            std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(self.fail("server-final out of order"));
        };
        let msg = std::str::from_utf8(server_final)
            .map_err(|_| Error::MalformedServerMessage("server-final is not UTF-8".into()))?;
        let attrs = attributes(msg)?;
        match attrs.first() {
            Some(('e', e)) => Err(Error::ServerReported((*e).to_owned())),
            Some(('v', v)) => {
                let got = STANDARD.decode(v).map_err(|_| {
                    Error::MalformedServerMessage("server signature is not base64".into())
                })?;
                // Constant-time comparison through the MAC type's verify is not available on
                // raw bytes; compare without early exit.
                let same = got.len() == 32
                    && got
                        .iter()
                        .zip(server_signature.iter())
                        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                        == 0;
                if same {
                    self.state = State::Done;
                    Ok(())
                } else {
                    Err(Error::BadServerSignature)
                }
            }
            _ => Err(Error::MalformedServerMessage(format!(
                "server-final {}",
                printable(server_final)
            ))),
        }
    }

    /// Whether the exchange completed and the server was verified.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }
}

/// [`ScramSha256`] behind the [`Authenticator`] trait: the server-final message may come as a
/// challenge or with AUTH_SUCCESS; either way it is verified.
#[async_trait::async_trait]
impl Authenticator for ScramSha256 {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        self.client_first().map(|m| Some(m.into_bytes()))
    }

    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let c = challenge.unwrap_or_default();
        match self.state {
            State::SentFirst { .. } => self.handle_server_first(c).map(|m| Some(m.into_bytes())),
            State::SentFinal { .. } => self.handle_server_final(c).map(|()| None),
            _ => Err(self.fail("challenge out of order")),
        }
    }

    async fn on_authentication_success(&mut self, token: Option<&[u8]>) -> Result<(), Error> {
        match (&self.state, token) {
            (State::Done, _) => Ok(()),
            (State::SentFinal { .. }, Some(t)) => self.handle_server_final(t),
            (State::SentFinal { .. }, None) => Err(Error::MalformedServerMessage(
                "success without the server signature: the server was not verified".into(),
            )),
            _ => Err(self.fail("success before the exchange finished")),
        }
    }
}

/// A provider that authenticates every connection with SCRAM-SHA-256.
#[derive(Clone)]
pub struct ScramAuthProvider {
    username: String,
    password: Secret,
    authzid: Option<String>,
}

impl fmt::Debug for ScramAuthProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramAuthProvider")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl ScramAuthProvider {
    /// SCRAM-SHA-256 with these credentials.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<Secret>,
        authzid: Option<String>,
    ) -> Self {
        ScramAuthProvider {
            username: username.into(),
            password: password.into(),
            authzid,
        }
    }
}

#[async_trait::async_trait]
impl AuthProvider for ScramAuthProvider {
    async fn new_authenticator(
        &self,
        _host: &HostInfo,
        _class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        Ok(Box::new(ScramSha256::new(
            self.username.clone(),
            self.password.clone(),
            self.authzid.clone(),
        )?))
    }
}

#[cfg(test)]
#[path = "scram_tests.rs"]
mod tests;
