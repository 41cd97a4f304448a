//! Database handles: server info, databases, collections, documents, transactions, users.

use std::sync::Arc;

use dbauth::http::JwtToken;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::conn::{Connection, RawReply, RawRequest, Req, enc};
use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::job_slot::JobSlot;
use crate::query::AqlQuery;

/// `GET /_api/version`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct Version {
    /// Always `arango`.
    pub server: String,
    /// Server version.
    pub version: String,
    /// `community` or `enterprise`.
    pub license: String,
}

/// A collection as listed by the server.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectionInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 2: document collection, 3: edge collection.
    #[serde(rename = "type")]
    pub collection_type: u32,
    /// Whether it is a system collection.
    #[serde(rename = "isSystem", default)]
    pub is_system: bool,
}

/// `_id`, `_key`, `_rev` (and `new`/`old` when asked for) of a written document.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct DocumentMeta {
    /// `collection/key`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Key.
    #[serde(rename = "_key")]
    pub key: String,
    /// New revision.
    #[serde(rename = "_rev")]
    pub rev: String,
    /// Previous revision (update, replace).
    #[serde(rename = "_oldRev", default)]
    pub old_rev: Option<String>,
    /// The document after the write (with `return_new`).
    #[serde(default)]
    pub new: Option<Value>,
    /// The document before the write (with `return_old`).
    #[serde(default)]
    pub old: Option<Value>,
}

/// A handle on one database; cheap to clone. Inside a stream transaction (see
/// [`Transaction::db`]) every request carries the transaction id.
#[derive(Debug, Clone)]
pub struct Database {
    conn: Arc<Connection>,
    trx: Option<String>,
    /// Set on the handles `AsyncDatabase` gives its closures.
    job: Option<Arc<JobSlot>>,
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value> {
    v.get(name).ok_or_else(|| Error::Deserialization {
        url: String::new(),
        message: format!("missing field {name}"),
    })
}

pub(crate) fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| Error::Deserialization {
        url: String::new(),
        message: e.to_string(),
    })
}

impl Database {
    pub(crate) fn new(conn: Arc<Connection>) -> Self {
        Database {
            conn,
            trx: None,
            job: None,
        }
    }

