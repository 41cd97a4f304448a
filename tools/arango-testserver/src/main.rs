//! Runs the ArangoDB stand-in until interrupted.
//!
//! ```text
//! arango-testserver [--listen ADDR | --port N] [--secret S] [--session-timeout SECONDS]
//!                   [--user NAME:PASSWORD]... [--root-password P]
//! ```
//!
//! Defaults: `127.0.0.1:8529`, secret `secret`, 3600 s sessions, `root` with an empty password.
//! `--user root:PW` sets root's password; other users get `rw` on every database. The secret and
//! root password may also come from `ARANGO_TESTSERVER_JWT_SECRET` /
//! `ARANGO_TESTSERVER_ROOT_PASSWORD` (keeps them out of the process list).

use std::net::SocketAddr;
use std::process::ExitCode;

use arango_testserver::{Config, TestServer};

const USAGE: &str = "usage: arango-testserver [--listen ADDR | --port N] [--secret S] \
[--session-timeout SECONDS] [--user NAME:PASSWORD]... [--root-password P]";

fn usage(why: &str) -> ExitCode {
    eprintln!("arango-testserver: {why}\n{USAGE}");
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
    let mut users: Vec<(String, String)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        let Some(value) = args.next() else {
            return usage(&format!("{flag} needs a value"));
        };
        match flag.as_str() {
            "--listen" => match value.parse::<SocketAddr>() {
                Ok(a) => cfg = cfg.with_listen(a),
                Err(_) => return usage("--listen needs HOST:PORT"),
            },
            "--port" => match value.parse::<u16>() {
                Ok(p) => cfg = cfg.with_listen(([127, 0, 0, 1], p).into()),
                Err(_) => return usage("--port needs a port number"),
            },
            "--secret" | "--jwt-secret" => cfg = cfg.with_jwt_secret(value),
            "--root-password" => cfg = cfg.with_root_password(value),
            "--session-timeout" => match value.parse() {
                Ok(s) => cfg = cfg.with_session_timeout(s),
                Err(_) => return usage("--session-timeout needs whole seconds"),
            },
            "--user" => match value.split_once(':') {
                Some(("root", pw)) => cfg = cfg.with_root_password(pw),
                Some((name, pw)) if !name.is_empty() => users.push((name.into(), pw.into())),
                _ => return usage("--user needs NAME:PASSWORD"),
            },
            other => return usage(&format!("unknown option {other}")),
        }
    }
    let server = match TestServer::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("arango-testserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (name, pw) in users {
        server.add_user(&name, pw);
        server.grant(&name, "*", "rw");
    }
    println!("arango-testserver listening on {}", server.url());
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
