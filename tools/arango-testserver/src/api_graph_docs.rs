//! Vertices and edges through the graph API (`/_api/gharial/{g}/vertex|edge/{coll}[/{key}]`),
//! with the graph's validation, and the edges of a vertex (`/_api/edges/{coll}`).
//!
//! An edge's `_from` and `_to` must be `collection/key` ids (else 400, 1233), name collections
//! of its edge definition's `from` and `to` (else 404, 1947) and exist (else 404, 1202).
//! Deleting a vertex deletes the edges of the graph's edge collections that reference it.
//! Unique persistent indexes are checked on every write (409, 1210).

use serde_json::{Map, Value, json};

use crate::api_graph::{EdgeDef, GraphDef};
use crate::api_index::{check_unique, unique_fields};
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 254
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.@()+,=;$!*'%".contains(c))
}

fn bad_edge() -> ApiError {
    ApiError::new(400, 1233, "edge attribute missing or invalid")
}

/// `_from` and `_to` of `doc` against the edge definition and the stored vertices.
fn check_edge(st: &mut State, db: &str, def: &EdgeDef, doc: &Value) -> Result<(), ApiError> {
    for (attr, allowed) in [("_from", &def.from), ("_to", &def.to)] {
        let id = doc.get(attr).and_then(Value::as_str).ok_or_else(bad_edge)?;
        let (c, k) = id
            .split_once('/')
            .filter(|(c, k)| !c.is_empty() && !k.is_empty())
            .ok_or_else(bad_edge)?;
        if !allowed.contains(c) {
            return Err(ApiError::new(
                404,
                1947,
                format!("referenced vertex collection is not part of the graph: {attr} {c}"),
            ));
        }
        let exists = st
            .db(db)?
            .collections
            .get(c)
            .is_some_and(|col| col.docs.contains_key(k));
        if !exists {
            return Err(ApiError::new(
                404,
                1202,
                format!("document not found: {attr} {id}"),
            ));
        }
    }
    Ok(())
}

fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>, keep_null: bool, deep: bool) {
    for (k, v) in patch {
        if k == "_key" || k == "_id" || k == "_rev" {
            continue;
        }
        match (target.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(p)) if deep => merge(t, p, keep_null, deep),
            (_, Value::Null) if !keep_null => {
                target.remove(k);
            }
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The document's system attributes (an edge's include `_from` and `_to`).
fn meta(doc: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    for f in ["_id", "_key", "_rev", "_from", "_to"] {
        if let Some(v) = doc.get(f) {
            m.insert(f.into(), v.clone());
        }
    }
    m
}

fn ok(status: u16, fields: Map<String, Value>) -> Resp {
    let mut m = fields;
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(status));
    Resp::new(status, Value::Object(m))
}

/// Query flags: `"true"`/`"1"` or `"false"`/`"0"`, else the default.
fn flag_or(ctx: &Ctx, name: &str, default: bool) -> bool {
    match ctx.query.get(name).map(String::as_str) {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        _ => default,
    }
}

