//! Named graphs (`/_api/gharial`): definitions, vertices and edges with the graph's
//! validation; edge collections and the edges of a vertex (`/_api/edges`). Traversals run
//! through AQL ([`Database::aql`]): `FOR v, e, p IN 1..2 OUTBOUND @start GRAPH 'g' RETURN v`.
//!
//! ```no_run
//! # async fn demo(db: arango::Database) -> arango::Result<()> {
//! use arango::{CreateGraphOptions, EdgeDefinition, GraphDocOptions};
//! use serde_json::json;
//! let g = db
//!     .create_graph(
//!         "social",
//!         &[EdgeDefinition::new("knows", ["people"], ["people"])],
//!         &CreateGraphOptions::default(),
//!     )
//!     .await?;
//! let o = GraphDocOptions::default();
//! g.insert_vertex("people", &json!({"_key": "ada"}), &o).await?;
//! g.insert_vertex("people", &json!({"_key": "alan"}), &o).await?;
//! g.insert_edge("knows", &json!({"_from": "people/ada", "_to": "people/alan"}), &o)
//!     .await?;
//! # Ok(()) }
//! ```

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::conn::{Req, enc};
use crate::database::{Collection, Database, DocumentMeta, from_value};
use crate::error::{Error, Result};

/// An edge collection and the vertex collections its edges may start (`from`) and end (`to`)
/// in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeDefinition {
    /// The edge collection.
    pub collection: String,
    /// Allowed `_from` collections.
    pub from: Vec<String>,
    /// Allowed `_to` collections.
    pub to: Vec<String>,
}

impl EdgeDefinition {
    /// A definition.
    pub fn new<F, T, S, U>(collection: &str, from: F, to: T) -> Self
    where
        F: IntoIterator<Item = S>,
        S: Into<String>,
        T: IntoIterator<Item = U>,
        U: Into<String>,
    {
        EdgeDefinition {
            collection: collection.to_owned(),
            from: from.into_iter().map(Into::into).collect(),
            to: to.into_iter().map(Into::into).collect(),
        }
    }
}

/// A graph as the server describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct GraphInfo {
    /// Name.
    pub name: String,
    /// Edge definitions.
    #[serde(rename = "edgeDefinitions", default)]
    pub edge_definitions: Vec<EdgeDefinition>,
    /// Vertex collections in no edge definition.
    #[serde(rename = "orphanCollections", default)]
    pub orphan_collections: Vec<String>,
    /// Every other attribute (`_rev`, `numberOfShards`, `isSmart`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Options of [`Database::create_graph`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CreateGraphOptions {
    /// Vertex collections without edges in this graph.
    pub orphan_collections: Vec<String>,
    /// `waitForSync`.
    pub wait_for_sync: Option<bool>,
    /// The `options` object (`numberOfShards`, `replicationFactor`, `smartGraphAttribute`,
    /// `isSmart`, `isDisjoint`, `satellites`, ...), sent as given.
    pub options: Option<Map<String, Value>>,
}

impl CreateGraphOptions {
    /// Sets the orphan collections.
    pub fn orphans<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.orphan_collections = names.into_iter().map(Into::into).collect();
        self
    }
    /// Sets `waitForSync`.
    pub fn wait_for_sync(mut self, yes: bool) -> Self {
        self.wait_for_sync = Some(yes);
        self
    }
    /// Sets one entry of `options`.
    pub fn option(mut self, key: &str, value: Value) -> Self {
        self.options
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value);
        self
    }
}

/// Options of vertex and edge writes through a graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphDocOptions {
    /// `waitForSync`.
    pub wait_for_sync: Option<bool>,
    /// `returnNew`: the written document comes back in [`GraphWrite::new`].
    pub return_new: bool,
    /// `returnOld`: the previous document comes back in [`GraphWrite::old`].
    pub return_old: bool,
    /// `keepNull` (updates): `false` removes attributes set to `null`.
    pub keep_null: Option<bool>,
    /// `mergeObjects` (updates): `false` replaces nested objects instead of merging them.
    pub merge_objects: Option<bool>,
    /// `If-Match`: only if the document has this `_rev`.
    pub if_match: Option<String>,
}

