//! `/_api/view`: ArangoSearch (`arangosearch`) and `search-alias` views.
//!
//! A view's answer is its id, name, type, `globallyUniqueId` and properties. `arangosearch`
//! links name existing collections and existing analyzers (see [`crate::api_analyzer`]) and
//! come back with their defaults filled in; `search-alias` views name inverted indexes that
//! must exist. `PUT .../properties` replaces the mutable properties (the ones not given fall
//! back to their defaults), `PATCH` merges them (a link set to `null` is removed); the
//! immutable ones (`primarySort`, `primarySortCompression`, `storedValues`, the write buffer
//! settings) keep their values from creation. Views share their namespace with collections.
//! Views are metadata only: the stand-in does not answer `SEARCH` queries.

use serde_json::{Map, Value, json};

use crate::api_analyzer::analyzer_exists;
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 10, msg)
}

fn not_found() -> ApiError {
    ApiError::new(404, 1203, "collection or view not found")
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 256
        && n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Mutable `arangosearch` properties and their defaults.
fn mutable_defaults() -> Map<String, Value> {
    obj(json!({
        "cleanupIntervalStep": 2,
        "commitIntervalMsec": 1000,
        "consolidationIntervalMsec": 1000,
        "consolidationPolicy": {
            "type": "tier", "segmentsBytesFloor": 2_097_152, "segmentsBytesMax": 5_368_709_120_u64,
            "segmentsMax": 10, "segmentsMin": 1, "minScore": 0,
        },
    }))
}

/// Immutable `arangosearch` properties and their defaults.
fn immutable_defaults() -> Map<String, Value> {
    obj(json!({
        "primarySort": [], "primarySortCompression": "lz4", "storedValues": [],
        "writebufferActive": 0, "writebufferIdle": 64, "writebufferSizeMax": 33_554_432,
        "primarySortCache": false, "primaryKeyCache": false,
    }))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// One link with its defaults, after checking its analyzers.
fn link(st: &State, db: &str, coll: &str, l: &Value) -> Result<Value, ApiError> {
    let l = l
        .as_object()
        .ok_or_else(|| bad(format!("link of {coll} must be an object")))?;
    let mut m = obj(json!({
        "analyzers": ["identity"], "fields": {}, "includeAllFields": false,
        "storeValues": "none", "trackListPositions": false,
    }));
    for (k, v) in l {
        m.insert(k.clone(), v.clone());
    }
    let analyzers = m
        .get("analyzers")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("analyzers must be an array"))?;
    for a in analyzers {
        let name = a
            .as_str()
            .ok_or_else(|| bad("analyzer names must be strings"))?;
        if !analyzer_exists(st, db, name) {
            return Err(bad(format!("analyzer not found: {name}")));
        }
    }
    if !m.get("fields").is_some_and(Value::is_object) {
        return Err(bad("fields must be an object"));
    }
    Ok(Value::Object(m))
}

fn links(st: &State, db: &str, given: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (coll, l) in given {
        if l.is_null() {
            continue;
        }
        if !st
            .dbs
            .get(db)
            .is_some_and(|d| d.collections.contains_key(coll))
        {
            return Err(ApiError::new(
                404,
                1203,
                format!("collection not found: {coll}"),
            ));
        }
        out.insert(coll.clone(), link(st, db, coll, l)?);
    }
    Ok(out)
}

fn alias_indexes(st: &mut State, db: &str, v: Option<&Value>) -> Result<Value, ApiError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(json!([])),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad("indexes must be an array")),
    };
    for i in &list {
        let (Some(c), Some(n)) = (
            i.get("collection").and_then(Value::as_str),
            i.get("index").and_then(Value::as_str),
        ) else {
            return Err(bad("each index needs collection and index"));
        };
        let cid = st
            .coll(db, c)
            .map_err(|_| ApiError::new(404, 1203, format!("collection not found: {c}")))?
            .id;
        let inverted = st.catalog.indexes.get(&cid).into_iter().flatten().any(|x| {
            x.get("type").and_then(Value::as_str) == Some("inverted")
                && (x.get("name").and_then(Value::as_str) == Some(n)
                    || x.get("id").and_then(Value::as_str) == Some(n))
        });
        if !inverted {
            return Err(ApiError::new(
                404,
                1212,
                format!("inverted index not found: {c}/{n}"),
            ));
        }
    }
    Ok(Value::Array(list))
}

/// Properties from `body` over `base`: for `arangosearch`, the mutable ones and the links.
fn apply(
    st: &mut State,
    db: &str,
    view: &mut Map<String, Value>,
    body: &Map<String, Value>,
    replace: bool,
) -> Result<(), ApiError> {
    if view.get("type").and_then(Value::as_str) == Some("search-alias") {
        let given = alias_indexes(st, db, body.get("indexes"))?;
        let mut list = if replace {
            Vec::new()
        } else {
            view.get("indexes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        for i in given.as_array().into_iter().flatten() {
            if !list.contains(i) {
                list.push(i.clone());
            }
        }
        view.insert("indexes".into(), Value::Array(list));
        return Ok(());
    }
    for (k, d) in mutable_defaults() {
        match body.get(&k) {
            Some(v) if !v.is_null() => {
                if v.is_object() != d.is_object() || v.is_number() != d.is_number() {
                    return Err(bad(format!("invalid value for {k}")));
                }
                view.insert(k, v.clone());
            }
            _ if replace => {
                view.insert(k, d);
            }
            _ => {}
        }
    }
    let given = match body.get("links") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad("links must be an object")),
    };
    let mut current = if replace {
        Map::new()
    } else {
        view.get("links")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    for (coll, l) in &given {
        if l.is_null() {
            current.remove(coll);
        }
    }
    current.extend(links(st, db, &given)?);
    view.insert("links".into(), Value::Object(current));
    Ok(())
}

