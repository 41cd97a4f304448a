//! `/_api/analyzer`: the built-in analyzers (`identity`, `text_<lang>`) and user-defined ones.
//!
//! A user-defined analyzer's full name is `<database>::<name>`; requests may use either form.
//! Creating one that exists with the same definition answers 200 with it, with a different
//! definition 400 (errorNum 10); a new one 201. Built-ins cannot be deleted (403); one that a
//! view links cannot be deleted without `force` (409, 1200).

use serde_json::{Map, Value, json};

use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State};

const TEXT_LANGUAGES: [&str; 12] = [
    "de", "en", "es", "fi", "fr", "it", "nl", "no", "pt", "ru", "sv", "zh",
];

const TYPES: [&str; 19] = [
    "identity",
    "delimiter",
    "multi_delimiter",
    "stem",
    "norm",
    "ngram",
    "text",
    "segmentation",
    "aql",
    "pipeline",
    "stopwords",
    "collation",
    "minhash",
    "classification",
    "nearest_neighbors",
    "geojson",
    "geo_s2",
    "geopoint",
    "wildcard",
];

fn builtins() -> Vec<Map<String, Value>> {
    let mut v = vec![obj(json!({
        "name": "identity", "type": "identity", "properties": {}, "features": ["frequency", "norm"],
    }))];
    for lang in TEXT_LANGUAGES {
        v.push(obj(json!({
            "name": format!("text_{lang}"), "type": "text",
            "properties": {"locale": lang, "case": "lower", "stopwords": [], "accent": false, "stemming": true},
            "features": ["frequency", "norm", "position"],
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

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 10, msg)
}

fn not_found() -> ApiError {
    ApiError::new(404, 1202, "analyzer not found")
}

/// The short name of `name` in `db` (`db::x` or `x`), if it names an analyzer of this
/// database or a built-in.
fn short<'a>(db: &str, name: &'a str) -> Option<&'a str> {
    match name.split_once("::") {
        Some((d, n)) if d == db => Some(n),
        Some(_) => None,
        None => Some(name),
    }
}

fn find(st: &State, db: &str, name: &str) -> Option<Map<String, Value>> {
    if let Some(b) = builtins()
        .into_iter()
        .find(|b| b.get("name").and_then(Value::as_str) == Some(name))
    {
        return Some(b);
    }
    if let Some((d, n)) = name.split_once("::") {
        // Another database's analyzers are visible only from `_system`'s.
        if d != db && d != "_system" {
            return None;
        }
        return st
            .catalog
            .analyzers
            .get(&(d.to_owned(), n.to_owned()))
            .cloned();
    }
    st.catalog
        .analyzers
        .get(&(db.to_owned(), name.to_owned()))
        .cloned()
}

/// Whether `name` is an analyzer usable in `db`.
pub(crate) fn analyzer_exists(st: &State, db: &str, name: &str) -> bool {
    find(st, db, name).is_some()
}

fn valid_short(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 254
        && n.starts_with(|c: char| c.is_ascii_alphabetic())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn check_properties(t: &str, p: &Map<String, Value>) -> Result<(), ApiError> {
    let need_str = |k: &str| -> Result<(), ApiError> {
        if p.get(k).and_then(Value::as_str).is_some() {
            Ok(())
        } else {
            Err(bad(format!("{t} analyzer needs a string property {k}")))
        }
    };
    match t {
        "delimiter" => need_str("delimiter"),
        "stem" | "norm" | "text" | "collation" => need_str("locale"),
        "ngram" => {
            let min = p.get("min").and_then(Value::as_u64);
            let max = p.get("max").and_then(Value::as_u64);
            match (min, max, p.get("preserveOriginal").and_then(Value::as_bool)) {
                (Some(a), Some(b), Some(_)) if a >= 1 && a <= b => Ok(()),
                _ => Err(bad("ngram analyzer needs min <= max and preserveOriginal")),
            }
        }
        _ => Ok(()),
    }
}

fn ok(status: u16, mut m: Map<String, Value>) -> Resp {
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(status));
    Resp::new(status, Value::Object(m))
}

fn create(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    ctx.need_rw(st)?;
    let body = ctx.json()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let n = short(&ctx.db, name)
        .filter(|n| valid_short(n))
        .ok_or_else(|| bad("invalid analyzer name"))?
        .to_owned();
    let t = body
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| TYPES.contains(t))
        .ok_or_else(|| bad("invalid analyzer type"))?;
    let properties = match body.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad("properties must be an object")),
    };
    check_properties(t, &properties)?;
    let mut features: Vec<String> = Vec::new();
    for f in body
        .get("features")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match f.as_str() {
            Some(s @ ("frequency" | "norm" | "position" | "offset")) => {
                if !features.iter().any(|x| x == s) {
                    features.push(s.to_owned());
                }
            }
            _ => return Err(bad("features may be frequency, norm, position, offset")),
        }
    }
    if features.iter().any(|f| f == "offset") && !features.iter().any(|f| f == "position") {
        return Err(bad("the offset feature needs position"));
    }
    let def = obj(json!({
        "name": format!("{}::{n}", ctx.db), "type": t, "properties": properties, "features": features,
    }));
    if builtins()
        .iter()
        .any(|b| b.get("name").and_then(Value::as_str) == Some(n.as_str()))
    {
        return Err(bad("name collides with a built-in analyzer"));
    }
    let key = (ctx.db.clone(), n);
    if let Some(existing) = st.catalog.analyzers.get(&key) {
        let same = ["type", "properties", "features"]
            .iter()
            .all(|k| existing.get(*k) == def.get(*k));
        return if same {
            Ok(ok(200, existing.clone()))
        } else {
            Err(bad(
                "an analyzer with this name and another definition exists",
            ))
        };
    }
    st.catalog.analyzers.insert(key, def.clone());
    Ok(ok(201, def))
}

pub(crate) fn analyzer(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("GET", None, _) => {
            let mut list: Vec<Value> = builtins().into_iter().map(Value::Object).collect();
            for ((d, _), a) in &st.catalog.analyzers {
                if *d == db || d == "_system" {
                    list.push(Value::Object(a.clone()));
                }
            }
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "result": list}),
            ))
        }
        ("POST", None, _) => create(st, ctx),
        ("GET", Some(name), None) => Ok(ok(200, find(st, &db, name).ok_or_else(not_found)?)),
        ("DELETE", Some(name), None) => {
            ctx.need_rw(st)?;
            if builtins()
                .iter()
                .any(|b| b.get("name").and_then(Value::as_str) == Some(name))
            {
                return Err(ApiError::new(
                    403,
                    11,
                    "built-in analyzers cannot be deleted",
                ));
            }
            let n = short(&db, name).ok_or_else(not_found)?.to_owned();
            let full = format!("{db}::{n}");
            if !st.catalog.analyzers.contains_key(&(db.clone(), n.clone())) {
                return Err(not_found());
            }
            if !ctx.flag("force") && crate::api_view::analyzer_in_use(st, &db, &full, &n) {
                return Err(ApiError::new(409, 1200, "analyzer in use"));
            }
            st.catalog.analyzers.remove(&(db, n));
            Ok(ok(200, obj(json!({ "name": full }))))
        }
        (_, Some(_), Some(_)) => Err(ApiError::not_found_path()),
        _ => Err(ApiError::method()),
    }
}
