//! `/_api/index`: the primary (and edge) index every collection has, and secondary indexes of
//! the types persistent, ttl, geo, fulltext, inverted, mdi, mdi-prefixed and vector.
//!
//! Creating an index whose definition matches an existing one answers the existing index with
//! `isNewlyCreated: false` (200) instead of a new one (201), as ArangoDB does. Unique persistent
//! indexes are enforced on writes ([`check_unique`]): by the graph API, and around the
//! document API by [`crate::unique`].

use serde_json::{Map, Value, json};

use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

/// Options each type keeps, with their defaults (`Null`: kept only when given).
fn type_options(t: &str) -> &'static [(&'static str, DefaultValue)] {
    use DefaultValue::{B, N, Nothing, U};
    match t {
        "persistent" => &[
            ("unique", B(false)),
            ("sparse", B(false)),
            ("deduplicate", B(true)),
            ("estimates", B(true)),
            ("cacheEnabled", B(false)),
            ("storedValues", Nothing),
        ],
        "ttl" => &[
            ("unique", B(false)),
            ("sparse", B(true)),
            ("expireAfter", Nothing),
        ],
        "geo" => &[
            ("unique", B(false)),
            ("sparse", B(true)),
            ("geoJson", B(false)),
            ("legacyPolygons", B(false)),
            ("bestIndexedLevel", U(17)),
            ("worstIndexedLevel", U(4)),
            ("maxNumCoverCells", U(8)),
        ],
        "fulltext" => &[
            ("unique", B(false)),
            ("sparse", B(true)),
            ("minLength", U(2)),
        ],
        "inverted" => &[
            ("unique", B(false)),
            ("sparse", B(true)),
            ("analyzer", N("identity")),
            ("features", Nothing),
            ("includeAllFields", B(false)),
            ("trackListPositions", B(false)),
            ("searchField", B(false)),
            ("cache", B(false)),
            ("primaryKeyCache", B(false)),
            ("primarySort", Nothing),
            ("storedValues", Nothing),
            ("version", U(1)),
        ],
        "mdi" | "mdi-prefixed" => &[
            ("unique", B(false)),
            ("sparse", B(false)),
            ("estimates", B(true)),
            ("fieldValueTypes", Nothing),
            ("prefixFields", Nothing),
            ("storedValues", Nothing),
        ],
        "vector" => &[
            ("unique", B(false)),
            ("sparse", B(false)),
            ("params", Nothing),
            ("parallelism", U(2)),
            ("storedValues", Nothing),
        ],
        _ => &[],
    }
}

#[derive(Clone, Copy)]
enum DefaultValue {
    B(bool),
    U(u64),
    N(&'static str),
    Nothing,
}

/// The options that decide whether two definitions are the same index.
const IDENTITY: &[&str] = &[
    "type",
    "fields",
    "unique",
    "sparse",
    "expireAfter",
    "geoJson",
    "minLength",
    "fieldValueTypes",
    "prefixFields",
    "params",
    "analyzer",
];

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 10, msg)
}

fn not_found() -> ApiError {
    ApiError::new(404, 1212, "index not found")
}

/// Field names: a non-empty array of non-empty strings (inverted indexes also take
/// `{"name": ...}` objects, normalised to objects).
fn fields(t: &str, body: &Value) -> Result<Value, ApiError> {
    let list = body
        .get("fields")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("index fields must be a non-empty array"))?;
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        let name = match f {
            Value::String(s) => s.as_str(),
            Value::Object(o) if t == "inverted" => {
                o.get("name").and_then(Value::as_str).unwrap_or("")
            }
            _ => "",
        };
        if name.is_empty() {
            return Err(bad("index fields must be non-empty attribute names"));
        }
        if name.split('.').any(|part| part == "_id") {
            return Err(bad("_id cannot be indexed"));
        }
        out.push(if t == "inverted" {
            match f {
                Value::Object(_) => f.clone(),
                _ => json!({ "name": name }),
            }
        } else {
            Value::from(name)
        });
    }
    let n = out.len();
    let ok = match t {
        "ttl" | "fulltext" | "vector" => n == 1,
        "geo" => n <= 2,
        _ => true,
    };
    if !ok {
        return Err(bad(format!("invalid number of fields for a {t} index")));
    }
    Ok(Value::Array(out))
}

