//! AQL cursors: one batch in memory at a time; the server cursor is deleted when the
//! cursor is dropped before the end.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::conn::{Req, enc};
use crate::database::Database;
use crate::error::{Error, Result};
use crate::query::QueryExtra;

/// Results of an AQL query, fetched batch by batch and deserialized into `T` one result at
/// a time ([`Database::aql`] gives `Cursor<Value>`, [`Database::aql_as`] and
/// [`Database::query`] any type).
///
/// Batches are read with `POST /_api/cursor/<id>` (`PUT` for servers before 3.11, which
/// answer `POST` with 405). With [`AqlQuery::allow_retry`](crate::AqlQuery::allow_retry), a
/// batch whose answer was lost (timeout, connection error) is asked for again by its
/// `nextBatchId`, so no result is skipped.
pub struct Cursor<T = Value> {
    db: Database,
    id: Option<String>,
    batch: VecDeque<Value>,
    count: Option<u64>,
    cached: bool,
    extra: Option<QueryExtra>,
    next_batch_id: Option<String>,
    allow_retry: bool,
    legacy_put: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Cursor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("id", &self.id)
            .field("buffered", &self.batch.len())
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

fn bad(msg: &str) -> Error {
    Error::Deserialization {
        url: "/_api/cursor".into(),
        message: msg.into(),
    }
}

fn convert<T: DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| bad(&format!("cannot deserialize a result: {e}")))
}

/// `nextBatchId` as a string (servers send a number or a string).
fn batch_id(v: &Value) -> Option<String> {
    match v.get("nextBatchId")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<T: DeserializeOwned> Cursor<T> {
    pub(crate) fn new(db: Database, v: Value, allow_retry: bool) -> Result<Self> {
        let mut c = Cursor {
            db,
            id: None,
            batch: VecDeque::new(),
            count: None,
            cached: false,
            extra: None,
            next_batch_id: None,
            allow_retry,
            legacy_put: false,
            _t: PhantomData,
        };
        c.take(v)?;
        Ok(c)
    }

    fn take(&mut self, mut v: Value) -> Result<()> {
        let result = match v.get_mut("result").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => return Err(bad("result is not an array")),
        };
        let has_more = v.get("hasMore").and_then(Value::as_bool).unwrap_or(false);
        self.id = if has_more {
            Some(
                v.get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("hasMore without id"))?
                    .to_owned(),
            )
        } else {
            None
        };
        if let Some(c) = v.get("count").and_then(Value::as_u64) {
            self.count = Some(c);
        }
        self.cached = v.get("cached").and_then(Value::as_bool).unwrap_or(false);
        if let Some(e) = v.get_mut("extra").map(Value::take) {
            self.extra =
                Some(serde_json::from_value(e).map_err(|e| bad(&format!("bad extra: {e}")))?);
        }
        self.next_batch_id = batch_id(&v);
        self.batch = result.into();
        Ok(())
    }

    /// Total number of results, when the server counted them
    /// ([`AqlQuery::count`](crate::AqlQuery::count)).
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// Whether the result came from the query results cache.
    pub fn cached(&self) -> bool {
        self.cached
    }

    /// Statistics and warnings, as last reported (for stream queries, with the last batch).
    pub fn extra(&self) -> Option<&QueryExtra> {
        self.extra.as_ref()
    }

    /// The id of the server cursor while it has more.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Results held in memory right now (at most one batch).
    pub fn buffered(&self) -> usize {
        self.batch.len()
    }

    /// Whether the server still holds more results.
    pub fn has_more(&self) -> bool {
        self.id.is_some()
    }

    /// Fetches until a batch holds results or the server has no more (ArangoDB may answer
    /// an empty batch with `hasMore: true`, e.g. for stream queries).
    async fn fill(&mut self) -> Result<()> {
        while self.batch.is_empty() && self.id.is_some() {
            self.fetch().await?;
        }
        Ok(())
    }

    /// The next non-empty batch (the one in memory, else fetched); `None` at the end.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<T>>> {
        self.fill().await?;
        if self.batch.is_empty() {
            return Ok(None);
        }
        std::mem::take(&mut self.batch)
            .into_iter()
            .map(convert)
            .collect::<Result<Vec<T>>>()
            .map(Some)
    }

    /// The next result; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<T>> {
        self.fill().await?;
        self.batch.pop_front().map(convert).transpose()
    }

    /// All remaining results (this holds them all in memory).
    pub async fn collect(mut self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(b) = self.next_batch().await? {
            out.extend(b);
        }
        Ok(out)
    }

    async fn fetch(&mut self) -> Result<()> {
        let Some(id) = self.id.clone() else {
            return Ok(());
        };
        let path = format!("/_api/cursor/{}", enc(&id));
        let method = if self.legacy_put {
            Method::PUT
        } else {
            Method::POST
        };
        // Not resent by the transport after a closed connection: the server may have
        // moved on to the next batch (the batch id below is the safe way).
        let r = self.db.call(Req::new(method, path.clone()).once()).await;
        let v = match r {
            Ok(v) => v,
            Err(e) if e.http_code() == Some(405) && !self.legacy_put => {
                self.legacy_put = true;
                self.db.call(Req::new(Method::PUT, path).once()).await?
            }
            Err(e @ (Error::Timeout { .. } | Error::Connection { .. })) => {
                let Some(next) = self.next_batch_id.clone().filter(|_| self.allow_retry) else {
                    return Err(e);
                };
                // The answer was lost: ask for that batch by its id (it is kept for this).
                let retry = format!("/_api/cursor/{}/{}", enc(&id), enc(&next));
                self.db.call(Req::new(Method::POST, retry).once()).await?
            }
            Err(e) => return Err(e),
        };
        self.take(v)?;
        if self.id.is_none() && self.allow_retry {
            // The server keeps a retryable cursor's last batch until it is deleted.
            let _ = self
                .db
                .call(Req::new(
                    Method::DELETE,
                    format!("/_api/cursor/{}", enc(&id)),
                ))
                .await;
        }
        Ok(())
    }

    /// Deletes the server cursor now (also done on drop).
    pub async fn close(mut self) -> Result<()> {
        if let Some(id) = self.id.take() {
            self.db
                .call(Req::new(
                    Method::DELETE,
                    format!("/_api/cursor/{}", enc(&id)),
                ))
                .await?;
        }
        Ok(())
    }
}

impl<T> Drop for Cursor<T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                let db = self.db.clone();
                rt.spawn(async move {
                    let _ = db
                        .call(Req::new(
                            Method::DELETE,
                            format!("/_api/cursor/{}", enc(&id)),
                        ))
                        .await;
                });
            }
        }
    }
}
