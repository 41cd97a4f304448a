//! Bad input from the server side: malformed JSON, non-JSON error bodies, a 2 GiB
//! Content-Length, broken login answers. Typed errors, no panic, no secret in any text.

use std::time::{Duration, Instant};

use arango::{ArangoClient, Auth, DbAuth, Error, RefreshError};

use crate::fake::{self, Act};

const PW: &str = "Sup3rSecretPW";

fn clean(e: &Error) {
    for t in [e.to_string(), format!("{e:?}")] {
        assert!(!t.contains(PW), "{t}");
        assert!(!t.contains("eyJ"), "{t}");
    }
}

async fn db_on(fake: &fake::Fake, auth: DbAuth) -> arango::Database {
    ArangoClient::builder()
        .hosts([fake.url.clone()])
        .request_timeout(Duration::from_secs(10))
        .build()
        .expect("client")
        .db("_system", auth, false)
        .await
        .expect("handle")
}

#[tokio::test]
async fn malformed_json_is_a_deserialization_error() {
    let f = fake::start(|_| {
        Act::Answer(fake::response(
            "200 OK",
            "application/json",
            b"{\"result\": [1, 2",
        ))
    })
    .await;
    let e = db_on(&f, DbAuth::basic(Auth::new("root", PW)))
        .await
        .collections()
        .await
        .expect_err("truncated JSON");
    assert!(matches!(e, Error::Deserialization { .. }), "{e:?}");
    clean(&e);
}

#[tokio::test]
async fn a_non_json_error_body_is_quoted_short_and_redacted() {
    let page = format!(
        "<html><body>502 from proxy; upstream said: Authorization: Basic cm9vdDp{PW}\n\
         token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb290In0.c2ln {}</body></html>",
        "x".repeat(500)
    );
    let f = fake::start(move |_| {
        Act::Answer(fake::response(
            "502 Bad Gateway",
            "text/html",
            page.as_bytes(),
        ))
    })
    .await;
    let e = db_on(&f, DbAuth::basic(Auth::new("root", PW)))
        .await
        .collections()
        .await
        .expect_err("502");
    match &e {
        Error::Server {
            code: 502,
            error_num: 502,
            message,
            ..
        } => assert!(message.chars().count() < 260, "{message}"),
        other => panic!("{other:?}"),
    }
    clean(&e);
}

#[tokio::test]
async fn a_2_gib_content_length_is_refused_before_the_body_is_read() {
    // Announces 2 GiB and sends a few bytes: the client must not wait for (or allocate)
    // the rest.
    let f = fake::start(|_| {
        Act::Answer(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n{\"result\":["
                .to_vec(),
        )
    })
    .await;
    let t0 = Instant::now();
    let e = db_on(&f, DbAuth::basic(Auth::new("root", PW)))
        .await
        .collections()
        .await
        .expect_err("too large");
    assert!(matches!(e, Error::ResponseTooLarge { .. }), "{e:?}");
    assert!(
        t0.elapsed() < Duration::from_secs(9),
        "did not wait for the body"
    );
    clean(&e);
}

#[tokio::test]
async fn broken_login_answers_are_typed_refresh_errors() {
    for body in [
        &b"not json"[..],
        br#"{"jwt": 5}"#,
        br#"{"jwt": "a.b"}"#,
        br#"{}"#,
    ] {
        let body = body.to_vec();
        let f =
            fake::start(move |_| Act::Answer(fake::response("200 OK", "application/json", &body)))
                .await;
        let e = db_on(&f, DbAuth::jwt(Auth::new("root", PW)))
            .await
            .collections()
            .await
            .expect_err("no usable token");
        assert!(
            matches!(e, Error::Refresh(RefreshError::BadResponse(_))),
            "{e:?}"
        );
        clean(&e);
    }
}