/// The stored form of a definition (without `id` and `name`), after validation.
fn normalise(body: &Value) -> Result<Map<String, Value>, ApiError> {
    let t = match body.get("type").and_then(Value::as_str) {
        Some("hash" | "skiplist") => "persistent",
        Some(t) => t,
        None => return Err(bad("index type missing")),
    };
    match t {
        "persistent" | "ttl" | "geo" | "fulltext" | "inverted" | "mdi" | "mdi-prefixed"
        | "vector" => {}
        "primary" | "edge" => return Err(bad(format!("cannot create an index of type {t}"))),
        _ => return Err(bad("invalid index type")),
    }
    let mut m = Map::new();
    m.insert("type".into(), Value::from(t));
    m.insert("fields".into(), fields(t, body)?);
    for (k, d) in type_options(t) {
        let v = match (body.get(*k), d) {
            (Some(v), _) if !v.is_null() => v.clone(),
            (_, DefaultValue::B(b)) => Value::from(*b),
            (_, DefaultValue::U(u)) => Value::from(*u),
            (_, DefaultValue::N(s)) => Value::from(*s),
            (_, DefaultValue::Nothing) => continue,
        };
        m.insert((*k).into(), v);
    }
    for k in ["unique", "sparse", "geoJson", "deduplicate", "estimates"] {
        if m.get(k).is_some_and(|v| !v.is_boolean()) {
            return Err(bad(format!("{k} must be a boolean")));
        }
    }
    match t {
        "ttl" => {
            if !m
                .get("expireAfter")
                .and_then(Value::as_f64)
                .is_some_and(|s| s >= 0.0)
            {
                return Err(bad("expireAfter must be a non-negative number"));
            }
            m.insert("unique".into(), Value::from(false));
        }
        "mdi" | "mdi-prefixed" => {
            if m.get("fieldValueTypes").and_then(Value::as_str) != Some("double") {
                return Err(bad("fieldValueTypes must be \"double\""));
            }
            if t == "mdi-prefixed"
                && !m
                    .get("prefixFields")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
            {
                return Err(bad(
                    "prefixFields must be a non-empty array of attribute names",
                ));
            }
        }
        "vector" => {
            let p = m
                .get("params")
                .and_then(Value::as_object)
                .ok_or_else(|| bad("vector index needs params"))?;
            let metric = p.get("metric").and_then(Value::as_str);
            if !matches!(metric, Some("cosine" | "l2" | "innerProduct")) {
                return Err(bad("params.metric must be cosine, l2 or innerProduct"));
            }
            for k in ["dimension", "nLists"] {
                if p.get(k).and_then(Value::as_u64).is_none_or(|n| n == 0) {
                    return Err(bad(format!("params.{k} must be a positive integer")));
                }
            }
        }
        "geo" | "fulltext" | "inverted" => {
            m.insert("unique".into(), Value::from(false));
        }
        _ => {}
    }
    Ok(m)
}

fn same_definition(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    IDENTITY.iter().all(|k| a.get(*k) == b.get(*k))
}

/// The built-in indexes of a collection of `ctype` (2 document, 3 edge).
fn builtin(ctype: u64) -> Vec<Map<String, Value>> {
    let mut v = vec![obj(json!({
        "id": "0", "name": "primary", "type": "primary", "fields": ["_key"],
        "unique": true, "sparse": false, "selectivityEstimate": 1,
    }))];
    if ctype == 3 {
        v.push(obj(json!({
            "id": "1", "name": "edge", "type": "edge", "fields": ["_from", "_to"],
            "unique": false, "sparse": false, "selectivityEstimate": 1,
        })));
    }
    v
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// An index as answered: `id` prefixed with the collection name.
fn render(coll: &str, idx: &Map<String, Value>) -> Map<String, Value> {
    let mut m = idx.clone();
    let n = idx.get("id").and_then(Value::as_str).unwrap_or("");
    m.insert("id".into(), Value::from(format!("{coll}/{n}")));
    m
}

/// All indexes of a collection, built-in first.
fn all(st: &mut State, db: &str, coll: &str) -> Result<Vec<Map<String, Value>>, ApiError> {
    let c = st.coll(db, coll)?;
    let (id, ctype) = (c.id, c.ctype);
    let mut v = builtin(ctype);
    v.extend(st.catalog.indexes.get(&id).cloned().unwrap_or_default());
    Ok(v)
}

/// The attribute lists of the unique persistent indexes of a collection.
pub(crate) fn unique_fields(st: &State, db: &str, coll: &str) -> Vec<(Vec<String>, bool)> {
    let Some(id) = st
        .dbs
        .get(db)
        .and_then(|d| d.collections.get(coll))
        .map(|c| c.id)
    else {
        return Vec::new();
    };
    st.catalog
        .indexes
        .get(&id)
        .into_iter()
        .flatten()
        .filter(|i| {
            i.get("type").and_then(Value::as_str) == Some("persistent")
                && i.get("unique") == Some(&Value::Bool(true))
        })
        .map(|i| {
            let f = i
                .get("fields")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (f, i.get("sparse") == Some(&Value::Bool(true)))
        })
        .collect()
}

fn attr<'a>(doc: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(doc, |v, f| v.get(f))
        .unwrap_or(&Value::Null)
}

