//! `/_open/auth/renew`, overload control headers and the test hooks of issue 17, over raw
//! HTTP.

use reqwest::Method;
use serde_json::{Value, json};

use arango_testserver::{Config, TestServer};

async fn start() -> TestServer {
    TestServer::start(Config::default().with_root_password("pw"))
        .await
        .expect("stand-in starts")
}

async fn send(
    s: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut rb = reqwest::Client::new().request(method, format!("{}{path}", s.url()));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body");
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, v)
}

const ROOT: &str = "Basic cm9vdDpwdw==";

#[tokio::test]
async fn renew_needs_a_valid_user_jwt_and_gives_a_new_one() {
    let s = start().await;
    let (st, _, v) = send(
        &s,
        Method::POST,
        "/_open/auth",
        &[],
        Some(json!({"username": "root", "password": "pw"})),
    )
    .await;
    assert_eq!(st, 200);
    let jwt = v["jwt"].as_str().expect("jwt").to_owned();
    let auth = format!("bearer {jwt}");
    let (st, _, v) = send(
        &s,
        Method::POST,
        "/_open/auth/renew",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(st, 200);
    let renewed = dbauth::http::JwtToken::new(v["jwt"].as_str().expect("jwt")).expect("parse");
    assert_eq!(renewed.claims()["preferred_username"], "root");
    // Basic credentials, no credentials, a wrong token: 401.
    for h in [
        vec![("authorization", ROOT)],
        vec![],
        vec![("authorization", "bearer x.y.z")],
    ] {
        let (st, _, v) = send(&s, Method::POST, "/_open/auth/renew", &h, None).await;
        assert_eq!((st, v["errorNum"].clone()), (401, json!(11)), "{h:?}");
    }
    // Refused by the hook (over HTTP too): 404, as a server without the endpoint.
    let (st, _, _) = send(
        &s,
        Method::PUT,
        "/_admin/testserver/renew-refused",
        &[("authorization", ROOT)],
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _, _) = send(
        &s,
        Method::POST,
        "/_open/auth/renew",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(st, 404);
    assert_eq!(s.renew_requests(), 5);
}

#[tokio::test]
async fn queue_time_is_reported_and_a_lower_maximum_is_refused() {
    let s = start().await;
    let (st, h, _) = send(
        &s,
        Method::GET,
        "/_api/version",
        &[("authorization", ROOT)],
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        h.get("x-arango-queue-time-seconds")
            .and_then(|v| v.to_str().ok()),
        Some("0.000000")
    );
    let (st, _, _) = send(
        &s,
        Method::PUT,
        "/_admin/testserver/queue-time",
        &[("authorization", ROOT)],
        Some(json!({"seconds": 1.5})),
    )
    .await;
    assert_eq!(st, 200);
    s.clear_log();
    let (st, _, v) = send(
        &s,
        Method::POST,
        "/_api/collection",
        &[
            ("authorization", ROOT),
            ("x-arango-max-queue-time-seconds", "1"),
        ],
        Some(json!({"name": "never"})),
    )
    .await;
    assert_eq!((st, v["errorNum"].clone()), (412, json!(21004)));
    let (st, _, v) = send(
        &s,
        Method::GET,
        "/_api/collection",
        &[("authorization", ROOT)],
        None,
    )
    .await;
    assert_eq!(st, 200);
    assert!(
        v["result"]
            .as_array()
            .expect("list")
            .iter()
            .all(|c| c["name"] != "never"),
        "the refused request did not run"
    );
}

#[tokio::test]
async fn a_2_gib_request_body_is_refused_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start().await;
    let mut sock = tokio::net::TcpStream::connect(s.addr())
        .await
        .expect("connect");
    let head = format!(
        "POST /_api/document/x HTTP/1.1\r\nHost: x\r\nAuthorization: {ROOT}\r\n\
         Content-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n[1,"
    );
    sock.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(30), sock.read(&mut buf))
        .await
        .expect("answered without the body")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}
