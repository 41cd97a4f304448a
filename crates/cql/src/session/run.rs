//! Running a request: the query plan under the retry policy, speculative executions, and the
//! call's deadline, which every attempt shares.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tracing::Instrument;

use super::Session;
use super::attempt::AsyncAttempt;
use super::observe::{Attempt, Observed, Timing};
use super::plan::QueryPlan;
use crate::config::Config;
use crate::error::Error;
use crate::metrics::Counters;
use crate::policies::{
    LoadBalancingPolicy, RequestInfo, RetryContext, RetryDecision, RetryPolicy,
    SpeculativeExecutionPolicy, WriteType,
};
use crate::profile::ExecutionProfile;
use crate::result::QueryResult;
use crate::statement::{Consistency, StatementOptions};

/// The settings and policies of one request, resolved from the statement, its execution
/// profile and the cluster's defaults.
pub(super) struct Resolved<'s> {
    pub(super) opts: StatementOptions,
    /// The statement's execution profile (profiles can be replaced at run time: the request
    /// keeps the one it started with).
    profile: Option<Arc<ExecutionProfile>>,
    config: &'s Config,
}

impl Resolved<'_> {
    pub(super) fn lb(&self) -> &dyn LoadBalancingPolicy {
        self.profile
            .as_ref()
            .and_then(|p| p.load_balancing.as_deref())
            .unwrap_or(&*self.config.load_balancing)
    }

    /// The statement's retry policy, else its profile's, else the session's.
    pub(super) fn retry(&self) -> &dyn RetryPolicy {
        self.opts
            .retry_policy
            .as_deref()
            .or_else(|| self.profile.as_ref().and_then(|p| p.retry.as_deref()))
            .unwrap_or(&*self.config.retry)
    }

    pub(super) fn speculative(&self) -> &dyn SpeculativeExecutionPolicy {
        self.profile
            .as_ref()
            .and_then(|p| p.speculative.as_deref())
            .unwrap_or(&*self.config.speculative)
    }
}

/// What the executions of one request share.
struct Run<'a> {
    r: &'a Resolved<'a>,
    plan: &'a QueryPlan<'a>,
    /// The call's deadline, which every attempt shares.
    deadline: Instant,
    /// None when nobody observes the request (see [`Observed::new`]).
    obs: Option<&'a Observed>,
    /// None when the load-balancing policy wants no feedback: attempts are not timed.
    timing: Option<&'a Timing>,
}

/// What to do after a failed attempt.
enum Next {
    /// The request was not sent: try the next node.
    Unsent,
    /// The retry policy's decision (already vetoed for non-idempotent statements).
    Policy(RetryDecision),
}

