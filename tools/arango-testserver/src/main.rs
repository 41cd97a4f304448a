//! Runs the ArangoDB stand-in until interrupted.
//!
//! `arango-testserver [--listen ADDR] [--jwt-secret S] [--session-timeout SECONDS]
//! [--root-password P]`; the secret and root password may also come from
//! `ARANGO_TESTSERVER_JWT_SECRET` / `ARANGO_TESTSERVER_ROOT_PASSWORD`.

use std::process::ExitCode;

use arango_testserver::{Config, TestServer};

fn usage() -> ExitCode {
    eprintln!(
        "usage: arango-testserver [--listen ADDR] [--jwt-secret S] [--session-timeout SECONDS] [--root-password P]"
    );
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut cfg = Config::default().with_listen(([127, 0, 0, 1], 8529).into());
    if let Ok(s) = std::env::var("ARANGO_TESTSERVER_JWT_SECRET") {
        cfg = cfg.with_jwt_secret(s);
    }
    if let Ok(p) = std::env::var("ARANGO_TESTSERVER_ROOT_PASSWORD") {
        cfg = cfg.with_root_password(p);
    }
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage();
        };
        match flag.as_str() {
            "--listen" => match value.parse() {
                Ok(a) => cfg = cfg.with_listen(a),
                Err(_) => return usage(),
            },
            "--jwt-secret" => cfg = cfg.with_jwt_secret(value),
            "--root-password" => cfg = cfg.with_root_password(value),
            "--session-timeout" => match value.parse() {
                Ok(s) => cfg = cfg.with_session_timeout(s),
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    let server = match TestServer::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("arango-testserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("arango-testserver listening on {}", server.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
