//! The documented HTTP details of async jobs, indexes and graphs, with raw requests: status
//! codes, the `x-arango-async-id` header, empty bodies.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use arango_testserver::{Config, TestServer};

struct Answer {
    status: StatusCode,
    async_id: Option<String>,
    etag: Option<String>,
    raw: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.raw).unwrap_or(Value::Null)
    }
}

async fn send(
    s: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut rb = reqwest::Client::new()
        .request(method, format!("{}{path}", s.url()))
        .basic_auth("root", Some("pw"));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.expect("request");
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (async_id, etag) = (h("x-arango-async-id"), h("etag"));
    let status = r.status();
    let raw = r.bytes().await.expect("body").to_vec();
    Answer {
        status,
        async_id,
        etag,
        raw,
    }
}

async fn start() -> TestServer {
    let s = TestServer::start(Config::default().with_root_password("pw"))
        .await
        .expect("starts");
    let r = send(
        &s,
        Method::POST,
        "/_api/collection",
        Some(json!({"name": "c"})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    s
}

#[tokio::test]
async fn async_jobs_answer_as_documented() {
    let s = start().await;
    let store = [("x-arango-async", "store")];
    let doc = Some(json!({"_key": "a"}));
    let r = send(&s, Method::POST, "/_api/document/c", doc, &store).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(r.raw.is_empty(), "a job's 202 has no body");
    let id = r.async_id.expect("job id header");
    let path = format!("/_api/job/{id}");
    let st = send(&s, Method::GET, &path, None, &[]).await;
    assert_eq!(st.status, StatusCode::OK);
    assert!(st.async_id.is_none());
    // The stored answer: the insert's own status, headers and body, plus the job id.
    let res = send(&s, Method::PUT, &path, None, &[]).await;
    assert_eq!(res.status, StatusCode::ACCEPTED);
    assert_eq!(res.async_id.as_deref(), Some(id.as_str()));
    assert_eq!(res.json()["_id"], "c/a");
    assert_eq!(
        res.etag.as_deref().map(|e| e.trim_matches('"').to_owned()),
        res.json()["_rev"].as_str().map(str::to_owned)
    );
    // Fetched once: then the job manager's 404, without the header.
    let again = send(&s, Method::PUT, &path, None, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.async_id.is_none());
    assert_eq!(again.json()["errorNum"], 404);

    // A stored failure is the failure's own answer.
    let r = send(&s, Method::GET, "/_api/document/c/zzz", None, &store).await;
    let id = r.async_id.expect("id");
    let res = send(&s, Method::PUT, &format!("/_api/job/{id}"), None, &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        res.async_id.as_deref(),
        Some(id.as_str()),
        "a stored 404, not an unknown job"
    );
    assert_eq!(res.json()["errorNum"], 1202);

    // Pending: 204, no body, no header.
    s.hold_async_jobs(true);
    let r = send(
        &s,
        Method::POST,
        "/_api/document/c",
        Some(json!({"_key": "b"})),
        &store,
    )
    .await;
    let id = r.async_id.expect("id");
    for m in [Method::GET, Method::PUT] {
        let p = send(&s, m, &format!("/_api/job/{id}"), None, &[]).await;
        assert_eq!(p.status, StatusCode::NO_CONTENT);
        assert!(p.raw.is_empty() && p.async_id.is_none());
    }
    let pending = send(&s, Method::GET, "/_api/job/pending", None, &[]).await;
    assert_eq!(pending.json(), json!([id]));
    s.hold_async_jobs(false);
    let done = send(&s, Method::GET, "/_api/job/done", None, &[]).await;
    assert_eq!(done.json(), json!([id]));

    // Fire and forget: 202, no id, nothing kept; other header values are not async.
    let r = send(
        &s,
        Method::POST,
        "/_api/document/c",
        Some(json!({"_key": "f"})),
        &[("x-arango-async", "true")],
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(r.async_id.is_none() && r.raw.is_empty());
    assert_eq!(s.async_jobs(), 1);
    let r = send(
        &s,
        Method::GET,
        "/_api/document/c/f",
        None,
        &[("x-arango-async", "no")],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["_key"].clone()),
        (StatusCode::OK, json!("f"))
    );

    // Credentials are checked before a job is made.
    let r = reqwest::Client::new()
        .post(format!("{}/_api/document/c", s.url()))
        .header("x-arango-async", "store")
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("x-arango-async-id").is_none());
    // A word is no job id: GET refuses it (only done and pending are words there), the
    // others find no job (ArangoDB's own example deletes "AreYouThere" with a 404).
    let r = send(&s, Method::GET, "/_api/job/AreYouThere", None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for m in [Method::PUT, Method::DELETE] {
        let r = send(&s, m, "/_api/job/AreYouThere", None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = send(&s, Method::PUT, "/_api/job", None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no job id");
    let r = send(&s, Method::DELETE, "/_api/job/expired", None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "expired needs a stamp");
    let r = send(&s, Method::DELETE, "/_api/job/all", None, &[]).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"result": true}))
    );
    assert_eq!(s.async_jobs(), 0);
}

#[tokio::test]
async fn index_and_graph_writes_answer_with_the_documented_codes() {
    let s = start().await;
    let def = Some(json!({"type": "persistent", "fields": ["x"]}));
    let r = send(
        &s,
        Method::POST,
        "/_api/index?collection=c",
        def.clone(),
        &[],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["isNewlyCreated"].clone()),
        (StatusCode::CREATED, json!(true))
    );
    let r2 = send(&s, Method::POST, "/_api/index?collection=c", def, &[]).await;
    assert_eq!(
        (r2.status, r2.json()["isNewlyCreated"].clone()),
        (StatusCode::OK, json!(false))
    );
    assert_eq!(r.json()["id"], r2.json()["id"]);

    let g =
        json!({"name": "g", "edgeDefinitions": [{"collection": "e", "from": ["v"], "to": ["v"]}]});
    let r = send(&s, Method::POST, "/_api/gharial", Some(g), &[]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.json()["graph"]["_id"], "_graphs/g");
    let g = json!({"name": "g2"});
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial?waitForSync=true",
        Some(g),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial/g/vertex/v",
        Some(json!({"_key": "1"})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.json()["vertex"]["_id"], "v/1");
    assert!(r.etag.is_some());
    let r = send(&s, Method::GET, "/_api/gharial/g/vertex/v/1", None, &[]).await;
    let rev = r.json()["vertex"]["_rev"].as_str().expect("rev").to_owned();
    let r = send(
        &s,
        Method::GET,
        "/_api/gharial/g/vertex/v/1",
        None,
        &[("if-none-match", &format!("\"{rev}\""))],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let edge = json!({"_key": "x", "_from": "v/1", "_to": "v/1"});
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial/g/edge/e?waitForSync=true",
        Some(edge),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        (
            r.json()["edge"]["_from"].clone(),
            r.json()["edge"]["_to"].clone()
        ),
        (json!("v/1"), json!("v/1"))
    );
    let r = send(
        &s,
        Method::PATCH,
        "/_api/gharial/g/edge/e/x?waitForSync=true",
        Some(json!({"w": 1})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["edge"]["_from"], "v/1");
    assert!(r.json()["edge"]["_oldRev"].is_string());
    let r = send(&s, Method::DELETE, "/_api/gharial/g/vertex/v/1", None, &[]).await;
    assert_eq!(
        (r.status, r.json()["removed"].clone()),
        (StatusCode::ACCEPTED, json!(true))
    );
    let r = send(&s, Method::GET, "/_api/gharial/g/edge/e/x", None, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the vertex's edges went with it"
    );
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial/g/vertex/v",
        Some(json!({"_key": "2"})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = send(
        &s,
        Method::DELETE,
        "/_api/gharial/g/vertex/v/2?waitForSync=true",
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &s,
        Method::GET,
        "/_api/edges/e?vertex=v/1&direction=sideways",
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(&s, Method::GET, "/_api/edges/e", None, &[]).await;
    assert_eq!(
        (r.status, r.json()["errorNum"].clone()),
        (StatusCode::BAD_REQUEST, json!(1205))
    );
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial",
        Some(json!("not an object")),
        &[],
    )
    .await;
    assert_eq!(
        (r.status, r.json()["errorNum"].clone()),
        (StatusCode::BAD_REQUEST, json!(1922))
    );
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial",
        Some(json!({"name": "h", "edgeDefinitions": {"x": 1}})),
        &[],
    )
    .await;
    assert_eq!(r.json()["errorNum"], 1923);
    let r = send(
        &s,
        Method::POST,
        "/_api/gharial",
        Some(json!({"name": "h", "orphanCollections": "v"})),
        &[],
    )
    .await;
    assert_eq!(r.json()["errorNum"], 1943);
}
