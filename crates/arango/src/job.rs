//! Async execution (`x-arango-async`) and async jobs (`/_api/job`).
//!
//! [`Database::begin_async_execution`] gives an [`AsyncDatabase`]. Its [`AsyncDatabase::submit`]
//! takes a closure that makes one request with the database handle it is given, e.g.
//! `|db| async move { db.collection("c").count().await }`: the request goes out with
//! `x-arango-async: store` and the server answers at once with a job id, an [`AsyncJob`].
//! [`AsyncJob::result`] runs the same closure again, its request being answered by the job's
//! stored result, so the result is parsed into the closure's own type (`u64` here) and a failed
//! job is the same typed [`Error`](crate::Error) the direct call would have given.
//! [`AsyncDatabase::fire_and_forget`] sends with `x-arango-async: true` (nothing is kept).
//!
//! ```no_run
//! # async fn demo(db: arango::Database) -> arango::Result<()> {
//! let job = db
//!     .begin_async_execution()
//!     .submit(|db| async move { db.collection("c").count().await })
//!     .await?;
//! job.wait(std::time::Duration::from_millis(50), std::time::Duration::from_secs(10)).await?;
//! let n: u64 = job.result().await?;
//! # let _ = n; Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::conn::{Req, enc};
use crate::database::{Database, from_value};
use crate::error::{Error, JobError, Result};
use crate::job_slot::JobSlot;

type Replay<T> = dyn Fn(Database) -> Pin<Box<dyn Future<Output = Result<T>> + Send>> + Send + Sync;

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobStatus {
    /// Queued or running.
    Pending,
    /// Finished (successfully or not); the result can be fetched once.
    Done,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Done => "done",
        }
    }
}

/// A database handle whose requests become async jobs. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AsyncDatabase {
    db: Database,
}

/// A job on the server and how to parse its result.
pub struct AsyncJob<T> {
    db: Database,
    id: String,
    replay: Arc<Replay<T>>,
}

impl<T> Clone for AsyncJob<T> {
    fn clone(&self) -> Self {
        AsyncJob {
            db: self.db.clone(),
            id: self.id.clone(),
            replay: self.replay.clone(),
        }
    }
}

impl<T> fmt::Debug for AsyncJob<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncJob").field("id", &self.id).finish()
    }
}

impl Database {
    /// A handle whose requests are sent as async jobs.
    pub fn begin_async_execution(&self) -> AsyncDatabase {
        AsyncDatabase { db: self.clone() }
    }

    /// The ids of the jobs in `status` (at most `count`; the server's default is 100).
    pub async fn async_jobs(&self, status: JobStatus, count: Option<u32>) -> Result<Vec<String>> {
        let mut req = Req::new(Method::GET, format!("/_api/job/{}", status.as_str()));
        if let Some(c) = count {
            req = req.query("count", c.to_string());
        }
        from_value(self.call(req).await?)
    }

    /// Deletes the results of finished jobs: all, or those created before `threshold` (Unix
    /// time in seconds). Pending jobs are not touched.
    pub async fn clear_async_jobs(&self, threshold: Option<f64>) -> Result<()> {
        let req = match threshold {
            None => Req::new(Method::DELETE, "/_api/job/all"),
            Some(t) => Req::new(Method::DELETE, "/_api/job/expired").query("stamp", t.to_string()),
        };
        self.call(req).await?;
        Ok(())
    }

    /// A job by id whose result is the raw JSON body (e.g. a job created by another client).
    pub fn async_job(&self, id: &str) -> AsyncJob<Value> {
        AsyncJob {
            db: self.clone(),
            id: id.to_owned(),
            replay: Arc::new(|db: Database| {
                Box::pin(async move { db.call(Req::new(Method::PUT, "/_api/job")).await })
            }),
        }
    }
}

impl AsyncDatabase {
    /// The plain database handle.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Sends the one request `f` makes as a stored job. `f` may run twice: now, to send the
    /// request, and in [`AsyncJob::result`], to parse the stored answer.
    pub async fn submit<T, F, Fut>(&self, f: F) -> Result<AsyncJob<T>>
    where
        F: Fn(Database) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: 'static,
    {
        let slot = Arc::new(JobSlot::submit(true));
        let outcome = f(self.db.with_job_slot(slot.clone())).await;
        let id = match (slot.sent(), outcome) {
            (Some(Some(id)), _) => id,
            (Some(None), Err(e)) | (None, Err(e)) => return Err(e),
            (_, Ok(_)) => return Err(JobError::NoRequest.into()),
        };
        Ok(AsyncJob {
            db: self.db.clone(),
            id,
            replay: Arc::new(move |db| Box::pin(f(db))),
        })
    }

    /// Sends the one request `f` makes as fire-and-forget (`x-arango-async: true`): the server
    /// accepts it and keeps no result.
    pub async fn fire_and_forget<T, F, Fut>(&self, f: F) -> Result<()>
    where
        F: FnOnce(Database) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let slot = Arc::new(JobSlot::submit(false));
        let outcome = f(self.db.with_job_slot(slot.clone())).await;
        match (slot.sent(), outcome) {
            (Some(_), Err(Error::Job(JobError::Submitted { .. }))) => Ok(()),
            (_, Err(e)) => Err(e),
            (_, Ok(_)) => Err(JobError::NoRequest.into()),
        }
    }
}

impl<T> AsyncJob<T> {
    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn path(&self, sub: &str) -> String {
        format!("/_api/job/{}{sub}", enc(&self.id))
    }

    async fn manage(&self, method: Method, sub: &str) -> Result<u16> {
        let req = Req::new(method, self.path(sub));
        let resp = self.db.conn().send(&req).await?;
        let status = resp.status;
        if status == 404 {
            return Err(JobError::NotFound {
                id: self.id.clone(),
            }
            .into());
        }
        self.db.conn().check(&req.method, resp)?;
        Ok(status)
    }

    /// Pending or done ([`JobError::NotFound`] once the result was fetched or deleted).
    pub async fn status(&self) -> Result<JobStatus> {
        match self.manage(Method::GET, "").await? {
            204 => Ok(JobStatus::Pending),
            _ => Ok(JobStatus::Done),
        }
    }

    /// Polls [`AsyncJob::status`] every `interval` until the job is done (true) or `max` has
    /// passed (false).
    pub async fn wait(&self, interval: Duration, max: Duration) -> Result<bool> {
        let start = Instant::now();
        loop {
            if self.status().await? == JobStatus::Done {
                return Ok(true);
            }
            if start.elapsed() >= max {
                return Ok(false);
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// The result, parsed as the direct call would have been (a failed job gives that call's
    /// error). The server hands a result out once: afterwards the job is unknown.
    /// [`JobError::NotDone`] while pending.
    pub async fn result(&self) -> Result<T> {
        let slot = Arc::new(JobSlot::replay(&self.id));
        (self.replay)(self.db.with_job_slot(slot)).await
    }

    /// Cancels a pending job (a done job is not affected).
    pub async fn cancel(&self) -> Result<()> {
        self.manage(Method::PUT, "/cancel").await.map(|_| ())
    }

    /// Deletes the job's result.
    pub async fn clear(&self) -> Result<()> {
        self.manage(Method::DELETE, "").await.map(|_| ())
    }
}
