//! Indexes of a collection (`/_api/index`): persistent, ttl, geo, fulltext, inverted, mdi,
//! mdi-prefixed and vector, besides the primary and edge indexes every collection has.
//!
//! ```no_run
//! # async fn demo(col: arango::Collection) -> arango::Result<()> {
//! use arango::IndexDefinition;
//! let idx = col
//!     .ensure_index(&IndexDefinition::persistent(["email"]).unique(true).name("by_email"))
//!     .await?;
//! assert!(idx.is_newly_created == Some(true) || idx.is_newly_created == Some(false));
//! col.delete_index(&idx.id).await?;
//! # Ok(()) }
//! ```

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::conn::{Req, enc};
use crate::database::{Collection, from_value};
use crate::error::{Error, Result};

/// What to create: a type, its fields and options. The constructors set what each type
/// requires; [`IndexDefinition::option`] adds any other documented option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexDefinition {
    #[serde(rename = "type")]
    index_type: String,
    fields: Vec<Value>,
    #[serde(flatten)]
    options: Map<String, Value>,
}

fn names<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Vec<Value> {
    fields.into_iter().map(|f| Value::from(f.into())).collect()
}

/// Distance of a vector index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VectorMetric {
    /// Cosine similarity.
    Cosine,
    /// Euclidean distance.
    L2,
    /// Inner product.
    InnerProduct,
}

impl VectorMetric {
    fn as_str(self) -> &'static str {
        match self {
            VectorMetric::Cosine => "cosine",
            VectorMetric::L2 => "l2",
            VectorMetric::InnerProduct => "innerProduct",
        }
    }
}

impl IndexDefinition {
    /// Any type with any fields (for types or forms the constructors do not cover).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(index_type: &str, fields: I) -> Self {
        IndexDefinition {
            index_type: index_type.to_owned(),
            fields: names(fields),
            options: Map::new(),
        }
    }
    /// A persistent (sorted) index over these attributes.
    pub fn persistent<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Self {
        Self::new("persistent", fields)
    }
    /// A TTL index: documents expire `expire_after` seconds after the time in `field`.
    pub fn ttl(field: &str, expire_after: f64) -> Self {
        Self::new("ttl", [field]).option("expireAfter", json!(expire_after))
    }
    /// A geo index over one attribute (`[lat, lng]` or GeoJSON with `geo_json`) or two
    /// (latitude, longitude).
    pub fn geo<I: IntoIterator<Item = S>, S: Into<String>>(fields: I, geo_json: bool) -> Self {
        Self::new("geo", fields).option("geoJson", Value::from(geo_json))
    }
    /// A fulltext index (deprecated by ArangoDB in favour of ArangoSearch) over one attribute.
    pub fn fulltext(field: &str, min_length: u32) -> Self {
        Self::new("fulltext", [field]).option("minLength", Value::from(min_length))
    }
    /// An inverted index over these attributes (for `search-alias` views and filters).
    pub fn inverted<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Self {
        Self::new("inverted", fields)
    }
    /// A multi-dimensional index over numeric attributes.
    pub fn mdi<I: IntoIterator<Item = S>, S: Into<String>>(fields: I) -> Self {
        Self::new("mdi", fields).option("fieldValueTypes", Value::from("double"))
    }
    /// A prefixed multi-dimensional index: equality on `prefix_fields`, ranges on `fields`.
    pub fn mdi_prefixed<I, S, P, Q>(fields: I, prefix_fields: P) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        P: IntoIterator<Item = Q>,
        Q: Into<String>,
    {
        Self::new("mdi-prefixed", fields)
            .option("fieldValueTypes", Value::from("double"))
            .option("prefixFields", Value::Array(names(prefix_fields)))
    }
    /// A vector index over one attribute holding `dimension` numbers, trained into `n_lists`
    /// clusters.
    pub fn vector(field: &str, metric: VectorMetric, dimension: u32, n_lists: u32) -> Self {
        Self::new("vector", [field]).option(
            "params",
            json!({"metric": metric.as_str(), "dimension": dimension, "nLists": n_lists}),
        )
    }
    /// `unique`.
    pub fn unique(self, yes: bool) -> Self {
        self.option("unique", Value::from(yes))
    }
    /// `sparse`.
    pub fn sparse(self, yes: bool) -> Self {
        self.option("sparse", Value::from(yes))
    }
    /// `name` (default: chosen by the server).
    pub fn name(self, name: &str) -> Self {
        self.option("name", Value::from(name))
    }
    /// `inBackground`: build without locking the collection for writes.
    pub fn in_background(self, yes: bool) -> Self {
        self.option("inBackground", Value::from(yes))
    }
    /// Any other option (`deduplicate`, `estimates`, `cacheEnabled`, `storedValues`,
    /// `analyzer`, `features`, `parallelism`, ...).
    pub fn option(mut self, key: &str, value: Value) -> Self {
        self.options.insert(key.to_owned(), value);
        self
    }
}

/// An index as the server describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct IndexInfo {
    /// `collection/number`.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Type (`primary`, `edge`, `persistent`, ...).
    #[serde(rename = "type")]
    pub index_type: String,
    /// Attributes (strings; objects for inverted indexes).
    #[serde(default)]
    pub fields: Vec<Value>,
    /// Whether values must be unique.
    #[serde(default)]
    pub unique: bool,
    /// Whether documents without the attributes are left out.
    #[serde(default)]
    pub sparse: bool,
    /// On creation: whether the index was new (false: an identical one existed).
    #[serde(rename = "isNewlyCreated", default)]
    pub is_newly_created: Option<bool>,
    /// Every other attribute the server sent (type-specific options).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn strip_envelope(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("error");
        m.remove("code");
    }
    v
}

impl Collection {
    /// `collection/number` for a bare number or name, unchanged for a full id.
    fn index_path(&self, id: &str) -> String {
        match id.split_once('/') {
            Some((c, n)) => format!("/_api/index/{}/{}", enc(c), enc(n)),
            None => format!("/_api/index/{}/{}", enc(self.name()), enc(id)),
        }
    }

    /// All indexes, the primary (and edge) index first.
    pub async fn indexes(&self) -> Result<Vec<IndexInfo>> {
        let req = Req::new(Method::GET, "/_api/index").query("collection", self.name());
        let v = self.database().call(req).await?;
        let list = v
            .get("indexes")
            .cloned()
            .ok_or_else(|| Error::Deserialization {
                url: String::new(),
                message: "missing field indexes".into(),
            })?;
        from_value(list)
    }

    /// One index by id (`coll/n` or `n`) or name.
    pub async fn index(&self, id: &str) -> Result<IndexInfo> {
        let v = self
            .database()
            .call(Req::new(Method::GET, self.index_path(id)))
            .await?;
        from_value(strip_envelope(v))
    }

    /// Creates the index, or returns the existing one with the same definition
    /// (`is_newly_created == Some(false)`).
    pub async fn ensure_index(&self, def: &IndexDefinition) -> Result<IndexInfo> {
        let req = Req::new(Method::POST, "/_api/index")
            .query("collection", self.name())
            .json(def)?;
        from_value(strip_envelope(self.database().call(req).await?))
    }

    /// Deletes an index by id (`coll/n` or `n`) or name.
    pub async fn delete_index(&self, id: &str) -> Result<()> {
        self.database()
            .call(Req::new(Method::DELETE, self.index_path(id)))
            .await?;
        Ok(())
    }
}
