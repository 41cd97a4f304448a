//! Collection and database settings beyond the basics of [`Database`]: collections created
//! with options, their properties changed, renamed, their figures; databases created with
//! users and options.

use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::conn::Req;
use crate::database::{Collection, CollectionInfo, Database, from_value};
use crate::error::Result;

/// Options of [`Database::create_collection_with`] (each sent only when set).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CreateCollectionOptions {
    /// 2: document collection (default), 3: edge collection.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub collection_type: Option<u32>,
    /// `waitForSync`.
    #[serde(rename = "waitForSync", skip_serializing_if = "Option::is_none")]
    pub wait_for_sync: Option<bool>,
    /// `keyOptions`: `{"type": "traditional"|"autoincrement"|"uuid"|"padded",
    /// "allowUserKeys": bool, "increment": n, "offset": n}`.
    #[serde(rename = "keyOptions", skip_serializing_if = "Option::is_none")]
    pub key_options: Option<Value>,
    /// `schema`: `{"rule": {...}, "level": "strict"|..., "message": "..."}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// `computedValues`: `[{"name", "expression", "overwrite", ...}]`.
    #[serde(rename = "computedValues", skip_serializing_if = "Option::is_none")]
    pub computed_values: Option<Value>,
    /// `cacheEnabled`.
    #[serde(rename = "cacheEnabled", skip_serializing_if = "Option::is_none")]
    pub cache_enabled: Option<bool>,
    /// Cluster settings and any other attribute (`numberOfShards`, `replicationFactor`,
    /// `writeConcern`, `shardKeys`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateCollectionOptions {
    /// An edge collection.
    pub fn edge(mut self) -> Self {
        self.collection_type = Some(3);
        self
    }
    /// Sets `waitForSync`.
    pub fn wait_for_sync(mut self, yes: bool) -> Self {
        self.wait_for_sync = Some(yes);
        self
    }
    /// Sets `keyOptions`.
    pub fn key_options(mut self, v: Value) -> Self {
        self.key_options = Some(v);
        self
    }
    /// Sets `schema`.
    pub fn schema(mut self, v: Value) -> Self {
        self.schema = Some(v);
        self
    }
    /// Sets `computedValues`.
    pub fn computed_values(mut self, v: Value) -> Self {
        self.computed_values = Some(v);
        self
    }
    /// Sets `cacheEnabled`.
    pub fn cache_enabled(mut self, yes: bool) -> Self {
        self.cache_enabled = Some(yes);
        self
    }
    /// Sets any other attribute.
    pub fn option(mut self, key: &str, v: Value) -> Self {
        self.extra.insert(key.to_owned(), v);
        self
    }
}

/// What [`Collection::configure`] changes (each sent only when set; `schema: Some(Null)`
/// removes the schema).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CollectionConfig {
    /// `waitForSync`.
    #[serde(rename = "waitForSync", skip_serializing_if = "Option::is_none")]
    pub wait_for_sync: Option<bool>,
    /// `cacheEnabled`.
    #[serde(rename = "cacheEnabled", skip_serializing_if = "Option::is_none")]
    pub cache_enabled: Option<bool>,
    /// `schema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// `computedValues`.
    #[serde(rename = "computedValues", skip_serializing_if = "Option::is_none")]
    pub computed_values: Option<Value>,
    /// `replicationFactor` (cluster).
    #[serde(rename = "replicationFactor", skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<Value>,
    /// `writeConcern` (cluster).
    #[serde(rename = "writeConcern", skip_serializing_if = "Option::is_none")]
    pub write_concern: Option<u32>,
}

impl CollectionConfig {
    /// Sets `waitForSync`.
    pub fn wait_for_sync(mut self, yes: bool) -> Self {
        self.wait_for_sync = Some(yes);
        self
    }
    /// Sets `cacheEnabled`.
    pub fn cache_enabled(mut self, yes: bool) -> Self {
        self.cache_enabled = Some(yes);
        self
    }
    /// Sets `schema` (`Value::Null` removes it).
    pub fn schema(mut self, v: Value) -> Self {
        self.schema = Some(v);
        self
    }
    /// Sets `computedValues`.
    pub fn computed_values(mut self, v: Value) -> Self {
        self.computed_values = Some(v);
        self
    }
    /// Sets `replicationFactor`.
    pub fn replication_factor(mut self, v: Value) -> Self {
        self.replication_factor = Some(v);
        self
    }
    /// Sets `writeConcern`.
    pub fn write_concern(mut self, n: u32) -> Self {
        self.write_concern = Some(n);
        self
    }
}

/// A user to create with a database ([`Database::create_database_with`]). Its `Debug`
/// shows no password.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DatabaseUser {
    /// Name.
    pub username: String,
    /// Password.
    pub password: dbauth::Secret,
    /// Whether the user is active (server default: true).
    pub active: Option<bool>,
    /// Extra data.
    pub extra: Option<Value>,
}