impl Session {
    pub(super) fn resolve(&self, opts: Option<&StatementOptions>) -> Result<Resolved<'_>, Error> {
        let c = &*self.inner.config;
        let mut o = opts.cloned().unwrap_or_default();
        let profile = match o.execution_profile.as_deref() {
            None => None,
            Some(name) => Some(
                self.execution_profile(name)
                    .ok_or_else(|| Error::Config(format!("no execution profile named {name:?}")))?,
            ),
        };
        if let Some(p) = &profile {
            o.consistency = o.consistency.or(p.consistency);
            o.serial_consistency = o.serial_consistency.or(p.serial_consistency);
            o.page_size = o.page_size.or(p.page_size);
            o.timeout = o.timeout.or(p.request_timeout);
        }
        o.consistency.get_or_insert(c.default_consistency);
        if o.serial_consistency.is_none() {
            o.serial_consistency = c.default_serial_consistency;
        }
        o.page_size.get_or_insert(c.default_page_size);
        o.timeout.get_or_insert(c.request_timeout);
        if o.timestamp.is_none() {
            o.timestamp = c.timestamp_generator.as_ref().map(|g| g.next_timestamp());
        }
        Ok(Resolved {
            opts: o,
            profile,
            config: c,
        })
    }

    /// Runs `attempt` along the query plan under the retry policy, with speculative
    /// executions when the statement is idempotent and the policy asks for them.
    pub(super) async fn run<F>(
        &self,
        r: &Resolved<'_>,
        info: &RequestInfo<'_>,
        attempt: F,
    ) -> Result<QueryResult, Error>
    where
        F: AsyncAttempt,
    {
        self.check_open()?;
        let counters = &self.inner.counters;
        counters.requests.bump();
        let start = Instant::now();
        let lb = r.lb();
        let observed = Observed::new(
            &self.inner.listeners,
            self.inner.config.record_statement_text,
            &r.opts,
            || self.keyspace(),
            // The statement's keyspace, else the request's.
            || {
                let mut d = attempt.describe();
                d.keyspace = d.keyspace.or(info.keyspace);
                d
            },
            start,
        );
        let obs = observed.as_ref();
        let timing = lb.wants_feedback().then(|| Timing::new(start));
        let timing = timing.as_ref();
        let deadline = crate::connection::deadline(start, r.opts.timeout.unwrap_or_default());
        let plan = self.query_plan(lb, info, r.opts.host)?;
        let speculate = r.opts.idempotent && plan.has_alternatives();
        let delay = r.speculative().next_execution(1).filter(|_| speculate);
        let x = Run {
            r,
            plan: &plan,
            deadline,
            obs,
            timing,
        };
        // A disabled span (no subscriber wants it) wraps nothing. Each branch builds its
        // future in place: built before the branch and held in a variable, the whole request
        // future (a kilobyte or more) would be moved into the awaiting state. When the span
        // is enabled, the instrumented future lives on the heap, so that it does not enlarge
        // this one.
        let mut result = match obs.map(|o| &o.span).filter(|s| !s.is_disabled()) {
            None => match delay {
                Some(delay) => self.run_speculative(&x, &attempt, delay).await,
                None => self.execution(&x, &attempt, 1).await,
            },
            Some(span) => {
                Box::pin(
                    async {
                        match delay {
                            Some(delay) => self.run_speculative(&x, &attempt, delay).await,
                            None => self.execution(&x, &attempt, 1).await,
                        }
                    }
                    .instrument(span.clone()),
                )
                .await
            }
        };
        // Up to the end of the attempt that answered when attempts are timed: no second
        // clock read.
        let elapsed = timing.map_or_else(|| start.elapsed(), Timing::latency);
        counters.latency.record(elapsed);
        #[cfg(feature = "metrics")]
        self.inner.exported.request_done(elapsed);
        if result.is_err() {
            Counters::bump(&counters.errors);
        }
        if r.opts.tracing {
            if let Ok(res) = &mut result {
                res.set_failed_attempt_traces(plan.take_traces());
            }
        }
        if let Some(o) = observed {
            o.finish(&self.inner.listeners, &result);
        }
        result
    }

    /// The first execution, and more on the next nodes of the plan each time the
    /// speculative execution policy's delay passes without an answer; the first success wins
    /// (the others are dropped, their late answers discarded by their connections).
    async fn run_speculative<F: AsyncAttempt>(
        &self,
        x: &Run<'_>,
        attempt: &F,
        first_delay: Duration,
    ) -> Result<QueryResult, Error> {
        let (r, plan) = (x.r, x.plan);
        let mut running = FuturesUnordered::new();
        running.push(self.execution(x, attempt, 1));
        let mut started = 1u32;
        let mut next_at = Some(tokio::time::Instant::now() + first_delay);
        let mut last_error = None;
        loop {
            let timer = async {
                match next_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                Some(result) = running.next() => match result {
                    Ok(res) => return Ok(res),
                    Err(e) => last_error = Some(e),
                },
                () = timer => {
                    if plan.has_next() {
                        Counters::bump(&self.inner.counters.speculative_executions);
                        tracing::debug!(execution = started + 1, "starting a speculative execution");
                        if let Some(o) = x.obs {
                            o.speculative_started();
                        }
                        running.push(self.execution(x, attempt, started + 1));
                        started += 1;
                        next_at = r
                            .speculative()
                            .next_execution(started)
                            .map(|d| tokio::time::Instant::now() + d);
                    } else {
                        next_at = None;
                    }
                }
            }
            if running.is_empty() {
                return Err(last_error.unwrap_or_else(|| plan.no_host_available()));
            }
        }
    }

    /// One execution: attempts on the nodes of the plan, as the retry policy decides, until
    /// the call's deadline.
    async fn execution<F: AsyncAttempt>(
        &self,
        x: &Run<'_>,
        attempt: &F,
        execution: u32,
    ) -> Result<QueryResult, Error> {
        let (r, plan, deadline) = (x.r, x.plan, x.deadline);
        let counters = &self.inner.counters;
        let Some(mut conn) = plan.next() else {
            return Err(plan.no_host_available());
        };
        let mut retry_num = 0u32;
        // Attempts of this execution so far (retries, and moves after unsent requests).
        let mut tries = 0u32;
        let mut downgraded: Option<StatementOptions> = None;
        // When the current attempt started, when attempts are timed: the first execution's
        // first attempt from the request's start (one clock read fewer).
        let mut t0 = x.timing.map(|t| match execution {
            1 => t.start(),
            _ => Instant::now(),
        });
        loop {
            let opts = downgraded.as_ref().unwrap_or(&r.opts);
            counters.attempt_on(conn.addr());
            // The attempt's end, when timed: the next attempt's start.
            let observed = x
                .obs
                .map(|o| o.attempt(conn.addr(), execution, tries, opts));
            // One plain await for the common case and for observation without a span, so
            // that the attempt's poll has few callers (it stays inlined); each branch builds
            // its future in place (see `run`). The result is matched as it comes: not held
            // (and moved) while the attempt is reported.
            let (e, ended) = match observed
                .as_ref()
                .map(|a| &a.span)
                .filter(|s| !s.is_disabled())
            {
                None => match attempt.call(self, &conn, opts, deadline).await {
                    // Nothing to report (the common case): straight out, no call between
                    // the result and the return that would make it a copy more.
                    Ok(res) if observed.is_none() && x.timing.is_none() => return Ok(res),
                    Ok(res) => {
                        attempted(x, observed, conn.addr(), t0, Ok(()));
                        return Ok(res);
                    }
                    Err(e) => {
                        let ended = attempted(x, observed, conn.addr(), t0, Err(&e));
                        (e, ended)
                    }
                },
                Some(span) => {
                    let span = span.clone();
                    let result =
                        Box::pin(attempt.call(self, &conn, opts, deadline).instrument(span)).await;
                    let ended =
                        attempted(x, observed, conn.addr(), t0, result.as_ref().map(|_| ()));
                    match result {
                        Ok(res) => return Ok(res),
                        Err(e) => (e, ended),
                    }
                }
            };
            tries += 1;
            counters.attempt_failed(conn.addr(), &e);
            if let Some(id) = e.tracing_id() {
                plan.traced(id);
            }
            let consistency = opts.consistency.unwrap_or_default();
            let (same_host, new_consistency, delay) = match decide(r, &e, retry_num, consistency) {
                Next::Unsent => (false, None, Duration::ZERO),
                Next::Policy(RetryDecision::RetrySameHost { consistency, delay }) => {
                    (true, consistency, delay)
                }
                Next::Policy(RetryDecision::RetryNextHost { consistency, delay }) => {
                    (false, consistency, delay)
                }
                Next::Policy(RetryDecision::Ignore) => {
                    Counters::bump(&counters.ignores);
                    tracing::debug!(addr = %conn.addr(), error = %e, "error ignored by the retry policy");
                    return Ok(QueryResult::void(conn.addr()));
                }
                Next::Policy(_) => return Err(e),
            };
            if !e.is_unsent() {
                retry_num += 1;
                Counters::bump(&counters.retries);
            }
            tracing::debug!(
                addr = %conn.addr(), error = %e, same_host, retry = retry_num,
                consistency = ?new_consistency, "retrying"
            );
            if let Some(c) = new_consistency {
                let mut o = r.opts.clone();
                o.consistency = Some(c);
                downgraded = Some(o);
            }
            // No time left for another attempt: this one's error is the call's.
            let now = ended.unwrap_or_else(Instant::now);
            if now + delay >= deadline {
                return Err(e);
            }
            if !same_host {
                plan.failed(conn.addr(), e);
                Counters::bump(&counters.retries_on_next_host);
                conn = match plan.next() {
                    Some(c) => c,
                    None => return Err(plan.no_host_available()),
                };
            }
            t0 = ended;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
                if x.timing.is_some() {
                    t0 = Some(Instant::now());
                }
            }
        }
    }
}