pub(crate) fn document(st: &mut State, ctx: &Ctx, g: &GraphDef) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    let kind = ctx.seg(3).unwrap_or("vertex");
    let coll = ctx.seg(4).unwrap_or("").to_owned();
    let key = ctx.seg(5).map(str::to_owned);
    if ctx.seg(6).is_some() {
        return Err(ApiError::not_found_path());
    }
    let def = if kind == "edge" {
        Some(
            g.edge_def(&coll)
                .cloned()
                .ok_or_else(|| ApiError::new(404, 1930, "edge collection not used in graph"))?,
        )
    } else {
        if !g.vertex_collections().contains(&coll) {
            return Err(ApiError::new(
                404,
                1926,
                "vertex collection does not exist or is not part of the graph",
            ));
        }
        None
    };
    st.coll(&db, &coll)?;
    if ctx.method != "GET" {
        ctx.need_rw(st)?;
    }
    // With waitForSync a create is 201, a change or removal 200; without, 202.
    let synced = ctx.flag("waitForSync");
    let status = match (synced, ctx.method.as_str()) {
        (false, _) => 202,
        (true, "POST") => 201,
        (true, _) => 200,
    };
    let (return_new, return_old) = (ctx.flag("returnNew"), ctx.flag("returnOld"));
    let Some(key) = key else {
        if ctx.method != "POST" {
            return Err(ApiError::method());
        }
        let body = ctx.json()?;
        let mut doc = body
            .as_object()
            .cloned()
            .ok_or_else(|| ApiError::new(400, 1227, "invalid document type"))?;
        let key = match doc.get("_key") {
            Some(Value::String(k)) if valid_key(k) => k.clone(),
            Some(_) => return Err(ApiError::new(400, 1221, "illegal document key")),
            None => st.next_id().to_string(),
        };
        if let Some(d) = &def {
            check_edge(st, &db, d, &body)?;
        }
        let rev = st.new_rev();
        doc.insert("_key".into(), Value::from(key.clone()));
        doc.insert("_id".into(), Value::from(format!("{coll}/{key}")));
        doc.insert("_rev".into(), Value::from(rev));
        let doc = Value::Object(doc);
        let unique = unique_fields(st, &db, &coll);
        let c = st.coll(&db, &coll)?;
        if c.docs.contains_key(&key) {
            return Err(ApiError::new(
                409,
                1210,
                "unique constraint violated - in index primary of type primary over '_key'",
            ));
        }
        check_unique(&unique, c.docs.iter(), &key, &doc)?;
        c.docs.insert(key, doc.clone());
        let mut out = Map::new();
        out.insert(kind.into(), Value::Object(meta(&doc)));
        if return_new {
            out.insert("new".into(), doc);
        }
        let mut r = ok(status, out);
        if let Some(rev) = r.body[kind]["_rev"].as_str().map(|s| format!("\"{s}\"")) {
            r.headers.push(("etag", rev));
        }
        return Ok(r);
    };
    let current = st
        .coll(&db, &coll)?
        .docs
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::new(404, 1202, "document not found"))?;
    let cur_rev = current
        .get("_rev")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let expected = ctx
        .header("if-match")
        .map(|r| r.trim_matches('"').to_owned())
        .or_else(|| ctx.query.get("rev").cloned());
    if expected.is_some_and(|e| e != cur_rev) {
        return Err(ApiError::new(
            412,
            1200,
            "conflict, _rev values do not match",
        ));
    }
    let etag = |r: &str| ("etag", format!("\"{r}\""));
    match ctx.method.as_str() {
        "GET" => {
            if ctx.header("if-none-match").map(|r| r.trim_matches('"')) == Some(cur_rev.as_str()) {
                return Ok(Resp::new(304, Value::Null));
            }
            let mut out = Map::new();
            out.insert(kind.into(), current);
            let mut r = ok(200, out);
            r.headers.push(etag(&cur_rev));
            Ok(r)
        }
        "PATCH" | "PUT" => {
            let body = ctx.json()?;
            let patch = body
                .as_object()
                .ok_or_else(|| ApiError::new(400, 1227, "invalid document type"))?;
            let mut new = if ctx.method == "PATCH" {
                let mut d = current.as_object().cloned().unwrap_or_default();
                merge(
                    &mut d,
                    patch,
                    flag_or(ctx, "keepNull", true),
                    flag_or(ctx, "mergeObjects", true),
                );
                d
            } else {
                let mut d = patch.clone();
                d.insert("_key".into(), Value::from(key.clone()));
                d.insert("_id".into(), Value::from(format!("{coll}/{key}")));
                d
            };
            if let Some(d) = &def {
                check_edge(st, &db, d, &Value::Object(new.clone()))?;
            }
            let rev = st.new_rev();
            new.insert("_rev".into(), Value::from(rev.clone()));
            let new = Value::Object(new);
            let unique = unique_fields(st, &db, &coll);
            let c = st.coll(&db, &coll)?;
            check_unique(&unique, c.docs.iter(), &key, &new)?;
            c.docs.insert(key, new.clone());
            let mut m = meta(&new);
            m.insert("_oldRev".into(), Value::from(cur_rev));
            let mut out = Map::new();
            out.insert(kind.into(), Value::Object(m));
            if return_new {
                out.insert("new".into(), new);
            }
            if return_old {
                out.insert("old".into(), current);
            }
            let mut r = ok(status, out);
            r.headers.push(etag(&rev));
            Ok(r)
        }
        "DELETE" => {
            st.coll(&db, &coll)?.docs.remove(&key);
            if def.is_none() {
                let id = format!("{coll}/{key}");
                for e in &g.edges {
                    if let Ok(ec) = st.coll(&db, &e.collection) {
                        ec.docs.retain(|_, d| {
                            d.get("_from").and_then(Value::as_str) != Some(id.as_str())
                                && d.get("_to").and_then(Value::as_str) != Some(id.as_str())
                        });
                    }
                }
            }
            let mut out = Map::new();
            out.insert("removed".into(), Value::from(true));
            if return_old {
                out.insert("old".into(), current);
            }
            Ok(ok(status, out))
        }
        _ => Err(ApiError::method()),
    }
}

/// `GET /_api/edges/{coll}?vertex=<id>&direction=in|out`: the edges at a vertex (both
/// directions without `direction`).
pub(crate) fn edges(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    if ctx.method != "GET" {
        return Err(ApiError::method());
    }
    let coll = ctx.seg(2).ok_or_else(ApiError::not_found_path)?.to_owned();
    let vertex = ctx
        .query
        .get("vertex")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::new(400, 1205, "illegal document handle"))?
        .clone();
    let (out, inb) = match ctx.query.get("direction").map(String::as_str) {
        None | Some("any" | "") => (true, true),
        Some("out") => (true, false),
        Some("in") => (false, true),
        Some(_) => return Err(ApiError::bad("direction must be in, out or any")),
    };
    let c = st.coll(&ctx.db, &coll)?;
    if c.ctype != 3 {
        return Err(ApiError::new(
            400,
            1218,
            "collection type invalid: not an edge collection",
        ));
    }
    let is = |d: &Value, a: &str| d.get(a).and_then(Value::as_str) == Some(vertex.as_str());
    let found: Vec<Value> = c
        .docs
        .values()
        .filter(|d| (out && is(d, "_from")) || (inb && is(d, "_to")))
        .cloned()
        .collect();
    let n = found.len();
    Ok(Resp::new(
        200,
        json!({"error": false, "code": 200, "edges": found,
               "stats": {"scannedIndex": n, "filtered": 0}}),
    ))
}
