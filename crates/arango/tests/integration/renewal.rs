//! Proactive renewal under load: 5-second sessions, 32 concurrent loops for 30 s, every
//! renewal by `/_open/auth/renew` and no request rejected; with renewal refused, logins.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arango::DbAuth;
use arango_testserver::LoggedAuth;

use crate::{cfg, client, root, server};

/// Runs `loops` concurrent request loops for `secs`; returns (successes, errors).
async fn hammer(db: &arango::Database, loops: usize, secs: u64) -> (u64, u64) {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..loops)
        .map(|_| {
            let (db, ok, failed) = (db.clone(), ok.clone(), failed.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    match db.collections().await {
                        Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("request failed: {e}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    // Many requests, without saturating a 2-core machine.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("loop");
    }
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_second_sessions_32_loops_30_seconds_renewed_by_renew_only() {
    const SECS: u64 = 30;
    const SESSION: u64 = 5;
    let s = server(cfg().with_session_timeout(SESSION as i64)).await;
    let db = client(&s)
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    s.clear_log();
    let (ok, failed) = hammer(&db, 32, SECS).await;
    assert_eq!(failed, 0, "no request failed ({ok} succeeded)");
    // Requests all along (nominally ~19,000; a machine loaded 10-fold still makes thousands):
    // at least one per loop per 3 s, so every session period saw requests.
    assert!(ok >= 32 * SECS / 3, "{ok} requests");
    let log = s.log();
    assert_eq!(
        log.iter().filter(|e| e.status == 401).count(),
        0,
        "no request was rejected: tokens were renewed before they expired"
    );
    assert_eq!(
        s.auth_requests(),
        1,
        "only the first login used the password"
    );
    let renewals: Vec<_> = log
        .iter()
        .filter(|e| e.path == "/_open/auth/renew")
        .collect();
    assert!(renewals.iter().all(|e| e.status == 200));
    assert_eq!(renewals.len() as u64, db.renew_count());
    // Each token was renewed once (single flight): no renewal shares its token with another.
    let tokens: HashSet<&LoggedAuth> = renewals.iter().map(|e| &e.auth).collect();
    assert_eq!(tokens.len(), renewals.len(), "a token renewed twice");
    // Renewal within the last fifth of a token's life (plus jitter): one renewal per token,
    // i.e. per session period. `exp` is in whole seconds, so a 5-second token lives 4 to 5 s
    // after it arrives, renewed 1 to 1.25 s before exp: at least 2.75 s apart. Lower bound: a
    // renewal must happen before each expiry.
    let n = renewals.len() as u64;
    eprintln!("{n} renewals, {ok} requests in {SECS} s");
    assert!(
        (SECS / SESSION - 1..=SECS * 100 / 275 + 1).contains(&n),
        "{n} renewals in {SECS} s of {SESSION}-second sessions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_renewal_falls_back_to_logins() {
    let s = server(cfg().with_session_timeout(3)).await;
    s.set_renew_refused(true);
    let db = client(&s)
        .db("_system", DbAuth::jwt(root()), true)
        .await
        .expect("jwt");
    let (ok, failed) = hammer(&db, 8, 8).await;
    assert_eq!(failed, 0, "no request failed ({ok} succeeded)");
    assert_eq!(db.renew_count(), 0);
    // Asked once, refused with 404: the client logs in from then on without asking again.
    assert_eq!(s.renew_requests(), 1);
    let logins = s.auth_requests();
    assert!(logins >= 3, "{logins} logins in 8 s of 3-second sessions");
    assert_eq!(s.log().iter().filter(|e| e.status == 401).count(), 0);
}
