//! The fault scenarios: each does something to the cluster while the load runs and measures
//! what the application saw.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::Session;

use crate::ROLE;
use crate::load::{Log, cassandra, ms, port_opens};
use crate::login::first_login;

/// What is done to the cluster in one scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    Kill(usize),
    Stop(usize),
    KillControl,
    KillTwo(usize, usize),
    Freeze(usize),
}

impl Fault {
    /// Every scenario, in the order they run, with the short names `CHAOS_SCENARIOS` picks
    /// them by.
    pub(crate) const ALL: [(&'static str, Fault); 5] = [
        ("kill", Fault::Kill(3)),
        ("stop", Fault::Stop(2)),
        ("control", Fault::KillControl),
        ("kill2", Fault::KillTwo(1, 2)),
        ("freeze", Fault::Freeze(3)),
    ];

    pub(crate) fn name(&self) -> String {
        match self {
            Fault::Kill(n) => format!("kill -9 node {n}"),
            Fault::Stop(n) => format!("graceful stop node {n}"),
            Fault::KillControl => "kill -9 control node".into(),
            Fault::KillTwo(a, b) => format!("kill -9 nodes {a}+{b}"),
            Fault::Freeze(n) => format!("SIGSTOP node {n}"),
        }
    }
}

/// What one scenario measured.
pub(crate) struct Outcome {
    pub(crate) name: String,
    pub(crate) fault_at: Instant,
    pub(crate) end: Instant,
    /// Per node that came back: when (port open, or SIGCONT for a frozen node), and when a
    /// fresh client (not the application's session) could first log in to it.
    pub(crate) returned: Vec<(usize, Instant, Option<Instant>)>,
    pub(crate) attempts: u64,
}

/// After `addr`'s port opened: follows its pool until it has a connection, printing each
/// change (attempts, last error, open connections) with the time since the port opened;
/// returns when the pool opened (or `None` after `limit`).
pub(crate) async fn follow_pool(
    s: Session,
    addr: SocketAddr,
    since: Instant,
    limit: Duration,
) -> Option<Instant> {
    let mut last = (u64::MAX, String::new());
    let up = |s: &Session| s.cluster_metadata().host(addr).is_some_and(|h| h.is_up());
    while since.elapsed() < limit {
        let (open, attempts) = s
            .pool_state()
            .iter()
            .find(|p| p.0 == addr)
            .map_or((0, 0), |p| (p.1, p.2));
        let error = s
            .pool_errors()
            .into_iter()
            .find(|e| e.0 == addr)
            .map(|e| e.1)
            .unwrap_or_default();
        if (attempts, error.clone()) != last {
            eprintln!(
                "chaos:   {addr} +{} s after its port opened: {attempts} attempts, up {}, last error: {error}",
                ms(since.elapsed()),
                up(&s)
            );
            last = (attempts, error);
        }
        if open > 0 {
            eprintln!(
                "chaos:   {addr} pool open +{} s after its port opened",
                ms(since.elapsed())
            );
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// When a fresh client first logged in to `addr` (the application's role), which came back
/// at `since`; printed with the time since then.
async fn logged_in(addr: SocketAddr, since: Instant) -> Option<Instant> {
    let (role, password) = ROLE;
    let limit = Duration::from_secs(120);
    let at = first_login(addr, role, password, Duration::from_secs(30), limit).await;
    match at {
        Some(t) => eprintln!(
            "chaos:   {addr} first login of a fresh client +{} s after it came back",
            ms(t.duration_since(since))
        ),
        None => eprintln!("chaos:   {addr} no login of a fresh client within 120 s"),
    }
    at
}

pub(crate) struct Chaos {
    pub(crate) s: Session,
    pub(crate) script: String,
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) down: Duration,
    pub(crate) log: Arc<Mutex<Log>>,
}

impl Chaos {
    fn node_of(&self, a: SocketAddr) -> Option<usize> {
        self.addrs.iter().position(|x| *x == a).map(|i| i + 1)
    }

    /// Waits until every pool is open and each node coordinated a write acknowledged after
    /// `since` (at most `limit`).
    pub(crate) async fn settle(&self, since: Instant, limit: Duration) {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            let pools_ok = self.addrs.iter().all(|a| {
                self.s
                    .pool_state()
                    .iter()
                    .any(|(p, open, _)| p == a && *open > 0)
            });
            let coordinated: BTreeSet<SocketAddr> = {
                let log = self.log.lock().expect("log lock");
                log.acked
                    .iter()
                    .rev()
                    .take_while(|a| a.1 >= since)
                    .map(|a| a.3)
                    .collect()
            };
            if pools_ok && self.addrs.iter().all(|a| coordinated.contains(a)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("chaos: cluster not settled after {limit:?}; going on");
    }

    pub(crate) async fn run(&self, fault: Fault) -> Result<Outcome, String> {
        let name = fault.name();
        let attempts0 = self.s.metrics().connection_attempts;
        eprintln!("chaos: {name}");
        let fault_at = Instant::now();
        let mut returned = Vec::new();
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match fault {
            Fault::Kill(_) | Fault::Stop(_) | Fault::KillControl | Fault::KillTwo(..) => {
                let (nodes, kill) = match fault {
                    Fault::Kill(n) => (vec![n], true),
                    Fault::Stop(n) => (vec![n], false),
                    Fault::KillTwo(a, b) => (vec![a, b], true),
                    _ => {
                        let c = self
                            .s
                            .control_host()
                            .and_then(|a| self.node_of(a))
                            .ok_or("no control connection on a cluster node")?;
                        eprintln!("chaos: the control connection is on node {c}");
                        (vec![c], true)
                    }
                };
                let stops = nodes.iter().map(|n| {
                    let mut a = args(&["stop-node", &n.to_string()]);
                    if kill {
                        a.push("--kill".into());
                    }
                    cassandra(&self.script, a)
                });
                for r in futures_util::future::join_all(stops).await {
                    r?;
                }
                tokio::time::sleep(self.down).await;
                let mut logins = Vec::new();
                for n in nodes {
                    let addr = self.addrs[n - 1];
                    let s = self.s.clone();
                    let probe = tokio::spawn(async move {
                        let at = port_opens(addr, Duration::from_secs(300)).await;
                        let mut login = None;
                        if let Some(at) = at {
                            tokio::spawn(follow_pool(s, addr, at, Duration::from_secs(120)));
                            login = Some(tokio::spawn(logged_in(addr, at)));
                        }
                        (at, login)
                    });
                    cassandra(&self.script, args(&["start-node", &n.to_string()])).await?;
                    let (opened, login) = probe.await.map_err(|e| e.to_string())?;
                    logins.push((n, opened.unwrap_or_else(Instant::now), login));
                }
                // Awaited once every node was started: the next node's start does not wait
                // for this one's first login.
                for (n, opened, login) in logins {
                    let login = match login {
                        Some(l) => l.await.map_err(|e| e.to_string())?,
                        None => None,
                    };
                    returned.push((n, opened, login));
                }
            }
            Fault::Freeze(n) => {
                cassandra(&self.script, args(&["pause-node", &n.to_string()])).await?;
                tokio::time::sleep(self.down).await;
                cassandra(&self.script, args(&["resume-node", &n.to_string()])).await?;
                let at = Instant::now();
                returned.push((n, at, logged_in(self.addrs[n - 1], at).await));
            }
        }
        let back = returned.iter().map(|r| r.1).min().unwrap_or(fault_at);
        self.settle(back, Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(Outcome {
            name,
            fault_at,
            end: Instant::now(),
            returned,
            attempts: self.s.metrics().connection_attempts - attempts0,
        })
    }
}

/// The table's header.
pub(crate) const HEADER: &str = "| scenario | writes acked | errors surfaced (by kind) | fault → first success (s) | return → first request (s): from the port opening / from the first login of a fresh client | connection attempts |\n|---|---|---|---|---|---|\n";

/// The table row of one scenario.
pub(crate) fn row(o: &Outcome, log: &Log, addrs: &[SocketAddr]) -> String {
    let in_window = |t: Instant| t >= o.fault_at && t < o.end;
    let acked = log.acked.iter().filter(|a| in_window(a.2)).count();
    // Per kind: how many, the slowest, when the first and the last failed (after the fault).
    let mut errors: BTreeMap<&str, (usize, Duration, Duration, Duration)> = BTreeMap::new();
    for (sent, done, k) in log.errors.iter().filter(|e| in_window(e.1)) {
        let at = done.duration_since(o.fault_at);
        let e = errors
            .entry(k.as_str())
            .or_insert((0, Duration::ZERO, at, at));
        e.0 += 1;
        e.1 = e.1.max(done.duration_since(*sent));
        e.2 = e.2.min(at);
        e.3 = e.3.max(at);
    }
    let errors = if errors.is_empty() {
        "0".to_owned()
    } else {
        errors
            .iter()
            .map(|(k, (n, max, first, last))| {
                format!(
                    "{k}: {n} (slowest {} s, at +{}..{} s)",
                    ms(*max),
                    ms(*first),
                    ms(*last)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let first_success = log
        .acked
        .iter()
        .filter(|a| a.1 >= o.fault_at)
        .map(|a| a.2)
        .min()
        .map_or("none".into(), |t| ms(t.duration_since(o.fault_at)));
    let back = o
        .returned
        .iter()
        .map(|(n, at, login)| {
            let first = log
                .acked
                .iter()
                .filter(|a| a.3 == addrs[n - 1] && a.1 >= *at)
                .map(|a| a.2)
                .min();
            let since_login = match (first, login) {
                (Some(t), Some(l)) => signed(t, *l),
                _ => "none".into(),
            };
            format!(
                "node {n}: {} / {since_login}",
                first.map_or("none".into(), |t| ms(t.duration_since(*at)))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "| {} | {acked} | {errors} | {first_success} | {back} | {} |\n",
        o.name, o.attempts
    )
}

/// `t - since` in seconds with one decimal, negative when `t` came first.
fn signed(t: Instant, since: Instant) -> String {
    match t.checked_duration_since(since) {
        Some(d) => ms(d),
        None => format!("-{}", ms(since.duration_since(t))),
    }
}
