//! SASL GSSAPI (Kerberos V5, RFC 4752), client side, on the system GSSAPI library (feature
//! `gssapi`).
//!
//! Exchange:
//!
//! 1. Context establishment: the client sends the token of `gss_init_sec_context` (a Kerberos
//!    AP-REQ for `service@host`); each server challenge is fed back to the library until the
//!    context is complete (mutual authentication: the server's AP-REP authenticates it). When
//!    the context completes without a token to send, the client answers with an empty
//!    response.
//! 2. Security-layer negotiation: the server sends a wrapped 4-byte message (a bit mask of the
//!    layers it offers and its maximum message size). The client unwraps it, picks "no
//!    security layer" (`0x01`, which the server must offer) and answers with a wrapped
//!    (integrity only) message: that choice, a maximum size of 0 (RFC 4752 §3.1: no layer, so
//!    no size) and the UTF-8 authorization id, if any.
//!
//! Library calls block; establishing the context may contact the KDC for a service ticket.
//!
//! Credentials come from the environment (`KRB5CCNAME`, or a client keytab named by
//! `KRB5_CLIENT_KTNAME`), optionally narrowed to one principal, or are obtained with a
//! password (`gss_acquire_cred_with_password`, MIT krb5).

use std::fmt;

use libgssapi::context::{ClientCtx, CtxFlags, SecurityContext};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_HOSTBASED_SERVICE, GSS_NT_KRB5_PRINCIPAL, OidSet};

use super::Authenticator;
use crate::{Error, Secret};

/// The GSSAPI binding this module is built on, for callers that need the acceptor side (test
/// servers) or other library calls with the same library version.
pub use libgssapi;

const MECHANISM: &str = "GSSAPI";

/// RFC 4752 security-layer bit: no security layer.
pub const LAYER_NONE: u8 = 0x01;
/// RFC 4752 security-layer bit: integrity protection.
pub const LAYER_INTEGRITY: u8 = 0x02;
/// RFC 4752 security-layer bit: confidentiality protection.
pub const LAYER_CONFIDENTIALITY: u8 = 0x04;

/// The largest authorization id sent (the reply must fit in one wrapped token).
const MAX_AUTHZID_LEN: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Establishing,
    Negotiating,
    Done,
    Failed,
}

/// The security layers and maximum message size a server offered (RFC 4752 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLayers {
    /// Bit mask of [`LAYER_NONE`], [`LAYER_INTEGRITY`], [`LAYER_CONFIDENTIALITY`].
    pub layers: u8,
    /// The largest message the server accepts (0 when it offers no layer but "none").
    pub max_size: u32,
}

/// One SASL GSSAPI exchange with `service@host`.
pub struct GssapiAuthenticator {
    target: String,
    authzid: Option<String>,
    ctx: ClientCtx,
    state: State,
    server_layers: Option<ServerLayers>,
}

impl fmt::Debug for GssapiAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GssapiAuthenticator")
            .field("target", &self.target)
            .field("authzid", &self.authzid)
            .field("state", &self.state)
            .field("server_layers", &self.server_layers)
            .finish_non_exhaustive()
    }
}

/// A library failure as the crate's error: what was attempted, then the library's major and
/// minor status texts.
fn gss_error(what: &str, e: libgssapi::error::Error) -> Error {
    Error::Gssapi(format!("{what}: {}", e.to_string().trim_end()))
}

fn krb5_mechs() -> Result<OidSet, Error> {
    OidSet::singleton(GSS_MECH_KRB5).map_err(|e| gss_error("building the mechanism set", e))
}

impl GssapiAuthenticator {
    /// An exchange with `service@host` (e.g. `cassandra` and `node1.example.com`, whose
    /// principal is `cassandra/node1.example.com@REALM`), with the default credentials of the
    /// environment (credential cache, client keytab).
    pub fn new(service: &str, host: &str) -> Result<Self, Error> {
        Self::with_credential(service, host, None)
    }