    /// The same database, with requests going through `slot` (async job submission).
    pub(crate) fn with_job_slot(&self, slot: Arc<JobSlot>) -> Self {
        Database {
            conn: self.conn.clone(),
            trx: self.trx.clone(),
            job: Some(slot),
        }
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The database name.
    pub fn name(&self) -> &str {
        self.conn.db_name()
    }

    /// The current JWT (JWT and superuser auth).
    pub fn token(&self) -> Option<JwtToken> {
        self.conn.token()
    }

    /// Replaces the JWT (JWT and superuser auth) in place.
    pub fn set_token(&self, token: JwtToken) -> Result<()> {
        self.conn.set_token(token)
    }

    /// Obtains a new JWT with the username and password now.
    pub async fn refresh_token(&self) -> Result<JwtToken> {
        self.conn.refresh_token().await
    }

    /// How many times this handle's connection logged in via `/_open/auth`.
    pub fn refresh_count(&self) -> u64 {
        self.conn.refresh_count()
    }

    /// How many tokens this handle's connection renewed via `/_open/auth/renew`.
    pub fn renew_count(&self) -> u64 {
        self.conn.renew_count()
    }

    /// Sends any request (see [`RawRequest`]) with this handle's authentication, token
    /// refresh and retries, and inside its stream transaction if it has one; any status is
    /// returned as it is.
    pub async fn request(&self, mut r: RawRequest) -> Result<RawReply> {
        if let Some(t) = &self.trx {
            r.req = r.req.header("x-arango-trx-id", t)?;
        }
        self.conn.raw(r).await
    }

    pub(crate) async fn call(&self, mut req: Req) -> Result<Value> {
        if let Some(t) = &self.trx {
            req = req.header("x-arango-trx-id", t)?;
        }
        if let Some(slot) = &self.job {
            return slot.call(&self.conn, req).await;
        }
        self.conn.json(req).await
    }

    /// Checks that the server answers and the credentials and database are good; returns the
    /// HTTP status.
    pub async fn ping(&self) -> Result<u16> {
        self.call(Req::new(Method::GET, "/_api/collection")).await?;
        Ok(200)
    }

    /// The server version.
    pub async fn version(&self) -> Result<Version> {
        from_value(self.call(Req::new(Method::GET, "/_api/version")).await?)
    }

    /// Names of all databases (needs `_system`).
    pub async fn databases(&self) -> Result<Vec<String>> {
        let v = self.call(Req::new(Method::GET, "/_api/database")).await?;
        from_value(field(&v, "result")?.clone())
    }

    /// Whether database `name` exists.
    pub async fn has_database(&self, name: &str) -> Result<bool> {
        Ok(self.databases().await?.iter().any(|d| d == name))
    }

    /// Creates a database (from `_system`).
    pub async fn create_database(&self, name: &str) -> Result<()> {
        self.call(Req::new(Method::POST, "/_api/database").json(&json!({ "name": name }))?)
            .await?;
        Ok(())
    }

    /// Deletes a database (from `_system`).
    pub async fn delete_database(&self, name: &str) -> Result<()> {
        self.call(Req::new(
            Method::DELETE,
            format!("/_api/database/{}", enc(name)),
        ))
        .await?;
        Ok(())
    }

    /// All collections.
    pub async fn collections(&self) -> Result<Vec<CollectionInfo>> {
        let v = self.call(Req::new(Method::GET, "/_api/collection")).await?;
        from_value(field(&v, "result")?.clone())
    }

    /// Creates a document collection.
    pub async fn create_collection(&self, name: &str) -> Result<Collection> {
        self.call(Req::new(Method::POST, "/_api/collection").json(&json!({ "name": name }))?)
            .await?;
        Ok(self.collection(name))
    }

    /// Deletes a collection.
    pub async fn delete_collection(&self, name: &str) -> Result<()> {
        self.call(Req::new(
            Method::DELETE,
            format!("/_api/collection/{}", enc(name)),
        ))
        .await?;
        Ok(())
    }

    /// A handle on collection `name` (no request is made).
    pub fn collection(&self, name: &str) -> Collection {
        Collection {
            db: self.clone(),
            name: name.to_owned(),
        }
    }

    /// Runs an AQL query; results arrive in batches of `batch_size` (server default if
    /// `None`) as JSON values. See [`Database::query`] for all options.
    pub async fn aql(
        &self,
        query: &str,
        bind_vars: Map<String, Value>,
        batch_size: Option<u32>,
    ) -> Result<Cursor> {
        self.aql_as(query, bind_vars, batch_size).await
    }

    /// Like [`Database::aql`], with each result deserialized into `T`.
    pub async fn aql_as<T: DeserializeOwned>(
        &self,
        query: &str,
        bind_vars: Map<String, Value>,
        batch_size: Option<u32>,
    ) -> Result<Cursor<T>> {
        let mut q = AqlQuery::new(query).bind_vars(bind_vars);
        if let Some(b) = batch_size {
            q = q.batch_size(b);
        }
        self.query(q).await
    }

    /// Runs an AQL query with its options ([`AqlQuery`]: count, ttl, stream, fullCount,
    /// maxRuntime, allowRetry, ...); each result is deserialized into `T`.
    pub async fn query<T: DeserializeOwned>(&self, q: AqlQuery) -> Result<Cursor<T>> {
        let v = self
            .call(Req::new(Method::POST, "/_api/cursor").json(&q.body())?)
            .await?;
        Cursor::new(self.clone(), v, q.allows_retry())
    }

    /// Begins a stream transaction over these collections.
    pub async fn begin_transaction(&self, write: &[&str], read: &[&str]) -> Result<Transaction> {
        let body = json!({ "collections": { "write": write, "read": read } });
        let v = self
            .call(Req::new(Method::POST, "/_api/transaction/begin").json(&body)?)
            .await?;
        let id = field(field(&v, "result")?, "id")?
            .as_str()
            .ok_or_else(|| Error::Deserialization {
                url: String::new(),
                message: "transaction id is not a string".into(),
            })?
            .to_owned();
        Ok(Transaction {
            db: Database {
                conn: self.conn.clone(),
                trx: Some(id.clone()),
                job: None,
            },
            id,
        })
    }

    /// All users (`{"user","active","extra"}` objects).
    pub async fn users(&self) -> Result<Vec<Value>> {
        let v = self.call(Req::new(Method::GET, "/_api/user")).await?;
        from_value(field(&v, "result")?.clone())
    }

    /// Creates a user.
    pub async fn create_user(
        &self,
        name: &str,
        password: &dbauth::Secret,
        active: bool,
    ) -> Result<()> {
        let body = json!({ "user": name, "passwd": password.expose(), "active": active });
        self.call(Req::new(Method::POST, "/_api/user").json(&body)?)
            .await?;
        Ok(())
    }

    /// Deletes a user.
    pub async fn delete_user(&self, name: &str) -> Result<()> {
        self.call(Req::new(
            Method::DELETE,
            format!("/_api/user/{}", enc(name)),
        ))
        .await?;
        Ok(())
    }

    /// The user's access level on `db`: `rw`, `ro` or `none`.
    pub async fn permission(&self, user: &str, db: &str) -> Result<String> {
        let path = format!("/_api/user/{}/database/{}", enc(user), enc(db));
        let v = self.call(Req::new(Method::GET, path)).await?;
        from_value(field(&v, "result")?.clone())
    }

    /// Sets the user's access level (`rw`, `ro`, `none`) on `db`.
    pub async fn set_permission(&self, user: &str, db: &str, grant: &str) -> Result<()> {
        let path = format!("/_api/user/{}/database/{}", enc(user), enc(db));
        self.call(Req::new(Method::PUT, path).json(&json!({ "grant": grant }))?)
            .await?;
        Ok(())
    }

    /// Removes the user's explicit access level on `db`.
    pub async fn reset_permission(&self, user: &str, db: &str) -> Result<()> {
        let path = format!("/_api/user/{}/database/{}", enc(user), enc(db));
        self.call(Req::new(Method::DELETE, path)).await?;
        Ok(())
    }
}

/// A stream transaction. Use [`Transaction::db`] for requests inside it.
#[derive(Debug, Clone)]
pub struct Transaction {
    db: Database,
    id: String,
}

impl Transaction {
    /// The transaction id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// A database handle whose requests run inside the transaction.
    pub fn db(&self) -> &Database {
        &self.db
    }
    async fn finish(&self, method: Method) -> Result<String> {
        let path = format!("/_api/transaction/{}", enc(&self.id));
        let v = self.db.conn.json(Req::new(method, path)).await?;
        Ok(field(field(&v, "result")?, "status")?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }
    /// Commits; returns the final status.
    pub async fn commit(&self) -> Result<String> {
        self.finish(Method::PUT).await
    }
    /// Aborts; returns the final status.
    pub async fn abort(&self) -> Result<String> {
        self.finish(Method::DELETE).await
    }
}

/// A handle on a collection.
#[derive(Debug, Clone)]
pub struct Collection {
    pub(crate) db: Database,
    pub(crate) name: String,
}

impl Collection {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The database handle this collection belongs to.
    pub fn database(&self) -> &Database {
        &self.db
    }
    fn path(&self, sub: &str) -> String {
        format!("/_api/collection/{}{sub}", enc(&self.name))
    }
    pub(crate) fn doc_path(&self, key: Option<&str>) -> String {
        match key {
            Some(k) => format!("/_api/document/{}/{}", enc(&self.name), enc(k)),
            None => format!("/_api/document/{}", enc(&self.name)),
        }
    }

