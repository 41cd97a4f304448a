//! ArangoDB's documented HTTP behaviour, checked with raw requests: the error envelope,
//! `Server: ArangoDB`, 401 with errorNum 11 and `Www-Authenticate`, `/_open/auth`, JWT
//! validation rules, OPTIONS, and the test hooks.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use arango_testserver::{Config, LoggedAuth, TestServer};

const SECRET: &str = "s3cret";

async fn start() -> TestServer {
    TestServer::start(
        Config::default()
            .with_root_password("pw")
            .with_jwt_secret(SECRET),
    )
    .await
    .expect("starts")
}

/// An HS256 token with this header and these claims, signed with `secret`.
fn token(header: &Value, claims: &Value, secret: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn hs256() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn send(
    s: &TestServer,
    method: Method,
    path: &str,
    auth: Option<String>,
    body: Option<&str>,
) -> Answer {
    let mut rb = reqwest::Client::new().request(method, format!("{}{path}", s.url()));
    if let Some(a) = auth {
        rb = rb.header("authorization", a);
    }
    if let Some(b) = body {
        rb = rb.body(b.to_owned());
    }
    let r = rb.send().await.expect("send");
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn bearer(t: &str) -> Option<String> {
    Some(format!("bearer {t}"))
}

fn basic(user: &str, pw: &str) -> Option<String> {
    Some(format!("Basic {}", STANDARD.encode(format!("{user}:{pw}"))))
}

fn assert_unauthorized(a: &Answer, what: &str) {
    assert_eq!(a.status, 401, "{what}");
    assert_eq!(
        a.body,
        json!({"error": true, "errorNum": 11, "errorMessage": "not authorized to execute this request", "code": 401}),
        "{what}"
    );
    let challenges: Vec<&str> = a
        .headers
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        challenges.iter().any(|c| c.starts_with("Basic"))
            && challenges.iter().any(|c| c.starts_with("Bearer")),
        "{what}: {challenges:?}"
    );
}

#[tokio::test]
async fn missing_bad_and_expired_credentials_are_401_errornum_11() {
    let s = start().await;
    let path = "/_db/_system/_api/collection";
    let ok = send(&s, Method::GET, path, basic("root", "pw"), None).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers["server"], "ArangoDB");
    let user = |exp: i64| json!({"preferred_username": "root", "iss": "arangodb", "iat": now(), "exp": exp});
    let cases = [
        ("no header", None),
        ("wrong password", basic("root", "nope")),
        ("unknown user", basic("who", "pw")),
        ("unknown scheme", Some("Digest abc".to_owned())),
        ("garbage bearer", bearer("a.b.c")),
        (
            "wrong secret",
            bearer(&token(&hs256(), &user(now() + 60), "other")),
        ),
        (
            "expired (now >= exp)",
            bearer(&token(&hs256(), &user(now()), SECRET)),
        ),
        (
            "alg none",
            bearer(&token(
                &json!({"alg": "none", "typ": "JWT"}),
                &user(now() + 60),
                SECRET,
            )),
        ),
        (
            "typ not JWT",
            bearer(&token(
                &json!({"alg": "HS256", "typ": "XYZ"}),
                &user(now() + 60),
                SECRET,
            )),
        ),
        (
            "iss not arangodb",
            bearer(&token(
                &hs256(),
                &json!({"preferred_username": "root", "iss": "x", "exp": now() + 60}),
                SECRET,
            )),
        ),
        (
            "neither user nor server_id",
            bearer(&token(
                &hs256(),
                &json!({"iss": "arangodb", "exp": now() + 60}),
                SECRET,
            )),
        ),
        (
            "unknown preferred_username",
            bearer(&token(
                &hs256(),
                &json!({"preferred_username": "ghost", "iss": "arangodb", "exp": now() + 60}),
                SECRET,
            )),
        ),
    ];
    for (what, auth) in cases {
        let a = send(&s, Method::GET, path, auth, None).await;
        assert_unauthorized(&a, what);
        assert_eq!(a.headers["server"], "ArangoDB", "{what}");
    }
    // A superuser token (server_id) without exp is valid; with allowed_paths only there.
    let su = token(
        &hs256(),
        &json!({"iss": "arangodb", "server_id": "x"}),
        SECRET,
    );
    assert_eq!(
        send(&s, Method::GET, path, bearer(&su), None).await.status,
        200
    );
    let limited = token(
        &hs256(),
        &json!({"iss": "arangodb", "server_id": "x", "allowed_paths": ["/_api/version"]}),
        SECRET,
    );
    assert_eq!(
        send(&s, Method::GET, "/_api/version", bearer(&limited), None)
            .await
            .status,
        200
    );
    assert_unauthorized(
        &send(&s, Method::GET, path, bearer(&limited), None).await,
        "outside allowed_paths",
    );
    // The log keeps the scheme and user or token fingerprint, never a secret.
    let log = s.log();
    assert!(log.iter().any(|e| e.auth
        == LoggedAuth::Basic {
            username: "root".into()
        }));
    assert!(log.iter().any(|e| e.auth
        == LoggedAuth::Bearer {
            fingerprint: TestServer::fingerprint(&su)
        }));
    assert!(!format!("{log:?}").contains("pw") && !format!("{log:?}").contains(&su));
}

