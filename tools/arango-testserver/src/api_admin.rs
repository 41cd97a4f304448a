//! `/_api/database`, `/_api/user` and `/_api/transaction`.

use std::collections::BTreeMap;

use dbauth::Secret;
use serde_json::{Map, Value, json};

use crate::service::{Ctx, Principal, Resp};
use crate::state::{ApiError, Database, Grant, State, Transaction, TrxStatus, User};

fn valid_db_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('_')
        && !name.contains('/')
        && !name.chars().any(char::is_control)
}

fn ok(status: u16, result: Value) -> Resp {
    Resp::new(
        status,
        json!({"error": false, "code": status, "result": result}),
    )
}

pub(crate) fn database(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    match (ctx.method.as_str(), ctx.seg(2)) {
        ("GET", Some("current")) => {
            let id = st.db(&ctx.db)?.id;
            Ok(ok(
                200,
                json!({"name": ctx.db, "id": id.to_string(), "isSystem": ctx.db == "_system", "path": ""}),
            ))
        }
        ("GET", Some("user")) => {
            let names: Vec<&String> = st
                .dbs
                .keys()
                .filter(|d| ctx.grant_on(st, d) != Grant::None)
                .collect();
            Ok(ok(200, json!(names)))
        }
        ("GET", None) => {
            if ctx.db != "_system" {
                return Err(ApiError::new(
                    403,
                    1230,
                    "operation only allowed in system database",
                ));
            }
            ctx.need_admin(st)?;
            let names: Vec<&String> = st.dbs.keys().collect();
            Ok(ok(200, json!(names)))
        }
        ("POST", None) => {
            if ctx.db != "_system" {
                return Err(ApiError::new(
                    403,
                    1230,
                    "operation only allowed in system database",
                ));
            }
            ctx.need_admin(st)?;
            let body = ctx.json()?;
            let name = body.get("name").and_then(Value::as_str).unwrap_or("");
            if !valid_db_name(name) {
                return Err(ApiError::new(400, 1229, "database name invalid"));
            }
            if st.dbs.contains_key(name) {
                return Err(ApiError::new(409, 1207, "duplicate database name"));
            }
            let mut new_users = Vec::new();
            for u in body
                .get("users")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let uname = u
                    .get("username")
                    .or_else(|| u.get("user"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::bad("users need a username"))?;
                let pw = u.get("passwd").and_then(Value::as_str).unwrap_or("");
                let active = u.get("active").and_then(Value::as_bool).unwrap_or(true);
                new_users.push((uname.to_owned(), pw.to_owned(), active));
            }
            let id = st.next_id();
            st.dbs.insert(
                name.to_owned(),
                Database {
                    id,
                    collections: BTreeMap::new(),
                },
            );
            for (uname, pw, active) in new_users {
                let user = st
                    .users
                    .entry(uname)
                    .or_insert_with(|| User::new(Secret::new(pw)));
                user.active = active;
                user.grants.insert(name.to_owned(), Grant::Rw);
            }
            Ok(ok(201, json!(true)))
        }
        ("DELETE", Some(name)) => {
            if ctx.db != "_system" {
                return Err(ApiError::new(
                    403,
                    1230,
                    "operation only allowed in system database",
                ));
            }
            ctx.need_admin(st)?;
            if name == "_system" {
                return Err(ApiError::new(403, 1230, "cannot drop the system database"));
            }
            st.dbs.remove(name).ok_or_else(ApiError::db_not_found)?;
            for u in st.users.values_mut() {
                u.grants.remove(name);
            }
            Ok(ok(200, json!(true)))
        }
        _ => Err(ApiError::method()),
    }
}

fn user_json(name: &str, u: &User) -> Value {
    json!({"user": name, "active": u.active, "extra": u.extra})
}

fn user_not_found() -> ApiError {
    ApiError::new(404, 1703, "user not found")
}

