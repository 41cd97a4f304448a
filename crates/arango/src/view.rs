//! ArangoSearch views (`/_api/view`): `arangosearch` views with links to collections, and
//! `search-alias` views over inverted indexes.
//!
//! ```no_run
//! # async fn demo(db: arango::Database) -> arango::Result<()> {
//! use serde_json::json;
//! let props = json!({"links": {"docs": {"analyzers": ["text_en"], "includeAllFields": true}}});
//! let v = db.create_view("search", "arangosearch", props.as_object().cloned().unwrap_or_default()).await?;
//! db.update_view(&v.name, json!({"commitIntervalMsec": 500}).as_object().cloned().unwrap_or_default()).await?;
//! db.delete_view(&v.name).await?;
//! # Ok(()) }
//! ```

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::conn::{Req, enc};
use crate::database::{Database, from_value};
use crate::error::{Error, Result};

/// A view: its identity and, from the calls that return them, its properties.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ViewInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `arangosearch` or `search-alias`.
    #[serde(rename = "type")]
    pub view_type: String,
    /// Cluster-wide unique id.
    #[serde(rename = "globallyUniqueId", default)]
    pub globally_unique_id: String,
    /// The properties (`links`, `consolidationPolicy`, `indexes`, ...); empty from
    /// [`Database::views`] and [`Database::view`].
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

fn info(mut v: Value) -> Result<ViewInfo> {
    if let Value::Object(m) = &mut v {
        m.remove("error");
        m.remove("code");
    }
    from_value(v)
}

impl Database {
    fn view_path(name: &str, sub: &str) -> String {
        format!("/_api/view/{}{sub}", enc(name))
    }

    /// All views (identity only).
    pub async fn views(&self) -> Result<Vec<ViewInfo>> {
        let mut v = self.call(Req::new(Method::GET, "/_api/view")).await?;
        let list = v
            .get_mut("result")
            .map(Value::take)
            .ok_or_else(|| Error::Deserialization {
                url: String::new(),
                message: "missing field result".into(),
            })?;
        from_value(list)
    }

    /// One view (identity only).
    pub async fn view(&self, name: &str) -> Result<ViewInfo> {
        info(
            self.call(Req::new(Method::GET, Self::view_path(name, "")))
                .await?,
        )
    }

    /// One view with its properties.
    pub async fn view_properties(&self, name: &str) -> Result<ViewInfo> {
        let req = Req::new(Method::GET, Self::view_path(name, "/properties"));
        info(self.call(req).await?)
    }

    /// Creates a view of `view_type` (`arangosearch` or `search-alias`) with `properties`.
    pub async fn create_view(
        &self,
        name: &str,
        view_type: &str,
        properties: Map<String, Value>,
    ) -> Result<ViewInfo> {
        let mut body = properties;
        body.insert("name".into(), Value::from(name));
        body.insert("type".into(), Value::from(view_type));
        info(
            self.call(Req::new(Method::POST, "/_api/view").json(&body)?)
                .await?,
        )
    }

    /// Replaces the view's mutable properties (those not given return to their defaults).
    pub async fn replace_view(
        &self,
        name: &str,
        properties: Map<String, Value>,
    ) -> Result<ViewInfo> {
        let req = Req::new(Method::PUT, Self::view_path(name, "/properties")).json(&properties)?;
        info(self.call(req).await?)
    }

    /// Merges `properties` into the view's (a link set to `null` is removed).
    pub async fn update_view(
        &self,
        name: &str,
        properties: Map<String, Value>,
    ) -> Result<ViewInfo> {
        let req =
            Req::new(Method::PATCH, Self::view_path(name, "/properties")).json(&properties)?;
        info(self.call(req).await?)
    }

    /// Renames a view.
    pub async fn rename_view(&self, name: &str, new_name: &str) -> Result<ViewInfo> {
        let body = serde_json::json!({ "name": new_name });
        let req = Req::new(Method::PUT, Self::view_path(name, "/rename")).json(&body)?;
        info(self.call(req).await?)
    }

    /// Deletes a view.
    pub async fn delete_view(&self, name: &str) -> Result<()> {
        self.call(Req::new(Method::DELETE, Self::view_path(name, "")))
            .await?;
        Ok(())
    }
}
