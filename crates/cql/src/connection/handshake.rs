//! Connection start-up: OPTIONS → SUPPORTED, STARTUP → READY or AUTHENTICATE, then the SASL
//! exchange through `dbauth` (AUTH_RESPONSE ↔ AUTH_CHALLENGE … → AUTH_SUCCESS).
//!
//! Runs sequentially on the raw stream before the reader and writer tasks exist. On protocol
//! v5 the segment framing starts right after the server's answer to STARTUP, so AUTH_RESPONSE
//! already travels in segments.

use std::net::SocketAddr;

use bytes::BytesMut;
use cql_protocol::ProtocolVersion;
use cql_protocol::frame::{Compression, Flags};
use cql_protocol::message::{
    AuthResponse, ErrorDecodeOptions, ErrorKind, Request, Response, Startup, decode_response,
    encode_request,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::io::{Decoder, Encoder, Framing};
use crate::config::Config;
use crate::error::Error;
use crate::scylla::{Extensions, ShardInfo, ShardingError};

pub(super) struct Handshake {
    pub(super) version: ProtocolVersion,
    pub(super) framing: Framing,
    pub(super) decoder: Decoder,
    /// Bytes read past the handshake's last response.
    pub(super) leftover: BytesMut,
    /// What a ScyllaDB node said about its shards (Cassandra: `Ok(None)`).
    pub(super) sharding: Result<Option<ShardInfo>, ShardingError>,
    /// The ScyllaDB extensions negotiated.
    pub(super) extensions: Extensions,
}

struct Io<'a, S> {
    stream: &'a mut S,
    addr: SocketAddr,
    version: ProtocolVersion,
    encoder: Encoder,
    decoder: Decoder,
    buf: BytesMut,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Io<'_, S> {
    /// Encodes and writes one request (encoding first, so no borrowed request is held across
    /// the write).
    async fn send(&mut self, request: Result<BytesMut, Error>) -> Result<(), Error> {
        let out = request?;
        self.stream
            .write_all(&out)
            .await
            .map_err(|e| Error::Connect {
                addr: self.addr,
                source: e,
            })
    }

    fn encode(&mut self, request: &Request<'_>) -> Result<BytesMut, Error> {
        let mut env = BytesMut::new();
        encode_request(&mut env, self.version, Flags::empty(), 0, request)
            .map_err(Error::encode)?;
        let mut out = BytesMut::new();
        self.encoder
            .push(&env, &mut out)
            .and_then(|()| self.encoder.finish(&mut out))
            .map_err(|e| self.protocol(e))?;
        Ok(out)
    }

    async fn recv(&mut self) -> Result<Response, Error> {
        loop {
            if let Some(env) = self
                .decoder
                .next(&mut self.buf)
                .map_err(|e| self.protocol(e))?
            {
                let frame = decode_response(&env, None, usize::MAX, ErrorDecodeOptions::default())
                    .map_err(|e| self.protocol(e))?;
                return Ok(frame.response);
            }
            let n = self
                .stream
                .read_buf(&mut self.buf)
                .await
                .map_err(|e| Error::Connect {
                    addr: self.addr,
                    source: e,
                })?;
            if n == 0 {
                return Err(Error::ConnectionClosed {
                    addr: self.addr,
                    reason: "the server closed the connection during start-up".into(),
                    in_flight: false,
                });
            }
        }
    }

    fn protocol(&self, e: cql_protocol::ProtocolError) -> Error {
        Error::Protocol {
            addr: self.addr,
            source: e,
        }
    }
}

fn unexpected(addr: SocketAddr, during: &'static str, resp: Response) -> Error {
    match resp {
        Response::Error(err) => Error::Server {
            addr,
            error: Box::new(err),
            tracing_id: None,
        },
        other => Error::UnexpectedResponse {
            addr,
            during,
            got: crate::result::response_name(&other),
        },
    }
}