    /// The collection's properties.
    pub async fn properties(&self) -> Result<Value> {
        self.db
            .call(Req::new(Method::GET, self.path("/properties")))
            .await
    }

    /// Number of documents.
    pub async fn count(&self) -> Result<u64> {
        let v = self
            .db
            .call(Req::new(Method::GET, self.path("/count")))
            .await?;
        field(&v, "count")?
            .as_u64()
            .ok_or_else(|| Error::Deserialization {
                url: String::new(),
                message: "count is not a number".into(),
            })
    }

    /// Removes all documents.
    pub async fn truncate(&self) -> Result<()> {
        self.db
            .call(Req::new(Method::PUT, self.path("/truncate")))
            .await?;
        Ok(())
    }

    /// Inserts a document (a [`Value`] or any `Serialize` type).
    pub async fn insert<T: Serialize + ?Sized>(&self, doc: &T) -> Result<DocumentMeta> {
        from_value(
            self.db
                .call(Req::new(Method::POST, self.doc_path(None)).json(doc)?)
                .await?,
        )
    }

    /// Inserts many documents; each slot is the meta or that document's error.
    pub async fn insert_many<T: Serialize>(&self, docs: &[T]) -> Result<Vec<Result<DocumentMeta>>> {
        let v = self
            .db
            .call(Req::new(Method::POST, self.doc_path(None)).json(&docs)?)
            .await?;
        batch(v)
    }

