//! A chaos run without faults, for `scripts/test`: a short bounded load at QUORUM on a
//! running 3-node cluster (all nodes up), every acknowledged key read back at QUORUM and at
//! ALL, and the program's fds and tokio tasks back to their level afterwards. Exits with an
//! error if a key is lost or cannot be read, if nothing was acknowledged, if an error other
//! than a timeout or an overloaded node surfaced (those a busy machine explains), or if fds or
//! tasks stay above their level. No timing is asserted: the waits are generous bounds for a
//! cold, busy machine.
//!
//! Logs in as the default superuser (the tests' cluster has no other role), so the roles are
//! left as they are. `CHAOS_STEADY_SECS` (default 15): how long the load runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use cql::{Cluster, Consistency};

use crate::load::{Load, by_kind_text, ms, read_back, resources};
use crate::{Env, create_table, resource_rows, var, write_out};

pub(crate) async fn run(env: Env) -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = var("CHAOS_STEADY_SECS", 15);
    let s = Cluster::builder()
        .contact_points(&env.hosts)
        .credentials("cassandra", "cassandra")
        .build()?
        .connect()
        .await?;
    let insert = create_table(&s).await?;
    // Every pool open before the resources are counted (they fill in the background).
    let t0 = Instant::now();
    while !env.addrs.iter().all(|a| {
        s.pool_state()
            .iter()
            .any(|(p, open, _)| p == a && *open > 0)
    }) {
        if t0.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "not every node's pool opened in 120 s: {:?}",
                s.pool_state()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = resources();
    let attempts_before = s.metrics().connection_attempts;
    let next = Arc::new(AtomicI64::new(0));
    let load = Load::start(&s, &insert, env.in_flight, env.rate, &next);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let log = load.finish().await;
    drop(insert);
    let keys: Vec<i64> = log.acked.iter().map(|a| a.0).collect();
    let t_read = Instant::now();
    // Many tries: a read that keeps failing leaves the key unverified, not lost.
    let q = read_back(&s, &keys, Consistency::Quorum, 20).await;
    let all = read_back(&s, &keys, Consistency::All, 20).await;
    let read_took = t_read.elapsed();
    // Back to the level of before the load: tasks of ended requests and released handshake
    // permits end shortly after.
    let t_wait = Instant::now();
    let mut after = resources();
    while (after.0 > before.0 || after.2 > before.2) && t_wait.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        after = resources();
    }
    let m = s.metrics();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &log.errors {
        *by_kind.entry(e.2.as_str()).or_default() += 1;
    }
    let errors = by_kind_text(&by_kind);
    let mut out = format!(
        "Without faults: {} writes acknowledged at QUORUM in {secs} s ({} in flight, at most {}/s), \
         read back at QUORUM: {} lost, {} unreadable; at ALL: {} lost, {} unreadable (read back in {} s); \
         errors surfaced: {errors}.\n\n| resources | before | after |\n|---|---|---|\n",
        keys.len(),
        env.in_flight,
        env.rate,
        q.lost,
        q.unreadable,
        all.lost,
        all.unreadable,
        ms(read_took),
    );
    out.push_str(&resource_rows(before, after));
    out.push_str(&format!(
        "| connection attempts | {attempts_before} | {} |\n",
        m.connection_attempts
    ));
    println!("{out}");
    write_out(&out)?;
    if let Err(e) = s.execute("DROP KEYSPACE IF EXISTS chaos", ()).await {
        eprintln!("chaos: could not drop the keyspace chaos: {e}");
    }
    s.shutdown().await;

    let mut failures = Vec::new();
    if keys.is_empty() {
        failures.push("no write was acknowledged".to_owned());
    }
    if q.lost + all.lost > 0 {
        failures.push(format!("{} acknowledged writes lost", q.lost.max(all.lost)));
    }
    if q.unreadable + all.unreadable > 0 {
        failures.push(format!(
            "{} keys could not be read back (20 tries)",
            q.unreadable.max(all.unreadable)
        ));
    }
    let unexplained: Vec<&&str> = by_kind
        .keys()
        .filter(|k| !(k.contains("Timeout") || k.contains("Overloaded")))
        .collect();
    if !unexplained.is_empty() {
        failures.push(format!("errors with every node up: {unexplained:?}"));
    }
    if after.0 > before.0 || after.2 > before.2 {
        failures.push(format!(
            "fds {} -> {}, tasks {} -> {}: not back to their level after 60 s",
            before.0, after.0, before.2, after.2
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}
