//! Plumbing shared by the fake nodes of the tests (protocol v4 only): accepting connections,
//! reading one request at a time, encoding answers, and the start-up exchange.

use std::future::Future;
use std::net::SocketAddr;

use bytes::BytesMut;
use cql::ProtocolVersion;
use cql::protocol::frame::{Envelope, decode_envelope};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{Response, ResponseFrame, encode_response};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream};

/// Listens on a free loopback port and runs `serve` for every connection.
pub(crate) async fn listen<F, Fut>(serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock));
        }
    });
    addr
}

/// The next request envelope; `None` when the client closed or sent something that is not
/// a frame.
pub(crate) async fn next_envelope(
    rd: &mut (impl AsyncRead + Unpin),
    buf: &mut BytesMut,
) -> Option<Envelope> {
    loop {
        match decode_envelope(buf, 1 << 20) {
            Ok(Some(env)) => return Some(env),
            Ok(None) => {}
            Err(_) => return None,
        }
        if rd.read_buf(buf).await.unwrap_or(0) == 0 {
            return None;
        }
    }
}

/// The answer to a start-up request (OPTIONS, STARTUP, REGISTER), if `req` is one.
pub(crate) fn startup_answer(req: &DecodedRequest) -> Option<Response> {
    match req {
        DecodedRequest::Options => Some(Response::Supported(Default::default())),
        DecodedRequest::Startup(_) | DecodedRequest::Register(_) => Some(Response::Ready),
        _ => None,
    }
}

/// `response` as a frame on `stream`.
pub(crate) fn frame(stream: i16, response: Response, version: ProtocolVersion) -> BytesMut {
    let mut out = BytesMut::new();
    let f = ResponseFrame {
        stream,
        tracing_id: None,
        warnings: Vec::new(),
        custom_payload: None,
        response,
    };
    encode_response(&mut out, version, &f, None).expect("encode");
    out
}