    /// An exchange as `principal` (e.g. `alice@EXAMPLE.COM`): with `password`, a fresh ticket
    /// is requested from the KDC; without, the principal's tickets are taken from the
    /// environment's credential caches or client keytab.
    pub fn for_principal(
        service: &str,
        host: &str,
        principal: &str,
        password: Option<&Secret>,
    ) -> Result<Self, Error> {
        let name = Name::new(principal.as_bytes(), Some(GSS_NT_KRB5_PRINCIPAL))
            .map_err(|e| gss_error(&format!("importing the principal name {principal:?}"), e))?;
        let mechs = krb5_mechs()?;
        let cred = match password {
            Some(p) => Cred::acquire_with_password(
                Some(&name),
                p.expose(),
                None,
                CredUsage::Initiate,
                Some(&mechs),
            ),
            None => Cred::acquire(Some(&name), None, CredUsage::Initiate, Some(&mechs)),
        }
        .map_err(|e| gss_error(&format!("acquiring credentials for {principal}"), e))?;
        Self::with_credential(service, host, Some(cred))
    }

    fn with_credential(service: &str, host: &str, cred: Option<Cred>) -> Result<Self, Error> {
        if service.is_empty() || host.is_empty() || service.contains('@') {
            return Err(Error::Gssapi(format!(
                "invalid service {service:?} or host {host:?} for a host-based service name"
            )));
        }
        let target = format!("{service}@{host}");
        // Imported only: the library maps it to `service/host@REALM` when the context starts.
        let name = Name::new(target.as_bytes(), Some(GSS_NT_HOSTBASED_SERVICE))
            .map_err(|e| gss_error(&format!("importing the service name {target}"), e))?;
        let flags = CtxFlags::GSS_C_MUTUAL_FLAG | CtxFlags::GSS_C_INTEG_FLAG;
        Ok(GssapiAuthenticator {
            target,
            authzid: None,
            ctx: ClientCtx::new(cred, name, flags, Some(GSS_MECH_KRB5)),
            state: State::Initial,
            server_layers: None,
        })
    }

    /// Acts as `authzid` (sent in the security-layer reply) instead of the principal itself.
    #[must_use]
    pub fn with_authorization_id(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = Some(authzid.into());
        self
    }

    /// The service as GSSAPI names it, `service@host`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Whether the context is established and the security layer negotiated.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// What the server offered in the security-layer message, once received.
    pub fn server_layers(&self) -> Option<ServerLayers> {
        self.server_layers
    }

    /// The client principal of the established context (e.g. `alice@EXAMPLE.COM`).
    pub fn source_name(&self) -> Result<String, Error> {
        self.established()?;
        let n = self
            .ctx
            .source_name()
            .map_err(|e| gss_error("reading the source name", e))?;
        Ok(n.to_string())
    }

    /// The service principal of the established context (e.g.
    /// `cassandra/node1.example.com@EXAMPLE.COM`).
    pub fn target_name(&self) -> Result<String, Error> {
        self.established()?;
        let n = self
            .ctx
            .target_name()
            .map_err(|e| gss_error("reading the target name", e))?;
        Ok(n.to_string())
    }

    fn established(&self) -> Result<(), Error> {
        if matches!(self.state, State::Negotiating | State::Done) {
            Ok(())
        } else {
            Err(Error::UnexpectedStep {
                mechanism: MECHANISM,
                detail: "the security context is not established",
            })
        }
    }

    fn out_of_order(&mut self, detail: &'static str) -> Error {
        self.state = State::Failed;
        Error::UnexpectedStep {
            mechanism: MECHANISM,
            detail,
        }
    }

    /// Step 1: the first context-establishment token.
    pub fn initial_token(&mut self) -> Result<Vec<u8>, Error> {
        if self.state != State::Initial {
            return Err(self.out_of_order("initial token requested twice"));
        }
        self.state = State::Failed;
        let what = format!("initiating a security context with {}", self.target);
        let token = self.ctx.step(None, None).map_err(|e| gss_error(&what, e))?;
        self.state = if self.ctx.is_complete() {
            State::Negotiating
        } else {
            State::Establishing
        };
        Ok(token.map(|t| t.to_vec()).unwrap_or_default())
    }