/// Reports an attempt's end: its latency and result to the load-balancing policy when it
/// wants them (from `t0`, the attempt's start when timed), and the observation's end.
/// Returns the end when timed. Inlined: without observation and feedback, two compares.
#[inline]
fn attempted(
    x: &Run<'_>,
    observed: Option<Attempt<'_>>,
    addr: SocketAddr,
    t0: Option<Instant>,
    result: Result<(), &Error>,
) -> Option<Instant> {
    let ended = match (x.timing, t0) {
        (Some(t), Some(t0)) => {
            let now = Instant::now();
            x.r.lb().on_attempt(addr, now - t0, result);
            if result.is_ok() {
                t.answered(now);
            }
            Some(now)
        }
        _ => None,
    };
    if let Some(a) = observed {
        a.end(result);
    }
    ended
}

/// What the retry policy says about a failed attempt, vetoed when the statement is not
/// idempotent and a write may have happened.
fn decide(r: &Resolved<'_>, e: &Error, retry_num: u32, consistency: Consistency) -> Next {
    if e.is_unsent() {
        return if r.retry().try_next_host_when_unsent() {
            Next::Unsent
        } else {
            Next::Policy(RetryDecision::Rethrow)
        };
    }
    let ctx = RetryContext::new(retry_num, r.opts.idempotent, consistency);
    let policy = r.retry();
    use crate::error::ServerErrorKind as K;
    let (decision, maybe_executed) = match e {
        Error::Server { error, .. } => match &error.kind {
            K::ReadTimeout {
                received,
                block_for,
                data_present,
                ..
            } => (
                policy.on_read_timeout(&ctx, *block_for, *received, *data_present),
                false,
            ),
            K::WriteTimeout {
                received,
                block_for,
                write_type,
                ..
            } => (
                policy.on_write_timeout(&ctx, write_type, *block_for, *received),
                *write_type != WriteType::BatchLog,
            ),
            K::Unavailable {
                required, alive, ..
            } => (policy.on_unavailable(&ctx, *required, *alive), false),
            // Refused before execution.
            K::Overloaded | K::IsBootstrapping => (policy.on_request_error(&ctx, e), false),
            K::RateLimitReached {
                rejected_by_coordinator,
                ..
            } => (policy.on_rate_limit(&ctx, e), !*rejected_by_coordinator),
            K::ServerError | K::TruncateError => (policy.on_request_error(&ctx, e), true),
            _ => (RetryDecision::Rethrow, true),
        },
        Error::Timeout { .. } | Error::ConnectionClosed { .. } => {
            (policy.on_request_error(&ctx, e), true)
        }
        _ => (RetryDecision::Rethrow, true),
    };
    let retries = matches!(
        decision,
        RetryDecision::RetrySameHost { .. } | RetryDecision::RetryNextHost { .. }
    );
    if retries && maybe_executed && !r.opts.idempotent {
        return Next::Policy(RetryDecision::Rethrow);
    }
    Next::Policy(decision)
}
