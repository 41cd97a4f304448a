//! JWTs made here and by python-arango-async are interchangeable: the same inputs give the same
//! token, and each side verifies the other's. Needs the test virtualenv (scripts/pyenv).

use std::path::PathBuf;
use std::process::Command;

use dbauth::Secret;
use dbauth::http::{GenerateOptions, JwtToken};

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("DRIVER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    // The workspace root, resolved (the venv's python is a symlink and must not be resolved).
    let root = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .expect("workspace root");
    let p = root.join(".run/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv first",
        p.display()
    );
    p
}

const SCRIPT: &str = r#"
import sys, jwt
from arangoasync.auth import JwtToken
secret, iat, ours = sys.argv[1], int(sys.argv[2]), sys.argv[3]
theirs = JwtToken.generate_token(secret, iat=iat, exp=3600)
claims = jwt.decode(ours, secret, algorithms=["HS256"], options={"verify_exp": False})
assert claims == {"iat": iat, "exp": iat + 3600, "iss": "arangodb", "server_id": "client"}, claims
try:
    jwt.decode(ours, secret + "x", algorithms=["HS256"], options={"verify_exp": False})
    sys.exit("a wrong secret verified our token")
except jwt.InvalidSignatureError:
    pass
print(theirs.token)
"#;

#[test]
fn tokens_are_interchangeable_with_python_arango_async() {
    let secret = Secret::new("cross-check secret, long enough for HS256");
    // python-arango-async validates the tokens it makes: issued a minute ago, valid for an hour.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let iat = i64::try_from(now).expect("time") - 60;
    let ours = JwtToken::generate_token(&secret, GenerateOptions::default().with_iat(iat))
        .expect("generate");
    let out = Command::new(python())
        .args([
            "-c",
            SCRIPT,
            secret.expose(),
            &iat.to_string(),
            ours.token().expose(),
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python side failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    let claims = JwtToken::verify_hs256(&theirs, &secret).expect("their token verifies here");
    assert_eq!(
        claims.get("server_id").and_then(|v| v.as_str()),
        Some("client")
    );
    assert_eq!(
        JwtToken::new(theirs.as_str()).expect("parse").exp(),
        Some(iat + 3600)
    );
    assert_eq!(
        theirs,
        ours.token().expose(),
        "same inputs, same token bytes"
    );
}