    /// The answer to a server challenge: the next context token, an empty response once the
    /// context is complete, then the wrapped security-layer reply.
    pub fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        match self.state {
            State::Establishing => {
                self.state = State::Failed;
                let what = format!("continuing the security context with {}", self.target);
                let token = self
                    .ctx
                    .step(Some(challenge), None)
                    .map_err(|e| gss_error(&what, e))?;
                if self.ctx.is_complete() {
                    self.state = State::Negotiating;
                    Ok(token.map(|t| t.to_vec()).unwrap_or_default())
                } else {
                    self.state = State::Establishing;
                    token.map(|t| t.to_vec()).ok_or_else(|| {
                        Error::Gssapi("the library needs more tokens but produced none".into())
                    })
                }
            }
            State::Negotiating => {
                self.state = State::Failed;
                let reply = self.negotiate(challenge)?;
                self.state = State::Done;
                Ok(reply)
            }
            State::Initial => Err(self.out_of_order("challenge before the initial response")),
            State::Done | State::Failed => Err(self.out_of_order("challenge after the exchange")),
        }
    }

    fn negotiate(&mut self, wrapped: &[u8]) -> Result<Vec<u8>, Error> {
        let msg = self
            .ctx
            .unwrap(wrapped)
            .map_err(|e| gss_error("unwrapping the server's security-layer message", e))?;
        let offered = parse_server_layers(&msg)?;
        self.server_layers = Some(offered);
        let reply = layer_reply(self.authzid.as_deref())?;
        let wrapped = self
            .ctx
            .wrap(false, &reply)
            .map_err(|e| gss_error("wrapping the security-layer reply", e))?;
        Ok(wrapped.to_vec())
    }
}

/// Reads the server's unwrapped security-layer message: exactly 4 bytes, a layer mask that
/// includes [`LAYER_NONE`] (the only layer this client supports), then a 24-bit size.
pub(crate) fn parse_server_layers(msg: &[u8]) -> Result<ServerLayers, Error> {
    let [layers, a, b, c] = msg else {
        return Err(Error::Gssapi(format!(
            "the server's security-layer message has {} bytes, not 4",
            msg.len()
        )));
    };
    if layers & LAYER_NONE == 0 {
        return Err(Error::Gssapi(format!(
            "the server requires a security layer (offered mask {layers:#04x}); only \
             \"no security layer\" is supported"
        )));
    }
    Ok(ServerLayers {
        layers: *layers,
        max_size: u32::from_be_bytes([0, *a, *b, *c]),
    })
}

/// The client's security-layer reply before wrapping: [`LAYER_NONE`], a maximum size of 0,
/// then the authorization id.
pub(crate) fn layer_reply(authzid: Option<&str>) -> Result<Vec<u8>, Error> {
    let authzid = authzid.unwrap_or_default();
    if authzid.len() > MAX_AUTHZID_LEN {
        return Err(Error::InvalidCredentials(format!(
            "authorization id longer than {MAX_AUTHZID_LEN} bytes"
        )));
    }
    let mut reply = Vec::with_capacity(4 + authzid.len());
    reply.extend_from_slice(&[LAYER_NONE, 0, 0, 0]);
    reply.extend_from_slice(authzid.as_bytes());
    Ok(reply)
}

/// [`GssapiAuthenticator`] behind the [`Authenticator`] trait. Success is accepted only after
/// the security-layer negotiation (the server authenticated itself during the context
/// establishment; the negotiation proves the exchange was not cut short).
#[async_trait::async_trait]
impl Authenticator for GssapiAuthenticator {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        self.initial_token().map(Some)
    }

    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        self.respond(challenge.unwrap_or_default()).map(Some)
    }

    async fn on_authentication_success(&mut self, _token: Option<&[u8]>) -> Result<(), Error> {
        if self.state == State::Done {
            Ok(())
        } else {
            Err(self.out_of_order("success before the security-layer negotiation"))
        }
    }
}

#[cfg(test)]
#[path = "gssapi_tests.rs"]
mod tests;