    /// Reads a document as JSON.
    pub async fn get(&self, key: &str) -> Result<Value> {
        self.db
            .call(Req::new(Method::GET, self.doc_path(Some(key))))
            .await
    }

    /// Reads a document into any `Deserialize` type.
    pub async fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        from_value(self.get(key).await?)
    }

    /// Reads many documents by key; missing ones come back as errors in their slot.
    pub async fn get_many(&self, keys: &[&str]) -> Result<Vec<Result<Value>>> {
        let v = self
            .db
            .call(
                Req::new(Method::PUT, self.doc_path(None))
                    .query("onlyget", "true")
                    .json(&keys)?,
            )
            .await?;
        let arr = v.as_array().cloned().unwrap_or_default();
        Ok(arr.into_iter().map(item).collect())
    }

    async fn write<T: Serialize + ?Sized>(
        &self,
        method: Method,
        key: &str,
        doc: Option<&T>,
        if_match: Option<&str>,
    ) -> Result<DocumentMeta> {
        let mut req = Req::new(method, self.doc_path(Some(key)));
        if let Some(d) = doc {
            req = req.json(d)?;
        }
        if let Some(rev) = if_match {
            req = req.header("if-match", rev)?;
        }
        from_value(self.db.call(req).await?)
    }

    /// Merges `patch` into document `key`; with `if_match`, only if its `_rev` is that.
    pub async fn update<T: Serialize + ?Sized>(
        &self,
        key: &str,
        patch: &T,
        if_match: Option<&str>,
    ) -> Result<DocumentMeta> {
        self.write(Method::PATCH, key, Some(patch), if_match).await
    }

    /// Replaces document `key`; with `if_match`, only if its `_rev` is that.
    pub async fn replace<T: Serialize + ?Sized>(
        &self,
        key: &str,
        doc: &T,
        if_match: Option<&str>,
    ) -> Result<DocumentMeta> {
        self.write(Method::PUT, key, Some(doc), if_match).await
    }

    /// Deletes document `key`; with `if_match`, only if its `_rev` is that.
    pub async fn delete(&self, key: &str, if_match: Option<&str>) -> Result<DocumentMeta> {
        self.write::<Value>(Method::DELETE, key, None, if_match)
            .await
    }

    async fn write_many<T: Serialize>(
        &self,
        method: Method,
        docs: &[T],
        check_revs: bool,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        let mut req = Req::new(method, self.doc_path(None)).json(&docs)?;
        if check_revs {
            req = req.query("ignoreRevs", "false");
        }
        batch(self.db.call(req).await?)
    }

    /// Updates many documents (each needs `_key`); with `check_revs`, each `_rev` must match.
    pub async fn update_many<T: Serialize>(
        &self,
        docs: &[T],
        check_revs: bool,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        self.write_many(Method::PATCH, docs, check_revs).await
    }

    /// Replaces many documents (each needs `_key`); with `check_revs`, each `_rev` must match.
    pub async fn replace_many<T: Serialize>(
        &self,
        docs: &[T],
        check_revs: bool,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        self.write_many(Method::PUT, docs, check_revs).await
    }

    /// Deletes many documents (keys as strings or `{"_key": ...}` objects).
    pub async fn delete_many<T: Serialize>(
        &self,
        docs: &[T],
        check_revs: bool,
    ) -> Result<Vec<Result<DocumentMeta>>> {
        self.write_many(Method::DELETE, docs, check_revs).await
    }
}

fn item(v: Value) -> Result<Value> {
    if v.get("error").and_then(Value::as_bool) == Some(true) {
        return Err(Error::Server {
            code: 0,
            error_num: v.get("errorNum").and_then(Value::as_i64).unwrap_or(0),
            message: v
                .get("errorMessage")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            method: String::new(),
            url: String::new(),
        });
    }
    Ok(v)
}

pub(crate) fn batch(v: Value) -> Result<Vec<Result<DocumentMeta>>> {
    let arr = match v {
        Value::Array(a) => a,
        _ => {
            return Err(Error::Deserialization {
                url: String::new(),
                message: "expected an array".into(),
            });
        }
    };
    Ok(arr
        .into_iter()
        .map(|v| item(v).and_then(from_value))
        .collect())
}
