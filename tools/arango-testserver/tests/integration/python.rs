//! python-arango-async against the stand-in, and a token made by Python accepted by our
//! Rust client.

use std::path::PathBuf;
use std::process::Command;

use arango::{ArangoClient, DbAuth, JwtToken};
use arango_testserver::{Config, LoggedAuth, TestServer};

pub(crate) fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("DRIVER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    // The workspace root made canonical (so symlinked checkouts work), but not the
    // interpreter itself: a venv's python is a symlink that must stay inside the venv.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let p = root.join(".run/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv first",
        p.display()
    );
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_arango_async_against_the_stand_in() {
    let server = TestServer::start(
        Config::default()
            .with_root_password("pw")
            .with_jwt_secret("py-secret"),
    )
    .await
    .expect("stand-in starts");
    let short = TestServer::start(
        Config::default()
            .with_root_password("pw")
            .with_session_timeout(2),
    )
    .await
    .expect("stand-in starts");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/crosscheck.py");
    let (url, short_url) = (server.url(), short.url());
    let py = python();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script)
            .args([url.as_str(), "pw", "py-secret", short_url.as_str()])
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().any(|l| l == "OK"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "EXPIRY_OK"), "{stdout}");

    // The reference client's retry after expiry: one login, then the same request resent
    // with the OLD token and a doubled /_db prefix, which the stand-in (like ArangoDB)
    // rejects. This is the behaviour our client improves on.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("REFERENCE_RETRY_FAILED")),
        "{stdout}"
    );
    let log = short.log();
    let at = log
        .iter()
        .position(|e| e.status == 401)
        .expect("the expired token was rejected");
    let (first, login, retry) = (&log[at], &log[at + 1], &log[at + 2]);
    assert_eq!(first.path, "/_db/_system/_api/collection");
    assert_eq!((login.path.as_str(), login.status), ("/_open/auth", 200));
    assert_eq!(retry.path, "/_db/_system/_db/_system/_api/collection");
    assert_eq!(retry.status, 401);
    assert_eq!(retry.auth, first.auth, "resent with the old token");
    assert!(matches!(first.auth, LoggedAuth::Bearer { .. }));
    let last = log.last().expect("entries");
    assert_eq!(
        (last.path.as_str(), last.status),
        ("/_db/_system/_api/collection", 200)
    );
    // The log saw all three kinds of credentials.
    let log = server.log();
    assert!(
        log.iter()
            .any(|e| e.path == "/_open/auth" && e.status == 200)
    );
    assert!(
        log.iter()
            .any(|e| e.path.starts_with("/_db/pydb/_api/cursor") && e.status == 200)
    );
    // Python's superuser token works for the Rust client.
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("TOKEN "))
        .expect("token line");
    let token = JwtToken::new(token).expect("parses");
    assert!(token.claims().contains_key("server_id"));
    let client = ArangoClient::new([server.url()]).expect("client");
    let db = client
        .db("pydb", DbAuth::superuser(token), true)
        .await
        .expect("python's superuser token is accepted");
    let people = db.collection("people");
    assert_eq!(people.count().await.expect("count"), 10);
}
