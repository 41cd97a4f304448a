//! The client against the in-process stand-in server (`tools/arango-testserver`). One test
//! binary for the whole crate; each module covers one area.

mod auth;
mod badinput;
mod collections;
mod credentials_swap;
mod cursor;
mod data;
mod docopts;
mod fake;
mod fixes;
mod graphs;
mod indexes;
mod jobs;
mod pyref;
mod raw;
mod refresh;
mod renewal;
mod send_futures;
mod send_futures_coverage;
mod spans;
mod tokens;
mod transport;
mod trx_users;
mod views;

use arango::{ArangoClient, Auth, Error};
use arango_testserver::{Config, LogEntry, LoggedAuth, TestServer};

pub(crate) async fn server(cfg: Config) -> TestServer {
    TestServer::start(cfg).await.expect("stand-in starts")
}

pub(crate) fn client(s: &TestServer) -> ArangoClient {
    ArangoClient::new([s.url()]).expect("client builds")
}

pub(crate) fn root() -> Auth {
    Auth::new("root", "pw")
}

/// root/pw, secret `s3cret`.
pub(crate) fn cfg() -> Config {
    Config::default()
        .with_root_password("pw")
        .with_jwt_secret("s3cret")
}

/// HTTP 401 with errorNum 11, ArangoDB's answer to missing, bad or expired credentials.
pub(crate) fn is_unauthorized(e: &Error) -> bool {
    e.http_code() == Some(401) && e.error_num() == Some(11)
}

/// The log entry's bearer fingerprint for `token`.
pub(crate) fn bearer(token: &arango::JwtToken) -> LoggedAuth {
    LoggedAuth::Bearer {
        fingerprint: TestServer::fingerprint(token.token().expose()),
    }
}

/// `(path, status)` of each entry.
pub(crate) fn paths(log: &[LogEntry]) -> Vec<(&str, u16)> {
    log.iter().map(|e| (e.path.as_str(), e.status)).collect()
}
