//! STARTUP, AUTH_RESPONSE and REGISTER.

use std::fmt;

use bytes::BytesMut;

use crate::error::{ProtocolError, Result};
use crate::frame::Compression;
use crate::wire::{put_bytes, put_string_list, put_string_map};

/// STARTUP: the first message on a connection; options as a `[string map]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    /// Options in the order they are sent (`CQL_VERSION` is required).
    pub options: Vec<(String, String)>,
}

impl Startup {
    /// STARTUP with `CQL_VERSION` 3.0.0 and, if given, `COMPRESSION`.
    pub fn new(compression: Option<Compression>) -> Self {
        let mut options = vec![("CQL_VERSION".to_owned(), "3.0.0".to_owned())];
        if let Some(c) = compression {
            options.push(("COMPRESSION".to_owned(), c.as_str().to_owned()));
        }
        Startup { options }
    }

    /// Adds an option (e.g. `DRIVER_NAME`, `DRIVER_VERSION`, `THROW_ON_OVERLOAD`).
    #[must_use]
    pub fn with_option(mut self, key: &str, value: &str) -> Self {
        self.options.push((key.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        put_string_map(
            dst,
            self.options.len(),
            self.options.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }
}

/// AUTH_RESPONSE: a SASL token. Its `Debug` never shows the token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthResponse<'a> {
    /// The token (`None` is a null `[bytes]`).
    pub token: Option<&'a [u8]>,
}

impl fmt::Debug for AuthResponse<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let AuthResponse { token } = self;
        f.debug_struct("AuthResponse")
            .field(
                "token",
                &token.map(|t| format!("<{} bytes redacted>", t.len())),
            )
            .finish()
    }
}

impl AuthResponse<'_> {
    pub(crate) fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        put_bytes(dst, self.token)
    }
}

/// A server event kind to subscribe to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Nodes added, removed or moved.
    TopologyChange,
    /// Nodes up or down.
    StatusChange,
    /// Schema changes.
    SchemaChange,
}

impl EventType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TopologyChange => "TOPOLOGY_CHANGE",
            EventType::StatusChange => "STATUS_CHANGE",
            EventType::SchemaChange => "SCHEMA_CHANGE",
        }
    }

    /// Parses a wire name.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "TOPOLOGY_CHANGE" => Ok(EventType::TopologyChange),
            "STATUS_CHANGE" => Ok(EventType::StatusChange),
            "SCHEMA_CHANGE" => Ok(EventType::SchemaChange),
            other => Err(ProtocolError::InvalidValue {
                what: "event type",
                reason: other.to_owned(),
            }),
        }
    }
}

/// REGISTER: subscribe this connection to events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// The event kinds.
    pub events: Vec<EventType>,
}

impl Register {
    pub(crate) fn encode(&self, dst: &mut BytesMut) -> Result<()> {
        let names: Vec<&str> = self.events.iter().map(|e| e.as_str()).collect();
        put_string_list(dst, &names)
    }
}
