use super::*;

fn ctx(retry_num: u32) -> RetryContext {
    RetryContext::new(retry_num, true, Consistency::Quorum)
}

fn closed() -> Error {
    Error::ConnectionClosed {
        addr: "127.0.0.1:9042".parse().expect("addr"),
        reason: "test".into(),
        in_flight: true,
    }
}

#[test]
fn default_policy_follows_the_reference_decisions() {
    let p = DefaultRetryPolicy;
    // Enough replicas answered but not with data: one retry on the same node.
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 2, false),
        RetryDecision::same_host()
    );
    assert_eq!(
        p.on_read_timeout(&ctx(1), 2, 2, false),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 1, false),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 2, true),
        RetryDecision::Rethrow
    );
    // Only the batch log write is retried.
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::BatchLog, 2, 0),
        RetryDecision::same_host()
    );
    for wt in [
        WriteType::Simple,
        WriteType::Batch,
        WriteType::UnloggedBatch,
        WriteType::Cas,
    ] {
        assert_eq!(
            p.on_write_timeout(&ctx(0), &wt, 2, 1),
            RetryDecision::Rethrow
        );
    }
    assert_eq!(
        p.on_write_timeout(&ctx(1), &WriteType::BatchLog, 2, 0),
        RetryDecision::Rethrow
    );
    // Unavailable: once, on the next node.
    assert_eq!(p.on_unavailable(&ctx(0), 3, 1), RetryDecision::next_host());
    assert_eq!(p.on_unavailable(&ctx(1), 3, 1), RetryDecision::Rethrow);
    assert_eq!(
        p.on_request_error(&ctx(5), &closed()),
        RetryDecision::next_host()
    );
    assert!(p.try_next_host_when_unsent());
}

#[test]
fn fallthrough_and_never_rethrow_everything() {
    let f = FallthroughRetryPolicy;
    let n = NeverRetryPolicy;
    for p in [&f as &dyn RetryPolicy, &n] {
        assert_eq!(
            p.on_read_timeout(&ctx(0), 2, 2, false),
            RetryDecision::Rethrow
        );
        assert_eq!(
            p.on_write_timeout(&ctx(0), &WriteType::BatchLog, 2, 0),
            RetryDecision::Rethrow
        );
        assert_eq!(p.on_unavailable(&ctx(0), 3, 1), RetryDecision::Rethrow);
        assert_eq!(
            p.on_request_error(&ctx(0), &closed()),
            RetryDecision::Rethrow
        );
    }
    assert!(f.try_next_host_when_unsent());
    assert!(!n.try_next_host_when_unsent());
}

fn at(c: Consistency) -> RetryDecision {
    RetryDecision::RetrySameHost {
        consistency: Some(c),
        delay: Duration::ZERO,
    }
}

#[test]
fn downgrading_policy_lowers_the_consistency() {
    let p = DowngradingConsistencyRetryPolicy;
    // Read: 1 of 2 answered → ONE; 0 answered → rethrow; enough but no data → same level.
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 1, false),
        at(Consistency::One)
    );
    assert_eq!(
        p.on_read_timeout(&ctx(0), 3, 0, false),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 2, false),
        RetryDecision::same_host()
    );
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 2, true),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_read_timeout(&ctx(1), 2, 1, false),
        RetryDecision::Rethrow
    );
    let serial = RetryContext::new(0, true, Consistency::Serial);
    assert_eq!(
        p.on_read_timeout(&serial, 2, 1, false),
        RetryDecision::Rethrow
    );
    // Write: acknowledged somewhere → ignore; unlogged batch → downgrade; batch log → retry.
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::Simple, 2, 1),
        RetryDecision::Ignore
    );
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::Simple, 2, 0),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::UnloggedBatch, 3, 2),
        at(Consistency::Two)
    );
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::BatchLog, 2, 0),
        RetryDecision::same_host()
    );
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::Cas, 2, 1),
        RetryDecision::Rethrow
    );
    // Unavailable: the level the alive replicas can satisfy; serial → next node.
    assert_eq!(p.on_unavailable(&ctx(0), 3, 2), at(Consistency::Two));
    assert_eq!(p.on_unavailable(&ctx(0), 5, 4), at(Consistency::Three));
    assert_eq!(p.on_unavailable(&ctx(0), 3, 0), RetryDecision::Rethrow);
    assert_eq!(p.on_unavailable(&serial, 3, 1), RetryDecision::next_host());
    assert_eq!(p.on_unavailable(&ctx(1), 3, 2), RetryDecision::Rethrow);
}

#[test]
fn exponential_backoff_grows_and_stops() {
    let p = ExponentialBackoffRetryPolicy::new(
        3,
        Duration::from_millis(100),
        Duration::from_millis(350),
    );
    let mut last = Duration::ZERO;
    for n in 0..3 {
        match p.on_unavailable(&ctx(n), 3, 1) {
            RetryDecision::RetryNextHost { delay, .. } => {
                let base = (Duration::from_millis(100) * (1 << n)).min(Duration::from_millis(350));
                assert!(
                    delay >= base * 3 / 4 && delay < base * 5 / 4,
                    "{n}: {delay:?}"
                );
                assert!(n == 0 || delay >= last / 2, "{n}: {delay:?} after {last:?}");
                last = delay;
            }
            other => panic!("retry {n}: {other:?}"),
        }
    }
    assert_eq!(p.on_unavailable(&ctx(3), 3, 1), RetryDecision::Rethrow);
    assert!(matches!(
        p.on_read_timeout(&ctx(0), 1, 1, false),
        RetryDecision::RetrySameHost { .. }
    ));
    assert_eq!(
        p.on_read_timeout(&ctx(0), 2, 1, false),
        RetryDecision::Rethrow
    );
    assert_eq!(
        p.on_write_timeout(&ctx(0), &WriteType::Simple, 1, 0),
        RetryDecision::Rethrow
    );
}