#[tokio::test]
async fn open_auth_issues_user_tokens_and_rejects_bad_requests() {
    let s = start().await;
    s.set_session_timeout(90);
    let a = send(
        &s,
        Method::POST,
        "/_open/auth",
        None,
        Some(r#"{"username":"root","password":"pw"}"#),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["server"], "ArangoDB");
    let jwt = a.body["jwt"].as_str().expect("jwt").to_owned();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
    assert_eq!(header, hs256());
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    assert_eq!(claims["preferred_username"], "root");
    assert_eq!(claims["iss"], "arangodb");
    let (iat, exp) = (
        claims["iat"].as_i64().expect("iat"),
        claims["exp"].as_i64().expect("exp"),
    );
    assert_eq!(exp - iat, 90, "the configured session timeout");
    assert!((iat - now()).abs() <= 2);
    // Signed with the secret: our own verification accepts it, and the token works.
    assert!(dbauth::http::JwtToken::verify_hs256(&jwt, &dbauth::Secret::new(SECRET)).is_ok());
    assert_eq!(
        send(&s, Method::GET, "/_api/version", bearer(&jwt), None)
            .await
            .status,
        200
    );

    let wrong = send(
        &s,
        Method::POST,
        "/_open/auth",
        None,
        Some(r#"{"username":"root","password":"bad"}"#),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.body,
        json!({"error": true, "errorNum": 401, "errorMessage": "Wrong credentials", "code": 401})
    );
    for body in [
        r#"{"username":1,"password":"pw"}"#,
        r#"{"username":"root","password":null}"#,
        r#"{"username":"root"}"#,
        "not json",
    ] {
        let a = send(&s, Method::POST, "/_open/auth", None, Some(body)).await;
        assert_eq!(a.status, 400, "{body}");
        assert_eq!(a.body["error"], true, "{body}");
        assert_eq!(a.body["code"], 400, "{body}");
    }
    for m in [Method::GET, Method::PUT, Method::DELETE] {
        let a = send(&s, m.clone(), "/_open/auth", None, None).await;
        assert_eq!(a.status, 405, "{m}");
        assert_eq!(a.body["errorNum"], 405, "{m}");
    }
    // OPTIONS is answered whatever the credentials, with nothing in the body.
    let a = send(
        &s,
        Method::OPTIONS,
        "/_db/_system/_api/collection",
        None,
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, Value::Null);
    assert!(a.headers.contains_key("allow"));
}

#[tokio::test]
async fn errors_use_the_envelope_and_documented_numbers() {
    let s = start().await;
    let root = || basic("root", "pw");
    let cases: [(Method, &str, Option<&str>, u16, i64); 6] = [
        (Method::GET, "/_db/nope/_api/collection", None, 404, 1228),
        (Method::GET, "/_api/collection/missing", None, 404, 1203),
        (Method::GET, "/_api/nothing", None, 404, 404),
        (
            Method::POST,
            "/_api/cursor",
            Some(r#"{"query":"FOR"}"#),
            400,
            1501,
        ),
        (
            Method::POST,
            "/_api/cursor",
            Some(r#"{"query":"FOR d IN c FILTER d.a == @x RETURN d"}"#),
            400,
            1551,
        ),
        (Method::PUT, "/_api/cursor/12345", None, 404, 1600),
    ];
    for (m, path, body, code, num) in cases {
        let a = send(&s, m.clone(), path, root(), body).await;
        assert_eq!(a.status, code, "{m} {path}");
        assert_eq!(a.body["error"], true, "{m} {path}");
        assert_eq!(a.body["errorNum"], num, "{m} {path}");
        assert_eq!(a.body["code"], code, "{m} {path}");
        assert!(a.body["errorMessage"].is_string(), "{m} {path}");
        assert_eq!(a.headers["server"], "ArangoDB");
    }
    // A user without access to a database is told it is unauthorized, and cannot write with
    // read-only access (403, errorNum 11).
    s.add_user("ro", "x");
    let a = send(&s, Method::GET, "/_api/collection", basic("ro", "x"), None).await;
    assert_unauthorized(&a, "no grant");
    s.grant("ro", "_system", "ro");
    assert_eq!(
        send(&s, Method::GET, "/_api/collection", basic("ro", "x"), None)
            .await
            .status,
        200
    );
    let a = send(
        &s,
        Method::POST,
        "/_api/collection",
        basic("ro", "x"),
        Some(r#"{"name":"c"}"#),
    )
    .await;
    assert_eq!(
        (a.status.as_u16(), a.body["errorNum"].as_i64()),
        (403, Some(11))
    );
}

#[tokio::test]
async fn test_hooks_rotate_the_secret_change_the_timeout_and_read_the_log() {
    let s = start().await;
    let root = || basic("root", "pw");
    let su = token(
        &hs256(),
        &json!({"iss": "arangodb", "server_id": "x"}),
        SECRET,
    );
    assert_eq!(
        send(&s, Method::GET, "/_api/version", bearer(&su), None)
            .await
            .status,
        200
    );
    // Not for everyone: a user without rw on _system is forbidden.
    s.add_user("u", "p");
    s.grant("u", "*", "ro");
    let a = send(
        &s,
        Method::PUT,
        "/_admin/testserver/secret",
        basic("u", "p"),
        Some(r#"{"secret":"x"}"#),
    )
    .await;
    assert_eq!(a.status, 403);
    let a = send(
        &s,
        Method::PUT,
        "/_admin/testserver/secret",
        root(),
        Some(r#"{"secret":"new"}"#),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_unauthorized(
        &send(&s, Method::GET, "/_api/version", bearer(&su), None).await,
        "old secret",
    );
    let a = send(
        &s,
        Method::PUT,
        "/_admin/testserver/session-timeout",
        root(),
        Some(r#"{"seconds":7}"#),
    )
    .await;
    assert_eq!(a.status, 200);
    let jwt = send(
        &s,
        Method::POST,
        "/_open/auth",
        None,
        Some(r#"{"username":"root","password":"pw"}"#),
    )
    .await
    .body["jwt"]
        .as_str()
        .expect("jwt")
        .to_owned();
    let t = dbauth::http::JwtToken::new(jwt).expect("parse");
    assert_eq!(t.exp().expect("exp") - t.iat().expect("iat"), 7);
    let log = send(&s, Method::GET, "/_admin/testserver/log", root(), None).await;
    let entries = log.body["result"].as_array().expect("entries");
    assert!(entries.len() >= 5);
    assert_eq!(entries[0]["auth"], "bearer");
    assert!(
        entries
            .iter()
            .any(|e| e["path"] == "/_open/auth" && e["auth"] == "none")
    );
    assert!(!log.body.to_string().contains(&su));
    assert_eq!(
        send(&s, Method::DELETE, "/_admin/testserver/log", root(), None)
            .await
            .status,
        200
    );
    assert_eq!(s.log().len(), 1, "only the DELETE itself");
}

#[tokio::test]
async fn users_transactions_tasks_and_head_as_the_reference_client_uses_them() {
    let s = start().await;
    let root = || basic("root", "pw");
    let a = send(
        &s,
        Method::POST,
        "/_api/user",
        root(),
        Some(r#"{"user":"u","passwd":"p","extra":{"foo":"bar"}}"#),
    )
    .await;
    assert_eq!(a.status, 201);
    // PATCH merges extra, PUT replaces it.
    let a = send(
        &s,
        Method::PATCH,
        "/_api/user/u",
        root(),
        Some(r#"{"extra":{"bar":"baz"}}"#),
    )
    .await;
    assert_eq!(a.body["extra"], json!({"foo": "bar", "bar": "baz"}));
    let a = send(
        &s,
        Method::PUT,
        "/_api/user/u",
        root(),
        Some(r#"{"extra":{"x":1}}"#),
    )
    .await;
    assert_eq!(a.body["extra"], json!({"x": 1}));
    // Permissions: only reachable databases, or all with full=true.
    s.grant("u", "_system", "ro");
    let a = send(&s, Method::GET, "/_api/user/u/database", root(), None).await;
    assert_eq!(a.body["result"], json!({"_system": "ro"}));
    send(
        &s,
        Method::POST,
        "/_api/database",
        root(),
        Some(r#"{"name":"other"}"#),
    )
    .await;
    let a = send(
        &s,
        Method::GET,
        "/_api/user/u/database?full=true",
        root(),
        None,
    )
    .await;
    assert_eq!(a.body["result"]["other"]["permission"], "none");
    assert_eq!(a.body["result"]["_system"]["permission"], "ro");

    // Running stream transactions are listed per database until they end.
    send(
        &s,
        Method::POST,
        "/_api/collection",
        root(),
        Some(r#"{"name":"c"}"#),
    )
    .await;
    let t = send(
        &s,
        Method::POST,
        "/_api/transaction/begin",
        root(),
        Some(r#"{"collections":{"write":["c"]}}"#),
    )
    .await;
    let id = t.body["result"]["id"].as_str().expect("id").to_owned();
    let a = send(&s, Method::GET, "/_api/transaction", root(), None).await;
    assert_eq!(
        a.body["transactions"],
        json!([{"id": id, "state": "running"}])
    );
    let a = send(&s, Method::GET, "/_db/other/_api/transaction", root(), None).await;
    assert_eq!(a.body["transactions"], json!([]));
    send(
        &s,
        Method::PUT,
        &format!("/_api/transaction/{id}"),
        root(),
        None,
    )
    .await;
    let a = send(&s, Method::GET, "/_api/transaction", root(), None).await;
    assert_eq!(a.body["transactions"], json!([]));

    // HEAD on a document: existence and revision, no body.
    let d = send(
        &s,
        Method::POST,
        "/_api/document/c",
        root(),
        Some(r#"{"_key":"k"}"#),
    )
    .await;
    let rev = d.body["_rev"].as_str().expect("rev").to_owned();
    let a = send(&s, Method::HEAD, "/_api/document/c/k", root(), None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, Value::Null);
    assert_eq!(a.headers["etag"], format!("\"{rev}\""));
    assert_eq!(
        send(&s, Method::HEAD, "/_api/document/c/none", root(), None)
            .await
            .status,
        404
    );
    // No tasks ever exist.
    let a = send(&s, Method::GET, "/_api/tasks", root(), None).await;
    assert_eq!(a.body, json!([]));
    let a = send(&s, Method::GET, "/_api/tasks/x", root(), None).await;
    assert_eq!(
        (a.status.as_u16(), a.body["errorNum"].as_i64()),
        (404, Some(1852))
    );
}
