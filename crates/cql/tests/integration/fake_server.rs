//! What no real server does on demand: a multi-step SASL exchange, malformed frames, and a
//! server that stops answering. A small in-process server speaks protocol v4 envelopes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cql::protocol::frame::{Opcode, decode_envelope};
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{Response, ResponseFrame, ResultMessage, encode_response};
use cql::{Cluster, Error, ProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use dbauth::{AuthProvider, Authenticator, HostInfo};

/// How the fake server behaves after the client's first bytes.
#[derive(Clone, Copy)]
enum Script {
    /// AUTHENTICATE, then two challenges, then success with a final token; then answers
    /// queries with VOID.
    MultiStepSasl,
    /// Answers OPTIONS with bytes that are not a frame.
    Garbage,
    /// Answers OPTIONS with a header announcing a 2 GiB body.
    HugeLength,
    /// Reads and never answers.
    Silent,
    /// Completes the handshake without auth, then answers nothing (not even heartbeats).
    SilentAfterReady,
}

/// Tokens the server received in AUTH_RESPONSE, in order.
type Seen = Arc<Mutex<Vec<Option<Vec<u8>>>>>;

async fn serve(script: Script) -> (std::net::SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen: Seen = Arc::default();
    let seen2 = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(handle(sock, script, Arc::clone(&seen2)));
        }
    });
    (addr, seen)
}

async fn reply(sock: &mut TcpStream, stream: i16, response: Response) {
    let mut out = BytesMut::new();
    let frame = ResponseFrame {
        stream,
        tracing_id: None,
        warnings: Vec::new(),
        custom_payload: None,
        response,
    };
    encode_response(&mut out, ProtocolVersion::V4, &frame, None).expect("encode");
    sock.write_all(&out).await.expect("write");
}

async fn handle(mut sock: TcpStream, script: Script, seen: Seen) {
    let mut buf = BytesMut::new();
    let mut challenges = 0;
    let mut ready = false;
    loop {
        let env = loop {
            if let Some(env) = decode_envelope(&mut buf, 1 << 20).expect("client frame") {
                break env;
            }
            if sock.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                return;
            }
        };
        let stream = env.stream();
        // v5 first: refuse it like a v4-only server, so the driver falls back.
        if env.header.version != ProtocolVersion::V4 {
            let err = cql::protocol::message::ErrorResponse {
                code: 0x000A,
                message:
                    "Invalid or unsupported protocol version (5); supported versions are (4/v4)"
                        .into(),
                kind: cql::ServerErrorKind::ProtocolError,
            };
            let mut out = BytesMut::new();
            let frame = ResponseFrame {
                stream,
                tracing_id: None,
                warnings: vec![],
                custom_payload: None,
                response: Response::Error(err),
            };
            encode_response(&mut out, env.header.version, &frame, None).expect("encode");
            let _ = sock.write_all(&out).await;
            return;
        }
        let req =
            DecodedRequest::decode(env.opcode(), &env.body, ProtocolVersion::V4).expect("request");
        match (script, req) {
            (Script::Silent, _) => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            (Script::SilentAfterReady, _) if ready => {}
            (Script::SilentAfterReady, DecodedRequest::Startup(_)) => {
                ready = true;
                reply(&mut sock, stream, Response::Ready).await;
            }
            (Script::Garbage, DecodedRequest::Options) => {
                let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
            (Script::HugeLength, DecodedRequest::Options) => {
                let header = [
                    0x84u8,
                    0,
                    (stream >> 8) as u8,
                    stream as u8,
                    Opcode::Supported as u8,
                    0x7f,
                    0xff,
                    0xff,
                    0xff,
                ];
                let _ = sock.write_all(&header).await;
            }
            (_, DecodedRequest::Options) => {
                reply(&mut sock, stream, Response::Supported(Default::default())).await;
            }
            (_, DecodedRequest::Startup(_)) => {
                reply(
                    &mut sock,
                    stream,
                    Response::Authenticate("com.example.MultiStepAuthenticator".into()),
                )
                .await;
            }
            (_, DecodedRequest::AuthResponse(token)) => {
                seen.lock().expect("lock").push(token.map(|t| t.to_vec()));
                challenges += 1;
                let response = if challenges <= 2 {
                    Response::AuthChallenge(Some(Bytes::from(format!("challenge-{challenges}"))))
                } else {
                    Response::AuthSuccess(Some(Bytes::from_static(b"server-final")))
                };
                reply(&mut sock, stream, response).await;
            }
            (_, _) => {
                reply(&mut sock, stream, Response::Result(ResultMessage::Void)).await;
            }
        }
    }
}

/// An authenticator that answers each challenge with a token derived from it, and records the
/// server's final token.
struct Steps {
    final_token: Arc<Mutex<Option<Vec<u8>>>>,
}

