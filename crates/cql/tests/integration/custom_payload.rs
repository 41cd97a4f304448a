//! Custom payloads: sent with a statement, read by a node with a custom query handler, and
//! returned on the result. Cassandra itself ignores them without such a handler, so a fake
//! node plays one: it answers each QUERY with the payload it received plus a key of its own.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use cql::protocol::frame::Flags;
use cql::protocol::message::request::DecodedRequest;
use cql::protocol::message::{Response, ResponseFrame, ResultMessage, encode_response};
use cql::protocol::wire::Reader;
use cql::{Cluster, Error, ProtocolVersion, SimpleStatement};
use tokio::io::AsyncWriteExt;

use crate::fake_node::{listen, next_envelope, startup_answer};

/// A node that echoes custom payloads; counts the test's QUERY requests (text `TEST...`).
async fn echo_node() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let queries = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&queries);
    let addr = listen(move |mut sock| {
        let seen = Arc::clone(&seen);
        async move {
            let mut buf = BytesMut::new();
            while let Some(env) = next_envelope(&mut sock, &mut buf).await {
                let v = env.header.version;
                let mut body = env.body.clone();
                let mut payload = None;
                if env.header.flags.contains(Flags::CUSTOM_PAYLOAD) {
                    let mut r = Reader::new(&body);
                    payload = Some(r.bytes_map(&env.body, "payload").expect("payload"));
                    let used = body.len() - r.remaining().len();
                    body = body.slice(used..);
                }
                let response = match DecodedRequest::decode(env.opcode(), &body, v) {
                    Ok(req) => match startup_answer(&req) {
                        Some(r) => r,
                        None => {
                            // The test's statements, not the driver's metadata reads.
                            if matches!(&req, DecodedRequest::Query { query, .. } if query.starts_with("TEST")) {
                                seen.fetch_add(1, Ordering::SeqCst);
                            }
                            Response::Result(ResultMessage::Void)
                        }
                    },
                    // v5 refused like a v4-only server.
                    Err(_) => return,
                };
                let echoed = payload.map(|mut p| {
                    p.insert("handled-by".into(), Some(Bytes::from_static(b"fake")));
                    p
                });
                let mut out = BytesMut::new();
                let frame = ResponseFrame {
                    stream: env.stream(),
                    tracing_id: None,
                    warnings: Vec::new(),
                    custom_payload: echoed,
                    response,
                };
                encode_response(&mut out, v, &frame, None).expect("encode");
                if sock.write_all(&out).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (addr, queries)
}

#[tokio::test]
async fn custom_payloads_go_with_the_statement_and_come_back_on_the_result() {
    let (addr, queries) = echo_node().await;
    let s = Cluster::builder()
        .contact_points([addr.to_string()])
        .protocol_version(ProtocolVersion::V4)
        .max_request_size(64 * 1024)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    let stmt = SimpleStatement::new("TEST with payload")
        .with_custom_payload([("tenant", &b"acme"[..]), ("trace-id", &b"\x00\x01\x02"[..])]);
    let r = s.execute(&stmt, ()).await.expect("execute");
    let got = r.custom_payload().expect("a payload came back");
    let want: HashMap<String, Option<Bytes>> = [
        ("tenant", Some(Bytes::from_static(b"acme"))),
        ("trace-id", Some(Bytes::from_static(b"\x00\x01\x02"))),
        ("handled-by", Some(Bytes::from_static(b"fake"))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(got, &want);

    // Without one, none is sent and none comes back.
    let plain = s.execute("TEST without", ()).await.expect("execute");
    assert!(plain.custom_payload().is_none());
    assert_eq!(queries.load(Ordering::SeqCst), 2);

    // A payload over the request limit is refused before anything is sent.
    let huge = SimpleStatement::new("TEST huge")
        .with_custom_payload([("blob", Bytes::from(vec![7u8; 100 * 1024]))]);
    let err = s.execute(&huge, ()).await.expect_err("too large");
    assert!(
        matches!(err, Error::RequestTooLarge { limit: 65536, .. }),
        "{err:?}"
    );
    assert_eq!(queries.load(Ordering::SeqCst), 2, "nothing was sent");

    // The session goes on.
    s.execute(&stmt, ())
        .await
        .expect("execute after the refusal");
    assert_eq!(queries.load(Ordering::SeqCst), 3);
}
