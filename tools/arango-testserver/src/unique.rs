//! Unique persistent indexes for the document API: writes to a collection that has one run
//! through [`crate::api_data`] as usual and are then checked; a write that repeats the values
//! of a unique index in another document is undone and answered 409 (errorNum 1210), for a
//! batch in that item's slot. Collections without unique indexes are not touched.

use std::collections::BTreeMap;

use hyper::body::Bytes;
use serde_json::{Value, json};

use crate::api_data;
use crate::api_index::{check_unique, unique_fields};
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

/// Whether this document request writes to a collection with a unique index.
pub(crate) fn applies(st: &State, ctx: &Ctx) -> bool {
    let reads = matches!(ctx.method.as_str(), "GET" | "HEAD")
        || (ctx.method == "PUT" && ctx.flag("onlyget"));
    !reads
        && ctx
            .seg(2)
            .is_some_and(|c| !unique_fields(st, &ctx.db, c).is_empty())
}

fn docs(st: &mut State, db: &str, coll: &str) -> Result<BTreeMap<String, Value>, ApiError> {
    Ok(st.coll(db, coll)?.docs.clone())
}

/// Error 1210 if a document written since `before` clashes with another on a unique index.
fn verify(
    st: &mut State,
    db: &str,
    coll: &str,
    before: &BTreeMap<String, Value>,
) -> Result<(), ApiError> {
    let unique = unique_fields(st, db, coll);
    let c = st.coll(db, coll)?;
    for (k, d) in &c.docs {
        if before.get(k) != Some(d) {
            check_unique(&unique, c.docs.iter(), k, d)?;
        }
    }
    Ok(())
}

fn restore(st: &mut State, db: &str, coll: &str, before: BTreeMap<String, Value>) {
    if let Ok(c) = st.coll(db, coll) {
        c.docs = before;
    }
}

/// `ctx` with another body.
fn with_body(ctx: &Ctx, body: &Value) -> Ctx {
    Ctx {
        method: ctx.method.clone(),
        db: ctx.db.clone(),
        seg: ctx.seg.clone(),
        query: ctx.query.clone(),
        headers: ctx.headers.clone(),
        body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        principal: ctx.principal.clone(),
    }
}

pub(crate) fn document(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    let coll = ctx.seg(2).unwrap_or("").to_owned();
    let body = ctx.json()?;
    let Value::Array(items) = body else {
        let before = docs(st, &db, &coll)?;
        let r = api_data::document(st, ctx)?;
        if let Err(e) = verify(st, &db, &coll, &before) {
            restore(st, &db, &coll, before);
            return Err(e);
        }
        return Ok(r);
    };
    // A batch: one item at a time, so that a clash fails only its own slot.
    let mut out = Vec::with_capacity(items.len());
    let mut status = 202;
    for item in &items {
        let before = docs(st, &db, &coll)?;
        let r = api_data::document(st, &with_body(ctx, &json!([item])))?;
        status = r.status;
        let slots = match r.body {
            Value::Array(a) => a,
            _ => Vec::new(),
        };
        match verify(st, &db, &coll, &before) {
            Ok(()) => out.extend(slots),
            Err(e) => {
                restore(st, &db, &coll, before);
                out.push(json!({"error": true, "errorNum": e.num, "errorMessage": e.msg}));
            }
        }
    }
    Ok(Resp::new(status, Value::Array(out)))
}
