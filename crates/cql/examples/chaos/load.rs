//! The write load and what it records, the program's own resources, the read-back.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cql::{Consistency, Error, PreparedStatement, Session};
use futures_util::StreamExt;

/// One acknowledged write: key, when it was sent, when it was acknowledged, coordinator.
pub(crate) type Ack = (i64, Instant, Instant, SocketAddr);

/// What the writers record.
#[derive(Default, Clone)]
pub(crate) struct Log {
    pub(crate) acked: Vec<Ack>,
    /// When the request was sent, when it failed, its kind.
    pub(crate) errors: Vec<(Instant, Instant, String)>,
    /// The kinds seen so far (the first error of each kind is printed whole).
    kinds: BTreeSet<String>,
}

/// The write load: `in_flight` tasks, each with one write outstanding.
pub(crate) struct Load {
    pub(crate) log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// `rate`: writes started per second at most, over all tasks (so that reading every key
    /// back stays short). Keys come from `next`, shared by every load of the program, so that
    /// they are unique.
    pub(crate) fn start(
        s: &Session,
        insert: &PreparedStatement,
        in_flight: usize,
        rate: u32,
        next: &Arc<AtomicI64>,
    ) -> Load {
        let every = Duration::from_secs(in_flight as u64) / rate.max(1);
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..in_flight)
            .map(|_| {
                let (s, insert, log, stop, next) = (
                    s.clone(),
                    insert.clone(),
                    Arc::clone(&log),
                    Arc::clone(&stop),
                    Arc::clone(next),
                );
                tokio::spawn(async move {
                    let mut due = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        due = (due + every).max(Instant::now());
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let sent = Instant::now();
                        let r = s.execute(&insert, (k, k)).await;
                        let done = Instant::now();
                        {
                            let mut log = log.lock().expect("log lock");
                            match r {
                                Ok(r) => log.acked.push((k, sent, done, r.coordinator())),
                                Err(e) => {
                                    let k = kind(&e);
                                    if log.kinds.insert(k.clone()) {
                                        eprintln!("chaos: first error of kind {k}: {e}");
                                    }
                                    log.errors.push((sent, done, k));
                                }
                            }
                        }
                        tokio::time::sleep_until(due.into()).await;
                    }
                })
            })
            .collect();
        Load { log, stop, tasks }
    }

    /// A copy of what was recorded so far.
    pub(crate) fn snapshot(&self) -> Log {
        self.log.lock().expect("log lock").clone()
    }

    /// When the first write sent after `since` and coordinated by `addr` was acknowledged.
    pub(crate) fn first_ack_by(&self, addr: SocketAddr, since: Instant) -> Option<Instant> {
        let log = self.log.lock().expect("log lock");
        log.acked
            .iter()
            .rev()
            .take_while(|a| a.2 >= since)
            .filter(|a| a.3 == addr && a.1 >= since)
            .map(|a| a.2)
            .min()
    }

    pub(crate) async fn finish(self) -> Log {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            let _ = t.await;
        }
        std::mem::take(&mut *self.log.lock().expect("log lock"))
    }
}

/// A short name for an error: its variant, the server's error kind, what a NoHostAvailable
/// collected.
pub(crate) fn kind(e: &Error) -> String {
    fn head(s: String) -> String {
        s.split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("")
            .to_owned()
    }
    match e {
        Error::Server { error, .. } => format!("Server/{}", head(format!("{:?}", error.kind))),
        Error::NoHostAvailable(all) => {
            let inner: BTreeSet<String> = all.iter().map(|(_, e)| kind(e)).collect();
            format!(
                "NoHostAvailable[{}]",
                inner.into_iter().collect::<Vec<_>>().join(",")
            )
        }
        other => head(format!("{other:?}")),
    }
}

/// Open file descriptors, RSS in KiB, tasks alive in the runtime.
pub(crate) fn resources() -> (usize, u64, usize) {
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0);
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    (fds, rss, tasks)
}

/// What reading the keys back found.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadBack {
    /// Keys missing or with a wrong value.
    pub(crate) lost: usize,
    /// Keys whose read kept failing (`tries` times): neither found nor known lost.
    pub(crate) unreadable: usize,
}

/// Reads every key back at `cl`, 100 keys a request and 8 requests at once (more make the
/// nodes of a busy 2-core machine time out), each request tried up to `tries` times.
pub(crate) async fn read_back(
    s: &Session,
    keys: &[i64],
    cl: Consistency,
    tries: usize,
) -> ReadBack {
    let select = match s.prepare("SELECT k, v FROM chaos.t WHERE k IN ?").await {
        Ok(p) => p.with_consistency(cl).with_idempotent(true),
        Err(e) => {
            eprintln!("chaos: cannot prepare the read: {e}");
            return ReadBack {
                lost: 0,
                unreadable: keys.len(),
            };
        }
    };
    let results: Vec<ReadBack> = futures_util::stream::iter(keys.chunks(100))
        .map(|chunk| {
            let (s, select) = (s.clone(), select.clone());
            async move {
                for _ in 0..tries {
                    let rs = match s.execute(&select, (chunk.to_vec(),)).await {
                        Ok(rs) => rs,
                        Err(e) => {
                            eprintln!("chaos: read at {cl:?} failed, trying again: {e}");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                            continue;
                        }
                    };
                    let Ok(rows) = rs.rows_typed::<(i64, i64)>() else {
                        break;
                    };
                    let found: BTreeSet<i64> = rows
                        .filter_map(Result::ok)
                        .filter(|(k, v)| k == v)
                        .map(|(k, _)| k)
                        .collect();
                    return ReadBack {
                        lost: chunk.iter().filter(|k| !found.contains(k)).count(),
                        unreadable: 0,
                    };
                }
                ReadBack {
                    lost: 0,
                    unreadable: chunk.len(),
                }
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    results.iter().fold(ReadBack::default(), |a, r| ReadBack {
        lost: a.lost + r.lost,
        unreadable: a.unreadable + r.unreadable,
    })
}

/// Runs `scripts/cassandra ARGS` on a blocking thread.
pub(crate) async fn cassandra(script: &str, args: Vec<String>) -> Result<(), String> {
    let script = script.to_owned();
    let shown = args.join(" ");
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(script).args(&args).status()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("scripts/cassandra {shown}: {status}"))
    }
}

/// Polls until `addr` accepts TCP connections; returns when it did.
pub(crate) async fn port_opens(addr: SocketAddr, limit: Duration) -> Option<Instant> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        let c = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        if matches!(c, Ok(Ok(_))) {
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Seconds with one decimal.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// Errors by kind as one line of text: `kind: count; kind: count`, or `0` when there were none.
pub(crate) fn by_kind_text<K: std::fmt::Display>(by_kind: &BTreeMap<K, usize>) -> String {
    if by_kind.is_empty() {
        return "0".to_owned();
    }
    by_kind
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join("; ")
}
