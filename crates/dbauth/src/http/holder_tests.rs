//! TokenHolder: freshness with leeway, one refresh for many concurrent callers, rejections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use futures_executor::block_on;

use super::super::jwt::now_secs;
use super::*;
use crate::Secret;
use crate::http::GenerateOptions;

/// A token that expires `secs` from now (negative: already expired), marked with `tag`.
fn token(secs: i64, tag: &str) -> JwtToken {
    let opts = GenerateOptions::default()
        .with_iat(now_secs() - 100)
        .with_exp_seconds(secs + 100)
        .with_server_id(tag);
    JwtToken::generate_token(&Secret::new("s"), opts).unwrap()
}

fn tag(t: &JwtToken) -> &str {
    t.claims()["server_id"].as_str().unwrap()
}

#[test]
fn first_get_refreshes_then_the_token_is_reused() {
    let holder = TokenHolder::new(Duration::from_secs(60));
    assert_eq!(holder.generation(), 0);
    assert!(holder.current().is_none());
    let calls = AtomicUsize::new(0);
    let refresh = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(token(3600, "one"))
    };
    let (t, g) = block_on(holder.get(refresh)).unwrap();
    assert_eq!((tag(&t), g), ("one", 1));
    for _ in 0..3 {
        let (t, g) = block_on(holder.get(refresh)).unwrap();
        assert_eq!((tag(&t), g), ("one", 1));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let (t, g) = holder.current().unwrap();
    assert_eq!((tag(&t), g), ("one", 1));
}

#[test]
fn a_token_within_the_leeway_is_refreshed() {
    // Expires in 30 s: stale with a 60 s leeway, fresh with a 10 s one.
    let strict = TokenHolder::new(Duration::from_secs(60));
    strict.set(token(30, "old"));
    let (t, g) = block_on(strict.get(|| async { Ok(token(3600, "new")) })).unwrap();
    assert_eq!((tag(&t), g), ("new", 2));

    let lax = TokenHolder::new(Duration::from_secs(10));
    lax.set(token(30, "old"));
    let (t, g) = block_on(lax.get(|| async { Ok(token(3600, "new")) })).unwrap();
    assert_eq!((tag(&t), g), ("old", 1));

    // An expired token is refreshed even with no leeway.
    let none = TokenHolder::new(Duration::ZERO);
    none.set(token(-1, "expired"));
    let (t, _) = block_on(none.get(|| async { Ok(token(3600, "new")) })).unwrap();
    assert_eq!(tag(&t), "new");
}

#[test]
fn many_callers_that_find_it_stale_share_one_refresh() {
    const CALLERS: usize = 8;
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    holder.set(token(-5, "expired"));
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(CALLERS));
    let handles: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (holder, calls, start) = (holder.clone(), calls.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                block_on(holder.get(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // Long enough that every other caller arrives while this one refreshes.
                    thread::sleep(Duration::from_millis(200));
                    Ok(token(3600, "fresh"))
                }))
            })
        })
        .collect();
    for h in handles {
        let (t, g) = h.join().unwrap().unwrap();
        assert_eq!((tag(&t), g), ("fresh", 2));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "exactly one refresh ran");
}

#[test]
fn a_failed_refresh_goes_to_its_caller_and_the_next_one_retries() {
    let holder = TokenHolder::new(Duration::from_secs(60));
    holder.set(token(-5, "expired"));
    let err = block_on(holder.get(|| async { Err(Error::RefreshFailed("login: 503".into())) }))
        .unwrap_err();
    assert_eq!(err, Error::RefreshFailed("login: 503".into()));
    let (t, g) = holder.current().unwrap();
    assert_eq!((tag(&t), g), ("expired", 1), "the old token stays");
    let (t, g) = block_on(holder.get(|| async { Ok(token(3600, "retry")) })).unwrap();
    assert_eq!((tag(&t), g), ("retry", 2));
}

#[test]
fn a_refresh_that_returns_an_expired_token_is_refused() {
    let holder = TokenHolder::new(Duration::from_secs(60));
    let err = block_on(holder.get(|| async { Ok(token(-1, "stale")) })).unwrap_err();
    assert!(matches!(err, Error::RefreshFailed(_)), "{err:?}");
    assert_eq!(holder.generation(), 0);
    assert!(holder.current().is_none());
}

