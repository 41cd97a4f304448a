//! The driver side of `scripts/chaos`: QUORUM idempotent writes with unique keys from many
//! tasks at once against a 3-node cluster while nodes are killed, stopped, frozen and
//! started again (through `scripts/cassandra`), then every acknowledged key read back at
//! QUORUM and at ALL. Prints one Markdown table (and appends it to `CHAOS_OUT` if set).
//!
//! Not a test: run it through `scripts/chaos`, which starts and stops its own cluster.
//!
//! Modes (`CHAOS_MODE`):
//! - `faults` (the default): the fault scenarios ([`faults`]), one after the other.
//! - `storm`: a reconnect storm ([`storm`]): `CHAOS_SESSIONS` sessions (default 50) in this
//!   process, one node killed and started again; handshakes per second to it and each
//!   session's way back to it.
//! - `steady`: no fault at all ([`steady`]): a short bounded load on a running cluster, every
//!   key read back, resources back to their level. Non-destructive: `scripts/test` runs it
//!   on its 3-node cluster.
//!
//! Environment: `CHAOS_HOSTS` (the three node addresses, comma separated; else
//! 127.0.0.<base>..<base+2> from `CASSANDRA_IP_BASE`, default 1, as the tests do),
//! `CHAOS_CASSANDRA` (the `scripts/cassandra` to run; `CASSANDRA_IP_BASE` and
//! `CASSANDRA_RUN_DIR` pass through to it), `CHAOS_IN_FLIGHT` (writes in flight, default 24),
//! `CHAOS_RATE` (writes started per second at most, default 200: few enough keys to read
//! back within the 15 minutes on a busy machine), `CHAOS_DOWN_SECS` (how long a node stays
//! down or frozen, default 20), `CHAOS_SCENARIOS` (the fault scenarios to run, comma
//! separated, of `kill,stop,control,kill2,freeze`; default all), `CHAOS_DEADLINE_SECS` (no
//! scenario starts after it), `CHAOS_OUT`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use cql::{Cluster, Consistency, PreparedStatement, Session};

mod faults;
mod load;
mod login;
mod steady;
mod storm;

use faults::{Chaos, Fault};
use load::{Load, Log, ReadBack, ms, read_back, resources};

/// The program's settings, from the environment.
pub(crate) struct Env {
    pub(crate) hosts: Vec<String>,
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) script: String,
    pub(crate) in_flight: usize,
    pub(crate) rate: u32,
    pub(crate) down: Duration,
    pub(crate) t_start: Instant,
    /// Scenarios start only while this much time is left (a node restart on a busy machine
    /// takes a minute or more); the rest are reported as skipped.
    pub(crate) deadline: Option<Instant>,
}

fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Env {
    fn from_env() -> Result<Env, Box<dyn std::error::Error>> {
        let base: u8 = var("CASSANDRA_IP_BASE", 1);
        let hosts: Vec<String> = match std::env::var("CHAOS_HOSTS") {
            Ok(h) => h.split(',').map(|s| s.trim().to_owned()).collect(),
            Err(_) => (0..3)
                .map(|i| format!("127.0.0.{}", u32::from(base) + i))
                .collect(),
        };
        let addrs: Vec<SocketAddr> = hosts
            .iter()
            .map(|h| format!("{h}:9042").parse())
            .collect::<Result<_, _>>()?;
        if addrs.len() != 3 {
            return Err("CHAOS_HOSTS: three node addresses expected".into());
        }
        let t_start = Instant::now();
        Ok(Env {
            hosts,
            addrs,
            script: std::env::var("CHAOS_CASSANDRA").unwrap_or_else(|_| {
                concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/cassandra").into()
            }),
            in_flight: var("CHAOS_IN_FLIGHT", 24),
            rate: var("CHAOS_RATE", 200),
            down: Duration::from_secs(var("CHAOS_DOWN_SECS", 20)),
            t_start,
            deadline: std::env::var("CHAOS_DEADLINE_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(|s| t_start + Duration::from_secs(s)),
        })
    }
}

/// The application's role and its password (created by [`app_session`]).
pub(crate) const ROLE: (&str, &str) = ("chaos", "chaos");

/// A session logged in as the application's own role, created for it with every node up,
/// `system_auth` replicated on every node. As in production: with the default RF 1, the node
/// holding the roles down means nobody can log in or be authorized once the 2 s caches
/// expire; and the default superuser `cassandra` is read at QUORUM on every login and cache
/// refresh (whatever `auth_read_consistency_level` says), so with two nodes down it is
/// refused.
pub(crate) async fn app_session(hosts: &[String]) -> Result<Session, Box<dyn std::error::Error>> {
    let admin = Cluster::builder()
        .contact_points(hosts)
        .credentials("cassandra", "cassandra")
        .build()?
        .connect()
        .await?;
    let (role, password) = ROLE;
    for ddl in [
        "ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}".to_owned(),
        format!("CREATE ROLE IF NOT EXISTS {role} WITH PASSWORD = '{password}' AND SUPERUSER = true AND LOGIN = true"),
    ] {
        admin.execute(ddl.as_str(), ()).await?;
    }
    admin.shutdown().await;
    drop(admin);
    let mut tries = 0;
    loop {
        let connected = Cluster::builder()
            .contact_points(hosts)
            .credentials(role, password)
            .build()?
            .connect()
            .await;
        match connected {
            Ok(s) => return Ok(s),
            // The new role reaches every node's cache within seconds.
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("chaos: waiting for the role: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// A fresh table `chaos.t` (RF 3) and the QUORUM idempotent insert into it.
pub(crate) async fn create_table(
    s: &Session,
) -> Result<PreparedStatement, Box<dyn std::error::Error>> {
    s.refresh_metadata().await?;
    for ddl in [
        "CREATE KEYSPACE IF NOT EXISTS chaos WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
        "DROP TABLE IF EXISTS chaos.t",
        "CREATE TABLE chaos.t (k bigint PRIMARY KEY, v bigint)",
    ] {
        s.execute(ddl, ()).await?;
    }
    s.wait_for_schema_agreement(Duration::from_secs(60)).await?;
    Ok(s.prepare("INSERT INTO chaos.t (k, v) VALUES (?, ?)")
        .await?
        .with_consistency(Consistency::Quorum)
        .with_idempotent(true))
}

/// Appends `text` to `CHAOS_OUT` when it is set.
pub(crate) fn write_out(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Ok(path) = std::env::var("CHAOS_OUT") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        f.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The resources table's rows for fds, tasks and RSS.
pub(crate) fn resource_rows(before: (usize, u64, usize), after: (usize, u64, usize)) -> String {
    format!(
        "| open fds | {} | {} |\n| tokio tasks alive | {} | {} |\n| RSS (MiB) | {:.1} | {:.1} |\n",
        before.0,
        after.0,
        before.2,
        after.2,
        before.1 as f64 / 1024.0,
        after.1 as f64 / 1024.0,
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = Env::from_env()?;
    match std::env::var("CHAOS_MODE").as_deref() {
        Err(_) | Ok("faults") => run_faults(env).await,
        Ok("storm") => storm::run(env).await,
        Ok("steady") => steady::run(env).await,
        Ok(other) => Err(format!("CHAOS_MODE: faults, storm or steady (got {other:?})").into()),
    }
}

/// The fault scenarios under the write load, then the read-back and the table.
async fn run_faults(env: Env) -> Result<(), Box<dyn std::error::Error>> {
    let wanted: Vec<String> = std::env::var("CHAOS_SCENARIOS")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|_| Fault::ALL.iter().map(|f| f.0.to_owned()).collect());
    if let Some(bad) = wanted
        .iter()
        .find(|w| !Fault::ALL.iter().any(|f| f.0 == w.as_str()))
    {
        return Err(format!("CHAOS_SCENARIOS: unknown scenario {bad:?}").into());
    }
    let s = app_session(&env.hosts).await?;
    let insert = create_table(&s).await?;
    let before = resources();
    let attempts_before = s.metrics().connection_attempts;
    let next = Arc::new(AtomicI64::new(0));
    let load = Load::start(&s, &insert, env.in_flight, env.rate, &next);
    let chaos = Chaos {
        s: s.clone(),
        script: env.script.clone(),
        addrs: env.addrs.clone(),
        down: env.down,
        log: Arc::clone(&load.log),
    };
    let warm = Instant::now();
    chaos.settle(warm, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    let mut outcomes = Vec::new();
    let mut skipped = Vec::new();
    for (_, fault) in Fault::ALL
        .iter()
        .filter(|f| wanted.iter().any(|w| w == f.0))
    {
        // A scenario took 70-100 s here (a node restart 30-60 s of it); a frozen node needs
        // no restart.
        let needs = env.down
            + Duration::from_secs(if matches!(fault, Fault::Freeze(_)) {
                40
            } else {
                100
            });
        if env.deadline.is_some_and(|d| Instant::now() + needs > d) {
            skipped.push(fault.name());
            continue;
        }
        let name = fault.name();
        let run = chaos.run(*fault);
        let run = match env.deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), run).await {
                Ok(r) => r,
                Err(_) => Err(format!("{name}: cut short by the time limit")),
            },
            None => run.await,
        };
        match run {
            Ok(o) => {
                eprint!("chaos: {}", faults::row(&o, &load.snapshot(), &env.addrs));
                outcomes.push(o);
            }
            Err(e) => {
                eprintln!("chaos: scenario failed: {e}");
                break;
            }
        }
    }
    let log: Log = load.finish().await;
    drop(insert);
    let keys: Vec<i64> = log.acked.iter().map(|a| a.0).collect();
    let t_read = Instant::now();
    let q: ReadBack = read_back(&s, &keys, Consistency::Quorum, 5).await;
    let all: ReadBack = read_back(&s, &keys, Consistency::All, 5).await;
    let read_took = t_read.elapsed();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = resources();
    let m = s.metrics();

    let mut out = String::new();
    out.push_str(&format!(
        "{} writes acknowledged at QUORUM ({} in flight, at most {}/s, nodes down or frozen {}s each), \
         read back at QUORUM: {} lost, {} unreadable; at ALL: {} lost, {} unreadable \
         (read back in {} s); {} errors surfaced in all; run took {} s.\n\n",
        keys.len(),
        env.in_flight,
        env.rate,
        env.down.as_secs(),
        q.lost,
        q.unreadable,
        all.lost,
        all.unreadable,
        ms(read_took),
        log.errors.len(),
        ms(env.t_start.elapsed()),
    ));
    out.push_str(faults::HEADER);
    for o in &outcomes {
        out.push_str(&faults::row(o, &log, &env.addrs));
    }
    for name in &skipped {
        out.push_str(&format!("| {name} | skipped: time limit | | | | |\n"));
    }
    out.push_str("\n| resources | before | after |\n|---|---|---|\n");
    out.push_str(&resource_rows(before, after));
    out.push_str(&format!(
        "| connection attempts (whole run) | {attempts_before} | {} |\n| open connections | | {} |\n",
        m.connection_attempts, m.open_connections,
    ));
    println!("{out}");
    write_out(&out)?;
    s.shutdown().await;
    if q.lost + all.lost > 0 {
        return Err("acknowledged writes were lost".into());
    }
    Ok(())
}
