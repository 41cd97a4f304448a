//! `/_api/collection` and `/_api/document`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::service::{Ctx, Resp};
use crate::state::{ApiError, Collection, State, coll_info};

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(crate) fn collection(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("GET", None, _) => {
            let exclude = ctx.flag("excludeSystem");
            let list: Vec<Value> = st
                .db(&db)?
                .collections
                .iter()
                .filter(|(n, _)| !(exclude && n.starts_with('_')))
                .map(|(n, c)| {
                    let mut m = coll_info(n, c);
                    m.remove("error");
                    m.remove("code");
                    Value::Object(m)
                })
                .collect();
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "result": list}),
            ))
        }
        ("POST", None, _) => {
            ctx.need_rw(st)?;
            let body = ctx.json()?;
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::new(400, 1208, "illegal name"))?
                .to_owned();
            if !valid_name(&name) {
                return Err(ApiError::new(400, 1208, "illegal name"));
            }
            let ctype = body.get("type").and_then(Value::as_u64).unwrap_or(2);
            if ctype != 2 && ctype != 3 {
                return Err(ApiError::bad("invalid collection type"));
            }
            let wait_for_sync = body
                .get("waitForSync")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let id = st.next_id();
            let d = st.db(&db)?;
            if d.collections.contains_key(&name) {
                return Err(ApiError::new(409, 1207, "duplicate name"));
            }
            let c = Collection {
                id,
                ctype,
                wait_for_sync,
                docs: BTreeMap::new(),
            };
            let info = properties(&name, &c);
            d.collections.insert(name, c);
            Ok(Resp::new(200, Value::Object(info)))
        }
        (m, Some(name), sub) => {
            let name = name.to_owned();
            if m == "DELETE" && sub.is_none() {
                ctx.need_rw(st)?;
                let c = st
                    .db(&db)?
                    .collections
                    .remove(&name)
                    .ok_or_else(ApiError::coll_not_found)?;
                return Ok(Resp::new(
                    200,
                    json!({"error": false, "code": 200, "id": c.id.to_string()}),
                ));
            }
            let writes = m != "GET";
            if writes {
                ctx.need_rw(st)?;
            }
            let c = st.coll(&db, &name)?;
            let info = match (m, sub) {
                ("GET", None) => coll_info(&name, c),
                ("GET", Some("properties")) => properties(&name, c),
                ("PUT", Some("properties")) => {
                    if let Some(w) = ctx.json()?.get("waitForSync").and_then(Value::as_bool) {
                        c.wait_for_sync = w;
                    }
                    properties(&name, c)
                }
                ("GET", Some("count")) => {
                    let mut m = properties(&name, c);
                    m.insert("count".into(), Value::from(c.docs.len()));
                    m
                }
                ("PUT", Some("truncate")) => {
                    let keys: Vec<String> = c.docs.keys().cloned().collect();
                    for k in &keys {
                        st.claim_write(&db, ctx.trx(), &name, k)?;
                    }
                    let c = st.coll(&db, &name)?;
                    c.docs.clear();
                    coll_info(&name, c)
                }
                _ => return Err(ApiError::method()),
            };
            Ok(Resp::new(200, Value::Object(info)))
        }
        _ => Err(ApiError::method()),
    }
}

fn properties(name: &str, c: &Collection) -> Map<String, Value> {
    let mut m = coll_info(name, c);
    m.insert("waitForSync".into(), Value::from(c.wait_for_sync));
    m.insert(
        "keyOptions".into(),
        json!({"type": "traditional", "allowUserKeys": true}),
    );
    m.insert("writeConcern".into(), Value::from(1));
    m.insert("cacheEnabled".into(), Value::from(false));
    m
}

/// A failure of one document operation: the whole request fails for single documents, one
/// slot of the result array for batches.
fn item_error(e: &ApiError) -> Value {
    json!({"error": true, "errorNum": e.num, "errorMessage": e.msg})
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 254
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.@()+,=;$!*'%".contains(c))
}

fn meta(coll: &str, doc: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    for f in ["_key", "_rev"] {
        if let Some(v) = doc.get(f) {
            m.insert(f.into(), v.clone());
        }
    }
    let key = doc.get("_key").and_then(Value::as_str).unwrap_or("");
    m.insert("_id".into(), Value::from(format!("{coll}/{key}")));
    m
}

