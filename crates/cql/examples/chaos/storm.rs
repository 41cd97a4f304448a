//! A reconnect storm: `CHAOS_SESSIONS` sessions (default 50) in this one process, each with
//! its own pools and a light QUORUM write load; node `CHAOS_STORM_NODE` (default 3) killed
//! with kill -9 and started again after `CHAOS_DOWN_SECS`. Measures the connection attempts
//! (handshakes) of every session to that node, sampled every 20 ms: while it is down, and
//! per second after its port opened, against the bound the driver keeps (at most
//! `HANDSHAKES_PER_NODE` = 4 handshakes in progress to a node per process, each holding its
//! permit for at least 200 ms: at most 20 begin in any second); and when each session writes
//! through that node again. Every acknowledged key is read back at QUORUM and at ALL.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::{Cluster, Consistency, Session};
use futures_util::{StreamExt, TryStreamExt};

use crate::load::{Load, by_kind_text, cassandra, ms, port_opens, read_back, resources};
use crate::{Env, ROLE, app_session, create_table, resource_rows, var, write_out};

/// The bound the driver keeps: `HANDSHAKES_PER_NODE` permits per node and process, each held
/// at least `MIN_HANDSHAKE_HOLD` (crate `cql`, module `reconnect`).
const BOUND_PER_SECOND: u64 = 4 * 5;

/// One sample: when, connection attempts to the node summed over the sessions, sessions with
/// a connection open to it.
type Sample = (Instant, u64, usize);

fn to_node(sessions: &[Session], addr: SocketAddr) -> (u64, usize) {
    sessions.iter().fold((0, 0), |(attempts, open), s| {
        let p = s.pool_state().into_iter().find(|p| p.0 == addr);
        let (o, a) = p.map_or((0, 0), |p| (p.1, p.2));
        (attempts + a, open + usize::from(o > 0))
    })
}

/// Where the sessions are with `addr`: attempts, pools open, sessions back, the last errors
/// of the pools without a connection (by their first words).
fn progress(sessions: &[Session], addr: SocketAddr, back: &[Option<Instant>]) -> String {
    let (attempts, open) = to_node(sessions, addr);
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for s in sessions {
        let open = s.pool_state().iter().any(|p| p.0 == addr && p.1 > 0);
        if let Some(e) = s
            .pool_errors()
            .into_iter()
            .find(|e| e.0 == addr)
            .filter(|_| !open)
        {
            let head: String = e.1.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
            *errors.entry(head).or_default() += 1;
        }
    }
    format!(
        "{attempts} attempts, {open} pools open, {} sessions wrote through it; last errors: {errors:?}",
        back.iter().flatten().count()
    )
}

/// The most attempts begun in any window of at most `width` (between two samples).
fn peak(samples: &[Sample], from: Instant, width: Duration) -> u64 {
    let s: Vec<&Sample> = samples.iter().filter(|s| s.0 >= from).collect();
    let mut best = 0;
    let mut j = 0;
    for i in 0..s.len() {
        j = j.max(i);
        while j + 1 < s.len() && s[j + 1].0.duration_since(s[i].0) <= width {
            j += 1;
        }
        best = best.max(s[j].1 - s[i].1);
    }
    best
}

/// Attempts counted at `t` (the last sample at or before it).
fn count_at(samples: &[Sample], t: Instant) -> u64 {
    samples
        .iter()
        .take_while(|s| s.0 <= t)
        .last()
        .map_or(0, |s| s.1)
}