impl GraphDocOptions {
    /// Sets `returnNew`.
    pub fn return_new(mut self, yes: bool) -> Self {
        self.return_new = yes;
        self
    }
    /// Sets `returnOld`.
    pub fn return_old(mut self, yes: bool) -> Self {
        self.return_old = yes;
        self
    }
    /// Sets `waitForSync`.
    pub fn wait_for_sync(mut self, yes: bool) -> Self {
        self.wait_for_sync = Some(yes);
        self
    }
    /// Sets `keepNull`.
    pub fn keep_null(mut self, yes: bool) -> Self {
        self.keep_null = Some(yes);
        self
    }
    /// Sets `mergeObjects`.
    pub fn merge_objects(mut self, yes: bool) -> Self {
        self.merge_objects = Some(yes);
        self
    }
    /// Sets `If-Match`.
    pub fn if_match(mut self, rev: &str) -> Self {
        self.if_match = Some(rev.to_owned());
        self
    }
    fn apply(&self, mut req: Req) -> Result<Req> {
        let b = |v: bool| if v { "true" } else { "false" };
        if let Some(w) = self.wait_for_sync {
            req = req.query("waitForSync", b(w));
        }
        if self.return_new {
            req = req.query("returnNew", "true");
        }
        if self.return_old {
            req = req.query("returnOld", "true");
        }
        if let Some(k) = self.keep_null {
            req = req.query("keepNull", b(k));
        }
        if let Some(m) = self.merge_objects {
            req = req.query("mergeObjects", b(m));
        }
        if let Some(r) = &self.if_match {
            req = req.header("if-match", r)?;
        }
        Ok(req)
    }
}

/// The outcome of a vertex or edge write.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GraphWrite {
    /// `_id`, `_key`, `_rev` (and `_oldRev`); `None` for deletes (the server answers
    /// `removed: true` and, with `return_old`, the old document).
    pub meta: Option<DocumentMeta>,
    /// The new document, with `return_new`.
    pub new: Option<Value>,
    /// The previous document, with `return_old`.
    pub old: Option<Value>,
}

/// Which edges of a vertex [`Collection::edges`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Edges whose `_from` is the vertex.
    Out,
    /// Edges whose `_to` is the vertex.
    In,
    /// Both.
    Any,
}

fn missing(name: &str) -> Error {
    Error::Deserialization {
        url: String::new(),
        message: format!("missing field {name}"),
    }
}

fn take(v: &mut Value, name: &str) -> Result<Value> {
    v.get_mut(name)
        .map(Value::take)
        .ok_or_else(|| missing(name))
}

impl Database {
    /// All graphs of the database.
    pub async fn graphs(&self) -> Result<Vec<GraphInfo>> {
        let mut v = self.call(Req::new(Method::GET, "/_api/gharial")).await?;
        from_value(take(&mut v, "graphs")?)
    }

    /// A handle on graph `name` (no request is made).
    pub fn graph(&self, name: &str) -> Graph {
        Graph {
            db: self.clone(),
            name: name.to_owned(),
        }
    }

