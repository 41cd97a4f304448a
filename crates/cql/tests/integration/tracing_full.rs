//! Query traces with every field of `system_traces.sessions` and `.events`, and the traces
//! of every attempt of a retried request, checked against the real server.

use std::time::{Duration, SystemTime};

use cql::policies::{RetryContext, RetryDecision, RetryPolicy, WriteType};
use cql::{Consistency, Error, SimpleStatement};

use crate::common::{VERSIONS, keyspace_with_rf, session};

/// Retries an UNAVAILABLE once on the same node at ONE.
#[derive(Debug)]
struct DowngradeOnce;

impl RetryPolicy for DowngradeOnce {
    fn on_read_timeout(&self, _: &RetryContext, _: i32, _: i32, _: bool) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_write_timeout(&self, _: &RetryContext, _: &WriteType, _: i32, _: i32) -> RetryDecision {
        RetryDecision::Rethrow
    }
    fn on_unavailable(&self, ctx: &RetryContext, _: i32, _: i32) -> RetryDecision {
        if ctx.retry_num == 0 {
            RetryDecision::RetrySameHost {
                consistency: Some(Consistency::One),
                delay: Duration::ZERO,
            }
        } else {
            RetryDecision::Rethrow
        }
    }
    fn on_request_error(&self, _: &RetryContext, _: &Error) -> RetryDecision {
        RetryDecision::Rethrow
    }
}

#[tokio::test]
async fn a_trace_has_every_field_the_server_recorded() {
    for v in VERSIONS {
        let s = session(v).await;
        let t0 = SystemTime::now();
        let text = "SELECT cluster_name FROM system.local";
        let rs = s
            .execute(&SimpleStatement::new(text).with_tracing(true), ())
            .await
            .expect("traced");
        let id = rs.tracing_id().expect("tracing id");
        assert_eq!(rs.attempt_tracing_ids(), vec![id]);
        let trace = s
            .query_trace(id, Duration::from_secs(60))
            .await
            .expect("trace");
        let started = trace.started_at.expect("started_at");
        let slack = Duration::from_secs(60);
        assert!(
            started + slack >= t0 && started <= SystemTime::now() + slack,
            "{v:?}: started_at {started:?}"
        );
        assert!(trace.client.expect("client").is_loopback(), "{trace:?}");
        assert_eq!(trace.command.as_deref(), Some("QUERY"), "{trace:?}");
        assert_eq!(
            trace.parameters.get("query").map(String::as_str),
            Some(text)
        );
        assert!(
            trace.parameters.contains_key("consistency_level"),
            "{trace:?}"
        );
        assert!(trace.coordinator.is_some() && trace.coordinator_port.is_some());
        assert!(!trace.events.is_empty());
        let mut ids: Vec<_> = trace.events.iter().map(|e| e.event_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), trace.events.len(), "event ids are distinct");
        for e in &trace.events {
            let at = e.timestamp.expect("a timeuuid's time");
            assert!(
                at + slack >= started && at <= SystemTime::now() + slack,
                "{v:?}: event at {at:?}, request started {started:?}"
            );
            assert!(e.source.is_some() && e.source_port.is_some(), "{e:?}");
        }
    }
}

#[tokio::test]
async fn every_attempt_of_a_retried_request_has_its_trace() {
    for v in VERSIONS {
        let s = session(v).await;
        // RF 3 on one node: QUORUM is unavailable, ONE works.
        let ks = keyspace_with_rf(&s, "trace_attempts", 3).await;
        s.execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)").as_str(),
            (),
        )
        .await
        .expect("table");
        let q = SimpleStatement::new(format!("SELECT v FROM {ks}.t WHERE k = 1"))
            .with_consistency(Consistency::Quorum)
            .with_retry_policy(DowngradeOnce)
            .with_tracing(true);
        let rs = s.execute(&q, ()).await.expect("downgraded to ONE");
        let ids = rs.attempt_tracing_ids();
        assert_eq!(
            ids.len(),
            2,
            "{v:?}: the refused attempt and the one that worked: {ids:?}"
        );
        assert_eq!(ids.last().copied(), rs.tracing_id());
        let mut levels = Vec::new();
        for id in ids {
            let t = s
                .query_trace(id, Duration::from_secs(60))
                .await
                .expect("trace of an attempt");
            levels.push(t.parameters.get("consistency_level").cloned());
        }
        assert_eq!(
            levels,
            vec![Some("QUORUM".to_owned()), Some("ONE".to_owned())],
            "{v:?}"
        );
    }
}
