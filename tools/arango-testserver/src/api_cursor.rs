//! `/_api/cursor`: creating a cursor with its options, reading batches (`POST`, and the
//! deprecated `PUT`), reading the latest batch again (`allowRetry`), deleting, and expiry
//! after the cursor's `ttl` (default 30 s) without access.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::aql::{RunStats, parse, run};
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, Cursor, State};

/// Largest batch a client may ask for.
const MAX_BATCH: usize = 100_000;

/// ArangoDB's default cursor lifetime without access.
const DEFAULT_TTL: Duration = Duration::from_secs(30);

fn not_found() -> ApiError {
    ApiError::new(404, 1600, "cursor not found")
}

/// Forgets cursors whose ttl has passed since they were last used.
pub(crate) fn expire(st: &mut State) {
    st.cursors.retain(|_, c| c.last_access.elapsed() < c.ttl);
}

fn bool_opt(body: &Value, opts: &Value, name: &str) -> bool {
    opts.get(name)
        .or_else(|| body.get(name))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The next batch of cursor `id` (or an empty one, see the empty-batch hook), with the
/// envelope ArangoDB sends.
fn batch_body(st: &mut State, id: &str, code: u16) -> Result<Value, ApiError> {
    let pad_hook = st.empty_batches;
    let cur = st.cursors.get_mut(id).ok_or_else(not_found)?;
    let pad = std::mem::replace(&mut cur.pad_next, false);
    let n = if pad {
        0
    } else {
        cur.batch_size.min(cur.remaining.len())
    };
    let result: Vec<Value> = cur.remaining.drain(..n).collect();
    let has_more = !cur.remaining.is_empty();
    cur.batch_id += 1;
    let mut m = Map::new();
    m.insert("result".into(), Value::Array(result));
    m.insert("hasMore".into(), Value::from(has_more));
    if let Some(c) = cur.count {
        m.insert("count".into(), Value::from(c));
    }
    // Non-stream queries ran to the end: their statistics come with every batch; a stream
    // query's only with its last one.
    if !cur.stream || !has_more {
        m.insert("extra".into(), cur.extra.clone());
    }
    if has_more {
        m.insert("id".into(), Value::from(id));
        m.insert(
            "nextBatchId".into(),
            Value::from((cur.batch_id + 1).to_string()),
        );
        cur.pad_next = pad_hook && !pad;
    }
    m.insert("cached".into(), Value::from(false));
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(code));
    let body = Value::Object(m);
    if cur.allow_retry {
        cur.last_batch = Some(body.clone());
    }
    cur.last_access = Instant::now();
    // With allowRetry the last batch stays for a retry until the cursor is deleted or
    // expires (a first batch has no id to retry with).
    if !has_more && (!cur.allow_retry || cur.batch_id == 1) {
        st.cursors.remove(id);
    }
    Ok(body)
}