#[test]
fn a_rejection_refreshes_only_if_nobody_did_since() {
    let holder = TokenHolder::new(Duration::from_secs(60));
    let g1 = holder.set(token(3600, "one"));
    let calls = AtomicUsize::new(0);
    let refresh = |name: &'static str| {
        let calls = &calls;
        move || async move {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(token(3600, name))
        }
    };
    // The server rejected generation 1, still current: a fresh token although `one` is
    // not near its expiry.
    let (t, g2) = block_on(holder.refresh_after_rejection(g1, refresh("two"))).unwrap();
    assert_eq!((tag(&t), g2), ("two", 2));
    // A second request that had also used generation 1 gets `two` without another refresh.
    let (t, g) = block_on(holder.refresh_after_rejection(g1, refresh("three"))).unwrap();
    assert_eq!((tag(&t), g), ("two", 2));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Rejecting the current generation refreshes again.
    let (t, g) = block_on(holder.refresh_after_rejection(g2, refresh("three"))).unwrap();
    assert_eq!((tag(&t), g), ("three", 3));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn concurrent_rejections_of_one_generation_refresh_once() {
    const CALLERS: usize = 6;
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    let seen = holder.set(token(3600, "revoked"));
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(CALLERS));
    let handles: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (holder, calls, start) = (holder.clone(), calls.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                block_on(holder.refresh_after_rejection(seen, || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(100));
                    Ok(token(3600, "renewed"))
                }))
            })
        })
        .collect();
    for h in handles {
        let (t, g) = h.join().unwrap().unwrap();
        assert_eq!((tag(&t), g), ("renewed", seen + 1));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn set_and_clear_bump_the_generation_and_debug_hides_the_token() {
    let holder = TokenHolder::new(Duration::from_secs(5));
    assert_eq!(holder.leeway(), Duration::from_secs(5));
    let t = token(3600, "by-hand");
    assert_eq!(holder.set(t.clone()), 1);
    let debug = format!("{holder:?}");
    assert!(!debug.contains(t.token().expose()), "{debug}");
    assert!(debug.contains("generation: 1"), "{debug}");
    holder.clear();
    assert_eq!(holder.generation(), 2);
    assert!(holder.current().is_none());
    let (t, g) = block_on(holder.get(|| async { Ok(token(3600, "after-clear")) })).unwrap();
    assert_eq!((tag(&t), g), ("after-clear", 3));
}

#[test]
fn callers_waiting_on_a_failed_refresh_get_its_failure_instead_of_logging_in_again() {
    const CALLERS: usize = 5;
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(CALLERS));
    let handles: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (holder, calls, start) = (holder.clone(), calls.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                block_on(holder.get(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // A hanging login that ends in a timeout.
                    thread::sleep(Duration::from_millis(300));
                    Err(Error::RefreshFailed("login timed out".into()))
                }))
            })
        })
        .collect();
    for h in handles {
        assert_eq!(
            h.join().unwrap().unwrap_err(),
            Error::RefreshFailed("login timed out".into())
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one login for all waiters");
}

#[test]
fn a_failure_is_remembered_for_the_failure_memory_then_retried() {
    let holder = TokenHolder::new(Duration::ZERO).with_failure_memory(Duration::from_secs(3600));
    let calls = AtomicUsize::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::RefreshFailed("503".into()))
    };
    for _ in 0..5 {
        assert!(block_on(holder.get(failing)).is_err());
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "no login storm during an outage"
    );
    let quick = TokenHolder::new(Duration::ZERO).with_failure_memory(Duration::ZERO);
    let calls = AtomicUsize::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::RefreshFailed("503".into()))
    };
    for _ in 0..3 {
        assert!(block_on(quick.get(failing)).is_err());
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "without memory every caller tries"
    );
}

#[test]
fn a_leeway_longer_than_the_session_does_not_refresh_on_every_call() {
    // A 100 s session (iat 100 s ago... lifetime = exp - iat) with a 1-hour leeway: the
    // leeway is capped below the lifetime, so a token fresh from the server is used.
    let holder = TokenHolder::new(Duration::from_secs(3600));
    let now = now_secs();
    let opts = GenerateOptions::default()
        .with_iat(now)
        .with_exp_seconds(100)
        .with_server_id("fresh");
    let t = JwtToken::generate_token(&Secret::new("s"), opts).unwrap();
    let calls = AtomicUsize::new(0);
    let refresh = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(t.clone())
    };
    for _ in 0..5 {
        block_on(holder.get(refresh)).unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn tokens_without_exp_never_need_a_refresh() {
    let holder = TokenHolder::new(Duration::from_secs(60));
    let t = JwtToken::generate_token(&Secret::new("s"), GenerateOptions::default().without_exp())
        .unwrap();
    assert_eq!(t.exp(), None);
    holder.set(t);
    let (t, g) =
        block_on(holder.get(|| async { Err(Error::RefreshFailed("not called".into())) })).unwrap();
    assert_eq!((t.exp(), g), (None, 1));
}

#[test]
fn a_stale_but_valid_token_is_used_while_another_caller_renews_it() {
    // Stale (within the 60 s leeway) but valid for 50 s more: more than half the leeway.
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    holder.set(token(50, "old"));
    let renewing = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let h = {
        let (holder, renewing, release) = (holder.clone(), renewing.clone(), release.clone());
        thread::spawn(move || {
            block_on(holder.get(|| async {
                renewing.wait();
                release.wait();
                Ok(token(3600, "new"))
            }))
        })
    };
    renewing.wait();
    // The renewal is under way: this caller does not wait for it (a caller that waited
    // would not return before the release below; the deadline turns that into a failure).
    let (tx, rx) = std::sync::mpsc::channel();
    let other = {
        let holder = holder.clone();
        thread::spawn(move || {
            let r = block_on(holder.get(|| async { Err(Error::Provider("not called".into())) }));
            let _ = tx.send(r.map(|(t, g)| (tag(&t).to_owned(), g)));
        })
    };
    let got = rx.recv_timeout(Duration::from_secs(30));
    release.wait();
    other.join().unwrap();
    assert_eq!(
        got.expect("answered while the renewal ran").unwrap(),
        ("old".to_owned(), 1)
    );
    let (t, g) = h.join().unwrap().unwrap();
    assert_eq!((tag(&t), g), ("new", 2));
}

#[test]
fn close_to_exp_callers_wait_for_the_renewal_instead() {
    // Valid for 20 s more with a 60 s leeway: less than half the leeway left.
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    holder.set(token(20, "old"));
    let renewing = Arc::new(Barrier::new(2));
    let h = {
        let (holder, renewing) = (holder.clone(), renewing.clone());
        thread::spawn(move || {
            block_on(holder.get(|| async {
                renewing.wait();
                thread::sleep(Duration::from_millis(200));
                Ok(token(3600, "new"))
            }))
        })
    };
    renewing.wait();
    let (t, g) =
        block_on(holder.get(|| async { Err(Error::Provider("not called".into())) })).unwrap();
    assert_eq!((tag(&t), g), ("new", 2), "waited for the renewal");
    h.join().unwrap().unwrap();
}