/// Error 1210 if `doc` (to be stored under `key`) repeats the values of a unique index in
/// another document. A sparse index skips documents with a null or missing attribute.
pub(crate) fn check_unique<'a>(
    unique: &[(Vec<String>, bool)],
    docs: impl Iterator<Item = (&'a String, &'a Value)> + Clone,
    key: &str,
    doc: &Value,
) -> Result<(), ApiError> {
    for (fields, sparse) in unique {
        let mine: Vec<&Value> = fields.iter().map(|f| attr(doc, f)).collect();
        if *sparse && mine.iter().any(|v| v.is_null()) {
            continue;
        }
        let clash = docs.clone().any(|(k, other)| {
            k != key && fields.iter().zip(&mine).all(|(f, v)| attr(other, f) == *v)
        });
        if clash {
            return Err(ApiError::new(
                409,
                1210,
                format!(
                    "unique constraint violated - in index of type persistent over '{}'",
                    fields.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn ok_body(status: u16, mut m: Map<String, Value>) -> Resp {
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(status));
    Resp::new(status, Value::Object(m))
}

pub(crate) fn index(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("GET", None, _) => {
            let coll = ctx
                .query
                .get("collection")
                .ok_or_else(|| bad("collection parameter missing"))?;
            let list = all(st, &db, coll)?;
            let rendered: Vec<Value> = list
                .iter()
                .map(|i| Value::Object(render(coll, i)))
                .collect();
            let mut ids = Map::new();
            for r in &rendered {
                let id = r.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                ids.insert(id, r.clone());
            }
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "indexes": rendered, "identifiers": ids}),
            ))
        }
        ("POST", None, _) => {
            ctx.need_rw(st)?;
            let coll = ctx
                .query
                .get("collection")
                .ok_or_else(|| bad("collection parameter missing"))?
                .clone();
            let body = ctx.json()?;
            if !body.is_object() {
                return Err(bad("index definition must be an object"));
            }
            let def = normalise(&body)?;
            let name = match body.get("name") {
                None | Some(Value::Null) => None,
                // Index names follow the rules of collection names.
                Some(Value::String(n)) if crate::api_graph::valid_coll_name(n) => Some(n.clone()),
                Some(_) => return Err(ApiError::new(400, 1208, "illegal index name")),
            };
            let existing = all(st, &db, &coll)?;
            if let Some(same) = existing.iter().find(|i| same_definition(i, &def)) {
                let mut m = render(&coll, same);
                m.insert("isNewlyCreated".into(), Value::from(false));
                return Ok(ok_body(200, m));
            }
            if let Some(n) = &name {
                if existing
                    .iter()
                    .any(|i| i.get("name").and_then(Value::as_str) == Some(n))
                {
                    return Err(ApiError::new(
                        409,
                        1207,
                        "duplicate value: index name in use",
                    ));
                }
            }
            if def.get("type").and_then(Value::as_str) == Some("ttl")
                && existing
                    .iter()
                    .any(|i| i.get("type").and_then(Value::as_str) == Some("ttl"))
            {
                return Err(bad("there can only be one ttl index per collection"));
            }
            let n = st.next_id();
            let cid = st.coll(&db, &coll)?.id;
            let mut idx = def;
            idx.insert("id".into(), Value::from(n.to_string()));
            idx.insert(
                "name".into(),
                Value::from(name.unwrap_or_else(|| format!("idx_{n}"))),
            );
            if idx.get("estimates") == Some(&Value::Bool(true)) {
                idx.insert("selectivityEstimate".into(), Value::from(1));
            }
            st.catalog.indexes.entry(cid).or_default().push(idx.clone());
            let mut m = render(&coll, &idx);
            m.insert("isNewlyCreated".into(), Value::from(true));
            Ok(ok_body(201, m))
        }
        (m @ ("GET" | "DELETE"), Some(coll), Some(which)) if ctx.seg(4).is_none() => {
            let coll = coll.to_owned();
            let list = all(st, &db, &coll)?;
            let found = list
                .iter()
                .find(|i| {
                    i.get("id").and_then(Value::as_str) == Some(which)
                        || i.get("name").and_then(Value::as_str) == Some(which)
                })
                .ok_or_else(not_found)?
                .clone();
            if m == "GET" {
                return Ok(ok_body(200, render(&coll, &found)));
            }
            ctx.need_rw(st)?;
            if matches!(
                found.get("type").and_then(Value::as_str),
                Some("primary" | "edge")
            ) {
                return Err(ApiError::new(403, 11, "cannot drop a built-in index"));
            }
            let cid = st.coll(&db, &coll)?.id;
            if let Some(v) = st.catalog.indexes.get_mut(&cid) {
                v.retain(|i| i.get("id") != found.get("id"));
            }
            let id = render(&coll, &found).remove("id").unwrap_or(Value::Null);
            Ok(ok_body(200, obj(json!({ "id": id }))))
        }
        (_, Some(_), _) => Err(ApiError::not_found_path()),
        _ => Err(ApiError::method()),
    }
}