fn merge(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    keep_null: bool,
    merge_objects: bool,
) {
    for (k, v) in patch {
        if k == "_key" || k == "_id" || k == "_rev" {
            continue;
        }
        match (target.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(p)) if merge_objects => {
                merge(t, p, keep_null, merge_objects);
            }
            (_, Value::Null) if !keep_null => {
                target.remove(k);
            }
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

enum Op {
    Insert,
    Get,
    Update,
    Replace,
    Delete,
}

/// What an insert does with an existing key (`overwriteMode`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overwrite {
    /// 409, errorNum 1210 (the default).
    Conflict,
    /// Keeps the existing document.
    Ignore,
    /// Replaces it.
    Replace,
    /// Merges into it (with keepNull and mergeObjects).
    Update,
}

struct Opts {
    cname: String,
    return_new: bool,
    return_old: bool,
    silent: bool,
    overwrite: Overwrite,
    keep_null: bool,
    merge_objects: bool,
}

/// One document operation. `key` comes from the URL (single) or the item (batch);
/// `expected_rev` from If-Match (single) or the item's `_rev` when `ignoreRevs=false`.
fn apply(
    st: &mut State,
    ctx: &Ctx,
    op: &Op,
    key: Option<String>,
    item: &Value,
    expected_rev: Option<&str>,
    o: &Opts,
) -> Result<Value, ApiError> {
    let cname = o.cname.as_str();
    let rev = st.new_rev();
    let auto_key = st.next_id().to_string();
    let writes = !matches!(op, Op::Get);
    if let Op::Insert = op {
        let doc = item
            .as_object()
            .ok_or_else(|| ApiError::new(400, 1227, "invalid document type"))?;
        let key = match doc.get("_key") {
            Some(Value::String(k)) if valid_key(k) => k.clone(),
            Some(_) => return Err(ApiError::new(400, 1221, "illegal document key")),
            None => auto_key,
        };
        let exists = st.coll(&ctx.db, cname)?.docs.contains_key(&key);
        match (exists, o.overwrite) {
            (true, Overwrite::Conflict) => {
                return Err(ApiError::new(
                    409,
                    1210,
                    "unique constraint violated - in index primary of type primary over '_key'",
                ));
            }
            (true, Overwrite::Ignore) => {
                let c = st.coll(&ctx.db, cname)?;
                return Ok(Value::Object(meta(cname, &c.docs[&key])));
            }
            (true, Overwrite::Update) => {
                return apply(st, ctx, &Op::Update, Some(key), item, None, o);
            }
            (true, Overwrite::Replace) => {
                return apply(st, ctx, &Op::Replace, Some(key), item, None, o);
            }
            (false, _) => {}
        }
        st.claim_write(&ctx.db, ctx.trx(), cname, &key)?;
        let mut doc = doc.clone();
        doc.insert("_key".into(), Value::from(key.clone()));
        doc.insert("_id".into(), Value::from(format!("{cname}/{key}")));
        doc.insert("_rev".into(), Value::from(rev));
        let doc = Value::Object(doc);
        st.coll(&ctx.db, cname)?.docs.insert(key, doc.clone());
        let mut m = meta(cname, &doc);
        if o.return_new {
            m.insert("new".into(), doc);
        }
        return Ok(Value::Object(m));
    }
    if let (true, Some(k)) = (writes, key.as_deref()) {
        if st.coll(&ctx.db, cname)?.docs.contains_key(k) {
            st.claim_write(&ctx.db, ctx.trx(), cname, k)?;
        }
    }
    let c = st.coll(&ctx.db, cname)?;
    let key = key.ok_or_else(|| ApiError::new(400, 1221, "illegal document key"))?;
    let current = c
        .docs
        .get(&key)
        .cloned()
        .ok_or_else(ApiError::doc_not_found)?;
    let current_rev = current.get("_rev").and_then(Value::as_str).unwrap_or("");
    if let Some(exp) = expected_rev {
        if exp.trim_matches('"') != current_rev {
            return Err(ApiError::new(
                412,
                1200,
                "conflict, _rev values do not match",
            ));
        }
    }
    let mut m = meta(cname, &current);
    let new = match op {
        Op::Get => return Ok(current),
        Op::Delete => {
            c.docs.remove(&key);
            if o.return_old {
                m.insert("old".into(), current);
            }
            return Ok(Value::Object(m));
        }
        Op::Update => {
            let patch = item
                .as_object()
                .ok_or_else(|| ApiError::new(400, 1227, "invalid document type"))?;
            let mut d = current.as_object().cloned().unwrap_or_default();
            merge(&mut d, patch, o.keep_null, o.merge_objects);
            d
        }
        Op::Replace | Op::Insert => {
            let mut d = item
                .as_object()
                .cloned()
                .ok_or_else(|| ApiError::new(400, 1227, "invalid document type"))?;
            d.insert("_key".into(), Value::from(key.clone()));
            d.insert("_id".into(), Value::from(format!("{cname}/{key}")));
            d
        }
    };
    let mut new = new;
    new.insert("_rev".into(), Value::from(rev.clone()));
    let new = Value::Object(new);
    c.docs.insert(key, new.clone());
    m.insert("_oldRev".into(), Value::from(current_rev));
    m.insert("_rev".into(), Value::from(rev));
    if o.return_new {
        m.insert("new".into(), new);
    }
    if o.return_old {
        m.insert("old".into(), current);
    }
    Ok(Value::Object(m))
}

fn item_key(item: &Value) -> Option<String> {
    match item {
        Value::String(s) => Some(s.rsplit('/').next().unwrap_or(s).to_owned()),
        Value::Object(o) => o.get("_key").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

pub(crate) fn document(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let cname = ctx.seg(2).ok_or_else(ApiError::not_found_path)?.to_owned();
    let key = ctx.seg(3).map(str::to_owned);
    if ctx.seg(4).is_some() {
        return Err(ApiError::not_found_path());
    }
    let overwrite = match ctx.query.get("overwriteMode").map(String::as_str) {
        Some("ignore") => Overwrite::Ignore,
        Some("replace") => Overwrite::Replace,
        Some("update") => Overwrite::Update,
        Some("conflict") => Overwrite::Conflict,
        Some(_) => return Err(ApiError::bad("invalid overwriteMode")),
        // `overwrite=true` alone means replace.
        None if ctx.flag("overwrite") => Overwrite::Replace,
        None => Overwrite::Conflict,
    };
    let o = Opts {
        cname: cname.clone(),
        return_new: ctx.flag("returnNew"),
        return_old: ctx.flag("returnOld"),
        silent: ctx.flag("silent"),
        overwrite,
        keep_null: ctx.bool_param("keepNull", true),
        merge_objects: ctx.bool_param("mergeObjects", true),
    };
    let onlyget = ctx.flag("onlyget");
    let op = match (ctx.method.as_str(), key.is_some()) {
        ("POST", false) => Op::Insert,
        ("GET" | "HEAD", true) => Op::Get,
        ("PUT", false) if onlyget => Op::Get,
        ("PATCH", _) => Op::Update,
        ("PUT", _) => Op::Replace,
        ("DELETE", _) => Op::Delete,
        _ => return Err(ApiError::method()),
    };
    if !matches!(op, Op::Get) {
        ctx.need_rw(st)?;
    }
    let wait = ctx.bool_param("waitForSync", st.coll(&ctx.db, &cname)?.wait_for_sync);
    let ok_status = match op {
        Op::Get => 200,
        Op::Insert | Op::Update | Op::Replace if wait => 201,
        Op::Delete if wait => 200,
        _ => 202,
    };
    if key.is_some() {
        let body = match op {
            Op::Get | Op::Delete => Value::Null,
            _ => ctx.json()?,
        };
        if ctx.method == "HEAD" {
            // The document's existence and revision, without the body: 304 when it still
            // has the revision of If-None-Match, 412 when it does not have that of If-Match.
            let r = apply(st, ctx, &op, key, &body, ctx.header("if-match"), &o)?;
            let rev = r.get("_rev").and_then(Value::as_str).unwrap_or("");
            let unchanged = ctx
                .header("if-none-match")
                .is_some_and(|inm| inm.trim_matches('"') == rev);
            let mut resp = Resp::new(if unchanged { 304 } else { 200 }, Value::Null);
            resp.headers.push(("etag", format!("\"{rev}\"")));
            return Ok(resp);
        }
        if let (Op::Get, Some(inm)) = (&op, ctx.header("if-none-match")) {
            let cur = apply(st, ctx, &op, key.clone(), &body, None, &o)?;
            if cur.get("_rev").and_then(Value::as_str) == Some(inm.trim_matches('"')) {
                return Ok(Resp::new(304, Value::Null));
            }
        }
        let r = apply(st, ctx, &op, key, &body, ctx.header("if-match"), &o)?;
        let etag = r
            .get("_rev")
            .and_then(Value::as_str)
            .map(|r| format!("\"{r}\""));
        let mut resp = Resp::new(ok_status, if o.silent { json!({}) } else { r });
        if let Some(e) = etag {
            resp.headers.push(("etag", e));
        }
        return Ok(resp);
    }
    let body = ctx.json()?;
    let check_revs = !ctx.bool_param("ignoreRevs", true);
    match body {
        Value::Object(_) if matches!(op, Op::Insert) => {
            let r = apply(st, ctx, &op, None, &body, None, &o)?;
            let etag = r
                .get("_rev")
                .and_then(Value::as_str)
                .map(|r| format!("\"{r}\""));
            let mut resp = Resp::new(ok_status, if o.silent { json!({}) } else { r });
            if let Some(e) = etag {
                resp.headers.push(("etag", e));
            }
            Ok(resp)
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                let k = if matches!(op, Op::Insert) {
                    None
                } else {
                    item_key(item)
                };
                let rev = if check_revs {
                    item.get("_rev").and_then(Value::as_str)
                } else {
                    None
                };
                match apply(st, ctx, &op, k, item, rev, &o) {
                    Ok(v) => out.push(v),
                    Err(e) => out.push(item_error(&e)),
                }
            }
            let status = if matches!(op, Op::Get) {
                200
            } else {
                ok_status
            };
            // `silent`: nothing for the documents that succeeded; if any failed, an array of
            // only the errors.
            if o.silent && !matches!(op, Op::Get) {
                let errors: Vec<Value> = out
                    .into_iter()
                    .filter(|v| v.get("error") == Some(&Value::Bool(true)))
                    .collect();
                let body = if errors.is_empty() {
                    json!({})
                } else {
                    Value::Array(errors)
                };
                return Ok(Resp::new(status, body));
            }
            Ok(Resp::new(status, Value::Array(out)))
        }
        _ => Err(ApiError::new(400, 1227, "invalid document type")),
    }
}