#[async_trait::async_trait]
impl Authenticator for Steps {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, dbauth::Error> {
        Ok(Some(b"hello".to_vec()))
    }
    async fn evaluate_challenge(
        &mut self,
        challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, dbauth::Error> {
        let c = challenge.unwrap_or_default();
        Ok(Some([b"answer-to-".as_slice(), c].concat()))
    }
    async fn on_authentication_success(
        &mut self,
        token: Option<&[u8]>,
    ) -> Result<(), dbauth::Error> {
        *self.final_token.lock().expect("lock") = token.map(<[u8]>::to_vec);
        Ok(())
    }
}

struct StepsProvider {
    final_token: Arc<Mutex<Option<Vec<u8>>>>,
    classes: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl AuthProvider for StepsProvider {
    async fn new_authenticator(
        &self,
        _host: &HostInfo,
        class: &str,
    ) -> Result<Box<dyn Authenticator>, dbauth::Error> {
        self.classes.lock().expect("lock").push(class.to_owned());
        Ok(Box::new(Steps {
            final_token: Arc::clone(&self.final_token),
        }))
    }
}

#[tokio::test]
async fn multi_step_sasl_exchange_reaches_success_and_passes_the_final_token() {
    let (addr, seen) = serve(Script::MultiStepSasl).await;
    let final_token = Arc::new(Mutex::new(None));
    let classes = Arc::new(Mutex::new(Vec::new()));
    let session = Cluster::builder()
        .contact_points([addr.to_string()])
        .auth_provider(StepsProvider {
            final_token: Arc::clone(&final_token),
            classes: Arc::clone(&classes),
        })
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect through three SASL steps");
    assert_eq!(
        session.protocol_version(),
        ProtocolVersion::V4,
        "fell back from v5"
    );
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![
            Some(b"hello".to_vec()),
            Some(b"answer-to-challenge-1".to_vec()),
            Some(b"answer-to-challenge-2".to_vec()),
        ]
    );
    assert_eq!(
        final_token.lock().expect("lock").as_deref(),
        Some(&b"server-final"[..])
    );
    assert_eq!(
        classes.lock().expect("lock")[0],
        "com.example.MultiStepAuthenticator"
    );
    session
        .execute("SELECT 1", ())
        .await
        .expect("query after auth");
}

/// The error of connecting to `addr` with `connect_timeout`.
async fn connect_err(addr: std::net::SocketAddr, connect_timeout: Duration) -> Error {
    let err = Cluster::builder()
        .contact_points([addr.to_string()])
        .protocol_version(ProtocolVersion::V4)
        .connect_timeout(connect_timeout)
        .build()
        .expect("config")
        .connect()
        .await
        .expect_err("must fail");
    match err {
        Error::NoHostAvailable(mut errors) => errors.remove(0).1,
        other => other,
    }
}

/// For the servers that answer at once with something wrong: the error must be theirs, not a
/// connect timeout on a loaded machine.
const ANSWERS_AT_ONCE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn garbage_instead_of_a_frame_is_a_protocol_error() {
    let (addr, _) = serve(Script::Garbage).await;
    let err = connect_err(addr, ANSWERS_AT_ONCE).await;
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn an_oversize_length_prefix_is_rejected_without_waiting_for_the_body() {
    let (addr, _) = serve(Script::HugeLength).await;
    let err = connect_err(addr, ANSWERS_AT_ONCE).await;
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    assert!(err.to_string().contains("exceeds the maximum"), "{err}");
}

#[tokio::test]
async fn a_silent_server_hits_the_connect_timeout() {
    let (addr, _) = serve(Script::Silent).await;
    let started = std::time::Instant::now();
    // The timeout is what is tested here: short, and well under the bound below (the server
    // would stay silent for an hour).
    let err = connect_err(addr, Duration::from_millis(500)).await;
    assert!(matches!(err, Error::ConnectTimeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn heartbeat_closes_a_connection_whose_peer_stopped_answering() {
    let (addr, _) = serve(Script::SilentAfterReady).await;
    let session = Cluster::builder()
        .contact_points([addr.to_string()])
        .protocol_version(ProtocolVersion::V4)
        .heartbeat_interval(Some(Duration::from_millis(200)))
        .reconnection_backoff(Duration::from_secs(60), Duration::from_secs(60))
        .build()
        .expect("config")
        .connect()
        .await
        .expect("handshake completes");
    assert_eq!(session.metrics().open_connections, 1);
    // Idle for one interval: OPTIONS goes out, no answer within the interval: closed. Polled
    // (a loaded machine runs the heartbeat late); the deadline stays under the 60 s back-off,
    // so no new connection can open meanwhile.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while session.metrics().open_connections != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the dead connection is still open"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
