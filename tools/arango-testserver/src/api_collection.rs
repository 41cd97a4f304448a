//! The collection endpoints beyond [`crate::api_data`]'s: creation with `keyOptions`, `schema`,
//! `computedValues` and `cacheEnabled` (kept and answered back; the document paths do not
//! enforce them), the same in `PUT .../properties`, `PUT .../rename` and `GET .../figures`.
//! Cluster-only settings (`replicationFactor`, `writeConcern`, `numberOfShards`, ...) are
//! accepted and, as on a single server, have no effect.

use serde_json::{Map, Value, json};

use crate::api_data;
use crate::service::{Ctx, Resp};
use crate::state::{ApiError, State, coll_info};

/// Whether this request is one of this module's.
pub(crate) fn handles(ctx: &Ctx) -> bool {
    matches!(
        (ctx.method.as_str(), ctx.seg(2), ctx.seg(3), ctx.seg(4)),
        ("POST", None, _, _) | (_, Some(_), Some("properties" | "rename" | "figures"), None)
    )
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::new(400, 10, msg)
}

/// The extra properties `body` sets, validated.
fn extras(body: &Value, creating: bool) -> Result<Map<String, Value>, ApiError> {
    let mut m = Map::new();
    if let Some(k) = body.get("keyOptions").filter(|v| !v.is_null()) {
        if !creating {
            return Err(bad("keyOptions cannot be changed"));
        }
        if !k.is_object() {
            return Err(bad("keyOptions must be an object"));
        }
        let t = k
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("traditional");
        if !matches!(t, "traditional" | "autoincrement" | "uuid" | "padded") {
            return Err(bad("invalid key generator type"));
        }
        let mut o = json!({"type": t, "allowUserKeys": true});
        if let Some(a) = k.get("allowUserKeys") {
            o["allowUserKeys"] = Value::Bool(
                a.as_bool()
                    .ok_or_else(|| bad("allowUserKeys must be a boolean"))?,
            );
        }
        if t == "autoincrement" {
            for f in ["increment", "offset"] {
                if let Some(n) = k.get(f) {
                    o[f] = Value::from(
                        n.as_u64()
                            .ok_or_else(|| bad(format!("{f} must be a non-negative integer")))?,
                    );
                }
            }
        }
        o["lastValue"] = Value::from(0);
        m.insert("keyOptions".into(), o);
    }
    match body.get("schema") {
        None => {}
        Some(Value::Null) => {
            m.insert("schema".into(), Value::Null);
        }
        Some(s @ Value::Object(o)) if o.get("rule").is_some_and(Value::is_object) => {
            let level = o.get("level").and_then(Value::as_str).unwrap_or("strict");
            if !matches!(level, "none" | "new" | "moderate" | "strict") {
                return Err(ApiError::new(400, 1620, "invalid schema level"));
            }
            let mut s = s.clone();
            s["level"] = Value::from(level);
            if s.get("message").is_none() {
                s["message"] = Value::from("Schema validation failed");
            }
            m.insert("schema".into(), s);
        }
        Some(_) => {
            return Err(ApiError::new(
                400,
                1620,
                "schema must be an object with a rule",
            ));
        }
    }
    if let Some(cv) = body.get("computedValues").filter(|v| !v.is_null()) {
        let list = cv
            .as_array()
            .ok_or_else(|| bad("computedValues must be an array"))?;
        for c in list {
            let ok = c
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.is_empty())
                && c.get("expression").and_then(Value::as_str).is_some();
            if !ok {
                return Err(ApiError::new(
                    400,
                    1510,
                    "computed values need a name and an expression",
                ));
            }
        }
        m.insert("computedValues".into(), cv.clone());
    }
    if let Some(c) = body.get("cacheEnabled") {
        m.insert(
            "cacheEnabled".into(),
            Value::Bool(
                c.as_bool()
                    .ok_or_else(|| bad("cacheEnabled must be a boolean"))?,
            ),
        );
    }
    Ok(m)
}

fn with_extras(st: &State, id: u64, mut r: Resp) -> Resp {
    if let (Some(props), Value::Object(body)) = (st.catalog.coll_props.get(&id), &mut r.body) {
        for (k, v) in props {
            body.insert(k.clone(), v.clone());
        }
        if !props.contains_key("schema") {
            body.insert("schema".into(), Value::Null);
        }
    } else if let Value::Object(body) = &mut r.body {
        body.insert("schema".into(), Value::Null);
    }
    r
}

pub(crate) fn collection(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    match (ctx.method.as_str(), ctx.seg(2), ctx.seg(3)) {
        ("POST", None, _) => {
            let body = ctx.json()?;
            let extra = extras(&body, true)?;
            let r = api_data::collection(st, ctx)?;
            let name = body.get("name").and_then(Value::as_str).unwrap_or("");
            let id = st.coll(&db, name)?.id;
            st.catalog.coll_props.insert(id, extra);
            Ok(with_extras(st, id, r))
        }
        (m @ ("GET" | "PUT"), Some(name), Some("properties")) => {
            let id = st.coll(&db, name)?.id;
            if m == "PUT" {
                ctx.need_rw(st)?;
                let body = ctx.json()?;
                if !body.is_object() {
                    return Err(bad("properties must be an object"));
                }
                let extra = extras(&body, false)?;
                st.catalog.coll_props.entry(id).or_default().extend(extra);
            }
            let r = api_data::collection(st, ctx)?;
            Ok(with_extras(st, id, r))
        }
        ("GET", Some(name), Some("figures")) => {
            let c = st.coll(&db, name)?;
            let (id, ctype, n) = (c.id, c.ctype, c.docs.len());
            let size: usize = c.docs.values().map(|d| d.to_string().len()).sum();
            let indexes =
                1 + usize::from(ctype == 3) + st.catalog.indexes.get(&id).map_or(0, Vec::len);
            let mut m = coll_info(name, st.coll(&db, name)?);
            m.insert("count".into(), Value::from(n));
            m.insert(
                "figures".into(),
                json!({"indexes": {"count": indexes, "size": 0}, "documentsSize": size,
                       "cacheInUse": false, "cacheSize": 0, "cacheUsage": 0}),
            );
            Ok(Resp::new(200, Value::Object(m)))
        }
        ("PUT", Some(name), Some("rename")) => {
            ctx.need_rw(st)?;
            let new = ctx
                .json()?
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| ApiError::new(400, 1208, "illegal name"))?;
            if !crate::api_graph::valid_coll_name(&new) {
                return Err(ApiError::new(400, 1208, "illegal name"));
            }
            st.coll(&db, name)?;
            let taken = st.db(&db)?.collections.contains_key(&new)
                || st.catalog.views.contains_key(&(db.clone(), new.clone()));
            if taken {
                return Err(ApiError::new(409, 1207, "duplicate name"));
            }
            let d = st.db(&db)?;
            let c = d
                .collections
                .remove(name)
                .ok_or_else(ApiError::coll_not_found)?;
            let info = coll_info(&new, &c);
            d.collections.insert(new, c);
            Ok(Resp::new(200, Value::Object(info)))
        }
        _ => api_data::collection(st, ctx),
    }
}
