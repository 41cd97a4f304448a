//! AQL cursors: one batch in memory at a time; the server cursor is deleted when the
//! cursor is dropped before the end.

use std::collections::VecDeque;

use reqwest::Method;
use serde_json::Value;

use crate::conn::{Req, enc};
use crate::database::Database;
use crate::error::{Error, Result};

/// Results of an AQL query, fetched batch by batch.
#[derive(Debug)]
pub struct Cursor {
    db: Database,
    id: Option<String>,
    batch: VecDeque<Value>,
    count: Option<u64>,
}

fn bad(msg: &str) -> Error {
    Error::Deserialization {
        url: "/_api/cursor".into(),
        message: msg.into(),
    }
}

impl Cursor {
    pub(crate) fn new(db: Database, v: Value) -> Result<Self> {
        let mut c = Cursor {
            db,
            id: None,
            batch: VecDeque::new(),
            count: v.get("count").and_then(Value::as_u64),
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

    /// The next batch (the one in memory, else fetched); `None` at the end.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Value>>> {
        if self.batch.is_empty() {
            if self.id.is_none() {
                return Ok(None);
            }
            self.fetch().await?;
        }
        Ok(Some(std::mem::take(&mut self.batch).into()))
    }

    /// The next result; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Value>> {
        if self.batch.is_empty() && self.id.is_some() {
            self.fetch().await?;
        }
        Ok(self.batch.pop_front())
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

impl Drop for Cursor {
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