fn summary(v: &Map<String, Value>) -> Map<String, Value> {
    ["globallyUniqueId", "id", "name", "type"]
        .iter()
        .filter_map(|k| v.get(*k).map(|x| ((*k).to_owned(), x.clone())))
        .collect()
}

fn ok(status: u16, mut m: Map<String, Value>) -> Resp {
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(status));
    Resp::new(status, Value::Object(m))
}

fn create(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    ctx.need_rw(st)?;
    let body = ctx.json()?;
    let body = body
        .as_object()
        .ok_or_else(|| bad("body must be an object"))?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    if !valid_name(name) {
        return Err(ApiError::new(400, 1208, "illegal name"));
    }
    let vtype = match body.get("type").and_then(Value::as_str) {
        Some(t @ ("arangosearch" | "search-alias")) => t,
        _ => return Err(bad("invalid view type")),
    };
    let key = (ctx.db.clone(), name.to_owned());
    let taken =
        st.catalog.views.contains_key(&key) || st.db(&ctx.db)?.collections.contains_key(name);
    if taken {
        return Err(ApiError::new(409, 1207, "duplicate name"));
    }
    let id = st.next_id();
    let mut view = obj(json!({
        "id": id.to_string(), "name": name, "type": vtype,
        "globallyUniqueId": format!("h{id}/{id}"),
    }));
    if vtype == "arangosearch" {
        for (k, d) in immutable_defaults() {
            let v = body.get(&k).filter(|v| !v.is_null()).cloned().unwrap_or(d);
            view.insert(k, v);
        }
    }
    apply(st, &ctx.db, &mut view, body, true)?;
    st.catalog.views.insert(key, view.clone());
    Ok(ok(201, view))
}

/// Whether some view of `db` links an analyzer called `name` (full or short name).
pub(crate) fn analyzer_in_use(st: &State, db: &str, full: &str, short: &str) -> bool {
    st.catalog
        .views
        .iter()
        .filter(|((d, _), _)| d == db)
        .flat_map(|(_, v)| {
            v.get("links")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
        })
        .flat_map(|(_, l)| {
            l.get("analyzers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .any(|a| a.as_str() == Some(full) || a.as_str() == Some(short))
}

pub(crate) fn view(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    let Some(name) = ctx.seg(2).map(str::to_owned) else {
        return match ctx.method.as_str() {
            "GET" => {
                let list: Vec<Value> = st
                    .catalog
                    .views
                    .iter()
                    .filter(|((d, _), _)| *d == db)
                    .map(|(_, v)| Value::Object(summary(v)))
                    .collect();
                Ok(Resp::new(
                    200,
                    json!({"error": false, "code": 200, "result": list}),
                ))
            }
            "POST" => create(st, ctx),
            _ => Err(ApiError::method()),
        };
    };
    let key = (db.clone(), name.clone());
    let mut v = st.catalog.views.get(&key).cloned().ok_or_else(not_found)?;
    match (ctx.method.as_str(), ctx.seg(3)) {
        ("GET", None) => Ok(ok(200, summary(&v))),
        ("GET", Some("properties")) => Ok(ok(200, v)),
        (m @ ("PUT" | "PATCH"), Some("properties")) => {
            ctx.need_rw(st)?;
            let body = ctx.json()?;
            let body = body
                .as_object()
                .ok_or_else(|| bad("body must be an object"))?;
            apply(st, &db, &mut v, body, m == "PUT")?;
            st.catalog.views.insert(key, v.clone());
            Ok(ok(200, v))
        }
        ("PUT", Some("rename")) => {
            ctx.need_rw(st)?;
            let new = ctx
                .json()?
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|n| valid_name(n))
                .ok_or_else(|| ApiError::new(400, 1208, "illegal name"))?;
            let new_key = (db.clone(), new.clone());
            if st.catalog.views.contains_key(&new_key) || st.db(&db)?.collections.contains_key(&new)
            {
                return Err(ApiError::new(409, 1207, "duplicate name"));
            }
            st.catalog.views.remove(&key);
            v.insert("name".into(), Value::from(new));
            st.catalog.views.insert(new_key, v.clone());
            Ok(ok(200, v))
        }
        ("DELETE", None) => {
            ctx.need_rw(st)?;
            st.catalog.views.remove(&key);
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "result": true}),
            ))
        }
        (_, Some("properties" | "rename") | None) => Err(ApiError::method()),
        _ => Err(ApiError::not_found_path()),
    }
}