pub(crate) fn user(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let name = ctx.seg(2).map(str::to_owned);
    let is_self = matches!((&ctx.principal, &name), (Principal::User(me), Some(n)) if me == n);
    let reading_self = is_self && ctx.method == "GET";
    if !reading_self {
        ctx.need_admin(st)?;
    }
    let Some(name) = name else {
        return match ctx.method.as_str() {
            "GET" => {
                let list: Vec<Value> = st.users.iter().map(|(n, u)| user_json(n, u)).collect();
                Ok(ok(200, json!(list)))
            }
            "POST" => {
                let body = ctx.json()?;
                let n = body
                    .get("user")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| ApiError::new(400, 1700, "invalid user name"))?;
                if st.users.contains_key(n) {
                    return Err(ApiError::new(409, 1702, "duplicate user"));
                }
                let mut u = User::new(Secret::new(
                    body.get("passwd").and_then(Value::as_str).unwrap_or(""),
                ));
                u.active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
                if let Some(e) = body.get("extra").filter(|e| e.is_object()) {
                    u.extra = e.clone();
                }
                let v = user_json(n, &u);
                st.users.insert(n.to_owned(), u);
                Ok(Resp::new(201, with_envelope(v, 201)))
            }
            _ => Err(ApiError::method()),
        };
    };
    if ctx.seg(3) == Some("database") {
        return permissions(st, ctx, &name);
    }
    match ctx.method.as_str() {
        "GET" => {
            let u = st.users.get(&name).ok_or_else(user_not_found)?;
            Ok(Resp::new(200, with_envelope(user_json(&name, u), 200)))
        }
        "PATCH" | "PUT" => {
            let body = ctx.json()?;
            let replace = ctx.method == "PUT";
            let u = st.users.get_mut(&name).ok_or_else(user_not_found)?;
            if let Some(p) = body.get("passwd").and_then(Value::as_str) {
                u.password = Secret::new(p);
            }
            if let Some(a) = body.get("active").and_then(Value::as_bool) {
                u.active = a;
            }
            // PUT replaces `extra`; PATCH merges the given attributes into it.
            match (body.get("extra"), replace) {
                (Some(e @ Value::Object(_)), true) => u.extra = e.clone(),
                (Some(Value::Object(patch)), false) => {
                    if let Value::Object(cur) = &mut u.extra {
                        for (k, v) in patch {
                            cur.insert(k.clone(), v.clone());
                        }
                    } else {
                        u.extra = Value::Object(patch.clone());
                    }
                }
                (_, true) => u.extra = json!({}),
                _ => {}
            }
            Ok(Resp::new(200, with_envelope(user_json(&name, u), 200)))
        }
        "DELETE" => {
            st.users.remove(&name).ok_or_else(user_not_found)?;
            Ok(Resp::new(202, json!({"error": false, "code": 202})))
        }
        _ => Err(ApiError::method()),
    }
}

fn with_envelope(v: Value, code: u16) -> Value {
    let mut m = v.as_object().cloned().unwrap_or_default();
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(code));
    Value::Object(m)
}

fn permissions(st: &mut State, ctx: &Ctx, name: &str) -> Result<Resp, ApiError> {
    let dbs: Vec<String> = st.dbs.keys().cloned().collect();
    let u = st.users.get_mut(name).ok_or_else(user_not_found)?;
    match (ctx.method.as_str(), ctx.seg(4)) {
        ("GET", None) => {
            // `full=true` lists every database with its level (and no per-collection levels:
            // the stand-in has none); otherwise only the databases the user can reach.
            let full = ctx.flag("full");
            let mut m = Map::new();
            for d in dbs {
                let g = u.grant_on(&d);
                if full {
                    m.insert(d, json!({"permission": g.as_str(), "collections": {}}));
                } else if g != Grant::None {
                    m.insert(d, Value::from(g.as_str()));
                }
            }
            Ok(ok(200, Value::Object(m)))
        }
        ("GET", Some(db)) => Ok(ok(200, Value::from(u.grant_on(db).as_str()))),
        ("PUT", Some(db)) => {
            let grant = ctx
                .json()?
                .get("grant")
                .and_then(Value::as_str)
                .and_then(Grant::parse)
                .ok_or_else(|| ApiError::bad("grant must be rw, ro or none"))?;
            if db != "*" && !dbs.iter().any(|d| d == db) {
                return Err(ApiError::db_not_found());
            }
            u.grants.insert(db.to_owned(), grant);
            let mut m = Map::new();
            m.insert(db.to_owned(), Value::from(grant.as_str()));
            Ok(Resp::new(200, with_envelope(Value::Object(m), 200)))
        }
        ("DELETE", Some(db)) => {
            u.grants.remove(db);
            Ok(Resp::new(202, json!({"error": false, "code": 202})))
        }
        _ => Err(ApiError::method()),
    }
}

