//! `/_api/gharial`: named graphs and their definitions (edge definitions, orphan collections).
//! Vertex and edge documents through the graph API are in [`crate::api_graph_docs`].
//!
//! A graph document holds `edgeDefinitions` (`collection`, `from`, `to`; `from` and `to`
//! sorted and without repeats) and `orphanCollections` (vertex collections in no edge
//! definition). Collections a definition names are created if missing: edge collections with
//! type 3, vertex collections with type 2.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::service::{Ctx, Resp};
use crate::state::{ApiError, Collection, State};

pub(crate) fn graph_not_found() -> ApiError {
    ApiError::new(404, 1924, "graph not found")
}

fn malformed(msg: &str) -> ApiError {
    ApiError::new(400, 1923, format!("malformed edge definition: {msg}"))
}

pub(crate) fn valid_coll_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// One edge definition, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EdgeDef {
    pub(crate) collection: String,
    pub(crate) from: BTreeSet<String>,
    pub(crate) to: BTreeSet<String>,
}

impl EdgeDef {
    pub(crate) fn parse(v: &Value) -> Result<EdgeDef, ApiError> {
        let o = v.as_object().ok_or_else(|| malformed("not an object"))?;
        let collection = o
            .get("collection")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("collection must be a string"))?
            .to_owned();
        let side = |k: &str| -> Result<BTreeSet<String>, ApiError> {
            let list = o
                .get(k)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| malformed(&format!("{k} must be a non-empty array")))?;
            list.iter()
                .map(|c| {
                    c.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| malformed(&format!("{k} must hold collection names")))
                })
                .collect()
        };
        let d = EdgeDef {
            collection,
            from: side("from")?,
            to: side("to")?,
        };
        for n in d.names() {
            if !valid_coll_name(n) {
                return Err(ApiError::new(400, 1208, format!("illegal name: {n:?}")));
            }
        }
        Ok(d)
    }
    fn names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.collection)
            .chain(&self.from)
            .chain(&self.to)
    }
    pub(crate) fn to_json(&self) -> Value {
        json!({"collection": self.collection, "from": self.from, "to": self.to})
    }
}

/// A graph as stored.
#[derive(Debug, Clone)]
pub(crate) struct GraphDef {
    pub(crate) edges: Vec<EdgeDef>,
    pub(crate) orphans: BTreeSet<String>,
}

