//! Plumbing shared by the fake nodes of the tests (protocol v4 only): accepting connections,
//! reading one request at a time, encoding answers, the start-up exchange, and a policy that
//! tries the nodes in a given order.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use cql::metadata::{ClusterMetadata, Host};
use cql::policies::{HostDistance, LoadBalancingPolicy, RequestInfo};
use cql::protocol::frame::{Envelope, decode_envelope};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{ErrorResponse, Response, ResponseFrame, encode_response};
use cql::{ProtocolVersion, ServerErrorKind};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

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

/// Where a connection's answers go: a task of the connection writes them in the order they
/// are sent (an answer may be sent late, from a task of its own).
pub(crate) type Answers = mpsc::UnboundedSender<BytesMut>;

/// The connection's read half, and the sender of its answers.
pub(crate) fn split(sock: TcpStream) -> (OwnedReadHalf, Answers) {
    let (rd, mut wr) = sock.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<BytesMut>();
    tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            if wr.write_all(&out).await.is_err() {
                return;
            }
        }
    });
    (rd, tx)
}

/// Reads the connection's requests until it closes: start-up requests are answered here, a
/// frame of another version gets the protocol error a v4-only server gives, and every other
/// request goes to `on` with its stream. A request that does not decode closes the connection.
pub(crate) async fn requests_v4(
    mut rd: OwnedReadHalf,
    tx: &Answers,
    mut on: impl FnMut(i16, DecodedRequest),
) {
    let mut buf = BytesMut::new();
    let v4 = ProtocolVersion::V4;
    while let Some(env) = next_envelope(&mut rd, &mut buf).await {
        let stream = env.stream();
        if env.header.version != v4 {
            let err = ErrorResponse {
                code: 0x000A,
                message: "Invalid or unsupported protocol version; supported versions are (4/v4)"
                    .into(),
                kind: ServerErrorKind::ProtocolError,
            };
            let _ = tx.send(frame(stream, Response::Error(err), env.header.version));
            continue;
        }
        let Ok(req) = DecodedRequest::decode(env.opcode(), &env.body, v4) else {
            return;
        };
        match startup_answer(&req) {
            Some(answer) => {
                let _ = tx.send(frame(stream, answer, v4));
            }
            None => on(stream, req),
        }
    }
}

/// Tries the nodes in the given order (a user-written policy, through the public trait).
#[derive(Debug)]
pub(crate) struct InOrder(pub(crate) Vec<SocketAddr>);

impl LoadBalancingPolicy for InOrder {
    fn distance(&self, _: &Host, _: &ClusterMetadata) -> HostDistance {
        HostDistance::Local
    }
    fn query_plan(&self, _: &RequestInfo<'_>, cluster: &ClusterMetadata) -> Vec<Arc<Host>> {
        self.0
            .iter()
            .filter_map(|a| cluster.host(*a).cloned())
            .collect()
    }
}
