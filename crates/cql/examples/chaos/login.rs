//! A fresh client's login to one node: a raw protocol v4 handshake (STARTUP, then a PLAIN
//! AUTH_RESPONSE) on a connection of its own. It tells when a node that came back can log
//! anyone in, apart from when the application's pools got there: the time between its port
//! opening and its first login is the server's, the time after it is the driver's.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use cql_protocol::frame::decode_envelope;
use cql_protocol::message::{
    AuthResponse, ErrorDecodeOptions, Request, Response, Startup, decode_response, encode_request,
};
use cql_protocol::{Flags, ProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest response body read (a handshake's are tiny).
const MAX_BODY: usize = 1 << 20;

/// Reads one response off `tcp`.
async fn response(tcp: &mut TcpStream, buf: &mut BytesMut) -> Result<Response, String> {
    loop {
        if let Some(env) = decode_envelope(buf, MAX_BODY).map_err(|e| e.to_string())? {
            let frame = decode_response(&env, None, MAX_BODY, ErrorDecodeOptions::default())
                .map_err(|e| e.to_string())?;
            return Ok(frame.response);
        }
        if tcp.read_buf(buf).await.map_err(|e| e.to_string())? == 0 {
            return Err("connection closed by the node".to_owned());
        }
    }
}

/// `request` on stream `stream`, encoded (before any await: a request is not `Send`).
fn encoded(stream: i16, request: &Request<'_>) -> Result<BytesMut, String> {
    let mut out = BytesMut::new();
    encode_request(
        &mut out,
        ProtocolVersion::V4,
        Flags::empty(),
        stream,
        request,
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}

/// One login of `user` to `addr` on a new connection; the server's error when refused.
pub(crate) async fn login(addr: SocketAddr, user: &str, password: &str) -> Result<(), String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut buf = BytesMut::new();
    let startup = encoded(0, &Request::Startup(&Startup::new(None)))?;
    tcp.write_all(&startup).await.map_err(|e| e.to_string())?;
    match response(&mut tcp, &mut buf).await? {
        Response::Ready => return Ok(()),
        Response::Authenticate(_) => {}
        Response::Error(e) => return Err(e.to_string()),
        other => return Err(format!("unexpected answer to STARTUP: {other:?}")),
    }
    let token = format!("\0{user}\0{password}");
    let auth = AuthResponse {
        token: Some(token.as_bytes()),
    };
    let auth = encoded(1, &Request::AuthResponse(auth))?;
    tcp.write_all(&auth).await.map_err(|e| e.to_string())?;
    match response(&mut tcp, &mut buf).await? {
        Response::AuthSuccess(_) => Ok(()),
        Response::Error(e) => Err(e.to_string()),
        other => Err(format!("unexpected answer to AUTH_RESPONSE: {other:?}")),
    }
}

/// Logs in to `addr` again and again (one at a time, each given `each`, 200 ms apart) until
/// one succeeds; returns when it did, or `None` after `limit`.
pub(crate) async fn first_login(
    addr: SocketAddr,
    user: &str,
    password: &str,
    each: Duration,
    limit: Duration,
) -> Option<Instant> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if let Ok(Ok(())) = tokio::time::timeout(each, login(addr, user, password)).await {
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}
