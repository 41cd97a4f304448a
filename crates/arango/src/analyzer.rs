//! Analyzers (`/_api/analyzer`) for ArangoSearch: the built-in ones and user-defined ones,
//! whose full names are `<database>::<name>`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::conn::{Req, enc};
use crate::database::{Database, from_value};
use crate::error::{Error, Result};

/// What an analyzer keeps of each token besides the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AnalyzerFeature {
    /// How often a term occurs.
    Frequency,
    /// Field normalisation (for scoring).
    Norm,
    /// Term positions (phrase queries).
    Position,
    /// Term offsets (needs `Position`).
    Offset,
}

/// An analyzer definition as the server describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AnalyzerInfo {
    /// Name (`db::name` for user-defined analyzers).
    pub name: String,
    /// Type (`identity`, `text`, `delimiter`, `norm`, `stem`, `ngram`, `pipeline`, ...).
    #[serde(rename = "type")]
    pub analyzer_type: String,
    /// Type-specific properties.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Features.
    #[serde(default)]
    pub features: Vec<AnalyzerFeature>,
}

fn strip(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("error");
        m.remove("code");
    }
    v
}

impl Database {
    /// The analyzers usable in this database (built-in, its own, `_system`'s).
    pub async fn analyzers(&self) -> Result<Vec<AnalyzerInfo>> {
        let mut v = self.call(Req::new(Method::GET, "/_api/analyzer")).await?;
        let list = v
            .get_mut("result")
            .map(Value::take)
            .ok_or_else(|| Error::Deserialization {
                url: String::new(),
                message: "missing field result".into(),
            })?;
        from_value(list)
    }

    /// One analyzer, by short or full name.
    pub async fn analyzer(&self, name: &str) -> Result<AnalyzerInfo> {
        let path = format!("/_api/analyzer/{}", enc(name));
        from_value(strip(self.call(Req::new(Method::GET, path)).await?))
    }

    /// Creates an analyzer; an identical existing one is returned as it is.
    pub async fn create_analyzer(
        &self,
        name: &str,
        analyzer_type: &str,
        properties: Map<String, Value>,
        features: &[AnalyzerFeature],
    ) -> Result<AnalyzerInfo> {
        let body = json!({
            "name": name, "type": analyzer_type, "properties": properties, "features": features,
        });
        let req = Req::new(Method::POST, "/_api/analyzer").json(&body)?;
        from_value(strip(self.call(req).await?))
    }

    /// Deletes an analyzer; with `force` even if a view uses it.
    pub async fn delete_analyzer(&self, name: &str, force: bool) -> Result<()> {
        let mut req = Req::new(Method::DELETE, format!("/_api/analyzer/{}", enc(name)));
        if force {
            req = req.query("force", "true");
        }
        self.call(req).await?;
        Ok(())
    }
}
