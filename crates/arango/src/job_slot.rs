//! How a database handle sends its one request when it belongs to an async job: submitted
//! with `x-arango-async`, or answered from the job's stored result. See `crate::job`.

use std::sync::Mutex;

use reqwest::Method;
use serde_json::Value;

use crate::conn::{Connection, Req, enc};
use crate::error::{Error, JobError, Result};

enum Mode {
    /// The next request is sent as a job (`store`: its result is kept).
    Submit { store: bool },
    /// The request was sent; the server's job id.
    Sent(Option<String>),
    /// The next request is answered from job `id`'s stored result; later ones go out as usual.
    Replay(String),
    /// Requests go out as usual.
    Plain,
}

pub(crate) struct JobSlot {
    mode: Mutex<Mode>,
}

impl std::fmt::Debug for JobSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobSlot")
    }
}

enum Action {
    Submit(bool),
    Replay(String),
    Plain,
}

impl JobSlot {
    pub(crate) fn submit(store: bool) -> Self {
        JobSlot {
            mode: Mutex::new(Mode::Submit { store }),
        }
    }

    pub(crate) fn replay(id: &str) -> Self {
        JobSlot {
            mode: Mutex::new(Mode::Replay(id.to_owned())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a request was sent, and the job id the server gave it.
    pub(crate) fn sent(&self) -> Option<Option<String>> {
        match &*self.lock() {
            Mode::Sent(id) => Some(id.clone()),
            _ => None,
        }
    }

    pub(crate) async fn call(&self, conn: &Connection, req: Req) -> Result<Value> {
        let action = {
            let mut m = self.lock();
            match &*m {
                Mode::Submit { store } => {
                    let store = *store;
                    *m = Mode::Sent(None);
                    Action::Submit(store)
                }
                Mode::Replay(id) => {
                    let id = id.clone();
                    *m = Mode::Plain;
                    Action::Replay(id)
                }
                Mode::Plain => Action::Plain,
                Mode::Sent(_) => return Err(JobError::SecondRequest.into()),
            }
        };
        match action {
            Action::Plain => conn.json(req).await,
            Action::Submit(store) => {
                let req = req.header("x-arango-async", if store { "store" } else { "true" })?;
                let resp = conn.send(&req).await?;
                let id = resp.async_id.clone();
                let url = resp.url.clone();
                conn.check(&req.method, resp)?;
                if store && id.is_none() {
                    return Err(Error::Deserialization {
                        url,
                        message: "the server answered without x-arango-async-id".into(),
                    });
                }
                *self.lock() = Mode::Sent(id.clone());
                Err(JobError::Submitted { id }.into())
            }
            Action::Replay(id) => {
                let fetch = Req::new(Method::PUT, format!("/_api/job/{}", enc(&id)));
                let resp = conn.send(&fetch).await?;
                if resp.async_id.is_some() {
                    // The job's own answer, success or error, as if it had come directly.
                    return conn.check(&req.method, resp);
                }
                match resp.status {
                    204 => Err(JobError::NotDone { id }.into()),
                    404 => Err(JobError::NotFound { id }.into()),
                    _ => {
                        let url = resp.url.clone();
                        conn.check(&fetch.method, resp)?;
                        Err(Error::Deserialization {
                            url,
                            message: "a job result without x-arango-async-id".into(),
                        })
                    }
                }
            }
        }
    }
}
