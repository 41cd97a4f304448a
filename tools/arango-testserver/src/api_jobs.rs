//! Async execution (`x-arango-async: true|store`) and `/_api/job`.
//!
//! A request with `x-arango-async: store` is answered 202 with an `x-arango-async-id` header
//! and an empty body; its real answer (status, headers, body) is kept until fetched once with
//! `PUT /_api/job/{id}` (which adds `x-arango-async-id`, telling it apart from the job
//! manager's own answers: 204 still pending, 404 unknown). `x-arango-async: true` (fire and
//! forget) is answered 202 and keeps nothing.
//!
//! The stand-in runs a job before answering 202, so a job is done as soon as it is known,
//! unless the test holds jobs back ([`crate::TestServer::hold_async_jobs`]): then stored jobs
//! stay pending (and can be cancelled) until released. Fire-and-forget requests always run at
//! once. Deleting a pending job's entry does not abort it: it still runs on release, keeping
//! nothing. A non-numeric job id is 400 for `GET` (only `done` and `pending` are words there)
//! and 404 elsewhere (it names no job), as ArangoDB answers. Jobs are server-wide, as in
//! ArangoDB; any authenticated user may query them.

use serde_json::{Value, json};

use crate::catalog::{Job, JobState};
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

/// The router, to run a job's request.
pub(crate) type Dispatch = fn(&mut State, &Ctx) -> Result<Resp, ApiError>;

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn run(st: &mut State, ctx: &Ctx, dispatch: Dispatch) -> Resp {
    match dispatch(st, ctx) {
        Ok(r) => r,
        Err(e) => Resp::new(e.code, e.body()),
    }
}

fn not_found() -> ApiError {
    ApiError::new(404, 404, "not found")
}

fn accepted() -> Resp {
    Resp::new(202, Value::Null)
}

pub(crate) fn submit(st: &mut State, ctx: Ctx, dispatch: Dispatch) -> Result<Resp, ApiError> {
    let store = ctx.header("x-arango-async") == Some("store");
    if !store {
        run(st, &ctx, dispatch);
        return Ok(accepted());
    }
    let id = st.next_id();
    let state = if st.catalog.hold_jobs {
        JobState::Pending(Box::new(ctx))
    } else {
        JobState::Done(run(st, &ctx, dispatch))
    };
    st.catalog.jobs.insert(
        id,
        Job {
            state,
            stamp: now(),
        },
    );
    let mut r = accepted();
    r.headers.push(("x-arango-async-id", id.to_string()));
    Ok(r)
}

/// Runs the held jobs, oldest first.
pub(crate) fn release(st: &mut State, dispatch: Dispatch) {
    for ctx in std::mem::take(&mut st.catalog.detached_jobs) {
        run(st, &ctx, dispatch);
    }
    let pending: Vec<u64> = st
        .catalog
        .jobs
        .iter()
        .filter(|(_, j)| matches!(j.state, JobState::Pending(_)))
        .map(|(id, _)| *id)
        .collect();
    for id in pending {
        let Some(job) = st.catalog.jobs.remove(&id) else {
            continue;
        };
        let JobState::Pending(ctx) = job.state else {
            continue;
        };
        let r = run(st, &ctx, dispatch);
        st.catalog.jobs.insert(
            id,
            Job {
                state: JobState::Done(r),
                stamp: job.stamp,
            },
        );
    }
}

fn result_true() -> Resp {
    Resp::new(200, json!({"result": true}))
}

fn ids(st: &State, done: bool, count: usize) -> Resp {
    let list: Vec<String> = st
        .catalog
        .jobs
        .iter()
        .filter(|(_, j)| matches!(j.state, JobState::Done(_)) == done)
        .take(count)
        .map(|(id, _)| id.to_string())
        .collect();
    Resp::new(200, json!(list))
}

pub(crate) fn job(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let which = ctx.seg(2);
    let parsed = which.and_then(|w| w.parse::<u64>().ok());
    match (ctx.method.as_str(), which, ctx.seg(3)) {
        (_, None, _) => Err(ApiError::bad("no job id given")),
        ("GET", Some(kind @ ("done" | "pending")), None) => {
            let count = match ctx.query.get("count") {
                None => 100,
                Some(c) => c
                    .parse()
                    .map_err(|_| ApiError::bad("count must be a number"))?,
            };
            Ok(ids(st, kind == "done", count))
        }
        ("DELETE", Some("all"), None) => {
            st.catalog
                .jobs
                .retain(|_, j| matches!(j.state, JobState::Pending(_)));
            Ok(result_true())
        }
        ("DELETE", Some("expired"), None) => {
            let stamp: f64 = ctx
                .query
                .get("stamp")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ApiError::bad("stamp must be a number"))?;
            st.catalog
                .jobs
                .retain(|_, j| matches!(j.state, JobState::Pending(_)) || j.stamp >= stamp);
            Ok(result_true())
        }
        ("GET", Some(_), None) if parsed.is_none() => {
            Err(ApiError::bad("job id must be a number, done or pending"))
        }
        (m, Some(_), sub) => {
            let id = parsed.ok_or_else(not_found)?;
            let job = st.catalog.jobs.get_mut(&id).ok_or_else(not_found)?;
            let pending = matches!(job.state, JobState::Pending(_));
            match (m, sub) {
                ("GET", None) => Ok(Resp::new(if pending { 204 } else { 200 }, Value::Null)),
                ("PUT", None) => {
                    if pending {
                        return Ok(Resp::new(204, Value::Null));
                    }
                    let Some(Job {
                        state: JobState::Done(mut r),
                        ..
                    }) = st.catalog.jobs.remove(&id)
                    else {
                        return Err(not_found());
                    };
                    r.headers.push(("x-arango-async-id", id.to_string()));
                    Ok(r)
                }
                ("PUT", Some("cancel")) => {
                    if pending {
                        let gone = ApiError::new(410, 21, "request canceled");
                        job.state = JobState::Done(Resp::new(gone.code, gone.body()));
                    }
                    Ok(result_true())
                }
                ("DELETE", None) => {
                    if let Some(Job {
                        state: JobState::Pending(ctx),
                        ..
                    }) = st.catalog.jobs.remove(&id)
                    {
                        st.catalog.detached_jobs.push(*ctx);
                    }
                    Ok(result_true())
                }
                (_, Some(_)) => Err(ApiError::not_found_path()),
                _ => Err(ApiError::method()),
            }
        }
    }
}