pub(crate) async fn run(env: Env) -> Result<(), Box<dyn std::error::Error>> {
    let n_sessions: usize = var("CHAOS_SESSIONS", 50);
    let node: usize = var("CHAOS_STORM_NODE", 3);
    if !(1..=3).contains(&node) {
        return Err("CHAOS_STORM_NODE: 1, 2 or 3".into());
    }
    let victim = env.addrs[node - 1];
    // The table and the role, from a session that is closed before the storm (so that only
    // the storm's sessions reconnect).
    let setup = app_session(&env.hosts).await?;
    drop(create_table(&setup).await?);
    setup.shutdown().await;
    drop(setup);

    eprintln!("chaos: storm: opening {n_sessions} sessions, 5 at a time");
    let hosts = env.hosts.clone();
    let sessions: Vec<Session> = futures_util::stream::iter(0..n_sessions)
        .map(|_| {
            let hosts = hosts.clone();
            async move {
                Cluster::builder()
                    .contact_points(&hosts)
                    .credentials(ROLE.0, ROLE.1)
                    .build()?
                    .connect()
                    .await
            }
        })
        .buffer_unordered(5)
        .try_collect()
        .await?;
    let mut inserts = Vec::new();
    for s in &sessions {
        inserts.push(
            s.prepare("INSERT INTO chaos.t (k, v) VALUES (?, ?)")
                .await?
                .with_consistency(Consistency::Quorum)
                .with_idempotent(true),
        );
    }
    let t0 = Instant::now();
    while to_node(&sessions, victim).1 < n_sessions && t0.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = resources();
    let next = Arc::new(AtomicI64::new(0));
    let per_session = (env.rate / n_sessions as u32).max(1);
    let loads: Vec<Load> = sessions
        .iter()
        .zip(&inserts)
        .map(|(s, i)| Load::start(s, i, 1, per_session, &next))
        .collect();

    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (sessions, samples, stop) = (sessions.clone(), Arc::clone(&samples), Arc::clone(&stop));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (attempts, open) = to_node(&sessions, victim);
                samples
                    .lock()
                    .expect("samples lock")
                    .push((Instant::now(), attempts, open));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(5)).await;

    eprintln!("chaos: storm: kill -9 node {node}");
    let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let kill_at = Instant::now();
    cassandra(
        &env.script,
        args(&["stop-node", &node.to_string(), "--kill"]),
    )
    .await?;
    tokio::time::sleep(env.down).await;
    // `start-node` returns once every node sees the node up, well after its port opened:
    // the sessions are followed meanwhile.
    let start = {
        let (script, a) = (env.script.clone(), args(&["start-node", &node.to_string()]));
        tokio::spawn(async move { cassandra(&script, a).await })
    };
    let opened = port_opens(victim, Duration::from_secs(300))
        .await
        .ok_or("the node's port did not open")?;
    // Until every session wrote through the node again (at most 120 s after its port opened).
    let mut back: Vec<Option<Instant>> = vec![None; n_sessions];
    // Once a second, on stderr: attempts so far, pools open, the pools' last errors.
    let mut shown = opened;
    while back.iter().any(Option::is_none) && opened.elapsed() < Duration::from_secs(120) {
        for (b, l) in back.iter_mut().zip(&loads) {
            if b.is_none() {
                *b = l.first_ack_by(victim, opened);
            }
        }
        if shown.elapsed() >= Duration::from_secs(1) {
            shown = Instant::now();
            eprintln!(
                "chaos:   +{} s after the port opened: {}",
                ms(opened.elapsed()),
                progress(&sessions, victim, &back)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    start.await??;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    sampler.await?;
    let mut acked = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for l in loads {
        let log = l.finish().await;
        acked.extend(log.acked.iter().map(|a| a.0));
        for e in log.errors {
            *errors.entry(e.2).or_default() += 1;
        }
    }
    drop(inserts);
    let q = read_back(&sessions[0], &acked, Consistency::Quorum, 5).await;
    let all = read_back(&sessions[0], &acked, Consistency::All, 5).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = resources();
    let samples = samples.lock().expect("samples lock").clone();
    for s in &sessions {
        s.shutdown().await;
    }

    // The figures.
    let down_attempts = count_at(&samples, opened) - count_at(&samples, kill_at);
    let all_open = samples
        .iter()
        .find(|s| s.0 >= opened && s.2 == n_sessions)
        .map(|s| s.0);
    let end = all_open.unwrap_or_else(|| samples.last().map_or(opened, |s| s.0));
    let mut per_second = Vec::new();
    let mut t = opened;
    while t < end {
        let next_t = t + Duration::from_secs(1);
        per_second.push(count_at(&samples, next_t) - count_at(&samples, t));
        t = next_t;
    }
    let after_open = count_at(&samples, end) - count_at(&samples, opened);
    let top = peak(&samples, kill_at, Duration::from_secs(1));
    let mut times: Vec<Duration> = back
        .iter()
        .flatten()
        .map(|t| t.duration_since(opened))
        .collect();
    times.sort();
    let recovered = times.len();
    let pick = |q: f64| {
        times
            .get(((times.len().max(1) - 1) as f64 * q).round() as usize)
            .map_or("none".into(), |d| ms(*d))
    };
    let errors = by_kind_text(&errors);
    let mut out = format!(
        "Reconnect storm: {n_sessions} sessions in one process (1 connection per node each), \
         one QUORUM write in flight each, at most {per_session}/s each; kill -9 node {node}, started again after {} s. \
         {} writes acknowledged, read back at QUORUM: {} lost, {} unreadable; at ALL: {} lost, {} unreadable; \
         errors surfaced: {errors}.\n\n\
         | reconnect storm (node {node}) | figure |\n|---|---|\n\
         | connection attempts to it while it was down ({} s) | {down_attempts} |\n\
         | connection attempts after its port opened, until all {n_sessions} pools were open | {after_open} |\n\
         | per second after its port opened | {} |\n\
         | most begun in any 1 s (sampled every 20 ms) | {top} (bound: {BOUND_PER_SECOND}: 4 at once per node per process, each at least 200 ms) |\n\
         | port open → all {n_sessions} pools open (s) | {} |\n\
         | sessions that wrote through it again | {recovered} of {n_sessions} |\n\
         | port open → a session's first write through it (s): first, median, last | {}, {}, {} |\n",
        env.down.as_secs(),
        acked.len(),
        q.lost,
        q.unreadable,
        all.lost,
        all.unreadable,
        ms(opened.duration_since(kill_at)),
        per_second
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        all_open.map_or("not all".into(), |t| ms(t.duration_since(opened))),
        pick(0.0),
        pick(0.5),
        pick(1.0),
    );
    out.push_str("\n| resources (storm) | before | after |\n|---|---|---|\n");
    out.push_str(&resource_rows(before, after));
    println!("{out}");
    write_out(&out)?;
    if q.lost + all.lost > 0 {
        return Err("acknowledged writes were lost".into());
    }
    if recovered < n_sessions {
        return Err(format!(
            "{} sessions did not write through node {node} again",
            n_sessions - recovered
        )
        .into());
    }
    Ok(())
}