fn create(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let body = ctx.json()?;
    let opts = body.get("options").cloned().unwrap_or(Value::Null);
    let qs = body
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::new(400, 1502, "query is empty"))?;
    let empty = Map::new();
    let binds = body
        .get("bindVars")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let batch = match body.get("batchSize") {
        None | Some(Value::Null) => 1000,
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=MAX_BATCH).contains(n))
            .ok_or_else(|| ApiError::bad("batchSize must be between 1 and 100000"))?,
    };
    let ttl = match body.get("ttl") {
        None | Some(Value::Null) => DEFAULT_TTL,
        Some(v) => v
            .as_f64()
            .filter(|t| t.is_finite() && *t > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| ApiError::bad("ttl must be a positive number of seconds"))?,
    };
    let stream = bool_opt(&body, &opts, "stream");
    let started = Instant::now();
    // Graph traversals first (their own grammar), then the document-query subset.
    let (rows, stats) = match crate::traversal::try_run(st, &ctx.db, qs, binds) {
        Some(rows) => {
            let rows = rows?;
            let n = rows.len();
            (
                rows,
                RunStats {
                    scanned: n,
                    filtered: 0,
                    full_count: n,
                },
            )
        }
        None => run(st, &ctx.db, &parse(qs, binds)?)?,
    };
    let warnings: Vec<Value> = std::mem::take(&mut st.query_warnings)
        .into_iter()
        .map(|(code, message)| json!({"code": code, "message": message}))
        .collect();
    if bool_opt(&body, &opts, "failOnWarning") {
        if let Some(w) = warnings.first() {
            return Err(ApiError::new(
                400,
                w["code"].as_i64().unwrap_or(0),
                w["message"].as_str().unwrap_or(""),
            ));
        }
    }
    let mut s = json!({
        "writesExecuted": 0, "writesIgnored": 0, "scannedFull": stats.scanned,
        "scannedIndex": 0, "cursorsCreated": 1, "cursorsRearmed": 0, "cacheHits": 0,
        "cacheMisses": 0, "filtered": stats.filtered, "httpRequests": 0,
        "executionTime": started.elapsed().as_secs_f64(), "peakMemoryUsage": 0,
        "intermediateCommits": 0, "documentLookups": 0,
    });
    if bool_opt(&body, &opts, "fullCount") {
        s["fullCount"] = Value::from(stats.full_count);
    }
    // A stream query does not know its result count up front: `count` is ignored.
    let count = (bool_opt(&body, &opts, "count") && !stream).then_some(rows.len());
    let id = st.next_id().to_string();
    st.cursors.insert(
        id.clone(),
        Cursor {
            db: ctx.db.clone(),
            remaining: VecDeque::from(rows),
            batch_size: batch,
            count,
            pad_next: false,
            ttl,
            last_access: Instant::now(),
            batch_id: 0,
            allow_retry: bool_opt(&body, &opts, "allowRetry"),
            last_batch: None,
            extra: json!({"stats": s, "warnings": warnings}),
            stream,
        },
    );
    st.max_live_cursors = st.max_live_cursors.max(st.cursors.len());
    Ok(Resp::new(201, batch_body(st, &id, 201)?))
}

pub(crate) fn cursor(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    expire(st);
    let db_matches = |st: &State, id: &str| st.cursors.get(id).is_some_and(|c| c.db == ctx.db);
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("POST", None, None) => create(st, ctx),
        // Reading the next batch: POST since 3.11, PUT before (deprecated, still served).
        ("PUT" | "POST", Some(id), None) => {
            if !db_matches(st, id) {
                return Err(not_found());
            }
            if st
                .cursors
                .get(id)
                .is_some_and(|c| c.last_batch.is_some() && !has_more(c))
            {
                // allowRetry keeps an exhausted cursor for a retry of its last batch only.
                return Err(not_found());
            }
            Ok(Resp::new(200, batch_body(st, id, 200)?))
        }
        // Reading the latest batch again (allowRetry), or the next one by its id.
        ("POST", Some(id), Some(batch)) => {
            if !db_matches(st, id) {
                return Err(not_found());
            }
            let batch: u64 = batch
                .parse()
                .map_err(|_| ApiError::bad("batch id must be a number"))?;
            let cur = st.cursors.get_mut(id).ok_or_else(not_found)?;
            if batch == cur.batch_id {
                let body = cur
                    .last_batch
                    .clone()
                    .ok_or_else(|| ApiError::bad("the cursor was not created with allowRetry"))?;
                cur.last_access = Instant::now();
                return Ok(Resp::new(200, body));
            }
            if batch == cur.batch_id + 1 && has_more(cur) {
                return Ok(Resp::new(200, batch_body(st, id, 200)?));
            }
            Err(ApiError::bad(format!("batch {batch} is not available")))
        }
        ("DELETE", Some(id), None) => {
            if !db_matches(st, id) {
                return Err(not_found());
            }
            st.cursors.remove(id);
            Ok(Resp::new(
                202,
                json!({"id": id, "error": false, "code": 202}),
            ))
        }
        _ => Err(ApiError::method()),
    }
}

fn has_more(c: &Cursor) -> bool {
    !c.remaining.is_empty() || c.pad_next
}