impl DatabaseUser {
    /// A user with this password.
    pub fn new(username: &str, password: &dbauth::Secret) -> Self {
        DatabaseUser {
            username: username.to_owned(),
            password: password.clone(),
            active: None,
            extra: None,
        }
    }
    /// Sets `active`.
    pub fn active(mut self, yes: bool) -> Self {
        self.active = Some(yes);
        self
    }
    /// Sets `extra`.
    pub fn extra(mut self, v: Value) -> Self {
        self.extra = Some(v);
        self
    }
    /// The request's form (the password only in the body sent to the server).
    fn body(&self) -> Value {
        let mut v = json!({ "username": self.username, "passwd": self.password.expose() });
        if let Some(a) = self.active {
            v["active"] = Value::Bool(a);
        }
        if let Some(e) = &self.extra {
            v["extra"] = e.clone();
        }
        v
    }
}

/// Database options of [`Database::create_database_with`] (cluster settings; each sent only
/// when set).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DatabaseOptions {
    /// `sharding`: `""` or `"single"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharding: Option<String>,
    /// `replicationFactor`: a number or `"satellite"`.
    #[serde(rename = "replicationFactor", skip_serializing_if = "Option::is_none")]
    pub replication_factor: Option<Value>,
    /// `writeConcern`.
    #[serde(rename = "writeConcern", skip_serializing_if = "Option::is_none")]
    pub write_concern: Option<u32>,
}

impl DatabaseOptions {
    /// Sets `sharding`.
    pub fn sharding(mut self, s: &str) -> Self {
        self.sharding = Some(s.to_owned());
        self
    }
    /// Sets `replicationFactor`.
    pub fn replication_factor(mut self, v: Value) -> Self {
        self.replication_factor = Some(v);
        self
    }
    /// Sets `writeConcern`.
    pub fn write_concern(mut self, n: u32) -> Self {
        self.write_concern = Some(n);
        self
    }
}

fn strip(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("error");
        m.remove("code");
    }
    v
}

impl Database {
    /// Creates a collection with options.
    pub async fn create_collection_with(
        &self,
        name: &str,
        opts: &CreateCollectionOptions,
    ) -> Result<Collection> {
        let mut body = serde_json::to_value(opts)
            .map_err(|e| crate::error::Error::Serialization(e.to_string()))?;
        body["name"] = Value::from(name);
        self.call(Req::new(Method::POST, "/_api/collection").json(&body)?)
            .await?;
        Ok(self.collection(name))
    }

    /// Creates a database (from `_system`) with users that get access to it and options.
    pub async fn create_database_with(
        &self,
        name: &str,
        users: &[DatabaseUser],
        options: &DatabaseOptions,
    ) -> Result<()> {
        let mut body = json!({ "name": name });
        if !users.is_empty() {
            body["users"] = Value::Array(users.iter().map(DatabaseUser::body).collect());
        }
        if *options != DatabaseOptions::default() {
            body["options"] = json!(options);
        }
        self.call(Req::new(Method::POST, "/_api/database").json(&body)?)
            .await?;
        Ok(())
    }
}

impl Collection {
    fn sub(&self, s: &str) -> String {
        format!("/_api/collection/{}{s}", crate::conn::enc(self.name()))
    }

    /// Id, name, type, status.
    pub async fn info(&self) -> Result<CollectionInfo> {
        from_value(
            self.database()
                .call(Req::new(Method::GET, self.sub("")))
                .await?,
        )
    }

    /// Changes properties; returns them all.
    pub async fn configure(&self, cfg: &CollectionConfig) -> Result<Value> {
        let req = Req::new(Method::PUT, self.sub("/properties")).json(cfg)?;
        Ok(strip(self.database().call(req).await?))
    }

    /// Renames the collection; returns a handle under the new name.
    pub async fn rename(&self, new_name: &str) -> Result<Collection> {
        let req = Req::new(Method::PUT, self.sub("/rename")).json(&json!({ "name": new_name }))?;
        self.database().call(req).await?;
        Ok(self.database().collection(new_name))
    }

    /// Properties, count and `figures` (index count, sizes, cache use).
    pub async fn figures(&self) -> Result<Value> {
        Ok(strip(
            self.database()
                .call(Req::new(Method::GET, self.sub("/figures")))
                .await?,
        ))
    }

    /// Removes all documents, with `waitForSync` and `compact` (compact the storage after).
    pub async fn truncate_with(&self, wait_for_sync: bool, compact: bool) -> Result<()> {
        let b = |v: bool| if v { "true" } else { "false" };
        let req = Req::new(Method::PUT, self.sub("/truncate"))
            .query("waitForSync", b(wait_for_sync))
            .query("compact", b(compact));
        self.database().call(req).await?;
        Ok(())
    }
}