impl GraphDef {
    pub(crate) fn from_doc(doc: &Map<String, Value>) -> GraphDef {
        let edges = doc
            .get("edgeDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| EdgeDef::parse(d).ok())
            .collect();
        let orphans = doc
            .get("orphanCollections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| o.as_str().map(str::to_owned))
            .collect();
        GraphDef { edges, orphans }
    }
    /// Vertex collections of the edge definitions.
    fn defined_vertices(&self) -> BTreeSet<String> {
        self.edges
            .iter()
            .flat_map(|d| d.from.iter().chain(&d.to).cloned())
            .collect()
    }
    /// All vertex collections, orphans included.
    pub(crate) fn vertex_collections(&self) -> BTreeSet<String> {
        let mut v = self.defined_vertices();
        v.extend(self.orphans.iter().cloned());
        v
    }
    pub(crate) fn edge_def(&self, coll: &str) -> Option<&EdgeDef> {
        self.edges.iter().find(|d| d.collection == coll)
    }
    /// Orphans that are now part of a definition stop being orphans.
    fn tidy(&mut self) {
        let used = self.defined_vertices();
        self.orphans.retain(|o| !used.contains(o));
    }
    /// Collections of the graph, edge collections and vertex collections.
    fn collections(&self) -> BTreeSet<String> {
        let mut c = self.vertex_collections();
        c.extend(self.edges.iter().map(|d| d.collection.clone()));
        c
    }
}

fn orphans_of(v: Option<&Value>) -> Result<BTreeSet<String>, ApiError> {
    let bad = || ApiError::new(400, 1943, "malformed orphan list");
    match v {
        None | Some(Value::Null) => Ok(BTreeSet::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|o| match o.as_str() {
                Some(n) if valid_coll_name(n) => Ok(n.to_owned()),
                Some(n) => Err(ApiError::new(400, 1208, format!("illegal name: {n:?}"))),
                None => Err(bad()),
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

pub(crate) fn load(st: &State, db: &str, name: &str) -> Result<GraphDef, ApiError> {
    st.catalog
        .graphs
        .get(&(db.to_owned(), name.to_owned()))
        .map(GraphDef::from_doc)
        .ok_or_else(graph_not_found)
}

/// Other graphs' definitions of the edge collections of `g` must agree with `g`'s.
fn check_shared_edges(st: &State, db: &str, name: &str, g: &GraphDef) -> Result<(), ApiError> {
    for ((d, other), doc) in &st.catalog.graphs {
        if d != db || other == name {
            continue;
        }
        let og = GraphDef::from_doc(doc);
        for e in &g.edges {
            if og.edge_def(&e.collection).is_some_and(|oe| oe != e) {
                return Err(ApiError::new(
                    400,
                    1921,
                    format!(
                        "{} is already used by graph {other} with another definition",
                        e.collection
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Creates the collections `g` names that are missing; checks the types of those that exist.
fn ensure_collections(st: &mut State, db: &str, g: &GraphDef) -> Result<(), ApiError> {
    let edge_names: BTreeSet<&String> = g.edges.iter().map(|d| &d.collection).collect();
    let vertex_names = g.vertex_collections();
    if let Some(both) = vertex_names.iter().find(|v| edge_names.contains(v)) {
        return Err(ApiError::new(
            400,
            1927,
            format!("{both} cannot be both an edge and a vertex collection"),
        ));
    }
    for (names, want) in [
        (edge_names.into_iter().cloned().collect(), 3),
        (vertex_names, 2),
    ] {
        let names: BTreeSet<String> = names;
        for n in names {
            match st.db(db)?.collections.get(&n).map(|c| c.ctype) {
                Some(t) if t == want => {}
                Some(_) if want == 3 => {
                    return Err(ApiError::new(
                        400,
                        1944,
                        format!("edge definition collection {n} is a document collection"),
                    ));
                }
                Some(_) => {
                    return Err(ApiError::new(
                        400,
                        1927,
                        format!("{n} is an edge collection, not a vertex collection"),
                    ));
                }
                None => {
                    let id = st.next_id();
                    st.db(db)?.collections.insert(
                        n,
                        Collection {
                            id,
                            ctype: want,
                            wait_for_sync: false,
                            docs: BTreeMap::new(),
                        },
                    );
                }
            }
        }
    }
    Ok(())
}

fn store(st: &mut State, db: &str, name: &str, g: &GraphDef) -> Map<String, Value> {
    let rev = st.new_rev();
    let doc = json!({
        "_key": name, "_id": format!("_graphs/{name}"), "_rev": rev, "name": name,
        "edgeDefinitions": g.edges.iter().map(EdgeDef::to_json).collect::<Vec<_>>(),
        "orphanCollections": g.orphans,
        "numberOfShards": 1, "replicationFactor": 1, "minReplicationFactor": 1,
        "writeConcern": 1, "isSmart": false, "isDisjoint": false, "isSatellite": false,
    });
    let doc = match doc {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    st.catalog
        .graphs
        .insert((db.to_owned(), name.to_owned()), doc.clone());
    doc
}

/// 202 without `waitForSync`; with it 201 for additions and 200 for removals.
fn write_status(ctx: &Ctx) -> u16 {
    match (ctx.flag("waitForSync"), ctx.method.as_str()) {
        (false, _) => 202,
        (true, "DELETE") => 200,
        (true, _) => 201,
    }
}

fn graph_resp(status: u16, doc: Map<String, Value>) -> Resp {
    Resp::new(
        status,
        json!({"error": false, "code": status, "graph": doc}),
    )
}

/// Drops the collections in `names` that no graph of `db` uses any more.
fn drop_unused(st: &mut State, db: &str, names: BTreeSet<String>) -> Result<(), ApiError> {
    let used: BTreeSet<String> = st
        .catalog
        .graphs
        .iter()
        .filter(|((d, _), _)| d == db)
        .flat_map(|(_, doc)| GraphDef::from_doc(doc).collections())
        .collect();
    let d = st.db(db)?;
    for n in names.iter().filter(|n| !used.contains(*n)) {
        d.collections.remove(n);
    }
    Ok(())
}

fn list(names: BTreeSet<String>) -> Resp {
    Resp::new(
        200,
        json!({"error": false, "code": 200, "collections": names}),
    )
}

fn create(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    ctx.need_rw(st)?;
    let body = ctx.json()?;
    let name = match body.get("name") {
        Some(Value::String(n)) if !n.is_empty() => n.clone(),
        _ => return Err(ApiError::new(400, 1922, "graph name is missing")),
    };
    if !valid_coll_name(&name) {
        return Err(ApiError::new(400, 1208, "illegal graph name"));
    }
    if st
        .catalog
        .graphs
        .contains_key(&(ctx.db.clone(), name.clone()))
    {
        return Err(ApiError::new(409, 1925, "graph already exists"));
    }
    let edges = match body.get("edgeDefinitions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(EdgeDef::parse).collect::<Result<_, _>>()?,
        Some(_) => return Err(malformed("edgeDefinitions must be an array")),
    };
    let mut seen = BTreeSet::new();
    for d in &edges {
        if !seen.insert(d.collection.clone()) {
            return Err(ApiError::new(
                400,
                1920,
                format!(
                    "multi use of edge collection {} in edge definitions",
                    d.collection
                ),
            ));
        }
    }
    let mut g = GraphDef {
        edges,
        orphans: orphans_of(body.get("orphanCollections"))?,
    };
    g.tidy();
    check_shared_edges(st, &ctx.db, &name, &g)?;
    ensure_collections(st, &ctx.db, &g)?;
    let doc = store(st, &ctx.db, &name, &g);
    Ok(graph_resp(write_status(ctx), doc))
}

pub(crate) fn gharial(st: &mut State, ctx: &Ctx) -> Result<Resp, ApiError> {
    let db = ctx.db.clone();
    let m = ctx.method.as_str();
    let Some(name) = ctx.seg(2).map(str::to_owned) else {
        return match m {
            "GET" => {
                let graphs: Vec<Value> = st
                    .catalog
                    .graphs
                    .iter()
                    .filter(|((d, _), _)| *d == db)
                    .map(|(_, g)| Value::Object(g.clone()))
                    .collect();
                Ok(Resp::new(
                    200,
                    json!({"error": false, "code": 200, "graphs": graphs}),
                ))
            }
            "POST" => create(st, ctx),
            _ => Err(ApiError::method()),
        };
    };
    let key = (db.clone(), name.clone());
    let mut g = load(st, &db, &name)?;
    match (m, ctx.seg(3), ctx.seg(4)) {
        ("GET", None, _) => {
            let doc = st.catalog.graphs.get(&key).cloned().unwrap_or_default();
            Ok(Resp::new(
                200,
                json!({"error": false, "code": 200, "graph": doc}),
            ))
        }
        ("DELETE", None, _) => {
            ctx.need_rw(st)?;
            st.catalog.graphs.remove(&key);
            if ctx.flag("dropCollections") {
                drop_unused(st, &db, g.collections())?;
            }
            // Always 202: dropping a graph has no waitForSync.
            Ok(Resp::new(
                202,
                json!({"error": false, "code": 202, "removed": true}),
            ))
        }
        ("GET", Some("vertex"), None) => Ok(list(g.vertex_collections())),
        ("GET", Some("edge"), None) => {
            Ok(list(g.edges.iter().map(|d| d.collection.clone()).collect()))
        }
        ("POST", Some("vertex"), None) => {
            ctx.need_rw(st)?;
            let body = ctx.json()?;
            let coll = body
                .get("collection")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad("collection must be a string"))?
                .to_owned();
            if !valid_coll_name(&coll) {
                return Err(ApiError::new(400, 1208, "illegal name"));
            }
            if g.orphans.contains(&coll) {
                return Err(ApiError::new(
                    400,
                    1938,
                    "collection already used in orphans",
                ));
            }
            if g.vertex_collections().contains(&coll) {
                return Err(ApiError::new(
                    400,
                    1929,
                    "collection already used in edge definitions",
                ));
            }
            g.orphans.insert(coll);
            ensure_collections(st, &db, &g)?;
            let doc = store(st, &db, &name, &g);
            Ok(graph_resp(write_status(ctx), doc))
        }
        ("DELETE", Some("vertex"), Some(coll)) if ctx.seg(5).is_none() => {
            ctx.need_rw(st)?;
            if !g.orphans.remove(coll) {
                return Err(if g.vertex_collections().contains(coll) {
                    ApiError::new(400, 1928, "collection is not in the orphan collections")
                } else {
                    ApiError::new(
                        404,
                        1926,
                        "vertex collection does not exist or is not part of the graph",
                    )
                });
            }
            let doc = store(st, &db, &name, &g);
            if ctx.flag("dropCollection") {
                drop_unused(st, &db, BTreeSet::from([coll.to_owned()]))?;
            }
            Ok(graph_resp(write_status(ctx), doc))
        }
        ("POST", Some("edge"), None) => {
            ctx.need_rw(st)?;
            let d = EdgeDef::parse(&ctx.json()?)?;
            if g.edge_def(&d.collection).is_some() {
                return Err(ApiError::new(
                    400,
                    1920,
                    format!(
                        "multi use of edge collection {} in edge definitions",
                        d.collection
                    ),
                ));
            }
            g.edges.push(d);
            g.tidy();
            check_shared_edges(st, &db, &name, &g)?;
            ensure_collections(st, &db, &g)?;
            let doc = store(st, &db, &name, &g);
            Ok(graph_resp(write_status(ctx), doc))
        }
        ("PUT", Some("edge"), Some(coll)) if ctx.seg(5).is_none() => {
            ctx.need_rw(st)?;
            let d = EdgeDef::parse(&ctx.json()?)?;
            if d.collection != coll {
                return Err(malformed("collection does not match the URL"));
            }
            if g.edge_def(coll).is_none() {
                return Err(ApiError::new(
                    404,
                    1930,
                    "edge collection not used in graph",
                ));
            }
            replace_everywhere(st, &db, &d)?;
            let doc = st.catalog.graphs.get(&key).cloned().unwrap_or_default();
            Ok(graph_resp(write_status(ctx), doc))
        }
        ("DELETE", Some("edge"), Some(coll)) if ctx.seg(5).is_none() => {
            ctx.need_rw(st)?;
            let before = g.defined_vertices();
            let n = g.edges.len();
            g.edges.retain(|d| d.collection != coll);
            if g.edges.len() == n {
                return Err(ApiError::new(
                    404,
                    1930,
                    "edge collection not used in graph",
                ));
            }
            // Vertex collections no definition uses any more stay in the graph as orphans.
            let now = g.defined_vertices();
            g.orphans.extend(before.difference(&now).cloned());
            let doc = store(st, &db, &name, &g);
            if ctx.flag("dropCollections") {
                drop_unused(st, &db, BTreeSet::from([coll.to_owned()]))?;
            }
            Ok(graph_resp(write_status(ctx), doc))
        }
        (_, Some("vertex" | "edge"), Some(_)) => crate::api_graph_docs::document(st, ctx, &g),
        _ => Err(ApiError::not_found_path()),
    }
}

/// Replaces the definition of `d.collection` in every graph of `db` that has one.
fn replace_everywhere(st: &mut State, db: &str, d: &EdgeDef) -> Result<(), ApiError> {
    let names: Vec<String> = st
        .catalog
        .graphs
        .iter()
        .filter(|((gd, _), doc)| {
            gd == db && GraphDef::from_doc(doc).edge_def(&d.collection).is_some()
        })
        .map(|((_, n), _)| n.clone())
        .collect();
    let mut updated = Vec::new();
    for n in names {
        let mut g = load(st, db, &n)?;
        let before = g.defined_vertices();
        for e in &mut g.edges {
            if e.collection == d.collection {
                *e = d.clone();
            }
        }
        let now = g.defined_vertices();
        g.orphans.extend(before.difference(&now).cloned());
        g.tidy();
        ensure_collections(st, db, &g)?;
        updated.push((n, g));
    }
    for (n, g) in updated {
        store(st, db, &n, &g);
    }
    Ok(())
}