fn trx_json(id: &str, t: &Transaction) -> Value {
    json!({"id": id, "status": t.status.as_str()})
}

pub(crate) fn transaction(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    match (ctx.method.as_str(), ctx.seg(2)) {
        ("GET", None) => {
            let list: Vec<Value> = st
                .trx
                .iter()
                .filter(|(_, t)| t.db == ctx.db && t.status == TrxStatus::Running)
                .map(|(id, t)| json!({"id": id, "state": t.status.as_str()}))
                .collect();
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "transactions": list}),
            ))
        }
        ("POST", None) => Err(ApiError::new(
            501,
            9,
            "JavaScript transactions are not supported by the stand-in",
        )),
        ("POST", Some("begin")) => {
            ctx.need_rw(st)?;
            let body = ctx.json()?;
            let cols = body
                .get("collections")
                .and_then(Value::as_object)
                .ok_or_else(|| ApiError::bad("missing collections"))?;
            let mut names: Vec<String> = Vec::new();
            let mut writes: Vec<String> = Vec::new();
            for (kind, v) in cols {
                let list: Vec<String> = match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                if kind == "write" || kind == "exclusive" {
                    writes.extend(list.iter().cloned());
                }
                names.extend(list);
            }
            let db = st.db(&ctx.db)?;
            for n in &names {
                db.collections.get(n).ok_or_else(ApiError::coll_not_found)?;
            }
            let id = st.next_id().to_string();
            let t = Transaction {
                db: ctx.db.clone(),
                status: TrxStatus::Running,
                undo: Vec::new(),
                written: std::collections::HashSet::new(),
                last_use: std::time::Instant::now(),
            };
            let v = trx_json(&id, &t);
            st.trx.insert(id, t);
            Ok(ok(201, v))
        }
        (m, Some(id)) => {
            let t = st
                .trx
                .get_mut(id)
                .filter(|t| t.db == ctx.db)
                .ok_or_else(|| ApiError::new(404, 1655, "transaction not found"))?;
            let target = match m {
                "GET" => return Ok(ok(200, trx_json(id, t))),
                "PUT" => TrxStatus::Committed,
                "DELETE" => TrxStatus::Aborted,
                _ => return Err(ApiError::method()),
            };
            if t.status != TrxStatus::Running && t.status != target {
                return Err(ApiError::new(
                    409,
                    1652,
                    format!("transaction already {}", t.status.as_str()),
                ));
            }
            let running = t.status == TrxStatus::Running;
            if running && target == TrxStatus::Aborted {
                st.abort_transaction(id);
            } else if let Some(t) = st.trx.get_mut(id) {
                t.status = target;
                t.undo.clear();
                t.written.clear();
            }
            let v = st.trx.get(id).map_or(Value::Null, |t| trx_json(id, t));
            Ok(ok(200, v))
        }
        _ => Err(ApiError::method()),
    }
}

/// `/_api/tasks`: the stand-in runs no server-side JavaScript, so there never are tasks; the
/// listing is empty and a named task is not found (ArangoDB's errorNum 1852).
pub(crate) fn tasks(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    ctx.need_admin(st)?;
    match (ctx.method.as_str(), ctx.seg(2)) {
        ("GET", None) => Ok(Resp::new(200, json!([]))),
        ("GET" | "DELETE", Some(_)) => Err(ApiError::new(404, 1852, "task not found")),
        ("POST", _) | ("PUT", Some(_)) => Err(ApiError::new(
            501,
            9,
            "tasks (server-side JavaScript) are not supported by the stand-in",
        )),
        _ => Err(ApiError::method()),
    }
}
