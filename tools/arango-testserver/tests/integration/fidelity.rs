//! Issue 17's fidelity fixes checked with python-arango-async (tests/python/fidelity.py).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use arango_testserver::{Config, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_arango_async_sees_the_documented_behaviours() {
    let server = TestServer::start(Config::default().with_root_password("pw"))
        .await
        .expect("stand-in starts");
    server.add_user("eve", "evepw");
    server.grant("eve", "_system", "ro");
    server.set_trx_idle_timeout(Duration::from_secs(1));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/fidelity.py");
    let (py, url) = (crate::python::python(), server.url());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script)
            .args([url.as_str(), "pw"])
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
    for line in [
        "KEEPNULL_0",
        "IGNOREREVS_0",
        "SILENT_BATCH",
        "OVERWRITE_MODES",
        "HEAD_304",
        "WRITE_WRITE_CONFLICT",
        "TRX_IDLE_TIMEOUT",
        "CURSOR_TTL",
        "ALLOW_RETRY",
        "ACCESS_TOKENS",
        "MISSING_DB_401",
        "FIDELITY_OK",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{line} missing:\n{stdout}"
        );
    }
    // The 304 and the 401 as the stand-in logged them.
    let log = server.log();
    assert!(log.iter().any(|e| e.method == "HEAD" && e.status == 304));
    assert!(
        log.iter()
            .any(|e| e.path.starts_with("/_db/nope/") && e.status == 401)
    );
}
