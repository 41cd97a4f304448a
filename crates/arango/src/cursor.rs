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

/// Results of an AQL query, fetched batch by batch and deserialized into `T` one result at
/// a time ([`Database::aql`] gives `Cursor<Value>`, [`Database::aql_as`] any type).
pub struct Cursor<T = Value> {
    db: Database,
    id: Option<String>,
    batch: VecDeque<Value>,
    count: Option<u64>,
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

impl<T: DeserializeOwned> Cursor<T> {
    pub(crate) fn new(db: Database, v: Value) -> Result<Self> {
        let mut c = Cursor {
            db,
            id: None,
            batch: VecDeque::new(),
            count: v.get("count").and_then(Value::as_u64),
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
        self.batch = result.into();
        Ok(())
    }

    /// Total number of results, when the server counted them.
    pub fn count(&self) -> Option<u64> {
        self.count
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
        let Some(id) = &self.id else { return Ok(()) };
        let v = self
            .db
            .call(Req::new(Method::PUT, format!("/_api/cursor/{}", enc(id))))
            .await?;
        self.take(v)
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