    /// Whether graph `name` exists.
    pub async fn has_graph(&self, name: &str) -> Result<bool> {
        match self.graph(name).info().await {
            Ok(_) => Ok(true),
            Err(e) if e.error_num() == Some(1924) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Creates a graph; missing collections are created (edge collections as such).
    pub async fn create_graph(
        &self,
        name: &str,
        edge_definitions: &[EdgeDefinition],
        opts: &CreateGraphOptions,
    ) -> Result<Graph> {
        let mut body = json!({ "name": name, "edgeDefinitions": edge_definitions });
        if !opts.orphan_collections.is_empty() {
            body["orphanCollections"] = json!(opts.orphan_collections);
        }
        if let Some(o) = &opts.options {
            body["options"] = Value::Object(o.clone());
        }
        let mut req = Req::new(Method::POST, "/_api/gharial").json(&body)?;
        if let Some(w) = opts.wait_for_sync {
            req = req.query("waitForSync", if w { "true" } else { "false" });
        }
        self.call(req).await?;
        Ok(self.graph(name))
    }

    /// Deletes a graph; with `drop_collections` also its collections that no other graph
    /// uses.
    pub async fn delete_graph(&self, name: &str, drop_collections: bool) -> Result<()> {
        let mut req = Req::new(Method::DELETE, format!("/_api/gharial/{}", enc(name)));
        if drop_collections {
            req = req.query("dropCollections", "true");
        }
        self.call(req).await?;
        Ok(())
    }

    /// Creates an edge collection (type 3).
    pub async fn create_edge_collection(&self, name: &str) -> Result<Collection> {
        let body = json!({ "name": name, "type": 3 });
        self.call(Req::new(Method::POST, "/_api/collection").json(&body)?)
            .await?;
        Ok(self.collection(name))
    }
}

impl Collection {
    /// The edges of this edge collection at `vertex` (an `_id`).
    pub async fn edges(&self, vertex: &str, direction: Direction) -> Result<Vec<Value>> {
        let mut req = Req::new(Method::GET, format!("/_api/edges/{}", enc(self.name())))
            .query("vertex", vertex);
        match direction {
            Direction::Out => req = req.query("direction", "out"),
            Direction::In => req = req.query("direction", "in"),
            Direction::Any => {}
        }
        let mut v = self.database().call(req).await?;
        from_value(take(&mut v, "edges")?)
    }
}

/// A handle on a named graph.
#[derive(Debug, Clone)]
pub struct Graph {
    db: Database,
    name: String,
}

impl Graph {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self, sub: &str) -> String {
        format!("/_api/gharial/{}{sub}", enc(&self.name))
    }

    async fn graph_call(&self, req: Req) -> Result<GraphInfo> {
        let mut v = self.db.call(req).await?;
        from_value(take(&mut v, "graph")?)
    }

    /// The definition.
    pub async fn info(&self) -> Result<GraphInfo> {
        self.graph_call(Req::new(Method::GET, self.path(""))).await
    }

    /// The edge definitions.
    pub async fn edge_definitions(&self) -> Result<Vec<EdgeDefinition>> {
        Ok(self.info().await?.edge_definitions)
    }

    async fn names(&self, sub: &str) -> Result<Vec<String>> {
        let mut v = self.db.call(Req::new(Method::GET, self.path(sub))).await?;
        from_value(take(&mut v, "collections")?)
    }

    /// All vertex collections (of the edge definitions and the orphans).
    pub async fn vertex_collections(&self) -> Result<Vec<String>> {
        self.names("/vertex").await
    }

    /// The edge collections.
    pub async fn edge_collections(&self) -> Result<Vec<String>> {
        self.names("/edge").await
    }

    /// Adds an orphan vertex collection (created if missing).
    pub async fn add_vertex_collection(&self, name: &str) -> Result<GraphInfo> {
        let req =
            Req::new(Method::POST, self.path("/vertex")).json(&json!({"collection": name}))?;
        self.graph_call(req).await
    }

    /// Removes an orphan vertex collection; with `drop_collection` the collection too.
    pub async fn remove_vertex_collection(
        &self,
        name: &str,
        drop_collection: bool,
    ) -> Result<GraphInfo> {
        let mut req = Req::new(Method::DELETE, self.path(&format!("/vertex/{}", enc(name))));
        if drop_collection {
            req = req.query("dropCollection", "true");
        }
        self.graph_call(req).await
    }

    /// Adds an edge definition (its collections are created if missing).
    pub async fn add_edge_definition(&self, def: &EdgeDefinition) -> Result<GraphInfo> {
        self.graph_call(Req::new(Method::POST, self.path("/edge")).json(def)?)
            .await
    }

    /// Replaces the definition of `def.collection` (in every graph that has it).
    pub async fn replace_edge_definition(&self, def: &EdgeDefinition) -> Result<GraphInfo> {
        let path = self.path(&format!("/edge/{}", enc(&def.collection)));
        self.graph_call(Req::new(Method::PUT, path).json(def)?)
            .await
    }

    /// Removes the edge definition of `collection`; with `drop_collections` the edge
    /// collection too.
    pub async fn remove_edge_definition(
        &self,
        collection: &str,
        drop_collections: bool,
    ) -> Result<GraphInfo> {
        let mut req = Req::new(
            Method::DELETE,
            self.path(&format!("/edge/{}", enc(collection))),
        );
        if drop_collections {
            req = req.query("dropCollections", "true");
        }
        self.graph_call(req).await
    }

    fn doc_path(&self, kind: &str, coll: &str, key: Option<&str>) -> String {
        match key {
            Some(k) => self.path(&format!("/{kind}/{}/{}", enc(coll), enc(k))),
            None => self.path(&format!("/{kind}/{}", enc(coll))),
        }
    }

    async fn write(&self, kind: &str, req: Req, opts: &GraphDocOptions) -> Result<GraphWrite> {
        let mut v = self.db.call(opts.apply(req)?).await?;
        let meta = match v.get_mut(kind).map(Value::take) {
            Some(m) => Some(from_value(m)?),
            None => None,
        };
        Ok(GraphWrite {
            meta,
            new: v.get_mut("new").map(Value::take),
            old: v.get_mut("old").map(Value::take),
        })
    }

    async fn read(&self, kind: &str, coll: &str, key: &str) -> Result<Value> {
        let req = Req::new(Method::GET, self.doc_path(kind, coll, Some(key)));
        let mut v = self.db.call(req).await?;
        take(&mut v, kind)
    }

    /// Inserts a vertex into `coll`, one of the graph's vertex collections.
    pub async fn insert_vertex<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        doc: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::POST, self.doc_path("vertex", coll, None)).json(doc)?;
        self.write("vertex", req, opts).await
    }

    /// Reads a vertex.
    pub async fn vertex(&self, coll: &str, key: &str) -> Result<Value> {
        self.read("vertex", coll, key).await
    }

    /// Reads a vertex into any `Deserialize` type.
    pub async fn vertex_as<T: DeserializeOwned>(&self, coll: &str, key: &str) -> Result<T> {
        from_value(self.vertex(coll, key).await?)
    }

    /// Merges `patch` into a vertex.
    pub async fn update_vertex<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        key: &str,
        patch: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::PATCH, self.doc_path("vertex", coll, Some(key))).json(patch)?;
        self.write("vertex", req, opts).await
    }

    /// Replaces a vertex.
    pub async fn replace_vertex<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        key: &str,
        doc: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::PUT, self.doc_path("vertex", coll, Some(key))).json(doc)?;
        self.write("vertex", req, opts).await
    }

    /// Deletes a vertex and the graph's edges at it.
    pub async fn delete_vertex(
        &self,
        coll: &str,
        key: &str,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::DELETE, self.doc_path("vertex", coll, Some(key)));
        self.write("vertex", req, opts).await
    }

    /// Inserts an edge into `coll`; its `_from` and `_to` must fit the edge definition.
    pub async fn insert_edge<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        doc: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::POST, self.doc_path("edge", coll, None)).json(doc)?;
        self.write("edge", req, opts).await
    }

    /// Reads an edge.
    pub async fn edge(&self, coll: &str, key: &str) -> Result<Value> {
        self.read("edge", coll, key).await
    }

    /// Merges `patch` into an edge.
    pub async fn update_edge<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        key: &str,
        patch: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::PATCH, self.doc_path("edge", coll, Some(key))).json(patch)?;
        self.write("edge", req, opts).await
    }

    /// Replaces an edge (the new one needs `_from` and `_to`).
    pub async fn replace_edge<T: Serialize + ?Sized>(
        &self,
        coll: &str,
        key: &str,
        doc: &T,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::PUT, self.doc_path("edge", coll, Some(key))).json(doc)?;
        self.write("edge", req, opts).await
    }

    /// Deletes an edge.
    pub async fn delete_edge(
        &self,
        coll: &str,
        key: &str,
        opts: &GraphDocOptions,
    ) -> Result<GraphWrite> {
        let req = Req::new(Method::DELETE, self.doc_path("edge", coll, Some(key)));
        self.write("edge", req, opts).await
    }
}