pub(super) async fn negotiate<S>(
    stream: &mut S,
    addr: SocketAddr,
    config: &Config,
    version: ProtocolVersion,
) -> Result<Handshake, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut io = Io {
        stream,
        addr,
        version,
        encoder: Encoder::new(Framing::Envelopes(None)),
        decoder: Decoder::new(Framing::Envelopes(None), config.max_frame_body),
        buf: BytesMut::with_capacity(4096),
    };

    let req = io.encode(&Request::Options);
    io.send(req).await?;
    let supported = match io.recv().await? {
        Response::Supported(s) => s,
        other => return Err(unexpected(addr, "OPTIONS", other)),
    };
    let sharding = ShardInfo::from_supported(&supported);
    let extensions = Extensions::from_supported(&supported);
    let offered = |key: &str, value: &str| {
        supported
            .get(key)
            .is_some_and(|vals| vals.iter().any(|v| v.eq_ignore_ascii_case(value)))
    };
    let compression = match config.compression {
        Some(Compression::Lz4) if offered("COMPRESSION", "lz4") => Some(Compression::Lz4),
        Some(Compression::Snappy)
            if version == ProtocolVersion::V4 && offered("COMPRESSION", "snappy") =>
        {
            Some(Compression::Snappy)
        }
        Some(c) => {
            tracing::info!(%addr, compression = c.as_str(), "compression not available; continuing without");
            None
        }
        None => None,
    };

    let mut startup = Startup::new(compression)
        .with_option("DRIVER_NAME", "rust-cql")
        .with_option("DRIVER_VERSION", env!("CARGO_PKG_VERSION"));
    if let Some(app) = &config.application_name {
        startup = startup.with_option("APPLICATION_NAME", app);
    }
    for (key, value) in extensions.startup_options() {
        startup = startup.with_option(key, &value);
    }
    let req = io.encode(&Request::Startup(&startup));
    io.send(req).await?;
    // v4: the server may already compress its answer to STARTUP (the envelope flag says so).
    if version == ProtocolVersion::V4 {
        io.decoder.set_framing(Framing::Envelopes(compression));
    }
    let answer = io.recv().await?;

    // From the answer to STARTUP on, frames are compressed (v4) or segmented (v5).
    let framing = match version {
        ProtocolVersion::V4 => Framing::Envelopes(compression),
        _ => Framing::Segments(compression.filter(|c| *c == Compression::Lz4)),
    };
    io.encoder = Encoder::new(framing);
    io.decoder.set_framing(framing);

    match answer {
        Response::Ready => {}
        Response::Authenticate(class) => authenticate(&mut io, config, &class).await?,
        other => return Err(unexpected(addr, "STARTUP", other)),
    }
    Ok(Handshake {
        version,
        framing,
        decoder: io.decoder,
        leftover: io.buf,
        sharding,
        extensions,
    })
}

async fn authenticate<S>(io: &mut Io<'_, S>, config: &Config, class: &str) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let addr = io.addr;
    let Some(provider) = &config.auth_provider else {
        return Err(Error::AuthenticationRequired {
            addr,
            authenticator: class.to_owned(),
        });
    };
    let host = dbauth::HostInfo::new(addr);
    let mut auth = provider
        .new_authenticator(&host, class)
        .await
        .map_err(|source| Error::AuthProvider { addr, source })?;
    let mut token = auth
        .initial_response()
        .await
        .map_err(|source| Error::AuthProvider { addr, source })?;
    // Guard against a server that never stops challenging.
    for _ in 0..64 {
        let req = io.encode(&Request::AuthResponse(AuthResponse {
            token: token.as_deref(),
        }));
        io.send(req).await?;
        match io.recv().await? {
            Response::AuthChallenge(challenge) => {
                token = auth
                    .evaluate_challenge(challenge.as_deref())
                    .await
                    .map_err(|source| Error::AuthProvider { addr, source })?;
            }
            Response::AuthSuccess(final_token) => {
                return auth
                    .on_authentication_success(final_token.as_deref())
                    .await
                    .map_err(|source| Error::AuthProvider { addr, source });
            }
            Response::Error(err) if matches!(err.kind, ErrorKind::BadCredentials) => {
                return Err(Error::AuthenticationFailed {
                    addr,
                    message: err.message,
                });
            }
            other => return Err(unexpected(addr, "AUTH_RESPONSE", other)),
        }
    }
    Err(Error::AuthenticationFailed {
        addr,
        message: "the server sent more than 64 challenges".into(),
    })
}
